"""The outbox: delivery to a real SMTP sink, failures and back-off, no double sends, console and background modes."""

import datetime as dt
import socket
import time

import pytest
import sqlalchemy as sa

from crowd import at_once
from eventsite.extensions import db
from eventsite.jobs import deliver_outbox
from eventsite.models import OutboxMessage, OutboxStatus, RsvpAction, RsvpChange, utcnow
from eventsite.services import mail
from factories import guest_fields, make_event, make_rsvp
from helpers import attachments, db_session, deliver, html_body, post_form, text_body


@pytest.fixture()
def configure(app_config, request):
    """Build the app with some settings changed: ``app = configure(MAIL_SERVER="")``.

    Use it instead of requesting ``app`` in the same test: the app is built once, here.
    """

    def build(**changes):
        app_config.update(changes)
        app = request.getfixturevalue("app")
        assert all(app.config[k] == v for k, v in changes.items()), "the app was built before configure()"
        return app

    return build


def closed_port() -> int:
    """A local port that nothing listens on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queue_rsvps(app, n: int = 1) -> list[tuple[int, str, str]]:
    """``n`` guests RSVP (each queues one confirmation); return (outbox id, address, manage token) each."""
    with db_session(app):
        event = make_event(capacity=None)
        guests = [make_rsvp(event, email=f"guest{i}@example.org") for i in range(n)]
        db.session.flush()
        out = []
        for rsvp in guests:
            message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.rsvp_id == rsvp.id))
            out.append((message.id, rsvp.email, rsvp.manage_token))
    return out


def outbox_row(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        db.session.expunge(message)
        return message


def test_message_reaches_the_smtp_server_once(app, mailbox):
    [(message_id, address, token)] = queue_rsvps(app)
    report = deliver(app)
    assert (report.sent, report.failed) == (1, 0)
    [received] = mailbox.to(address)
    assert received["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert received["Subject"].startswith("You're confirmed")
    assert f"{app.config['BASE_URL']}/r/{token}" in text_body(received)
    assert f"{app.config['BASE_URL']}/r/{token}" in html_body(received)
    assert list(attachments(received)) == ["event.ics"]
    row = outbox_row(app, message_id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, "")
    assert row.sent_at is not None
    assert deliver(app).sent == 0 and len(mailbox.messages) == 1


def test_failed_delivery_stays_in_the_outbox_backs_off_then_sends_once(configure, smtp_server, mailbox):
    app = configure(MAIL_PORT=closed_port())
    [(message_id, address, _)] = queue_rsvps(app)
    before = utcnow()
    report = deliver(app)
    after = utcnow()
    assert (report.sent, report.failed) == (0, 1)
    row = outbox_row(app, message_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "ConnectionRefusedError" in row.last_error
    assert before + dt.timedelta(minutes=1) <= row.next_attempt_at <= after + dt.timedelta(minutes=1)

    assert deliver(app).failed == 0  # not due yet: no second attempt straight away
    with db_session(app):
        message = db.session.get(OutboxMessage, message_id)
        assert message.attempts == 1
        message.next_attempt_at = utcnow() - dt.timedelta(seconds=1)  # the minute has passed
    failed_again_at = utcnow()
    assert deliver(app).failed == 1
    row = outbox_row(app, message_id)
    assert row.attempts == 2 and row.next_attempt_at >= failed_again_at + dt.timedelta(minutes=2)  # doubles

    app.config["MAIL_PORT"] = smtp_server.port  # the server is back
    with db_session(app):
        db.session.get(OutboxMessage, message_id).next_attempt_at = utcnow() - dt.timedelta(seconds=1)
    assert deliver(app).sent == 1
    assert deliver(app).sent == 0
    assert len(mailbox.to(address)) == 1
    row = outbox_row(app, message_id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 3, "")
    with app.app_context():
        actions = db.session.scalars(sa.select(RsvpChange.action).where(RsvpChange.rsvp_id == row.rsvp_id)).all()
    assert actions.count(RsvpAction.EMAILED) == 1  # failed attempts leave no "emailed" line


def test_a_claimed_message_is_not_claimed_again_until_the_claim_is_stale(app):
    [(message_id, _, _)] = queue_rsvps(app)
    now = utcnow()
    with db_session(app):
        assert [m.id for m in mail.claim_due(now)] == [message_id]
    with db_session(app):
        assert mail.claim_due(now) == []
        assert mail.claim_due(now + dt.timedelta(minutes=5)) == []
    with db_session(app):  # the first deliverer died mid-send: another takes the message over
        assert [m.id for m in mail.claim_due(now + mail.STALE_CLAIM + dt.timedelta(seconds=1))] == [message_id]


def test_deliverers_running_at_once_send_each_message_once(app, mailbox):
    queued = queue_rsvps(app, 30)

    def deliverer():
        with app.app_context():
            return deliver_outbox(limit=1)  # one at a time, so they interleave

    reports = at_once(deliverer, 3)
    assert sum(r.sent for r in reports) == 30 and sum(r.failed for r in reports) == 0
    assert sorted(m["To"] for m in mailbox.messages) == sorted(address for _, address, _ in queued)
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert rows and all(tuple(r) == (OutboxStatus.SENT, 1) for r in rows)


def test_sending_adds_an_emailed_line_to_the_rsvp_history(app, mailbox):
    [(message_id, _, _)] = queue_rsvps(app)
    with app.app_context():
        rsvp_id = db.session.get(OutboxMessage, message_id).rsvp_id
        history = sa.select(RsvpChange).where(RsvpChange.rsvp_id == rsvp_id).order_by(RsvpChange.id)
        assert [c.action for c in db.session.scalars(history)] == [RsvpAction.CREATED]
    deliver(app)
    with app.app_context():
        changes = db.session.scalars(history).all()
        assert [c.action for c in changes] == [RsvpAction.CREATED, RsvpAction.EMAILED]
        assert changes[-1].detail == mailbox.messages[0]["Subject"] and changes[-1].actor == "system"


def test_without_a_mail_server_the_message_is_printed(configure, capsys, mailbox):
    app = configure(MAIL_SERVER="")
    [(message_id, address, token)] = queue_rsvps(app)
    capsys.readouterr()
    assert deliver(app).sent == 1
    out = capsys.readouterr().out
    assert f"---- e-mail to {address} ----" in out and "Subject: You're confirmed" in out
    assert f"{app.config['BASE_URL']}/r/{token}" in out and "[attached: event.ics]" in out
    assert mailbox.messages == []
    assert outbox_row(app, message_id).status == OutboxStatus.SENT


def test_background_delivery_sends_after_the_commit_by_itself(configure, mailbox):
    app = configure(MAIL_DELIVERY="background")
    with db_session(app):
        slug = make_event().slug
    response = post_form(app.test_client(), f"/e/{slug}", guest_fields(email="bg@example.org"))
    assert response.status_code == 302
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not mailbox.to("bg@example.org"):
        time.sleep(0.05)
    [received] = mailbox.to("bg@example.org")
    assert received["Subject"].startswith("You're confirmed")
    # Let the worker record the send before the test's database goes away.
    while time.monotonic() < deadline:
        with app.app_context():
            if db.session.scalar(sa.select(OutboxMessage.status)) == OutboxStatus.SENT:
                break
        time.sleep(0.05)
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxMessage.status)) == OutboxStatus.SENT
