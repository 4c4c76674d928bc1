"""A guest's own page and city alerts in a browser (issue 17): ask for a sign-in link, open it
from the SMTP sink, see both RSVPs and the contacts from both cities; subscribe to Chicago,
confirm, an organizer publishes a Chicago event, the alert arrives, and its one-click
unsubscribe works.
"""

import re

import pytest
import sqlalchemy as sa

from eventsite.database import writing
from eventsite.extensions import db
from eventsite.jobs.run import _send_city_alerts
from eventsite.models import CityAlert, EventStatus
from eventsite.services import contacts
from factories import make_event, make_organizer, make_rsvp
from helpers import db_session, deliver, sign_in_page, text_body

pytestmark = pytest.mark.browser


def mailed(mailbox, address: str, subject: str) -> str:
    [message] = [m for m in mailbox.to(address) if subject in m["Subject"]]
    return text_body(message)


def test_my_events_then_a_city_alert_with_one_click_unsubscribe(app, live_server, new_page, mailbox):
    with db_session(app):
        make_organizer()
        la = make_event(title="Los Angeles evening", city="West Hollywood")
        chicago = make_event(title="Chicago evening", city="Chicago", days_ahead=60)
        for event, name in ((la, "Lina"), (chicago, "Omar")):
            mine = make_rsvp(event, first_name="Maya", email="maya@ucla.edu")
            other = make_rsvp(event, first_name=name, institution=f"{name} Hospital")
            contacts.update_preferences(other, share_contact=True, share_email=True)
            contacts.save_contact(mine, other, note=f"talked with {name}")
        spring = make_event(title="Chicago, spring", city="Chicago", days_ahead=150, status=EventStatus.DRAFT)
        spring_id = spring.id
    mailbox.clear()
    page = new_page()

    # My events: the address, the link from the mail, both RSVPs and both contacts.
    page.goto("/")
    page.get_by_role("link", name="My events").click()
    page.get_by_label("Your e-mail address").fill("maya@ucla.edu")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    deliver(app)
    link = re.search(r"https?://\S+/my/sign-in/[A-Za-z0-9_-]+", mailed(mailbox, "maya@ucla.edu", "sign-in link")).group(
        0
    )
    page.goto(link)
    page.get_by_role("button", name="Open My events").click()
    page.get_by_role("heading", name="My events").wait_for()
    rsvps = page.locator("#rsvps-title").locator("xpath=..")
    assert "Los Angeles evening" in rsvps.inner_text() and "Chicago evening" in rsvps.inner_text()
    met = page.locator("#met-title").locator("xpath=..")
    assert "Lina" in met.inner_text() and "talked with Omar" in met.inner_text()

    # City alerts: subscribe to Chicago and confirm from the mail.
    page.goto("/")
    page.get_by_role("checkbox", name="Chicago").check()
    page.locator(".alerts-card").get_by_label("Your e-mail address").fill("maya@ucla.edu")
    page.get_by_role("button", name="Send me alerts").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    deliver(app)
    confirm = re.search(
        r"https?://\S+/alerts/confirm/[A-Za-z0-9_-]+", mailed(mailbox, "maya@ucla.edu", "Confirm your alerts")
    ).group(0)
    page.goto(confirm)
    page.get_by_role("button", name="Yes, send me alerts").click()
    page.get_by_role("heading", name="You're subscribed").wait_for()
    with app.app_context(), writing():
        assert _send_city_alerts() == 1  # the Chicago evening already announced
        db.session.commit()

    # An organizer publishes the spring evening in Chicago: the alert arrives.
    page.goto(f"/admin/events/{spring_id}")
    sign_in_page(page)
    page.get_by_role("button", name="Publish").first.click()
    with app.app_context(), writing():
        assert _send_city_alerts() == 1
        db.session.commit()
    mailbox.clear()
    deliver(app)
    body = mailed(mailbox, "maya@ucla.edu", "Chicago, spring")
    assert "/e/" in body
    unsubscribe = re.search(r"https?://\S+/alerts/unsubscribe/\S+", body).group(0)
    response = page.request.post(unsubscribe, form={"List-Unsubscribe": "One-Click"})
    assert response.ok and "unsubscribed" in response.text()
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CityAlert)) == 0
