"""Issue 12.12: a JSON body nested too deeply, or simply broken, is a 400 with a JSON error on the
API and a 400 page elsewhere, never a 500; a valid body still works."""

import datetime as dt

import pytest

from eventsite.models import utcnow
from eventsite.services import doors
from factories import make_event, make_rsvp
from helpers import db_session

DEEP = "[" * 50_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000


@pytest.fixture()
def door(app):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        rsvp = make_rsvp(event)
        return {
            "event_id": event.id,
            "token": doors.create_door_link(event, label="D").token,
            "code": rsvp.ticket_code,
        }


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, "{not json", '{"code": "x"'])
@pytest.mark.parametrize("path", ["/checkins", "/checkins/batch", "/walk-ins"])
def test_the_api_answers_broken_or_deep_json_with_a_400_json_error(client, door, body, path):
    response = client.post(
        f"/api/events/{door['event_id']}{path}",
        data=body,
        content_type="application/json",
        headers={"X-Door-Token": door["token"]},
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"] == "bad_json"


@pytest.mark.parametrize("path", ["/login", "/e/some-event/rsvp", "/", "/api/openapi.json"])
def test_any_route_answers_deep_json_without_a_500(client, path):
    response = client.post(path, data=DEEP, content_type="application/json")
    assert 400 <= response.status_code < 500


def test_a_good_body_after_a_bad_one_still_scans(client, door):
    client.post(f"/api/events/{door['event_id']}/checkins", data=DEEP, content_type="application/json")
    ok = client.post(
        f"/api/events/{door['event_id']}/checkins",
        json={"code": door["code"], "nonce": "n1"},
        headers={"X-Door-Token": door["token"]},
    )
    assert ok.status_code == 200 and ok.get_json()["colour"] == "green"
