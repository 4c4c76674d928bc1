"""The organizer's messages page: segments with counts, preview, confirm and send, history counts."""

import re
import socket

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, Message, OutboxMessage, OutboxStatus, Rsvp, utcnow
from eventsite.services import links, mail
from factories import make_event, make_rsvp
from helpers import attachments, db_session, deliver, field_box, form_values, page_text, post_form, text_body


@pytest.fixture()
def event_id(app, mailbox):
    """Confirmed: Ann, Bob, Cat (capacity 3); waitlisted: Dan; nobody pending. Their RSVP mail is delivered."""
    with db_session(app):
        event = make_event(capacity=3, timezone="America/Chicago")
        for name in ("Cat", "Ann", "Bob", "Dan"):
            make_rsvp(event, first_name=name, last_name="Resident", email=f"{name.lower()}@example.org")
        db.session.flush()
        event_id = event.id
    deliver(app)
    mailbox.clear()
    return event_id


def closed_port() -> int:
    """A local port nothing listens on: every SMTP attempt there is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url(event_id: int) -> str:
    return f"/admin/events/{event_id}/messages"


def compose(**overrides) -> dict:
    data = {"segment": "confirmed", "subject": "Parking, {first_name}", "body": "Hi {badge_name},\n\nPark on level 2."}
    data.update(overrides)
    return data


def chosen_segment(html: str) -> str:
    [value] = re.findall(r'<input checked [^>]*name="segment"[^>]*value="([a-z_]+)"', html)
    return value


def history(html: str) -> list[tuple[str, str, str]]:
    """(to, subject, delivery) as read in each row of the sent-messages table, newest first."""
    body = html.split('class="data history"')[1].split("</table>")[0].split("<tbody>")[1]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        _sent, to, subject, delivery = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        subject = re.search(r"<summary>(.*?)</summary>", subject, re.S).group(1)
        rows.append((page_text(to), page_text(subject), page_text(delivery)))
    return rows


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_page_lists_each_segment_with_its_count_and_documents_the_placeholders(admin, event_id):
    response = admin.get(url(event_id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    segments = field_box(html, "segment")
    for label, n in [
        ("Confirmed guests", 3),
        ("Waitlisted guests", 1),
        ("Guests awaiting approval", 0),
        ("Guests who checked in", 0),
        ("Confirmed guests who have not checked in", 3),
    ]:
        assert f"{label} {n} guest" in segments
    body = field_box(html, "body")
    for placeholder in ("{first_name}", "{badge_name}", "{event_title}", "{manage_link}"):
        assert placeholder in body
    assert "Send to 3 confirmed guests now" in field_box(html, "confirm")
    assert "No messages sent for this event yet." in page_text(html)
    assert 'aria-current="page">Messages' in html


def test_an_unknown_placeholder_is_an_error_next_to_the_body_and_keeps_the_text(admin, event_id):
    data = compose(body="Hi {firstname}, see you!")
    response = post_form(admin, url(event_id), {**data, "action": "preview"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "{firstname} is not a placeholder we can fill. Did you mean {first_name}?" in field_box(html, "body")
    values = form_values(html)
    assert (values["subject"], values["body"]) == (data["subject"], data["body"])
    assert "Preview" not in page_text(html).split("Write to your guests")[0]


def test_preview_shows_the_first_guest_by_name_and_sends_nothing(app, admin, event_id):
    outbox_before = count(app, OutboxMessage)
    data = compose(body="Hi {first_name},\n\nSee you at {event_title}.\n{manage_link}")
    response = post_form(admin, url(event_id), {**data, "action": "preview"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(html)
    assert "Preview ready: the e-mail exactly as Ann Resident would get it. Nothing was sent yet." in text
    assert "As Ann Resident will get it: the first of 3 confirmed guests by name." in text
    assert "ann@example.org" in text and "Parking, Ann" in text and "event.ics" in text
    with app.app_context():
        event = db.session.get(Event, event_id)
        ann = db.session.scalar(sa.select(Rsvp).where(Rsvp.email == "ann@example.org"))
        manage = links.manage_url(ann)
        title = event.title
    srcdoc = re.search(r'srcdoc="([^"]*)"', html).group(1)
    assert "Hi Ann," in srcdoc and f"See you at {title}." in srcdoc and manage in srcdoc
    assert f"See you at {title}.\n{manage}" in html  # the plain-text version
    values = form_values(html)
    assert (values["subject"], values["body"]) == (data["subject"], data["body"])
    assert chosen_segment(html) == "confirmed"
    assert "Send to 3 confirmed guests now" in field_box(html, "confirm")
    assert count(app, OutboxMessage) == outbox_before and count(app, Message) == 0


def test_sending_asks_for_confirmation_first(app, admin, event_id):
    response = post_form(admin, url(event_id), {**compose(), "action": "send"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Tick the box to confirm sending to 3 confirmed guests." in field_box(html, "confirm")
    assert "Please check the form." in page_text(html)
    assert count(app, Message) == 0


def test_a_box_ticked_for_another_group_does_not_count(app, admin, event_id):
    data = {**compose(segment="waitlisted"), "confirm": "confirmed:3", "action": "send"}
    response = post_form(admin, url(event_id), data)
    assert response.status_code == 422
    box = field_box(response.get_data(as_text=True), "confirm")
    assert "Send to 1 waitlisted guest now" in box and "Tick the box to confirm sending to 1 waitlisted guest." in box
    assert count(app, Message) == 0


def test_a_group_that_changed_since_the_organizer_confirmed_is_not_sent(app, admin, event_id):
    data = {**compose(segment="waitlisted"), "action": "preview"}
    assert "Send to 1 waitlisted guest now" in field_box(
        post_form(admin, url(event_id), data).get_data(as_text=True), "confirm"
    )
    with db_session(app):
        make_rsvp(db.session.get(Event, event_id), email="eve@example.org")  # joins the waitlist meanwhile
    response = post_form(admin, url(event_id), {**data, "confirm": "waitlisted:1", "action": "send"})
    assert response.status_code == 422
    box = field_box(response.get_data(as_text=True), "confirm")
    assert "The group changed since you looked: it now has 2 waitlisted guests." in box
    assert "Send to 2 waitlisted guests now" in box
    assert count(app, Message) == 0


def test_a_group_with_nobody_in_it_is_refused_next_to_the_group(app, admin, event_id):
    response = post_form(admin, url(event_id), {**compose(segment="pending"), "confirm": "pending:0", "action": "send"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nobody is in this group yet: there are no guests awaiting approval." in field_box(html, "segment")
    assert "Nobody is in this group yet, so there is nobody to send to." in page_text(html)
    assert count(app, Message) == 0


def test_send_queues_one_e_mail_each_then_history_counts_deliveries(app, admin, event_id, mailbox):
    response = post_form(admin, url(event_id), {**compose(), "confirm": "confirmed:3", "action": "send"})
    assert response.status_code == 302 and response.headers["Location"] == url(event_id)
    with app.app_context():
        message = db.session.scalars(sa.select(Message)).one()
        assert (message.recipients, message.sent_by, message.subject) == (
            3,
            "organizer@example.org",
            "Parking, {first_name}",
        )
        queued = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.message_id == message.id)).all()
        assert sorted(q.to_address for q in queued) == ["ann@example.org", "bob@example.org", "cat@example.org"]
        local = message.created_at.astimezone(message.event.tz)
    page = admin.get(url(event_id)).get_data(as_text=True)
    text = page_text(page)
    assert "Sent “Parking, {first_name}” to 3 confirmed guests." in text
    assert history(page) == [
        ("Confirmed guests 3 recipients", "Parking, {first_name}", "0 delivered 0 failed 3 waiting")
    ]
    assert f"{local.hour % 12 or 12}:{local.minute:02d} {local.strftime('%p')} {local.tzname()}" in text
    assert local.tzname() in ("CST", "CDT") and "by organizer@example.org" in text

    report = deliver(app)
    assert (report.sent, report.failed) == (3, 0)
    [to_bob] = mailbox.to("bob@example.org")
    assert to_bob["Subject"] == "Parking, Bob" and "Hi Bob,\r\n\r\nPark on level 2." in text_body(to_bob)
    assert "event.ics" in attachments(to_bob)
    rows = history(admin.get(url(event_id)).get_data(as_text=True))
    assert rows == [("Confirmed guests 3 recipients", "Parking, {first_name}", "3 delivered 0 failed 0 waiting")]


def test_history_shows_retries_then_failures(app, admin, event_id, mailbox):
    post_form(admin, url(event_id), {**compose(segment="waitlisted"), "confirm": "waitlisted:1", "action": "send"})
    assert deliver(app).sent == 1
    post_form(admin, url(event_id), {**compose(subject="Doors at 7"), "confirm": "confirmed:3", "action": "send"})
    app.config["MAIL_PORT"] = closed_port()  # nothing listens there: every attempt fails
    assert deliver(app).failed == 3
    assert history(admin.get(url(event_id)).get_data(as_text=True)) == [
        ("Confirmed guests 3 recipients", "Doors at 7", "0 delivered 0 failed 3 waiting, 3 retrying"),
        ("Waitlisted guests 1 recipient", "Parking, {first_name}", "1 delivered 0 failed 0 waiting"),
    ]

    with db_session(app):
        for row in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.subject == "Doors at 7")):
            row.attempts, row.next_attempt_at = mail.MAX_ATTEMPTS - 1, utcnow()
    assert deliver(app).failed == 3
    assert count(app, OutboxMessage, OutboxMessage.status == OutboxStatus.FAILED) == 3
    assert history(admin.get(url(event_id)).get_data(as_text=True))[0][2] == "0 delivered 3 failed 0 waiting"


def test_messages_of_another_event_and_unknown_events(admin, app, event_id):
    with db_session(app):
        other_id = make_event().id
    post_form(admin, url(event_id), {**compose(), "confirm": "confirmed:3", "action": "send"})
    assert "No messages sent for this event yet." in page_text(admin.get(url(other_id)).get_data(as_text=True))
    assert admin.get(url(9999)).status_code == 404


def test_write_to_the_guests_ticked_on_the_guest_list(app, admin, event_id, mailbox):
    """Issue 15: tick guests on the guest list, "Write to them", preview and send to them alone."""
    with db_session(app):
        ids = dict(db.session.execute(sa.select(Rsvp.first_name, Rsvp.id)).tuples().all())
    listing = admin.get(f"/admin/events/{event_id}/guests").get_data(as_text=True)
    assert "Write to them" in page_text(listing)
    html = admin.post(url(event_id), data={"csrf_token": form_values(listing)["csrf_token"], "write": "1",
                                           "action": "approve", "rsvp_ids": [ids["Dan"], ids["Bob"]]}).get_data(as_text=True)  # fmt: skip
    assert chosen_segment(html) == "selected" and "The guests you ticked 2" in page_text(html)
    assert "Send to 2 ticked guests now" in field_box(html, "confirm")
    picked = form_values(html)["picked"]
    assert "Confirmed guests" in page_text(html)  # the usual groups stay on offer
    preview = post_form(admin, url(event_id), {**compose(segment="selected", picked=picked), "action": "preview"})
    assert "As Bob Resident will get it: the first of 2 ticked guests by name." in page_text(
        preview.get_data(as_text=True)
    )
    sent = post_form(admin, url(event_id), {**compose(segment="selected", picked=picked), "confirm": "selected:2",
                                            "action": "send"})  # fmt: skip
    assert sent.status_code == 302
    assert count(app, OutboxMessage, OutboxMessage.message_id.is_not(None)) == 2
    with app.app_context():
        to = set(db.session.scalars(sa.select(OutboxMessage.to_address).where(OutboxMessage.message_id.is_not(None))))
        [message] = db.session.scalars(sa.select(Message)).all()
        assert to == {"bob@example.org", "dan@example.org"} and message.picked == sorted([ids["Bob"], ids["Dan"]])
    again = post_form(admin, url(event_id), {**compose(segment="selected", picked=picked), "confirm": "selected:2",
                                             "action": "send"})  # fmt: skip
    assert "a few minutes ago" in page_text(again.get_data(as_text=True))  # a double click sends nothing twice
    plain = admin.get(url(event_id)).get_data(as_text=True)
    assert 'value="selected"' not in plain  # without ticked guests there is no such group
