"""Organizer event screens: list, create, edit, preview, publish, cancel, next in series, overview."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, EventStatus, Rsvp, RsvpStatus
from factories import make_event, make_rsvp
from helpers import db_session, deliver, page_text, post_form, text_body


def event_form(**overrides) -> dict:
    start = dt.datetime.now() + dt.timedelta(days=40)
    data = {
        "title": "Chicago Resident Networking Event",
        "slug": "",
        "summary": "Meet peers and faculty.",
        "description": "**Food and drinks** provided.",
        "audience_note": "Residents only",
        "local_start": start.strftime("%Y-%m-%dT19:30"),
        "local_end": start.strftime("%Y-%m-%dT21:00"),
        "timezone": "America/Chicago",
        "venue_name": "The Fulton Room",
        "room": "Upstairs Lounge",
        "street_address": "1123 W. Fulton Market",
        "city": "Chicago",
        "region": "IL",
        "postal_code": "60607",
        "capacity": "40",
        "local_deadline": "",
        "waitlist_enabled": "y",
        "claim_window_hours": "24",
        "reminder_enabled": "y",
        "reminder_hours_before": "24",
    }
    data.update(overrides)
    return data


def test_create_a_draft_with_a_suggested_slug_then_preview_and_publish(app, admin, client):
    response = post_form(admin, "/admin/events/new", event_form())
    assert response.status_code == 302
    with db_session(app):
        event = db.session.scalars(sa.select(Event)).one()
        assert event.status == EventStatus.DRAFT and event.slug.startswith("chicago-")
        assert event.timezone == "America/Chicago" and event.local_starts_at.hour == 19
        event_id, slug = event.id, event.slug
    public = app.test_client()
    assert public.get(f"/e/{slug}").status_code == 404
    preview = admin.get(f"/admin/events/{event_id}/preview").get_data(as_text=True)
    assert "Preview" in preview and "The Fulton Room" in preview and "<strong>Food and drinks</strong>" in preview
    page = admin.get(f"/admin/events/{event_id}").get_data(as_text=True)
    assert "Publish" in page
    response = post_form(admin, f"/admin/events/{event_id}/publish", {}, page=f"/admin/events/{event_id}")
    assert response.status_code == 302
    assert public.get(f"/e/{slug}").status_code == 200
    post_form(admin, f"/admin/events/{event_id}/unpublish", {}, page=f"/admin/events/{event_id}")
    assert public.get(f"/e/{slug}").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"local_end": (dt.datetime.now() + dt.timedelta(days=40)).strftime("%Y-%m-%dT18:00")},
            "local_end",
            "end after it starts",
        ),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Not a valid choice"),
        ({"slug": "Bad Slug!"}, "slug", "lower-case"),
        (
            {"local_deadline": (dt.datetime.now() + dt.timedelta(days=41)).strftime("%Y-%m-%dT12:00")},
            "local_deadline",
            "before the start",
        ),
        ({"capacity": "-3"}, "capacity", "between 0 and"),
        ({"title": ""}, "title", "give the event a title"),
    ],
)
def test_create_refusals_sit_next_to_their_field_and_keep_what_was_typed(app, admin, overrides, field, message):
    response = post_form(admin, "/admin/events/new", event_form(**overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    from helpers import field_box, form_values

    assert message in field_box(html, field)
    assert form_values(html)["venue_name"] == "The Fulton Room"
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_slug_must_be_unique(app, admin):
    with db_session(app):
        make_event(slug="chicago-2027-10-21")
        db.session.commit()
    response = post_form(admin, "/admin/events/new", event_form(slug="chicago-2027-10-21"))
    assert response.status_code == 422 and "already uses this address" in response.get_data(as_text=True)


def edit_data(event: Event, **overrides) -> dict:
    data = event_form(
        title=event.title,
        slug=event.slug,
        local_start=event.local_starts_at.strftime("%Y-%m-%dT%H:%M"),
        local_end=event.local_ends_at.strftime("%Y-%m-%dT%H:%M"),
        timezone=event.timezone,
        capacity=str(event.capacity),
    )
    data.update(overrides)
    return data


def test_capacity_below_confirmed_needs_confirmation_and_a_raise_offers_places(app, admin):
    with db_session(app):
        event = make_event(capacity=2)
        keep = [make_rsvp(event) for _ in range(3)]
        db.session.commit()
        url, data = f"/admin/events/{event.id}/edit", edit_data(event)
        waiting_id = keep[2].id
    refused = post_form(admin, url, {**data, "capacity": "1"})
    assert refused.status_code == 422 and "2 guests already hold a place" in refused.get_data(as_text=True)
    assert "Allow overbooking" in refused.get_data(as_text=True)
    assert post_form(admin, url, {**data, "capacity": "1", "confirm_overbooking": "y"}).status_code == 302
    assert post_form(admin, url, {**data, "capacity": "3"}).status_code == 302
    with db_session(app):
        assert db.session.get(Rsvp, waiting_id).status == RsvpStatus.OFFERED


def test_cancel_event_emails_every_live_guest_the_message(app, admin, mailbox):
    with db_session(app):
        event = make_event(capacity=1)
        make_rsvp(event, email="a@example.org")
        make_rsvp(event, email="b@example.org")
        gone = make_rsvp(event, email="gone@example.org")
        from eventsite.services import rsvps

        rsvps.cancel_rsvp(gone)
        db.session.commit()
        event_id, slug = event.id, event.slug
    deliver(app)
    mailbox.clear()
    url = f"/admin/events/{event_id}/cancel"
    assert "still hold an RSVP" in admin.get(url).get_data(as_text=True)
    refused = post_form(admin, url, {"message": ""})
    assert refused.status_code == 422
    response = post_form(admin, url, {"message": "The venue flooded. We'll announce a new date soon."})
    assert response.status_code == 302
    deliver(app)
    told = sorted(m["To"] for m in mailbox.messages)
    assert told == ["a@example.org", "b@example.org"]
    assert "The venue flooded" in text_body(mailbox.messages[0])
    public = app.test_client().get(f"/e/{slug}").get_data(as_text=True)
    assert "cancelled" in public.lower() and 'name="first_name"' not in public


def test_moving_the_event_emails_each_guest_once_with_a_calendar_update(app, admin, mailbox):
    from helpers import attachments, read_ics

    with db_session(app):
        event = make_event(capacity=5)
        make_rsvp(event, email="a@example.org")
        db.session.commit()
        place = ("venue_name", "room", "street_address", "city", "region", "postal_code")
        url, data = f"/admin/events/{event.id}/edit", edit_data(event, **{f: getattr(event, f) for f in place})
        start = event.local_starts_at
    deliver(app)
    mailbox.clear()
    assert post_form(admin, url, data).status_code == 302  # saved unchanged
    deliver(app)
    assert mailbox.messages == []
    later = {**data, "local_start": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    later["local_end"] = (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    moved = post_form(admin, url, later)
    assert "Event saved. 1 guest was e-mailed the new time." in page_text(
        admin.get(moved.headers["Location"]).get_data(as_text=True)
    )
    again = post_form(admin, url, later)  # saved again: no second e-mail
    assert "e-mailed" not in page_text(admin.get(again.headers["Location"]).get_data(as_text=True))
    deliver(app)
    [message] = mailbox.messages
    assert message["To"] == "a@example.org" and message["Subject"].startswith("New time: ")
    new_start = start + dt.timedelta(hours=1)
    assert f"{new_start.hour % 12 or 12}:{new_start.minute:02d}" in text_body(message)
    vevent = read_ics(attachments(message)["event.ics"])[1]
    assert int(vevent["SEQUENCE"]) == 1 and vevent.decoded("DTSTART") == new_start


def test_next_in_series_copies_settings_but_no_guests(app, admin):
    with db_session(app):
        source = make_event(capacity=25, claim_window_hours=6, requires_approval=True, description="Same *text*")
        source.badge_offset_x_mm, source.badge_offset_y_mm = 1.5, -2.0
        make_rsvp(source)
        db.session.commit()
        source_id = source.id
    start = dt.datetime.now() + dt.timedelta(days=90)
    data = {
        "title": "Boston Resident Networking Event",
        "slug": "",
        "local_start": start.strftime("%Y-%m-%dT19:00"),
        "local_end": start.strftime("%Y-%m-%dT21:00"),
        "timezone": "America/New_York",
        "venue_name": "Harborside Hall",
        "room": "The Loft",
        "street_address": "200 Atlantic Avenue",
        "city": "Boston",
        "region": "MA",
        "postal_code": "02110",
    }
    response = post_form(admin, f"/admin/events/{source_id}/copy", data)
    assert response.status_code == 302
    with db_session(app):
        copy = db.session.scalar(sa.select(Event).where(Event.city == "Boston"))
        assert copy.status == EventStatus.DRAFT and copy.copied_from_id == source_id
        assert (copy.capacity, copy.claim_window_hours, copy.requires_approval, copy.description) == (
            25,
            6,
            True,
            "Same *text*",
        )
        assert copy.slug.startswith("boston-") and copy.local_starts_at.hour == 19
        assert (copy.badge_offset_x_mm, copy.badge_offset_y_mm) == (1.5, -2.0)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp).where(Rsvp.event_id == copy.id)) == 0


def test_list_tabs_and_figures(app, admin):
    with db_session(app):
        live = make_event(title="Upcoming One", capacity=2)
        for _ in range(3):
            make_rsvp(live)
        make_event(title="Draft One", status=EventStatus.DRAFT)
        make_event(title="Past One", days_ahead=-10)
        db.session.commit()
    upcoming = page_text(admin.get("/admin/events").get_data(as_text=True))
    assert "Upcoming One" in upcoming and "Draft One" not in upcoming and "Past One" not in upcoming
    assert "2 / 2" in upcoming
    assert "Draft One" in admin.get("/admin/events?tab=drafts").get_data(as_text=True)
    assert "Past One" in admin.get("/admin/events?tab=past").get_data(as_text=True)


def test_overview_shows_counts_and_charts(app, admin):
    with db_session(app):
        event = make_event(capacity=5)
        make_rsvp(event, training_level="pgy1", institution="UCLA")
        make_rsvp(event, training_level="attending", institution="UCLA")
        make_rsvp(event, training_level="industry", institution="Stryker")
        db.session.commit()
        event_id = event.id
    html = admin.get(f"/admin/events/{event_id}").get_data(as_text=True)
    assert html.count("<svg") == 3 and "RSVPs received per day" in html
    text = page_text(html)
    assert re.search(r"3\s*confirmed of 5", text)
    for label, n in (("UCLA", 2), ("Stryker", 1), ("Attending / faculty", 1)):
        assert re.search(rf"{re.escape(label)}\s*{n}", text), label


def test_a_rule_for_another_event_is_404(app, admin):
    assert admin.get("/admin/events/999").status_code == 404
