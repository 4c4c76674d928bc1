"""Events: creation, changes (publish, move, cancel, copy), the public listings and the rendered
description. The organizer's figures for events are ``services.event_figures``."""

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from zoneinfo import ZoneInfo, available_timezones

import nh3
import sqlalchemy as sa
from markdown_it import MarkdownIt

from eventsite.database import lock_event
from eventsite.extensions import db
from eventsite.formatting import span_when
from eventsite.models import (
    LIVE_STATUSES,
    Event,
    EventStatus,
    Organizer,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    utcnow,
)
from eventsite.services import (
    DomainError,
    ErrorCode,
    assignments,
    categories,
    feedback,
    mail,
    questions,
    rsvps,
    series,
    vendors,
)
from eventsite.services.capacity import seats_taken

_markdown = MarkdownIt("commonmark", {"linkify": False, "typographer": True}).enable("table")
_ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "h2", "h3", "h4",
    "blockquote", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


@functools.lru_cache(maxsize=512)
def render_markdown(source: str) -> str:
    """Markdown to HTML, then cleaned to an allow-list: organizers' text can't inject script."""
    html = _markdown.render(source or "")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


_PUBLIC_EVENT = sa.select(Event).where(Event.slug == sa.bindparam("slug"), Event.status != EventStatus.DRAFT)


def get_public_event(slug: str) -> Event | None:
    """A published or cancelled event by slug; drafts don't exist for the public."""
    return db.session.scalar(_PUBLIC_EVENT, {"slug": slug})


