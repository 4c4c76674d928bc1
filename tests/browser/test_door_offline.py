"""The door page without signal: verdicts from the encrypted roster, the waiting count, the upload
with conflicts, what the roster reveals (nothing without a badge), wiping it when the link closes,
and walk-ins."""

import datetime as dt
import json
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventsite.extensions import db
from eventsite.models import CheckIn, CheckInResult, Event, Rsvp, RsvpStatus, utcnow
from eventsite.services import checkin, doors
from factories import make_event, make_rsvp
from helpers import db_session, page_text, post_form
from tests.browser.conftest import CAMERA_DECODE_MS, CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import camera_args
from tests.browser.test_door_camera import badge_video
from tests.browser.test_door_page import scan_typed, wait_for_roster

pytestmark = pytest.mark.browser

ROSTER_KEYS = (
    "Object.keys(localStorage).filter(k => k.startsWith('door-roster:') || k.startsWith('door-admitted-here:'))"
)


@pytest.fixture()
def door(app):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30), capacity=3)
        ana = make_rsvp(
            event,
            first_name="Anastasia",
            last_name="Lopezova",
            badge_name="Ana",
            email="anastasia.private@example.org",
            dietary_notes="Vegetarian",
        )
        ben = make_rsvp(event, first_name="Benedict", last_name="Okafor", badge_name="Ben")
        cy = make_rsvp(event, first_name="Cyrus", last_name="Kimball")
        cy.status = RsvpStatus.WAITLISTED
        link = doors.create_door_link(event, label="Door 2")
        return {
            "event_id": event.id,
            "ana": ana.ticket_code,
            "ana_id": ana.id,
            "ben": ben.ticket_code,
            "ben_id": ben.id,
            "cy": cy.ticket_code,
            "token": link.token,
        }


def test_offline_verdicts_come_from_the_roster_and_upload_when_back(page, door, app, live_server):
    page.goto(f"/door/{door['token']}")
    wait_for_roster(page)
    page.context.set_offline(True)
    verdict = page.locator("#verdict")

    scan_typed(page, f"{live_server}/b/{door['ana']}")
    expect(verdict).to_have_class("verdict verdict-green flash")
    expect(page.locator("#verdict-mode")).to_be_visible()
    expect(page.locator("#verdict-mode")).to_have_text("Offline")
    expect(page.locator("#verdict-name")).to_have_text("Ana")
    expect(verdict).to_contain_text("Vegetarian")
    expect(page.locator("#offline")).to_have_text("Offline — 1 scan waiting")

    scan_typed(page, door["ana"])  # this phone let her in a moment ago
    expect(verdict).to_have_class("verdict verdict-amber flash")
    expect(page.locator("#verdict-title")).to_contain_text("· this phone")
    scan_typed(page, door["cy"])
    expect(verdict).to_have_class("verdict verdict-red flash")
    expect(verdict).to_contain_text("On the waitlist")
    expect(page.locator("#verdict-name")).to_have_text("Cyrus")
    scan_typed(page, "abcdefghjkmnpqrstuvwxyz23456789a")  # the shape of a badge code, nobody's
    expect(verdict).to_contain_text("Unknown badge")
    # Meanwhile Ben came in through another door; this phone still thinks he is outside.
    with db_session(app):
        event = db.session.get(Event, door["event_id"])
        checkin.check_in(event, door["ben"], by="Door 9")
    scan_typed(page, door["ben"])
    expect(page.locator("#verdict-name")).to_have_text("Ben")
    expect(verdict).to_have_class("verdict verdict-green flash")
    expect(page.locator("#offline")).to_have_text("Offline — 5 scans waiting")

    page.context.set_offline(False)
    expect(page.locator("#offline")).to_be_hidden()
    expect(page.locator("#uploaded")).to_have_text("5 offline scans uploaded.")
    expect(page.locator("#conflicts li")).to_have_count(1)
    expect(page.locator("#conflicts")).to_contain_text("Ben: already checked in at Door 9")
    expect(page.locator("#count-in")).to_have_text("2")
    with db_session(app):
        rows = db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id)).all()
        assert [(r.result, r.reason, r.door) for r in rows] == [
            (CheckInResult.ADMITTED, "", "Door 9"),
            (CheckInResult.ADMITTED, "", "Door 2"),
            (CheckInResult.REJECTED, "already_checked_in", "Door 2"),
            (CheckInResult.REJECTED, "waitlisted", "Door 2"),
            (CheckInResult.REJECTED, "unknown_code", "Door 2"),
            (CheckInResult.REJECTED, "already_checked_in", "Door 2"),
        ]
        assert rows[1].rsvp_id == door["ana_id"] and rows[1].scanned_at < rows[1].received_at


