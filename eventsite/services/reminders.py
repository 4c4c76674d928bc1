"""Reminders: each confirmed guest of a published event is e-mailed once, some hours before it.

``send_reminders`` runs from ``flask jobs run`` (cron, every minute), possibly twice at once.
Each guest is claimed with a conditional UPDATE (``reminder_sent_at`` still empty): only the
transaction whose UPDATE matched the row queues the e-mail, so a guest is reminded exactly
once. A guest confirmed after the window opened is picked up by the next run.
"""

import dataclasses
import datetime as dt

import sqlalchemy as sa

from eventsite.database import claim_due_rows
from eventsite.extensions import db
from eventsite.formatting import clock, long_date
from eventsite.models import Event, EventStatus, Rsvp, RsvpAction, RsvpStatus, utcnow
from eventsite.services import calendar, history, links, mail, vendors

KIND = "reminder"
#: Closer than this to the start, the reminder says "starting soon" rather than a day.
SOON = dt.timedelta(hours=2)


def window_opens_at(event: Event) -> dt.datetime:
    return event.starts_at - dt.timedelta(hours=event.reminder_hours_before)


def is_in_window(event: Event, now: dt.datetime) -> bool:
    """True from ``reminder_hours_before`` hours before the start until the start."""
    return event.reminder_hours_before > 0 and window_opens_at(event) <= now < event.starts_at


def due_events(now: dt.datetime) -> list[Event]:
    """Published events with reminders on whose reminder window is open at ``now``."""
    # The window's length is per event, and "starts_at - N hours" has no portable SQL; the
    # upcoming published events are few, so the window test runs here.
    upcoming = db.session.scalars(
        sa.select(Event)
        .where(Event.status == EventStatus.PUBLISHED, Event.reminder_enabled.is_(True), Event.starts_at > now)
        .order_by(Event.starts_at)
    )
    return [event for event in upcoming if is_in_window(event, now)]


@dataclasses.dataclass(frozen=True)
class Wording:
    """How a reminder speaks about the start, right for the hours left and the local date."""

    subject: str
    headline: str
    #: Completes "… starts ": "tomorrow, Friday, September 12, 2027 at 7:30 PM PDT".
    when: str


def reminder_wording(event: Event, now: dt.datetime) -> Wording:
    """'Starting soon' within two hours; else today / tomorrow / a date, in the event's zone."""
    start = event.local_starts_at
    days = (start.date() - now.astimezone(event.tz).date()).days
    at = f"{clock(start)} {start.tzname()}"
    if event.starts_at - now <= SOON:
        # Also right for an after-midnight start the evening before, where "tomorrow" misleads.
        return Wording(f"Starting soon: {event.title}", "Starting soon", f"soon, at {at}")
    if days == 0:
        return Wording(f"Today at {clock(start)}: {event.title}", "See you today", f"today at {at}")
    if days == 1:
        return Wording(
            f"Tomorrow at {clock(start)}: {event.title}", "See you tomorrow", f"tomorrow, {long_date(start)}, at {at}"
        )
    return Wording(
        f"Coming up on {start.strftime('%A, %B')} {start.day}: {event.title}",
        "Coming up",
        f"on {long_date(start)} at {at}",
    )


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """Queue the reminder for every confirmed guest not yet reminded whose event is in its
    window (``due_events``), with the calendar file; record RsvpAction.REMINDED. Returns how
    many were queued; a concurrent run that claimed a guest first makes this one skip them.

    Call inside ``writing()``; the caller commits. Raises nothing.
    """
    now = now or utcnow()
    queued = 0
    for event in due_events(now):
        # Rows another run holds are skipped on PostgreSQL (it reminds them); see claim_due_rows.
        candidates = claim_due_rows(
            sa.select(Rsvp.id)
            .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED, Rsvp.reminder_sent_at.is_(None))
            .order_by(Rsvp.id)
        )
        if not candidates:
            continue
        wording = reminder_wording(event, now)
        ics = calendar.event_ics(event, url=links.event_url(event), base_url=links.base_url()).decode()
        listed = vendors.of_event(event)
        for rsvp_id in candidates:  # in id order, so two runs lock rows alike and never deadlock
            # The claim: another run (or a cancel) that got here first makes this match no row.
            claim = db.session.execute(
                sa.update(Rsvp)
                .where(Rsvp.id == rsvp_id, Rsvp.status == RsvpStatus.CONFIRMED, Rsvp.reminder_sent_at.is_(None))
                .values(reminder_sent_at=now)
                .execution_options(synchronize_session=False)
            )
            if claim.rowcount != 1:
                continue
            rsvp = db.session.get(Rsvp, rsvp_id, populate_existing=True)
            mail.queue_message(
                to=rsvp.email,
                kind=KIND,
                subject=wording.subject,
                template=KIND,
                rsvp=rsvp,
                attachments=[{"filename": "event.ics", "mimetype": "text/calendar", "content": ics}],
                event=event,
                wording=wording,
                message_kind=KIND,
                manage_url=links.manage_url(rsvp),
                cancel_url=f"{links.manage_url(rsvp)}/cancel",
                event_url=links.event_url(event),
                listed_vendors=listed,
            )
            history.record(rsvp, RsvpAction.REMINDED, "system", wording.subject)
            queued += 1
    db.session.flush()
    return queued
