"""An event host works on their events only (issue 14): ids of another event edited into URLs or
forms reach nothing, and a host's "Next in series" becomes theirs."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import BadgePrintJob, DoorLink, Event, OrganizerRole, Rsvp, RsvpStatus
from eventsite.services import assignments, doors
from factories import make_event, make_organizer, make_rsvp
from helpers import db_session, post_form, sign_in


@pytest.fixture()
def cities(app, client):
    """A host of Chicago signed in; Chicago and Boston each with a guest and a door link."""
    now = dt.datetime.now(dt.UTC)
    with db_session(app):
        chicago = make_event(title="Chicago Resident Networking", city="Chicago")
        boston = make_event(title="Boston Resident Networking", city="Boston")
        ids = {"chicago": chicago.id, "boston": boston.id}
        for name, event in (("chicago", chicago), ("boston", boston)):
            ids[f"{name}_guest"] = make_rsvp(event).id
            ids[f"{name}_link"] = doors.create_door_link(
                event, label="Front", valid_from=now, valid_until=now + dt.timedelta(hours=3)
            ).id
        host = make_organizer("host.chicago@example.org", role=OrganizerRole.HOST)
        assignments.assign(host, chicago.id)
    assert sign_in(client, "host.chicago@example.org").status_code == 302
    return ids


def test_a_guest_of_another_event_cannot_be_acted_on_through_the_hosts_event(app, client, cities):
    chicago, boston_guest = cities["chicago"], cities["boston_guest"]
    page = f"/admin/events/{chicago}/guests"
    for action in ("cancel", "resend"):
        response = post_form(client, f"/admin/events/{chicago}/guests/{boston_guest}/{action}", {}, page=page)
        assert response.status_code == 404
    assert client.get(f"/admin/guests/{boston_guest}").status_code == 404
    with db_session(app):
        assert db.session.get(Rsvp, boston_guest).status == RsvpStatus.CONFIRMED


def test_badges_of_another_events_guests_are_never_printed_by_a_host(app, client, cities):
    chicago = cities["chicago"]
    response = post_form(
        client,
        f"/admin/events/{chicago}/badges/print",
        {"layout": "single", "selection": "selected", "rsvp_ids": [str(cities["boston_guest"])], "first_slot": "1"},
        page=f"/admin/events/{chicago}/badges",
    )
    with db_session(app):
        jobs = db.session.scalars(sa.select(BadgePrintJob)).all()
        printed = {rsvp_id for job in jobs for rsvp_id, _code in job.badges}
    assert cities["boston_guest"] not in printed
    assert response.status_code in (302, 422)


def test_a_door_link_of_another_event_cannot_be_revoked_through_the_hosts_event(app, client, cities):
    chicago, boston_link = cities["chicago"], cities["boston_link"]
    response = post_form(client, f"/admin/events/{chicago}/doors/{boston_link}/revoke", {},
                         page=f"/admin/events/{chicago}/doors")  # fmt: skip
    assert response.status_code == 404
    response = post_form(client, f"/admin/events/{cities['boston']}/doors/{boston_link}/revoke", {},
                         page=f"/admin/events/{chicago}/doors")  # fmt: skip
    assert response.status_code == 404  # Boston does not exist for a host of Chicago
    with db_session(app):
        assert db.session.get(DoorLink, boston_link).revoked_at is None


def test_the_hosts_events_list_shows_chicago_only(client, cities):
    page = client.get("/admin/events").get_data(as_text=True)
    assert "Chicago Resident Networking" in page and "Boston Resident Networking" not in page
    assert "New event" not in page and ">People<" not in page


def test_a_hosts_next_in_series_is_theirs(app, client, cities):
    start = dt.datetime.now() + dt.timedelta(days=60)
    data = {
        "title": "Chicago Resident Networking (spring)", "slug": "",
        "local_start": start.strftime("%Y-%m-%dT19:00"), "local_end": start.strftime("%Y-%m-%dT21:00"),
        "timezone": "America/Chicago", "venue_name": "Loop Hall", "room": "", "street_address": "1 Wacker Drive",
        "city": "Chicago", "region": "IL", "postal_code": "60601",
    }  # fmt: skip
    response = post_form(client, f"/admin/events/{cities['chicago']}/copy", data)
    assert response.status_code == 302
    with db_session(app):
        copy = db.session.scalar(sa.select(Event).where(Event.title == data["title"]))
        host = db.session.scalar(sa.select(assignments.EventAssignment.organizer_id).where(
            assignments.EventAssignment.event_id == copy.id))  # fmt: skip
    assert client.get(response.headers["Location"]).status_code == 200
    assert host is not None
