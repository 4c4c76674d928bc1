"""Invitations (issue 15): an organizer pastes people, each gets a personal link that opens the
RSVP form filled in, lets them into an invitation-only category past approval, works once, and
says "can't come" too."""

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
    assert "Ben,Ode,ben@ucla.edu,,,,Maybe" in form_values(invited.get_data(as_text=True))["rows"]
    with db_session(app):
        ana = db.session.scalar(sa.select(GuestInvitation).where(GuestInvitation.email_key == "ana@ucla.edu"))
        assert ana.answers == {str(member_id): ["Yes"]}
    assert 'value="Yes" checked' in client.get(links_to(app, "ana@ucla.edu")).get_data(as_text=True)