def test_the_stored_roster_has_no_email_and_no_readable_name(page, door):
    page.goto(f"/door/{door['token']}")
    stored = wait_for_roster(page)
    roster = json.loads(stored)
    assert roster["count"] == 3
    everything = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    for secret in ("anastasia.private", "example.org", "@", "Anastasia", "Lopezova", "Benedict", "Cyrus", "Vegetarian"):
        assert secret not in everything, secret
    for code in (door["ana"], door["ben"], door["cy"]):
        assert code not in everything


def test_revoking_the_link_wipes_the_roster_from_the_phone(page, door, app):
    page.goto(f"/door/{door['token']}")
    wait_for_roster(page)
    with db_session(app):
        doors.revoke_door_link(doors.find_door_link(door["token"]))
    # The next poll of the figures (every 4 s) or of the roster hears "door_revoked".
    expect(page.locator("#verdict-title")).to_have_text("Door link closed", timeout=15_000)
    expect(page.locator("#verdict")).to_contain_text("deleted from this phone")
    assert page.evaluate(ROSTER_KEYS) == []
    expect(page.get_by_label("Badge code")).to_be_hidden()


def test_a_closed_link_page_wipes_what_an_old_visit_kept(page, door, app):
    page.goto(f"/door/{door['token']}")
    wait_for_roster(page)
    page.goto("about:blank")  # the old page polls no more, so only the closed page can wipe
    with db_session(app):
        doors.revoke_door_link(doors.find_door_link(door["token"]))
    page.goto(f"/door/{door['token']}")
    expect(page.get_by_role("heading")).to_have_text("This door link doesn't work")
    expect(page.get_by_text("deleted from this device")).to_be_visible()
    assert page.evaluate(ROSTER_KEYS) == []


def test_the_roster_is_forgotten_once_the_link_has_expired_even_without_signal(page, door):
    page.goto(f"/door/{door['token']}")
    stored = json.loads(wait_for_roster(page))
    stored["valid_until"] = "2000-01-01T00:00:00Z"
    page.evaluate(
        "r => localStorage.setItem(Object.keys(localStorage).find(k => k.startsWith('door-roster:')), r)",
        json.dumps(stored),
    )
    page.reload()
    expect(page.locator("#verdict-title")).to_have_text("Door link closed")
    assert page.evaluate(ROSTER_KEYS) == []


