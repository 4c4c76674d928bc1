"""The team (issue 14): invitations, joining, roles and events, deactivation, a forgotten
password, dead links, and "My sign-ins"."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import ActivityEntry, Organizer, OrganizerRole, PasswordReset, TeamInvitation
from eventsite.services import assignments
from factories import make_event, make_organizer
from helpers import ORGANIZER_PASSWORD, db_session, outbox_token, page_text, post_form, sign_in

NEW_PASSWORD = "a long walk by the river"


def invite(admin, email="new.host@example.org", role="host", events=()):
    return post_form(admin, "/admin/team", {"email": email, "role": role, "events": [str(e) for e in events]})


def invitation_token(app, email="new.host@example.org") -> str:
    with app.app_context():
        return outbox_token("/join/", to=email)


def join(client, token, name="Hana Host", password=NEW_PASSWORD, confirm=None):
    return post_form(client, f"/join/{token}", {"name": name, "password": password, "confirm": confirm or password})


@pytest.fixture()
def chicago(app):
    with db_session(app):
        return make_event(title="Chicago Resident Networking", city="Chicago").id


def test_an_owner_invites_a_host_who_joins_and_is_signed_in_with_their_events(app, admin, chicago):
    response = invite(admin, events=[chicago])
    assert response.status_code == 302
    assert "Invitation sent to new.host@example.org" in page_text(admin.get("/admin/team").get_data(as_text=True))
    token = invitation_token(app)

    guest = app.test_client()
    page = page_text(guest.get(f"/join/{token}").get_data(as_text=True))
    assert "event host for Chicago Resident Networking" in page and "new.host@example.org" in page
    response = join(guest, token)
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin")
    with app.app_context():
        member = db.session.scalar(sa.select(Organizer).where(Organizer.email == "new.host@example.org"))
        assert (member.name, member.role) == ("Hana Host", OrganizerRole.HOST)
        assert assignments.assigned_event_ids(member) == {chicago}
        kinds = set(db.session.scalars(sa.select(ActivityEntry.kind)))
        assert {"member_invited", "member_joined"} <= kinds
    assert guest.get("/account/sessions").status_code == 200  # signed in
    assert app.test_client().get(f"/join/{token}").status_code == 404  # single use


def test_a_scoped_role_needs_events_and_a_known_address_is_refused(app, admin, chicago):
    response = invite(admin, events=[])
    assert response.status_code == 422
    assert "Choose the events this event host works on." in page_text(response.get_data(as_text=True))
    response = invite(admin, email="organizer@example.org", role="organizer")
    assert "already has an account" in page_text(response.get_data(as_text=True))
    assert invite(admin, events=[chicago]).status_code == 302
    response = invite(admin, events=[chicago])
    assert response.status_code == 422 and "pending invitation" in page_text(response.get_data(as_text=True))


def test_resending_kills_the_old_link_and_withdrawing_kills_the_link(app, admin, chicago):
    invite(admin, events=[chicago])
    first = invitation_token(app)
    with app.app_context():
        invitation_id = db.session.scalar(sa.select(TeamInvitation.id))
    post_form(admin, f"/admin/team/invitations/{invitation_id}/resend", {}, page="/admin/team")
    second = invitation_token(app)
    assert first != second
    visitor = app.test_client()
    assert visitor.get(f"/join/{first}").status_code == 404
    assert visitor.get(f"/join/{second}").status_code == 200
    post_form(admin, f"/admin/team/invitations/{invitation_id}/withdraw", {}, page="/admin/team")
    assert visitor.get(f"/join/{second}").status_code == 404


def test_an_expired_invitation_and_a_forged_link_answer_the_same_page(app, admin, chicago):
    invite(admin, events=[chicago])
    token = invitation_token(app)
    with db_session(app) as session:
        session.execute(sa.update(TeamInvitation).values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    visitor = app.test_client()
    expired = visitor.get(f"/join/{token}")
    forged = visitor.get("/join/not-a-real-invitation-token")
    reset = visitor.get("/reset-password/not-a-real-reset-token")
    assert expired.status_code == forged.status_code == reset.status_code == 404
    assert page_text(expired.get_data(as_text=True)) == page_text(forged.get_data(as_text=True))
    assert page_text(forged.get_data(as_text=True)) == page_text(reset.get_data(as_text=True))
    assert "This link no longer works" in page_text(forged.get_data(as_text=True))


def test_guessing_invitation_and_reset_links_is_throttled(app_config, client):
    answers = [client.get(f"/reset-password/guess-{n}").status_code for n in range(25)]
    assert set(answers[:20]) == {404} and answers[-1] == 429
    answers = [client.get(f"/join/guess-{n}").status_code for n in range(5)]
    assert answers[-1] == 404  # each kind of secret has its own budget


@pytest.fixture()
def app_config(app_config):
    return {**app_config, "GUESS_FAILURE_LIMIT": "20 per 10 minutes"}


def test_nobody_changes_their_own_role_and_the_last_owner_stays(app, admin):
    with db_session(app):
        owner_id = db.session.scalar(sa.select(Organizer.id).where(Organizer.email == "organizer@example.org"))
    response = post_form(admin, f"/admin/team/{owner_id}", {"role": "organizer"})
    assert response.status_code == 422
    assert "You can't change the role of your own account" in page_text(response.get_data(as_text=True))
    response = post_form(admin, f"/admin/team/{owner_id}/deactivate", {}, page=f"/admin/team/{owner_id}",
                         follow_redirects=True)  # fmt: skip
    assert "You can't deactivate your own account" in page_text(response.get_data(as_text=True))
    with db_session(app):
        assert db.session.get(Organizer, owner_id).role == OrganizerRole.OWNER
        assert db.session.get(Organizer, owner_id).deactivated_at is None


def test_an_owner_promotes_and_the_last_owner_cannot_be_demoted_by_another(app, admin):
    with db_session(app):
        other_id = make_organizer("second@example.org", name="Second Owner").id
    assert post_form(admin, f"/admin/team/{other_id}", {"role": "owner"}).status_code == 302
    second = app.test_client()
    sign_in(second, "second@example.org")
    with db_session(app):
        first_id = db.session.scalar(sa.select(Organizer.id).where(Organizer.email == "organizer@example.org"))
    # the second owner demotes the first: allowed (one owner stays) ...
    assert post_form(second, f"/admin/team/{first_id}", {"role": "organizer"}).status_code == 302
    # ... and the first, now an organizer, can open no team page
    assert admin.get("/admin/team").status_code == 403
    with db_session(app):
        entry = db.session.scalars(
            sa.select(ActivityEntry).where(ActivityEntry.kind == "role_changed").order_by(ActivityEntry.id.desc())
        ).first()
        assert entry.changes == {"role": ["Owner", "Organizer"]}


def test_the_last_active_owner_cannot_be_deactivated(app, admin):
    with db_session(app):
        owner = db.session.scalar(sa.select(Organizer).where(Organizer.email == "organizer@example.org"))
        other = make_organizer("second@example.org", role=OrganizerRole.OWNER)
        owner_id, other_id = owner.id, other.id
    second = app.test_client()
    sign_in(second, "second@example.org")
    assert post_form(admin, f"/admin/team/{other_id}/deactivate", {}, page=f"/admin/team/{other_id}").status_code == 302
    response = post_form(admin, f"/admin/team/{owner_id}", {"role": "organizer"})
    assert response.status_code == 422  # own account; the owner rule is checked on the service too
    with db_session(app):
        from eventsite.services import team

        with pytest.raises(Exception, match="at least one active owner"):
            team.change_member(db.session.get(Organizer, owner_id), OrganizerRole.ORGANIZER, [],
                               by=db.session.get(Organizer, other_id))  # fmt: skip


def test_deactivating_a_member_ends_their_live_session_at_once(app, admin):
    with db_session(app):
        member_id = make_organizer("host@example.org", name="Harry Host").id
    member = app.test_client()
    sign_in(member, "host@example.org")
    assert member.get("/admin/events").status_code == 200
    post_form(admin, f"/admin/team/{member_id}/deactivate", {}, page=f"/admin/team/{member_id}")
    response = member.get("/admin/events")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert sign_in(member, "host@example.org").status_code == 422  # cannot sign in again
    with db_session(app):
        assert db.session.get(Organizer, member_id).name == "Harry Host"  # history kept
    post_form(admin, f"/admin/team/{member_id}/reactivate", {}, page=f"/admin/team/{member_id}")
    assert sign_in(member, "host@example.org").status_code == 302


def test_forgotten_password_says_the_same_for_any_address_and_the_link_works_once(app, client):
    with db_session(app):
        make_organizer()
    other = app.test_client()
    sign_in(other, "organizer@example.org")
    known = post_form(client, "/forgot-password", {"email": "organizer@example.org"})
    unknown = post_form(client, "/forgot-password", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, a: page_text(r.get_data(as_text=True)).replace(a, "")  # noqa: E731
    assert strip(known, "organizer@example.org") == strip(unknown, "nobody@example.org")
    with app.app_context():
        token = outbox_token("/reset-password/", to="organizer@example.org")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordReset)) == 1
    response = post_form(client, f"/reset-password/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account/sessions").status_code == 200  # signed in by the link
    assert other.get("/admin/events").status_code == 302  # every other session ended
    assert app.test_client().get(f"/reset-password/{token}").status_code == 404  # used
    assert sign_in(app.test_client(), "organizer@example.org", NEW_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), "organizer@example.org", ORGANIZER_PASSWORD).status_code == 422


def test_a_reset_link_expires_after_an_hour_and_a_weak_password_is_refused_next_to_the_field(app, client):
    with db_session(app):
        make_organizer()
    post_form(client, "/forgot-password", {"email": "organizer@example.org"})
    with app.app_context():
        token = outbox_token("/reset-password/")
    response = post_form(client, f"/reset-password/{token}", {"password": "password", "confirm": "password"})
    assert response.status_code == 422 and "most common" in page_text(response.get_data(as_text=True))
    with db_session(app) as session:
        session.execute(sa.update(PasswordReset).values(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    assert client.get(f"/reset-password/{token}").status_code == 404


def test_my_sign_ins_lists_each_browser_and_ends_another(app, admin):
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1"
    )
    sign_in(phone, "organizer@example.org")
    page = page_text(admin.get("/account/sessions").get_data(as_text=True))
    assert "Safari on iPhone" in page and "This browser" in page
    with app.app_context():
        from eventsite.models import LoginSession

        phone_id = db.session.scalar(sa.select(LoginSession.id).where(LoginSession.user_agent.like("%iPhone%")))
    assert post_form(admin, f"/account/sessions/{phone_id}/end", {}, page="/account/sessions").status_code == 302
    assert phone.get("/admin/events").status_code == 302  # that phone must sign in again
    assert admin.get("/admin/events").status_code == 200
    with db_session(app):
        stranger = make_organizer("other@example.org")
        from eventsite.services import accounts

        accounts.start_login_session(stranger)
        their_id = db.session.scalar(sa.select(sa.func.max(LoginSession.id)))
    assert post_form(admin, f"/account/sessions/{their_id}/end", {}, page="/account/sessions").status_code == 404
