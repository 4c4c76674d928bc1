"""The event page kept by each worker for a moment (issue 18, public/page_cache.py): every
visitor still gets their own working form token, the kept copy holds none, anything personal is
made afresh, and an RSVP is decided on current data however old the page was."""

import time

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, Rsvp, RsvpStatus
from eventsite.public.page_cache import TOKEN_MARK
from factories import guest_fields, make_event, make_organizer
from helpers import csrf_token, db_session, page_text, sign_in


def retitle(app, event_id: int, title: str) -> None:
    """Change the title behind the app's back (no new event version): only a kept page hides it."""
    with db_session(app):
        db.session.execute(sa.update(Event).where(Event.id == event_id).values(title=title))


def test_visitors_share_the_page_but_each_gets_their_own_working_token(app_config, app, client):
    app.config["EVENT_PAGE_CACHE_SECONDS"] = 60
    with db_session(app):
        event = make_event(title="Boston evening", capacity=1, waitlist_enabled=True)
        db.session.flush()
        event_id, slug = event.id, event.slug
    first = client.get(f"/e/{slug}").get_data(as_text=True)
    retitle(app, event_id, "Renamed behind the page's back")
    other = app.test_client()
    second = other.get(f"/e/{slug}").get_data(as_text=True)
    assert "Boston evening" in page_text(second)  # the kept page
    token_a, token_b = csrf_token(first), csrf_token(second)
    assert token_a != token_b
    [(_, kept)] = app.extensions["eventsite.page_cache"].pages.values()
    assert TOKEN_MARK in kept and token_a not in kept and token_b not in kept

    # Both forms work; the one place goes to the first RSVP, the second is decided on current data.
    for who, token, address in ((client, token_a, "ana@ucla.edu"), (other, token_b, "ben@ucla.edu")):
        reply = who.post(f"/e/{slug}", data={**guest_fields(email=address, website=""), "csrf_token": token})
        assert reply.status_code == 302
    with db_session(app):
        statuses = dict(db.session.execute(sa.select(Rsvp.email, Rsvp.status)).all())
    assert statuses == {"ana@ucla.edu": RsvpStatus.CONFIRMED, "ben@ucla.edu": RsvpStatus.WAITLISTED}


def test_anything_personal_is_made_afresh_and_a_kept_page_ages_out(app_config, app, client):
    app.config["EVENT_PAGE_CACHE_SECONDS"] = 60
    with db_session(app):
        make_organizer()
        event = make_event(title="Chicago evening")
        db.session.flush()
        event_id, slug = event.id, event.slug
    client.get(f"/e/{slug}")
    retitle(app, event_id, "Chicago, new title")
    assert "Chicago evening" in page_text(app.test_client().get(f"/e/{slug}").get_data(as_text=True))
    assert "Chicago, new title" in page_text(client.get(f"/e/{slug}?me=x").get_data(as_text=True))
    organizer = app.test_client()
    sign_in(organizer, "organizer@example.org")
    assert "Chicago, new title" in page_text(organizer.get(f"/e/{slug}").get_data(as_text=True))
    app.config["EVENT_PAGE_CACHE_SECONDS"] = 0.2
    time.sleep(0.3)
    assert "Chicago, new title" in page_text(app.test_client().get(f"/e/{slug}").get_data(as_text=True))
    assert client.get("/e/no-such-event").status_code == 404
    assert "no-such-event" not in app.extensions["eventsite.page_cache"].pages
