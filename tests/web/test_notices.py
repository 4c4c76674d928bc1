"""Notices to the team (issue 14): a new approval request and a full event reach the members who
may act on them, once, as each member chose; the mailed link turns a kind off in one click."""

import re

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import NotificationPreference, OrganizerRole, OutboxMessage
from eventsite.services import assignments
from factories import make_event, make_organizer, make_rsvp
from helpers import db_session, page_text, post_form, sign_in


def notices(app, kind: str) -> list[tuple[str, str]]:
    with db_session(app):
        rows = db.session.execute(
            sa.select(OutboxMessage.to_address, OutboxMessage.body_text).where(OutboxMessage.kind == f"notice_{kind}")
        )
        return sorted(rows.tuples().all())


def team(app, **event_args):
    """An owner, a host and a viewer of the event, and a host of another event."""
    with db_session(app):
        event, other = make_event(**event_args), make_event(title="Boston Resident Networking")
        make_organizer(role=OrganizerRole.OWNER)
        for email, role, given in (("host@example.org", OrganizerRole.HOST, event),
                                   ("viewer@example.org", OrganizerRole.VIEWER, event),
                                   ("boston@example.org", OrganizerRole.HOST, other)):  # fmt: skip
            assignments.assign(make_organizer(email, role=role), given.id)
        return event.id


def test_an_approval_request_reaches_who_may_approve_it_once_with_the_link_to_act(app):
    event_id = team(app, requires_approval=True)
    with db_session(app):
        from eventsite.models import Event

        make_rsvp(db.session.get(Event, event_id), first_name="Priya", last_name="Raman")
    sent = notices(app, "approvals")
    assert [to for to, _ in sent] == ["host@example.org", "organizer@example.org"]  # no viewer, no Boston host
    body = sent[0][1]
    assert "Priya Raman" in body and f"/admin/events/{event_id}/guests?status=pending" in body
    assert "/notifications/unsubscribe/" in body


def test_the_event_becoming_full_is_told_once_also_to_the_viewer(app):
    event_id = team(app, capacity=2)
    with db_session(app):
        from eventsite.models import Event

        make_rsvp(db.session.get(Event, event_id))
    assert notices(app, "full") == []
    with db_session(app):
        event = db.session.get(Event, event_id)
        make_rsvp(event), make_rsvp(event)  # full, then the first on the waitlist
    assert [to for to, _ in notices(app, "full")] == ["host@example.org", "organizer@example.org", "viewer@example.org"]


def test_a_member_turns_a_kind_off_from_the_mail_in_one_click_or_on_the_page(app, client):
    event_id = team(app, requires_approval=True)
    with db_session(app):
        from eventsite.models import Event

        make_rsvp(db.session.get(Event, event_id))
    body = dict(notices(app, "approvals"))["host@example.org"]
    link = re.search(r"/notifications/unsubscribe/\S+", body).group(0)
    assert "Turn off this notice?" in page_text(client.get(link).get_data(as_text=True))  # GET changes nothing
    assert client.post(link).status_code == 200  # a mail client's one-click POST, no form token
    assert client.post("/notifications/unsubscribe/forged.token").status_code == 404
    with db_session(app):
        from eventsite.models import Event

        make_rsvp(db.session.get(Event, event_id))
    assert [to for to, _ in notices(app, "approvals")].count("host@example.org") == 1
    sign_in(client, "organizer@example.org")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "New approval requests" in page
    post_form(client, "/account/notifications", {f"{event_id}-approvals": "off", f"{event_id}-full": "instant"})
    with db_session(app):
        modes = dict(db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.mode).where(
            NotificationPreference.event_id == event_id, NotificationPreference.mode == "off")).tuples().all())  # fmt: skip
    assert modes == {"approvals": "off"}
