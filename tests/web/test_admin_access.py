"""Who reaches /admin: sign-in, sign-out, safe redirects, throttling, passwords, CLI accounts."""

import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from eventsite.extensions import db
from eventsite.models import LoginSession, Organizer, OrganizerRole
from eventsite.services import DomainError, accounts
from factories import make_event, make_organizer
from helpers import ORGANIZER_PASSWORD, csrf_token, post_form, sign_in


@pytest.fixture()
def organizer(app):
    with app.app_context():
        org = make_organizer()
        db.session.commit()
        return org.email


def client_from(app, address: str):
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    return other


def admin_urls(app):
    """Every /admin rule with its methods, arguments filled with 1 (or 'x')."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        values = {name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x" for name in rule.arguments}
        url = rule.rule
        for name, value in values.items():
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


def test_every_admin_route_sends_anonymous_visitors_to_sign_in(app, client):
    with app.app_context():
        make_event()
        db.session.commit()
    seen = list(admin_urls(app))
    assert len(seen) >= 10, "the /admin routes were not found"
    # A valid CSRF token (anyone can get one from /login) so the sign-in gate itself is tested.
    token = csrf_token(client.get("/login").get_data(as_text=True))
    for method, url in seen:
        data = {"csrf_token": token} if method != "GET" else None
        response = client.open(url, method=method, data=data)
        if url.endswith(".json"):
            assert response.status_code == 401, (method, url)
            assert response.get_json()["error"] == "login_required"
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login?next="), (method, url)
        assert b"State Social House" not in response.data


def test_json_callers_get_401(client):
    response = client.get("/admin/events", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"


def test_sign_in_lands_on_the_event_list_and_sign_out_kills_the_session(app, client, organizer):
    response = sign_in(client, organizer)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/events"
    assert client.get("/admin/events").status_code == 200
    stolen = client.get_cookie("session").value  # a copy of the cookie, as a thief would keep it
    page = client.get("/admin/events").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    assert client.get("/admin/events").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/admin/events").status_code == 302  # the old cookie is dead too


def test_sign_in_starts_a_fresh_session(app, client, organizer):
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    sign_in(client, organizer)
    with client.session_transaction() as sess:
        assert "planted" not in sess


@pytest.mark.parametrize(
    "target",
    ["//evil.com", "///evil.com", "https:\\\\evil.com", "javascript:alert(1)", "https://evil.com/", "/\\evil.com"],
)
def test_next_never_leaves_the_site(client, organizer, target):
    response = sign_in(client, organizer, next_url=target)
    assert response.headers["Location"] == "/admin/events"


def test_next_keeps_a_local_path(app, client, organizer):
    with app.app_context():
        event = make_event()
        db.session.commit()
        url = f"/admin/events/{event.id}"
    response = client.get(url)
    assert response.headers["Location"] == f"/login?next={url}"
    response = sign_in(client, organizer, next_url=url)
    assert response.headers["Location"] == url


def test_wrong_password_is_422_with_the_message_next_to_the_field(client, organizer):
    response = sign_in(client, organizer, password="not the password")
    assert response.status_code == 422
    assert "don&#39;t match an organizer account" in response.get_data(as_text=True)


def test_failed_sign_ins_slow_that_address_for_that_account_and_say_when_to_retry(app, client, organizer):
    for _ in range(5):
        assert sign_in(client, organizer, password="wrong password").status_code == 422
    blocked = sign_in(client, organizer)  # even the right password waits now, from this address
    assert blocked.status_code == 429
    assert re.search(r"Try again in 1[45] minutes", blocked.get_data(as_text=True))
    # Issue 12.10: nobody can lock the organizer out on event night; from a fresh network they sign in.
    other = client_from(app, "10.9.9.9")
    assert sign_in(other, organizer).status_code == 302


def test_failed_sign_ins_are_limited_per_ip(app, client, organizer):
    limit = int(app.config["LOGIN_IP_FAILURE_LIMIT"].split()[0])
    for n in range(limit):
        sign_in(client, f"nobody{n}@example.org", password="wrong password")
    assert sign_in(client, organizer).status_code == 429
    elsewhere = client_from(app, "10.1.2.3")
    assert sign_in(elsewhere, organizer).status_code == 302


def test_known_and_unknown_addresses_cost_the_same_password_hashing(client, organizer, monkeypatch):
    """Issue 12.10: the response time must not tell which organizer addresses exist."""
    import hashlib

    calls = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    assert sign_in(client, organizer, password="wrong password").status_code == 422
    known = len(calls)
    calls.clear()
    assert sign_in(client, "nobody-here@example.org", password="wrong password").status_code == 422
    assert known == len(calls) == 1
    # The decoy costs what a real account's hash does (same method and parameters).
    from werkzeug.security import generate_password_hash

    from eventsite.services.accounts import DECOY_HASH

    assert DECOY_HASH.split("$")[0] == generate_password_hash("x", method="scrypt").split("$")[0]


def test_only_failures_count(client, organizer):
    for _ in range(8):
        assert sign_in(client, organizer).status_code == 302
        page = client.get("/admin/events").get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf_token(page)})


def test_a_door_member_without_events_sees_none_and_no_site_page(app, client):
    with app.app_context():
        event_id = make_event().id
        make_organizer(email="volunteer@example.org", role=OrganizerRole.DOOR)
        db.session.commit()
    sign_in(client, "volunteer@example.org")
    page = client.get("/admin/events").get_data(as_text=True)
    assert "given to you yet" in page
    assert client.get("/admin/people").status_code == 403
    assert client.get(f"/admin/events/{event_id}").status_code == 404
    assert client.get(f"/door/events/{event_id}").status_code == 404


@pytest.mark.parametrize(
    ("password", "ok"),
    [("short7!", False), ("password123", False), ("qwertyuiop", False), ("x" * 8 + "Q1", True), ("long " * 20, True)],
)
def test_password_rules(app_ctx, password, ok):
    if ok:
        accounts.check_password_rules(password)
    else:
        with pytest.raises(DomainError) as err:
            accounts.check_password_rules(password)
        assert err.value.field == "password"


def test_change_password_signs_out_other_browsers(app, client, organizer):
    laptop, tablet = client, app.test_client()
    sign_in(laptop, organizer)
    sign_in(tablet, organizer)
    response = post_form(
        laptop,
        "/account/password",
        {"current": ORGANIZER_PASSWORD, "password": "a new long pass-phrase", "confirm": "a new long pass-phrase"},
    )
    assert response.status_code == 302
    assert laptop.get("/admin/events").status_code == 200
    assert tablet.get("/admin/events").status_code == 302
    laptop2 = app.test_client()
    assert sign_in(laptop2, organizer, password="a new long pass-phrase").status_code == 302


def test_change_password_refuses_a_common_one_next_to_the_field(client, organizer):
    sign_in(client, organizer)
    response = post_form(
        client, "/account/password", {"current": ORGANIZER_PASSWORD, "password": "password1", "confirm": "password1"}
    )
    assert response.status_code == 422 and "most common" in response.get_data(as_text=True)


def test_cli_creates_organizers_and_sets_passwords(app, runner):
    result = runner.invoke(
        args=["organizer", "create", "Chair@Example.org", "--name", "Chair", "--password-stdin"],
        input="a good long password\n",
    )
    assert result.exit_code == 0, result.output
    weak = runner.invoke(args=["organizer", "create", "x@example.org", "--password-stdin"], input="12345678\n")
    assert weak.exit_code != 0 and "most common" in weak.output
    dup = runner.invoke(
        args=["organizer", "create", "chair@example.org", "--password-stdin"], input="another long password\n"
    )
    assert dup.exit_code != 0 and "already exists" in dup.output
    reset = runner.invoke(
        args=["organizer", "set-password", "chair@example.org", "--password-stdin"], input="a newer long password\n"
    )
    assert reset.exit_code == 0, reset.output
    with app.app_context():
        chair = db.session.scalar(sa.select(Organizer).where(Organizer.email == "chair@example.org"))
        assert chair.check_password("a newer long password") and chair.name == "Chair"
    assert "scrypt" in chair.password_hash


def test_login_sessions_are_stored_hashed(app, client, organizer):
    sign_in(client, organizer)
    with app.app_context():
        row = db.session.scalars(sa.select(LoginSession)).one()
    with client.session_transaction() as sess:
        token = sess["_user_id"]
    assert token not in row.token_hash and len(row.token_hash) == 64