def test_walk_in_is_registered_checked_in_and_gets_a_badge(page, door, app):
    page.goto(f"/door/{door['token']}")
    page.get_by_role("button", name="Walk-in").click()
    form = page.locator("#walkin-form")
    form.get_by_role("button", name="Register and check in").click()
    expect(page.locator("#walkin-first_name-error")).to_have_text("Please give the guest's first name.")
    form.get_by_label("First name").fill("Dana")
    form.get_by_label("Last name").fill("Reyes")
    form.get_by_role("textbox", name="E-mail").fill("not-an-address")
    form.get_by_role("button", name="Register and check in").click()
    expect(page.locator("#walkin-first_name-error")).to_have_text("")
    expect(page.locator("#walkin-training_level-error")).to_have_text("Please choose the guest's level.")
    form.get_by_label("Level").select_option(label="PGY-1")
    form.get_by_role("button", name="Register and check in").click()
    expect(page.locator("#walkin-email-error")).to_contain_text("email address")
    form.get_by_role("textbox", name="E-mail").fill("")
    form.get_by_role("button", name="Register and check in").click()

    expect(page.locator("#verdict")).to_have_class("verdict verdict-green flash")
    expect(page.locator("#verdict-name")).to_have_text("Dana")
    expect(form).to_be_hidden()
    print_link = page.get_by_role("link", name="Print badge")
    expect(print_link).to_be_visible()
    pdf = page.request.get(print_link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    expect(page.locator("#count-walkins")).to_contain_text("1 walk-in")
    expect(page.locator("#count-in")).to_have_text("1")
    with db_session(app):
        [rsvp] = db.session.scalars(sa.select(Rsvp).where(Rsvp.source == "walk_in")).all()
        assert (rsvp.full_name, rsvp.status, rsvp.email) == ("Dana Reyes", RsvpStatus.CONFIRMED, "")
        [row] = db.session.scalars(sa.select(CheckIn).where(CheckIn.rsvp_id == rsvp.id)).all()
        assert (row.result, row.door) == (CheckInResult.ADMITTED, "Door 2")


def test_fake_camera_scan_offline_is_green_from_the_roster(app, live_server, browser, tmp_path, door):
    video = tmp_path / "badge.y4m"
    badge_video(app, door["ana_id"], video)
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, *camera_args(video)],
    )
    try:
        context = camera_browser.new_context(
            base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"/door/{door['token']}")
        wait_for_roster(page)
        context.set_offline(True)
        page.get_by_role("button", name="Start camera").click()
        expect(page.locator("#verdict")).to_have_class("verdict verdict-green flash", timeout=CAMERA_DECODE_MS)
        expect(page.locator("#verdict-name")).to_have_text("Ana")
        expect(page.locator("#verdict-mode")).to_be_visible()
        page.wait_for_timeout(2500)  # the badge stays in view: one scan, not one per frame
        expect(page.locator("#offline")).to_have_text("Offline — 1 scan waiting")
        context.set_offline(False)
        expect(page.locator("#uploaded")).to_have_text("1 offline scan uploaded.")
        context.close()
    finally:
        camera_browser.close()
    with db_session(app):
        rows = db.session.scalars(sa.select(CheckIn)).all()
        assert [(r.result, r.rsvp_id) for r in rows] == [(CheckInResult.ADMITTED, door["ana_id"])]


QUEUE = "JSON.parse(localStorage.getItem(Object.keys(localStorage).find(k => k.startsWith('door-queue:'))) || '[]')"
VCARD = (
    "BEGIN:VCARD\nVERSION:3.0\nFN:Jane Doe\nORG:Acme Surgical\nTEL:+1 310 555 0199\nEMAIL:jane@acme.example\nEND:VCARD"
)
WIFI = "WIFI:T:WPA;S:State Social House;P:attic-room-guests;;"


def camera_reads(page, text: str) -> None:
    """What the scanner hands the page when the camera decodes a QR code (any text at all)."""
    page.evaluate("text => window.doorPage.submitCode(text)", text)


def check_ins(app) -> list:
    with db_session(app):
        return [(r.result, r.rsvp_id) for r in db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id))]


@pytest.mark.parametrize("online", [False, True], ids=["offline", "online"])
def test_a_qr_code_that_is_not_a_badge_is_red_at_once_and_never_queued(page, door, app, live_server, online):
    """Issue 12.3: a contact card's or Wi-Fi QR can't poison the queue: it is answered on the phone."""
    page.goto(f"/door/{door['token']}")
    wait_for_roster(page)
    page.context.set_offline(not online)
    for text in (VCARD, WIFI, "https://elsewhere.example/b/" + door["ana"], "x" * 500):
        camera_reads(page, text)
        expect(page.locator("#verdict")).to_have_class("verdict verdict-red flash")
        expect(page.locator("#verdict-title")).to_have_text("Not a badge")
        expect(page.locator("#verdict")).to_contain_text("not one of our badges")
        assert page.evaluate(QUEUE) == []
    camera_reads(page, f"{live_server}/b/{door['ana']}")  # a real badge still goes through
    expect(page.locator("#verdict-name")).to_have_text("Ana")
    # ... also with a query string, as the server reads it (services/tickets.py)
    camera_reads(page, f"{live_server}/b/{door['ben']}?from=poster")
    expect(page.locator("#verdict-name")).to_have_text("Ben")
    if not online:
        expect(page.locator("#offline")).to_have_text("Offline — 2 scans waiting")
        page.context.set_offline(False)
        expect(page.locator("#uploaded")).to_have_text("2 offline scans uploaded.")
    expect(page.locator("#count-in")).to_have_text("2")
    assert check_ins(app) == [(CheckInResult.ADMITTED, door["ana_id"]), (CheckInResult.ADMITTED, door["ben_id"])]


