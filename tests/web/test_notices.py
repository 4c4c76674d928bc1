"""Notices to the team (issue 14): approval requests, a full event, undeliverable e-mails, the
daily digests and the door's summary reach the members who may see them, once, as each member
chose; the mailed link (and the List-Unsubscribe header) turns a kind off in one click."""

import datetime as dt
import re
import smtplib
from urllib.parse import urlsplit

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.jobs.outbox import deliver_outbox
from eventsite.models import Event, NotificationPreference, Organizer, OrganizerRole, OutboxMessage, utcnow
from eventsite.services import assignments, checkin, mail, notice_digests, notifications, rsvps
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
        make_rsvp(db.session.get(Event, event_id), first_name="Priya", last_name="Raman")
    sent = notices(app, "approvals")
    assert [to for to, _ in sent] == ["host@example.org", "organizer@example.org"]  # no viewer, no Boston host
    body = sent[0][1]
    assert "Priya Raman" in body and f"/admin/events/{event_id}/guests?status=pending" in body
    assert "/notifications/unsubscribe/" in body


def test_the_event_becoming_full_is_told_once_also_to_the_viewer(app):
    event_id = team(app, capacity=2)
    with db_session(app):
        make_rsvp(db.session.get(Event, event_id))
    assert notices(app, "full") == []
    with db_session(app):
        event = db.session.get(Event, event_id)
        make_rsvp(event), make_rsvp(event)  # full, then the first on the waitlist
    assert [to for to, _ in notices(app, "full")] == ["host@example.org", "organizer@example.org", "viewer@example.org"]


def test_a_member_turns_a_kind_off_from_the_mail_in_one_click_or_on_the_page(app, client):
    event_id = team(app, requires_approval=True)
    with db_session(app):
        make_rsvp(db.session.get(Event, event_id))
    body = dict(notices(app, "approvals"))["host@example.org"]
    link = re.search(r"/notifications/unsubscribe/\S+", body).group(0)
    assert "Turn off this notice?" in page_text(client.get(link).get_data(as_text=True))  # GET changes nothing
    assert client.post(link).status_code == 200  # a mail client's one-click POST, no form token
    assert client.post("/notifications/unsubscribe/forged.token").status_code == 404
    with db_session(app):
        make_rsvp(db.session.get(Event, event_id))
    assert [to for to, _ in notices(app, "approvals")].count("host@example.org") == 1
    sign_in(client, "organizer@example.org")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Approval requests" in page
    post_form(client, "/account/notifications", {f"{event_id}-approvals": "off", f"{event_id}-full": "instant"})
    with db_session(app):
        modes = dict(db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.mode).where(
            NotificationPreference.event_id == event_id, NotificationPreference.mode == "off")).tuples().all())  # fmt: skip
    assert modes == {"approvals": "off"}


def next_local(event_id: int, app, hour: int, minute: int = 0, *, after: dt.datetime | None = None) -> dt.datetime:
    """The next moment (after ``after``, default now) that is hour:minute in the event's zone, in UTC."""
    with db_session(app):
        tz = db.session.get(Event, event_id).tz
    local = (after or utcnow()).astimezone(tz)
    moment = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment <= local:
        moment += dt.timedelta(days=1)
    return moment.astimezone(dt.UTC)


def send_due(app, now: dt.datetime) -> int:
    with db_session(app):
        return notice_digests.send_due(now)


def choose(app, email: str, event_id: int, kind: str, mode: str) -> None:
    with db_session(app):
        member = db.session.scalar(sa.select(Organizer).where(Organizer.email == email))
        notifications.set_mode(member, event_id, notifications.NoticeKind(kind), mode)


def test_approval_requests_in_a_daily_digest_at_eight_each_item_once(app):
    event_id = team(app, requires_approval=True)
    choose(app, "host@example.org", event_id, "approvals", "daily")
    with db_session(app):
        event = db.session.get(Event, event_id)
        make_rsvp(event, first_name="Priya", last_name="Raman"), make_rsvp(event, first_name="Tom", last_name="Okafor")
    assert [to for to, _ in notices(app, "approvals")] == ["organizer@example.org"] * 2  # the host chose the digest
    assert send_due(app, next_local(event_id, app, 7, 59)) == 0  # not yet eight o'clock there
    eight = next_local(event_id, app, 8, 5)
    assert send_due(app, eight) == 1
    assert send_due(app, eight + dt.timedelta(hours=3)) == 0  # once a day
    digest = [body for to, body in notices(app, "approvals") if to == "host@example.org"]
    assert len(digest) == 1 and "Priya Raman" in digest[0] and "Tom Okafor" in digest[0]
    assert "2 guests asked to come" in digest[0] and "/notifications/unsubscribe/" in digest[0]
    with db_session(app):
        make_rsvp(db.session.get(Event, event_id), first_name="Ana", last_name="Silva")
    assert send_due(app, eight + dt.timedelta(days=1)) == 1
    latest = sorted(body for to, body in notices(app, "approvals") if to == "host@example.org" and "Ana Silva" in body)
    assert len(latest) == 1 and "Priya Raman" not in latest[0] and "3 in all await your answer" in latest[0]


