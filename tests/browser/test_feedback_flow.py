"""The feedback round in a real browser: a guest opens the invitation link from the e-mail at phone
width, answers and sees thank you; the organizer reads the result and its chart."""

import datetime as dt
import re

import pytest

from eventsite.models import utcnow
from eventsite.services import checkin, feedback
from factories import make_event, make_organizer, make_rsvp
from helpers import db_session, deliver, sign_in_page, text_body
from tests.browser.conftest import TIMEOUT_MS

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.mark.browser
def test_guest_answers_from_the_invitation_and_the_organizer_sees_the_chart(app, live_server, browser, mailbox):
    with db_session(app):
        make_organizer()
        event = make_event(starts_at=utcnow() - dt.timedelta(hours=4), capacity=None, city="Chicago")
        guest = make_rsvp(event, email="ana@example.org", first_name="Ana", now=event.starts_at - dt.timedelta(days=3))
        make_rsvp(event, email="noshow@example.org", now=event.starts_at - dt.timedelta(days=3))
        checkin.check_in(event, guest.ticket_code, now=event.starts_at)
        event_id = event.id
    with app.app_context():
        from eventsite.database import writing
        from eventsite.extensions import db

        with writing():
            assert feedback.send_invitations() == 1  # the no-show is not asked
            db.session.commit()
    mailbox.clear()
    deliver(app)

    def asked(address: str) -> list:
        return [m for m in mailbox.to(address) if m["Subject"].startswith("How was the evening?")]

    (invitation,) = asked("ana@example.org")
    assert not asked("noshow@example.org")
    link = re.search(re.escape(live_server) + r"/f/[A-Za-z0-9_\-]+", text_body(invitation)).group(0)

    phone = browser.new_context(**PHONE)
    phone.set_default_timeout(TIMEOUT_MS)
    page = phone.new_page()
    page.goto(link)
    page.get_by_role("heading", name="Tell us how it went").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("group", name=re.compile("Overall")).get_by_role("radio", name="4", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()  # "recommend" is still missing
    page.get_by_text("Please answer this question.").wait_for()
    assert page.get_by_role("group", name=re.compile("Overall")).get_by_role("radio", name="4").is_checked()
    page.get_by_role("group", name=re.compile("recommend")).get_by_role("radio", name="9", exact=True).check()
    page.get_by_role("radio", name="Meeting faculty").check()
    page.get_by_label("How can the society better support residents?").fill("Mock interviews for fellowships")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you!").wait_for()
    assert "Your answers were saved" in page.inner_text("main")
    page.goto(link)  # the link again: no second form
    assert "already received" in page.inner_text("main")
    phone.close()

    laptop = browser.new_context(base_url=live_server, **LAPTOP)
    laptop.set_default_timeout(TIMEOUT_MS)
    page = laptop.new_page()
    page.goto(f"/admin/events/{event_id}")
    sign_in_page(page)
    page.get_by_role("link", name="See the results").click()
    page.get_by_role("heading", name="Feedback", exact=True).wait_for()
    main = page.inner_text("main")
    assert "4.0\naverage of 5" in main or "4.0 average of 5" in main
    assert "+100" in main  # one promoter out of one
    assert "Mock interviews for fellowships" in main
    chart = page.get_by_role("img", name="Overall, how was the evening?")
    assert chart.is_visible() and chart.bounding_box()["width"] > 200
    laptop.close()
