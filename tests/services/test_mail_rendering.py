"""Guest e-mails are rendered by the deliverer after the commit (issue 18), and a guest receives
byte for byte what the request used to render for the same state; what changes between the
commit and the delivery is handled as services.mail.queue_guest_message says."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import OutboxMessage, OutboxStatus, Rsvp, RsvpStatus, utcnow
from eventsite.services import calendar, links, mail, rsvps
from factories import guest_details, make_event, make_rsvp
from helpers import attachments, db_session, deliver, html_body, text_body

#: The template inputs each kind is queued with by its caller (services.rsvps, guests, events).
CONTEXT = {
    "cancelled": {"was": "confirmed"},
    "cancelled_by_organizer": {"was": "waitlisted"},
    "moved_to_waitlist": {"position": 3},
    "moved_to_confirmed": {"was": "offered"},
    "event_moved": {"was_when": "Friday, September 11, 7:30 – 9:00 PM PDT"},
}
STATUSES = [RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED, RsvpStatus.PENDING, RsvpStatus.OFFERED, RsvpStatus.CANCELLED]


def rendered_in_the_request(rsvp, kind: str, **context) -> OutboxMessage:
    """How a guest e-mail was queued before issue 18: text, HTML and calendar file rendered in
    the request (the reference the deliverer's rendering must match)."""
    subject_pattern, template = mail.GUEST_MESSAGES[kind]
    event = rsvp.event
    files = []
    if rsvp.is_live:
        ics = calendar.event_ics(event, url=links.event_url(event), base_url=links.base_url())
        files.append({"filename": "event.ics", "mimetype": "text/calendar", "content": ics.decode()})
    return mail.queue_message(
        to=rsvp.email, kind=kind, subject=subject_pattern.format(e=event, when=mail._start_words(event)),
        template=template, rsvp=rsvp, attachments=files, event=event, message_kind=kind,
        manage_url=links.manage_url(rsvp), claim_url=links.claim_url(rsvp), event_url=links.event_url(event),
        contact_email=mail.contact_address(), **context,
    )  # fmt: skip


def what_a_guest_sees(received) -> tuple:
    """Everything but what differs between any two messages (id, date, MIME boundary)."""
    headers = sorted((k, str(v)) for k, v in received.items() if k not in ("Message-ID", "Date", "Content-Type"))
    return headers, received.get_content_type(), text_body(received), html_body(received), attachments(received)


@pytest.mark.parametrize("reply_to", ["", "Resident Networking organizers <team@society.example.org>"])
def test_every_guest_kind_in_every_status_is_the_same_rendered_either_way(app_config, request, mailbox, reply_to):
    app_config["MAIL_REPLY_TO"] = reply_to
    app = request.getfixturevalue("app")
    pairs = []
    with db_session(app):
        event = make_event(capacity=None)
        for status in STATUSES:
            rsvp = make_rsvp(event, email=f"{status.value}@example.org", first_name="Ana", badge_name="Dr Ana")
            rsvp.status = status
            if status == RsvpStatus.OFFERED:
                rsvp.offer_expires_at = utcnow() + dt.timedelta(hours=24)
            db.session.flush()
            for kind in mail.GUEST_MESSAGES:
                context = CONTEXT.get(kind, {})
                before = rendered_in_the_request(rsvp, kind, **context)
                now = mail.queue_guest_message(rsvp, kind, **context)
                db.session.flush()
                assert now.render is not None and now.body_text == "" and now.attachments == []
                pairs.append((before.id, now.id, kind, status))
    mailbox.clear()
    report = deliver(app)
    # Each guest's own confirmation, then the pairs.
    assert len(pairs) == len(STATUSES) * len(mail.GUEST_MESSAGES)
    assert (report.sent, report.failed) == (len(STATUSES) + 2 * len(pairs), 0)
    received = mailbox.messages
    by_id = {}
    with app.app_context():
        for (message_id,) in db.session.execute(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)):
            by_id[message_id] = received[len(by_id)]
    for before, now, kind, status in pairs:
        assert what_a_guest_sees(by_id[now]) == what_a_guest_sees(by_id[before]), (kind, status)
    # The comparison has something to compare: each kind says what it is about.
    confirmed = what_a_guest_sees(by_id[pairs[0][1]])
    assert "Hi Dr Ana," in confirmed[2] and "/r/" in confirmed[2] and list(confirmed[4]) == ["event.ics"]


def test_the_event_full_e_mail_is_the_same_rendered_either_way(app, mailbox):
    with db_session(app):
        event = make_event(capacity=1, waitlist_enabled=False)
        make_rsvp(event, email="first@example.org")
        # The RSVP form's answer to an address when no place is left (services.rsvps).
        assert rsvps.submit_rsvp(event, guest_details(email="late@example.org"), mail_when_full=True).rsvp is None
        [now] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "event_full")).all()
        assert now.render is not None and now.body_text == ""
        before = mail.queue_message(  # as the request rendered it before issue 18
            to="late@example.org", kind="event_full", subject=f"Sorry, this event is full: {event.title}",
            template="event_full", event=event, events_url=f"{links.base_url()}/", contact_email=mail.contact_address(),
        )  # fmt: skip
        assert before.body_text and before.render is None
    mailbox.clear()
    assert deliver(app).sent == 3
    first, second = mailbox.to("late@example.org")
    assert what_a_guest_sees(first) == what_a_guest_sees(second)
    assert "the event is full, and it has no waitlist" in text_body(first) and "/r/" not in text_body(first)


def guest_and_mail(app, **details):
    with db_session(app):
        rsvp = make_rsvp(make_event(capacity=None), **details)
        db.session.flush()
        message = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.rsvp_id == rsvp.id)).one()
        return rsvp.id, message.id


def test_a_name_changed_before_delivery_is_spelled_the_new_way_with_the_status_it_was_queued_for(app, mailbox):
    rsvp_id, _ = guest_and_mail(app, email="ana@example.org", first_name="Ana")
    with db_session(app):
        rsvp = db.session.get(Rsvp, rsvp_id)
        rsvp.first_name = "Anabel"
        rsvps.cancel_rsvp(rsvp, actor="guest")
    deliver(app)
    confirmed, cancelled = mailbox.to("ana@example.org")
    assert confirmed["Subject"].startswith("You're confirmed") and cancelled["Subject"].startswith(
        "Your RSVP is cancelled"
    )
    assert "Hi Anabel," in text_body(confirmed) and "Confirmed" in text_body(confirmed)
    assert "Cancelled" not in text_body(confirmed) and "event.ics" in attachments(confirmed)
    assert "event.ics" not in attachments(cancelled)


def test_an_e_mail_whose_rsvp_was_deleted_before_delivery_fails_once_and_sends_nothing(app, mailbox):
    rsvp_id, message_id = guest_and_mail(app, email="gone@example.org")
    with db_session(app):
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message_id).values(rsvp_id=None))
    report = deliver(app)
    assert (report.sent, report.failed) == (0, 1) and mailbox.to("gone@example.org") == []
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        assert row.status == OutboxStatus.FAILED and row.attempts == 1
        assert "RSVP this e-mail was about was deleted" in row.last_error
    assert deliver(app).failed == 0
