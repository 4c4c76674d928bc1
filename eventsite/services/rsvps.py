"""RSVPs: submit, change, cancel, and the waitlist (offers, claims, expiry, promotion).

Every function that checks places before writing calls ``lock_event`` first and re-reads what
it is about to change, so concurrent requests see each other's committed work.
"""

import dataclasses
import datetime as dt

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from eventsite.database import claim_due_rows, lock_event, locked_event
from eventsite.extensions import db
from eventsite.models import (
    LIVE_STATUSES,
    Event,
    EventStatus,
    GuestCategory,
    GuestInvitation,
    Rsvp,
    RsvpAction,
    RsvpStatus,
    TrainingLevel,
    utcnow,
)
from eventsite.services import DomainError, ErrorCode, categories, history, mail, notifications, tokens
from eventsite.services.capacity import seats_taken
from eventsite.services.guest_details import GuestDetails

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "badge_name",
    "pronouns",
    "institution",
    "training_level",
    "dietary_notes",
    "accessibility_notes",
)


@dataclasses.dataclass(frozen=True)
class SubmitResult:
    #: None when the event was full and the address was told so by e-mail (``mail_when_full``).
    rsvp: Rsvp | None
    #: False when the address already had a live RSVP: it was e-mailed its link again.
    created: bool


def normalise_email(address: str) -> tuple[str, str]:
    """(address as stored, key for uniqueness). Raises DomainError ``bad_email`` on field email."""
    try:
        normalized = validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise DomainError(str(exc), ErrorCode.BAD_EMAIL, "email") from None
    return normalized, normalized.casefold()


def check_open(event: Event, now: dt.datetime) -> None:
    """Raise DomainError unless the event takes RSVPs at ``now``."""
    if event.status == EventStatus.CANCELLED:
        raise DomainError("This event has been cancelled, so it no longer takes RSVPs.", ErrorCode.EVENT_CANCELLED)
    if event.status != EventStatus.PUBLISHED:
        raise DomainError("This event is not open for RSVPs yet.", ErrorCode.EVENT_NOT_PUBLISHED)
    if now >= event.rsvp_closes_at:
        raise DomainError("RSVPs for this event are closed.", ErrorCode.RSVP_CLOSED)


# Queries every RSVP runs while it holds the event lock, built once (see services.events).
_LIVE_RSVP = sa.select(Rsvp).where(
    Rsvp.event_id == sa.bindparam("event_id"),
    Rsvp.email_key == sa.bindparam("email_key"),
    Rsvp.status.in_(LIVE_STATUSES),
)
_QUEUE_EXISTS = (
    sa.select(Rsvp.id).where(Rsvp.event_id == sa.bindparam("event_id"), Rsvp.status == RsvpStatus.WAITLISTED).limit(1)
)


def find_live_rsvp(event: Event, email_key: str) -> Rsvp | None:
    return db.session.scalar(_LIVE_RSVP, {"event_id": event.id, "email_key": email_key})


