"""Organizer-side actions on guests: adding a guest by hand, and the actions on one RSVP
(approve, decline, move between the waitlist and confirmed, cancel, resend the e-mail). The
list they start from is ``services.guest_list``.

Fairness when an organizer moves a confirmed guest to the waitlist: the guest joins the *end*
of the queue (their ``waitlisted_at`` is the time of the move), and the place they free goes
to the guests who were already waiting, first in line first; later openings reach the moved
guest in their turn. A move that would leave a place empty (nobody else waiting for it, or no
capacity limit) is refused: the moved guest would be first in line for their own place again,
and new RSVPs would queue behind them while the place stays free. An overbooked event can
always move guests, since the move frees no place.

Confirming past capacity (adding a guest, moving one off the waitlist, approving when there is
no waitlist) is refused with ``over_capacity`` unless the caller passes
``confirm_over_capacity=True``, so the organizer always sees the "full" warning first.
"""

import dataclasses
import datetime as dt

import sqlalchemy as sa

from eventsite.database import lock_event
from eventsite.extensions import db
from eventsite.models import CategoryPolicy, Event, GuestCategory, Rsvp, RsvpAction, RsvpStatus, utcnow
from eventsite.services import DomainError, ErrorCode, categories, history, mail, rsvps
from eventsite.services.capacity import seats_taken
from eventsite.services.guest_details import GuestDetails

#: The Rsvp.source values (guest_list.SOURCES) an organizer can choose when adding a guest by hand.
MANUAL_SOURCES = ("organizer", "walk_in")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What an action did, for the organizer's confirmation message."""

    rsvp: Rsvp
    #: The guest's place in the queue after the action (waitlisted only).
    position: int | None = None
    #: Confirmed guests against capacity after the action, when it took them past it.
    over_capacity: tuple[int, int] | None = None
    #: Guests the freed place was offered to (or who were promoted straight away).
    offered_to: tuple[Rsvp, ...] = ()


def _full_error(event: Event, taken: int, question: str, field: str = "confirm_over_capacity") -> DomainError:
    return DomainError(f"This event is full ({taken}/{event.capacity}). {question}", ErrorCode.OVER_CAPACITY, field)


def _is_full(event: Event) -> tuple[bool, int]:
    taken = seats_taken(event)
    return event.capacity is not None and taken >= event.capacity, taken


def _queue_ids(event_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Rsvp.id).where(Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.WAITLISTED).order_by(Rsvp.id)
        )
    )


def _left_queue(event_id: int, before: list[int], *, but: Rsvp) -> tuple[Rsvp, ...]:
    """Guests who were waitlisted before and no longer are (they got the freed place)."""
    gone = set(before) - set(_queue_ids(event_id)) - {but.id}
    if not gone:
        return ()
    return tuple(db.session.scalars(sa.select(Rsvp).where(Rsvp.id.in_(gone)).order_by(Rsvp.waitlisted_at, Rsvp.id)))


def _lock_and_reload(rsvp: Rsvp, *, seating: bool = False) -> None:
    """Take the event lock and re-read the RSVP and event; ``seating`` actions need a live event."""
    lock_event(rsvp.event_id)
    db.session.refresh(rsvp)
    db.session.refresh(rsvp.event)
    if seating and rsvp.event.is_cancelled:
        raise DomainError("This event is cancelled, so places can't change.", ErrorCode.EVENT_CANCELLED)


def _require(rsvp: Rsvp, *statuses: RsvpStatus, doing: str) -> None:
    if rsvp.status not in statuses:
        raise DomainError(
            f"{rsvp.full_name} is {rsvp.status.label.lower()} now, so they can't be {doing}.", ErrorCode.WRONG_STATUS
        )


