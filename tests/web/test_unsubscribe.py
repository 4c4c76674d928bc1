"""Unsubscribes from bulk e-mail (issue 17): every organizer message, invitation and follow-up
carries a visible link and one-click List-Unsubscribe (RFC 8058); they are kept per address and
per kind, honoured by every sender of that kind, and never stop e-mail about the guest's own RSVP.
A spam complaint (``flask mail suppress``) stops every kind, city alerts included."""

import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import BulkKind, CityAlert, Event, MailOptOut, Message, OutboxMessage, Rsvp, utcnow
from eventsite.services import invitations, mail, my_events, opt_outs
from factories import make_event, make_rsvp
from helpers import db_session, page_text, post_form


def text(response) -> str:
    return page_text(response.get_data(as_text=True))


def mails(kind: str, to: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query))


def link_path(message: OutboxMessage) -> str:
    """The path of the message's unsubscribe link, after checking the header and the body agree."""
    url = message.headers["List-Unsubscribe"].strip("<>")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body_text and url in message.body_html
    return "/" + url.split("//", 1)[1].split("/", 1)[1]


def ana_and_ben(app) -> int:
    """An event with two confirmed guests, Ana and Ben; returns its id."""
    with db_session(app):
        event = make_event(capacity=5)
        make_rsvp(event, first_name="Ana", email="ana@ucla.edu")
        make_rsvp(event, first_name="Ben", email="ben@ucla.edu")
        db.session.flush()
        return event.id


def send_message(admin, event_id: int, subject: str):
    url = f"/admin/events/{event_id}/messages"
    preview = post_form(admin, url, {"segment": "confirmed", "subject": subject, "body": "Park on level 2."})
    sent = post_form(
        admin, url, {"segment": "confirmed", "subject": subject, "body": "Park on level 2.", "confirm": "confirmed:2",
                     "action": "send"},
    )  # fmt: skip
    assert sent.status_code == 302, text(sent)
    return text(preview)


def test_a_guest_who_unsubscribes_in_one_click_gets_no_more_organizer_messages(app, admin, client):
    event_id = ana_and_ben(app)
    send_message(admin, event_id, "Parking")
    with db_session(app):
        [to_ana] = mails("organizer_message", "ana@ucla.edu")
        path = link_path(to_ana)
        assert "Don't want organizers' messages about events you replied to? Unsubscribe" in to_ana.body_text
    asked = client.get(path)
    assert asked.status_code == 200 and "Stop organizers' messages about events you replied to" in text(asked)
    assert asked.headers["Referrer-Policy"] == "no-referrer"
    # A mail app's one-click POST: no page, no form token.
    one_click = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and "You're unsubscribed" in text(one_click)
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # twice is fine

    preview = send_message(admin, event_id, "Coats")
    assert "1 of them has unsubscribed from organizers' messages and won't get it." in preview
    with db_session(app):
        assert [m.to_address for m in mails("organizer_message") if m.subject == "Coats"] == ["ben@ucla.edu"]
        assert db.session.scalar(sa.select(Message.recipients).where(Message.subject == "Coats")) == 1
        opted = db.session.scalars(sa.select(MailOptOut)).all()
        assert [(o.email_key, o.kind, o.source) for o in opted] == [("ana@ucla.edu", "messages", "one-click")]


def test_undo_and_a_forged_link(app, admin, client):
    event_id = ana_and_ben(app)
    send_message(admin, event_id, "Parking")
    with db_session(app):
        path = link_path(mails("organizer_message", "ana@ucla.edu")[0])
    done = client.post(path)
    assert "No more organizers' messages" in text(done)
    undone = client.post(path, data={"undo": "1"})
    assert "You're subscribed again" in text(undone)
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailOptOut)) == 0
    assert client.get(path[:-4] + "AAAA").status_code == 404
    assert client.get("/unsubscribe/not-a-link").status_code == 404
    assert "isn't one of ours" in text(client.post("/unsubscribe/not-a-link"))


