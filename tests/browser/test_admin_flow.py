"""An organizer's evening in a real browser: create, publish, watch guests arrive, export, cancel."""

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from eventsite.models import Event, Rsvp, RsvpStatus
from factories import make_organizer
from helpers import db_session, deliver, sign_in_page
from tests.browser.conftest import TIMEOUT_MS

ORGANIZER_SCREENS = {
    "laptop": {"viewport": {"width": 1280, "height": 800}},
    "tablet": {"viewport": {"width": 768, "height": 1024}, "is_mobile": True, "has_touch": True},
}
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


def rsvp_from_phone(browser, base_url: str, slug: str, first: str, last: str, email: str):
    context = browser.new_context(base_url=base_url, **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"/e/{slug}")
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_label("Institution or program").fill("UCLA Orthopaedic Surgery")
    page.get_by_label("Training level").select_option(label="PGY-2")
    page.locator("form button[type=submit]").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("screen", sorted(ORGANIZER_SCREENS))
def test_organizer_runs_an_event_from_the_browser(app, live_server, browser, mailbox, screen):
    with db_session(app):
        make_organizer()
    context = browser.new_context(base_url=live_server, accept_downloads=True, **ORGANIZER_SCREENS[screen])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    page.goto("/admin/events")
    sign_in_page(page)
    page.get_by_role("heading", name="Events").wait_for()

    page.get_by_role("link", name="New event").first.click()
    day = (dt.date.today() + dt.timedelta(days=45)).isoformat()
    page.get_by_label(re.compile(r"^Title")).fill("Chicago Resident Networking Event")
    page.get_by_label("Starts").fill(f"{day}T18:30")
    page.get_by_label("Ends").fill(f"{day}T20:30")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label(re.compile(r"^Venue")).fill("The Fulton Room")
    page.get_by_label("Street address").fill("1123 W. Fulton Market")
    page.get_by_label(re.compile(r"^City")).fill("Chicago")
    page.get_by_label("Capacity").fill("1")
    page.get_by_role("button", name="Create draft").click()
    page.get_by_text("Draft created").wait_for()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("the event page is public now").wait_for()

    with db_session(app) as session:
        event = session.scalars(sa.select(Event)).one()
        slug, event_id = event.slug, event.id
        assert event.local_starts_at.hour == 18 and event.timezone == "America/Chicago"

    rsvp_from_phone(browser, live_server, slug, "Ana", "Lima", "ana@example.org")
    rsvp_from_phone(browser, live_server, slug, "Ben", "Okafor", "ben@example.org")

    page.get_by_role("link", name="Guests").click()
    page.get_by_role("link", name="Ana Lima").wait_for()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert "On the waitlist (#1)" in rows.filter(has_text="Ben Okafor").inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    data = download.value.path().read_bytes()
    assert data.startswith("\ufeff".encode())
    exported = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted((r["E-mail"], r["Status"]) for r in exported) == [
        ("ana@example.org", "confirmed"),
        ("ben@example.org", "waitlisted"),
    ]

    page.get_by_role("link", name="Ana Lima").click()
    page.get_by_role("link", name="Cancel RSVP…").click()  # asks first
    page.locator("main form button[type=submit]").first.click()
    page.get_by_text("Ana Lima's RSVP was cancelled").wait_for()

    with db_session(app) as session:
        statuses = dict(session.execute(sa.select(Rsvp.email, Rsvp.status).where(Rsvp.event_id == event_id)).all())
    assert statuses == {"ana@example.org": RsvpStatus.CANCELLED, "ben@example.org": RsvpStatus.OFFERED}
    deliver(app)
    offers = [m for m in mailbox.to("ben@example.org") if "spot opened up" in m["Subject"].lower()]
    assert len(offers) == 1
    context.close()