def test_the_daily_rsvp_digest_gives_counts_and_figures_and_no_guest_to_a_viewer(app):
    event_id = team(app, capacity=10)
    choose(app, "viewer@example.org", event_id, "digest", "daily")
    with db_session(app):
        event = db.session.get(Event, event_id)
        guests = [make_rsvp(event, first_name="Priya", last_name="Raman") for _ in range(3)]
        rsvps.cancel_rsvp(guests[0])
    assert send_due(app, next_local(event_id, app, 8, 30)) == 1  # the only member who chose it
    [(to, body)] = notices(app, "digest")
    assert to == "viewer@example.org"
    assert "3 new RSVPs, 1 cancellation and 0 moved to the waitlist" in body and "Confirmed: 2 of 10" in body
    assert "Priya" not in body and "@example.org" not in body.split("Turn it off")[0]


def guests_at_the_door(app, *, came: int, stayed_away: int) -> int:
    """A team's event that ended two hours ago, ``came`` guests admitted and ``stayed_away`` not."""
    event_id = team(app)
    with db_session(app):
        event = db.session.get(Event, event_id)
        guests = [make_rsvp(event, first_name="Priya", last_name="Raman") for _ in range(came + stayed_away)]
        event.starts_at = utcnow() - dt.timedelta(hours=3, minutes=30)
        event.ends_at = utcnow() - dt.timedelta(hours=2)
        for guest in guests[:came]:
            checkin.check_in_guest(event, guest.id, now=event.starts_at + dt.timedelta(minutes=10))
    return event_id


def test_the_door_summary_goes_an_hour_after_the_end_once_in_figures_only(app):
    event_id = guests_at_the_door(app, came=2, stayed_away=1)
    with db_session(app):
        ends_at = db.session.get(Event, event_id).ends_at
    assert send_due(app, ends_at + dt.timedelta(minutes=50)) == 0  # the last scans may still come in
    assert send_due(app, ends_at + dt.timedelta(minutes=61)) == 3
    assert send_due(app, ends_at + dt.timedelta(hours=5)) == 0
    sent = notices(app, "door")
    assert [to for to, _ in sent] == ["host@example.org", "organizer@example.org", "viewer@example.org"]
    body = sent[0][1]
    assert "Checked in: 2 (2 of 3 confirmed guests, 0 walk-ins)" in body and "No-shows: 1" in body
    assert "Door open from" in body and "Priya" not in body
    assert send_due(app, ends_at + dt.timedelta(days=4)) == 0  # nothing stale, nothing twice


def test_an_email_that_fails_for_good_reaches_the_guests_managers_with_a_one_click_unsubscribe(
    app, client, mailbox, monkeypatch
):
    event_id = team(app)
    with db_session(app):
        guest = make_rsvp(db.session.get(Event, event_id), email="priya@unreachable.example")
        db.session.execute(sa.update(OutboxMessage).values(attempts=mail.MAX_ATTEMPTS - 1))
        guest_id = guest.id
    real_transmit = mail.transmit

    def transmit(message):
        if message.to_address == "priya@unreachable.example":
            raise smtplib.SMTPRecipientsRefused({message.to_address: (550, b"no such mailbox")})
        real_transmit(message)

    monkeypatch.setattr(mail, "transmit", transmit)
    with app.app_context():
        deliver_outbox()
        deliver_outbox()  # the notices queued when the first round gave up
    sent = notices(app, "failed")
    assert [to for to, _ in sent] == ["host@example.org", "organizer@example.org"]  # never the viewer
    assert [body for _, body in sent] == ["", ""]  # sent: the outbox keeps no copy naming the guest
    [mailed] = [m for m in mailbox.messages if m["To"] == "host@example.org"]
    text = mailed.get_body(("plain",)).get_content()
    assert "priya@unreachable.example" in text and f"/admin/guests/{guest_id}" in text
    assert mailed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(.+)>", mailed["List-Unsubscribe"]).group(1)
    # What a mail client's "Unsubscribe" button does (RFC 8058): a POST with that one field.
    assert client.post(urlsplit(link).path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with db_session(app):
        mode = db.session.scalar(sa.select(NotificationPreference.mode).where(NotificationPreference.kind == "failed"))
    assert mode == "off"
