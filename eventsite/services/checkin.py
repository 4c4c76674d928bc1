"""Door check-in: door links, scanning badges, undo, and the door's live figures (pretix's vocabulary).

Every scan is recorded as a ``CheckIn`` row, rejected ones included. A scan carries a nonce made
by the scanning device; the same nonce again returns the first verdict and records nothing new,
so a phone may retry a request whose answer it never saw. The partial unique index "one standing
admission per RSVP" settles races between doors (see ``check_in``).
"""

import dataclasses
import datetime as dt
import enum
import json
import re

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from eventsite.extensions import db
from eventsite.models import CheckIn, DoorLink, Event, Rsvp, RsvpStatus, utcnow
from eventsite.models.enums import CheckInResult
from eventsite.services import DomainError, doors, tickets

#: Door links open this long before the event starts and close this long after it ends.
ORGANIZER_DOOR = "Organizer"
MAX_NONCE = 64
#: A nonce is made by our own door page; anything else is refused before it reaches the database.
NONCE_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: How far a device clock may run ahead of ours before we use our own time instead.
CLOCK_SKEW = dt.timedelta(minutes=5)
#: A device time this far outside the door's window means the device's clock is off.
CLOCK_SLACK = dt.timedelta(days=1)


class Reason(enum.StrEnum):
    """Why a scan was not admitted; stable codes for the JSON API and the door page."""

    UNKNOWN_CODE = "unknown_code"
    WRONG_EVENT = "wrong_event"
    EVENT_CANCELLED = "event_cancelled"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    PENDING = "pending"
    ALREADY_CHECKED_IN = "already_checked_in"


#: (what the volunteer sees, what to do next) for each red verdict.
RED_WORDS = {
    Reason.UNKNOWN_CODE: (
        "Unknown badge",
        "This code is not one of ours, or the badge was replaced. Search the guest by name, or send them to the organizer.",
    ),
    Reason.WRONG_EVENT: (
        "Badge for another event",
        "This badge belongs to a different event. Send the guest to the organizer.",
    ),
    Reason.EVENT_CANCELLED: ("Event cancelled", "This event was cancelled. Send the guest to the organizer."),
    Reason.CANCELLED: (
        "RSVP cancelled",
        "This RSVP was cancelled. Send the guest to the organizer to re-register if there is room.",
    ),
    Reason.DECLINED: ("RSVP declined", "This RSVP was declined. Send the guest to the organizer."),
    Reason.WAITLISTED: ("On the waitlist", "This guest has no confirmed place yet. Send them to the organizer."),
    Reason.OFFERED: (
        "Place not claimed",
        "This guest was offered a place but has not claimed it. Send them to the organizer.",
    ),
    Reason.PENDING: ("Awaiting approval", "This RSVP has not been approved. Send the guest to the organizer."),
}

STATUS_REASONS = {
    RsvpStatus.CANCELLED: Reason.CANCELLED,
    RsvpStatus.DECLINED: Reason.DECLINED,
    RsvpStatus.WAITLISTED: Reason.WAITLISTED,
    RsvpStatus.OFFERED: Reason.OFFERED,
    RsvpStatus.PENDING: Reason.PENDING,
}


# ---------------------------------------------------------------------------------------------
# Scanning


