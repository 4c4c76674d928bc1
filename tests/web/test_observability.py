"""What an operator sees: request ids, one log line per request without tokens, health checks,
and the friendly 503 when the database is away or a conflict outlives its retries."""

import json
import logging
import re

import psycopg
import pytest
import sqlalchemy as sa

from eventsite import create_app
from eventsite.database import CONFLICT_RETRIES
from eventsite.extensions import db
from eventsite.models import Rsvp
from eventsite.observability import JsonFormatter
from eventsite.services import rsvps
from factories import guest_fields, make_event, make_rsvp
from helpers import db_session, page_text, post_form

REQUEST_ID = re.compile(r"[0-9a-f]{16}")


@pytest.fixture()
def rsvp(app):
    with db_session(app):
        event = make_event()
        guest = make_rsvp(event)
        db.session.flush()
        return {"slug": event.slug, "token": guest.manage_token, "code": guest.ticket_code}


@pytest.fixture()
def unreachable_app(app_config, tmp_path):
    """The app with its database gone (a path that cannot be opened stands in for a dead server)."""
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_response_carries_a_fresh_request_id(client, rsvp):
    ids = [client.get(path).headers["X-Request-Id"] for path in ("/", f"/e/{rsvp['slug']}", "/no/such/page")]
    assert all(REQUEST_ID.fullmatch(i) for i in ids)
    assert len(set(ids)) == 3


def test_the_error_page_shows_the_request_id_to_quote(client):
    response = client.get("/e/no-such-event")
    assert response.status_code == 404
    assert f"quote this reference: {response.headers['X-Request-Id']}" in page_text(response.get_data(as_text=True))


def test_a_proxy_request_id_is_used_only_when_configured(app, app_config):
    sent = {"X-Request-Id": "nginx-7f3a9c0d11"}
    assert app.test_client().get("/", headers=sent).headers["X-Request-Id"] != "nginx-7f3a9c0d11"
    trusting_app = create_app({**app_config, "REQUEST_ID_HEADER": "X-Request-Id"})
    trusting = trusting_app.test_client()
    assert trusting.get("/", headers=sent).headers["X-Request-Id"] == "nginx-7f3a9c0d11"
    # Junk (spaces, newlines for log injection, overlong) is replaced, not echoed.
    for junk in ("a b c d e f g h", "abcdefgh<script>", "x" * 65):
        assert REQUEST_ID.fullmatch(trusting.get("/", headers={"X-Request-Id": junk}).headers["X-Request-Id"])
    with trusting_app.app_context():
        db.engine.dispose()


def access_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "eventsite.access"]


def test_one_log_line_per_request_without_private_tokens(client, rsvp, caplog):
    caplog.set_level(logging.INFO, logger="eventsite.access")
    paths = [
        f"/r/{rsvp['token']}",
        f"/b/{rsvp['code']}",
        f"/r/{rsvp['token']}/event.ics?x=secret-query",
        "/r/not-a-real-token/with/extra",
    ]
    responses = [client.get(path) for path in paths]

    lines = access_lines(caplog)
    assert len(lines) == len(paths)
    assert [(r.method, r.path, r.status) for r in lines] == [
        ("GET", "/r/<token>", 200),
        ("GET", "/b/<code>", responses[1].status_code),
        ("GET", "/r/<token>/event.ics", 200),
        ("GET", "/r/…", 404),
    ]
    assert [r.request_id for r in lines] == [resp.headers["X-Request-Id"] for resp in responses]
    assert all(isinstance(r.ms, float) and r.ms >= 0 for r in lines)
    logged = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    for secret in (rsvp["token"], rsvp["code"], "secret-query", "not-a-real-token"):
        assert secret not in logged


def test_log_lines_are_json_objects_with_the_request_fields(client, caplog):
    caplog.set_level(logging.INFO, logger="eventsite.access")
    client.get("/healthz")
    [record] = access_lines(caplog)
    line = json.loads(JsonFormatter().format(record))
    assert {k: line[k] for k in ("level", "logger", "method", "path", "status")} == {
        "level": "info",
        "logger": "eventsite.access",
        "method": "GET",
        "path": "/healthz",
        "status": 200,
    }
    assert REQUEST_ID.fullmatch(line["request_id"]) and line["ms"] >= 0 and line["ts"].endswith("+00:00")


