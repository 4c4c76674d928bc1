"""A guest's Meet page scans another guest's badge with a fake camera (a video of the badge the
app rendered), saves the contact with a note, and finds it in the downloaded vCard.

Headless Chromium on Linux has no BarcodeDetector, so the shared scanner (static/js/scanner.js)
decodes with the vendored jsQR, as on iOS Safari.
"""

import datetime as dt

import pytest
import vobject
from playwright.sync_api import expect

from eventsite.models import utcnow
from eventsite.services import contacts
from factories import make_event, make_rsvp
from helpers import db_session
from tests.browser.conftest import CAMERA_DECODE_MS, CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import camera_args
from tests.browser.test_door_camera import badge_video

pytestmark = pytest.mark.browser


def test_guest_scans_a_badge_on_the_meet_page_and_finds_the_contact_in_the_vcard(app, live_server, browser, tmp_path):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        me = make_rsvp(event, first_name="Sam", last_name="Okafor")
        ana = make_rsvp(event, first_name="Zoë", last_name="Ångström", badge_name="Zoë", institution="Karolinska, Hand",
                        email="zoe@example.org")  # fmt: skip
        contacts.update_preferences(ana, share_contact=True, share_email=True, profile_url="https://example.org/zoe")
        token, ana_id = me.manage_token, ana.id
    video = tmp_path / "badge.y4m"
    badge_video(app, ana_id, video)

    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, *camera_args(video)],
    )
    try:
        context = camera_browser.new_context(
            base_url=live_server,
            viewport={"width": 375, "height": 740},
            is_mobile=True,
            has_touch=True,
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"/r/{token}")
        page.get_by_role("link", name="Meet: scan a badge").click()
        page.get_by_role("button", name="Start camera").click()
        expect(page.locator("#found-name")).to_have_text("Zoë", timeout=CAMERA_DECODE_MS)
        expect(page.locator("#found-detail")).to_contain_text("Karolinska, Hand")
        page.get_by_label("Note (only you see it)").fill("talked about hand fellowship")
        page.get_by_role("button", name="Save contact").click()
        expect(page.locator("#saved")).to_contain_text("Zoë Ångström")

        page.get_by_role("link", name="My contacts").first.click()
        expect(page.locator(".contact")).to_have_count(1)
        with page.expect_download() as info:
            page.get_by_role("link", name="Add to my address book (.vcf)").click()
        vcf = info.value.path().read_text(encoding="utf-8")
        context.close()
    finally:
        camera_browser.close()
    [card] = vobject.readComponents(vcf)
    assert card.version.value == "4.0"
    assert card.fn.value == "Zoë Ångström"
    assert card.email.value == "zoe@example.org"
    assert card.url.value == "https://example.org/zoe"
    assert card.org.value == ["Karolinska, Hand"]
    assert card.note.value.endswith(": talked about hand fellowship")
