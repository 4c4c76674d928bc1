"""Hardening: security headers on every response, cookie flags, no-store on private pages, and
the per-address throttle on guessed manage links, badge codes and door links."""

import datetime as dt

import pytest

from eventsite.database import writing
from eventsite.extensions import db
from eventsite.models import utcnow
from eventsite.services import doors
from factories import make_event, make_organizer, make_rsvp
from helpers import csrf_token, page_text, sign_in

GUESS_LIMIT = 3


@pytest.fixture()
def data(app):
    with app.app_context(), writing():
        make_organizer()
        event = make_event()
        rsvp = make_rsvp(event)
        now = utcnow()
        link = doors.create_door_link(
            event, label="Front door", valid_from=now - dt.timedelta(hours=1), valid_until=now + dt.timedelta(hours=4)
        )
        db.session.commit()
        return {
            "slug": event.slug,
            "event_id": event.id,
            "token": rsvp.manage_token,
            "code": rsvp.ticket_code,
            "door": link.token,
        }


def client_from(app, address: str):
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    return other


def assert_hardened(response, where):
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, where
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, where
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("X-Frame-Options") == "DENY", where
    assert h.get("Referrer-Policy") in ("same-origin", "no-referrer"), where
    assert "camera=(self)" in h.get("Permissions-Policy", ""), where


def test_every_kind_of_response_carries_the_security_headers(app, client, data):
    responses = {
        "home": client.get("/"),
        "event": client.get(f"/e/{data['slug']}"),
        "static": client.get("/static/css/app.css"),
        "404": client.get("/no/such/page"),
        "405": client.post("/"),
        "json 404": client.get("/api/door", headers={"X-Door-Token": "nope"}),
        "manage": client.get(f"/r/{data['token']}"),
        "door": client.get(f"/door/{data['door']}"),
        "login": client.get("/login"),
    }
    for where, response in responses.items():
        assert_hardened(response, where)
    assert responses["405"].status_code == 405 and "GET" in responses["405"].headers["Allow"]
    assert responses["json 404"].get_json()["reason"] == "door_not_found"
    # The door keeps its stricter referrer policy; public pages get same-origin.
    assert responses["door"].headers["Referrer-Policy"] == "no-referrer"
    assert responses["event"].headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in responses["home"].headers  # BASE_URL is http here
    for response in responses.values():
        response.close()


