"""Scanning at the door: a badge code, or a guest found by name, is checked against the event,
the scan recorded and its verdict returned; ``undo_check_in`` takes an admission back.

Every scan is recorded as a ``CheckIn`` row, rejected ones included. A scan carries a nonce made
by the scanning device; the same nonce again returns the first verdict and records nothing new,
so a phone may retry a request whose answer it never saw. The partial unique index "one standing
admission per RSVP" settles races between doors (see ``_scan``).
"""

import dataclasses
import datetime as dt
import re

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eventsite.extensions import db
from eventsite.models import CheckIn, DoorLink, Event, Rsvp, RsvpStatus, utcnow
from eventsite.models.enums import CheckInResult
from eventsite.services import DomainError, ErrorCode, doors, tickets
from eventsite.services.checkin.verdicts import STATUS_REASONS, Guest, Reason, Verdict, standing_admission, verdict_of

#: What a scan by a signed-in organizer (no door link) records as its door.
ORGANIZER_DOOR = "Organizer"
MAX_NONCE = 64
#: A nonce is made by our own door page; anything else is refused before it reaches the database.
NONCE_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: How far a device clock may run ahead of ours before we use our own time instead.
CLOCK_SKEW = dt.timedelta(minutes=5)
#: A device time this far outside the door's window means the device's clock is off.
CLOCK_SLACK = dt.timedelta(days=1)


def standing_admission_before_insert(rsvp_id: int) -> CheckIn | None:
    """The cheap pre-check; the unique index is what actually settles a race (tests stub this)."""
    return standing_admission(rsvp_id)


def _replay(event: Event, nonce: str) -> Verdict | None:
    row = db.session.scalar(sa.select(CheckIn).where(CheckIn.nonce == nonce))
    if row is None:
        return None
    if row.event_id != event.id:
        raise DomainError("This scan id was already used for another event.", ErrorCode.NONCE_REUSED)
    rsvp = row.rsvp if row.reason != Reason.WRONG_EVENT else None
    return verdict_of(row, rsvp, replayed=True)


def _device_time(
    scanned_at: dt.datetime | None, now: dt.datetime, window: tuple[dt.datetime, dt.datetime]
) -> tuple[dt.datetime, bool]:
    """The time to record for a scan and whether the device's clock was off.

    A time outside the door's ``window`` widened by CLOCK_SLACK is kept as the device reported
    it, flagged, and figures use the received time instead (``CheckIn.at``). A time no datetime
    can hold in UTC (year 1 east of Greenwich, year 9999 west of it) is flagged and replaced by
    the received time. Within the window, a clock that runs fast cannot put admissions in the future.
    """
    if scanned_at is None:
        return now, False
    if scanned_at.tzinfo is None:
        raise DomainError("The scan time needs a time zone.", ErrorCode.BAD_SCANNED_AT, "scanned_at")
    try:
        device = scanned_at.astimezone(dt.UTC)
    except OverflowError:
        return now, True
    first, last = window
    if not first - CLOCK_SLACK <= device <= last + CLOCK_SLACK:
        return device, True
    return min(device, now + CLOCK_SKEW), False


def _door_window(event: Event, door: DoorLink | None) -> tuple[dt.datetime, dt.datetime]:
    return (door.valid_from, door.valid_until) if door is not None else doors.default_window(event)


