"""Organizer messages called directly: who is in each segment, placeholders, preview, send, history."""

import itertools

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import (
    CheckIn,
    CheckInResult,
    Message,
    OutboxMessage,
    OutboxStatus,
    Rsvp,
    Segment,
    utcnow,
)
from eventsite.services import DomainError, events, links, mail, rsvps
from eventsite.services import messages as message_service
from factories import make_event, make_rsvp
from helpers import attachments, deliver, html_body, read_ics, text_body

_nonce = itertools.count(1)


def scan(event, rsvp, *, result=CheckInResult.ADMITTED, undone=False, reason=""):
    """A CheckIn row as the door would write it (the check-in service is not ours to call)."""
    db.session.add(
        CheckIn(
            event_id=event.id,
            rsvp_id=rsvp.id,
            result=result,
            reason=reason,
            nonce=f"n{next(_nonce)}",
            undone_at=utcnow() if undone else None,
        )
    )
    db.session.flush()


def guest(event, first, last="Resident", **kw):
    return make_rsvp(event, first_name=first, last_name=last, email=f"{first.lower()}.{last.lower()}@example.org", **kw)


@pytest.fixture()
def party(app_ctx):
    """An event with guests in every segment, plus the scans and statuses that must not count.

    confirmed: Ann (checked in), Bob (checked in, undone), Cat (only a rejected scan)
    waitlisted: Dan; pending: Fay; cancelled: Eve (left the waitlist).
    """
    event = make_event(capacity=3)
    g = {name: guest(event, name) for name in ("Cat", "Ann", "Bob")}
    g["Dan"] = guest(event, "Dan")
    g["Eve"] = guest(event, "Eve")
    rsvps.cancel_rsvp(g["Eve"])
    event.requires_approval = True
    g["Fay"] = guest(event, "Fay")
    event.requires_approval = False
    scan(event, g["Ann"])
    scan(event, g["Bob"], undone=True)
    scan(event, g["Cat"], result=CheckInResult.REJECTED, reason="already_checked_in")
    other = make_event(capacity=None)
    scan(other, guest(other, "Zed"))  # another event's admission counts only there
    db.session.commit()
    return event, g


def names(rsvp_list):
    return [r.first_name for r in rsvp_list]


def test_segment_membership_and_counts_agree(party):
    event, g = party
    expected = {
        Segment.CONFIRMED: ["Ann", "Bob", "Cat"],
        Segment.WAITLISTED: ["Dan"],
        Segment.PENDING: ["Fay"],
        Segment.CHECKED_IN: ["Ann"],
        Segment.NOT_CHECKED_IN: ["Bob", "Cat"],
        Segment.SELECTED: [],  # nobody ticked
    }
    assert {s: names(message_service.segment_guests(event, s)) for s in Segment} == expected
    assert message_service.segment_counts(event) == {s: len(v) for s, v in expected.items()}
    # Ticked guests (issue 15): any status; another event's RSVP id counts for nothing.
    picked = [g["Dan"].id, g["Fay"].id, g["Ann"].id, 10**6]
    assert names(message_service.segment_guests(event, Segment.SELECTED, picked=picked)) == ["Ann", "Dan", "Fay"]
    assert message_service.segment_counts(event, picked=picked)[Segment.SELECTED] == 3


def test_a_new_scan_moves_a_guest_between_the_check_in_segments(party):
    event, g = party
    scan(event, g["Cat"])
    counts = message_service.segment_counts(event)
    assert (counts[Segment.CHECKED_IN], counts[Segment.NOT_CHECKED_IN]) == (2, 1)


def test_guests_are_ordered_by_name_whatever_the_case_and_accents(app_ctx):
    event = make_event()
    for first, last in [("maria", "Zhou"), ("Élodie", "Roy"), ("Aaron", "Young"), ("Maria", "Abbot"), ("bea", "Hill")]:
        guest(event, first, last)
    ordered = message_service.segment_guests(event, Segment.CONFIRMED)
    assert [r.full_name for r in ordered] == ["Aaron Young", "bea Hill", "Élodie Roy", "Maria Abbot", "maria Zhou"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("Hi {firstname}!", "{firstname} is not a placeholder we can fill. Did you mean {first_name}?"),
        ("Hi {First Name}!", "Did you mean {first_name}?"),
        ("Your table: {table}", "{table} is not a placeholder"),
        ("Empty {} braces", "{} is not a placeholder"),
        ("Sneaky {first_name.__class__}", "{first_name.__class__} is not a placeholder"),
    ],
)
def test_unknown_placeholders_are_refused_on_the_body(party, body, says):
    event, _ = party
    for action in (message_service.preview_message, message_service.send_message):
        extra = {"sent_by": "o@example.org", "confirmed_count": 3} if action is message_service.send_message else {}
        with pytest.raises(DomainError) as err:
            action(event, segment=Segment.CONFIRMED, subject="Hello", body=body, **extra)
        assert (err.value.code, err.value.field) == ("unknown_placeholder", "body")
        assert says in err.value.message
        assert "{first_name}, {badge_name}, {event_title}, {manage_link}" in err.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_unknown_placeholder_in_the_subject_is_refused_on_the_subject(party):
    event, _ = party
    with pytest.raises(DomainError) as err:
        message_service.preview_message(event, segment=Segment.CONFIRMED, subject="For {name}", body="Hi")
    assert (err.value.code, err.value.field) == ("unknown_placeholder", "subject")


