"""Live door figures across devices: a scan at the door shows on the organizer's overview.

Two browser contexts (two devices): a volunteer's phone on the door link and an organizer's
laptop on the event overview. The overview's figures and its arrivals-per-15-minutes chart must
catch up with the door by themselves, without a reload. How fast (the promise is within 5 s) is
measured by benchmarks/bench_figures.py, not asserted here.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from eventsite.models import utcnow
from eventsite.services import checkin, doors
from factories import make_event, make_organizer, make_rsvp
from helpers import db_session, sign_in_page
from tests.browser.conftest import DEVICES, TIMEOUT_MS

pytestmark = pytest.mark.browser


def latest_bar_height(page) -> float:
    return float(page.locator(".door-figures .arrivals-bar.arrivals-latest").get_attribute("height"))


def test_a_scan_at_the_door_reaches_the_organizers_overview_without_a_reload(app, browser, live_server):
    with db_session(app):
        make_organizer()
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30), timezone="America/Chicago")
        early = make_rsvp(event, first_name="Early", last_name="Bird")
        late = make_rsvp(event, first_name="Lara", last_name="Late", badge_name="Lara")
        make_rsvp(event, first_name="Not", last_name="Yet")
        checkin.check_in(event, early.ticket_code)
        token = doors.create_door_link(event, label="Door 1").token
        event_id, code = event.id, late.ticket_code

    contexts = []
    try:
        laptop = browser.new_context(base_url=live_server, **DEVICES["laptop"])
        phone = browser.new_context(base_url=live_server, **DEVICES["phone"])
        contexts += [laptop, phone]
        admin = laptop.new_page()
        admin.set_default_timeout(TIMEOUT_MS)
        admin.goto(f"/admin/events/{event_id}")
        sign_in_page(admin)
        admin.goto(f"/admin/events/{event_id}")
        figures = admin.locator(".door-figures")
        expect(figures.locator('[data-figure="checked_in"]')).to_have_text("1")
        expect(figures.get_by_role("heading", name="Arrivals per 15 minutes")).to_be_visible()
        # The chart is there for screen readers as a table, in the event's time zone.
        first_slot = early_slot_label(app, event_id)
        expect(figures.locator("table.visually-hidden td").first).to_have_text(first_slot)
        before = latest_bar_height(admin)
        assert before > 0

        door = phone.new_page()
        door.set_default_timeout(TIMEOUT_MS)
        door.goto(f"/door/{token}")
        door.get_by_label("Badge code").fill(code)
        door.get_by_label("Badge code").press("Enter")
        expect(door.locator("#verdict-name")).to_have_text("Lara")
        # Both arrivals share the latest bar unless a quarter hour began between them.
        latest = latest_slot_count(app, event_id)
        expect(door.locator("#arrivals .arrivals-bar.arrivals-latest")).to_have_attribute("data-count", str(latest))

        # The overview hears of it without a reload (how fast: benchmarks/bench_figures.py).
        expect(figures.locator('[data-figure="checked_in"]')).to_have_text("2", timeout=15_000)
        expect(figures.locator(".arrivals-bar.arrivals-latest")).to_have_attribute("data-count", str(latest))
        if latest == 2:
            assert latest_bar_height(admin) > before
        expect(figures.locator('[data-list="last_scans"] li').first).to_contain_text("Lara")
    finally:
        for context in contexts:
            context.close()


def latest_slot_count(app, event_id: int) -> int:
    """Admissions in the latest 15-minute slot, as the server counts them."""
    from eventsite.extensions import db
    from eventsite.models import Event

    with db_session(app):
        return checkin.door_stats(db.session.get(Event, event_id)).per_quarter[-1][1]


def early_slot_label(app, event_id: int) -> str:
    """The first 15-minute slot as the overview should label it: local time of the event."""
    from eventsite.extensions import db
    from eventsite.formatting import clock
    from eventsite.models import Event

    with db_session(app):
        event = db.session.get(Event, event_id)
        (slot, _), *_ = checkin.door_stats(event).per_quarter
        return clock(slot.astimezone(event.tz))


def test_the_overview_draws_the_chart_without_javascript(app, new_page):
    with db_session(app):
        make_organizer()
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        for name in ("Ana", "Ben", "Cy"):
            checkin.check_in(event, make_rsvp(event, first_name=name).ticket_code)
        event_id = event.id
    page = new_page(java_script_enabled=False)
    page.goto("/login")
    sign_in_page(page)
    page.goto(f"/admin/events/{event_id}")
    bars = page.locator(".door-figures .arrivals-bar")
    expect(bars.last).to_have_attribute("data-count", "3")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
