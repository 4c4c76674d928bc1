"""Walk-ins: a guest registered at the door, confirmed and checked in in one step.

Organizers decide at the door, so a walk-in is confirmed even when the event is full (the
history notes "over capacity") and even after the RSVP deadline; only a cancelled event
refuses. The e-mail address is optional: without one the guest gets no mail, and a private
placeholder key keeps the one-live-RSVP-per-address index out of the way.

A walk-in carries the door page's nonce like a scan. The nonce lands on the admission's
CheckIn row, so a retried POST (the phone never saw the answer) finds that row and returns the
same guest instead of registering them twice.
"""

import dataclasses
import datetime as dt

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from eventsite.database import lock_event
from eventsite.extensions import db
from eventsite.models import CheckIn, DoorLink, Event, Rsvp, RsvpStatus, TrainingLevel, utcnow
from eventsite.services import DomainError, ErrorCode, checkin, rsvps
from eventsite.services.capacity import seats_taken
from eventsite.services.guest_details import INSTITUTION_KEY, GuestDetails

WALK_IN = "walk_in"
#: How long the "Print badge" link a door gets for its walk-in works.
BADGE_LINK_MAX_AGE = dt.timedelta(minutes=30)
NAME_MAX = 100
INSTITUTION_MAX = 200


@dataclasses.dataclass(frozen=True)
class WalkIn:
    rsvp: Rsvp
    verdict: checkin.Verdict
    #: (confirmed guests, capacity) when this walk-in took the event past its capacity.
    over_capacity: tuple[int, int] | None = None
    #: The nonce was seen before: this is the first request's guest again.
    replayed: bool = False


def _replay(event: Event, nonce: str) -> WalkIn | None:
    row = db.session.scalar(sa.select(CheckIn).where(CheckIn.nonce == nonce))
    if row is None:
        return None
    rsvp = row.rsvp
    if row.event_id != event.id or rsvp is None or rsvp.source != WALK_IN:
        raise DomainError("This request id was already used for something else.", ErrorCode.NONCE_REUSED, "nonce")
    return WalkIn(rsvp=rsvp, verdict=checkin.verdict_of(row, rsvp, replayed=True), replayed=True)


def _clean(value: str, field: str, label: str, limit: int, *, required: bool) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise DomainError(f"Please give the guest's {label}.", ErrorCode(f"bad_{field}"), field)
    if len(value) > limit:
        raise DomainError(f"The {label} can be at most {limit} characters.", ErrorCode(f"bad_{field}"), field)
    return value


def register_walk_in(
    event: Event,
    *,
    first_name: str,
    last_name: str = "",
    training_level: str,
    email: str = "",
    institution: str = "",
    nonce: str,
    door: DoorLink | None = None,
    by: str = checkin.ORGANIZER_DOOR,
    now: dt.datetime | None = None,
) -> WalkIn:
    """Register a walk-in for ``event`` as a confirmed RSVP (source "walk_in") and admit them.

    ``email`` is optional; with one, the guest gets the usual confirmation e-mail and private
    link. ``nonce``: the door page's id for this registration; the same nonce again returns the
    first result (``replayed``) and creates nothing. Call under ``writing()``.

    Raises DomainError ``bad_nonce`` / ``nonce_reused`` (field nonce), ``bad_first_name``,
    ``bad_last_name``, ``bad_program`` (the API's name for the institution), ``bad_training_level``, ``bad_email`` and
    ``already_registered`` (field email: that address has a live RSVP, so scan or search for
    them instead), ``event_cancelled``.
    """
    now = now or utcnow()
    if not isinstance(nonce, str) or not checkin.NONCE_RE.fullmatch(nonce):
        raise DomainError(
            f"A request id is 1 to {checkin.MAX_NONCE} letters, digits or _.:-", ErrorCode.BAD_NONCE, "nonce"
        )
    lock_event(event.id)
    db.session.refresh(event)
    # After the lock: a concurrent retry of this very request has committed by now, or not begun.
    if (seen := _replay(event, nonce)) is not None:
        return seen

    first = _clean(first_name, "first_name", "first name", NAME_MAX, required=True)
    last = _clean(last_name, "last_name", "last name", NAME_MAX, required=False)
    # its field is INSTITUTION_KEY in the API: the refusal names that field
    institution = _clean(institution, INSTITUTION_KEY, "program", INSTITUTION_MAX, required=False)
    try:
        level = TrainingLevel(training_level)
    except ValueError:
        raise DomainError("Please choose the guest's level.", ErrorCode.BAD_TRAINING_LEVEL, "training_level") from None
    email = (email or "").strip()
    if email:
        address, key = rsvps.normalise_email(email)
        existing = rsvps.find_live_rsvp(event, key)
        if existing is not None:
            # The door learns that the address is taken, not whose it is or where they stand.
            raise DomainError(
                "This address already has an RSVP for this event. Scan their badge or find them by name instead.",
                ErrorCode.ALREADY_REGISTERED,
                "email",
            )
    else:
        # No address: a placeholder key that can never match a real one (no "@").
        address, key = "", f"walk-in:{nonce}"
    if event.is_cancelled:
        raise DomainError("This event is cancelled, so nobody can be registered.", ErrorCode.EVENT_CANCELLED)

    taken = seats_taken(event)
    full = event.capacity is not None and taken >= event.capacity
    where = door.label if door is not None else by
    note = f"walk-in at {where}" + (f", over capacity ({taken + 1}/{event.capacity})" if full else "")
    details = GuestDetails(
        first_name=first, last_name=last, email=address, institution=institution, training_level=level
    )
    rsvp = rsvps.insert_rsvp(
        event,
        details,
        email_key=key,
        status=RsvpStatus.CONFIRMED,
        now=now,
        actor=f"door:{where}"[:120],
        source=WALK_IN,
        note=note,
        queue_mail=bool(address),
    )
    verdict = checkin.check_in_guest(event, rsvp.id, door=door, by=by, nonce=nonce, now=now)
    return WalkIn(rsvp=rsvp, verdict=verdict, over_capacity=(taken + 1, event.capacity) if full else None)


# ---------------------------------------------------------------------------------------------
# The walk-in's badge: a door link may fetch exactly this one badge, for a short while.


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="walk-in-badge")


def badge_token(rsvp: Rsvp, door: DoorLink | None) -> str:
    """A signed, short-lived token naming this walk-in and the door that registered them."""
    return _serializer().dumps([rsvp.id, door.id if door is not None else 0])


def rsvp_for_badge_token(token: str, *, now: dt.datetime | None = None) -> Rsvp | None:
    """The walk-in a badge token (``badge_token``) names, or None when the token is forged,
    older than BADGE_LINK_MAX_AGE, its door link no longer open, or the guest no longer a
    confirmed walk-in."""
    try:
        rsvp_id, door_id = _serializer().loads(token, max_age=int(BADGE_LINK_MAX_AGE.total_seconds()))
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(rsvp_id, int) or not isinstance(door_id, int):
        return None
    rsvp = db.session.get(Rsvp, rsvp_id)
    if rsvp is None or rsvp.source != WALK_IN or rsvp.status != RsvpStatus.CONFIRMED:
        return None
    if door_id:
        link = db.session.get(DoorLink, door_id)
        if link is None or link.event_id != rsvp.event_id or not link.is_open(now or utcnow()):
            return None
    return rsvp