def test_invitations_skip_an_address_that_unsubscribed_from_them_and_say_so(app, admin, client):
    with db_session(app):
        first = make_event(capacity=30, title="Boston evening").id
        second = make_event(capacity=30, title="Chicago evening").id
    assert post_form(admin, f"/admin/events/{first}/invitations", {"people": "ana@ucla.edu"}).status_code == 302
    with db_session(app):
        path = link_path(mails("guest_invitation", "ana@ucla.edu")[0])
    assert "Stop invitations to events" in text(client.get(path))
    client.post(path)
    reply = post_form(
        admin, f"/admin/events/{second}/invitations", {"people": "ANA@ucla.edu\nben@ucla.edu"}, follow_redirects=True
    )
    assert "Left out: ANA@ucla.edu: unsubscribed from invitations" in text(reply)
    with db_session(app):
        assert [m.to_address for m in mails("guest_invitation") if "Chicago" in m.subject] == ["ben@ucla.edu"]
        # The first event's reminder skips her too.
        invitations.set_follow_up(
            db.session.get(Event, first), track_opens=False, reminder_at=utcnow() + dt.timedelta(minutes=5)
        )
        assert invitations.send_due_reminders(now=utcnow() + dt.timedelta(minutes=6)) == 0


def test_everything_off_stops_follow_ups_and_city_alerts_but_never_the_guests_own_rsvp_mail(app, client):
    with db_session(app):
        event = make_event(capacity=5)
        ana = make_rsvp(event, email="ana@ucla.edu")
        db.session.flush()
        db.session.add(CityAlert(email="ana@ucla.edu", email_key="ana@ucla.edu", series_id=event.series_id,
                                 city="Chicago", confirmed_at=utcnow()))  # fmt: skip
        path = "/" + opt_outs.unsubscribe_url("ana@ucla.edu", BulkKind.FOLLOW_UPS).split("//", 1)[1].split("/", 1)[1]
        ana_id = ana.id
    done = client.post(path, data={"scope": "all"})
    assert "No more e-mail from us that isn't about your own RSVP: no messages, invitations" in text(done)
    assert "You're unsubscribed" in text(done) and "E-mails about your own RSVP" in text(done)
    with db_session(app):
        assert db.session.scalar(sa.select(CityAlert.suppressed_at)) is not None
        assert my_events.data_of("ana@ucla.edu")["unsubscribed_from"][0]["kind"] == "all"
        # Her own RSVP's e-mail still goes.
        mail.queue_guest_message(db.session.get(Rsvp, ana_id), "resent")
        assert [m.to_address for m in mails("resent")] == ["ana@ucla.edu"]


def test_a_spam_complaint_stops_every_bulk_kind_from_the_command_line(app, admin, runner):
    event_id = ana_and_ben(app)
    bad = runner.invoke(args=["mail", "suppress", "not an address"])
    assert bad.exit_code != 0 and "Error:" in bad.output  # email-validator's own words follow
    done = runner.invoke(args=["mail", "suppress", "Ana@UCLA.edu"])
    assert done.exit_code == 0 and "No more bulk e-mail to Ana@UCLA.edu (complaint)" in done.output
    preview = send_message(admin, event_id, "Parking")
    assert "1 of them has unsubscribed" in preview
    with db_session(app):
        assert [m.to_address for m in mails("organizer_message")] == ["ben@ucla.edu"]
        [row] = db.session.scalars(sa.select(MailOptOut)).all()
        assert (row.email_key, row.kind, row.source) == ("ana@ucla.edu", "all", "complaint")


def test_the_persons_page_says_what_they_unsubscribed_from(app, admin):
    event_id = ana_and_ben(app)
    with db_session(app):
        ana = db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.email_key == "ana@ucla.edu"))
        opt_outs.opt_out(ana.email_key, BulkKind.INVITATIONS)
        opt_outs.opt_out(ana.email_key, BulkKind.MESSAGES)
        ana_id = ana.id
    text_of_page = text(admin.get(f"/admin/people/{ana_id}"))
    assert (
        "Unsubscribed from invitations, organizers' messages: our e-mails of those kinds leave this address out."
        in text_of_page
    )
