"""Reminders: who gets one, when the window opens and closes, once only (also under a race), wording."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crowd import at_once
from eventsite.database import writing
from eventsite.extensions import db
from eventsite.models import Event, EventStatus, OutboxMessage, Rsvp, RsvpAction, RsvpChange, RsvpStatus, utcnow
from eventsite.services import reminders, rsvps
from factories import make_event, make_rsvp
from helpers import attachments, db_session, deliver, html_body, manage_link, post_form, read_ics, text_body

H = dt.timedelta(hours=1)


def reminded(event=None) -> list[str]:
    """Addresses with a reminder in the outbox, in order."""
    query = (
        sa.select(OutboxMessage.to_address).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.to_address)
    )
    if event is not None:
        query = query.join(Rsvp, Rsvp.id == OutboxMessage.rsvp_id).where(Rsvp.event_id == event.id)
    return list(db.session.scalars(query))


def test_confirmed_guests_in_the_window_get_one_reminder_each(app_ctx):
    event = make_event(starts_at=utcnow() + 20 * H, capacity=2)
    ann, bob = make_rsvp(event, email="ann@example.org"), make_rsvp(event, email="bob@example.org")
    make_rsvp(event, email="wait@example.org")  # waitlisted
    db.session.commit()
    now = utcnow()
    assert reminders.send_reminders(now=now) == 2
    db.session.commit()
    assert reminded() == ["ann@example.org", "bob@example.org"]
    for rsvp in (ann, bob):
        db.session.refresh(rsvp)
        assert rsvp.reminder_sent_at == now
        actions = db.session.scalars(sa.select(RsvpChange.action).where(RsvpChange.rsvp_id == rsvp.id)).all()
        assert RsvpAction.REMINDED in actions
    [queued] = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder", OutboxMessage.rsvp_id == ann.id)
    )
    assert [a["filename"] for a in queued.attachments] == ["event.ics"]
    assert reminders.send_reminders() == 0  # the next run: nothing new
    db.session.commit()
    assert len(reminded()) == 2


def test_guests_confirmed_after_the_window_opened_get_theirs_on_the_next_run(app_ctx):
    event = make_event(starts_at=utcnow() + 10 * H, capacity=1)
    make_rsvp(event, email="early@example.org")
    late = make_rsvp(event, email="late@example.org")  # waitlisted
    db.session.commit()
    assert reminders.send_reminders() == 1
    db.session.commit()
    make_rsvp(event, email="walkup@example.org", now=None)  # waitlisted behind "late"
    event.capacity = 3
    rsvps.fill_open_spots(event)  # offers to both
    for rsvp in db.session.scalars(sa.select(Rsvp).where(Rsvp.status == RsvpStatus.OFFERED)):
        rsvps.claim_offer(rsvp)
    db.session.commit()
    assert db.session.get(Rsvp, late.id).status == RsvpStatus.CONFIRMED
    assert reminders.send_reminders() == 2
    db.session.commit()
    assert reminded() == ["early@example.org", "late@example.org", "walkup@example.org"]


def test_cancelled_guests_get_none(app_ctx):
    event = make_event(starts_at=utcnow() + 5 * H)
    gone = make_rsvp(event, email="gone@example.org")
    make_rsvp(event, email="stays@example.org")
    rsvps.cancel_rsvp(gone)
    db.session.commit()
    assert reminders.send_reminders() == 1
    db.session.commit()
    assert reminded() == ["stays@example.org"]


@pytest.mark.parametrize(
    "setup",
    [
        {"reminder_enabled": False},
        {"status": EventStatus.DRAFT},
        {"status": EventStatus.CANCELLED},
    ],
    ids=["reminder off", "draft", "cancelled"],
)
def test_no_reminders_when_off_or_not_published(app_ctx, setup):
    status = setup.pop("status", EventStatus.PUBLISHED)
    event = make_event(starts_at=utcnow() + 3 * H)
    make_rsvp(event)
    for name, value in setup.items():
        setattr(event, name, value)
    event.status = status
    db.session.commit()
    assert reminders.send_reminders() == 0
    db.session.commit()
    assert reminded() == []


@pytest.mark.parametrize(
    ("hours", "before_start", "due"),
    [
        (24, 24 * H + dt.timedelta(seconds=1), False),  # a second before the window opens
        (24, 24 * H, True),  # the moment it opens
        (24, 23 * H, True),
        (24, dt.timedelta(seconds=1), True),  # a second before the start
        (24, dt.timedelta(0), False),  # started: too late
        (24, -H, False),
        (3, 4 * H, False),  # a 3-hour reminder is not sent a day ahead
        (3, 3 * H, True),
    ],
)
def test_the_window_runs_from_hours_before_until_the_start(app_ctx, hours, before_start, due):
    event = make_event(starts_at=utcnow() + 2 * H, reminder_hours_before=hours)
    make_rsvp(event)
    db.session.commit()
    assert reminders.send_reminders(now=event.starts_at - before_start) == (1 if due else 0)


def test_only_the_events_in_their_window_are_due(app_ctx):
    soon = make_event(starts_at=utcnow() + 20 * H)
    later = make_event(starts_at=utcnow() + 30 * H)
    long_notice = make_event(starts_at=utcnow() + 30 * H, reminder_hours_before=48)
    for event in (soon, later, long_notice):
        make_rsvp(event)
    db.session.commit()
    assert [e.id for e in reminders.due_events(utcnow())] == [soon.id, long_notice.id]


@pytest.mark.slow
def test_two_runs_at_the_same_time_remind_each_guest_once(app):
    """Two job runs, each in its own thread, app context and transaction, released together.

    On PostgreSQL both read the same candidates, then race on the claims: the loser's UPDATE
    waits for the winner's commit and then matches no row. On SQLite the whole second
    transaction waits for the first (BEGIN IMMEDIATE), then finds nobody left to remind.
    """
    with db_session(app):
        event = make_event(starts_at=utcnow() + 6 * H, capacity=None)
        guests = [make_rsvp(event, email=f"guest{i:02d}@example.org").email for i in range(12)]
        event_id = event.id
        dialect = db.engine.dialect.name
    after_read = threading.Barrier(2, timeout=20)
    original = reminders.due_events

    def due_then_wait(now):
        events = original(now)
        if dialect != "sqlite":  # let both transactions read before either claims
            after_read.wait()
        return events

    def run() -> int:
        with app.app_context(), writing():
            sent = reminders.send_reminders()
            db.session.commit()
        return sent

    reminders.due_events = due_then_wait
    try:
        counts = at_once(run, 2)
    finally:
        reminders.due_events = original
    if dialect == "sqlite":
        assert sorted(counts) == [0, 12]  # the second run found everyone reminded
    else:
        assert sum(counts) == 12
    with app.app_context():
        per_guest = db.session.execute(
            sa.select(OutboxMessage.to_address, sa.func.count())
            .where(OutboxMessage.kind == "reminder")
            .group_by(OutboxMessage.to_address)
        ).all()
        assert dict(per_guest) == {address: 1 for address in guests}
        history = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(RsvpChange)
            .join(Rsvp)
            .where(Rsvp.event_id == event_id, RsvpChange.action == RsvpAction.REMINDED)
        )
        assert history == 12


def event_at(local: dt.datetime, tz: str = "America/Los_Angeles") -> Event:
    """An unsaved event at a local wall-clock time (the wording needs no database)."""
    from zoneinfo import ZoneInfo

    start = local.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)
    return Event(title="LA Networking", starts_at=start, ends_at=start + 90 * dt.timedelta(minutes=1), timezone=tz)


@pytest.mark.parametrize(
    ("before", "subject", "headline", "when"),
    [
        (
            24 * H,
            "Tomorrow at 7:30 PM: LA Networking",
            "See you tomorrow",
            "tomorrow, Sunday, September 12, 2027, at 7:30 PM PDT",
        ),
        (20 * H, "Tomorrow at 7:30 PM: LA Networking", "See you tomorrow", "tomorrow, Sunday"),
        # 6 hours ahead it is already the 13th in UTC, but still the 12th in Los Angeles.
        (6 * H, "Today at 7:30 PM: LA Networking", "See you today", "today at 7:30 PM PDT"),
        (3 * H, "Today at 7:30 PM: LA Networking", "See you today", "today at 7:30 PM PDT"),
        (90 * dt.timedelta(minutes=1), "Starting soon: LA Networking", "Starting soon", "soon, at 7:30 PM PDT"),
        (
            48 * H,
            "Coming up on Sunday, September 12: LA Networking",
            "Coming up",
            "on Sunday, September 12, 2027 at 7:30 PM PDT",
        ),
    ],
)
def test_wording_fits_the_hours_left_in_the_event_zone(before, subject, headline, when):
    event = event_at(dt.datetime(2027, 9, 12, 19, 30))
    wording = reminders.reminder_wording(event, event.starts_at - before)
    assert (wording.subject, wording.headline) == (subject, headline)
    assert wording.when.startswith(when)
    if before < 20 * H:
        assert "omorrow" not in wording.subject + wording.headline + wording.when


def test_an_after_midnight_start_is_soon_not_tomorrow():
    event = event_at(dt.datetime(2027, 9, 13, 0, 30))
    late_evening = event.starts_at - 60 * dt.timedelta(minutes=1)
    assert reminders.reminder_wording(event, late_evening).subject == "Starting soon: LA Networking"
    assert reminders.reminder_wording(event, event.starts_at - 5 * H).subject == "Tomorrow at 12:30 AM: LA Networking"


def zone_where_it_is_still_today_in(hours: int) -> str:
    """A time zone where ``hours`` from now is still today (whatever the hour the suite runs at)."""
    now = utcnow()
    for zone in ("America/Los_Angeles", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Tokyo"):
        local = now.astimezone(ZoneInfo(zone))
        if (local + dt.timedelta(hours=hours)).date() == local.date():
            return zone
    raise AssertionError("no zone in the list has that many hours left today")


def test_the_reminder_e_mail_has_venue_map_calendar_and_a_way_to_release_the_spot(app, client, mailbox):
    with db_session(app):
        event = make_event(
            starts_at=utcnow() + 3 * H, capacity=1, claim_window_hours=0, timezone=zone_where_it_is_still_today_in(3)
        )
        ann = make_rsvp(event, first_name="Ann", email="ann@example.org")
        make_rsvp(event, email="next@example.org")  # waitlisted
        expected_when = reminders.reminder_wording(event, utcnow()).when
        title, venue, room, street, map_url = (
            event.title,
            event.venue_name,
            event.room,
            event.street_address,
            event.map_url,
        )
        ann_id = ann.id
    deliver(app)
    mailbox.clear()
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "offers expired: 0; e-mails sent: 1; failed: 0; reminders queued: 1" in result.output
    [received] = mailbox.messages
    assert (
        received["To"] == "ann@example.org"
        and received["Subject"] == f"Today at {expected_when.split(' at ')[1].rsplit(' ', 1)[0]}: {title}"
    )
    text = text_body(received)
    assert f"{title} starts {expected_when}. Your spot is confirmed." in text
    assert "tomorrow" not in text.lower()
    for fact in (venue, room, street, "West Hollywood, CA 90069", map_url):
        assert fact in text
    html = html_body(received)
    assert "Release your spot" in html and "Open in maps" in html and "See you today" in html
    _, vevent = read_ics(attachments(received)["event.ics"])
    assert str(vevent["summary"]) == title

    link = manage_link(received, app.config["BASE_URL"])
    assert f"Can't come? Release your spot so the next person on the waitlist can have it:\r\n{link}/cancel" in text
    path = link.removeprefix(app.config["BASE_URL"]) + "/cancel"
    assert post_form(client, path, {}).status_code == 302
    with db_session(app):
        assert db.session.get(Rsvp, ann_id).status == RsvpStatus.CANCELLED
        promoted = db.session.scalar(sa.select(Rsvp).where(Rsvp.email == "next@example.org"))
        assert promoted.status == RsvpStatus.CONFIRMED  # the released spot went down the waitlist

    again = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert "reminders queued: 1" in again.output  # the promoted guest, confirmed inside the window
    third = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert "reminders queued: 0" in third.output


def test_moving_the_event_reminds_guests_again_of_the_new_time(app_ctx):
    from eventsite.services import events

    event = make_event(starts_at=utcnow() + 20 * H)
    ann = make_rsvp(event, email="ann@example.org")
    db.session.commit()
    assert reminders.send_reminders() == 1
    db.session.commit()
    # Same start, another detail changed: no second reminder.
    local = event.starts_at.astimezone(event.tz).replace(tzinfo=None)
    events.update_event(event, local_start=local, local_end=local + 2 * H, timezone=event.timezone)
    db.session.commit()
    assert reminders.send_reminders() == 0
    # The start moves by an hour: the guest hears of the new time once more.
    events.update_event(event, local_start=local + H, local_end=local + 2 * H, timezone=event.timezone)
    db.session.commit()
    db.session.refresh(ann)
    assert ann.reminder_sent_at is None
    assert reminders.send_reminders() == 1
    db.session.commit()
    assert reminded() == ["ann@example.org", "ann@example.org"]
