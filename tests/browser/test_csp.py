"""The Content-Security-Policy holds in a real browser: no page breaks it.

Chromium reports every blocked inline style, inline script or foreign resource as a
``securitypolicyviolation`` event and a console error. This walks the main pages of a guest, an
organizer and a door volunteer (camera off) and fails on any such report, so a ``style="…"``
or an inline script added to a template later is caught here.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from eventsite.models import utcnow
from eventsite.services import doors
from factories import make_event, make_organizer, make_rsvp
from helpers import db_session, sign_in_page
from tests.browser.test_door_page import wait_for_roster

pytestmark = pytest.mark.browser

WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.documentURI}`
    + (e.sample ? ` (${e.sample})` : ""));
});
"""


@pytest.fixture()
def evening(app):
    with db_session(app):
        make_organizer()
        now = utcnow()
        event = make_event(starts_at=now + dt.timedelta(hours=1), capacity=1)
        guest = make_rsvp(event, first_name="Ana", last_name="Lima", badge_name="Ana")
        waiting = make_rsvp(event, first_name="Ben", last_name="Okafor")
        link = doors.create_door_link(
            event, label="Front door", valid_from=now - dt.timedelta(hours=1), valid_until=now + dt.timedelta(hours=4)
        )
        return {
            "slug": event.slug,
            "event_id": event.id,
            "token": guest.manage_token,
            "waiting_token": waiting.manage_token,
            "code": guest.ticket_code,
            "rsvp_id": guest.id,
            "door": link.token,
        }


class Watch:
    """Collects CSP reports and console errors from every frame of a page."""

    def __init__(self, page):
        self.page = page
        self.console = []
        page.on("console", lambda m: self._add(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self._add(f"uncaught: {e}"))
        page.context.add_init_script(WATCH_VIOLATIONS)

    def _add(self, text: str):
        self.console.append(text)

    def visit(self, path: str, seen: dict):
        response = self.page.goto(path)
        self.check(path, seen, response)

    def check(self, where: str, seen: dict, response=None):
        self.page.wait_for_load_state("load")
        reports = []
        for frame in self.page.frames:
            try:
                reports += frame.evaluate("window.__csp || []")
            except Exception:  # a sandboxed frame without scripts cannot be asked; console still reports it
                pass
        if response is not None and response.status >= 400:  # the error page itself, as asked for
            expected = f"Failed to load resource: the server responded with a status of {response.status}"
            self.console = [m for m in self.console if not m.startswith(expected)]
        csp_console = [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]
        seen[where] = {
            "status": response.status if response else None,
            "reports": reports,
            "console": list(self.console),
            "csp_console": csp_console,
        }
        self.console = []


def assert_clean(seen: dict):
    problems = {where: s for where, s in seen.items() if s["reports"] or s["csp_console"] or s["console"]}
    assert not problems, "\n".join(f"{w}: {s['reports'] or s['console']}" for w, s in problems.items())


def test_guest_pages_break_no_policy(new_page, evening):
    page = new_page()
    watch = Watch(page)
    seen = {}
    for path in ("/", "/past", f"/e/{evening['slug']}", f"/r/{evening['token']}", f"/r/{evening['token']}/cancel"):
        watch.visit(path, seen)
    watch.visit(f"/r/{evening['waiting_token']}", seen)
    for sub in ("guests", "meet", "contacts", "feedback", "delete"):
        watch.visit(f"/r/{evening['token']}/{sub}", seen)
    watch.visit(f"/e/{evening['slug']}/feedback", seen)
    watch.visit(f"/b/{evening['code']}", seen)
    watch.visit("/no/such/page", seen)
    assert seen["/no/such/page"]["status"] == 404
    # An RSVP through the form, to the page after it.
    page.goto(f"/e/{evening['slug']}")
    page.get_by_label("First name").fill("Cleo")
    page.get_by_label("Last name").fill("Ng")
    page.locator("#email").fill("cleo@example.org")
    page.get_by_label("Institution or program").fill("UCLA Orthopaedic Surgery")
    page.get_by_label("Training level").select_option(label="PGY-2")
    page.locator("form button[type=submit]").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    watch.check("after the RSVP", seen)
    # The manage page's badge preview is laid out by its nonce'd stylesheet, not by style="".
    page.goto(f"/r/{evening['token']}")
    band = page.locator(".badge-frame .band")
    assert band.evaluate("e => getComputedStyle(e).position") == "absolute"
    assert band.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert page.locator(".badge-frame .qr").bounding_box()["width"] > 50
    assert_clean(seen)
    assert all(s["status"] in (200, 404) for where, s in seen.items() if s["status"])


def test_organizer_pages_break_no_policy(new_page, evening):
    page = new_page()
    watch = Watch(page)
    seen = {}
    page.goto("/login")
    sign_in_page(page)
    page.get_by_role("heading", name="Events").wait_for()
    watch.check("/admin/events", seen)
    event_id, rsvp_id = evening["event_id"], evening["rsvp_id"]
    for path in (
        f"/admin/events/{event_id}",
        f"/admin/events/{event_id}/guests",
        f"/admin/guests/{rsvp_id}",
        f"/admin/events/{event_id}/badges",
        f"/admin/events/{event_id}/badges/guests/{rsvp_id}",
        f"/admin/events/{event_id}/doors",
        f"/admin/events/{event_id}/edit",
        f"/admin/events/{event_id}/messages",
        f"/admin/events/{event_id}/feedback",
        f"/admin/events/{event_id}/feedback/form",
        "/admin/feedback/series",
        "/admin/people",
        f"/admin/people/{rsvp_id}",
        "/admin/people/retention",
        f"/b/{evening['code']}",
        f"/door/events/{event_id}",
    ):
        watch.visit(path, seen)
    # The e-mail preview is HTML with style attributes in a sandboxed frame: allowed by hash.
    page.goto(f"/admin/events/{event_id}/messages")
    page.get_by_label("Subject").fill("Parking tonight")
    page.get_by_role("textbox", name="Message").fill("Hello {first_name}, the garage on 3rd is free after 6 PM.")
    page.get_by_role("button", name="Preview").first.click()
    frame = page.frame_locator("iframe.mail-frame")
    frame.get_by_text("the garage on 3rd is free").wait_for()
    watch.check("message preview", seen)
    assert_clean(seen)


def test_door_page_with_the_camera_off_breaks_no_policy(new_page, evening):
    page = new_page()  # no camera permission granted: the page offers typing and search
    watch = Watch(page)
    seen = {}
    watch.visit(f"/door/{evening['door']}", seen)
    page.locator("#door").wait_for()
    # Everything the page loads at start has come: the figures and the offline roster.
    expect(page.locator("#count-confirmed")).not_to_have_text("–")
    wait_for_roster(page)
    watch.check("door after load", seen)
    watch.visit("/door/not-a-door-link-at-all", seen)
    assert seen["/door/not-a-door-link-at-all"]["status"] == 404
    assert_clean(seen)


def test_an_inline_style_would_be_caught(app, new_page, evening):
    """The watch itself works: a page with style="" and an inline script is reported."""

    @app.get("/csp-canary")
    def canary():
        return '<!doctype html><p style="color:red">x</p><script>document.title="ran"</script>'

    page = new_page()
    watch = Watch(page)
    seen = {}
    watch.visit("/csp-canary", seen)
    assert page.title() != "ran"
    reports = " ".join(seen["/csp-canary"]["reports"])
    assert re.search(r"style-src", reports) and re.search(r"script-src", reports), seen