@pytest.mark.parametrize("answer", [429, "timeout"])
def test_a_scan_the_server_did_not_answer_with_a_verdict_is_kept_and_sent_again(page, door, app, answer):
    """Issue 12.2: 429 (someone else's guessing, a proxy's limit) or no answer at all is not a
    verdict: the phone gives the roster's, keeps the scan and uploads it."""
    held = []

    def refuse_once(route):
        if held:
            return route.continue_()
        held.append(route)
        if answer == 429:
            route.fulfill(
                status=429, headers={"Retry-After": "600"}, content_type="application/json",
                body='{"error": "rate_limited", "reason": "rate_limited", "message": "Too many requests."}',
            )  # fmt: skip
        # "timeout": never answered; the page gives up after SCAN_TIMEOUT_MS (8 s).

    # The page's own clock, moved on by the test: the waits below are the page's timers
    # (SCAN_TIMEOUT_MS, then STATS_MS before the queue is sent), not seconds of the suite.
    page.clock.install()
    page.route("**/checkins", refuse_once)
    page.goto(f"/door/{door['token']}")
    wait_for_roster(page)
    scan_typed(page, door["ana"])
    deadline = time.monotonic() + 10
    while not held:
        assert time.monotonic() < deadline, "the scan never reached the server"
        page.wait_for_timeout(50)
    if answer == "timeout":
        page.clock.fast_forward(9_000)
    expect(page.locator("#verdict-name")).to_have_text("Ana", timeout=15_000)
    expect(page.locator("#verdict-mode")).to_be_visible()
    page.clock.fast_forward(5_000)
    expect(page.locator("#uploaded")).to_have_text("1 offline scan uploaded.", timeout=15_000)
    expect(page.locator("#count-in")).to_have_text("1")
    assert check_ins(app) == [(CheckInResult.ADMITTED, door["ana_id"])]
    page.unroute_all(behavior="ignoreErrors")


def test_a_long_evening_offline_goes_up_in_chunks(page, door, app):
    """Issue 12.3: more scans than one upload may carry (600 > 200) all arrive, and the phone's
    queue empties; nothing is retried forever."""
    page.goto(f"/door/{door['token']}")
    wait_for_roster(page)
    page.context.set_offline(True)
    page.evaluate(
        """([codes, n]) => {
          const key = Object.keys(localStorage).find(k => k.startsWith('door-roster:')).replace('door-roster:', 'door-queue:');
          const now = new Date().toISOString();
          localStorage.setItem(key, JSON.stringify(Array.from({length: n}, (_, i) =>
            ({code: codes[i % 2], nonce: 'evening-' + i, scanned_at: now, local: 'unknown'}))));
        }""",
        [[door["ana"], door["ben"]], 600],
    )
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#uploaded")).to_have_text("600 offline scans uploaded.", timeout=30_000)
    assert page.evaluate(QUEUE) == []
    assert len(check_ins(app)) == 600


def expire(app, token: str) -> None:
    with db_session(app):
        link = doors.find_door_link(token)
        link.valid_until = utcnow() - dt.timedelta(minutes=1)
        event_id = link.event_id
    live = app.test_client().post(
        f"/api/events/{event_id}/checkins", json={"code": "x"}, headers={"X-Door-Token": token}
    )
    assert live.get_json()["reason"] == "door_expired"