def test_stray_braces_and_spaced_placeholders_are_fine(party):
    event, g = party
    preview = message_service.preview_message(
        event, segment=Segment.CONFIRMED, subject="{ event_title }", body="Smile :-} and { wave\nHi { first_name }"
    )
    assert preview.subject == event.title
    assert "Smile :-} and { wave\nHi Ann" in preview.text


def test_preview_fills_in_the_first_guest_by_name_and_writes_nothing(party):
    event, g = party
    g["Ann"].badge_name = "Dr. Ann"
    db.session.commit()
    outbox_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    body = "Hi {first_name} ({badge_name}),\n\n{event_title} is close.\nYour link: {manage_link}"
    preview = message_service.preview_message(
        event, segment=Segment.CONFIRMED, subject="See you, {first_name}", body=body
    )
    ann = g["Ann"]
    assert preview.rsvp.id == ann.id and preview.recipients == 3 and preview.to == ann.email
    assert preview.subject == "See you, Ann"
    assert f"Hi Ann (Dr. Ann),\n\n{event.title} is close.\nYour link: {links.manage_url(ann)}" in preview.text
    assert f'<a href="{links.manage_url(ann)}"' in preview.html and "<p>Hi Ann (Dr. Ann),</p>" in preview.html
    assert preview.attachments == ["event.ics"]
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == outbox_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_preview_is_what_the_outbox_gets(party):
    event, g = party
    kwargs = dict(
        segment=Segment.WAITLISTED, subject="Hi {first_name}", body="Line one\n\n<b>not bold</b> {manage_link}"
    )
    preview = message_service.preview_message(event, **kwargs)
    message = message_service.send_message(event, sent_by="o@example.org", confirmed_count=1, **kwargs)
    [queued] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.message_id == message.id)).all()
    assert (queued.subject, queued.body_text, queued.body_html) == (preview.subject, preview.text, preview.html)
    assert "&lt;b&gt;not bold&lt;/b&gt;" in queued.body_html


def test_send_queues_one_e_mail_per_guest_with_the_message_id_and_calendar(party):
    event, g = party
    message = message_service.send_message(
        event,
        segment=Segment.CONFIRMED,
        subject="Parking for {first_name}",
        body="Hi {badge_name}, park on level 2.",
        sent_by="olivia@example.org",
        confirmed_count=3,
    )
    db.session.commit()
    assert (message.recipients, message.sent_by, message.segment) == (3, "olivia@example.org", Segment.CONFIRMED)
    queued = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "organizer_message").order_by(OutboxMessage.to_address)
    ).all()
    assert [q.to_address for q in queued] == [g[n].email for n in ("Ann", "Bob", "Cat")]
    assert {q.message_id for q in queued} == {message.id}
    assert [q.subject for q in queued] == ["Parking for Ann", "Parking for Bob", "Parking for Cat"]
    assert all(q.rsvp_id is not None and q.status == OutboxStatus.PENDING for q in queued)
    assert all([a["filename"] for a in q.attachments] == ["event.ics"] for q in queued)
    assert "Hi Bob, park on level 2." in queued[1].body_text


def test_a_guest_no_longer_live_gets_no_calendar_file(party):
    event, g = party
    rsvps.cancel_rsvp(g["Ann"])  # checked in, then cancelled: still in "checked in", no longer live
    message = message_service.send_message(
        event,
        segment=Segment.CHECKED_IN,
        subject="Thanks",
        body="Thanks for coming!",
        sent_by="o@x.org",
        confirmed_count=1,
    )
    [queued] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.message_id == message.id)).all()
    assert queued.to_address == g["Ann"].email and queued.attachments == []


def test_an_empty_segment_is_refused(app_ctx):
    event = make_event()
    make_rsvp(event)
    for action, extra in [
        (message_service.preview_message, {}),
        (message_service.send_message, {"sent_by": "o@x.org", "confirmed_count": 0}),
    ]:
        with pytest.raises(DomainError) as err:
            action(event, segment=Segment.PENDING, subject="Hi", body="Hello", **extra)
        assert (err.value.code, err.value.field) == ("empty_segment", "segment")
        assert "no guests awaiting approval" in err.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