@dataclasses.dataclass(frozen=True)
class Guest:
    """What the door may see of a guest: never the e-mail address, and the dietary and
    accessibility notes only with a green verdict (``of(rsvp, notes=False)`` leaves them out)."""

    rsvp_id: int
    name: str
    full_name: str
    pronouns: str
    program: str
    level: str
    status: str
    dietary_notes: str
    accessibility_notes: str
    walk_in: bool

    @classmethod
    def of(cls, rsvp: Rsvp, *, notes: bool = True) -> "Guest":
        return cls(
            rsvp_id=rsvp.id,
            name=rsvp.display_name,
            full_name=rsvp.full_name,
            pronouns=rsvp.pronouns,
            program=rsvp.institution,
            level=rsvp.training_level.label,
            status=rsvp.status.value,
            dietary_notes=rsvp.dietary_notes if notes else "",
            accessibility_notes=rsvp.accessibility_notes if notes else "",
            walk_in=rsvp.source == "walk_in",
        )


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The verdict on one scan.

    ``colour``: green (admitted), amber (already checked in), red (anything else). ``guest`` is
    None for unknown codes and for another event's badge. For amber, ``previous_at`` and
    ``previous_door`` say when and where the guest was admitted. ``replayed``: this nonce was
    seen before and this is its first verdict again.
    """

    result: str
    reason: str
    colour: str
    title: str
    message: str
    check_in_id: int
    #: When the scan counts as made: the device's time, or the received time if its clock was off.
    scanned_at: dt.datetime
    clock_off: bool = False
    guest: Guest | None = None
    previous_at: dt.datetime | None = None
    previous_door: str = ""
    replayed: bool = False

    @property
    def admitted(self) -> bool:
        return self.result == CheckInResult.ADMITTED


def standing_admission(rsvp_id: int) -> CheckIn | None:
    return db.session.scalar(sa.select(CheckIn).where(CheckIn.rsvp_id == rsvp_id, CheckIn.standing))


def standing_admission_before_insert(rsvp_id: int) -> CheckIn | None:
    """The cheap pre-check; the unique index is what actually settles a race (tests stub this)."""
    return standing_admission(rsvp_id)


def _verdict(row: CheckIn, rsvp: Rsvp | None, *, replayed: bool = False) -> Verdict:
    # A refused scan tells the door who it was, not the guest's private notes.
    guest = Guest.of(rsvp, notes=row.result == CheckInResult.ADMITTED) if rsvp is not None else None
    if row.result == CheckInResult.ADMITTED:
        return Verdict(
            result=row.result.value,
            reason="",
            colour="green",
            title="Welcome",
            message=f"Welcome, {guest.name}!" if guest else "Welcome!",
            check_in_id=row.id,
            scanned_at=row.at,
            clock_off=row.clock_off,
            guest=guest,
            replayed=replayed,
        )
    if row.reason == Reason.ALREADY_CHECKED_IN:
        first = standing_admission(row.rsvp_id) if row.rsvp_id else None
        return Verdict(
            result=row.result.value,
            reason=row.reason,
            colour="amber",
            title="Already checked in",
            message="This badge was already scanned. Check the guest's face against the name before letting them in.",
            check_in_id=row.id,
            scanned_at=row.at,
            clock_off=row.clock_off,
            guest=guest,
            previous_at=first.at if first else None,
            previous_door=first.door if first else "",
            replayed=replayed,
        )
    title, message = RED_WORDS.get(Reason(row.reason), ("Not admitted", "Send the guest to the organizer."))
    return Verdict(
        result=row.result.value,
        reason=row.reason,
        colour="red",
        title=title,
        message=message,
        check_in_id=row.id,
        scanned_at=row.at,
        clock_off=row.clock_off,
        guest=guest,
        replayed=replayed,
    )


def _replay(event: Event, nonce: str) -> Verdict | None:
    row = db.session.scalar(sa.select(CheckIn).where(CheckIn.nonce == nonce))
    if row is None:
        return None
    if row.event_id != event.id:
        raise DomainError("This scan id was already used for another event.", "nonce_reused")
    rsvp = row.rsvp if row.reason != Reason.WRONG_EVENT else None
    return _verdict(row, rsvp, replayed=True)


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
        raise DomainError("The scan time needs a time zone.", "bad_scanned_at", "scanned_at")
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
        raise DomainError(f"A scan id is 1 to {MAX_NONCE} letters, digits or _.:-", "bad_nonce", "nonce")
    device_time = _device_time(scanned_at, now, _door_window(event, door))
    # No look-up of the nonce first: a retry is rare, and its insert below clashes with the
    # unique nonce, which sends it to ``_replay`` (one query less for every first scan).
    ticket_code = tickets.parse_code(code)
    found = tickets.find_rsvp(ticket_code) if ticket_code else None
    return _scan(event, found, door=door, by=by, nonce=nonce, device_time=device_time, now=now)


#: Most scans one upload may carry; a phone sends its queue in chunks of this size or less.
MAX_UPLOAD = 200


class UploadStatus(enum.StrEnum):
    ACCEPTED = "accepted"  # recorded now (admitted or turned away: see the verdict)
    DUPLICATE = "duplicate"  # this scan was uploaded before: the first verdict, nothing recorded
    REJECTED = "rejected"  # cannot be a scan of ours (malformed, not a badge): nothing recorded


@dataclasses.dataclass(frozen=True)
class Uploaded:
    """What became of one uploaded scan. Every status is final: the phone may forget the scan."""

    status: UploadStatus
    verdict: Verdict | None = None
    reason: str = ""
    message: str = ""


def read_device_time(value) -> tuple[dt.datetime | None, bool]:
    """A phone's ``scanned_at`` (ISO 8601 with its offset), and whether it could be read at all:
    (None, True) when absent, (None, False) when garbled."""
    if value is None:
        return None, True
    try:
        parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        return None, False
    return parsed, True


def upload_scan(event: Event, item, *, door: DoorLink | None = None, by: str = ORGANIZER_DOOR) -> Uploaded:
    """Settle one scan a phone kept while offline (an object with ``code``, ``nonce`` and
    ``scanned_at``), from the phone's upload or from the file an organizer uploads for it.
    Never raises for what the scan holds: a malformed scan is ``rejected`` with its reason."""
    if not isinstance(item, dict):
        return Uploaded(UploadStatus.REJECTED, reason="bad_scan", message="Not a scan (an object with code and nonce).")
    code, nonce = item.get("code"), item.get("nonce")
    if not isinstance(nonce, str) or not NONCE_RE.fullmatch(nonce):
        return Uploaded(UploadStatus.REJECTED, reason="bad_nonce", message="The scan has no valid scan id (nonce).")
    if not isinstance(code, str) or not tickets.could_be_ours(code):
        return Uploaded(UploadStatus.REJECTED, reason="not_a_badge", message=tickets.NOT_A_BADGE)
    # A garbled time must not cost a real admission: the scan counts when it arrived, clock off.
    scanned_at, readable = read_device_time(item.get("scanned_at"))
    try:
        verdict = check_in(event, code, door=door, by=by, nonce=nonce, scanned_at=scanned_at)
    except DomainError as exc:
        return Uploaded(UploadStatus.REJECTED, reason=exc.code, message=exc.message)
    if not readable and not verdict.replayed:
        db.session.get(CheckIn, verdict.check_in_id).clock_off = True
        verdict = dataclasses.replace(verdict, clock_off=True)
    return Uploaded(UploadStatus.DUPLICATE if verdict.replayed else UploadStatus.ACCEPTED, verdict)


def upload_scans(
    event: Event, items: list, *, door: DoorLink | None = None, by: str = ORGANIZER_DOOR
) -> list[Uploaded]:
    """``upload_scan`` for each of ``items``, in order."""
    return [upload_scan(event, item, door=door, by=by) for item in items]


#: The ``kind`` of the file a door phone saves when it cannot upload its scans.
SCANS_FILE_KIND = "eventsite-door-scans"
#: Most scans one file may hold (a phone's whole evening, with room to spare).
MAX_SCANS_FILE = 5000


@dataclasses.dataclass(frozen=True)
class ScansFile:
    door: str
    scans: list


def read_scans_file(event: Event, data: bytes) -> ScansFile:
    """The scans in the file a door phone saved (door_upload.js, ``offerFile``). Raises
    DomainError ``bad_scans_file`` (field ``file``) for anything else, or a file of another event."""

    def bad(message: str) -> DomainError:
        return DomainError(message, "bad_scans_file", "file")

    not_scans = bad("This is not a file of door scans. Choose the .json file the door phone saved.")
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise not_scans from None
    if (
        not isinstance(content, dict)
        or content.get("kind") != SCANS_FILE_KIND
        or not isinstance(content.get("scans"), list)
    ):
        raise not_scans
    if content.get("event_id") != event.id:
        raise bad("These scans are from another event's door. Upload them on that event's Door tab.")
    if not 0 < len(content["scans"]) <= MAX_SCANS_FILE:
        raise bad(f"The file should hold 1 to {MAX_SCANS_FILE} scans.")
    door = content.get("door")
    label = door.strip()[:60] if isinstance(door, str) else ""
    # The label goes into every check-in row: printable text only (isprintable refuses NUL and
    # lone surrogates alike).
    if not label or not label.isprintable():
        label = "a door phone"
    return ScansFile(door=label, scans=content["scans"])


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
        raise DomainError(f"A scan id is 1 to {MAX_NONCE} letters, digits or _.:-", "bad_nonce", "nonce")
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
            return _verdict(row, rsvp)

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
    return _verdict(row, rsvp)


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
        raise DomainError("There is no such check-in at this door.", "not_found")
    if row.result != CheckInResult.ADMITTED:
        raise DomainError("That scan did not admit anyone, so there is nothing to undo.", "not_admitted")
    if row.undone_at is None:
        row.undone_at = now or utcnow()
        row.undone_by = f"door:{door.label}"[:120] if door else by[:120]
        db.session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Search and figures

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
        raise DomainError("Please type letters of the name only.", "bad_query", "q")
    if len(words) < MIN_SEARCH:
        raise DomainError(f"Type at least {MIN_SEARCH} letters of the name.", "query_too_short", "q")
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


@dataclasses.dataclass(frozen=True)
class Scan:
    check_in_id: int
    at: dt.datetime
    #: The scanning device's clock was off (``at`` is then the time the server received the scan).
    clock_off: bool
    door: str
    result: str
    reason: str
    name: str
    undone: bool


@dataclasses.dataclass(frozen=True)
class DoorStats:
    checked_in: int
    confirmed: int
    walk_ins: int
    #: (start of the 15-minute slot, admissions in it), from the first admission to the last
    #: within the event's door window.
    per_quarter: list[tuple[dt.datetime, int]]
    last_scans: list[Scan]


def door_stats(event: Event, *, last: int = 10) -> DoorStats:
    """Live figures for the door page and the dashboard (a fixed number of queries)."""
    standing = (CheckIn.event_id == event.id, CheckIn.standing)
    times = list(db.session.scalars(sa.select(CheckIn.at).where(*standing)))
    walk_ins = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CheckIn)
        .join(Rsvp, Rsvp.id == CheckIn.rsvp_id)
        .where(*standing, Rsvp.source == "walk_in")
    )
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED)
    )
    slots: dict[dt.datetime, int] = {}
    # The chart covers the event's door window only, whatever times are stored.
    opens, closes = doors.default_window(event)
    for t in times:
        if not opens <= t <= closes:
            continue
        slot = t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0)
        slots[slot] = slots.get(slot, 0) + 1
    per_quarter = []
    if slots:
        slot, end = min(slots), max(slots)
        while slot <= end:
            per_quarter.append((slot, slots.get(slot, 0)))
            slot += dt.timedelta(minutes=15)
    rows = db.session.execute(
        sa.select(CheckIn, Rsvp.badge_name, Rsvp.first_name)
        .outerjoin(Rsvp, Rsvp.id == CheckIn.rsvp_id)
        .where(CheckIn.event_id == event.id)
        .order_by(CheckIn.received_at.desc(), CheckIn.id.desc())
        .limit(last)
    ).all()
    scans = [
        Scan(
            check_in_id=c.id,
            at=c.at,
            clock_off=c.clock_off,
            door=c.door,
            result=c.result.value,
            reason=c.reason,
            name=(badge or first or "") if c.reason != Reason.WRONG_EVENT else "",
            undone=c.undone_at is not None,
        )
        for c, badge, first in rows
    ]
    return DoorStats(
        checked_in=len(times),
        confirmed=confirmed or 0,
        walk_ins=walk_ins or 0,
        per_quarter=per_quarter,
        last_scans=scans,
    )
