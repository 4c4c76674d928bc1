"""Organizer accounts: password rules, creation, and one revocable row per sign-in."""

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from werkzeug.security import check_password_hash
from zxcvbn.matching import RANKED_DICTIONARIES

from eventsite.extensions import db
from eventsite.models import LoginSession, Organizer, OrganizerRole, utcnow
from eventsite.services import DomainError, ErrorCode, tokens

MIN_PASSWORD = 8
MAX_PASSWORD = 256
#: zxcvbn's list of the 30,000 most used passwords, ranked; we refuse the top 10,000.
COMMON_PASSWORD_RANK = 10_000


def check_password_rules(password: str, *, email: str = "") -> None:
    """Raise DomainError ``weak_password`` (field ``password``) unless the password is acceptable.

    At least 8 characters, at most 256 (long pass-phrases are welcome), not one of the most
    common passwords, and not the account's own e-mail address.
    """
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"Use at least {MIN_PASSWORD} characters.", ErrorCode.WEAK_PASSWORD, "password")
    if len(password) > MAX_PASSWORD:
        raise DomainError(f"Use at most {MAX_PASSWORD} characters.", ErrorCode.WEAK_PASSWORD, "password")
    rank = RANKED_DICTIONARIES["passwords"].get(password.lower())
    if rank is not None and rank <= COMMON_PASSWORD_RANK:
        raise DomainError(
            "That password is one of the most common ones; choose another.", ErrorCode.WEAK_PASSWORD, "password"
        )
    if email and password.lower() in (email.lower(), email.split("@")[0].lower()):
        raise DomainError("Don't use your e-mail address as your password.", ErrorCode.WEAK_PASSWORD, "password")


def normalise_login(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(str(exc), ErrorCode.BAD_EMAIL, "email") from None


def find_organizer(email: str) -> Organizer | None:
    return db.session.scalar(sa.select(Organizer).where(Organizer.email == email.strip().lower()))


#: The scrypt hash of a random password nobody kept (same method and cost as the accounts'),
#: checked for an unknown address so that it costs what a known one does.
DECOY_HASH = "scrypt:32768:8:1$TZvAVkCrxJwj9XdF$8804df3ba3c85367eec03b9803034aab68e6fb02c9cfdc09ad741aac7b62c53f5c2461df1c7c7e0482f3ef8c913228f4d77b91a2ea81349570d61719c1571752"


def authenticate(email: str, password: str) -> Organizer | None:
    """The organizer with this address and password, or None. An unknown address costs the same
    password hashing as a known one, so the response time does not tell which addresses exist."""
    organizer = find_organizer(email)
    if organizer is None:
        check_password_hash(DECOY_HASH, password)
        return None
    # a deactivated member is answered like a wrong password: the form tells nobody who was removed
    return organizer if organizer.check_password(password) and organizer.is_active else None


def create_organizer(
    *, email: str, name: str, password: str, role: OrganizerRole = OrganizerRole.ORGANIZER
) -> Organizer:
    """Create an account. Raises DomainError ``bad_email``, ``email_taken``, ``weak_password``."""
    address = normalise_login(email)
    if find_organizer(address) is not None:
        raise DomainError("An organizer with this e-mail already exists.", ErrorCode.EMAIL_TAKEN, "email")
    check_password_rules(password, email=address)
    organizer = Organizer(email=address, name=name.strip() or address.split("@")[0], role=role)
    organizer.set_password(password)
    db.session.add(organizer)
    db.session.flush()
    return organizer


def change_password(organizer: Organizer, new_password: str, *, keep_token: str | None = None) -> int:
    """Set a new password and sign out every other browser; returns how many were signed out.

    Raises DomainError ``weak_password``.
    """
    check_password_rules(new_password, email=organizer.email)
    organizer.set_password(new_password)
    return end_sessions(organizer, keep_token=keep_token)


def end_sessions(organizer: Organizer, *, keep_token: str | None = None) -> int:
    """Sign the member out everywhere (but the browser holding ``keep_token``); how many ended."""
    query = sa.update(LoginSession).where(LoginSession.organizer_id == organizer.id, LoginSession.revoked_at.is_(None))
    if keep_token:
        query = query.where(LoginSession.token_hash != tokens.hashed(keep_token))
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount


def start_login_session(organizer: Organizer, *, user_agent: str = "", ip_address: str = "") -> str:
    """Record a sign-in (with the browser and address, for "My sign-ins"); returns the token to
    keep in the session cookie."""
    token = tokens.new_token()
    db.session.add(
        LoginSession(
            organizer_id=organizer.id,
            token_hash=tokens.hashed(token),
            user_agent=user_agent[:300],
            ip_address=ip_address[:45],
            last_seen_at=utcnow(),
        )
    )
    db.session.flush()
    return token


def organizer_for_session(token: str) -> Organizer | None:
    """The organizer of a live sign-in, or None when unknown or signed out."""
    if not token or len(token) > 64:
        return None
    row = db.session.scalar(
        sa.select(LoginSession).where(
            LoginSession.token_hash == tokens.hashed(token), LoginSession.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    organizer = row.organizer
    if not organizer.is_active:  # deactivated: their sessions are over, even one ended late
        return None
    organizer.login_session_token = token
    organizer.session_last_seen = row.last_seen_at
    return organizer


def end_login_session(token: str) -> None:
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.token_hash == tokens.hashed(token), LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
