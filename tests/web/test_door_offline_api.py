"""The door API's offline roster and walk-ins: what a phone downloads, conditional polling, revoked
links, walk-ins with field errors, retries, and the walk-in's badge link."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CheckIn, Rsvp, utcnow
from eventsite.services import doors, roster
from factories import make_event, make_rsvp
from helpers import csrf_token, db_session, pdf_text


@pytest.fixture()
def door(app):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30), capacity=2)
        ana = make_rsvp(event, first_name="Anastasia", last_name="Lopezova", badge_name="Ana", email="ana@example.org")
        make_rsvp(event, first_name="Benedikt", last_name="Okafor", email="ben.secret@example.org")
        link = doors.create_door_link(event, label="Door 1")
        other = doors.create_door_link(make_event(starts_at=utcnow() + dt.timedelta(minutes=30)), label="Other")
        return {"event_id": event.id, "ana": ana.ticket_code, "token": link.token, "other_token": other.token}


def h(token):
    return {"X-Door-Token": token}


def test_roster_has_no_email_or_plain_names_and_polls_with_etag(client, door, app):
    url = f"/api/events/{door['event_id']}/roster"
    response = client.get(url, headers=h(door["token"]))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for secret in ("@", "example.org", "Anastasia", "Lopezova", "Benedikt", "Okafor", door["ana"]):
        assert secret not in text
    body = response.get_json()
    assert body["count"] == 2 and body["valid_until"].endswith("Z")
    assert body["badge_prefix"] == f"{app.config['BASE_URL']}/b/"
    assert roster.open_entry(body, door["ana"])["full_name"] == "Anastasia Lopezova"
    etag = response.headers["ETag"]
    assert etag.strip('"') == body["version"]
    assert "private" in response.headers["Cache-Control"]

    unchanged = client.get(url, headers={**h(door["token"]), "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    client.post(f"/api/events/{door['event_id']}/checkins", json={"code": door["ana"]}, headers=h(door["token"]))
    changed = client.get(url, headers={**h(door["token"]), "If-None-Match": etag})
    assert changed.status_code == 200
    assert roster.open_entry(changed.get_json(), door["ana"])["checked_in_door"] == "Door 1"


@pytest.mark.parametrize("action", ["revoke", "expire"])
def test_closed_link_gets_a_reason_the_phone_wipes_on(client, door, app, action):
    with db_session(app):
        link = doors.find_door_link(door["token"])
        if action == "revoke":
            doors.revoke_door_link(link)
        else:
            link.valid_until = utcnow() - dt.timedelta(seconds=1)
    response = client.get(f"/api/events/{door['event_id']}/roster", headers=h(door["token"]))
    assert response.status_code == 403
    assert response.get_json()["reason"] == {"revoke": "door_revoked", "expire": "door_expired"}[action]


def test_another_events_door_gets_no_roster(client, door):
    response = client.get(f"/api/events/{door['event_id']}/roster", headers=h(door["other_token"]))
    assert response.status_code == 404


def walk_in(client, door, **fields):
    body = {"first_name": "Dana", "last_name": "Reyes", "training_level": "pgy1", "nonce": "w1", **fields}
    return client.post(f"/api/events/{door['event_id']}/walk-ins", json=body, headers=h(door["token"]))


def test_walk_in_over_capacity_is_admitted_once_and_its_badge_prints(client, door, app):
    response = walk_in(client, door)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["verdict"]["colour"], body["verdict"]["guest"]["name"]) == ("green", "Dana")
    assert body["over_capacity"] == [3, 2]
    retry = walk_in(client, door)
    assert retry.status_code == 200 and retry.get_json()["replayed"] and retry.get_json()["rsvp_id"] == body["rsvp_id"]
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).where(Rsvp.source == "walk_in")) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1

    stats = client.get(f"/api/events/{door['event_id']}/stats", headers=h(door["token"])).get_json()
    assert (stats["walk_ins"], stats["checked_in"], stats["confirmed"]) == (1, 1, 3)

    pdf = client.get(body["badge_url"])  # no door header needed: the URL is the permission
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    [page] = pdf_text(pdf.data)
    assert "Dana Reyes" in page and "PGY-1" in page
    assert "no-store" in pdf.headers["Cache-Control"]
    assert client.get(body["badge_url"].replace(".pdf", "x.pdf")).status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"first_name": ""}, "first_name"), ({"training_level": "x"}, "training_level"), ({"email": "nope"}, "email")],
)
def test_walk_in_errors_name_their_field(client, door, fields, field):
    response = walk_in(client, door, **fields)
    assert response.status_code == 422
    assert response.get_json()["field"] == field


def test_walk_in_with_a_registered_address_is_sent_to_scan_or_search(client, door):
    response = walk_in(client, door, email="ANA@example.org")
    assert response.status_code == 409
    body = response.get_json()
    assert (body["reason"], body["field"]) == ("already_registered", "email")


def test_organizer_registers_a_walk_in_with_csrf_and_gets_the_roster(admin, door):
    url = f"/api/events/{door['event_id']}/walk-ins"
    body = {"first_name": "Oli", "training_level": "fellow", "nonce": "org-w1"}
    assert admin.post(url, json=body).status_code == 400  # a cookie alone may not write
    token = csrf_token(admin.get("/admin/events/new").get_data(as_text=True))
    done = admin.post(url, json=body, headers={"X-CSRFToken": token})
    assert done.status_code == 201
    assert admin.get(done.get_json()["badge_url"]).status_code == 200
    roster_body = admin.get(f"/api/events/{door['event_id']}/roster").get_json()
    assert roster_body["valid_until"] is None and roster_body["count"] == 3


def test_openapi_documents_the_roster_and_walk_ins(client):
    doc = client.get("/api/openapi.json").get_json()
    roster_op = doc["paths"]["/events/{event_id}/roster"]["get"]
    assert {"200", "304", "403"} <= set(roster_op["responses"])
    walk_op = doc["paths"]["/events/{event_id}/walk-ins"]["post"]
    assert {"201", "200", "409", "422"} <= set(walk_op["responses"])
    assert "e-mail" in doc["components"]["schemas"]["Roster"]["description"]