def test_a_server_error_page_carries_the_headers_too(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert_hardened(response, "500")
    assert b"Something went wrong" in response.data


@pytest.mark.parametrize(
    ("path", "private"),
    [
        ("/", False),
        ("/e/{slug}", False),
        ("/r/{token}", True),
        ("/r/{token}/event.ics", True),
        ("/b/{code}", True),
        ("/door/{door}", True),
        ("/login", True),
        ("/admin/events", True),
        ("/api/openapi.json", True),
        ("/r/not-a-token", True),
    ],
)
def test_private_pages_are_never_stored_by_a_cache(client, data, path, private):
    response = client.get(path.format(**data))
    cache = response.headers.get("Cache-Control", "")
    assert ("no-store" in cache) is private, (path, response.status_code, cache)


def test_pages_built_from_the_session_are_not_for_shared_caches(client, data):
    page = client.get(f"/e/{data['slug']}")
    assert page.headers["Cache-Control"] == "private"
    assert "no-store" in client.get(f"/r/{data['token']}").headers["Cache-Control"]


def test_https_base_url_turns_on_hsts_and_secure_cookies(app_config):
    from eventsite import create_app

    app = create_app({**app_config, "BASE_URL": "https://events.example.org"})
    with app.app_context():
        make_organizer()
        db.session.commit()
    client = app.test_client()
    page = client.get("/login", base_url="https://events.example.org")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with app.app_context():
        db.engine.dispose()


def test_session_cookie_is_httponly_and_lax_on_http(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


# --- Guessing --------------------------------------------------------------------------------


@pytest.fixture()
def app_config(app_config):
    return {**app_config, "GUESS_FAILURE_LIMIT": f"{GUESS_LIMIT} per 10 minutes"}


def test_guessing_manage_links_is_stopped_with_a_clear_page(app, data):
    guesser = client_from(app, "203.0.113.7")
    for n in range(GUESS_LIMIT):
        assert guesser.get(f"/r/guess{n}").status_code == 404
    refused = guesser.get("/r/guess-again")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    text = page_text(refused.get_data(as_text=True))
    assert "Too many links or codes that don't match anything" in text
    assert "wait 10 minutes" in text
    # Once refused, a right guess from the same address is refused too (no oracle) ...
    assert guesser.get(f"/r/{data['token']}").status_code == 429
    # ... while the guest, from another address, is not affected.
    assert client_from(app, "198.51.100.20").get(f"/r/{data['token']}").status_code == 200


def test_hits_never_count(app, data):
    venue = client_from(app, "192.0.2.50")  # a whole room behind one address
    for _ in range(GUESS_LIMIT * 3):
        assert venue.get(f"/r/{data['token']}").status_code == 200
        assert venue.get(f"/b/{data['code']}").status_code == 200
    assert venue.get("/r/typo").status_code == 404


def test_guessing_manage_links_does_not_stop_the_door_or_badges(app, data):
    """Issue 12.2: each kind of secret has its own budget, and a valid door token always works."""
    venue = client_from(app, "203.0.113.8")  # a stranger and the volunteers share the venue Wi-Fi
    for n in range(GUESS_LIMIT + 5):
        venue.get(f"/r/xxxxxxxxxxxxxxxxxxxx{n}")
    assert venue.get(f"/r/{data['token']}").status_code == 429
    headers = {"X-Door-Token": data["door"]}
    assert venue.get("/api/door", headers=headers).status_code == 200
    scan = venue.post(
        f"/api/events/{data['event_id']}/checkins", json={"code": data["code"], "nonce": "v1"}, headers=headers
    )
    assert scan.status_code == 200 and scan.get_json()["colour"] == "green"
    assert venue.get(f"/door/{data['door']}").status_code == 200
    assert venue.get(f"/b/{data['code']}").status_code == 200


def test_door_link_guessing_is_throttled_but_never_refuses_a_valid_door_link(app, data):
    guesser = client_from(app, "203.0.113.11")
    for n in range(GUESS_LIMIT):
        assert guesser.get("/api/door", headers={"X-Door-Token": f"nope{n}"}).status_code == 401
    api = guesser.get("/api/door", headers={"X-Door-Token": "nope-again"})
    assert api.status_code == 429
    assert api.get_json()["reason"] == "too_many_attempts"
    assert "Too many links or codes" in api.get_json()["message"]
    assert int(api.headers["Retry-After"]) > 0
    assert guesser.get("/door/not-a-door").status_code == 429
    # The volunteer's phone behind the same address keeps scanning.
    assert guesser.get("/api/door", headers={"X-Door-Token": data["door"]}).status_code == 200
    assert guesser.get(f"/door/{data['door']}").status_code == 200
    # Badge codes have their own budget.
    assert guesser.get(f"/b/{data['code']}").status_code == 200
    for n in range(GUESS_LIMIT):
        assert guesser.get(f"/b/AAAAAAAAAAA{n}").status_code == 404
    assert guesser.get(f"/b/{data['code']}").status_code == 429


def test_a_signed_in_organizer_is_never_throttled_by_guessing_from_their_network(app, data):
    venue = client_from(app, "203.0.113.12")
    for n in range(GUESS_LIMIT + 2):
        venue.get(f"/b/AAAAAAAAAAA{n}")
    assert venue.get(f"/b/{data['code']}").status_code == 429
    organizer = client_from(app, "203.0.113.12")
    sign_in(organizer, "organizer@example.org")
    assert organizer.get(f"/b/{data['code']}").status_code == 200


def test_a_badge_pdf_link_with_an_unknown_token_counts(app, data):
    guesser = client_from(app, "203.0.113.9")
    for _ in range(GUESS_LIMIT):
        assert guesser.get("/r/nothing/badge.pdf").status_code == 404
    assert guesser.get(f"/r/{data['token']}/badge.pdf").status_code == 429


def test_a_door_scan_of_an_unknown_code_is_a_verdict_not_a_guess(app, data):
    phone = client_from(app, "192.0.2.60")
    headers = {"X-Door-Token": data["door"]}
    for n in range(GUESS_LIMIT + 2):
        response = phone.post(
            f"/api/events/{data['event_id']}/checkins", json={"code": f"XXXX{n}", "nonce": f"n{n}"}, headers=headers
        )
        assert response.status_code == 200, response.get_json()
    assert phone.get("/api/door", headers=headers).status_code == 200


def test_login_page_token_is_unaffected_by_guess_budget(app, data):
    guesser = client_from(app, "203.0.113.10")
    for n in range(GUESS_LIMIT):
        guesser.get(f"/r/x{n}")
    assert guesser.get("/login").status_code == 200
    assert csrf_token(guesser.get("/login").get_data(as_text=True))


def test_behind_a_proxy_each_visitor_has_its_own_budget(app_config, data):
    from eventsite import create_app

    proxied = create_app({**app_config, "PROXY_COUNT": 1})
    nginx = proxied.test_client()  # every request arrives from the proxy's own address
    for n in range(GUESS_LIMIT + 1):
        nginx.get(f"/r/guess{n}", headers={"X-Forwarded-For": "203.0.113.77"})
    assert nginx.get("/r/guess", headers={"X-Forwarded-For": "203.0.113.77"}).status_code == 429
    assert nginx.get(f"/r/{data['token']}", headers={"X-Forwarded-For": "198.51.100.5"}).status_code == 200
    with proxied.app_context():
        db.engine.dispose()


def test_without_trusted_proxies_a_forwarded_for_header_is_ignored(app, data):
    guesser = client_from(app, "203.0.113.78")
    for n in range(GUESS_LIMIT):
        guesser.get(f"/r/guess{n}", headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert guesser.get(f"/r/{data['token']}", headers={"X-Forwarded-For": "192.0.2.99"}).status_code == 429


def test_trusted_proxies_must_be_a_small_number():
    from eventsite.config import ConfigError, _env_settings

    assert _env_settings({"PROXY_COUNT": "1"})["PROXY_COUNT"] == 1
    with pytest.raises(ConfigError, match="PROXY_COUNT"):
        _env_settings({"PROXY_COUNT": "nginx"})
