"""Two-factor sign-in (issue 14): enrolment, the code step, replay, recovery codes, the team's
requirement and an owner's reset of a lost second factor."""

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import ActivityEntry, Organizer, OrganizerRole
from eventsite.services import assignments
from factories import make_event, make_organizer
from helpers import db_session, page_text, post_form, sign_in


def enrol(client) -> tuple[str, list[str]]:
    """Set up the signed-in member's second factor as a person with an app would; returns the
    secret and the recovery codes the page showed."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    response = post_form(client, "/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.get_data(as_text=True))
    return secret, codes


def next_code(secret: str, steps: int = 1) -> str:
    """The code of a later time step (inside the ±1 window the server accepts)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def member_id(app, email="organizer@example.org") -> int:
    with db_session(app):
        return db.session.scalar(sa.select(Organizer.id).where(Organizer.email == email))


def test_enrolment_shows_ten_recovery_codes_once_and_seals_the_secret(app, admin):
    secret, codes = enrol(admin)
    assert len(codes) == 10 and len(set(codes)) == 10
    with db_session(app):
        member = db.session.get(Organizer, member_id(app))
        assert member.totp_enabled_at is not None and secret not in member.totp_secret
    page = page_text(admin.get("/account/two-factor").get_data(as_text=True))
    assert "Two-factor sign-in is on" in page and "10 unused recovery codes" in page
    assert not any(code in page for code in codes)


def test_a_wrong_enrolment_code_is_refused_next_to_the_field(admin):
    response = post_form(admin, "/account/two-factor", {"code": "000000"})
    assert response.status_code == 422 and "That code is not right" in page_text(response.get_data(as_text=True))


def test_sign_in_asks_for_the_code_and_a_code_works_once(app, admin):
    secret, _codes = enrol(admin)
    browser = app.test_client()
    response = sign_in(browser, "organizer@example.org", next_url="/admin/people")
    assert response.headers["Location"] == "/login/code"
    assert browser.get("/admin/events").status_code == 302  # nothing is signed in yet
    code = next_code(secret)
    response = post_form(browser, "/login/code", {"code": code})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/people"
    assert browser.get("/admin/events").status_code == 200
    again = app.test_client()
    sign_in(again, "organizer@example.org")
    response = post_form(again, "/login/code", {"code": code})  # replayed
    assert response.status_code == 422 and "not right (or was used already)" in page_text(
        response.get_data(as_text=True)
    )
    assert again.get("/admin/events").status_code == 302


def test_a_recovery_code_signs_in_once(app, admin):
    _secret, codes = enrol(admin)
    for expected in (302, 422):
        browser = app.test_client()
        sign_in(browser, "organizer@example.org")
        assert post_form(browser, "/login/code", {"code": codes[0].upper()}).status_code == expected
    assert "9 unused recovery codes" in page_text(admin.get("/account/two-factor").get_data(as_text=True))


def test_wrong_codes_are_throttled(app, admin):
    enrol(admin)
    browser = app.test_client()
    sign_in(browser, "organizer@example.org")
    answers = [post_form(browser, "/login/code", {"code": "123456"}).status_code for _ in range(7)]
    assert answers[-1] == 429


def test_the_team_requirement_sends_members_with_guest_data_to_set_it_up(app, admin):
    with db_session(app):
        event = make_event()
        host = make_organizer("host@example.org", role=OrganizerRole.HOST)
        viewer = make_organizer("viewer@example.org", role=OrganizerRole.VIEWER)
        assignments.assign(host, event.id)
        assignments.assign(viewer, event.id)
        event_id = event.id
    post_form(admin, "/admin/team/second-factor", {"required": "yes"}, page="/admin/team")
    assert admin.get("/admin/events").headers["Location"] == "/account/two-factor"  # the owner too
    host_client, viewer_client = app.test_client(), app.test_client()
    sign_in(host_client, "host@example.org")
    sign_in(viewer_client, "viewer@example.org")
    assert host_client.get(f"/door/events/{event_id}").headers["Location"] == "/account/two-factor"
    assert "Your team requires this" in page_text(host_client.get("/account/two-factor").get_data(as_text=True))
    assert viewer_client.get("/admin/events").status_code == 200  # figures only: not required
    enrol(host_client)
    assert host_client.get("/admin/events").status_code == 200
    response = post_form(host_client, "/account/two-factor/off", {"code": "123456"}, page="/account/two-factor",
                         follow_redirects=True)  # fmt: skip
    assert "requires a second factor" in page_text(response.get_data(as_text=True))
    with db_session(app):
        entry = db.session.scalar(sa.select(ActivityEntry).where(ActivityEntry.kind == "team_settings_changed"))
        assert entry.changes == {"require_second_factor": [False, True]}


def test_an_owner_resets_a_lost_second_factor_and_it_is_recorded(app, admin):
    with db_session(app):
        make_organizer("host@example.org", role=OrganizerRole.ORGANIZER)
    phone = app.test_client()
    sign_in(phone, "host@example.org")
    enrol(phone)
    host_id = member_id(app, "host@example.org")
    response = post_form(admin, f"/admin/team/{host_id}/second-factor/reset", {}, page=f"/admin/team/{host_id}")
    assert response.status_code == 302
    assert phone.get("/admin/events").status_code == 302  # signed out everywhere
    browser = app.test_client()
    assert sign_in(browser, "host@example.org").headers["Location"] != "/login/code"
    with db_session(app):
        assert db.session.get(Organizer, host_id).totp_enabled_at is None
        entry = db.session.scalar(sa.select(ActivityEntry).where(ActivityEntry.kind == "second_factor_reset"))
        assert entry.subject == f"organizer:{host_id}" and entry.actor == "organizer@example.org"


@pytest.mark.parametrize("role", [OrganizerRole.ORGANIZER, OrganizerRole.HOST])
def test_only_owners_reset_or_require(app, client, role):
    with db_session(app):
        make_organizer(role=role)
        other_id = make_organizer("other@example.org", role=OrganizerRole.ORGANIZER).id
    sign_in(client, "organizer@example.org")
    token_page = "/account/sessions"
    assert post_form(client, f"/admin/team/{other_id}/second-factor/reset", {}, page=token_page).status_code == 403
    assert post_form(client, "/admin/team/second-factor", {"required": "yes"}, page=token_page).status_code == 403
