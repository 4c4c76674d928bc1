"""Invitations (issue 15): an organizer pastes people, each gets a personal link that opens the
RSVP form filled in, lets them into an invitation-only category past approval, works once, and
says "can't come" too."""

import csv
import io
import re

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CategoryPolicy, Event, GuestInvitation, OutboxMessage, Rsvp, RsvpStatus
from eventsite.services import categories
from factories import make_event
from helpers import csrf_token, db_session, form_values, page_text, post_form


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


def test_import_a_list_fix_the_bad_row_and_invite_with_details_filled_in(app, admin, client):
    """The list from a programme coordinator, as Excel saves it (semicolons, Windows encoding):
    one row has a typo; it stays to be fixed while the others are invited."""
    event_id, faculty_id = an_invitation_only_evening(app)
    url = f"/admin/events/{event_id}/invitations/import"
    sheet = ("Name;E-mail;Program;PGY;Category\r\n"
             "José Núñez;jose@ucla.edu;UCLA Orthopaedic Surgery;PGY-3;Resident\r\n"
             "Hana Sato;hana(at)ucla.edu;UCLA Orthopaedic Surgery;PGY-2;Resident\r\n"
             "=HYPERLINK(\"x\");dr.w@cedars.org;Cedars-Sinai;Attending / faculty;Faculty\r\n").encode("cp1252")  # fmt: skip
    page = admin.get(url).get_data(as_text=True)
    checked = admin.post(url, data={"csrf_token": csrf_token(page), "action": "check",
                                    "file": (io.BytesIO(sheet), "residents.csv")},
                         content_type="multipart/form-data")  # fmt: skip
    text = page_text(checked.get_data(as_text=True))
    assert "2 rows are ready to invite, 1 needs fixing" in text and "not an e-mail address" in text
    rows = form_values(checked.get_data(as_text=True))["rows"]
    assert "José,Núñez,jose@ucla.edu" in rows.replace('"', "")  # read from the Windows encoding
    invited = post_form(admin, url, {"rows": rows, "action": "invite"}, page=url)
    text = page_text(invited.get_data(as_text=True))
    assert "Invited 2" in text and "1 needs fixing" in text.replace("0 rows are ready to invite, ", "")
    left = form_values(invited.get_data(as_text=True))["rows"]
    assert "hana(at)ucla.edu" in left and "jose@ucla.edu" not in left  # only the row to fix stays
    fixed = post_form(admin, url, {"rows": left.replace("hana(at)ucla.edu", "hana@ucla.edu"), "action": "invite"},
                      page=url)  # fmt: skip
    assert "Invited 1" in page_text(fixed.get_data(as_text=True))
    link = links_to(app, "jose@ucla.edu")
    values = form_values(client.get(link).get_data(as_text=True))
    assert (values["first_name"], values["institution"], values["training_level"]) == (
        "José",
        "UCLA Orthopaedic Surgery",
        "pgy3",
    )
    with db_session(app):
        formula = db.session.scalar(sa.select(GuestInvitation).where(GuestInvitation.email_key == "dr.w@cedars.org"))
        assert formula.first_name == '=HYPERLINK("x")' and formula.category_id == faculty_id  # kept as text


def test_a_list_over_2_mb_gets_its_message_by_the_field_not_a_bare_413(app, admin):
    event_id, _ = an_invitation_only_evening(app)
    url = f"/admin/events/{event_id}/invitations/import"
    page = admin.get(url).get_data(as_text=True)
    big = b"E-mail\n" + b"someone@ucla.edu\n" * 140_000  # 2.4 MB: more than the list may be, less than the route takes
    # The multipart body built here, as a browser sends it (the test client would spool it to a file it leaves open).
    body = (b'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + csrf_token(page).encode()
            + b'\r\n--B\r\nContent-Disposition: form-data; name="action"\r\n\r\ncheck'
            + b'\r\n--B\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            + b"Content-Type: text/csv\r\n\r\n" + big + b"\r\n--B--\r\n")  # fmt: skip
    reply = admin.post(url, data=body, content_type="multipart/form-data; boundary=B")
    assert reply.status_code == 422
    assert "The file is larger than 2 MB" in page_text(reply.get_data(as_text=True))
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GuestInvitation)) == 0


