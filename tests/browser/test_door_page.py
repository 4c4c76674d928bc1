"""The door page in a real browser: handheld-scanner field, verdict colours, undo, name search, PIN."""

import datetime as dt
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventsite.extensions import db
from eventsite.models import CheckIn, CheckInResult, RsvpStatus, utcnow
from eventsite.services import doors
from factories import make_event, make_rsvp
from helpers import db_session

pytestmark = pytest.mark.browser


@pytest.fixture()
def door(app):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        other = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        ana = make_rsvp(
            event,
            first_name="Ana",
            last_name="Lopez",
            badge_name="Ana",
            dietary_notes="Vegetarian",
            accessibility_notes="Step-free seat",
        )
        ben = make_rsvp(event, first_name="Benedict", last_name="Okafor", badge_name="Ben")
        cy = make_rsvp(event, first_name="Cy", last_name="Kim")
        cy.status = RsvpStatus.CANCELLED
        stranger = make_rsvp(other, first_name="Stranger", badge_name="Stranger")
        link = doors.create_door_link(event, label="Door 2")
        pin_link = doors.create_door_link(event, label="PIN door", pin="2468")
        return {
            "event_id": event.id,
            "ana": ana.ticket_code,
            "ben": ben.ticket_code,
            "cy": cy.ticket_code,
            "stranger": stranger.ticket_code,
            "token": link.token,
            "pin_token": pin_link.token,
        }


#: Whether the door page, its scripts and its stylesheets are all in the service worker's cache.
ALL_CACHED = """async () => (await Promise.all(
  [location.href, ...Array.from(document.querySelectorAll('script[src], link[rel=stylesheet]'), e => e.src || e.href)]
    .map(url => caches.match(url)))).every(Boolean)"""


def scan_typed(page, value: str) -> None:
    """Type a code into the scanner field and press Enter, as a handheld scanner does."""
    field = page.get_by_label("Badge code")
    field.fill(value)
    field.press("Enter")


def wait_for_roster(page) -> str:
    """The roster as this phone stored it (after the page downloaded it)."""
    # Polled from here: wait_for_function evaluates a string in the page, which the CSP forbids.
    deadline = time.monotonic() + 10
    while not page.evaluate("() => Object.keys(localStorage).some(k => k.startsWith('door-roster:'))"):
        assert time.monotonic() < deadline, "the door page never stored its roster"
        page.wait_for_timeout(100)
    return page.evaluate("localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('door-roster:')))")


def test_handheld_scanner_green_amber_red_and_undo(page, door, app, live_server):
    page.goto(f"/door/{door['token']}")
    verdict = page.locator("#verdict")
    expect(page.locator(".door-label")).to_have_text("Door 2")

    scan_typed(page, f"{live_server}/b/{door['ana']}")  # how fast: benchmarks/bench_door.py
    expect(verdict).to_have_class("verdict verdict-green flash")
    expect(verdict).to_contain_text("Welcome")
    expect(page.locator("#verdict-name")).to_have_text("Ana")
    expect(verdict).to_contain_text("UCLA Orthopaedic Surgery · PGY-2")
    expect(verdict).to_contain_text("Vegetarian")
    expect(verdict).to_contain_text("Step-free seat")
    # Ready for the next badge at once: the field is empty and focused.
    expect(page.get_by_label("Badge code")).to_have_value("")
    expect(page.get_by_label("Badge code")).to_be_focused()

    scan_typed(page, door["ana"])
    expect(verdict).to_have_class("verdict verdict-amber flash")
    expect(page.locator("#verdict-title")).to_contain_text("Already checked in at ")
    expect(page.locator("#verdict-title")).to_contain_text("· Door 2")

    scan_typed(page, door["cy"])
    expect(verdict).to_have_class("verdict verdict-red flash")
    expect(verdict).to_contain_text("RSVP cancelled")
    expect(verdict).to_contain_text("organizer")

    scan_typed(page, f"{live_server}/b/{door['stranger']}")
    expect(verdict).to_have_class("verdict verdict-red flash")
    expect(verdict).to_contain_text("Badge for another event")
    expect(verdict).not_to_contain_text("Stranger")

    scan_typed(page, door["ben"])
    expect(page.locator("#verdict-name")).to_have_text("Ben")
    page.get_by_role("button", name="Undo last check-in").click()
    expect(verdict).to_contain_text("Check-in undone")
    expect(page.locator("#count-in")).to_have_text("1")
    expect(page.locator("#last-scans li").first).to_contain_text("Ben")

    with db_session(app):
        rows = db.session.scalars(
            sa.select(CheckIn).where(CheckIn.event_id == door["event_id"]).order_by(CheckIn.id)
        ).all()
        assert [(r.result, r.reason, r.door) for r in rows] == [
            (CheckInResult.ADMITTED, "", "Door 2"),
            (CheckInResult.REJECTED, "already_checked_in", "Door 2"),
            (CheckInResult.REJECTED, "cancelled", "Door 2"),
            (CheckInResult.REJECTED, "wrong_event", "Door 2"),
            (CheckInResult.ADMITTED, "", "Door 2"),
        ]
        assert rows[-1].undone_at is not None and rows[0].undone_at is None
        assert all(r.nonce for r in rows)


