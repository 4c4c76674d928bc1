"""Series (issue 17): existing events sit in one series, organizers add more, "Next in series" keeps
an event's series, and the home page lists upcoming events by series and city."""

import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, Series
from eventsite.services import events, series
from factories import make_event, make_organizer
from helpers import db_session, page_text, post_form, sign_in


def test_every_event_is_in_a_series_and_next_in_series_keeps_it(app_ctx):
    first = make_event(city="Boston")
    assert first.series.name == "Resident Networking Events"
    faculty = series.save("Faculty Dinners", "Evenings for faculty.")
    other = make_event(city="Chicago", series_id=faculty.id)
    start = other.local_starts_at.replace(tzinfo=None) + dt.timedelta(days=60)
    copy = events.copy_event(
        other, title="Next", slug="next-dinner", local_start=start, local_end=start + dt.timedelta(hours=2),
        timezone=other.timezone, venue_name="V", room="", street_address="1 Main", city="Denver", region="CO",
        postal_code="80202",
    )  # fmt: skip
    assert copy.series_id == faculty.id


def test_the_home_page_groups_upcoming_events_by_series_and_city(app, client):
    with db_session(app):
        faculty = series.save("Faculty Dinners")
        make_event(title="Boston evening", city="Boston")
        make_event(title="Second Boston evening", city="Boston", days_ahead=60)
        make_event(title="Chicago dinner", city="Chicago", series_id=faculty.id)
    text = page_text(client.get("/").get_data(as_text=True))
    resident, dinners = text.index("Resident Networking Events"), text.index("Faculty Dinners")
    assert resident < text.index("Boston evening") < text.index("Second Boston evening") < dinners
    assert dinners < text.index("Chicago dinner")
    assert text.count("Boston") >= 3  # the city heading and the two cards


def test_organizers_add_and_rename_series_and_choose_one_for_an_event(app, client):
    with db_session(app):
        make_organizer()
        event_id = make_event().id
    sign_in(client, "organizer@example.org")
    assert post_form(client, "/admin/series", {"new-name": "Faculty Dinners", "new-description": ""}).status_code == 302
    taken = post_form(client, "/admin/series", {"new-name": "faculty dinners"}, page="/admin/series")
    assert taken.status_code == 422 and "already has this name" in page_text(taken.get_data(as_text=True))
    with db_session(app):
        dinners = db.session.scalar(sa.select(Series).where(Series.name == "Faculty Dinners")).id
    page = client.get(f"/admin/events/{event_id}/edit").get_data(as_text=True)
    assert "Faculty Dinners" in page  # a second series makes the choice appear
    with db_session(app):
        assert db.session.get(Event, event_id).series_id != dinners
