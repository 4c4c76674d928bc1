"""The activity log (issue 14): every change a member makes in the admin leaves one entry (who,
when, which event, what, before → after), a refused change leaves none, downloads of guests'
data are recorded, and the Activity pages filter, page and export it."""

import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import ActivityEntry, Rsvp, utcnow
from eventsite.services import privacy
from factories import make_event, make_rsvp
from helpers import db_session, form_values, page_text, post_form
from tests.web.test_admin_events import edit_data


def entries(app) -> list[ActivityEntry]:
    with db_session(app):
        rows = db.session.scalars(sa.select(ActivityEntry).order_by(ActivityEntry.id)).all()
        db.session.expunge_all()
        return rows


def test_each_change_in_the_admin_leaves_one_entry(app, admin):
    with db_session(app):
        event = make_event(capacity=40, starts_at=utcnow() + dt.timedelta(days=3))
        event_id, edit = event.id, edit_data(event)
        guest_id = make_rsvp(event).id
    steps = [
        (f"/admin/events/{event_id}/edit", {**edit, "capacity": "60"}, f"/admin/events/{event_id}/edit", "capacity_changed"),
        (f"/admin/events/{event_id}/unpublish", {}, f"/admin/events/{event_id}", "event_unpublished"),
        (f"/admin/events/{event_id}/publish", {}, f"/admin/events/{event_id}", "event_published"),
        (f"/admin/events/{event_id}/guests/{guest_id}/resend", {}, f"/admin/events/{event_id}/guests", "guest_emailed"),
        (f"/admin/events/{event_id}/messages", {"segment": "confirmed", "subject": "Parking", "body": "Level 2.",
         "action": "send", "confirm": "confirmed:1"}, f"/admin/events/{event_id}/messages", "message_sent"),
        (f"/admin/events/{event_id}/guests/{guest_id}/cancel", {}, f"/admin/events/{event_id}/guests", "guest_cancelled"),
    ]  # fmt: skip
    for url, data, page, kind in steps:
        response = post_form(admin, url, data, page=page)
        assert response.status_code in (200, 302), (url, response.status_code)
        got = entries(app)[-1]
        assert (got.kind, got.event_id, got.actor) == (kind, event_id, "organizer@example.org"), url
    page = f"/admin/events/{event_id}/doors"
    post_form(admin, page, {**form_values(admin.get(page).get_data(as_text=True)), "label": "Front door"})
    log = entries(app)
    assert [e.kind for e in log].count("capacity_changed") == 1
    assert log[0].changes["capacity"] == [40, 60]  # the form also moved it: each edited field, before → after
    assert log[0].changes["city"] == ["West Hollywood", "Chicago"]
    assert "updated_at" not in log[0].changes
    assert log[3].subject == f"rsvp:{guest_id}"
    assert "to confirmed guests (1): “Parking”" in log[4].summary
    assert log[5].kind == "guest_cancelled"
    assert log[-1].kind == "door_link_created" and "Front door" in log[-1].summary


def test_a_refused_change_and_a_preview_leave_nothing(app, admin):
    with db_session(app):
        event = make_event(capacity=2)
        make_rsvp(event), make_rsvp(event)
        event_id, edit = event.id, edit_data(event)
    assert post_form(admin, f"/admin/events/{event_id}/edit", {**edit, "capacity": "1"}).status_code == 422
    preview = {"segment": "confirmed", "subject": "Hello", "body": "Hi."}
    assert post_form(admin, f"/admin/events/{event_id}/messages", {**preview, "action": "preview"}).status_code == 200
    assert entries(app) == []


def test_new_events_and_downloads_of_guest_data_are_recorded(app, admin):
    with db_session(app):
        event = make_event()
        make_rsvp(event)
        event_id = event.id
    assert admin.get(f"/admin/events/{event_id}/guests.csv").status_code == 200
    assert admin.get("/admin/people.csv").status_code == 200
    kinds = [(e.kind, e.event_id, e.summary) for e in entries(app)]
    assert kinds == [
        ("export_downloaded", event_id, "Downloaded the guest list (CSV)"),
        ("export_downloaded", None, "Downloaded the People list (CSV)"),
    ]


def test_the_pages_filter_page_and_export_and_a_deleted_guest_is_nobody(app, admin):
    with db_session(app):
        event = make_event(title="Chicago Resident Networking")
        guest = make_rsvp(event, first_name="Priya", last_name="Raman")
        for n in range(55):
            db.session.add(ActivityEntry(kind="event_edited", summary=f"Edit {n}", event_id=event.id,
                                         actor="organizer@example.org", at=utcnow() - dt.timedelta(days=n)))  # fmt: skip
        db.session.add(ActivityEntry(kind="guest_cancelled", summary="Cancelled a guest's RSVP", event_id=event.id,
                                     subject=f"rsvp:{guest.id}", actor="host@example.org"))  # fmt: skip
        event_id, guest_id = event.id, guest.id
    page = page_text(admin.get(f"/admin/events/{event_id}/activity").get_data(as_text=True))
    assert "Cancelled a guest's RSVP: Priya Raman" in page and "1–50 of 56" in page
    page = page_text(admin.get(f"/admin/events/{event_id}/activity?page=2").get_data(as_text=True))
    assert "51–56 of 56" in page
    only = page_text(admin.get("/admin/activity?person=host@example.org").get_data(as_text=True))
    assert "Priya Raman" in only and "Edit 3" not in only
    recent = page_text(
        admin.get(
            f"/admin/events/{event_id}/activity?kind=event_edited&since={(utcnow() - dt.timedelta(days=2)).date()}"
        ).get_data(as_text=True)
    )
    assert "Edit 0" in recent and "Edit 1" in recent and "Edit 5" not in recent
    csv_text = admin.get(f"/admin/events/{event_id}/activity.csv?kind=guest_cancelled").get_data(as_text=True)
    assert csv_text.startswith("\ufeffWhen (UTC),Who,Event,What,About,Changes") and "Priya Raman" in csv_text
    with db_session(app):
        privacy.anonymise_rsvp(db.session.get(Rsvp, guest_id), actor="guest", reason="test")
    page = page_text(admin.get(f"/admin/events/{event_id}/activity").get_data(as_text=True))
    assert "Priya" not in page and "a guest whose data was deleted" in page


def test_no_route_edits_or_deletes_an_entry(app):
    writes = [r for r in app.url_map.iter_rules() if "activity" in r.rule and r.methods - {"GET", "HEAD", "OPTIONS"}]
    assert writes == []