@pytest.mark.parametrize(
    ("confirmed", "code", "says"),
    [
        (None, "not_confirmed", "Tick the box to confirm sending to 3 confirmed guests."),
        (2, "recipients_changed", "it now has 3 confirmed guests"),
    ],
)
def test_sending_needs_the_organizer_to_confirm_the_current_count(party, confirmed, code, says):
    event, _ = party
    with pytest.raises(DomainError) as err:
        message_service.send_message(
            event, segment=Segment.CONFIRMED, subject="Hi", body="Hello", sent_by="o@x.org", confirmed_count=confirmed
        )
    assert (err.value.code, err.value.field) == (code, "confirm")
    assert says in err.value.message
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.message_id.is_not(None))
        )
        == 0
    )


def test_the_same_message_twice_in_a_row_is_taken_for_a_double_click(party):
    event, _ = party
    send = dict(segment=Segment.WAITLISTED, subject="Hi", body="Hello\r\nthere", sent_by="o@x.org", confirmed_count=1)
    message_service.send_message(event, **send)
    db.session.commit()
    with pytest.raises(DomainError) as err:
        message_service.send_message(event, **{**send, "body": "Hello\nthere"})
    assert err.value.code == "duplicate"
    db.session.rollback()
    message_service.send_message(event, **{**send, "subject": "Hi again"})
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 2


def count_queries(fn, event):
    """Run ``fn`` and count its SQL statements (the event is loaded first, outside the count)."""
    db.session.refresh(event)
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        result = fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    return result, len(statements)


def test_history_counts_by_status_in_a_constant_number_of_queries(party):
    event, _ = party
    first = message_service.send_message(
        event, segment=Segment.CONFIRMED, subject="One", body="1", sent_by="a@x.org", confirmed_count=3
    )
    db.session.commit()
    rows, queries_for_one = count_queries(lambda: message_service.message_history(event), event)
    assert [(r.message.subject, r.waiting, r.delivered, r.failed) for r in rows] == [("One", 3, 0, 0)]

    sent, failed, retrying = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.message_id == first.id).order_by(OutboxMessage.id)
    ).all()
    sent.status, failed.status, failed.attempts = OutboxStatus.SENT, OutboxStatus.FAILED, mail.MAX_ATTEMPTS
    retrying.attempts = 1
    for subject in ("Two", "Three"):
        message_service.send_message(
            event, segment=Segment.WAITLISTED, subject=subject, body="x", sent_by="b@x.org", confirmed_count=1
        )
    db.session.commit()
    db.session.expire_all()
    rows, queries_for_three = count_queries(lambda: message_service.message_history(event), event)
    assert queries_for_three == queries_for_one == 2
    summary = [(r.message.subject, r.message.recipients, r.delivered, r.failed, r.waiting, r.retrying) for r in rows]
    assert summary == [("Three", 1, 0, 0, 1, 0), ("Two", 1, 0, 0, 1, 0), ("One", 3, 1, 1, 1, 1)]


def test_history_of_an_event_without_messages_is_empty(app_ctx):
    assert message_service.message_history(make_event()) == []


def test_plain_text_becomes_safe_html_with_links():
    html = message_service.text_to_html("Hi <you> & co,\n\nSee https://example.org/a?b=1&c=2.\nBye")
    assert html == (
        "<p>Hi &lt;you&gt; &amp; co,</p>"
        '<p>See <a href="https://example.org/a?b=1&amp;c=2" style="color:#0b5f7a;word-break:break-all;">https://example.org/a?b=1&amp;c=2</a>.'
        "<br>Bye</p>"
    )


def test_cancelling_the_event_e_mails_the_organizers_words(app, app_ctx, mailbox):
    event = make_event()
    ann = guest(event, "Ann")
    db.session.commit()
    deliver(app)  # the RSVP confirmation
    mailbox.clear()
    events.cancel_event(event, message="The venue flooded.\n\nWe'll be back in spring <3", actor="organizer:o@x.org")
    db.session.commit()
    deliver(app)
    [received] = mailbox.to(ann.email)
    assert received["Subject"] == f"Cancelled: {event.title}"
    assert "The venue flooded.\r\n\r\nWe'll be back in spring <3" in text_body(received)
    html = html_body(received)
    assert "This event is cancelled" in html and "The venue flooded.</p>" in html and "spring &lt;3" in html
    _, vevent = read_ics(attachments(received)["event.ics"])
    assert str(vevent["status"]) == "CANCELLED"
    assert db.session.get(Rsvp, ann.id).status.value == "confirmed"  # rows stay; the history reads right
