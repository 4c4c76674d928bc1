"""Consented lead capture end to end (issue 16), with a fake camera playing a rendered badge:
a resident agrees on their manage page, a vendor's representative scans the badge and the lead is
saved; the resident sees it and withdraws, and the representative's CSV no longer has them. A
second resident who did not agree is scanned: the scanner says only that, and the database holds
nothing about them for the vendor.
"""

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventsite.extensions import db
from eventsite.models import EventVendor, Lead, VendorTier, utcnow
from eventsite.services import leads, vendors
from factories import make_event, make_rsvp
from helpers import db_session
from tests.browser.conftest import CAMERA_DECODE_MS, CHROMIUM, CHROMIUM_ARGS
from tests.browser.fake_camera import camera_args
from tests.browser.test_door_camera import badge_video

pytestmark = pytest.mark.browser


def scan_with_camera(browser, live_server, video, rep_token: str):
    """Open the representative's lead scanner in a phone browser whose camera shows ``video``,
    start the camera and return the page once the scan's answer shows (the caller closes it)."""
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *camera_args(video)]
    )
    context = camera_browser.new_context(
        base_url=live_server, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True,
        accept_downloads=True,
    )  # fmt: skip
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"/r/{rep_token}/vendor")
    page.get_by_role("button", name="Start camera").click()
    return camera_browser, page


def test_a_resident_consents_a_rep_scans_the_resident_withdraws_and_a_quiet_guest_leaves_no_trace(
    app, live_server, browser, new_page, tmp_path
):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30), capacity=40)
        row = vendors.attach(event, vendors.find_or_add("Meridian Surgical Robotics"),
                             vendors.Listing(tier=VendorTier.HOST_SPONSOR, brings="A robotic-arm simulator", places=2))  # fmt: skip
        rep = make_rsvp(event, first_name="Sam", last_name="Lee", training_level="industry")
        rep.event_vendor_id = row.id
        maya = make_rsvp(event, first_name="Maya", last_name="Chen", email="maya@ucla.edu", institution="UCLA")
        quinn = make_rsvp(event, first_name="Quinn", last_name="Park", email="quinn@ucla.edu")
        db.session.flush()
        rep_token, maya_token, maya_id, quinn_id, row_id = (
            rep.manage_token,
            maya.manage_token,
            maya.id,
            quinn.id,
            row.id,
        )
    maya_video, quinn_video = tmp_path / "maya.y4m", tmp_path / "quinn.y4m"
    badge_video(app, maya_id, maya_video)
    badge_video(app, quinn_id, quinn_video)

    # Maya agrees on her manage page, sharing her e-mail.
    resident = new_page()
    resident.goto(f"/r/{maya_token}")
    resident.get_by_text("Your networking choices").click()
    expect(resident.get_by_text("At this event: Meridian Surgical Robotics")).to_be_visible()
    resident.get_by_label("Vendors may save my contact when they scan my badge").check()
    resident.locator("#vendor-sharing").get_by_label("My e-mail").check()
    resident.get_by_role("button", name="Save my networking choices").click()
    expect(resident.get_by_text("Your networking choices were saved.")).to_be_visible()

    # Sam scans her badge with the phone's camera: the lead is saved at once.
    camera_browser, page = scan_with_camera(browser, live_server, maya_video, rep_token)
    try:
        expect(page.locator("#saved")).to_contain_text("Maya Chen", timeout=CAMERA_DECODE_MS)
        page.locator("#saved").get_by_text("Hot").click()
        page.locator("#saved").get_by_label("Note").fill("Wants the simulator for the skills lab")
        page.get_by_role("button", name="Save note and rating").click()
        expect(page.locator("#leads")).to_contain_text("Wants the simulator for the skills lab")
        expect(page.locator("#leads")).to_contain_text("maya@ucla.edu")
    finally:
        camera_browser.close()

    # Maya sees who saved her, and withdraws.
    resident.goto(f"/r/{maya_token}")
    saved = resident.locator("#vendors-saved")
    expect(saved).to_contain_text("Meridian Surgical Robotics")
    saved.get_by_role("button", name="Withdraw").click()
    expect(resident.get_by_role("status").filter(has_text="no longer has your contact")).to_be_visible()

    # Sam's CSV no longer has her.
    response = resident.request.get(f"{live_server}/r/{rep_token}/vendor/leads.csv")
    rows = list(csv.reader(io.StringIO(response.text().lstrip("\ufeff"))))
    assert len(rows) == 1 and "maya@ucla.edu" not in response.text()

    # Quinn never agreed: the scanner says only that, and nothing about Quinn is stored.
    camera_browser, page = scan_with_camera(browser, live_server, quinn_video, rep_token)
    try:
        expect(page.get_by_role("status").filter(has_text=leads.NOT_SHARED)).to_be_visible(timeout=CAMERA_DECODE_MS)
        expect(page.locator("body")).not_to_contain_text("Quinn")
    finally:
        camera_browser.close()
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).where(Lead.rsvp_id == quinn_id)) == 0
        assert db.session.get(EventVendor, row_id).scans == 2
        assert leads.vendor_leads(db.session.get(EventVendor, row_id)) == []
