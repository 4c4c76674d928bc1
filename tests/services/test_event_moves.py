"""An organizer moves an event: every live guest hears of the new time once, with a calendar
file that updates their entry, and reminders follow the new time."""

import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import OutboxMessage, OutboxStatus, RsvpStatus, utcnow
from eventsite.services import calendar, events, links, reminders, rsvps
from factories import make_event, make_rsvp
from helpers import as_sent, read_ics

H = dt.timedelta(hours=1)
ORGANIZER = "organizer:olivia@example.org"


def moved_mail() -> list:
    """The "new time" e-mails, as they will read."""
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == "event_moved").order_by(OutboxMessage.id)
    return [as_sent(m) for m in db.session.scalars(query)]


def local(event) -> dt.datetime:
    return event.local_starts_at.replace(tzinfo=None)


def move(event, start: dt.datetime, *, length=90, **fields) -> None:
    """Save the event form with a new wall-clock start (in the event's zone)."""
    events.update_event(
        event, local_start=start, local_end=start + dt.timedelta(minutes=length), timezone=event.timezone, **fields
    )
    db.session.commit()


def ics_of(message):
    [item] = message.attachments
    assert item["filename"] == "event.ics" and item["mimetype"] == "text/calendar"
    return read_ics(item["content"].encode())[1]


def test_every_live_guest_is_told_the_new_time_and_place_with_a_calendar_update(app_ctx):
    start = dt.datetime(2031, 9, 12, 19, 30)  # a Friday; PDT
    event = make_event(starts_at=start.replace(tzinfo=dt.UTC) + 7 * H, capacity=2, requires_approval=False)
    ann = make_rsvp(event, email="ann@example.org")
    make_rsvp(event, email="bob@example.org")
    wait = make_rsvp(event, email="wait@example.org")
    gone = make_rsvp(event, email="gone@example.org")
    rsvps.cancel_rsvp(gone)
    db.session.commit()
    assert local(event) == start and wait.status == RsvpStatus.WAITLISTED
    before = read_ics(calendar.event_ics(event, url=links.event_url(event), base_url=links.base_url()))[1]

    move(event, start + dt.timedelta(days=1, minutes=30))  # Saturday 8:00 PM

    sent = moved_mail()
    assert sorted(m.to_address for m in sent) == ["ann@example.org", "bob@example.org", "wait@example.org"]
    by_address = {m.to_address: m for m in sent}
    message = by_address["ann@example.org"]
    assert message.subject == f"New time: {event.title} is now on Saturday, September 13 at 8:00 PM PDT"
    for body in (message.body_text, message.body_html):
        assert "The organizers moved" in body
        assert "Saturday, September 13, 2031 · 8:00–9:30 PM PDT" in body
        assert "Friday, September 12, 2031 · 7:30–9:00 PM PDT" in body  # what it was
        assert "State Social House, The Attic Room, 8782 W. Sunset Boulevard" in body
        assert "Your place is kept, so you don't need to do anything. Your badge and its QR code still work." in body
        assert f"/r/{ann.manage_token}" in body
    assert "still on the waitlist, in the same place in line" in by_address["wait@example.org"].body_text
    assert "QR code" not in by_address["wait@example.org"].body_text
    vevent = ics_of(message)
    assert vevent["UID"] == before["UID"]
    assert int(vevent["SEQUENCE"]) > int(before.get("SEQUENCE", 0))
    assert vevent.decoded("DTSTART").replace(tzinfo=None) == start + dt.timedelta(days=1, minutes=30)
    assert str(vevent.decoded("DTSTART").tzinfo) == "America/Los_Angeles"


def test_saving_again_or_moving_to_the_same_time_sends_nothing(app_ctx):
    event = make_event(starts_at=utcnow() + 20 * H)
    make_rsvp(event, email="ann@example.org")
    db.session.commit()
    assert reminders.send_reminders() == 1
    db.session.commit()
    start, sequence = local(event), event.ics_sequence

    move(event, start, title="A new title")  # the form saved with the time unchanged
    move(event, start)
    assert moved_mail() == [] and event.ics_sequence == sequence
    assert reminders.send_reminders() == 0

    move(event, start + H)
    move(event, start + H)  # saved again after the move: still one notice
    assert [m.to_address for m in moved_mail()] == ["ann@example.org"]
    assert event.ics_sequence == sequence + 1


def test_a_second_move_before_delivery_replaces_the_first_notice(app_ctx):
    event = make_event(days_ahead=10)
    make_rsvp(event, email="ann@example.org")
    db.session.commit()
    start = local(event)
    move(event, start + H)
    first = db.session.get(OutboxMessage, moved_mail()[0].id)
    first.status, first.sent_at = OutboxStatus.SENT, utcnow()  # this one went out
    db.session.commit()
    move(event, start + 2 * H)
    move(event, start + 3 * H)  # before the second notice was delivered
    sent = moved_mail()
    assert len(sent) == 2 and sent[0].id == first.id
    assert ics_of(sent[1]).decoded("DTSTART").replace(tzinfo=None) == start + 3 * H
    assert int(ics_of(sent[1])["SEQUENCE"]) == 3


def test_a_guest_reminded_of_the_old_time_is_reminded_again_when_the_new_window_opens(app_ctx):
    event = make_event(starts_at=utcnow() + 20 * H, reminder_hours_before=24)
    ann = make_rsvp(event, email="ann@example.org")
    db.session.commit()
    assert reminders.send_reminders() == 1
    db.session.commit()
    # Three days on, at 7:30 PM: the window is not open yet, and 23 hours before is the evening
    # before (a start near midnight would make that reminder say "Today").
    move(event, (local(event) + 72 * H).replace(hour=19, minute=30))
    db.session.refresh(ann)
    assert ann.reminder_sent_at is None
    assert reminders.send_reminders() == 0
    assert reminders.send_reminders(now=event.starts_at - 23 * H) == 1
    db.session.commit()
    [reminder] = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id.desc()).limit(1)
    )
    assert reminder.subject.startswith("Tomorrow at")
    assert reminders.send_reminders(now=event.starts_at - 22 * H) == 0


def test_no_notice_for_a_cancelled_event_and_a_cancel_raises_the_calendar_sequence(app_ctx):
    event = make_event(days_ahead=10)
    rsvp = make_rsvp(event)
    events.cancel_event(event, message="", actor=ORGANIZER)
    db.session.commit()
    assert event.ics_sequence == 1
    [cancelled] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "event_cancelled"))
    vevent = ics_of(as_sent(cancelled))
    assert vevent["STATUS"] == "CANCELLED" and int(vevent["SEQUENCE"]) == 1
    move(event, local(event) + H)
    assert moved_mail() == [] and rsvp.status == RsvpStatus.CONFIRMED
