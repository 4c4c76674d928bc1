"""axe-core (the engine of Lighthouse's and Deque's accessibility checks) on the pages people reach
by keyboard or screen reader in a hurry: the door page, the feedback results (issue 12.13) and
the team's pages (issue 14)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from eventsite.models import OrganizerRole, utcnow
from eventsite.services import checkin, doors, feedback
from factories import make_event, make_organizer, make_rsvp
from helpers import db_session, sign_in_page
from page_checks import axe_violations

pytestmark = pytest.mark.browser
H = dt.timedelta(hours=1)


def test_door_page_has_a_heading_and_no_serious_axe_violation(app, new_page):
    with db_session(app):
        event = make_event(starts_at=utcnow() + 0.5 * H)
        make_rsvp(event, first_name="Ana", badge_name="Ana")
        token = doors.create_door_link(event, label="Front door").token
    page = new_page(bypass_csp=True)  # axe is injected as an inline script
    page.goto(f"/door/{token}")
    # A screen reader's first stop: which door of which event this phone is.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Front door")
    expect(page.locator("#count-confirmed")).to_have_text("1")
    assert axe_violations(page, impacts=("moderate", "serious", "critical")) == []


def any_answer(question, text: str) -> str:
    if feedback.question_type(question).is_text:
        return text
    return question.choices[0] if feedback.question_type(question).has_choices else "4"


def test_feedback_results_free_text_list_scrolls_by_keyboard(app, new_page):
    with db_session(app):
        make_organizer()
        event = make_event(capacity=None)
        guests = [make_rsvp(event, email=f"guest{i}@example.org") for i in range(30)]
        event.starts_at, event.ends_at = utcnow() - 5 * H, utcnow() - 3 * H  # it took place this evening
        form = feedback.ensure_form(event)
        [text_q, *_] = [q for q in form.questions if feedback.question_type(q).is_text]
        for i, guest in enumerate(guests):
            checkin.check_in(event, guest.ticket_code, now=event.starts_at + 0.5 * H)
            answer = f"Answer {i}: more mentoring evenings, and a session on fellowship applications, please."
            feedback.submit_feedback(guest, {feedback.field_name(q): [any_answer(q, answer)] for q in form.questions})
        event_id, prompt = event.id, text_q.prompt
    page = new_page(bypass_csp=True)
    page.goto("/login")
    sign_in_page(page)
    page.goto(f"/admin/events/{event_id}/feedback")
    answers = page.get_by_role("region", name=f"Answers to: {prompt}")
    expect(answers).to_contain_text("Answer 29")
    # Longer than its box, so it scrolls; a keyboard user reaches it with Tab and scrolls it.
    assert answers.evaluate("el => el.scrollHeight > el.clientHeight")
    answers.focus()
    page.keyboard.press("End")
    expect(answers).to_be_focused()
    page.wait_for_function("el => el.scrollTop > 0", arg=answers.element_handle())
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/admin/team", "/account/notifications"])
def test_team_pages_have_no_serious_axe_violation(app, new_page, path):
    with db_session(app):
        make_organizer(role=OrganizerRole.OWNER)
        make_event(title="Los Angeles Resident Networking"), make_event(title="Chicago Resident Networking")
    page = new_page(bypass_csp=True)
    page.goto("/login")
    sign_in_page(page)
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if path == "/account/notifications":  # each choice is named by its kind and its event's group
        group = page.get_by_role("group", name="Chicago Resident Networking")
        expect(group.get_by_role("combobox", name="Daily RSVP digest")).to_have_value("off")
    assert axe_violations(page, impacts=("moderate", "serious", "critical")) == []