def add_guest(
    event: Event,
    details: GuestDetails,
    *,
    source: str = "organizer",
    confirm_over_capacity: bool = False,
    category_id: int | None = None,
    actor: str,
    now: dt.datetime | None = None,
) -> Outcome:
    """Add a guest by hand (a VIP, a speaker, a walk-in) as confirmed, and send them the
    normal confirmation e-mail with their private link.

    Works on drafts and after the RSVP deadline (the organizer decides), even when the event
    requires approval, and in any category (``category_id``; None: the one of the guest's
    level) whatever its rules. ``source`` is "organizer" or "walk_in". Raises DomainError
    ``event_cancelled``, ``bad_email`` and ``already_registered`` (field ``email``), and
    ``over_capacity`` (field ``confirm_over_capacity``) when the event is full and the
    organizer has not confirmed.
    """
    if source not in MANUAL_SOURCES:
        raise ValueError(f"source must be one of {MANUAL_SOURCES}")
    now = now or utcnow()
    address, key = rsvps.normalise_email(details.email)
    lock_event(event.id)
    db.session.refresh(event)
    if event.is_cancelled:
        raise DomainError("This event is cancelled, so guests can't be added.", ErrorCode.EVENT_CANCELLED)
    existing = rsvps.find_live_rsvp(event, key)
    if existing is not None:
        raise DomainError(
            f"{existing.full_name} already has an RSVP with this address ({existing.status.label.lower()}). "
            "Open it from the guest list to change it.",
            ErrorCode.ALREADY_REGISTERED,
            "email",
        )
    full, taken = _is_full(event)
    if full and not confirm_over_capacity:
        raise _full_error(event, taken, "Add anyway?")
    category = categories.chosen(event, category_id, details.training_level)
    _check_category_room(category, confirm_over_capacity)
    label = "walk-in" if source == "walk_in" else "added by organizer"
    note = f"{label}, over capacity ({taken + 1}/{event.capacity})" if full else label
    note += _category_note(event, category, address)
    rsvp = rsvps.insert_rsvp(
        event,
        dataclasses.replace(details, email=address),
        email_key=key,
        status=RsvpStatus.CONFIRMED,
        now=now,
        actor=actor,
        source=source,
        note=note,
        category=category,
    )
    return Outcome(rsvp, over_capacity=(taken + 1, event.capacity) if full else None)


def _check_category_room(category: GuestCategory, confirmed: bool) -> None:
    taken = categories.seats_taken(category)
    if category.capacity is not None and taken >= category.capacity and not confirmed:
        raise DomainError(
            f"{category.name} is full ({taken}/{category.capacity}). Add anyway?",
            ErrorCode.OVER_CAPACITY,
            "confirm_over_capacity",
        )


def _category_note(event: Event, category: GuestCategory, address: str) -> str:
    """The history's words for the category, and for the rules an organizer set aside."""
    if len(categories.of_event(event)) < 2:
        return ""
    overridden = category.policy != CategoryPolicy.OPEN or not categories.at_listed_domain(category, address)
    return f", {category.name}" + (" (its rules set aside by the organizer)" if overridden else "")


def change_category(rsvp: Rsvp, category_id: int, *, actor: str, now: dt.datetime | None = None) -> bool:
    """Move a guest to another category of their event, whatever its rules (the organizer
    decides; the history says so); a place it frees goes to that category's queue. False when
    it was their category already. Raises ``wrong_event`` for a category of another event."""
    category = db.session.get(GuestCategory, category_id)
    if category is None or category.event_id != rsvp.event_id:
        raise DomainError("Choose one of this event's categories.", ErrorCode.WRONG_EVENT, "category")
    if category.id == rsvp.category_id:
        return False
    _lock_and_reload(rsvp, seating=True)
    was = rsvp.category.name
    rsvp.category_id = category.id
    db.session.flush()
    history.record(rsvp, RsvpAction.EDITED, actor, f"category {was} → {category.name}")
    rsvps.fill_open_spots(rsvp.event, now=now or utcnow(), actor=actor)
    return True


def edit_guest(rsvp: Rsvp, *, actor: str, category_id: int | None = None, **fields) -> list[str]:
    """The organizer's edit of a guest: their details (``rsvps.change_rsvp``) and category."""
    changed = rsvps.change_rsvp(rsvp, actor=actor, **fields)
    if category_id and change_category(rsvp, category_id, actor=actor):
        changed.append("category_id")
    return changed