def test_health_checks_with_the_database_up(client):
    assert (client.get("/healthz").status_code, client.get("/healthz").json) == (200, {"status": "ok"})
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json) == (200, {"status": "ok", "database": "ok"})


def test_with_the_database_down_the_process_is_live_but_not_ready(unreachable_app):
    client = unreachable_app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json) == (503, {"status": "unavailable", "database": "unreachable"})


def test_with_the_database_down_guests_get_a_friendly_page_and_the_api_json(unreachable_app):
    client = unreachable_app.test_client()
    page = client.get("/e/some-event")
    text = page_text(page.get_data(as_text=True))
    assert (page.status_code, page.headers["Retry-After"]) == (503, "5")
    assert "Please try again in a moment. Nothing was saved" in text
    assert page.headers["X-Request-Id"] in text
    assert "Traceback" not in page.get_data(as_text=True)

    api = client.post(
        "/api/events/1/checkins", json={"code": "x"}, headers={"X-Door-Token": "a-well-formed-door-token"}
    )
    assert api.status_code == 503
    assert api.json["error"] == "database_busy" and api.json["request_id"] == api.headers["X-Request-Id"]


def conflict(sqlstate_error: type[psycopg.Error]) -> sa.exc.OperationalError:
    return sa.exc.OperationalError("COMMIT", {}, sqlstate_error("could not serialize access"))


@pytest.mark.parametrize("error", [psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected])
def test_a_conflicting_rsvp_is_retried_and_saved_once(app, client, rsvp, monkeypatch, error):
    real, failures = rsvps.submit_rsvp, []

    def losing_twice(*args, **kwargs):
        result = real(*args, **kwargs)  # the write happens, then the transaction loses the race
        if len(failures) < 2:
            failures.append(1)
            raise conflict(error)
        return result

    monkeypatch.setattr(rsvps, "submit_rsvp", losing_twice)
    response = post_form(client, f"/e/{rsvp['slug']}", guest_fields(email="retry@example.org"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Rsvp.email == "retry@example.org")) == 1


def test_a_conflict_that_outlives_the_retries_gets_the_try_again_page(app, client, rsvp, monkeypatch):
    calls = []

    def always_losing(*args, **kwargs):
        calls.append(1)
        raise conflict(psycopg.errors.SerializationFailure)

    monkeypatch.setattr(rsvps, "submit_rsvp", always_losing)
    response = post_form(client, f"/e/{rsvp['slug']}", guest_fields(email="unlucky@example.org"))
    assert response.status_code == 503
    assert "Nothing was saved" in page_text(response.get_data(as_text=True))
    assert len(calls) == 1 + CONFLICT_RETRIES


def test_other_database_errors_are_not_retried(app, client, rsvp, monkeypatch):
    calls = []

    def locked(*args, **kwargs):
        calls.append(1)
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(rsvps, "submit_rsvp", locked)
    response = post_form(client, f"/e/{rsvp['slug']}", guest_fields(email="locked@example.org"))
    assert (response.status_code, len(calls)) == (503, 1)


@pytest.mark.parametrize(("proxies", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_the_client_address_comes_from_the_proxy_only_when_configured(app_config, proxies, seen, caplog):
    from flask import request

    app = create_app({**app_config, "PROXY_COUNT": proxies})
    app.add_url_rule("/_whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    body = app.test_client().get("/_whoami", headers=forwarded, environ_base={"REMOTE_ADDR": "127.0.0.1"}).text
    assert body == f"{seen} {'https' if proxies else 'http'}"


def test_proxy_count_from_the_environment_is_checked():
    from eventsite.config import ConfigError, _env_settings

    assert _env_settings({"PROXY_COUNT": "1"})["PROXY_COUNT"] == 1
    with pytest.raises(ConfigError, match="PROXY_COUNT"):
        _env_settings({"PROXY_COUNT": "yes"})