def test_a_link_that_expires_hands_in_its_offline_scans_before_it_forgets_the_roster(page, door, app):
    page.goto(f"/door/{door['token']}")
    wait_for_roster(page)
    page.context.set_offline(True)
    scan_typed(page, door["ana"])
    scan_typed(page, door["ben"])
    expect(page.locator("#offline")).to_have_text("Offline — 2 scans waiting")
    expire(app, door["token"])  # the link ran out while the phone had no signal
    page.context.set_offline(False)
    expect(page.locator("#verdict-title")).to_have_text("Door link closed", timeout=15_000)
    expect(page.locator("#unsent")).to_be_hidden()
    assert page.evaluate(ROSTER_KEYS) == [] and page.evaluate(QUEUE) == []
    assert sorted(r for _, r in check_ins(app)) == sorted([door["ana_id"], door["ben_id"]])


def test_the_closed_link_page_hands_in_what_an_old_visit_kept(page, door, app):
    page.goto(f"/door/{door['token']}")
    wait_for_roster(page)
    page.context.set_offline(True)
    scan_typed(page, door["ana"])
    expect(page.locator("#offline")).to_have_text("Offline — 1 scan waiting")
    page.goto("about:blank")  # the phone closed the page before the signal came back
    expire(app, door["token"])
    page.context.set_offline(False)
    page.goto(f"/door/{door['token']}")
    expect(page.get_by_role("heading")).to_have_text("This door link doesn't work")
    try:
        # The upload goes out once the page has loaded; under a full run's load that took over 5 s.
        expect(page.locator("#unsent-sent")).to_have_text("1 scan this phone kept offline was sent.", timeout=20_000)
    except AssertionError as missing:  # say where the scan went
        where = f"check-ins {check_ins(app)}, queue on the phone {page.evaluate(QUEUE)}"
        raise AssertionError(f"the closed page did not report the kept scan as sent; {where}") from missing
    expect(page.locator("#unsent")).to_be_hidden()
    assert page.evaluate(ROSTER_KEYS) == [] and page.evaluate(QUEUE) == []
    assert check_ins(app) == [(CheckInResult.ADMITTED, door["ana_id"])]


def test_a_revoked_link_offers_its_unsent_scans_as_a_file_the_organizer_uploads(page, door, app, admin, tmp_path):
    page.goto(f"/door/{door['token']}")
    wait_for_roster(page)
    page.context.set_offline(True)
    scan_typed(page, door["ana"])
    scan_typed(page, door["ben"])
    with db_session(app):
        doors.revoke_door_link(doors.find_door_link(door["token"]))
    page.context.set_offline(False)
    # The next poll hears "door_revoked": the upload is refused, so the scans stay and are offered.
    expect(page.locator("#verdict-title")).to_have_text("Door link closed", timeout=15_000)
    unsent = page.locator("#unsent")
    expect(unsent).to_contain_text("2 scans were not sent")
    assert page.evaluate(ROSTER_KEYS) == []
    with page.expect_download() as saving:
        unsent.get_by_role("link", name="Save unsent scans").click()
    saved = tmp_path / saving.value.suggested_filename
    saving.value.save_as(saved)
    content = json.loads(saved.read_text())
    assert content["kind"] == "eventsite-door-scans" and content["event_id"] == door["event_id"]
    assert content["door"] == "Door 2" and len(content["scans"]) == 2
    # Opened again later, the closed page still offers them: never wiped unseen.
    page.goto(f"/door/{door['token']}")
    expect(page.locator("#unsent")).to_contain_text("2 scans were not sent")
    assert check_ins(app) == []

    door_tab = f"/admin/events/{door['event_id']}/doors"
    with saved.open("rb") as file:
        response = post_form(admin, f"{door_tab}/scans", {"file": (file, saved.name)}, page=door_tab)
    assert "2 scans in the file: 2 recorded now, 0 already recorded, 0 not usable." in page_text(
        response.get_data(as_text=True)
    )
    assert sorted(r for _, r in check_ins(app)) == sorted([door["ana_id"], door["ben_id"]])
