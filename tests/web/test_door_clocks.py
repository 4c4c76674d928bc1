"""Issue 12.1: a phone with a wrong clock. Any device time is accepted and kept as reported, a time
outside the door link's window (a day's slack) is flagged "device clock off" and the received time
counts for the figures; the arrivals chart covers the event's window only; no date string is a 5xx."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CheckIn, Event, utcnow
from eventsite.services import doors
from factories import make_event, make_organizer, make_rsvp
from helpers import db_session, sign_in

FAR_PAST = "2023-01-01T00:00:00Z"
#: Valid ISO 8601 strings whose UTC value falls outside what a datetime can hold.
OVERFLOWING = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"]


@pytest.fixture()
def door(app):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        guests = [make_rsvp(event, first_name=f"Guest{i}") for i in range(8)]
        link = doors.create_door_link(event, label="Door 1")
        return {
            "event_id": event.id,
            "codes": [g.ticket_code for g in guests],
            "ids": [g.id for g in guests],
            "token": link.token,
        }


def post(client, d, path, body):
    return client.post(f"/api/events/{d['event_id']}{path}", json=body, headers={"X-Door-Token": d["token"]})


def rows(app):
    with app.app_context():
        return {c.nonce: c for c in db.session.scalars(sa.select(CheckIn))}


def test_a_far_past_device_time_is_kept_flagged_and_leaves_the_figures_alone(client, door, app):
    answer = post(client, door, "/checkins", {"code": door["codes"][0], "nonce": "n1", "scanned_at": FAR_PAST})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["colour"] == "green" and body["clock_off"] is True
    # The verdict shows when the server took the scan, not 2023.
    assert body["scanned_at"][:4] == str(utcnow().year)
    row = rows(app)["n1"]
    assert row.scanned_at == dt.datetime(2023, 1, 1, tzinfo=dt.UTC) and row.clock_off
    stats = client.get(f"/api/events/{door['event_id']}/stats", headers={"X-Door-Token": door["token"]}).get_json()
    # One slot, the one the scan arrived in: not the 137,000 quarter-hours since 2023.
    assert [q["admitted"] for q in stats["per_quarter"]] == [1]
    assert stats["per_quarter"][0]["start"][:4] == str(utcnow().year)
    assert stats["last_scans"][0]["clock_off"] is True
    assert stats["last_scans"][0]["at"][:4] == str(utcnow().year)


def test_a_device_time_within_the_window_is_used_and_not_flagged(client, door, app):
    earlier = (utcnow() - dt.timedelta(minutes=20)).isoformat()
    body = post(client, door, "/checkins", {"code": door["codes"][0], "nonce": "n1", "scanned_at": earlier}).get_json()
    assert body["clock_off"] is False and body["scanned_at"][:16] == earlier[:16]
    assert not rows(app)["n1"].clock_off


@pytest.mark.parametrize("when", OVERFLOWING)
def test_an_overflowing_time_is_never_a_5xx_on_any_scan_endpoint(client, door, app, when):
    single = post(client, door, "/checkins", {"code": door["codes"][0], "nonce": "s1", "scanned_at": when})
    by_id = post(client, door, f"/guests/{door['ids'][1]}/checkin", {"nonce": "s2", "scanned_at": when})
    batch = post(
        client, door, "/checkins/batch", {"scans": [{"code": door["codes"][2], "nonce": "s3", "scanned_at": when}]}
    )
    for answer in (single, by_id, batch):
        assert answer.status_code == 200, answer.get_data(as_text=True)
    assert batch.get_json()["results"][0]["colour"] == "green"
    found = rows(app)
    assert all(found[n].clock_off for n in ("s1", "s2", "s3"))
    stats = client.get(f"/api/events/{door['event_id']}/stats", headers={"X-Door-Token": door["token"]})
    assert stats.status_code == 200 and sum(q["admitted"] for q in stats.get_json()["per_quarter"]) == 3


def test_the_arrivals_chart_covers_the_events_window_whatever_is_stored(client, door, app):
    """Rows written before this fix (or by hand) with absurd times still give a chart of the evening."""
    with db_session(app) as s:
        for i, year in enumerate((1970, 2023, 2999)):
            rsvp_id = door["ids"][i]
            s.add(
                CheckIn(
                    event_id=door["event_id"],
                    rsvp_id=rsvp_id,
                    result="admitted",
                    reason="",
                    scanned_at=dt.datetime(year, 6, 1, tzinfo=dt.UTC),
                    received_at=dt.datetime(year, 6, 1, tzinfo=dt.UTC),
                    nonce=f"old-{i}",
                    door="Door 1",
                )
            )
    post(client, door, "/checkins", {"code": door["codes"][5], "nonce": "now"})
    quarters = client.get(f"/api/events/{door['event_id']}/stats", headers={"X-Door-Token": door["token"]}).get_json()[
        "per_quarter"
    ]
    with app.app_context():
        event = db.session.get(Event, door["event_id"])
        first, last = doors.default_window(event)
    assert len(quarters) <= (last - first) / dt.timedelta(minutes=15) + 1
    assert sum(q["admitted"] for q in quarters) == 1
    with db_session(app):
        make_organizer()
    sign_in(client, "organizer@example.org")
    overview = client.get(f"/admin/events/{door['event_id']}")
    assert overview.status_code == 200 and len(overview.get_data()) < 200_000


def test_the_organizers_scan_list_says_which_device_clock_was_off(client, door, app):
    post(client, door, "/checkins", {"code": door["codes"][0], "nonce": "n1", "scanned_at": FAR_PAST})
    with db_session(app):
        make_organizer()
    sign_in(client, "organizer@example.org")
    page = client.get(f"/admin/events/{door['event_id']}").get_data(as_text=True)
    assert "device clock off" in page