def check_in(
    event: Event,
    code: str,
    *,
    door: DoorLink | None = None,
    by: str = ORGANIZER_DOOR,
    nonce: str | None = None,
    scanned_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Verdict:
    """Scan ``code`` (a badge URL or a bare ticket code) at ``event``'s door and record the scan.

    ``door``: the door link used (its label is recorded), or None for a signed-in organizer
    (recorded as ``by``). ``nonce``: the device's id for this physical scan; a nonce seen before
    returns the first verdict (``replayed``) and records nothing. ``scanned_at``: the device's
    clock (offline scans arrive late); the server's time is kept as ``received_at``.

    Returns a Verdict; refusals are verdicts, not errors. Raises DomainError
    ``bad_nonce`` (field nonce), ``nonce_reused`` (the nonce belongs to another event's scan)
    or ``bad_scanned_at``.
    """
    now = now or utcnow()
    if nonce is not None and not NONCE_RE.fullmatch(nonce):
        raise DomainError(f"A scan id is 1 to {MAX_NONCE} letters, digits or _.:-", ErrorCode.BAD_NONCE, "nonce")
    device_time = _device_time(scanned_at, now, _door_window(event, door))
    # No look-up of the nonce first: a retry is rare, and its insert below clashes with the
    # unique nonce, which sends it to ``_replay`` (one query less for every first scan).
    ticket_code = tickets.parse_code(code)
    found = tickets.find_rsvp(ticket_code) if ticket_code else None
    return _scan(event, found, door=door, by=by, nonce=nonce, device_time=device_time, now=now)


def check_in_guest(
    event: Event,
    rsvp_id: int,
    *,
    door: DoorLink | None = None,
    by: str = ORGANIZER_DOOR,
    nonce: str | None = None,
    scanned_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Verdict:
    """Check in a guest found by name search (no badge at hand); same contract as ``check_in``.
    A guest of another event counts as unknown, so ids reveal nothing; so does an anonymised one."""
    now = now or utcnow()
    if nonce is not None and not NONCE_RE.fullmatch(nonce):
        raise DomainError(f"A scan id is 1 to {MAX_NONCE} letters, digits or _.:-", ErrorCode.BAD_NONCE, "nonce")
    device_time = _device_time(scanned_at, now, _door_window(event, door))
    if nonce is not None and (seen := _replay(event, nonce)) is not None:
        return seen
    found = db.session.get(Rsvp, rsvp_id) if 0 < rsvp_id < 2**31 else None
    if found is not None and (found.event_id != event.id or found.is_anonymised):
        found = None
    return _scan(event, found, door=door, by=by, nonce=nonce, device_time=device_time, now=now)


def _scan(
    event: Event,
    found: Rsvp | None,
    *,
    door: DoorLink | None,
    by: str,
    nonce: str | None,
    device_time: tuple[dt.datetime, bool],
    now: dt.datetime,
) -> Verdict:
    """Decide on ``found`` (None: no such badge), record the scan and return its verdict."""
    rsvp = None
    if found is None:
        reason = Reason.UNKNOWN_CODE
    elif found.event_id != event.id:
        reason = Reason.WRONG_EVENT  # recorded without the guest: the door learns nothing about them
    else:
        rsvp = found
        if event.is_cancelled:
            reason = Reason.EVENT_CANCELLED
        elif rsvp.status != RsvpStatus.CONFIRMED:
            reason = STATUS_REASONS.get(rsvp.status, Reason.PENDING)
        elif standing_admission_before_insert(rsvp.id) is not None:
            reason = Reason.ALREADY_CHECKED_IN
        else:
            reason = None

    fields = dict(
        event_id=event.id,
        rsvp_id=rsvp.id if rsvp else None,
        scanned_at=device_time[0],
        clock_off=device_time[1],
        received_at=now,
        nonce=nonce,
        door=door.label if door else by[:80],
        door_link_id=door.id if door else None,
    )
    if reason is None:
        # Two doors may scan the same badge at once: both saw no admission above, and the
        # partial unique index lets only one insert stand. The loser's insert fails inside a
        # savepoint, so its transaction survives to record "already checked in" instead.
        # The same happens when a retry with this nonce raced us (unique nonce).
        try:
            with db.session.begin_nested():
                row = CheckIn(result=CheckInResult.ADMITTED, reason="", **fields)
                db.session.add(row)
        except IntegrityError:
            if nonce is not None and (seen := _replay(event, nonce)) is not None:
                return seen
            reason = Reason.ALREADY_CHECKED_IN
        else:
            return verdict_of(row, rsvp)

    try:
        with db.session.begin_nested():
            row = CheckIn(result=CheckInResult.REJECTED, reason=reason.value, **fields)
            db.session.add(row)
    except IntegrityError:
        # Only the nonce can clash here: a retry of this very scan got in first.
        seen = _replay(event, nonce) if nonce is not None else None
        if seen is None:
            raise
        return seen
    return verdict_of(row, rsvp)


def undo_check_in(
    event: Event,
    check_in_id: int,
    *,
    door: DoorLink | None = None,
    by: str = ORGANIZER_DOOR,
    now: dt.datetime | None = None,
) -> CheckIn:
    """Take back an admission (the volunteer let the wrong person in, or tapped by mistake).

    A door link may undo only admissions made through that same link; an organizer (``door``
    None) any admission of the event. Idempotent for an admission already undone. Raises
    DomainError ``not_found`` or ``not_admitted``.
    """
    # Ids are 32-bit on PostgreSQL; a larger number is simply not one of ours.
    row = db.session.get(CheckIn, check_in_id) if 0 < check_in_id < 2**31 else None
    if row is None or row.event_id != event.id or (door is not None and row.door_link_id != door.id):
        raise DomainError("There is no such check-in at this door.", ErrorCode.NOT_FOUND)
    if row.result != CheckInResult.ADMITTED:
        raise DomainError("That scan did not admit anyone, so there is nothing to undo.", ErrorCode.NOT_ADMITTED)
    if row.undone_at is None:
        row.undone_at = now or utcnow()
        row.undone_by = f"door:{door.label}"[:120] if door else by[:120]
        db.session.flush()
    return row


#: The name search wants this many characters at least and shows SEARCH_LIMIT guests at most.
MIN_SEARCH = 3
SEARCH_LIMIT = 20


@dataclasses.dataclass(frozen=True)
class SearchHit:
    guest: Guest
    checked_in_at: dt.datetime | None


def search_guests(event: Event, query: str, *, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Guests of ``event`` whose name (first, last or badge name) contains ``query`` (at least
    MIN_SEARCH characters, case-insensitive). Raises DomainError ``query_too_short``."""
    words = " ".join((query or "").split())[:100]
    if not words.isprintable():
        raise DomainError("Please type letters of the name only.", ErrorCode.BAD_QUERY, "q")
    if len(words) < MIN_SEARCH:
        raise DomainError(f"Type at least {MIN_SEARCH} letters of the name.", ErrorCode.QUERY_TOO_SHORT, "q")
    lower = sa.func.unicode_lower if db.session.get_bind().dialect.name == "sqlite" else sa.func.lower
    name = Rsvp.first_name + " " + Rsvp.last_name + " " + Rsvp.badge_name
    conditions = [lower(name).contains(w.lower(), autoescape=True) for w in words.split(" ")[:5]]
    rsvps = db.session.scalars(
        sa.select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.anonymised_at.is_(None), *conditions)
        .order_by(Rsvp.last_name, Rsvp.first_name, Rsvp.id)
        .limit(limit)
    ).all()
    admitted = _admission_times([r.id for r in rsvps])
    return [SearchHit(guest=Guest.of(r), checked_in_at=admitted.get(r.id)) for r in rsvps]


def _admission_times(rsvp_ids: list[int]) -> dict[int, dt.datetime]:
    if not rsvp_ids:
        return {}
    rows = db.session.execute(
        sa.select(CheckIn.rsvp_id, CheckIn.at).where(CheckIn.rsvp_id.in_(rsvp_ids), CheckIn.standing)
    )
    return dict(rows.all())
