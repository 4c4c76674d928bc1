"""The RSVP form's own questions (issue 15): the organizer writes them (messages by the field,
ordering without JavaScript, removal that asks first and keeps answers); guests answer them on
the RSVP form and change them from their page until RSVPs close; answers show on the guest's
page, in the guest list's chosen columns and in the CSV (formula-safe, removed ones marked)."""

import csv
import datetime as dt
import io

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, Rsvp, RsvpAnswer, RsvpQuestion, utcnow
from eventsite.services import categories, questions
from factories import guest_fields, make_event, make_rsvp
from helpers import db_session, field_box, form_values, page_text, post_form

Q = questions.QuestionFields


def an_event_with_questions(app) -> tuple[int, str, dict[str, int], dict[str, int]]:
    """A published event asking: membership (required, everyone), hopes (optional text), years
    in practice (a number, Faculty only, required) and photo consent (optional)."""
    with db_session(app):
        event = make_event(capacity=30)
        cats = {c.name: c.id for c in categories.of_event(event)}
        made = {
            "member": questions.add_question(event, "single", Q(
                prompt="Are you a member of the society?", required=True, choices=["Yes", "No", "Not sure"])),
            "hope": questions.add_question(event, "short_text", Q(prompt="One thing you hope to get from tonight")),
            "years": questions.add_question(event, "number", Q(
                prompt="Years in practice", required=True, category_ids=[cats["Faculty"]])),
            "photos": questions.add_question(event, "consent", Q(
                prompt="Photos", consent_text="You may use photos of me in the newsletter.",
                consent_url="https://example.org/photos")),
        }  # fmt: skip
        return event.id, event.slug, {k: q.id for k, q in made.items()}, cats


def answered(app, event_id: int, answers: dict[int, list], **guest) -> tuple[int, str]:
    """A guest of the event who gave ``answers`` ({question id: answer}) on the RSVP form: the
    RSVP's id and manage token."""
    with db_session(app):
        rsvp = make_rsvp(db.session.get(Event, event_id), **guest)
        asked = questions.asked(questions.of_event(event_id), rsvp.category_id)
        questions.save_answers(rsvp, asked, answers)
        db.session.commit()
        return rsvp.id, rsvp.manage_token


def answers_of(app, email: str) -> dict[int, list]:
    with db_session(app):
        rsvp = db.session.scalar(sa.select(Rsvp).where(Rsvp.email == email))
        return {a.question_id: a.answer for a in questions.answers_of_rsvp(rsvp.id)}


def test_the_rsvp_form_asks_the_questions_in_order_saying_whom_each_is_for(app, client):
    _, slug, q, _ = an_event_with_questions(app)
    html = client.get(f"/e/{slug}").get_data(as_text=True)
    text = page_text(html)
    order = [text.index(p) for p in ("member of the society", "hope to get", "Years in practice", "newsletter")]
    assert order == sorted(order)
    assert "For Faculty" in field_box(html, f"cq{q['years']}")
    assert 'href="https://example.org/photos"' in html


def test_a_missing_or_bad_answer_is_told_by_its_question_and_nothing_is_saved(app, client):
    _, slug, q, _ = an_event_with_questions(app)
    typed = guest_fields(first_name="Ana", email="ana@example.org", training_level="pgy2")
    reply = post_form(client, f"/e/{slug}", {**typed, f"cq{q['hope']}": "x" * 301})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    assert "Please answer this question." in field_box(html, f"cq{q['member']}")
    assert "Please keep it under 300 characters" in field_box(html, f"cq{q['hope']}")
    assert "2 things need your attention" in page_text(html)
    assert form_values(html)["first_name"] == "Ana" and form_values(html)[f"cq{q['hope']}"] == "x" * 301
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Rsvp)) == 0


