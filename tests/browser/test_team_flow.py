"""Joining the team and a forgotten password, in a real browser (issue 14): the owner invites a
city's host, the host opens the e-mailed link, chooses a name and password and lands signed in;
later they forget the password and choose a new one from the e-mailed link."""

import re
import time

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventsite.extensions import db
from eventsite.models import Organizer, OrganizerRole
from eventsite.services import second_factor, team
from factories import make_event, make_organizer
from helpers import db_session, outbox_token, sign_in_page

PASSWORD = "evening at the attic room"


def mailed(app, path: str, to: str) -> str:
    with app.app_context():
        return f"{path}{outbox_token(path, to=to)}"


@pytest.mark.browser
def test_an_invited_host_joins_then_resets_a_forgotten_password(app, new_page, tmp_path, device):
    with db_session(app):
        make_organizer(role=OrganizerRole.OWNER)
        make_event(title="Chicago Resident Networking", city="Chicago")
    owner = new_page()
    owner.goto("/admin/team")
    sign_in_page(owner)
    owner.get_by_role("textbox", name="E-mail").fill("host.chicago@example.org")
    owner.get_by_label("Event host: like an organizer, on the chosen events only").check()
    owner.get_by_label("Chicago Resident Networking (Chicago)").check()
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_text("Invitation sent to host.chicago@example.org")).to_be_visible()
    owner.screenshot(path=tmp_path / f"team-{device}.png", full_page=True)

    host = new_page()
    host.goto(mailed(app, "/join/", "host.chicago@example.org"))
    expect(host.get_by_role("heading", name="Join the team")).to_be_visible()
    host.get_by_label("Your name").fill("Chris Host")
    host.get_by_label(re.compile(r"^Password(?! again)")).fill(PASSWORD)
    host.get_by_label("Password again").fill(PASSWORD)
    host.get_by_role("button", name="Join and sign in").click()
    host.wait_for_url("**/admin/**")
    host.goto("/account/sessions")
    expect(host.get_by_text("This browser")).to_be_visible()

    later = new_page()
    later.goto("/login")
    later.get_by_role("link", name="Forgot your password?").click()
    later.get_by_role("textbox", name="E-mail").fill("host.chicago@example.org")
    later.get_by_role("button", name="E-mail me a link").click()
    expect(later.get_by_role("heading", name="Check your inbox")).to_be_visible()
    later.goto(mailed(app, "/reset-password/", "host.chicago@example.org"))
    later.get_by_label(re.compile(r"^New password(?! again)")).fill("a brand new pass phrase")
    later.get_by_label("New password again").fill("a brand new pass phrase")
    later.get_by_role("button", name="Save and sign in").click()
    later.wait_for_url("**/admin/**")
    host.goto("/admin/events")  # the first browser was signed out by the reset
    host.wait_for_url("**/login**")


@pytest.mark.browser
def test_an_invited_member_enrols_a_second_factor_then_signs_in_with_a_code(app, new_page, tmp_path, device):
    """Invitation → first sign-in with two-factor enrolment (the team requires it) → sign-out →
    sign-in with the password and a code from the app (computed here with pyotp, as the app would)."""
    with db_session(app):
        make_organizer(role=OrganizerRole.OWNER)
        second_factor.require(True, by=db.session.scalar(sa.select(Organizer)))
    owner = new_page()
    owner.goto("/login")
    sign_in_page(owner)
    # the owner, too, must set it up before anything else opens
    expect(owner.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()

    with db_session(app):
        owner_member = db.session.scalar(sa.select(Organizer))
        team.invite("door.volunteer@example.org", OrganizerRole.ORGANIZER, [], by=owner_member)
    member = new_page()
    member.goto(mailed(app, "/join/", "door.volunteer@example.org"))
    member.get_by_label("Your name").fill("Dana Organizer")
    member.get_by_label(re.compile(r"^Password(?! again)")).fill(PASSWORD)
    member.get_by_label("Password again").fill(PASSWORD)
    member.get_by_role("button", name="Join and sign in").click()
    expect(member.get_by_text("Your team requires this")).to_be_visible()
    secret = member.locator("code.secret").inner_text().replace(" ", "")
    member.screenshot(path=tmp_path / f"enrol-{device}.png", full_page=True)
    member.get_by_role("textbox", name="Code").fill(pyotp.TOTP(secret).now())
    member.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(member.get_by_role("heading", name=re.compile("keep your recovery codes"))).to_be_visible()
    assert member.locator(".recovery-codes li").count() == 10
    member.get_by_role("link", name="I have kept them: continue").click()
    expect(member.get_by_role("heading", name="Events")).to_be_visible()

    member.get_by_role("button", name="Sign out").click()
    member.goto("/login")
    sign_in_page(member, "door.volunteer@example.org", PASSWORD)
    expect(member.get_by_role("heading", name="Enter your code")).to_be_visible()
    # the next time step: the enrolment spent the current one, and a code is good once
    member.get_by_role("textbox", name="Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    member.get_by_role("button", name="Sign in").click()
    expect(member.get_by_role("heading", name="Events")).to_be_visible()