def submit_rsvp(
    event: Event,
    details: GuestDetails,
    *,
    category_id: int | None = None,
    invitation: GuestInvitation | None = None,
    actor: str = "guest",
    mail_when_full: bool = False,
    now: dt.datetime | None = None,
) -> SubmitResult:
    """Record a guest's reply and queue the e-mail that carries their private link.

    The guest comes in the category they picked (``category_id``), else the one their training
    level belongs to. The new RSVP is ``pending`` when the event or the category requires
    approval (or the address is not at the category's domains and such guests may ask),
    ``confirmed`` while the category and the event have places and nobody in the category is
    queued, else ``waitlisted`` (when the waitlist is on). A personal ``invitation`` opens an
    invitation-only category and any domain rule, and waives approval if the organizer chose. An address that
    already has a live RSVP gets its link e-mailed again and no second row (``created`` False).
    ``mail_when_full``: a full event without a waitlist e-mails the address that it is full and
    returns ``rsvp`` None instead of raising, so the public form answers a known and an unknown
    address alike (whoever submits learns nothing about who has replied; the mailbox is told).
    Raises DomainError ``event_cancelled``, ``event_not_published``, ``rsvp_closed``,
    ``event_full``, ``bad_email`` (field ``email``), and what ``categories.admission`` raises.
    """
    now = now or utcnow()
    address, key = normalise_email(details.email)
    # The id from the identity map: the caller may have ended the transaction it loaded the
    # event in (expiring it), and it is read again once, under the lock.
    event = locked_event(sa.inspect(event).identity[0])
    check_open(event, now)
    existing = find_live_rsvp(event, key)
    if existing is not None:
        mail.queue_guest_message(existing, "manage_link")
        return SubmitResult(existing, created=False)
    if invitation is not None and invitation.category_id:
        category_id = invitation.category_id
    category = categories.chosen(event, category_id, details.training_level)
    needs_approval = categories.admission(category, address, invited=invitation is not None)
    waived = invitation is not None and invitation.skip_approval
    try:
        if not waived and (event.requires_approval or needs_approval):
            status, seats_before = RsvpStatus.PENDING, None
        else:
            status, seats_before = placement(event, category)
    except DomainError as exc:
        if not (mail_when_full and exc.code == ErrorCode.EVENT_FULL):
            raise
        mail.queue_event_full(event, address)
        return SubmitResult(None, created=False)

    rsvp = insert_rsvp(
        event, dataclasses.replace(details, email=address), email_key=key, status=status, now=now, actor=actor,
        category=category, note="" if len(categories.of_event(event)) < 2 else category.name,
    )  # fmt: skip
    if invitation is not None and invitation.event_vendor_id is not None:
        rsvp.event_vendor_id = invitation.event_vendor_id  # a vendor's representative (services.vendors)
    notifications.after_rsvp(rsvp, seats_before)
    return SubmitResult(rsvp, created=True)


def insert_rsvp(
    event: Event,
    details: GuestDetails,
    *,
    email_key: str,
    status: RsvpStatus,
    now: dt.datetime,
    actor: str,
    source: str = "rsvp",
    note: str = "",
    queue_mail: bool = True,
    category: GuestCategory | None = None,
) -> Rsvp:
    """Add a new RSVP with fresh secrets, record its creation and queue the e-mail for ``status``.

    The caller has checked the rules (open, duplicate, places) under the event lock and
    normalised the address: ``details.email`` is the address as stored and ``email_key`` its
    key (``normalise_email``). ``note`` is appended to the history line. ``queue_mail`` False:
    no e-mail (a walk-in who gave no address). ``category``: None puts the guest in the one
    their training level belongs to.
    """
    category = category or categories.for_level(event, details.training_level)
    rsvp = Rsvp(
        event=event,
        first_name=details.first_name.strip(),
        last_name=details.last_name.strip(),
        badge_name=details.badge_name.strip(),
        pronouns=details.pronouns.strip(),
        email=details.email,
        email_key=email_key,
        institution=details.institution.strip(),
        training_level=TrainingLevel(details.training_level),
        dietary_notes=details.dietary_notes.strip(),
        accessibility_notes=details.accessibility_notes.strip(),
        status=status,
        manage_token=tokens.new_token(),
        ticket_code=tokens.new_ticket_code(),
        waitlisted_at=now if status == RsvpStatus.WAITLISTED else None,
        confirmed_at=now if status == RsvpStatus.CONFIRMED else None,
        source=source,
        category_id=category.id,
    )
    db.session.add(rsvp)
    db.session.flush()
    history.record(rsvp, RsvpAction.CREATED, actor, f"status {status.value}" + (f", {note}" if note else ""))
    if queue_mail:
        mail.queue_guest_message(rsvp, status.value)
    return rsvp


def placement_status(event: Event, category: GuestCategory) -> RsvpStatus:
    """Where a new or approved guest goes: ``confirmed`` while the event and their category have
    places and nobody in the category is queued, else ``waitlisted``. Raises DomainError
    ``event_full`` when there is no waitlist."""
    return placement(event, category)[0]


