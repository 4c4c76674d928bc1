"""Several job runners on one database: each due row is claimed by one runner only.

The process test runs two real `flask --app wsgi jobs run` processes at once against the
test's database (a throwaway PostgreSQL, or the SQLite file) and counts what the SMTP sink got.
"""

import asyncio
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventsite.database import claim_due_rows, writing
from eventsite.extensions import db
from eventsite.models import Event, OutboxMessage, OutboxStatus, utcnow
from eventsite.services import mail, rsvps
from factories import make_event, make_rsvp
from helpers import cli_env

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 150


def add_messages(app, n: int) -> list[str]:
    with app.app_context(), writing():
        addresses = [f"runner{i}@example.org" for i in range(n)]
        db.session.add_all(
            OutboxMessage(kind="test", to_address=a, subject=f"Hello {a}", body_text="hi", body_html="<p>hi</p>")
            for a in addresses
        )
        db.session.commit()
    return addresses


def jobs_run(app) -> subprocess.Popen:
    env = cli_env(app)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_job_processes_deliver_each_message_once(app, mailbox, monkeypatch):
    addresses = add_messages(app, MESSAGES)
    # A slow SMTP server (20 ms a message) keeps the first runner busy for seconds, so the two
    # runs overlap however the processes' start-up times fall.
    fast = mailbox.handle_DATA

    async def slow_data(server, session, envelope):
        await asyncio.sleep(0.02)
        return await fast(server, session, envelope)

    monkeypatch.setattr(mailbox, "handle_DATA", slow_data)

    runners = [jobs_run(app), jobs_run(app)]
    outputs = [r.communicate(timeout=120) for r in runners]
    for runner, (_out, err) in zip(runners, outputs, strict=True):
        assert runner.returncode == 0, err
    sent = [int(out.split("e-mails sent: ")[1].split(";")[0]) for out, _ in outputs]

    assert sorted(m["To"] for m in mailbox.messages) == sorted(addresses)
    assert sum(sent) == MESSAGES
    assert min(sent) > 0, f"the runs did not overlap: sent {sent}"
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts)).all()
    assert sorted(set(map(tuple, rows))) == [(OutboxStatus.SENT, 1)]


@pytest.mark.postgres_only  # SKIP LOCKED is PostgreSQL's; on SQLite the write lock serialises job runs
def test_claim_skips_rows_another_runner_holds(app, request):
    add_messages(app, 6)
    with app.app_context():
        engine = db.engine
        with engine.connect() as other:  # another runner, mid-claim, holding the first three rows
            held = other.scalars(
                sa.select(OutboxMessage.id).order_by(OutboxMessage.id).limit(3).with_for_update()
            ).all()
            other.execute(sa.text("SET lock_timeout = '5s'"))
            with writing():
                db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # a wait would fail, not hang
                claimed = [m.id for m in mail.claim_due(utcnow())]
                db.session.commit()
            other.rollback()
    assert len(claimed) == 3 and not set(claimed) & set(held)


@pytest.mark.sqlite_only  # the write-lock guard is SQLite's
def test_claim_on_sqlite_needs_the_write_lock(app, request):
    with app.app_context(), pytest.raises(RuntimeError, match="writing"):
        claim_due_rows(sa.select(OutboxMessage.id))


@pytest.mark.postgres_only  # SKIP LOCKED is PostgreSQL's; on SQLite the write lock serialises job runs
def test_offer_expiry_skips_an_event_another_transaction_holds(app, request):
    with app.app_context(), writing():
        event = make_event(capacity=1, claim_window_hours=2)
        keeper, _first, _second = make_rsvp(event), make_rsvp(event), make_rsvp(event)
        rsvps.cancel_rsvp(keeper)
        db.session.commit()
        event_id = event.id
    later = utcnow() + dt.timedelta(hours=3)
    with app.app_context():
        with db.engine.connect() as other:  # a guest's request (or another runner) holds the event
            other.execute(sa.select(Event.id).where(Event.id == event_id).with_for_update())
            with writing():
                db.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # a wait would fail, not hang
                assert rsvps.expire_offers(now=later) == 0  # left for the next run
                db.session.commit()
            other.rollback()
        with writing():
            assert rsvps.expire_offers(now=later) == 1
            db.session.commit()
