"""Invitations (issue 15): an organizer pastes people, each gets a personal link that opens the
RSVP form filled in, lets them into an invitation-only category past approval, works once, and
says "can't come" too."""

import re

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CategoryPolicy, Event, GuestInvitation, OutboxMessage, Rsvp, RsvpStatus
from eventsite.services import categories
from factories import make_event
from helpers import db_session, form_values, page_text, post_form


def an_invitation_only_evening(app) -> tuple[int, int]:
    with db_session(app):
        event = make_event(capacity=30, requires_approval=True)
        faculty = next(c for c in categories.of_event(event) if c.name == "Faculty")
        faculty.policy = CategoryPolicy.INVITATION
        return event.id, faculty.id


def links_to(app, address: str) -> str:
    with db_session(app):
        body = db.session.scalar(sa.select(OutboxMessage.body_text).where(OutboxMessage.to_address == address))
    return re.search(r"/i/[A-Za-z0-9_-]+", body).group(0)


def test_invite_then_rsvp_from_the_filled_in_form_once(app, admin, client):
    event_id, faculty_id = an_invitation_only_evening(app)
    url = f"/admin/events/{event_id}/invitations"
    pasted = "Dr. Ana Whitfield <ana.whitfield@ucla.edu>\nnot an address\nben@cedars.org\nANA.WHITFIELD@ucla.edu"
    sent = post_form(admin, url, {"people": pasted, "category": str(faculty_id), "skip_approval": "y"})
    assert sent.status_code == 302
    flashed = page_text(admin.get(url).get_data(as_text=True))
    assert "Invited 2" in flashed and "Line 2: no e-mail address" in flashed and "already invited" in flashed
    link = links_to(app, "ana.whitfield@ucla.edu")
    page = client.get(link).get_data(as_text=True)
    values = form_values(page)
    assert (values["first_name"], values["last_name"], values["email"]) == (
        "Dr. Ana",
        "Whitfield",
        "ana.whitfield@ucla.edu",
    )
    assert values["category"] == str(faculty_id) and "You're invited, Dr. Ana." in page_text(page)
    filled = {name: values[name] for name in ("first_name", "last_name", "email", "category")}
    reply = post_form(
        client, link, {**filled, "institution": "UCLA Orthopaedic Surgery", "training_level": "attending"}
    )
    assert reply.status_code == 302, page_text(reply.get_data(as_text=True))[-1500:]
    assert reply.location.endswith("/check-inbox")
    with db_session(app):
        rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.email_key == "ana.whitfield@ucla.edu"))
        # Invitation only and approval required, yet confirmed: the organizer chose so.
        assert (rsvp.status, rsvp.category_id) == (RsvpStatus.CONFIRMED, faculty_id)
    again = client.get(link)
    assert again.status_code == 404 and "This invitation link no longer works" in page_text(
        again.get_data(as_text=True)
    )
    listing = page_text(admin.get(url).get_data(as_text=True))
    assert "Replied: Confirmed" in listing and "Invited" in listing


def test_cant_come_is_recorded_and_uses_the_link_up(app, admin, client):
    event_id, _ = an_invitation_only_evening(app)
    post_form(admin, f"/admin/events/{event_id}/invitations", {"people": "ben@cedars.org"})
    link = links_to(app, "ben@cedars.org")
    assert "Can't come?" in page_text(client.get(f"{link}/decline").get_data(as_text=True))
    done = post_form(client, f"{link}/decline", {})
    assert "Thanks for letting us know" in page_text(done.get_data(as_text=True))
    with db_session(app):
        assert db.session.scalar(sa.select(GuestInvitation.status)).value == "declined"
    assert client.get(link).status_code == 404


def test_without_an_invitation_an_invitation_only_category_says_how_to_get_one(app, client):
    event_id, faculty_id = an_invitation_only_evening(app)
    with db_session(app):
        slug = db.session.get(Event, event_id).slug
    reply = post_form(client, f"/e/{slug}", {"first_name": "Tom", "last_name": "Okafor", "email": "tom@ucla.edu",
                                             "institution": "UCLA", "training_level": "attending",
                                             "category": str(faculty_id)})  # fmt: skip
    assert reply.status_code == 422
    assert "by invitation only. Ask the organizers for an invitation." in page_text(reply.get_data(as_text=True))


def test_a_made_up_invitation_link_gets_the_same_page(client):
    reply = client.get("/i/made-up-secret-0123456789abcdef")
    assert reply.status_code == 404 and "This invitation link no longer works" in page_text(
        reply.get_data(as_text=True)
    )
