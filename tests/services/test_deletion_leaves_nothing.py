"""Issue 12.7: a guest who did everything deletes their data (or retention purges it), and then their
name, e-mail addresses and phone are nowhere: in no text column of any table, not in the outbox
(their own mail or other guests' contact follow-ups), not in any badge PDF."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import BadgeJobOutput, utcnow
from eventsite.services import badges, checkin, contacts, email_change, feedback, privacy, questions
from factories import make_event, make_rsvp
from helpers import pdf_text

H = dt.timedelta(hours=1)
FIRST, LAST = "Zephyrine", "Quillfeather"
OLD_EMAIL, NEW_EMAIL = "zq.old@example.org", "zephyrine.new@example.org"
PHONE = "+1 310 555 0199"
NEEDLES = [FIRST, LAST, OLD_EMAIL, NEW_EMAIL, "zq.old", "zephyrine.new", PHONE, "310 555 0199", "3105550199"]


def text_columns():
    """Every column of every table that can hold text (strings, text, JSON), as (table, column)."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON | sa.Enum):
                yield table, column


def found_anywhere() -> list[str]:
    hits = []
    for table, column in text_columns():
        value = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
        for needle in NEEDLES:
            if db.session.scalar(
                sa.select(sa.func.count()).select_from(table).where(sa.func.lower(value).contains(needle.lower()))
            ):
                hits.append(f"{table.name}.{column.name} holds {needle!r}")
    for job_id, pdf in db.session.execute(sa.select(BadgeJobOutput.job_id, BadgeJobOutput.pdf)):
        text = " ".join(pdf_text(pdf)).lower()
        hits += [f"badge PDF of job {job_id} shows {n!r}" for n in NEEDLES if n.lower() in text]
    return hits


def a_guest_who_did_everything():
    """Past evening; the guest RSVPed, changed their e-mail, had their badge printed, shared their
    card and saved a contact (and was saved), answered the RSVP form's question, was checked in and
    answered the feedback form by name."""
    event = make_event(starts_at=utcnow() - 4.5 * H, capacity=None)
    before = event.starts_at - 48 * H
    guest = make_rsvp(event, first_name=FIRST, last_name=LAST, badge_name=FIRST, email=OLD_EMAIL, now=before)
    other = make_rsvp(event, first_name="Otto", last_name="Other", email="otto@example.org", now=before)
    email_change.request_change(guest, NEW_EMAIL, now=before)
    [link] = [
        m
        for m in db.session.scalars(sa.select(sa.text("body_text")).select_from(sa.text("outbox_messages")))
        if "/email-change/" in m
    ]
    token = link.split("/email-change/")[1].split()[0]
    email_change.confirm_change(email_change.read_link(token))
    job = badges.start_print_job(event, layout="avery-5392", selection="all", actor="organizer:o@example.org")
    pdf = badges.render_badges_pdf(badges.job_badges(job), layout="avery-5392")
    assert FIRST in " ".join(pdf_text(pdf))  # the PDF really shows them until the deletion
    badges.finish_print_job(job, pdf)
    for who, phone in ((guest, PHONE), (other, "+1 212 555 0100")):
        contacts.update_preferences(
            who, in_directory=True, share_contact=True, share_email=True, share_phone=True, phone=phone
        )
    contacts.save_contact(guest, other, note="met at the bar")
    contacts.save_contact(other, guest, note=f"{FIRST} knows hand surgery")
    asked = questions.add_question(event, "short_text", questions.QuestionFields(prompt="Anything we should know?"))
    questions.save_answers(guest, [asked], {asked.id: [f"{FIRST}: call me on {PHONE}"]})
    for who in (guest, other):
        checkin.check_in(event, who.ticket_code, now=event.starts_at + H)
    form = feedback.get_form(event)
    form.is_anonymous = False
    answers = {"overall": "5", "recommend": "9"}
    feedback.submit_feedback(
        guest, {feedback.field_name(q): [answers[q.key]] for q in form.questions if q.key in answers}
    )
    # A week later the other guest's follow-up (with this guest's card and vCard) is queued, not yet sent.
    assert contacts.send_followups(now=event.ends_at + 8 * 24 * H) == 2
    db.session.commit()
    assert found_anywhere(), "the setup should leave the guest's data in the database"
    return guest


@pytest.mark.parametrize("how", ["deletes_their_data", "retention"])
def test_after_deletion_the_guest_is_nowhere(app_ctx, how):
    guest = a_guest_who_did_everything()
    if how == "deletes_their_data":
        privacy.delete_own_data(guest)
    else:
        privacy.set_retention(30, actor="organizer:o@example.org")
        assert privacy.apply_retention_batch(now=utcnow() + dt.timedelta(days=31)) == 2
    db.session.commit()
    assert found_anywhere() == []