def test_a_resident_answers_what_is_asked_of_residents_and_a_faculty_member_more(app, client):
    _, slug, q, cats = an_event_with_questions(app)
    # The Faculty-only required number is not asked of a resident (a value sent anyway is ignored).
    fields = guest_fields(email="res@example.org", training_level="pgy2")
    answers = {f"cq{q['member']}": "Yes", f"cq{q['hope']}": "Meet <b>peers</b>", f"cq{q['years']}": "12"}
    assert post_form(client, f"/e/{slug}", {**fields, **answers, f"cq{q['photos']}": "yes"}).status_code == 302
    assert answers_of(app, "res@example.org") == {
        q["member"]: ["Yes"],
        q["hope"]: ["Meet <b>peers</b>"],
        q["photos"]: ["yes"],
    }
    fields = guest_fields(email="prof@example.org", training_level="attending", category=str(cats["Faculty"]))
    reply = post_form(client, f"/e/{slug}", {**fields, f"cq{q['member']}": "No", f"cq{q['years']}": "twelve"})
    assert reply.status_code == 422
    assert "Give a number" in field_box(reply.get_data(as_text=True), f"cq{q['years']}")
    reply = post_form(client, f"/e/{slug}", {**fields, f"cq{q['member']}": "No", f"cq{q['years']}": "12,5"})
    assert reply.status_code == 302
    assert answers_of(app, "prof@example.org") == {q["member"]: ["No"], q["years"]: [12.5]}
    with db_session(app):
        consent = db.session.scalar(sa.select(RsvpAnswer).where(RsvpAnswer.question_id == q["photos"]))
        assert consent.consent_version == 1 and consent.answered_at is not None


def test_the_guest_changes_answers_until_rsvps_close_then_reads_them(app, client):
    event_id, _, q, _ = an_event_with_questions(app)
    _, token = answered(app, event_id, {q["member"]: ["Not sure"], q["hope"]: ["Mentors"]}, email="g@example.org")
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert 'value="Not sure" checked' in html and form_values(html)[f"cq{q['hope']}"] == "Mentors"
    details = {"first_name": "G", "last_name": "Guest", "institution": "UCLA", "training_level": "pgy2"}
    reply = post_form(client, f"/r/{token}", {**details, f"cq{q['member']}": "Yes", f"cq{q['hope']}": ""})
    assert reply.status_code == 302 and "saved=1" in reply.headers["Location"]
    assert answers_of(app, "g@example.org") == {q["member"]: ["Yes"]}  # the emptied answer is gone
    with db_session(app):
        db.session.get(Event, event_id).rsvp_deadline = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert f'name="cq{q["member"]}"' not in html
    assert "RSVPs have closed, so your answers can no longer change." in page_text(html)
    assert "<dt>Are you a member of the society?</dt><dd>Yes</dd>" in html
    reply = post_form(client, f"/r/{token}", {**details, f"cq{q['member']}": "No"})
    assert reply.status_code == 302
    assert answers_of(app, "g@example.org") == {q["member"]: ["Yes"]}


