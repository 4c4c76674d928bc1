"""The verdict on a scan: why a guest was turned away (``Reason``, pretix's vocabulary), the
words the door shows for it, and what the door may see of the guest."""

import dataclasses
import datetime as dt
import enum

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CheckIn, Rsvp, RsvpStatus
from eventsite.models.enums import CheckInResult


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


@dataclasses.dataclass(frozen=True)
class Guest:
    """What the door may see of a guest: never the e-mail address, and the dietary and
    accessibility notes only with a green verdict (``of(rsvp, notes=False)`` leaves them out)."""

    rsvp_id: int
    name: str
    full_name: str
    pronouns: str
    institution: str
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
            institution=rsvp.institution,
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


def verdict_of(row: CheckIn, rsvp: Rsvp | None, *, replayed: bool = False) -> Verdict:
    """The verdict a recorded scan gave (``replayed``: given again for a nonce seen before)."""
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