def invitable_events(now: dt.datetime | None = None) -> list[Event]:
    """Events people may still be invited to: not cancelled, not started (drafts too), soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.status != EventStatus.CANCELLED, Event.starts_at > now)
            .order_by(Event.starts_at)
        )
    )


def upcoming_events(now: dt.datetime | None = None) -> list[Event]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.status != EventStatus.DRAFT, Event.listed, Event.ends_at > now)
            .order_by(Event.starts_at)
        )
    )


def past_events(now: dt.datetime | None = None) -> list[Event]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.status != EventStatus.DRAFT, Event.listed, Event.ends_at <= now)
            .order_by(Event.starts_at.desc())
        )
    )


def slugify(*parts: str) -> str:
    text = unicodedata.normalize("NFKD", " ".join(parts)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120] or "event"


@functools.cache
def _zone_names() -> frozenset[str]:
    """The IANA zone names this machine knows; reading them walks the tz database's files
    (25 ms here), so once per process."""
    return frozenset(available_timezones())


def check_timezone(name: str) -> ZoneInfo:
    if name not in _zone_names():
        raise DomainError(
            f"{name!r} is not a time zone name such as America/Los_Angeles.", ErrorCode.BAD_TIMEZONE, "timezone"
        )
    return ZoneInfo(name)


def suggest_slug(title: str, city: str, local_start: dt.datetime | None) -> str:
    """A readable, unused slug from the city (or title) and date: 'los-angeles-2027-09-12'."""
    base = slugify(city or title, local_start.strftime("%Y-%m-%d") if local_start else "")
    candidate, n = base, 2
    while db.session.scalar(sa.select(Event.id).where(Event.slug == candidate)) is not None:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


#: Event columns an organizer may set directly (times go through local_start/local_end).
EVENT_FIELDS = (
    "title", "slug", "summary", "description", "audience_note", "venue_name", "room", "street_address",
    "city", "region", "postal_code", "capacity", "waitlist_enabled", "claim_window_hours",
    "requires_approval", "reminder_enabled", "reminder_hours_before", "directory_enabled", "listed", "series_id",
)  # fmt: skip


def _apply(event: Event, fields: dict, *, local_start, local_end, timezone, local_deadline) -> None:
    """Validate and copy fields onto ``event``; raise DomainError with the field to blame."""
    tz = check_timezone(timezone)
    starts_at = local_start.replace(tzinfo=tz).astimezone(dt.UTC)
    ends_at = local_end.replace(tzinfo=tz).astimezone(dt.UTC)
    if ends_at <= starts_at:
        raise DomainError("The event must end after it starts.", ErrorCode.END_BEFORE_START, "local_end")
    deadline = local_deadline.replace(tzinfo=tz).astimezone(dt.UTC) if local_deadline else None
    if deadline is not None and deadline > starts_at:
        raise DomainError(
            "The RSVP deadline must be before the start.", ErrorCode.DEADLINE_AFTER_START, "local_deadline"
        )
    slug = fields.get("slug", event.slug)
    if not slug or slugify(slug) != slug:
        raise DomainError("Use lower-case letters, digits and hyphens only.", ErrorCode.BAD_SLUG, "slug")
    clash = db.session.scalar(sa.select(Event.id).where(Event.slug == slug, Event.id != (event.id or 0)))
    if clash is not None:
        raise DomainError("Another event already uses this address.", ErrorCode.SLUG_TAKEN, "slug")
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValueError(f"not event fields: {sorted(unknown)}")
    if "series_id" in fields or event.series_id is None:
        fields = {**fields, "series_id": series.check(fields.get("series_id"))}
    for name, value in fields.items():
        setattr(event, name, value)
    event.timezone, event.starts_at, event.ends_at, event.rsvp_deadline = timezone, starts_at, ends_at, deadline


def create_event(
    *,
    local_start: dt.datetime,
    local_end: dt.datetime,
    timezone: str,
    local_deadline: dt.datetime | None = None,
    status: EventStatus = EventStatus.DRAFT,
    default_categories: bool = True,
    like_series: bool = False,
    **fields,
) -> Event:
    """Create an event from wall-clock times (naive, read in ``timezone``) and EVENT_FIELDS,
    with the series' default feedback form and (``default_categories``) guest categories.
    ``like_series``: the guest categories, RSVP questions and feedback form are those of the
    series' latest event instead (a series' own defaults), when it has one.

    Raises DomainError ``bad_timezone``, ``end_before_start``, ``deadline_after_start``,
    ``bad_slug``, ``slug_taken``, each with the form field it belongs to.
    """
    event = Event(status=status)
    _apply(
        event, fields, local_start=local_start, local_end=local_end, timezone=timezone, local_deadline=local_deadline
    )
    db.session.add(event)
    db.session.flush()

    latest = series.latest_event(event.series_id, other_than=event.id) if like_series else None
    feedback.create_default_form(event)
    if latest is not None:
        if "reminder_enabled" not in fields:  # the series' reminder habit, unless the form said
            event.reminder_enabled, event.reminder_hours_before = latest.reminder_enabled, latest.reminder_hours_before
        categories.copy_to(latest, event)
        feedback.copy_form(latest, event)
        questions.copy_to(latest, event)
    elif default_categories:
        categories.add_defaults(event)
    return event


def update_event(
    event: Event,
    *,
    local_start: dt.datetime,
    local_end: dt.datetime,
    timezone: str,
    local_deadline: dt.datetime | None = None,
    confirm_overbooking: bool = False,
    **fields,
) -> int:
    """Change an event; return how many guests were e-mailed a new time (0: it kept its start).
    Lowering the capacity below the confirmed guests needs ``confirm_overbooking``; raising it
    offers the new places to the waitlist.

    A new start time re-arms the reminder (guests reminded of the old time are reminded again
    of the new one) and queues the "event_moved" e-mail to every live guest: see
    ``_tell_guests_it_moved``. A new time, zone or place raises the calendar entry's SEQUENCE.
    Saving again with the same start sends nothing.

    Raises what ``create_event`` raises, and ``capacity_below_confirmed`` (field capacity).
    """

    lock_event(event.id)
    old_start, old_end, old_timezone = event.starts_at, event.ends_at, event.timezone
    old_place = event.location_text
    capacity = fields.get("capacity", event.capacity)
    taken = seats_taken(event)
    if capacity is not None and capacity < taken and not confirm_overbooking:
        raise DomainError(
            f'{taken} guests already hold a place. Tick "Allow overbooking" to set a capacity below that.',
            ErrorCode.CAPACITY_BELOW_CONFIRMED,
            "capacity",
        )
    _apply(
        event, fields, local_start=local_start, local_end=local_end, timezone=timezone, local_deadline=local_deadline
    )
    if (event.starts_at, event.ends_at, event.timezone, event.location_text) != (
        old_start,
        old_end,
        old_timezone,
        old_place,
    ):
        event.ics_sequence = (event.ics_sequence or 0) + 1
    db.session.flush()
    told = 0
    if event.starts_at != old_start:
        db.session.execute(
            sa.update(Rsvp)
            .where(Rsvp.event_id == event.id, Rsvp.reminder_sent_at.is_not(None))
            .values(reminder_sent_at=None)
        )
        told = _tell_guests_it_moved(
            event, old_start.astimezone(ZoneInfo(old_timezone)), old_end.astimezone(ZoneInfo(old_timezone))
        )
    rsvps.fill_open_spots(event)
    return told


def _tell_guests_it_moved(event: Event, old_start: dt.datetime, old_end: dt.datetime) -> int:
    """Queue "event_moved" (new time, place, updated calendar file) to every live guest of an
    event that is still to come; returns how many. A notice of an earlier move that is still
    waiting in the outbox is dropped, so a guest hears of the latest time only."""

    if event.is_cancelled or event.starts_at <= utcnow():
        return 0
    guest_ids = sa.select(Rsvp.id).where(Rsvp.event_id == event.id)
    db.session.execute(
        sa.delete(OutboxMessage)
        .where(
            OutboxMessage.kind == "event_moved",
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.attempts == 0,
            OutboxMessage.rsvp_id.in_(guest_ids),
        )
        .execution_options(synchronize_session=False)
    )
    guests = db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status.in_(LIVE_STATUSES)).order_by(Rsvp.id)
    ).all()
    was = span_when(old_start, old_end)
    for rsvp in guests:
        mail.queue_guest_message(rsvp, "event_moved", was_when=was)
    return len(guests)


def publish_event(event: Event) -> None:
    """Make a draft public. Raises DomainError ``event_cancelled``."""
    if event.is_cancelled:
        raise DomainError("A cancelled event can't be published again; copy it instead.", ErrorCode.EVENT_CANCELLED)
    event.status = EventStatus.PUBLISHED
    db.session.flush()


def unpublish_event(event: Event) -> None:
    """Back to draft: the public page disappears; guests keep their RSVPs."""
    if event.is_cancelled:
        raise DomainError("This event is cancelled.", ErrorCode.EVENT_CANCELLED)
    event.status = EventStatus.DRAFT
    db.session.flush()


def cancel_event(event: Event, *, message: str, actor: str, now: dt.datetime | None = None) -> int:
    """Cancel the event and e-mail ``message`` to every live guest; returns how many were told.

    Guests keep their RSVP rows (status unchanged) so the history stays readable.
    Raises DomainError ``event_cancelled`` when already cancelled.
    """

    if event.is_cancelled:
        raise DomainError("This event is already cancelled.", ErrorCode.EVENT_CANCELLED)
    lock_event(event.id)
    event.status = EventStatus.CANCELLED
    event.ics_sequence = (event.ics_sequence or 0) + 1  # calendars mark the entry cancelled
    event.cancel_message = message.strip()
    event.cancelled_at = now or utcnow()
    guests = db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.status.in_(LIVE_STATUSES)).order_by(Rsvp.id)
    ).all()
    for rsvp in guests:
        mail.queue_guest_message(rsvp, "event_cancelled")
    db.session.flush()
    return len(guests)


def copy_event(
    source: Event,
    *,
    title: str,
    slug: str,
    local_start: dt.datetime,
    local_end: dt.datetime,
    timezone: str,
    venue_name: str,
    room: str,
    street_address: str,
    city: str,
    region: str,
    postal_code: str,
    host: Organizer | None = None,
    vendor_ids: Iterable[int] | None = None,
) -> Event:
    """ "Next in series": a new draft with the source's texts, settings, RSVP questions, feedback form
    and vendors (those of ``vendor_ids``, its listings' ids; None: all), a new place and date, and no
    guests; ``host``: an event host who made it, who becomes its host. Raises what ``create_event`` raises."""
    keep = ("summary", "description", "audience_note", "capacity", "waitlist_enabled", "claim_window_hours",
            "requires_approval", "reminder_enabled", "reminder_hours_before", "directory_enabled", "listed",
            "series_id")  # fmt: skip
    event = create_event(
        title=title, slug=slug, local_start=local_start, local_end=local_end, timezone=timezone,
        venue_name=venue_name, room=room, street_address=street_address, city=city, region=region,
        postal_code=postal_code, default_categories=False, **{name: getattr(source, name) for name in keep},
    )  # fmt: skip
    categories.copy_to(source, event)
    event.copied_from_id = source.id
    # Badge print offsets belong to the organizer's printer, not to the venue: keep them.
    event.badge_offset_x_mm, event.badge_offset_y_mm = source.badge_offset_x_mm, source.badge_offset_y_mm
    db.session.flush()

    feedback.copy_form(source, event)
    questions.copy_to(source, event)
    vendors.copy_to(source, event, vendor_ids)
    if host is not None and not host.role.sees_every_event:
        assignments.assign(host, event.id)
    return event
