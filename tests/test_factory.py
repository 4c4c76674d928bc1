"""create_app: defaults, environment, validation; the CLI commands `demo` and `jobs run`."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventsite import create_app
from eventsite.config import ConfigError, load_config
from eventsite.demo import demo_events
from eventsite.extensions import db
from eventsite.formatting import event_when
from eventsite.models import Event, EventStatus, GuestInvitation, Organizer, OutboxMessage, Rsvp
from eventsite.services import assignments, categories, contacts

ROOT = Path(__file__).resolve().parents[1]


class FakeApp:
    def __init__(self, tmp_path):
        from flask import Config

        self.config = Config(str(tmp_path))
        self.instance_path = str(tmp_path / "instance")


def test_defaults_without_environment(tmp_path):
    app = FakeApp(tmp_path)
    load_config(app, None, environ={})
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'eventsite.db'}"
    assert app.config["MAIL_SERVER"] == "" and app.config["MAIL_PORT"] == 25


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first, second = FakeApp(tmp_path), FakeApp(tmp_path)
    load_config(first, None, environ={})
    load_config(second, None, environ={})
    key_file = tmp_path / "instance" / "secret_key"
    assert len(first.config["SECRET_KEY"]) == 64 and first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_environment_overrides(tmp_path):
    app = FakeApp(tmp_path)
    env = {
        "DATABASE_URL": "postgres://u:p@db.internal/events",
        "BASE_URL": "https://events.example.org/",
        "SECRET_KEY": "s3cret",
        "MAIL_SERVER": "smtp.example.org",
        "MAIL_PORT": "587",
        "MAIL_USE_TLS": "true",
        "MAIL_USERNAME": "mailer",
        "MAIL_PASSWORD": "pw",
        "MAIL_DEFAULT_SENDER": "Society <events@example.org>",
    }
    load_config(app, None, environ=env)
    c = app.config
    assert c["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/events"
    assert c["BASE_URL"] == "https://events.example.org"
    assert (c["MAIL_PORT"], c["MAIL_USE_TLS"], c["SECRET_KEY"]) == (587, True, "s3cret")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MAIL_PORT": "smtp"}, "MAIL_PORT"),
        ({"MAIL_PORT": "70000"}, "MAIL_PORT"),
        ({"MAIL_USE_TLS": "maybe"}, "MAIL_USE_TLS"),
        ({"BASE_URL": "events.example.org"}, "BASE_URL"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "::not a url::"}, "DATABASE_URL"),
    ],
)
def test_bad_values_name_the_variable(tmp_path, env, named):
    with pytest.raises(ConfigError, match=named):
        load_config(FakeApp(tmp_path), None, environ=env)


def test_bad_value_stops_startup_with_one_line(tmp_path):
    env = {**os.environ, "MAIL_PORT": "abc", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    proc = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "eventsite: configuration error: MAIL_PORT must be a port number from 1 to 65535, got 'abc'"
    ]


def test_factory_touches_no_database(tmp_path):
    target = tmp_path / "never.db"
    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}", "SECRET_KEY": "x"})
    assert not target.exists()


def test_demo_loads_the_los_angeles_event_once(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "organizer@example.org / networking-demo" in result.output
    again = runner.invoke(args=["demo"])
    assert "nothing added" in again.output
    with app.app_context():
        events = db.session.scalars(sa.select(Event).order_by(Event.starts_at)).all()
        assert len(events) == 4 and all(e.status == EventStatus.PUBLISHED for e in events)
        # One series visiting four cities; José replied in two and saved a contact in each.
        assert {e.series.name for e in events} == {"Resident Networking Events"}
        assert sorted(e.city for e in events) == ["Boston", "Chicago", "Houston", "West Hollywood"]
        jose = db.session.scalars(sa.select(Rsvp).where(Rsvp.email_key == "demo.guest1@example.org")).all()
        assert sorted(r.event.city for r in jose) == ["Chicago", "West Hollywood"]
        assert all(contacts.my_contacts(r) for r in jose)
        la = next(e for e in events if e.city == "West Hollywood")
        assert (la.venue_name, la.room, la.street_address, la.region, la.postal_code) == (
            "State Social House",
            "The Attic Room",
            "8782 W. Sunset Boulevard",
            "CA",
            "90069",
        )
        assert la.timezone == "America/Los_Angeles" and la.waitlist_enabled and la.capacity
        start = la.local_starts_at
        assert (start.month, start.day, start.hour, start.minute) == (9, 12, 19, 30)
        assert (la.local_ends_at.hour, la.local_ends_at.minute) == (21, 0)
        assert la.starts_at > dt.datetime.now(dt.UTC)
        assert event_when(la).endswith("7:30–9:00 PM PDT")
        past = [e for e in events if e.ends_at < dt.datetime.now(dt.UTC)]
        assert len(past) == 1 and past[0].city != "West Hollywood"
        team = {o.email: o for o in db.session.scalars(sa.select(Organizer))}
        assert {e: o.role.value for e, o in team.items()} == {
            "organizer@example.org": "owner",
            "host.chicago@example.org": "host",
            "sponsor@example.org": "viewer",
            "door.la@example.org": "door",
        }
        chicago = {e.id for e in events if e.city == "Chicago"}
        assert assignments.assigned_event_ids(team["host.chicago@example.org"]) == chicago
        assert assignments.assigned_event_ids(team["sponsor@example.org"]) == {e.id for e in events}
        assert assignments.assigned_event_ids(team["door.la@example.org"]) == {la.id}
        la_places = [(c.name, c.capacity, c.policy.value) for c in categories.of_event(la)]
        assert la_places == [("Resident", 45, "open"), ("Faculty", 8, "open"), ("Industry / vendor", 7, "approval")]
        la_invited = db.session.scalars(
            sa.select(GuestInvitation.status).where(GuestInvitation.event_id == la.id)
        ).all()
        assert len(la_invited) == 20 and sum(s.value == "declined" for s in la_invited) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(Rsvp.event_id == la.id)) > 0
        # Some Los Angeles guests joined the directory, so the demo's Meet page has people on it.
        viewer = db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == la.id).order_by(Rsvp.id))
        listed = contacts.directory(la, viewer=viewer)
        assert len(listed) == 5 and all(entry.ask_me_about for entry in listed)
        assert {"José", "Zoë", "Hanako", "Dr. Whitfield", "Sam"} == {entry.name for entry in listed}
        # Demo guests' addresses are fake: nothing of theirs waits in the outbox.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    ("now", "year"),
    [(dt.datetime(2026, 11, 23, tzinfo=dt.UTC), 2027), (dt.datetime(2027, 3, 1, tzinfo=dt.UTC), 2027)],
)
def test_demo_date_is_the_next_twelfth_of_september(now, year):
    la = demo_events(now)[0]
    assert la["local_start"] == dt.datetime(year, 9, 12, 19, 30)


def test_jobs_run_reports_and_is_idempotent(runner):
    first = runner.invoke(args=["jobs", "run"])
    assert first.exit_code == 0, first.output
    assert "offers expired: 0; e-mails sent: 0; failed: 0" in first.output