def test_a_list_may_answer_the_events_own_questions_checked_like_the_form_and_filled_in(app, admin, client):
    from eventsite.services import questions

    with db_session(app):
        event = make_event(capacity=30)
        member = questions.add_question(event, "single", questions.QuestionFields(
            prompt="Are you a member of the society?", choices=["Yes", "No"]))  # fmt: skip
        event_id, member_id = event.id, member.id
    url = f"/admin/events/{event_id}/invitations/import"
    sheet = ("E-mail,Name,Are you a member of the society?\n"
             "ana@ucla.edu,Ana Li,Yes\n"
             "ben@ucla.edu,Ben Ode,Maybe\n")  # fmt: skip
    checked = post_form(admin, url, {"rows": sheet, "action": "check"}, page=url)
    html = checked.get_data(as_text=True)
    assert "“Are you a member of the society?”: Choose one of the options." in page_text(html)
    assert "Are you a member of the society? → Are you a member of the society?" in page_text(html)
    rows = form_values(html)["rows"]
    assert rows.splitlines()[0].endswith("Are you a member of the society?")  # the column stays to fix
    invited = post_form(admin, url, {"rows": rows, "action": "invite"}, page=url)
    assert "Invited 1" in page_text(invited.get_data(as_text=True))
    assert "Ben,Ode,ben@ucla.edu,Maybe" in form_values(invited.get_data(as_text=True))["rows"]
    with db_session(app):
        ana = db.session.scalar(sa.select(GuestInvitation).where(GuestInvitation.email_key == "ana@ucla.edu"))
        assert ana.answers == {str(member_id): ["Yes"]}
    assert 'value="Yes" checked' in client.get(links_to(app, "ana@ucla.edu")).get_data(as_text=True)


def invite_three(app, admin, **event_fields) -> int:
    with db_session(app):
        event_id = make_event(capacity=30, **event_fields).id
    people = "ana@ucla.edu\nben@ucla.edu\ncruz@unreachable.example"
    assert post_form(admin, f"/admin/events/{event_id}/invitations", {"people": people}).status_code == 302
    return event_id


def invitation_of(app, address: str) -> GuestInvitation:
    with db_session(app):
        found = db.session.scalar(sa.select(GuestInvitation).where(GuestInvitation.email_key == address))
        db.session.expunge(found)
        return found


def test_openings_are_tracked_only_when_the_organizers_turn_it_on(app, admin, client):
    event_id = invite_three(app, admin)
    with db_session(app):
        html = db.session.scalar(sa.select(OutboxMessage.body_html).where(OutboxMessage.to_address == "ana@ucla.edu"))
    assert "/i/opened/" not in html  # off by default: no image in the e-mail
    url = f"/admin/events/{event_id}/invitations"
    assert post_form(admin, f"{url}/follow-up", {"track_opens": "y"}, page=url).status_code == 302
    assert post_form(admin, url, {"people": "dee@ucla.edu"}).status_code == 302
    with db_session(app):
        html = db.session.scalar(sa.select(OutboxMessage.body_html).where(OutboxMessage.to_address == "dee@ucla.edu"))
    image = re.search(r'src="https?://[^/]+(/i/opened/[^"]+\.gif)"', html).group(1)
    assert re.search(r"/i/[A-Za-z0-9_-]{30,}", links_to(app, "dee@ucla.edu"))  # the link's secret …
    assert links_to(app, "dee@ucla.edu").rsplit("/", 1)[1] not in image  # … is not in the image's address
    forged = client.get("/i/opened/made-up.gif")
    assert forged.status_code == 200 and forged.mimetype == "image/gif"
    assert invitation_of(app, "dee@ucla.edu").opened_at is None
    shown = client.get(image)
    assert shown.status_code == 200 and shown.data.startswith(b"GIF89a")
    first = invitation_of(app, "dee@ucla.edu").opened_at
    assert first is not None
    client.get(image)
    assert invitation_of(app, "dee@ucla.edu").opened_at == first  # the first opening stays
    text = page_text(admin.get(url).get_data(as_text=True))
    assert "1 opened" in text and "Not opened yet" in text


