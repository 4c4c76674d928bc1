"""Organizer door screens: create door links (label, PIN, window), show link and QR, revoke; live figures."""

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CheckIn, DoorLink, Event, utcnow
from eventsite.services import checkin, doors
from factories import make_event, make_rsvp
from helpers import db_session, decode_qr, field_box, page_text, post_form


@pytest.fixture()
def event_id(app):
    with db_session(app):
        return make_event(starts_at=utcnow() + dt.timedelta(minutes=30)).id


def test_create_door_link_with_pin_shows_link_and_qr_then_revoke(app, admin, event_id):
    url = f"/admin/events/{event_id}/doors"
    page = admin.get(url).get_data(as_text=True)
    assert "No door links yet" in page and 'value="Door 1"' in page
    from helpers import form_values

    values = form_values(page)
    response = post_form(admin, url, {**values, "label": "Front door", "pin": "2468"})
    assert response.status_code == 302
    with db_session(app):
        link = db.session.scalar(sa.select(DoorLink))
        token, link_id = link.token, link.id
        event = link.event
        assert (link.valid_from, link.valid_until) == doors.default_window(event)
        assert doors.check_pin(link, "2468")
    page = admin.get(url).get_data(as_text=True)
    door_url = f"{app.config['BASE_URL']}/door/{token}"
    assert door_url in page and "Front door" in page and "Open now" in page
    import base64
    import re

    qr = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert [r.text for r in decode_qr(base64.b64decode(qr))] == [door_url]
    assert post_form(admin, f"{url}/{link_id}/revoke", {}, page=url).status_code == 302
    assert "Revoked" in page_text(admin.get(url).get_data(as_text=True))
    response = admin.post(f"/api/events/{event_id}/checkins", json={"code": "x"}, headers={"X-Door-Token": token})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"label": ""}, "label", "name the door"),
        ({"pin": "12"}, "pin", "4 to 12 digits"),
        ("swap", "valid_until", "stop working after"),
    ],
)
def test_refusals_sit_next_to_their_field(admin, event_id, change, field, message):
    url = f"/admin/events/{event_id}/doors"
    from helpers import form_values

    values = form_values(admin.get(url).get_data(as_text=True))
    if change == "swap":
        values["valid_from"], values["valid_until"] = values["valid_until"], values["valid_from"]
    else:
        values.update(change)
    response = post_form(admin, url, values)
    assert response.status_code == 422
    assert message in field_box(response.get_data(as_text=True), field)


def test_dashboard_shows_live_door_figures(app, admin, event_id):
    with db_session(app):
        event = db.session.get(Event, event_id)
        guest = make_rsvp(event, badge_name="Priya")
        make_rsvp(event)
        checkin.check_in(event, guest.ticket_code, by="Door 9")
        checkin.check_in(event, "junk", by="Door 9")
    text = page_text(admin.get(f"/admin/events/{event_id}").get_data(as_text=True))
    assert "1checked in of 2 confirmed" in text  # the figure and its label are separate boxes
    assert "Door 9 · Priya · admitted" in text and "Door 9 · — · unknown code" in text


def test_other_events_link_cannot_be_revoked_here(app, admin, event_id):
    with db_session(app):
        other = make_event()
        link_id = doors.create_door_link(other, label="Other").id
    url = f"/admin/events/{event_id}/doors"
    post_form(admin, f"{url}/{link_id}/revoke", {}, page=url)
    with db_session(app):
        assert db.session.get(DoorLink, link_id).revoked_at is None


def scans_file(event_id: int, scans: list, door: str = "Door 2") -> tuple[io.BytesIO, str]:
    """The file the door page saves for its unsent scans (door_upload.js, offerFile)."""
    content = {"kind": "eventsite-door-scans", "event_id": event_id, "door": door, "scans": scans}
    return io.BytesIO(json.dumps(content).encode()), "door-scans.json"


def test_organizer_uploads_the_scans_a_phone_could_not_send(app, admin):
    """Issue 12.3: the file a closed door page offers is settled scan by scan on the Door tab."""
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        ana, ben = make_rsvp(event, first_name="Ana", last_name="Lopez"), make_rsvp(event, first_name="Ben")
        checkin.check_in(event, ben.ticket_code, nonce="sent-before")
        event_id, codes = event.id, (ana.ticket_code, ben.ticket_code)
    scans = [
        {"code": codes[0], "nonce": "file-1", "scanned_at": utcnow().isoformat()},
        {"code": codes[1], "nonce": "sent-before"},
        {"code": "BEGIN:VCARD\nFN:Jane Doe\nEND:VCARD", "nonce": "file-3"},
    ]
    page = f"/admin/events/{event_id}/doors"
    response = post_form(admin, f"{page}/scans", {"file": scans_file(event_id, scans)}, page=page)
    assert response.status_code == 200
    text = page_text(response.get_data(as_text=True))
    assert "3 scans in the file: 1 recorded now, 1 already recorded, 1 not usable." in text
    assert "Ana Lopez" in text and "not one of our badges" in text
    with db_session(app):
        rows = db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id)).all()
        assert [(r.nonce, r.door) for r in rows][-1] == ("file-1", "Door 2 (file uploaded by organizer@example.org)")
    # The same file again records nothing more.
    again = post_form(admin, f"{page}/scans", {"file": scans_file(event_id, scans)}, page=page)
    assert "0 recorded now, 2 already recorded, 1 not usable." in page_text(again.get_data(as_text=True))


@pytest.mark.parametrize(
    "upload, message",
    [
        (None, "Choose the file the door phone saved."),
        ((io.BytesIO(b"\x89PNG not json"), "photo.png"), "This is not a file of door scans."),
        ((io.BytesIO(b'{"kind": "eventsite-door-scans", "event_id": 999999, "scans": [{}]}'), "x.json"),
         "These scans are from another event's door."),
    ],
)  # fmt: skip
def test_a_wrong_scans_file_gets_a_message_next_to_the_field(app, admin, upload, message):
    with db_session(app):
        event_id = make_event().id
    page = f"/admin/events/{event_id}/doors"
    response = post_form(admin, f"{page}/scans", {"file": upload} if upload else {}, page=page)
    assert response.status_code == 422
    assert message in field_box(response.get_data(as_text=True), "file")


@pytest.mark.parametrize("label", ["\ud800", "Door\x00 2", "   ", 7])
def test_a_scans_file_with_an_unprintable_door_name_is_still_taken(app, admin, label):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        code, event_id = make_rsvp(event).ticket_code, event.id
    content = {
        "kind": "eventsite-door-scans",
        "event_id": event_id,
        "door": label,
        "scans": [{"code": code, "nonce": "u-1"}],
    }
    page = f"/admin/events/{event_id}/doors"
    response = post_form(
        admin, f"{page}/scans", {"file": (io.BytesIO(json.dumps(content).encode()), "s.json")}, page=page
    )
    assert response.status_code == 200
    with db_session(app):
        assert db.session.scalars(sa.select(CheckIn.door)).all() == [
            "a door phone (file uploaded by organizer@example.org)"
        ]