def cancel_guest(rsvp: Rsvp, *, actor: str, now: dt.datetime | None = None) -> Outcome:
    """Cancel a live RSVP for the guest (rsvps.cancel_rsvp): they are e-mailed, and a freed
    place is offered to the waitlist in order. Raises DomainError ``wrong_status`` when the
    RSVP is already cancelled or declined."""
    lock_event(rsvp.event_id)
    before = _queue_ids(rsvp.event_id)
    if not rsvps.cancel_rsvp(rsvp, actor=actor, now=now):
        raise DomainError(f"{rsvp.full_name}'s RSVP is already {rsvp.status.label.lower()}.", ErrorCode.WRONG_STATUS)
    return Outcome(rsvp, offered_to=_left_queue(rsvp.event_id, before, but=rsvp))


def approve(rsvp: Rsvp, *, actor: str, confirm_over_capacity: bool = False, now: dt.datetime | None = None) -> Outcome:
    """Approve a pending RSVP: confirmed while places remain and nobody is queued, else
    waitlisted at the end of the queue; the guest gets the "approved" e-mail either way.

    With no waitlist and no place left, raises ``over_capacity`` unless
    ``confirm_over_capacity``. Raises ``wrong_status`` unless the RSVP is pending.
    """
    now = now or utcnow()
    _lock_and_reload(rsvp, seating=True)
    _require(rsvp, RsvpStatus.PENDING, doing="approved")
    event = rsvp.event
    over = None
    try:
        status = rsvps.placement_status(event, rsvp.category)
    except DomainError:
        _, taken = _is_full(event)
        if not confirm_over_capacity:
            raise _full_error(event, taken, "There is no waitlist. Approve and confirm anyway?") from None
        status, over = RsvpStatus.CONFIRMED, (taken + 1, event.capacity)
    rsvp.status = status
    if status == RsvpStatus.CONFIRMED:
        rsvp.confirmed_at = now
    else:
        rsvp.waitlisted_at = now
    db.session.flush()
    position = rsvps.waitlist_position(rsvp)
    if position is not None:
        detail = f"waitlisted (#{position}): the event is full"
    else:
        detail = "confirmed" + (f", over capacity ({over[0]}/{over[1]})" if over else "")
    history.record(rsvp, RsvpAction.APPROVED, actor, detail)
    mail.queue_guest_message(rsvp, "approved")
    db.session.flush()
    return Outcome(rsvp, position=position, over_capacity=over)


def decline(rsvp: Rsvp, *, actor: str, now: dt.datetime | None = None) -> Outcome:
    """Decline a pending RSVP; the guest gets the "declined" e-mail. Pending guests hold no
    place, so nobody else moves. Raises ``wrong_status`` unless the RSVP is pending."""
    now = now or utcnow()
    _lock_and_reload(rsvp)
    _require(rsvp, RsvpStatus.PENDING, doing="declined")
    rsvp.status = RsvpStatus.DECLINED
    rsvp.cancelled_at = now
    history.record(rsvp, RsvpAction.DECLINED, actor)
    mail.queue_guest_message(rsvp, "declined")
    db.session.flush()
    return Outcome(rsvp)


def _waitlist_move_refusal(rsvp: Rsvp, *, waiting: int) -> str | None:
    event = rsvp.event
    free_after = None if event.capacity is None else event.capacity - seats_taken(event) + 1
    if free_after is not None and free_after <= waiting:
        return None
    return (
        f"Nobody else is waiting for a place, so {rsvp.full_name}'s place would stay empty while they wait "
        "for it. Cancel the RSVP instead, or lower the capacity first."
    )


def waitlist_move_refusal(rsvp: Rsvp) -> str | None:
    """Why ``move_to_waitlist`` would refuse this confirmed guest right now, or None."""
    return _waitlist_move_refusal(rsvp, waiting=len(_queue_ids(rsvp.event_id)))