def test_a_bounce_shows_and_one_reminder_goes_to_those_who_have_not_answered(app, admin, client, monkeypatch):
    import datetime as dt
    import smtplib

    from eventsite.jobs.outbox import deliver_outbox
    from eventsite.models import utcnow
    from eventsite.services import DomainError, invitations, mail

    event_id = invite_three(app, admin)
    url = f"/admin/events/{event_id}/invitations"
    reply = post_form(admin, f"{url}/follow-up", {"reminder_at": "2001-01-01T09:00"}, page=url)
    assert reply.status_code == 422
    assert "between now and the event's start" in page_text(reply.get_data(as_text=True))
    with db_session(app):
        db.session.execute(sa.update(OutboxMessage).values(attempts=mail.MAX_ATTEMPTS - 1))
        db.session.commit()
        event = db.session.get(Event, event_id)
        soon = (utcnow() + dt.timedelta(days=2)).astimezone(event.tz)
    real_transmit = mail.transmit

    def transmit(message):
        if message.to_address.endswith("@unreachable.example"):
            raise smtplib.SMTPRecipientsRefused({message.to_address: (550, b"no such mailbox")})
        real_transmit(message)

    monkeypatch.setattr(mail, "transmit", transmit)
    with app.app_context():
        deliver_outbox()
    assert invitation_of(app, "cruz@unreachable.example").bounced_at is not None
    assert invitation_of(app, "ana@ucla.edu").bounced_at is None
    assert "1 bounced" in page_text(admin.get(url).get_data(as_text=True))
    first_link = links_to(app, "ben@ucla.edu")
    assert "can't come" in page_text(client.get(links_to(app, "ana@ucla.edu") + "/decline").get_data(as_text=True))
    post_form(client, links_to(app, "ana@ucla.edu") + "/decline", {})
    fields = {"reminder_at": soon.strftime("%Y-%m-%dT%H:%M")}
    assert post_form(admin, f"{url}/follow-up", fields, page=url).status_code == 302
    with db_session(app):
        assert invitations.send_due_reminders(now=utcnow() + dt.timedelta(days=1)) == 0  # not yet
        assert invitations.send_due_reminders(now=utcnow() + dt.timedelta(days=3)) == 1  # Ben only
        assert invitations.send_due_reminders(now=utcnow() + dt.timedelta(days=4)) == 0  # once
        db.session.commit()
        reminders = db.session.execute(
            sa.select(OutboxMessage.to_address, OutboxMessage.body_text).where(
                OutboxMessage.subject.startswith("Reminder")
            )
        ).all()
    assert [to for to, _ in reminders] == ["ben@ucla.edu"]
    second_link = re.search(r"/i/[A-Za-z0-9_-]+", reminders[0][1]).group(0)
    assert second_link != first_link
    assert "You're invited" in page_text(client.get(first_link).get_data(as_text=True))  # the first still works
    assert "You're invited" in page_text(client.get(second_link).get_data(as_text=True))
    text = page_text(admin.get(url).get_data(as_text=True))
    assert "The reminder went" in text and "to 1 person" in text and "Reminded" in text
    # Afterwards the page offers tracking only; the reminder's moment stays, and there is no second one.
    assert post_form(admin, f"{url}/follow-up", {"track_opens": "y", "reminder_at": ""}, page=url).status_code == 302
    with db_session(app):
        event = db.session.get(Event, event_id)
        assert event.invite_track_opens and event.invite_reminder_at is not None
        try:
            invitations.set_follow_up(event, track_opens=True, reminder_at=None)
        except DomainError as refused:
            assert "only one" in refused.message
        else:
            raise AssertionError("a second reminder was allowed")


