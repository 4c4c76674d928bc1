"""A forgotten password: a single-use link valid RESET_MINUTES, e-mailed only to an address
that has an account, while the page says the same either way. Using it sets the new password
and signs the account out everywhere else."""

import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Organizer, PasswordReset, utcnow
from eventsite.services import accounts, links, mail, tokens

RESET_MINUTES = 60


def request_reset(email: str) -> None:
    """Queue a reset link for ``email`` if it belongs to an active member; nothing otherwise
    (the caller shows the same page). Earlier unused links of that account stop working."""
    member = accounts.find_organizer(email)
    if member is None or not member.is_active:
        return
    now = utcnow()
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.organizer_id == member.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    token = tokens.new_token()
    db.session.add(
        PasswordReset(
            organizer_id=member.id,
            token_hash=tokens.hashed(token),
            expires_at=now + dt.timedelta(minutes=RESET_MINUTES),
        )
    )
    mail.queue_message(
        to=member.email,
        kind="password_reset",
        subject="Choose a new password for Resident Networking",
        template="password_reset",
        name=member.name,
        reset_url=f"{links.base_url()}/reset-password/{token}",
        minutes=RESET_MINUTES,
    )


def reset_for(token: str) -> PasswordReset | None:
    """The live reset this link opens, or None (unknown, used or expired: answered alike)."""
    if not token or len(token) > 64:
        return None
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == tokens.hashed(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow() or not reset.organizer.is_active:
        return None
    return reset


def use(reset: PasswordReset, password: str) -> Organizer:
    """Set the new password, spend the link, end every session. Raises ``weak_password``."""
    member = reset.organizer
    accounts.change_password(member, password)
    reset.used_at = utcnow()
    return member
