"""Door links: the URL a volunteer's phone opens the door page with, its window, PIN, label and
revocation. Scanning itself is services.checkin."""

import datetime as dt
import re

import sqlalchemy as sa
from sqlalchemy import orm
from werkzeug.security import check_password_hash, generate_password_hash

from eventsite.extensions import db
from eventsite.models import DoorLink, Event, utcnow
from eventsite.services import DomainError, ErrorCode, links, tokens

#: A door link works from this long before the start until this long after the end, by default.
DOOR_MARGIN = dt.timedelta(hours=2)
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def default_window(event: Event) -> tuple[dt.datetime, dt.datetime]:
    """2 h before the start to 2 h after the end."""
    return event.starts_at - DOOR_MARGIN, event.ends_at + DOOR_MARGIN


def create_door_link(
    event: Event,
    *,
    label: str,
    pin: str | None = None,
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
    actor: str = "",
) -> DoorLink:
    """A new door link for ``event`` (added and flushed). Window defaults to ``default_window``.

    Raises DomainError ``bad_label`` (field label), ``bad_pin`` (field pin: 4–12 digits) or
    ``bad_window`` (field valid_until: the window must end after it starts).
    """
    label = " ".join((label or "").split())
    if not label or len(label) > 80:
        raise DomainError(
            "Please give the door a name of up to 80 characters, e.g. “Door 1”.", ErrorCode.BAD_LABEL, "label"
        )
    pin = (pin or "").strip() or None
    if pin is not None and not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise DomainError("A PIN is 4 to 12 digits.", ErrorCode.BAD_PIN, "pin")
    start, end = default_window(event)
    valid_from, valid_until = valid_from or start, valid_until or end
    if valid_until <= valid_from:
        raise DomainError("The link must stop working after it starts working.", ErrorCode.BAD_WINDOW, "valid_until")
    link = DoorLink(
        event=event,
        label=label,
        token=tokens.new_token(),
        pin_hash=generate_password_hash(pin) if pin else None,
        valid_from=valid_from,
        valid_until=valid_until,
        created_by=actor,
    )
    db.session.add(link)
    db.session.flush()
    return link


def revoke_door_link(link: DoorLink, *, now: dt.datetime | None = None) -> None:
    """Stop ``link`` from working at once (idempotent)."""
    if link.revoked_at is None:
        link.revoked_at = now or utcnow()
        db.session.flush()


def door_links(event: Event) -> list[DoorLink]:
    return list(db.session.scalars(sa.select(DoorLink).where(DoorLink.event_id == event.id).order_by(DoorLink.id)))


def door_url(link: DoorLink) -> str:
    return f"{links.base_url()}/door/{link.token}"


def find_door_link(token: str) -> DoorLink | None:
    """The door link with this token, whatever its state; None for junk."""
    if not token or not TOKEN_RE.fullmatch(token):
        return None
    # Every API call of a door loads its link and then its event: one query for both.
    link = db.session.scalar(sa.select(DoorLink).options(orm.joinedload(DoorLink.event)).where(DoorLink.token == token))
    if link is None or not tokens.tokens_equal(link.token, token):
        return None
    return link


#: How long after a door link expires its phone may still upload the scans it kept offline
#: (never after the organizer revoked it: that is the button for a lost phone).
UPLOAD_GRACE = dt.timedelta(hours=12)


def open_door_link(token: str, *, now: dt.datetime | None = None, for_upload: bool = False) -> DoorLink:
    """The usable door link for ``token``. Raises DomainError ``door_not_found``,
    ``door_revoked``, ``door_not_yet_open`` or ``door_expired``. ``for_upload``: an upload of
    offline scans, which an expired link may still make for UPLOAD_GRACE."""
    now = now or utcnow()
    link = find_door_link(token)
    if link is None:
        raise DomainError("This door link is not valid. Ask the organizer for a new one.", ErrorCode.DOOR_NOT_FOUND)
    if link.revoked_at is not None:
        raise DomainError("This door link was switched off by the organizer.", ErrorCode.DOOR_REVOKED)
    if now < link.valid_from:
        raise DomainError("This door link is not open yet.", ErrorCode.DOOR_NOT_YET_OPEN)
    if now >= link.valid_until + (UPLOAD_GRACE if for_upload else dt.timedelta(0)):
        raise DomainError("This door link has expired.", ErrorCode.DOOR_EXPIRED)
    return link


def check_pin(link: DoorLink, pin: str | None) -> bool:
    """Whether ``pin`` unlocks ``link`` (always True for a link without a PIN)."""
    if link.pin_hash is None:
        return True
    return bool(pin) and len(pin) <= 12 and check_password_hash(link.pin_hash, pin)