def placement(event: Event, category: GuestCategory) -> tuple[RsvpStatus, int]:
    """placement_status, and the event's seats taken before the guest (for the "full" notice)."""
    room = categories.room(event, category)
    if room.has_place(event, category):
        return RsvpStatus.CONFIRMED, room.event_taken
    if event.waitlist_enabled:
        return RsvpStatus.WAITLISTED, room.event_taken
    if event.capacity is not None and room.event_taken >= event.capacity:
        raise DomainError("Sorry, this event is full.", ErrorCode.EVENT_FULL)
    raise DomainError(f"Sorry, no {category.name} place is left.", ErrorCode.EVENT_FULL)


def change_rsvp(rsvp: Rsvp, *, actor: str = "guest", **changes) -> list[str]:
    """Update a live RSVP's personal details (EDITABLE_FIELDS); return the names that changed.

    The ticket code stays, so a printed badge keeps working. Raises DomainError ``anonymised``
    (the guest deleted their data: nobody may write personal details back) or ``not_live``.
    """
    if rsvp.is_anonymised:
        raise DomainError("This guest deleted their personal data; their RSVP can't be edited.", ErrorCode.ANONYMISED)
    if not rsvp.is_live:
        raise DomainError("This RSVP is cancelled; RSVP again from the event page.", ErrorCode.NOT_LIVE)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = []
    for name, value in changes.items():
        if name == "training_level":
            value = TrainingLevel(value)
        elif isinstance(value, str):
            value = value.strip()
        if getattr(rsvp, name) != value:
            setattr(rsvp, name, value)
            changed.append(name)
    if changed:
        history.record(rsvp, RsvpAction.EDITED, actor, ", ".join(changed))
        db.session.flush()
    return changed


def cancel_rsvp(rsvp: Rsvp, *, actor: str = "guest", now: dt.datetime | None = None) -> bool:
    """Cancel a live RSVP (or leave the waitlist) and offer any freed place to the queue.

    Returns False, changing nothing, when it was no longer live (a second cancel).
    """
    now = now or utcnow()
    lock_event(rsvp.event_id)
    db.session.refresh(rsvp)
    if not rsvp.is_live:
        return False
    was = rsvp.status
    rsvp.status = RsvpStatus.CANCELLED
    rsvp.cancelled_at = now
    rsvp.offer_expires_at = None
    action = RsvpAction.LEFT_WAITLIST if was == RsvpStatus.WAITLISTED else RsvpAction.CANCELLED
    history.record(rsvp, action, actor, f"was {was.value}")
    # The guest's own cancel thanks them; anyone else's (an organizer) says who did it and why it matters.
    mail.queue_guest_message(rsvp, "cancelled" if actor == "guest" else "cancelled_by_organizer", was=was.value)
    db.session.flush()
    fill_open_spots(rsvp.event, now=now)
    return True


def waitlist_position(rsvp: Rsvp) -> int | None:
    """1 for the first in their category's queue; None when the RSVP is not waitlisted."""
    if rsvp.status != RsvpStatus.WAITLISTED or rsvp.waitlisted_at is None:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Rsvp)
        .where(
            Rsvp.category_id == rsvp.category_id,
            Rsvp.status == RsvpStatus.WAITLISTED,
            sa.or_(
                Rsvp.waitlisted_at < rsvp.waitlisted_at,
                sa.and_(Rsvp.waitlisted_at == rsvp.waitlisted_at, Rsvp.id < rsvp.id),
            ),
        )
    )
    return ahead + 1


def fill_open_spots(event: Event, *, now: dt.datetime | None = None, actor: str = "system") -> int:
    """Offer free places to the waitlist in order; the caller holds the event lock.

    With a claim window of 0 hours the guest is confirmed at once; otherwise the offer lasts
    the window, cut off at the event's start (no offers once it has started). Returns how many
    guests were offered or promoted.
    """
    now = now or utcnow()
    if event.capacity is None and not event.waitlist_enabled:
        return 0
    if event.status != EventStatus.PUBLISHED or now >= event.starts_at:
        return 0
    free = None if event.capacity is None else event.capacity - seats_taken(event)
    if free is not None and free <= 0:
        return 0
    queue = categories.next_in_queue(event, free)
    expires = min(now + dt.timedelta(hours=event.claim_window_hours), event.starts_at)
    for rsvp in queue:
        if event.claim_window_hours == 0:
            _confirm(rsvp, now)
            history.record(rsvp, RsvpAction.PROMOTED, actor)
            mail.queue_guest_message(rsvp, "promoted")
        else:
            rsvp.status = RsvpStatus.OFFERED
            rsvp.offer_expires_at = expires
            history.record(rsvp, RsvpAction.OFFERED, actor, f"until {expires.isoformat(timespec='minutes')}")
            mail.queue_guest_message(rsvp, "offer")
    db.session.flush()
    return len(queue)