def test_name_search_checks_in_a_guest_without_a_badge(page, door):
    page.goto(f"/door/{door['token']}")
    page.get_by_label("Find a guest by name").fill("okaf")
    result = page.locator("#search-results li").first
    expect(result).to_contain_text("Benedict Okafor")
    expect(result).to_contain_text("PGY-2")
    result.get_by_role("button", name="Check in").click()
    expect(page.locator("#verdict")).to_have_class("verdict verdict-green flash")
    expect(page.locator("#verdict-name")).to_have_text("Ben")


def test_pin_door_asks_for_the_pin_once(page, door):
    page.goto(f"/door/{door['pin_token']}")
    page.get_by_label("PIN for this door").fill("1111")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#pin-error")).to_have_text("That PIN is not right.")
    page.get_by_label("PIN for this door").fill("2468")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#pin-form")).to_be_hidden()
    scan_typed(page, door["ana"])
    expect(page.locator("#verdict")).to_have_class("verdict verdict-green flash")


def test_revoked_link_shows_why(page, door, app):
    with db_session(app):
        doors.revoke_door_link(doors.find_door_link(door["token"]))
    response = page.goto(f"/door/{door['token']}")
    assert response.status == 403
    expect(page.get_by_role("heading")).to_have_text("This door link doesn't work")


def test_the_door_page_reloads_without_signal_once_opened(page, door):
    page.goto(f"/door/{door['token']}")
    # Polled from here: wait_for_function evaluates a string in the page, which the CSP forbids.
    deadline = time.monotonic() + 10
    while not page.evaluate("() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)"):
        assert time.monotonic() < deadline, "the door page's service worker never took control"
        page.wait_for_timeout(100)
    page.reload()  # now fetched through the worker, which keeps copies
    expect(page.locator(".door-label")).to_have_text("Door 2")
    # The worker stores its copies after answering: wait until the page and its files are kept.
    deadline = time.monotonic() + 10
    while not page.evaluate(ALL_CACHED):
        assert time.monotonic() < deadline, "the service worker never kept the page and its files"
        page.wait_for_timeout(100)
    page.context.set_offline(True)
    page.reload()
    expect(page.locator(".door-label")).to_have_text("Door 2")
    expect(page.locator("#offline")).to_contain_text("Offline — 0 scans waiting")
    scan_typed(page, door["ana"])
    expect(page.locator("#offline")).to_contain_text("Offline — 1 scan waiting")


def test_a_scan_the_server_could_not_take_waits_and_is_sent_again(page, door, app):
    # A restarting database or app server answers 503 and saves nothing: the scan is queued,
    # not dropped, and the next stats poll uploads it.
    failures = []

    def busy_once(route):
        if failures:
            return route.continue_()
        failures.append(route.request.url)
        route.fulfill(
            status=503,
            content_type="application/json",
            body='{"error": "database_busy", "reason": "database_busy", "message": "Please try again."}',
        )

    page.route("**/checkins", busy_once)
    page.goto(f"/door/{door['token']}")
    expect(page.locator("#count-confirmed")).to_have_text("2")
    wait_for_roster(page)  # on a busy machine the roster can arrive after the figures
    scan_typed(page, door["ana"])
    # The phone's roster gives the verdict meanwhile, marked as not yet confirmed by the server.
    expect(page.locator("#verdict")).to_contain_text("Welcome")
    expect(page.locator("#verdict-mode")).to_be_visible()
    expect(page.locator("#uploaded")).to_have_text("1 offline scan uploaded.", timeout=15_000)
    expect(page.locator("#count-in")).to_have_text("1")
    assert len(failures) == 1
    with db_session(app):
        rows = db.session.scalars(sa.select(CheckIn)).all()
        assert [(r.result, r.nonce is not None) for r in rows] == [(CheckInResult.ADMITTED, True)]


def test_an_answer_to_a_poll_sent_before_the_pin_does_not_ask_for_it_again(page, door):
    # The figures poll that left before the volunteer typed the PIN comes back "PIN needed"
    # only after the right PIN was accepted: the PIN stays, and the next scan goes through.
    held = []

    def hold_first_poll(route):
        if held:
            return route.continue_()
        held.append(route)  # answered later, below

    page.route("**/stats", hold_first_poll)
    page.goto(f"/door/{door['pin_token']}")
    page.get_by_label("PIN for this door").fill("2468")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#pin-form")).to_be_hidden()
    assert held, "the page sent no figures poll before the PIN"
    with page.expect_response(lambda r: r.url.endswith("/stats") and r.status == 401):
        held[0].continue_()
    page.wait_for_timeout(200)  # let the page read that late answer
    expect(page.locator("#pin-form")).to_be_hidden()
    scan_typed(page, door["ana"])
    expect(page.locator("#verdict")).to_have_class("verdict verdict-green flash")
