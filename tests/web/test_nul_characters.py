"""U+0000 in any input is a clear 400, never a 500 (PostgreSQL refuses it in text columns)."""

import pytest

from eventsite.services import doors
from factories import make_event
from helpers import db_session


@pytest.fixture()
def door(app):
    with db_session(app):
        event = make_event()
        return {"event_id": event.id, "token": doors.create_door_link(event, label="Door 1").token}


def test_a_nul_in_json_is_refused_with_a_reason(client, door):
    response = client.post(
        f"/api/events/{door['event_id']}/walk-ins",
        json={"first_name": "Ana\u0000", "training_level": "pgy1", "nonce": "n-1"},
        headers={"X-Door-Token": door["token"]},
    )
    assert response.status_code == 400
    assert response.get_json()["reason"] == "bad_characters"
    assert "NUL character" in response.get_json()["message"]


@pytest.mark.parametrize("url", ["/r/abc%00def", "/?q=a%00b", "/b/code%00"])
def test_a_nul_in_a_path_or_query_is_a_400_page(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_a_nul_in_a_form_field_is_a_400(client):
    response = client.post("/login", data={"email": "a\u0000@example.org", "password": "x"})
    assert response.status_code == 400
