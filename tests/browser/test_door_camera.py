"""The door page's camera scanner against a fake camera that films a badge PDF the app rendered.

The test renders the guest's single badge with the badge service, rasterises the page, crops
the QR code with some of the badge around it, and writes a Y4M video that Chromium plays as its
camera (``--use-file-for-fake-video-capture``). Headless Chromium on Linux has no
BarcodeDetector, so this exercises the vendored jsQR decoder.
"""

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventsite.extensions import db
from eventsite.models import CheckIn, CheckInResult, Rsvp, utcnow
from eventsite.services import badges, doors
from factories import make_event, make_rsvp
from helpers import db_session, pdf_pages
from tests.browser.conftest import CAMERA_DECODE_MS, CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import camera_args, qr_crop, write_y4m

pytestmark = pytest.mark.browser


def badge_video(app, rsvp_id: int, path) -> str:
    """Render the guest's badge PDF, crop its QR (with a margin of badge around it), write the video."""
    with db_session(app):
        rsvp = db.session.get(Rsvp, rsvp_id)
        pdf = badges.print_badge(rsvp)
        payload = badges.qr_payload(rsvp)
    [page] = pdf_pages(pdf, dpi=200)
    write_y4m(qr_crop(page, payload), path)
    return payload


def test_fake_camera_scans_a_rendered_badge_green_once(app, live_server, browser, tmp_path):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        guest = make_rsvp(event, first_name="Camila", last_name="Reyes", badge_name="Cami")
        token = doors.create_door_link(event, label="Door 1").token
        event_id, rsvp_id = event.id, guest.id
    video = tmp_path / "badge.y4m"
    badge_video(app, rsvp_id, video)

    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            *camera_args(video),
        ],
    )
    try:
        context = camera_browser.new_context(
            base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"/door/{token}")
        page.get_by_role("button", name="Start camera").click()
        expect(page.locator("#verdict")).to_have_class("verdict verdict-green flash", timeout=CAMERA_DECODE_MS)
        expect(page.locator("#verdict-name")).to_have_text("Cami")
        # The badge stays in view: it must not be sent again and again.
        page.wait_for_timeout(3000)
        expect(page.locator("#verdict")).to_have_class("verdict verdict-green flash")
        context.close()
    finally:
        camera_browser.close()
    with db_session(app):
        rows = db.session.scalars(sa.select(CheckIn).where(CheckIn.event_id == event_id)).all()
        assert [(r.result, r.rsvp_id, r.door) for r in rows] == [(CheckInResult.ADMITTED, rsvp_id, "Door 1")]
