"""Issue 12.14: `flask jobs run` delivers what it queues itself, before it exits.

With MAIL_DELIVERY=background (the default), a web process delivers from a thread woken after
each commit. A command-line process must not start that thread: it would claim the rows the
command just queued, and the process would exit with them half sent (stuck as ``sending`` for
the stale-claim timeout, or sent twice). Each outbox row also keeps one Message-ID, so a message
sent again after a crash is recognisably the same message."""

import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import OutboxMessage, OutboxStatus, utcnow
from eventsite.services import checkin, mail
from factories import make_event, make_rsvp
from helpers import cli_env, db_session

ROOT = Path(__file__).resolve().parent.parent
H = dt.timedelta(hours=1)


def evening_with_guests(app, n: int, tag: str) -> list[str]:
    """A published event that ended 3 hours ago, ``n`` checked-in guests: `jobs run` invites them to give feedback."""
    with db_session(app):
        event = make_event(starts_at=utcnow() - 4.5 * H, capacity=None)
        addresses = []
        for i in range(n):
            rsvp = make_rsvp(event, email=f"{tag}{i}@example.org", now=event.starts_at - 48 * H)
            checkin.check_in(event, rsvp.ticket_code, now=event.starts_at + H)
            addresses.append(rsvp.email)
        # The RSVP confirmations went out long ago: only what `jobs run` queues is counted.
        db.session.execute(sa.update(OutboxMessage).values(status=OutboxStatus.SENT, sent_at=utcnow()))
    return addresses


def test_jobs_run_in_process_starts_no_delivery_thread_and_sends_what_it_queued(app, app_config, mailbox):
    from eventsite import create_app

    addresses = evening_with_guests(app, 6, "inproc")  # set up with MAIL_DELIVERY=manual
    app = create_app({**app_config, "MAIL_DELIVERY": "background"})
    before = {t.ident for t in threading.enumerate()}
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    started = [t.name for t in threading.enumerate() if t.ident not in before]
    assert "eventsite-mail" not in started
    assert "feedback invitations: 6" in result.output and "e-mails sent: 6;" in result.output
    with app.app_context():
        stuck = db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.status != OutboxStatus.SENT))
        # Give the session's connection back before closing the pool: a connection still checked
        # out when its pool is disposed is left to the garbage collector, unclosed.
        db.session.remove()
        db.engine.dispose()
    assert stuck == 0
    assert sorted(m["To"] for m in mailbox.messages) == sorted(addresses)


def test_jobs_run_as_a_process_again_and_again_delivers_each_message_once(app, mailbox):
    env = cli_env(app, MAIL_DELIVERY="background")
    env.pop("FLASK_MAIL_DELIVERY", None)
    expected = []
    for run in range(2):  # the second run starts where the first left the outbox
        expected += evening_with_guests(app, 5, f"run{run}-")
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert "e-mails sent: 5;" in done.stdout, done.stdout
        # Delivered before the process ended: nothing claimed and left behind.
        with app.app_context():
            states = db.session.scalars(sa.select(OutboxMessage.status)).all()
        assert set(states) == {OutboxStatus.SENT}
    assert sorted(m["To"] for m in mailbox.messages) == sorted(expected)


def test_a_message_keeps_its_message_id_when_it_is_built_again(app):
    with app.app_context():
        message = mail.queue_message(
            to="x@example.org", kind="test", subject="s", template="event_full", event=make_event()
        )
        db.session.flush()
        first, again = mail.build_email(message), mail.build_email(message)
        assert first["Message-ID"] == again["Message-ID"]
        db.session.rollback()