def test_ticked_invitations_are_sent_again_moved_withdrawn_or_downloaded(app, admin, client):
    event_id = invite_three(app, admin)
    url = f"/admin/events/{event_id}/invitations"
    post_form(client, links_to(app, "ben@ucla.edu") + "/decline", {})
    first_link = links_to(app, "ana@ucla.edu")
    with db_session(app):
        ids = dict(db.session.execute(sa.select(GuestInvitation.email_key, GuestInvitation.id)).tuples().all())
        faculty = next(c.id for c in categories.of_event(db.session.get(Event, event_id)) if c.name == "Faculty")
    token = csrf_token(admin.get(url).get_data(as_text=True))

    def bulk(action: str, *who: str) -> str:
        reply = admin.post(f"{url}/bulk", data={"csrf_token": token, "action": action, "ids": [ids[w] for w in who]})
        return page_text(admin.get(reply.headers["Location"]).get_data(as_text=True))

    text = bulk("resend", "ana@ucla.edu", "ben@ucla.edu")
    assert "Done for 1 invitation." in text and "ben@ucla.edu: already can't come" in text
    with db_session(app):
        [again] = db.session.scalars(
            sa.select(OutboxMessage.body_text).where(
                OutboxMessage.to_address == "ana@ucla.edu", OutboxMessage.subject.startswith("Reminder")
            )  # fmt: skip
        ).all()
    new_link = re.search(r"/i/[A-Za-z0-9_-]+", again).group(0)
    for link in (first_link, new_link):
        assert "You're invited" in page_text(client.get(link).get_data(as_text=True))
    assert "Done for 1 invitation." in bulk(f"category:{faculty}", "ana@ucla.edu")
    csv_text = admin.get(f"{url.removesuffix('/invitations')}/invitations.csv?ids={ids['ana@ucla.edu']}").get_data(
        as_text=True
    )
    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert [(r["E-mail"], r["Category"], r["Answer"]) for r in rows] == [("ana@ucla.edu", "Faculty", "Invited")]
    assert rows[0]["Reminded at"]
    assert "Done for 1 invitation." in bulk("withdraw", "ana@ucla.edu")
    assert client.get(first_link).status_code == 404 and client.get(new_link).status_code == 404
    assert "Choose what to do" in bulk("explode", "cruz@unreachable.example")


def test_a_column_nothing_reads_is_named_and_kept_so_renaming_its_heading_puts_it_to_use(app, admin):
    with db_session(app):
        event_id = make_event(capacity=30).id
    url = f"/admin/events/{event_id}/invitations/import"
    sheet = "E-mail,Name,Residency\nana@ucla.edu,Ana Li,UCLA Orthopaedic Surgery\n"
    html = post_form(admin, url, {"rows": sheet, "action": "check"}, page=url).get_data(as_text=True)
    assert "Not read: “Residency”" in page_text(html)
    rows = form_values(html)["rows"]
    assert rows.splitlines()[0].endswith(",Residency") and rows.splitlines()[1].endswith(",UCLA Orthopaedic Surgery")
    renamed = rows.replace(",Residency", ",Program", 1)
    html = post_form(admin, url, {"rows": renamed, "action": "invite"}, page=url).get_data(as_text=True)
    assert "Invited 1" in page_text(html)
    with db_session(app):
        ana = db.session.scalar(sa.select(GuestInvitation).where(GuestInvitation.email_key == "ana@ucla.edu"))
        assert ana.institution == "UCLA Orthopaedic Surgery"
