"""The JSON API behind the door page: door-token and organizer access, verdicts, undo, search, errors."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CheckIn, RsvpStatus, utcnow
from eventsite.services import checkin, doors
from factories import make_event, make_organizer, make_rsvp
from helpers import csrf_token, db_session, sign_in


@pytest.fixture()
def door(app):
    """An event starting in 30 minutes, three guests, and an open door link (no PIN)."""
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        other = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        guests = [
            make_rsvp(event, first_name="Ana", last_name="Lopez", badge_name="Ana", dietary_notes="vegetarian"),
            make_rsvp(event, first_name="Ben", last_name="Okafor", email="ben.secret@example.org"),
            make_rsvp(event, first_name="Cy", last_name="Kim"),
        ]
        guests[2].status = RsvpStatus.CANCELLED
        stranger = make_rsvp(other, first_name="Stranger")
        link = doors.create_door_link(event, label="Door 1")
        other_link = doors.create_door_link(other, label="Other door")
        pin_link = doors.create_door_link(event, label="PIN door", pin="2468")
        return {
            "event_id": event.id,
            "codes": [g.ticket_code for g in guests],
            "stranger": stranger.ticket_code,
            "token": link.token,
            "other_token": other_link.token,
            "pin_token": pin_link.token,
            "other_event_id": other.id,
        }


def headers(token, pin=None):
    h = {"X-Door-Token": token}
    if pin:
        h["X-Door-Pin"] = pin
    return h


def scan(client, d, code, *, token=None, nonce=None, **extra):
    body = {"code": code, **({"nonce": nonce} if nonce else {}), **extra}
    return client.post(f"/api/events/{d['event_id']}/checkins", json=body, headers=headers(token or d["token"]))


def test_scan_green_then_amber_with_time_and_door(client, door, app):
    url = f"{app.config['BASE_URL']}/b/{door['codes'][0]}"
    green = scan(client, door, url, nonce="a1")
    assert green.status_code == 200
    body = green.get_json()
    assert (body["colour"], body["guest"]["name"], body["guest"]["dietary_notes"]) == ("green", "Ana", "vegetarian")
    assert "email" not in str(body)
    amber = scan(client, door, door["codes"][0], nonce="a2").get_json()
    assert (amber["colour"], amber["reason"], amber["previous_door"]) == ("amber", "already_checked_in", "Door 1")
    assert amber["previous_at_local"].endswith(("AM", "PM"))
    again = scan(client, door, url, nonce="a1").get_json()
    assert again["replayed"] and again["check_in_id"] == body["check_in_id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 2


def test_red_verdicts_and_another_events_badge_reveals_nothing(client, door):
    cancelled = scan(client, door, door["codes"][2]).get_json()
    assert (cancelled["colour"], cancelled["reason"]) == ("red", "cancelled")
    wrong = scan(client, door, door["stranger"]).get_json()
    assert (wrong["colour"], wrong["reason"], wrong["guest"]) == ("red", "wrong_event", None)
    assert "Stranger" not in str(wrong)
    assert scan(client, door, "nonsense").get_json()["reason"] == "unknown_code"


def test_undo_then_stats(client, door):
    first = scan(client, door, door["codes"][0]).get_json()
    scan(client, door, door["codes"][1])
    stats = client.get(f"/api/events/{door['event_id']}/stats", headers=headers(door["token"])).get_json()
    assert (stats["checked_in"], stats["confirmed"]) == (2, 2)
    # Issue 15: the door's counts per guest category (the guests here are residents).
    assert stats["by_category"][0] == {"category": "Resident", "checked_in": 2, "confirmed": 2}
    assert [c["category"] for c in stats["by_category"]] == ["Resident", "Faculty", "Industry / vendor", "Guest"]
    undo = client.post(
        f"/api/events/{door['event_id']}/checkins/{first['check_in_id']}/undo", headers=headers(door["token"])
    )
    assert undo.status_code == 200 and undo.get_json()["undone_at"]
    stats = client.get(f"/api/events/{door['event_id']}/stats", headers=headers(door["token"])).get_json()
    assert stats["checked_in"] == 1 and stats["by_category"][0]["checked_in"] == 1
    assert scan(client, door, door["codes"][0]).get_json()["colour"] == "green"


def test_search_shows_name_program_level_status_never_email_or_notes(client, door):
    response = client.get(f"/api/events/{door['event_id']}/guests?q=okaf", headers=headers(door["token"]))
    [hit] = response.get_json()["guests"]
    assert (
        hit["full_name"] == "Ben Okafor" and hit["program"] and hit["level"] == "PGY-2" and hit["status"] == "confirmed"
    )
    assert "secret" not in response.get_data(as_text=True) and "dietary" not in response.get_data(as_text=True)
    short = client.get(f"/api/events/{door['event_id']}/guests?q=ok", headers=headers(door["token"]))
    assert short.status_code == 422 and short.get_json()["reason"] == "query_too_short"
    assert client.get(
        f"/api/events/{door['event_id']}/guests?q=secret@example", headers=headers(door["token"])
    ).get_json() == {"guests": []}


@pytest.mark.parametrize(
    ("make_headers", "status", "reason"),
    [
        (lambda d: {}, 401, "login_required"),
        (lambda d: headers("x" * 43), 401, "door_not_found"),
        (lambda d: headers("\x00bad"), 401, "door_not_found"),
        (lambda d: headers(d["other_token"]), 404, "not_found"),  # a door link reaches only its own event
        (lambda d: headers(d["pin_token"]), 401, "pin_required"),
        (lambda d: headers(d["pin_token"], "1111"), 401, "bad_pin"),
    ],
)
def test_access_is_refused_without_the_right_door_link(client, door, make_headers, status, reason):
    for method, path in [
        ("post", f"/api/events/{door['event_id']}/checkins"),
        ("get", f"/api/events/{door['event_id']}/stats"),
        ("get", f"/api/events/{door['event_id']}/guests?q=ana"),
        ("post", f"/api/events/{door['event_id']}/checkins/1/undo"),
    ]:
        response = getattr(client, method)(path, json={"code": door["codes"][0]}, headers=make_headers(door))
        assert (response.status_code, response.get_json()["reason"]) == (status, reason), (method, path)
        assert set(response.get_json()) == {"error", "reason", "message"}


def test_pin_door_works_with_its_pin(client, door):
    assert scan(client, door, door["codes"][0], token=door["pin_token"]).status_code == 401
    response = client.post(
        f"/api/events/{door['event_id']}/checkins",
        json={"code": door["codes"][0]},
        headers=headers(door["pin_token"], "2468"),
    )
    assert response.get_json()["colour"] == "green"


def test_revoked_and_expired_door_links_are_refused(client, door, app):
    with db_session(app):
        link = doors.find_door_link(door["token"])
        doors.revoke_door_link(link)
    response = scan(client, door, door["codes"][0])
    assert (response.status_code, response.get_json()["reason"]) == (403, "door_revoked")


def test_door_link_cannot_reach_admin(client, door):
    response = client.get(f"/admin/events/{door['event_id']}", headers=headers(door["token"]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "body",
    [None, "not json", [], 5, {}, {"code": 5}, {"code": ""}, {"code": "x", "nonce": "bad nonce!"}, {"code": "x", "nonce": 7},
     {"code": "x", "scanned_at": "yesterday"}, {"code": "x", "scanned_at": "2026-01-01T10:00:00"}, {"code": "x" * 10000}],
)  # fmt: skip
def test_malformed_input_is_a_4xx_json_error(client, door, body):
    kwargs = {"data": body} if isinstance(body, str) or body is None else {"json": body}
    response = client.post(f"/api/events/{door['event_id']}/checkins", headers=headers(door["token"]), **kwargs)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    data = response.get_json()
    assert {"error", "reason", "message"} <= set(data) <= {"error", "reason", "message", "field"}


def test_unknown_event_and_checkin_ids_are_404(client, door):
    assert client.get("/api/events/999999/stats", headers=headers(door["token"])).status_code == 404
    assert (
        client.post(
            f"/api/events/{door['event_id']}/checkins/99999999999999999999/undo", headers=headers(door["token"])
        ).status_code
        == 404
    )


def test_organizer_uses_the_api_with_session_and_csrf(client, door, app):
    with db_session(app):
        make_organizer()
    sign_in(client, "organizer@example.org")
    assert client.get(f"/api/events/{door['other_event_id']}/stats").status_code == 200  # every event
    url = f"/api/events/{door['event_id']}/checkins"
    refused = client.post(url, json={"code": door["codes"][0]})
    assert refused.status_code == 400 and refused.get_json()["reason"] == "csrf"
    token = csrf_token(client.get("/admin/events/new").get_data(as_text=True))
    ok = client.post(url, json={"code": door["codes"][0]}, headers={"X-CSRFToken": token})
    assert ok.get_json()["colour"] == "green"
    with app.app_context():
        assert db.session.scalar(sa.select(CheckIn.door)).startswith("Organizer")


def test_openapi_document_describes_the_endpoints(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {
        "/events/{event_id}/checkins",
        "/events/{event_id}/checkins/{check_in_id}/undo",
        "/events/{event_id}/guests",
        "/events/{event_id}/stats",
    } <= set(doc["paths"])


def test_check_in_a_guest_picked_from_the_search(client, door):
    hit = client.get(f"/api/events/{door['event_id']}/guests?q=okafor", headers=headers(door["token"])).get_json()[
        "guests"
    ][0]
    url = f"/api/events/{door['event_id']}/guests/{hit['rsvp_id']}/checkin"
    first = client.post(url, json={"nonce": "s1"}, headers=headers(door["token"])).get_json()
    assert (first["colour"], first["guest"]["full_name"]) == ("green", "Ben Okafor")
    assert client.post(url, json={}, headers=headers(door["token"])).get_json()["colour"] == "amber"
    # Another event's guest by id is simply unknown here.
    other = client.post(
        f"/api/events/{door['event_id']}/guests/999999/checkin", headers=headers(door["token"])
    ).get_json()
    assert (other["reason"], other["guest"]) == ("unknown_code", None)


def test_organizer_scanning_a_badge_with_the_phone_camera_can_check_the_guest_in(client, door, app):
    from helpers import page_text, post_form

    with db_session(app):
        make_organizer()
    sign_in(client, "organizer@example.org")
    code = door["codes"][0]
    page = page_text(client.get(f"/b/{code}").get_data(as_text=True))
    assert "Ana" in page and "Valid for entry" in page and "Not yet" in page
    response = post_form(client, f"/door/b/{code}", {}, page=f"/b/{code}")
    assert response.status_code == 200 and "Welcome" in page_text(response.get_data(as_text=True))
    again = page_text(client.get(f"/b/{code}").get_data(as_text=True))
    assert "Yes, at" in again and "Check in" not in again.replace("Checked in", "")
    assert app.test_client().post(f"/door/b/{code}").status_code in (400, 404)  # no CSRF token / not an organizer
    cancelled = page_text(client.get(f"/b/{door['codes'][2]}").get_data(as_text=True))
    assert "This RSVP was cancelled" in cancelled


def test_organizer_door_page_and_volunteer_cannot_open_it(client, door, app):
    assert client.get(f"/door/events/{door['event_id']}").status_code == 404
    with db_session(app):
        make_organizer()
    sign_in(client, "organizer@example.org")
    page = client.get(f"/door/events/{door['event_id']}").get_data(as_text=True)
    assert 'data-csrf="' in page and 'data-token=""' in page


def test_offline_upload_keeps_device_time_is_idempotent_and_reports_conflicts(client, door, app):
    url = f"/api/events/{door['event_id']}/checkins/batch"
    earlier = (utcnow() - dt.timedelta(minutes=12)).isoformat()
    # Meanwhile another door admitted Ben: the phone's offline green for him is now a conflict.
    scan(client, door, door["codes"][1], nonce="other-door-1")
    scans = [
        {"code": door["codes"][0], "nonce": "off-1", "scanned_at": earlier},
        {"code": door["codes"][1], "nonce": "off-2", "scanned_at": earlier},
        {"code": door["codes"][2], "nonce": "off-3", "scanned_at": earlier},
    ]
    first = client.post(url, json={"scans": scans}, headers=headers(door["token"])).get_json()["results"]
    assert [(r["status"], r["colour"], r["reason"]) for r in first] == [
        ("accepted", "green", ""),
        ("accepted", "amber", "already_checked_in"),
        ("accepted", "red", "cancelled"),
    ]
    assert first[0]["scanned_at"].startswith(earlier[:16])
    again = client.post(url, json={"scans": scans}, headers=headers(door["token"])).get_json()["results"]
    assert [r["check_in_id"] for r in again] == [r["check_in_id"] for r in first] and all(r["replayed"] for r in again)
    assert {r["status"] for r in again} == {"duplicate"}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 4
    for bad in [
        {},
        {"scans": []},
        {"scans": [{"code": "x", "nonce": "n"}] * (checkin.MAX_UPLOAD + 1)},
    ]:
        response = client.post(url, json=bad, headers=headers(door["token"]))
        assert response.status_code == 422 and response.get_json()["reason"] == "bad_scans"


def test_door_page_headers_and_service_worker(client, door):
    response = client.get(f"/door/{door['token']}")
    assert response.status_code == 200
    assert (
        response.headers["Cache-Control"] == "private, no-store"
        and response.headers["Referrer-Policy"] == "no-referrer"
    )
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "http" not in html.split("<body")[0].replace(
        "http-equiv", ""
    )  # no inline script, no CDN
    with client.get("/door/sw.js") as sw:
        assert sw.status_code == 200 and sw.mimetype == "text/javascript"
    assert client.get("/door/" + "x" * 43).status_code == 404


def test_wrong_pins_are_limited_per_door_link(client, door, app):
    app.extensions["eventsite.login_throttle"].reset()
    url = f"/api/events/{door['event_id']}/stats"
    for _ in range(5):
        assert client.get(url, headers=headers(door["pin_token"], "0000")).get_json()["reason"] == "bad_pin"
    locked = client.get(url, headers=headers(door["pin_token"], "2468"))  # even the right PIN, from anywhere
    assert (locked.status_code, locked.get_json()["reason"]) == (429, "too_many_attempts")
    assert client.get(url, headers=headers(door["token"])).status_code == 200  # other door links unaffected
    app.extensions["eventsite.login_throttle"].reset()


VCARD = "BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;;\nFN:Jane Doe\nORG:Acme Surgical\nTEL;TYPE=CELL:+1 310 555 0199\n" + (
    "EMAIL:jane.doe@acme-surgical.example\nURL:https://acme-surgical.example/people/jane-doe\nEND:VCARD"
)


def test_an_upload_answers_each_scan_and_one_bad_scan_spoils_nothing(client, door, app):
    """Issue 12.3: a queue holding a contact card's QR, a Wi-Fi QR or a malformed item is settled
    scan by scan: the good ones are checked in, the others rejected with their reason, and all of
    them are final (the phone forgets them), so a queue cannot be poisoned."""
    url = f"/api/events/{door['event_id']}/checkins/batch"
    scans = [
        {"code": VCARD, "nonce": "q-1"},
        {"code": "WIFI:T:WPA;S:State Social House;P:attic-room-guests;;", "nonce": "q-2"},
        {"code": door["codes"][0], "nonce": "q-3", "scanned_at": utcnow().isoformat()},
        7,
        {"code": door["codes"][2], "nonce": "q-5", "scanned_at": "year 1"},
        {"code": door["codes"][2]},
        {"code": "https://elsewhere.example/b/" + door["codes"][2], "nonce": "q-7"},
    ]
    response = client.post(url, json={"scans": scans}, headers=headers(door["token"]))
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [(r["status"], r["reason"]) for r in results] == [
        ("rejected", "not_a_badge"),
        ("rejected", "not_a_badge"),
        ("accepted", ""),
        ("rejected", "bad_scan"),
        ("accepted", "cancelled"),  # a garbled time costs no scan: counted when it arrived, clock off
        ("rejected", "bad_nonce"),
        ("rejected", "not_a_badge"),
    ]
    assert all(r["message"] for r in results if r["status"] == "rejected")
    assert results[4]["clock_off"] is True and results[2]["clock_off"] is False
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 2


def test_a_long_evening_offline_uploads_in_chunks(client, door, app):
    """Issue 12.3: 600 queued scans go up in chunks of MAX_UPLOAD; each chunk is settled whole."""
    url = f"/api/events/{door['event_id']}/checkins/batch"
    queue = [{"code": door["codes"][i % 2], "nonce": f"long-{i}"} for i in range(600)]
    statuses = []
    for start in range(0, len(queue), checkin.MAX_UPLOAD):
        response = client.post(
            url, json={"scans": queue[start : start + checkin.MAX_UPLOAD]}, headers=headers(door["token"])
        )
        assert response.status_code == 200
        statuses += [r["status"] for r in response.get_json()["results"]]
    assert statuses == ["accepted"] * 600
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 600


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_a_link_that_ran_out_may_still_hand_in_its_offline_scans_a_revoked_one_may_not(client, door, app, how):
    """Issue 12.3: the phone uploads what it holds before it forgets the roster; an expired link
    may do that for UPLOAD_GRACE, a revoked one (a lost phone) never."""
    with db_session(app):
        link = doors.find_door_link(door["token"])
        if how == "expired":
            link.valid_until = utcnow() - dt.timedelta(minutes=5)
        else:
            doors.revoke_door_link(link)
    base = f"/api/events/{door['event_id']}"
    upload = client.post(
        base + "/checkins/batch", json={"scans": [{"code": door["codes"][0], "nonce": "late-1"}]},
        headers=headers(door["token"]),
    )  # fmt: skip
    live = client.post(base + "/checkins", json={"code": door["codes"][1]}, headers=headers(door["token"]))
    assert live.status_code == 403 and live.get_json()["reason"] == f"door_{how}"
    if how == "expired":
        assert upload.status_code == 200 and upload.get_json()["results"][0]["status"] == "accepted"
    else:
        assert upload.status_code == 403 and upload.get_json()["reason"] == "door_revoked"
