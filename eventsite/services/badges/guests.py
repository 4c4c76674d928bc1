"""The badges of an event's guests: who gets one (and in which order), whether a badge admits
its holder, re-issued codes, the colour band, printed marks, the event's printer offset, and one
badge printed on the spot."""

import dataclasses
import datetime as dt
import unicodedata
from collections.abc import Iterable

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import BadgeRole, Event, Rsvp, RsvpAction, RsvpStatus, utcnow
from eventsite.services import DomainError, ErrorCode, history, tokens
from eventsite.services.badges.design import badge_data
from eventsite.services.badges.layouts import MAX_OFFSET_MM
from eventsite.services.badges.render import render_badges_pdf


def sort_key(rsvp: Rsvp) -> tuple:
    """Last name, then first name, ignoring case and accents (Ørsted with the Os, Á with the As)."""

    def plain(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ø", "o").replace("ł", "l")

    return (plain(rsvp.last_name), plain(rsvp.first_name), rsvp.id)


SELECTIONS = ("all", "unprinted", "selected")


def guests_for_badges(event: Event, *, selection: str = "all", rsvp_ids: Iterable[int] = ()) -> list[Rsvp]:
    """Confirmed guests of ``event`` by last name: all, those not printed yet, or ``rsvp_ids``.

    Raises DomainError ``bad_selection`` (field selection).
    """
    if selection not in SELECTIONS:
        raise DomainError("Please choose which badges to print.", ErrorCode.BAD_SELECTION, "selection")
    query = sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED)
    if selection == "unprinted":
        query = query.where(Rsvp.badge_printed_at.is_(None))
    elif selection == "selected":
        query = query.where(Rsvp.id.in_(sorted(set(rsvp_ids))))
    return sorted(db.session.scalars(query), key=sort_key)


@dataclasses.dataclass(frozen=True)
class EntryStatus:
    valid: bool
    #: Why not, in words for the page; "" when valid.
    reason: str = ""


def entry_status(rsvp: Rsvp) -> EntryStatus:
    """Whether this badge admits its holder: a confirmed RSVP to an event that still takes place."""
    if rsvp.event.is_cancelled:
        return EntryStatus(False, "The event was cancelled.")
    if rsvp.status == RsvpStatus.CONFIRMED:
        return EntryStatus(True)
    reasons = {
        RsvpStatus.CANCELLED: "This RSVP was cancelled.",
        RsvpStatus.DECLINED: "This RSVP was declined.",
        RsvpStatus.WAITLISTED: "This guest is on the waitlist, not confirmed.",
        RsvpStatus.OFFERED: "This guest has been offered a place but has not claimed it.",
        RsvpStatus.PENDING: "This RSVP is awaiting approval.",
    }
    return EntryStatus(False, reasons.get(rsvp.status, "This RSVP is not confirmed."))


def reissue_ticket_code(rsvp: Rsvp, *, actor: str) -> str:
    """Give ``rsvp`` a new badge code (lost badge): the old one stops working at once, and the
    badge counts as not printed. Recorded in the history. Returns the new code.
    Raises DomainError ``not_live`` for a cancelled or declined RSVP."""

    if not rsvp.is_live:
        raise DomainError("This RSVP is no longer live, so its badge can't be re-issued.", ErrorCode.NOT_LIVE)
    rsvp.ticket_code = tokens.new_ticket_code()
    rsvp.badge_printed_at = None
    history.record(rsvp, RsvpAction.EDITED, actor, "badge code re-issued (the old badge no longer scans)")
    db.session.flush()
    return rsvp.ticket_code


def set_badge_role(rsvp: Rsvp, role: BadgeRole | str | None, *, actor: str) -> bool:
    """Choose the badge's colour band (None: follow the training level). Returns whether it changed."""
    role = BadgeRole(role) if role else None
    if rsvp.badge_role == role:
        return False
    rsvp.badge_role = role

    history.record(rsvp, RsvpAction.EDITED, actor, f"badge role {role.value if role else 'from training level'}")
    db.session.flush()
    return True


def mark_printed(rsvps: Iterable[Rsvp], *, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    count = 0
    for rsvp in rsvps:
        rsvp.badge_printed_at = now
        count += 1
    db.session.flush()
    return count


def set_badge_offsets(event: Event, *, x_mm: float, y_mm: float) -> None:
    """Store the printer offset for ``event``'s badges. Raises DomainError ``bad_offset``
    (field offset_x_mm or offset_y_mm) outside ±20 mm."""
    for field, value in (("offset_x_mm", x_mm), ("offset_y_mm", y_mm)):
        if not -MAX_OFFSET_MM <= value <= MAX_OFFSET_MM:
            raise DomainError(
                f"Use a shift between −{MAX_OFFSET_MM:g} and {MAX_OFFSET_MM:g} mm.", ErrorCode.BAD_OFFSET, field
            )
    event.badge_offset_x_mm = round(x_mm, 1)
    event.badge_offset_y_mm = round(y_mm, 1)
    db.session.flush()


@dataclasses.dataclass(frozen=True)
class BadgeList:
    """Confirmed guests for the organizer's badge page, by last name, with printed counts."""

    rows: list[Rsvp]
    confirmed: int
    printed: int

    @property
    def unprinted(self) -> int:
        return self.confirmed - self.printed


def badge_list(event: Event, *, printed: bool | None = None) -> BadgeList:
    """Confirmed guests of ``event``; only printed (True) or unprinted (False) ones if asked."""
    everyone = guests_for_badges(event)
    done = sum(1 for r in everyone if r.badge_printed_at is not None)
    rows = everyone if printed is None else [r for r in everyone if (r.badge_printed_at is not None) == printed]
    return BadgeList(rows=rows, confirmed=len(everyone), printed=done)


def print_badge(rsvp: Rsvp, *, layout: str = "single", first_slot: int = 1) -> bytes:
    """One guest's badge as a PDF for an organizer (walk-in, lost badge), at the event's printer
    shift, marked as printed. Raises DomainError ``not_confirmed``, ``bad_layout``, ``bad_slot``."""
    if rsvp.status != RsvpStatus.CONFIRMED:
        raise DomainError("Only confirmed guests get a badge.", ErrorCode.NOT_CONFIRMED)
    event = rsvp.event
    pdf = render_badges_pdf(
        [badge_data(rsvp, event)],
        layout=layout,
        first_slot=first_slot,
        offset_mm=(event.badge_offset_x_mm, event.badge_offset_y_mm),
    )
    mark_printed([rsvp])
    return pdf
