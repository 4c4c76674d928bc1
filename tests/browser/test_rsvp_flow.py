"""A guest's RSVP in a real browser, at phone and laptop size: reply, e-mail link, edit, cancel, waitlist."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from eventsite.extensions import db
from eventsite.models import CategoryPolicy, Event, Rsvp, RsvpStatus
from eventsite.services import categories, rsvps
from factories import make_event, make_rsvp
from helpers import db_session, deliver, manage_link, text_body

pytestmark = pytest.mark.browser

ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.org",
    "institution": "UCLA Orthopaedic Surgery",
    "training_level": "PGY-2",
}


def add_event(app, **overrides) -> dict:
    """A published event, committed so the live server sees it; returns what the test needs."""
    with db_session(app):
        event = make_event(**overrides)
        facts = {"id": event.id, "slug": event.slug, "title": event.title}
    return facts


def rsvp_status(app, email: str) -> RsvpStatus:
    with app.app_context():
        return db.session.scalar(sa.select(Rsvp.status).where(Rsvp.email == email))


def fill_rsvp(page: Page, guest: dict) -> None:
    page.get_by_label("First name").fill(guest["first_name"])
    page.get_by_label("Last name").fill(guest["last_name"])
    page.get_by_role("textbox", name="E-mail").fill(guest["email"])
    page.get_by_label("Institution or program").fill(guest["institution"])
    page.get_by_label("Training level").select_option(label=guest["training_level"])


def received(mailbox, address: str, subject_start: str):
    messages = [m for m in mailbox.to(address) if m["Subject"].startswith(subject_start)]
    assert len(messages) == 1, [m["Subject"] for m in mailbox.to(address)]
    return messages[0]


def test_rsvp_then_edit_and_cancel_from_the_email_link(app, live_server, page, mailbox):
    event = add_event(app, capacity=20)

    page.goto("/")
    page.get_by_role("link", name=event["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(event["title"])
    expect(page.get_by_text("20 spots left")).to_be_visible()
    fill_rsvp(page, ADA)
    page.get_by_role("button", name="RSVP", exact=True).click()

    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.get_by_text(ADA["email"])).to_be_visible()

    deliver(app)
    link = manage_link(received(mailbox, ADA["email"], "You're confirmed"), live_server)
    page.goto(link)
    expect(page.get_by_role("heading", name="You're confirmed")).to_be_visible()

    page.get_by_label("Name on your badge").fill("Countess Ada")
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_text("Your details were saved.")).to_be_visible()
    expect(page.get_by_text("See you there, Countess Ada.")).to_be_visible()
    expect(page.get_by_label("Name on your badge")).to_have_value("Countess Ada")

    page.get_by_role("link", name="Cancel my RSVP").click()
    expect(page.get_by_role("heading", name="Cancel your RSVP?")).to_be_visible()
    page.get_by_role("button", name="Yes, cancel my RSVP").click()
    expect(page.get_by_role("heading", name="Your RSVP is cancelled")).to_be_visible()
    expect(page.get_by_role("link", name="RSVP again")).to_be_visible()
    assert rsvp_status(app, ADA["email"]) == RsvpStatus.CANCELLED


def test_invalid_email_is_reported_next_to_the_field(app, live_server, page):
    event = add_event(app)

    page.goto(f"/e/{event['slug']}")
    fill_rsvp(page, {**ADA, "email": "ada at example"})
    page.get_by_role("button", name="RSVP", exact=True).click()

    email = page.get_by_role("textbox", name="E-mail")
    error = page.locator(".field", has=email).locator(".error")
    expect(error).to_have_text("That doesn't look like an e-mail address.")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", re.compile(r"\bemail-error\b"))
    expect(email).to_have_value("ada at example")
    expect(page.get_by_label("First name")).to_have_value("Ada")
    expect(page.get_by_label("Last name")).to_have_value("Lovelace")
    expect(page.get_by_label("First name")).to_have_attribute("aria-invalid", "false")
    expect(page.get_by_role("alert")).to_contain_text("Please check the form.")

    # "Next to" as a reader sees it: the message sits just below its own input, not elsewhere.
    # Both boxes from one moment: read one after the other, a scroll in between could move one.
    field_box, error_box = email.evaluate(
        "(input, message) => [input, message].map(el => el.getBoundingClientRect().toJSON())", error.element_handle()
    )
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) <= 16
    assert abs(error_box["x"] - field_box["x"]) <= 4
    assert rsvp_status(app, ADA["email"]) is None


def test_waitlisted_guest_claims_a_freed_spot(app, live_server, page, mailbox):
    event = add_event(app, capacity=1)
    with db_session(app) as session:
        holder_id = make_rsvp(session.get(Event, event["id"])).id

    page.goto(f"/e/{event['slug']}")
    expect(page.get_by_role("heading", name="Join the waitlist")).to_be_visible()
    fill_rsvp(page, ADA)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    deliver(app)
    page.goto(manage_link(received(mailbox, ADA["email"], "You're on the waitlist"), live_server))
    expect(page.get_by_role("heading", name="You're on the waitlist: #1")).to_be_visible()

    with db_session(app) as session:
        rsvps.cancel_rsvp(session.get(Rsvp, holder_id))
    deliver(app)
    offer = received(mailbox, ADA["email"], "A spot opened up")
    claim = re.search(re.escape(live_server) + r"/r/[\w-]+/claim", text_body(offer))
    assert claim, text_body(offer)

    page.goto(claim.group(0))
    expect(page.get_by_role("heading", name="A spot opened up for you")).to_be_visible()
    page.get_by_role("button", name="Claim my spot").click()
    expect(page.get_by_role("heading", name="You're confirmed")).to_be_visible()
    assert rsvp_status(app, ADA["email"]) == RsvpStatus.CONFIRMED


def test_rsvp_works_without_javascript(app, live_server, new_page, mailbox):
    event = add_event(app)
    page = new_page(java_script_enabled=False)

    page.goto(f"/e/{event['slug']}")
    fill_rsvp(page, ADA)
    page.get_by_role("button", name="RSVP", exact=True).click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    deliver(app)
    page.goto(manage_link(received(mailbox, ADA["email"], "You're confirmed"), live_server))
    expect(page.get_by_role("heading", name="You're confirmed")).to_be_visible()
    page.get_by_role("link", name="Cancel my RSVP").click()
    page.get_by_role("button", name="Yes, cancel my RSVP").click()
    expect(page.get_by_role("heading", name="Your RSVP is cancelled")).to_be_visible()


def test_the_form_picks_the_category_from_the_level_and_says_what_it_gets(app, live_server, page):
    """Issue 15: choosing "Attending / faculty" picks Faculty, which needs approval here, and the
    form says so by the button; the guest may pick another category, and the reply lands in it."""
    with db_session(app):
        event = make_event(capacity=20)
        cats = {c.name: c for c in categories.of_event(event)}
        cats["Faculty"].policy, cats["Resident"].capacity = CategoryPolicy.APPROVAL, 12
        slug, faculty_id = event.slug, cats["Faculty"].id
    page.goto(f"/e/{slug}")
    expect(page.get_by_role("list", name="Places by category")).to_contain_text("Resident 12 places left")
    fill_rsvp(page, {**ADA, "training_level": "Attending / faculty"})
    expect(page.get_by_label("I'm coming as")).to_have_value(str(faculty_id))
    expect(page.locator("#category-outcome")).to_have_text("Your request will await the organizers' approval.")
    page.get_by_label("I'm coming as").select_option(label="Guest")
    expect(page.locator("#category-outcome")).to_have_text("You'll be confirmed.")
    page.get_by_label("I'm coming as").select_option(label="Faculty (needs approval)")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert rsvp_status(app, ADA["email"]) == RsvpStatus.PENDING
    with app.app_context():
        assert db.session.scalar(sa.select(Rsvp.category_id).where(Rsvp.email == ADA["email"])) == faculty_id
