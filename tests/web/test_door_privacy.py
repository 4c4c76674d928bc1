"""Issue 12.4: a door link learns what the door needs and no more. Walk-in duplicates name nobody,
rejected verdicts carry no notes, the offline roster holds only live guests, and its sealed entries
are padded to fixed sizes so their length does not tell who has notes."""

import datetime as dt

import pytest

from eventsite.models import RsvpStatus, utcnow
from eventsite.services import doors, roster
from factories import make_event, make_rsvp
from helpers import db_session

NOTES = {"dietary_notes": "Severe peanut allergy, carries an EpiPen", "accessibility_notes": "Uses a wheelchair"}


@pytest.fixture()
def door(app):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        people = {
            "confirmed": make_rsvp(event, first_name="Ana", last_name="Lopez", email="ana@example.org", **NOTES),
            "plain": make_rsvp(event, first_name="Bo", last_name="Li"),
            "cancelled": make_rsvp(event, first_name="Cy", last_name="Kim", email="cy@example.org", **NOTES),
            "declined": make_rsvp(event, first_name="Di", last_name="Ray", **NOTES),
            "waitlisted": make_rsvp(event, first_name="Ed", last_name="Moe", email="ed@example.org", **NOTES),
        }
        people["cancelled"].status = RsvpStatus.CANCELLED
        people["declined"].status = RsvpStatus.DECLINED
        people["waitlisted"].status = RsvpStatus.WAITLISTED
        link = doors.create_door_link(event, label="Door 1")
        return {
            "event_id": event.id,
            "token": link.token,
            "codes": {k: r.ticket_code for k, r in people.items()},
            "ids": {k: r.id for k, r in people.items()},
        }


def api(client, d, path, body=None):
    headers = {"X-Door-Token": d["token"]}
    url = f"/api/events/{d['event_id']}{path}"
    return client.post(url, json=body, headers=headers) if body is not None else client.get(url, headers=headers)


def test_a_walk_in_with_a_registered_address_names_nobody(client, door):
    for address in ("ana@example.org", "ed@example.org"):
        body = {
            "first_name": "X",
            "last_name": "Y",
            "training_level": "pgy1",
            "nonce": f"w-{address[:2]}",
            "email": address,
        }
        answer = api(client, door, "/walk-ins", body)
        assert answer.status_code == 409
        message = answer.get_json()["message"]
        assert answer.get_json()["reason"] == "already_registered"
        for leak in ("Ana", "Lopez", "Ed", "Moe", "confirmed", "waitlist"):
            assert leak not in message


@pytest.mark.parametrize("who", ["cancelled", "declined", "waitlisted"])
def test_rejected_verdicts_carry_no_notes_by_code_or_by_id(client, door, who):
    by_code = api(client, door, "/checkins", {"code": door["codes"][who], "nonce": f"c-{who}"}).get_json()
    by_id = api(client, door, f"/guests/{door['ids'][who]}/checkin", {"nonce": f"i-{who}"}).get_json()
    for verdict in (by_code, by_id):
        assert verdict["colour"] == "red"
        assert "peanut" not in str(verdict) and "wheelchair" not in str(verdict)


def test_an_admitted_guest_still_shows_their_notes_to_the_door(client, door):
    verdict = api(client, door, "/checkins", {"code": door["codes"]["confirmed"], "nonce": "ok"}).get_json()
    assert verdict["colour"] == "green" and verdict["guest"]["dietary_notes"] == NOTES["dietary_notes"]
    # Scanned again: amber, and the notes are not handed out a second time.
    again = api(client, door, "/checkins", {"code": door["codes"]["confirmed"], "nonce": "ok2"}).get_json()
    assert again["colour"] == "amber" and "peanut" not in str(again)


def test_the_roster_holds_live_guests_only_and_notes_only_where_the_door_admits(client, door):
    payload = api(client, door, "/roster").get_json()
    assert payload["count"] == 3
    assert roster.open_entry(payload, door["codes"]["cancelled"]) is None
    assert roster.open_entry(payload, door["codes"]["declined"]) is None
    waiting = roster.open_entry(payload, door["codes"]["waitlisted"])
    assert waiting["status"] == "waitlisted" and waiting["dietary_notes"] == "" and waiting["accessibility_notes"] == ""
    assert roster.open_entry(payload, door["codes"]["confirmed"])["dietary_notes"] == NOTES["dietary_notes"]


def test_roster_entries_are_padded_so_length_does_not_reveal_notes(client, door):
    payload = api(client, door, "/roster").get_json()
    lengths = {len(roster.unb64(e["data"])) for e in payload["entries"]}
    # The guest with long notes and the one without seal to the same size.
    assert len(lengths) == 1, lengths
    assert lengths.pop() % roster.PAD_BUCKET == 16  # the GCM tag on top of whole buckets
