"""Two-factor sign-in (issue 14): a time-based code (TOTP, RFC 6238, with pyotp) from the
member's authenticator app, or one of ten single-use recovery codes shown once.

The TOTP secret is sealed at rest (tokens.sealer); recovery codes are kept as hashes. A code is
good once: the time step it matched is remembered (Organizer.totp_last_step), so a code seen
over a shoulder cannot be replayed. Owners may require a second factor of everyone with access
to guest data (TeamSettings.require_second_factor) and reset a member's lost one."""

import io
import secrets

import pyotp
import qrcode
import qrcode.image.svg
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Organizer, OrganizerRole, RecoveryCode, TeamSettings, utcnow
from eventsite.services import DomainError, ErrorCode, accounts, activity, tokens
from eventsite.services.activity import ActivityKind

ISSUER = "Resident Networking"
RECOVERY_CODES = 10
#: Roles with access to guests' data: the requirement applies to them (a viewer reads figures).
GUEST_DATA_ROLES = {OrganizerRole.OWNER, OrganizerRole.ORGANIZER, OrganizerRole.HOST, OrganizerRole.DOOR}
_SEAL = b"eventsite totp-secret v1"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def enrolment_qr_svg(member: Organizer, secret: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (made on each request, never cached)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=member.email, issuer_name=ISSUER)
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode().split("?>", 1)[-1].strip()


def _secret_of(member: Organizer) -> str:
    return tokens.sealer(_SEAL).decrypt(member.totp_secret.encode()).decode()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (±1 for clock drift) whose code is ``code``, or None."""
    totp = pyotp.TOTP(secret)
    now = utcnow()
    step = totp.timecode(now)
    for offset in (0, -1, 1):
        if secrets.compare_digest(totp.generate_otp(step + offset), code):
            return step + offset
    return None


def _clean(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _new_recovery_codes(member: Organizer) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.organizer_id == member.id))
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(organizer_id=member.id, code_hash=tokens.hashed(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def enrol(member: Organizer, secret: str, code: str) -> list[str]:
    """Turn the second factor on once the app shows the right code; returns the recovery codes
    (shown once). Raises ``bad_code``."""
    step = _matching_step(secret, _clean(code))
    if step is None:
        raise DomainError(
            "That code is not right. Check that the app shows Resident Networking and type the code it shows now.",
            ErrorCode.BAD_CODE,
            "code",
        )
    member.totp_secret = tokens.sealer(_SEAL).encrypt(secret.encode()).decode()
    member.totp_enabled_at = utcnow()
    member.totp_last_step = step
    return _new_recovery_codes(member)


def verify(member: Organizer, code: str) -> bool:
    """Whether ``code`` proves the second factor: a TOTP code not used before, or an unused
    recovery code (spent by this call)."""
    if member.totp_secret is None:
        return False
    cleaned = _clean(code)
    if len(cleaned) == 6 and cleaned.isdigit():
        step = _matching_step(_secret_of(member), cleaned)
        if step is None or (member.totp_last_step is not None and step <= member.totp_last_step):
            return False
        member.totp_last_step = step
        return True
    spent = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.organizer_id == member.id,
            RecoveryCode.code_hash == tokens.hashed(cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return spent.rowcount == 1


def recovery_codes_left(member: Organizer) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.organizer_id == member.id, RecoveryCode.used_at.is_(None))
    )


def _prove(member: Organizer, code: str) -> None:
    if not verify(member, code):
        raise DomainError("That code is not right (or was used already).", ErrorCode.BAD_CODE, "code")


def regenerate_recovery_codes(member: Organizer, code: str) -> list[str]:
    """New recovery codes (the old ones stop working); needs a current code. Raises ``bad_code``."""
    _prove(member, code)
    return _new_recovery_codes(member)


def settings() -> TeamSettings:
    row = db.session.get(TeamSettings, 1)
    if row is None:
        row = TeamSettings(id=1, require_second_factor=False)
        db.session.add(row)
    return row


def is_required() -> bool:
    row = db.session.get(TeamSettings, 1)
    return row is not None and row.require_second_factor


def required_of(member: Organizer) -> bool:
    return member.role in GUEST_DATA_ROLES and is_required()


def turn_off(member: Organizer, code: str) -> None:
    """Turn the member's own second factor off. Raises ``second_factor_required``, ``bad_code``."""
    if required_of(member):
        raise DomainError(
            "Your team requires a second factor of everyone with access to guests' data.",
            ErrorCode.SECOND_FACTOR_REQUIRED,
            "code",
        )
    _prove(member, code)
    _clear(member)


def _clear(member: Organizer) -> None:
    member.totp_secret = member.totp_enabled_at = member.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.organizer_id == member.id))


def reset(member: Organizer) -> int:
    """An owner clears another member's lost second factor: they enrol again at their next
    sign-in, and every session of theirs ends now. Recorded. Raises ``no_second_factor``."""
    if member.totp_enabled_at is None:
        raise DomainError(f"{member.name} has no second factor to reset.", ErrorCode.NO_SECOND_FACTOR)
    _clear(member)
    activity.record(ActivityKind.SECOND_FACTOR_RESET, f"Reset {member.name}'s second factor", subject=member)
    return accounts.end_sessions(member)


def require(required: bool, *, by: Organizer) -> None:
    row = settings()
    if row.require_second_factor != required:
        activity.record(
            ActivityKind.TEAM_SETTINGS_CHANGED,
            "Second factor " + ("required" if required else "no longer required") + " for access to guest data",
            changes={"require_second_factor": [row.require_second_factor, required]},
        )
    row.require_second_factor = required
    row.updated_by = by.email