def test_answers_show_on_the_guests_page_in_chosen_columns_and_in_the_csv(app, admin):
    event_id, _, q, _ = an_event_with_questions(app)
    answers = {q["member"]: ["Yes"], q["hope"]: ['=HYPERLINK("http://x")<script>'], q["photos"]: ["yes"]}
    rsvp_id, _ = answered(app, event_id, answers, first_name="Ana", last_name="Lee")
    html = admin.get(f"/admin/guests/{rsvp_id}").get_data(as_text=True)
    assert '<dt>Are you a member of the society?</dt><dd class="pre">Yes</dd>' in html
    assert "&lt;script&gt;" in html and "<script>" not in html.split("Answers to the RSVP questions")[1]
    assert "Agreed (text version 1," in page_text(html)
    # Columns are the organizer's choice, and stay chosen while paging and sorting.
    listing = f"/admin/events/{event_id}/guests"
    assert "Yes" not in page_text(admin.get(listing).get_data(as_text=True)).split("Ana Lee")[1][:200]
    admin.get(f"{listing}?columns=1&col={q['member']}")
    text = page_text(admin.get(f"{listing}?sort=created").get_data(as_text=True))
    assert "Are you a member of the society?" in text and "Yes" in text.split("Ana Lee")[1]
    body = admin.get(f"/admin/events/{event_id}/guests.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert row["Are you a member of the society?"] == "Yes"
    assert row["One thing you hope to get from tonight"].startswith("'=HYPERLINK")  # formula-safe
    assert row["Photos"].startswith("Agreed (text version 1,") and row["Years in practice"] == ""


def test_the_organizer_writes_and_orders_questions_with_messages_by_the_field(app, admin):
    with db_session(app):
        event_id = make_event().id
    url = f"/admin/events/{event_id}/questions"
    reply = post_form(admin, url, {"new-kind": "single", "new-prompt": "Subspecialty?", "new-choices": "Hand"})
    assert reply.status_code == 422
    assert "Give at least two options" in field_box(reply.get_data(as_text=True), "new-choices")
    reply = post_form(admin, url, {"new-kind": "consent", "new-prompt": "Photos", "new-consent_url": "ftp://x"})
    assert reply.status_code == 422
    assert "Write what the guest agrees to" in field_box(reply.get_data(as_text=True), "new-consent_text")
    for prompt, kind in (("First?", "yes_no"), ("Second?", "date")):
        assert post_form(admin, url, {"new-kind": kind, "new-prompt": prompt}).status_code == 302
    with db_session(app):
        second = questions.of_event(event_id)[1].id
    reply = post_form(admin, f"{url}/{second}/move", {"direction": "up"}, page=url)
    assert reply.status_code == 302
    with db_session(app):
        assert [x.prompt for x in questions.of_event(event_id)] == ["Second?", "First?"]
    text = page_text(admin.get(f"/admin/events/{event_id}/activity").get_data(as_text=True))
    assert "Reordered the RSVP form's questions" in text and "Added a question to the RSVP form" in text


def test_editing_keeps_answers_and_a_new_consent_text_is_a_new_version(app, admin):
    event_id, _, q, _ = an_event_with_questions(app)
    answered(app, event_id, {q["member"]: ["Not sure"], q["photos"]: ["yes"]})
    url = f"/admin/events/{event_id}/questions"
    p = f"q{q['member']}-"
    reply = post_form(admin, f"{url}/{q['member']}", {p + "prompt": "Member?", p + "choices": "Yes\nNo"}, page=url)
    assert reply.status_code == 422
    assert "Guests already chose 'Not sure'" in field_box(reply.get_data(as_text=True), p + "choices")
    fields = {p + "prompt": "Member?", p + "choices": "Yes\nNo\nNot sure", p + "required": "y"}
    assert post_form(admin, f"{url}/{q['member']}", fields, page=url).status_code == 302
    p = f"q{q['photos']}-"
    fields = {p + "prompt": "Photos", p + "consent_text": "You may use photos of me anywhere."}
    assert post_form(admin, f"{url}/{q['photos']}", fields, page=url).status_code == 302
    with db_session(app):
        photos = db.session.get(RsvpQuestion, q["photos"])
        [given] = db.session.scalars(sa.select(RsvpAnswer).where(RsvpAnswer.question_id == photos.id))
        assert photos.consent_version == 2 and given.consent_version == 1
        member = db.session.get(RsvpQuestion, q["member"])
        assert member.prompt == "Member?" and questions.answer_count(member) == 1


def test_removing_asks_first_and_keeps_answers_in_the_export_marked_removed(app, admin):
    event_id, slug, q, _ = an_event_with_questions(app)
    answered(app, event_id, {q["member"]: ["Yes"], q["hope"]: ["Peers"]})
    url = f"/admin/events/{event_id}/questions"
    text = page_text(admin.get(f"{url}/{q['hope']}/delete").get_data(as_text=True))
    assert "1 guest has answered it" in text and "(removed)" in text
    with db_session(app):
        assert db.session.get(RsvpQuestion, q["hope"]).removed_at is None  # asking changed nothing
    assert post_form(admin, f"{url}/{q['hope']}/delete", {}).status_code == 302
    assert post_form(admin, f"{url}/{q['years']}/delete", {}).status_code == 302  # nobody answered it
    with db_session(app):
        assert db.session.get(RsvpQuestion, q["hope"]).removed_at is not None
        assert db.session.get(RsvpQuestion, q["years"]) is None
    body = admin.get(f"/admin/events/{event_id}/guests.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert row["One thing you hope to get from tonight (removed)"] == "Peers"
    assert "hope to get" not in page_text(admin.get(f"/e/{slug}").get_data(as_text=True))