def move_to_waitlist(rsvp: Rsvp, *, actor: str, now: dt.datetime | None = None) -> Outcome:
    """Move a confirmed guest to the end of the waitlist and offer their place to the guests
    already waiting (see the module docstring); the guest gets the "moved_to_waitlist" e-mail.

    Raises ``wrong_status`` unless confirmed, ``no_waitlist`` when the event has none,
    ``nobody_waiting`` when the freed place would stay empty.
    """
    now = now or utcnow()
    _lock_and_reload(rsvp, seating=True)
    _require(rsvp, RsvpStatus.CONFIRMED, doing="moved to the waitlist")
    event = rsvp.event
    if not event.waitlist_enabled:
        raise DomainError(
            "This event has no waitlist. Turn it on in Settings first, or cancel the RSVP.", ErrorCode.NO_WAITLIST
        )
    before = _queue_ids(event.id)
    refusal = _waitlist_move_refusal(rsvp, waiting=len(before))
    if refusal:
        raise DomainError(refusal, ErrorCode.NOBODY_WAITING)
    rsvp.status = RsvpStatus.WAITLISTED
    rsvp.waitlisted_at = now
    rsvp.confirmed_at = None
    db.session.flush()
    rsvps.fill_open_spots(event, now=now, actor=actor)
    position = rsvps.waitlist_position(rsvp)
    mail.queue_guest_message(rsvp, "moved_to_waitlist", position=position)
    history.record(rsvp, RsvpAction.MOVED, actor, f"confirmed → waitlisted (#{position})")
    db.session.flush()
    return Outcome(rsvp, position=position, offered_to=_left_queue(event.id, before, but=rsvp))


def move_to_confirmed(
    rsvp: Rsvp, *, actor: str, confirm_over_capacity: bool = False, now: dt.datetime | None = None
) -> Outcome:
    """Confirm a waitlisted guest (ahead of the queue: the organizer decides), or confirm an
    open offer on the guest's behalf; they get the "moved_to_confirmed" e-mail.

    A waitlisted guest needs a free place, or ``confirm_over_capacity`` (else
    ``over_capacity``); an offered guest already holds one. Raises ``wrong_status`` otherwise.
    """
    now = now or utcnow()
    _lock_and_reload(rsvp, seating=True)
    _require(rsvp, RsvpStatus.WAITLISTED, RsvpStatus.OFFERED, doing="confirmed")
    event = rsvp.event
    was = rsvp.status
    over = None
    if was == RsvpStatus.WAITLISTED:
        full, taken = _is_full(event)
        if full and not confirm_over_capacity:
            raise _full_error(event, taken, "Confirm anyway?")
        over = (taken + 1, event.capacity) if full else None
    rsvp.status = RsvpStatus.CONFIRMED
    rsvp.confirmed_at = now
    rsvp.waitlisted_at = None
    rsvp.offer_expires_at = None
    detail = f"{was.value} → confirmed" + (f", over capacity ({over[0]}/{over[1]})" if over else "")
    history.record(rsvp, RsvpAction.MOVED, actor, detail)
    mail.queue_guest_message(rsvp, "moved_to_confirmed", was=was.value)
    db.session.flush()
    return Outcome(rsvp, over_capacity=over)


def resend_email(rsvp: Rsvp, *, actor: str) -> Outcome:
    """E-mail the guest their current status and private link again ("resent").

    Raises ``wrong_status`` when the RSVP is cancelled or declined.
    """
    if not rsvp.is_live:
        raise DomainError(
            f"{rsvp.full_name}'s RSVP is {rsvp.status.label.lower()}; there is nothing to resend.",
            ErrorCode.WRONG_STATUS,
        )
    mail.queue_guest_message(rsvp, "resent")
    history.record(rsvp, RsvpAction.EMAILED, actor, "resent the RSVP e-mail")
    db.session.flush()
    return Outcome(rsvp)


def save_category(
    event: Event, fields: categories.CategoryFields, category: GuestCategory | None = None
) -> GuestCategory:
    """``categories.save``, then offer any places it opened to the waitlist."""
    saved = categories.save(event, fields, category)
    rsvps.fill_open_spots(event)
    return saved