def _confirm(rsvp: Rsvp, now: dt.datetime) -> None:
    rsvp.status = RsvpStatus.CONFIRMED
    rsvp.confirmed_at = now
    rsvp.offer_expires_at = None


def claim_offer(rsvp: Rsvp, *, now: dt.datetime | None = None) -> None:
    """Turn an open offer into a confirmed place.

    Raises DomainError ``offer_expired`` (the window passed; the place went on) or
    ``no_offer`` (nothing to claim, e.g. already confirmed).
    """
    now = now or utcnow()
    lock_event(rsvp.event_id)
    db.session.refresh(rsvp)
    if rsvp.status == RsvpStatus.OFFERED and rsvp.offer_expires_at and rsvp.offer_expires_at <= now:
        _expire(rsvp, now)
        fill_open_spots(rsvp.event, now=now)
        raise DomainError("Sorry, this offer has expired and the spot went to the next guest.", ErrorCode.OFFER_EXPIRED)
    if rsvp.status != RsvpStatus.OFFERED:
        raise DomainError("There is no open offer on this RSVP.", ErrorCode.NO_OFFER)
    _confirm(rsvp, now)
    history.record(rsvp, RsvpAction.CLAIMED, "guest")
    mail.queue_guest_message(rsvp, "confirmed")
    db.session.flush()


def _expire(rsvp: Rsvp, now: dt.datetime) -> None:
    rsvp.status = RsvpStatus.CANCELLED
    rsvp.cancelled_at = now
    rsvp.offer_expires_at = None
    history.record(rsvp, RsvpAction.EXPIRED, "system")
    mail.queue_guest_message(rsvp, "offer_expired")


def events_with_due_offers(now: dt.datetime, event: Event | None = None) -> list[int]:
    query = sa.select(Rsvp.event_id).where(Rsvp.status == RsvpStatus.OFFERED, Rsvp.offer_expires_at <= now)
    if event is not None:
        query = query.where(Rsvp.event_id == event.id)
    return sorted(set(db.session.scalars(query)))


def expire_offers(*, now: dt.datetime | None = None, event: Event | None = None) -> int:
    """Expire unclaimed offers whose window has passed and pass each place to the next guest.

    Idempotent: running it twice expires nothing more. Returns how many offers expired.
    """
    now = now or utcnow()
    expired = 0
    if event is None:
        # The job run: on PostgreSQL an event another runner (or a guest's request) holds is
        # skipped (SKIP LOCKED) and left to the next run rather than waited for.
        offered = sa.select(Rsvp.event_id).where(Rsvp.status == RsvpStatus.OFFERED, Rsvp.offer_expires_at <= now)
        event_ids = claim_due_rows(sa.select(Event.id).where(Event.id.in_(offered)).order_by(Event.id))
    else:
        event_ids = events_with_due_offers(now, event)
    for event_id in event_ids:
        lock_event(event_id)
        due = db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.OFFERED, Rsvp.offer_expires_at <= now)
            .execution_options(populate_existing=True)
        ).all()
        for rsvp in due:
            _expire(rsvp, now)
        expired += len(due)
        db.session.flush()
        fill_open_spots(db.session.get(Event, event_id), now=now)
    return expired


def find_by_manage_token(token: str) -> Rsvp | None:
    if not token or len(token) > 64:
        return None
    rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.manage_token == token))
    if rsvp is None or not tokens.tokens_equal(rsvp.manage_token, token):
        return None
    return rsvp
