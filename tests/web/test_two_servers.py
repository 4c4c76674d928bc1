"""Scale-out: two separate gunicorn servers on one PostgreSQL database settle the races between them.

Nothing but the database is shared (as on two machines), so the capacity and check-in rules
must hold through row locks and the partial unique index, not through anything in a process.
"""

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from crowd import Guest, rsvp_post, together
from eventsite.extensions import db
from eventsite.models import CheckIn, CheckInResult, Rsvp, RsvpStatus, utcnow
from eventsite.services import doors
from factories import guest_fields, make_event, make_organizer, make_rsvp
from helpers import ORGANIZER_PASSWORD, db_session

#: Two app servers share a database only on PostgreSQL.
pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn wsgi:app` in its own process group, configured by environment as in production."""

    def __init__(self, db_url: str, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = dict(
            os.environ,
            DATABASE_URL=db_url,
            SECRET_KEY="two-servers",
            BASE_URL=self.url,
            FLASK_MAIL_DELIVERY="manual",
            # Nothing on disk is shared either: each server has its own instance folder, as on two machines.
            FLASK_BADGE_JOB_DIR=str(log_path.with_suffix(".files")),
        )
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "8", "--worker-class", "gthread"]
            + ["--preload", "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "3", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"gunicorn on {self.url} did not become ready:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        # A throwaway server: kill the whole group at once (a graceful stop waits seconds on
        # idle keep-alive threads and proves nothing here).
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.log.close()


@pytest.fixture(scope="module")
def cluster(backend, tmp_path_factory):
    """One database and two servers on it, shared by this module's races (each uses its own event)."""
    tmp = tmp_path_factory.mktemp("two-servers")
    db_url = backend.new_database(tmp)
    pair = [Gunicorn(db_url, tmp / f"gunicorn{i}.log") for i in range(2)]
    try:
        deadline = time.monotonic() + 30
        for server in pair:
            server.wait_ready(deadline)
        yield db_url, [server.url for server in pair]
    finally:
        for server in pair:
            server.stop()
        backend.drop(db_url)


@pytest.fixture()
def servers(cluster, app_config):
    """The two servers' URLs; ``app`` (built after this) works on their database."""
    app_config["SQLALCHEMY_DATABASE_URI"] = cluster[0]
    return cluster[1]


def test_rsvp_race_across_two_servers_never_overbooks(servers, app):
    with db_session(app):
        event = make_event(capacity=10, waitlist_enabled=True)
        db.session.flush()
        event_id, path = event.id, f"/e/{event.slug}"
    posts = [rsvp_post(servers[i % 2], path, guest_fields(email=f"two{i}@example.org", website="")) for i in range(60)]

    replies = together(posts)

    assert [(r.status, r.location) for r in replies] == [(302, f"{path}/check-inbox")] * 60
    with app.app_context():
        counts = dict(
            db.session.execute(
                sa.select(Rsvp.status, sa.func.count()).where(Rsvp.event_id == event_id).group_by(Rsvp.status)
            ).all()
        )
    assert counts == {RsvpStatus.CONFIRMED: 10, RsvpStatus.WAITLISTED: 50}


def test_door_race_across_two_servers_admits_a_badge_once(servers, app):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        code = make_rsvp(event).ticket_code
        door_tokens = [doors.create_door_link(event, label=f"Door {i + 1}").token for i in range(10)]
        db.session.flush()
        event_id = event.id

    def scan(i: int):
        guest = Guest(servers[i % 2])
        body = {"code": code, "nonce": f"scan-{i}"}
        headers = {"X-Door-Token": door_tokens[i]}
        return guest.connect, lambda _: guest.request(
            "POST", f"/api/events/{event_id}/checkins", json_body=body, headers=headers
        )

    replies = together([scan(i) for i in range(10)])

    assert [r.status for r in replies] == [200] * 10
    verdicts = sorted((r.json()["result"], r.json()["reason"]) for r in replies)
    assert verdicts.count(("admitted", "")) == 1
    assert verdicts.count(("rejected", "already_checked_in")) == 9
    with app.app_context():
        rows = db.session.scalars(sa.select(CheckIn.result).where(CheckIn.event_id == event_id)).all()
    assert sorted(rows) == [CheckInResult.ADMITTED] + [CheckInResult.REJECTED] * 9


def test_a_badge_pdf_made_on_one_server_downloads_from_the_other(servers, app):
    """Issue 12.11: behind round-robin, the organizer's download may reach the other server."""
    with db_session(app):
        make_organizer()
        event = make_event()
        for i in range(3):
            make_rsvp(event, first_name=f"Printed{i}")
        db.session.flush()
        event_id = event.id
    first, second = Guest(servers[0]), Guest(servers[1])
    token = first.get_token("/login")
    signed_in = first.request(
        "POST", "/login", form={"email": "organizer@example.org", "password": ORGANIZER_PASSWORD, "csrf_token": token}
    )
    assert signed_in.status == 302, signed_in.body[:300]
    token = first.get_token(f"/admin/events/{event_id}/badges")
    queued = first.request(
        "POST",
        f"/admin/events/{event_id}/badges/print",
        form={"layout": "a4-6", "selection": "all", "first_slot": "1", "csrf_token": token},
    )
    assert queued.status == 302, queued.body[:500]
    job_url = queued.location
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = first.request("GET", f"{job_url}.json").json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert status["status"] == "done", status
    second.cookies = first.cookies  # the same browser, its next request sent to the other server
    download = second.request("GET", status["download_url"])
    assert download.status == 200, download.body[:300]
    assert download.headers["Content-Type"] == "application/pdf"
