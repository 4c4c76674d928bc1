"""Issue 15's invite list in a real browser, at phone and laptop size: import a coordinator's
CSV, see the row with a problem, fix it on the page, invite; the invited resident opens their
link and finds the RSVP form filled in, answers the event's own questions (told by the question
when one is missing); the organizer sees them on the guest list and their answers in the CSV."""

import csv
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventsite.extensions import db
from eventsite.models import OrganizerRole, OutboxMessage
from eventsite.services import questions
from factories import make_event, make_organizer
from helpers import db_session, sign_in_page

pytestmark = pytest.mark.browser

SHEET = (
    "First name,Last name,E-mail,Program,Training level\n"
    "Ana,Li,ana@ucla.edu,UCLA Orthopaedic Surgery,PGY-2\n"
    "Ben,Okafor,ben(at)cedars.org,Cedars-Sinai Orthopaedics,PGY-4\n"
)


def test_import_fix_invite_and_reply_from_the_filled_in_form(app, new_page):
    with db_session(app):
        make_organizer(role=OrganizerRole.OWNER)
        event = make_event(title="Los Angeles Resident Networking", capacity=40)
        questions.add_question(
            event,
            "single",
            questions.QuestionFields(
                prompt="Are you a member of the society?", required=True, choices=["Yes, a member", "Not yet"]
            ),
        )
        questions.add_question(event, "short_text", questions.QuestionFields(
            prompt="One thing you hope to get from tonight"))  # fmt: skip
        event_id = event.id
    organizer = new_page()
    organizer.goto("/login")
    sign_in_page(organizer)
    organizer.goto(f"/admin/events/{event_id}/invitations")
    organizer.get_by_role("link", name="Import a list (CSV)").click()
    organizer.get_by_label("A CSV file").set_input_files(
        {"name": "residents.csv", "mimeType": "text/csv", "buffer": SHEET.encode()}
    )
    organizer.get_by_role("button", name="Check the list").click()
    expect(organizer.get_by_role("status")).to_contain_text("1 row is ready to invite, 1 needs fixing")
    expect(organizer.get_by_role("table")).to_contain_text("not an e-mail address")
    rows = organizer.get_by_label(re.compile("The rows"))
    rows.fill(rows.input_value().replace("ben(at)cedars.org", "ben@cedars.org"))
    organizer.get_by_role("button", name="Check again").click()
    expect(organizer.get_by_role("status")).to_contain_text("2 rows are ready to invite")
    organizer.get_by_role("button", name="Invite 2 people").click()
    expect(organizer.get_by_text("Invited 2; their e-mails are on the way.")).to_be_visible()

    with db_session(app):
        body = db.session.scalar(sa.select(OutboxMessage.body_text).where(OutboxMessage.to_address == "ana@ucla.edu"))
    link = re.search(r"/i/[A-Za-z0-9_-]+", body).group(0)
    guest = new_page()
    guest.goto(link)
    expect(guest.get_by_text("You're invited, Ana.")).to_be_visible()
    expect(guest.get_by_label("First name")).to_have_value("Ana")
    expect(guest.get_by_label("Institution or program")).to_have_value("UCLA Orthopaedic Surgery")
    expect(guest.get_by_label("Training level")).to_have_value("pgy2")
    guest.get_by_label("One thing you hope to get from tonight").fill("=Meet a hand surgeon")
    guest.get_by_role("button", name="RSVP").click()
    member = guest.get_by_role("group", name="Are you a member of the society?")
    expect(member).to_have_accessible_description("Please answer this question.")
    expect(guest.get_by_label("One thing you hope to get from tonight")).to_have_value("=Meet a hand surgeon")
    expect(guest.get_by_label("First name")).to_have_value("Ana")  # still filled in from the invitation
    member.get_by_label("Yes, a member").check()
    guest.get_by_role("button", name="RSVP").click()
    expect(guest.get_by_role("heading", name="Check your inbox")).to_be_visible()

    organizer.goto(f"/admin/events/{event_id}/invitations")
    expect(organizer.get_by_role("table")).to_contain_text("Replied: Confirmed")
    organizer.goto(f"/admin/events/{event_id}/guests")
    expect(organizer.get_by_role("table")).to_contain_text("Ana Li")
    with organizer.expect_download() as download:
        organizer.get_by_role("link", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8-sig", newline="") as sheet:
        [row] = list(csv.DictReader(sheet))
    assert row["E-mail"] == "ana@ucla.edu" and row["Are you a member of the society?"] == "Yes, a member"
    assert row["One thing you hope to get from tonight"] == "'=Meet a hand surgeon"  # formula-safe
