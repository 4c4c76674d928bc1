"""Feedback services: the default and copied form, invitations, answering once, results, CSV."""

import csv
import datetime as dt
import io
import threading

import pytest
import sqlalchemy as sa

from crowd import at_once
from eventsite.database import writing
from eventsite.extensions import db
from eventsite.models import (
    FeedbackAnswer,
    FeedbackAudience,
    FeedbackInvitation,
    FeedbackReceipt,
    FeedbackResponse,
    OutboxMessage,
    QuestionKind,
    utcnow,
)
from eventsite.services import DomainError, checkin, events, feedback
from factories import make_event, make_rsvp
from helpers import db_session

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def past_event(hours_ago: float = 3, **overrides):
    """An event that ended ``hours_ago`` hours ago (it lasted 90 minutes)."""
    return make_event(starts_at=utcnow() - (hours_ago + 1.5) * H, capacity=None, **overrides)


def guests(event, n: int, *, checked_in: int = 0):
    """``n`` confirmed guests (RSVPed a week before), the first ``checked_in`` admitted at the door."""
    out = [make_rsvp(event, email=f"g{i}.{event.id}@example.org", now=event.starts_at - 7 * DAY) for i in range(n)]
    for rsvp in out[:checked_in]:
        assert checkin.check_in(event, rsvp.ticket_code, now=event.starts_at + H).admitted
    db.session.flush()
    return out


def answers(form, **by_key) -> dict[str, list[str]]:
    """Form data for answers given by question key: overall=5, most_useful=["Meeting peers"] …"""
    out = {}
    for q in form.questions:
        if q.key in by_key:
            value = by_key[q.key]
            out[feedback.field_name(q)] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return out


def outbox(kind: str) -> list[str]:
    return sorted(db.session.scalars(sa.select(OutboxMessage.to_address).where(OutboxMessage.kind == kind)))


def test_every_stored_question_kind_has_one_type():
    assert list(feedback.KINDS) == list(QuestionKind)
    assert all(feedback.question_type(kind).kind == kind for kind in QuestionKind)
    assert feedback.question_type("nps") is feedback.KINDS[QuestionKind.NPS]


def test_a_new_event_gets_the_series_form_and_next_in_series_copies_it(app_ctx):
    source = make_event()
    form = feedback.get_form(source)
    assert [q.key for q in form.questions] == [
        "overall", "recommend", "most_useful", "vendors_tried", "support", "anything_else"
    ]  # fmt: skip
    assert [q.kind for q in form.questions][:3] == [QuestionKind.RATING, QuestionKind.NPS, QuestionKind.SINGLE]
    assert form.questions[2].choices == ["Meeting peers", "Meeting faculty", "Vendors' technology", "Food and venue"]
    assert form.questions[4].prompt == "How can the society better support residents?"
    assert (form.questions[3].kind, form.questions[3].choices, form.questions[3].asked) == (
        QuestionKind.VENDORS,
        [],
        False,
    )
    assert form.effective_opens_at == source.ends_at
    assert form.effective_closes_at == source.ends_at + 14 * DAY
    assert (form.invite_delay_hours, form.audience, form.reminder_after_days) == (2, FeedbackAudience.CHECKED_IN, 3)

    feedback.add_question(form, kind="short_text", prompt="Which speaker should we invite?")
    feedback.move_question(form.questions[-1], -1)
    form.is_anonymous = True
    start = source.local_starts_at.replace(tzinfo=None) + 60 * DAY
    copy = events.copy_event(
        source, title="Next", slug="next", local_start=start, local_end=start + 2 * H, timezone=source.timezone,
        venue_name="Hall", room="", street_address="1 Main St", city="Chicago", region="", postal_code="",
    )  # fmt: skip
    copied = feedback.get_form(copy)
    assert copied.id != form.id
    assert [q.key for q in copied.questions] == [q.key for q in form.questions]
    assert copied.questions[-2].key == "which_speaker_should_we_invite"
    assert copied.is_anonymous
    assert copied.effective_opens_at == copy.ends_at


def test_only_checked_in_guests_are_invited_after_the_delay_and_only_once(app_ctx):
    event = past_event(hours_ago=1)
    came, also_came, stayed_home = guests(event, 3, checked_in=2)
    assert feedback.send_invitations() == 0  # the 2-hour delay hasn't passed
    later = utcnow() + 2 * H
    assert feedback.send_invitations(now=later) == 2
    assert outbox("feedback_invitation") == sorted([came.email, also_came.email])
    assert feedback.send_invitations(now=later + H) == 0  # exactly once

    invitation = db.session.scalar(sa.select(FeedbackInvitation).where(FeedbackInvitation.rsvp_id == came.id))
    body = db.session.scalar(
        sa.select(OutboxMessage.body_text).where(
            OutboxMessage.to_address == came.email, OutboxMessage.kind == "feedback_invitation"
        )
    )
    assert feedback.feedback_link(invitation) in body

    form = feedback.get_form(event)
    form.audience = FeedbackAudience.CONFIRMED  # the organizer widens it
    assert feedback.send_invitations(now=later + 2 * H) == 1
    assert stayed_home.email in outbox("feedback_invitation")


def test_one_reminder_to_those_who_have_not_answered(app_ctx):
    event = past_event(hours_ago=3)
    answered, silent = guests(event, 2, checked_in=2)
    now = utcnow()
    assert feedback.send_invitations(now=now) == 2
    form = feedback.get_form(event)
    feedback.submit_feedback(answered, answers(form, overall=4, recommend=8), now=now + H)
    assert feedback.send_reminders(now=now + 2 * DAY) == 0  # not yet three days
    assert feedback.send_reminders(now=now + 3 * DAY) == 1
    assert outbox("feedback_reminder") == [silent.email]
    assert feedback.send_reminders(now=now + 4 * DAY) == 0


def test_no_invitations_for_a_closed_form_or_when_switched_off(app_ctx):
    event = past_event(hours_ago=15 * 24)
    guests(event, 1, checked_in=1)
    assert feedback.send_invitations() == 0  # closed 14 days after the end
    other = past_event(hours_ago=3)
    guests(other, 1, checked_in=1)
    feedback.get_form(other).invitations_enabled = False
    assert feedback.send_invitations() == 0


def test_an_anonymous_form_stores_no_link_to_the_guest(app_ctx):
    event = past_event()
    (rsvp,) = guests(event, 1, checked_in=1)
    form = feedback.get_form(event)
    form.is_anonymous = True
    feedback.invitation_for(rsvp, form)
    response = feedback.submit_feedback(rsvp, answers(form, overall=5, recommend=10, support="More mentoring"))
    db.session.expire_all()
    stored = db.session.get(FeedbackResponse, response.id)
    assert stored.rsvp_id is None
    assert isinstance(stored.submitted_on, dt.date) and not isinstance(stored.submitted_on, dt.datetime)
    # No column of the response or its answers can point back at the guest or their invitation.
    columns = {c.name for t in (FeedbackResponse.__table__, FeedbackAnswer.__table__) for c in t.columns}
    assert columns == {"id", "form_id", "rsvp_id", "submitted_on", "response_id", "question_id", "ordinal",
                       "value_int", "value_text"}  # fmt: skip
    assert not stored.id.isdigit()  # random: the id does not give away the order of answers
    receipt = db.session.scalar(sa.select(FeedbackReceipt).where(FeedbackReceipt.rsvp_id == rsvp.id))
    assert receipt is not None and receipt.event_id == event.id
    assert feedback.feedback_summary(event).questions[4].texts == [("More mentoring", stored.submitted_on, "")]


def test_a_named_form_keeps_who_answered(app_ctx):
    event = past_event()
    (rsvp,) = guests(event, 1, checked_in=1)
    response = feedback.submit_feedback(rsvp, answers(feedback.get_form(event), overall=3, recommend=6))
    assert response.rsvp_id == rsvp.id


def test_a_second_submission_is_refused_and_not_counted(app_ctx):
    event = past_event()
    (rsvp,) = guests(event, 1, checked_in=1)
    form = feedback.get_form(event)
    feedback.submit_feedback(rsvp, answers(form, overall=5, recommend=9))
    with pytest.raises(DomainError) as exc:
        feedback.submit_feedback(rsvp, answers(form, overall=1, recommend=0))
    assert exc.value.code == "already_answered"
    assert "already received" in exc.value.message
    summary = feedback.feedback_summary(event)
    assert (summary.responses, summary.answered) == (1, 1)
    assert summary.questions[0].average == 5


@pytest.mark.parametrize("race_locks", [True, False], ids=["locks", "unique-index-only"])
def test_two_concurrent_submissions_store_one_answer(app, app_config, race_locks):
    """Two threads, each with its own connection and transaction, submit for one guest at once.

    With the locks, the second waits for the first (row lock or SQLite write lock) and then
    sees the receipt. Without them (control), the unique receipt index still refuses one.
    """
    app.config["RACE_LOCKS"] = race_locks
    app.extensions["eventsite.race_locks"] = race_locks
    with db_session(app):
        event = past_event()
        (rsvp,) = guests(event, 1, checked_in=1)
        rsvp_id, event_id = rsvp.id, event.id
    barrier = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []

    def submit(score: int):
        try:
            with app.app_context(), writing():
                from eventsite.models import Rsvp

                guest = db.session.get(Rsvp, rsvp_id)
                data = answers(feedback.get_form(guest.event), overall=score, recommend=score * 2)
                db.session.rollback()  # start the writing transaction at the barrier, not before
                barrier.wait()
                guest = db.session.get(Rsvp, rsvp_id)
                try:
                    feedback.submit_feedback(guest, data)
                    db.session.commit()
                    outcomes.append("saved")
                except DomainError as exc:
                    db.session.rollback()
                    outcomes.append(exc.code)
        except BaseException as exc:  # noqa: BLE001  (reported below, in the test's thread)
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=submit, args=(score,)) for score in (2, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if not race_locks and app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Without BEGIN IMMEDIATE SQLite may refuse the loser's upgrade to a write lock outright.
        assert outcomes.count("saved") == 1, outcomes
    else:
        assert sorted(outcomes) == ["already_answered", "saved"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)) == 1
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(FeedbackReceipt).where(FeedbackReceipt.event_id == event_id)
            )
            == 1
        )


def test_the_form_is_closed_outside_its_window(app_ctx):
    event = past_event()
    (rsvp,) = guests(event, 1, checked_in=1)
    form = feedback.get_form(event)
    data = answers(form, overall=4, recommend=7)
    with pytest.raises(DomainError) as exc:
        feedback.submit_feedback(rsvp, data, now=event.ends_at - H)
    assert exc.value.code == "feedback_not_open"
    with pytest.raises(DomainError) as exc:
        feedback.submit_feedback(rsvp, data, now=event.ends_at + 14 * DAY)
    assert exc.value.code == "feedback_closed"
    assert feedback.form_state(rsvp, now=event.ends_at + 15 * DAY).state == "closed"
    assert feedback.form_state(rsvp, now=event.ends_at + H).state == "open"


def test_answers_are_checked_question_by_question(app_ctx):
    event = past_event()
    (rsvp,) = guests(event, 1, checked_in=1)
    form = feedback.get_form(event)
    data = answers(form, overall=7, most_useful="Karaoke", support="x" * 4001)
    with pytest.raises(feedback.InvalidAnswers) as exc:
        feedback.submit_feedback(rsvp, data)
    by_key = {q.key: exc.value.errors.get(feedback.field_name(q)) for q in form.questions}
    assert by_key == {
        "overall": "Choose a number from 1 to 5.",
        "recommend": "Please answer this question.",
        "most_useful": "Choose one of the options.",
        "vendors_tried": None,
        "support": "Please keep it under 4000 characters (now 4001).",
        "anything_else": None,
    }
    assert not feedback.has_answered(rsvp)


def test_cancelled_guests_may_not_answer(app_ctx):
    event = past_event()
    (rsvp,) = guests(event, 1)
    from eventsite.services import rsvps

    rsvps.cancel_rsvp(rsvp)
    with pytest.raises(DomainError) as exc:
        feedback.submit_feedback(rsvp, answers(feedback.get_form(event), overall=4, recommend=7))
    assert exc.value.code == "not_a_guest"


def test_summary_averages_nps_and_choice_counts_match_the_numbers(app_ctx):
    event = past_event()
    form = feedback.get_form(event)
    feedback.add_question(form, kind="multiple", prompt="What should we add?", choices=["Talks", "Games", "Jobs"])
    ratings = [5, 4, 4, 3, 5, 2, 5, 4]
    scores = [10, 9, 8, 7, 6, 10, 3, 9]
    useful = ["Meeting peers", "Meeting faculty", "Meeting peers", "", "Food and venue", "Meeting peers", "", ""]
    add = [["Talks", "Jobs"], ["Jobs"], [], ["Talks"], [], [], ["Games", "Jobs"], []]
    people = guests(event, len(ratings), checked_in=len(ratings))
    for rsvp, r, s, u, a in zip(people, ratings, scores, useful, add, strict=True):
        data = answers(form, overall=r, recommend=s, what_should_we_add=a)
        if u:
            data.update(answers(form, most_useful=u))
        feedback.submit_feedback(rsvp, data)

    summary = feedback.feedback_summary(event)
    overall, recommend, most_useful, *_, extra = summary.questions
    assert overall.average == pytest.approx(sum(ratings) / len(ratings))
    assert overall.distribution == [(str(v), ratings.count(v)) for v in range(1, 6)]
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    assert (recommend.promoters, recommend.passives, recommend.detractors) == (
        promoters, len(scores) - promoters - detractors, detractors,
    )  # fmt: skip
    assert recommend.nps == round(100 * (promoters - detractors) / len(scores))
    assert recommend.average == pytest.approx(sum(scores) / len(scores))
    assert dict(most_useful.distribution) == {
        c: useful.count(c) for c in ["Meeting peers", "Meeting faculty", "Vendors' technology", "Food and venue"]
    }
    assert most_useful.answered == sum(1 for u in useful if u)
    assert dict(extra.distribution) == {c: sum(c in a for a in add) for c in ["Talks", "Games", "Jobs"]}
    assert extra.answered == sum(1 for a in add if a)
    assert (summary.responses, summary.answered, summary.checked_in) == (8, 8, 8)


def test_csv_of_answers_reads_back_and_is_formula_safe(app_ctx):
    event = past_event()
    form = feedback.get_form(event)
    first, second = guests(event, 2, checked_in=2)
    feedback.submit_feedback(first, answers(form, overall=5, recommend=10, support='=HYPERLINK("x")'))
    feedback.submit_feedback(second, answers(form, overall=2, recommend=4, most_useful="Meeting faculty"))
    text = "".join(feedback.answers_csv(event))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    by_name = {r["Guest"]: r for r in rows}
    assert set(by_name) == {first.full_name, second.full_name}
    a, b = by_name[first.full_name], by_name[second.full_name]
    assert a["Overall, how was the evening?"] == "5"
    assert a["How can the society better support residents?"] == '\'=HYPERLINK("x")'
    assert b["Which part was most useful to you?"] == "Meeting faculty"
    assert b["E-mail"] == second.email

    form.is_anonymous = True
    db.session.flush()
    header = next(csv.reader(io.StringIO("".join(feedback.answers_csv(event)).removeprefix("\ufeff"))))
    assert "Guest" not in header and "E-mail" not in header


def test_series_view_puts_the_same_question_side_by_side(app_ctx):
    la = past_event(hours_ago=60 * 24 + 3, city="Los Angeles")
    chicago = past_event(hours_ago=3, city="Chicago")
    for event, scores in ((la, [5, 4]), (chicago, [3, 3, 2])):
        form = feedback.get_form(event)
        for rsvp, s in zip(guests(event, len(scores), checked_in=len(scores)), scores, strict=True):
            feedback.submit_feedback(rsvp, answers(form, overall=s, recommend=s * 2), now=event.ends_at + H)
    columns, rows = feedback.series_view()
    assert [c.key for c in columns] == ["overall", "recommend"]
    assert [(r.event.city, r.responses) for r in rows] == [("Chicago", 3), ("Los Angeles", 2)]
    assert rows[0].values["overall"] == pytest.approx(8 / 3)
    assert rows[1].values["overall"] == pytest.approx(4.5)
    assert rows[1].values["recommend"] == 50  # 10 is a promoter, 8 a passive


def test_editing_keeps_answered_questions_and_options(app_ctx):
    event = past_event()
    (rsvp,) = guests(event, 1, checked_in=1)
    form = feedback.get_form(event)
    feedback.submit_feedback(rsvp, answers(form, overall=4, recommend=7, most_useful="Meeting peers"))
    useful = form.questions[2]
    with pytest.raises(DomainError) as exc:
        feedback.update_question(useful, prompt=useful.prompt, choices=["Meeting faculty", "Food and venue"])
    assert exc.value.code == "choice_in_use"
    feedback.update_question(useful, prompt="What helped most?", choices=[*useful.choices, "The talk"])
    assert useful.choices[-1] == "The talk"
    with pytest.raises(DomainError) as exc:
        feedback.remove_question(form.questions[0])
    assert exc.value.code == "question_answered"
    feedback.remove_question(form.questions[-1])  # nobody answered "anything else"
    assert len(feedback.get_form(event).questions) == 5
    with pytest.raises(DomainError) as exc:
        feedback.update_settings(
            form, intro="", is_anonymous=True, opens_at=None, closes_at=None, invitations_enabled=True,
            invite_delay_hours=2, audience="checked_in", reminder_enabled=True, reminder_after_days=3,
        )  # fmt: skip
    assert exc.value.code == "anonymity_locked"


def test_the_job_runner_sends_the_invitations(app, mailbox):
    from eventsite.jobs import run_jobs

    with db_session(app):
        event = past_event(hours_ago=3)
        came, _stayed_home = guests(event, 2, checked_in=1)
        address = came.email
    with app.app_context():
        report = run_jobs()
        assert (report.feedback_invited, report.feedback_reminded) == (1, 0)
        assert run_jobs().feedback_invited == 0
    invited = [m for m in mailbox.messages if m["Subject"].startswith("How was the evening?")]
    assert [m["To"] for m in invited] == [address]


def test_two_job_runners_at_once_invite_each_guest_once(app):
    """Two runners in their own threads and transactions, released together (as in test_reminders)."""
    with db_session(app):
        event = past_event(hours_ago=3)
        addresses = sorted(r.email for r in guests(event, 12, checked_in=12))

    def run() -> int:
        with app.app_context(), writing():
            sent = feedback.send_invitations()
            db.session.commit()
        return sent

    assert sum(at_once(run, 2)) == 12
    with app.app_context():
        assert outbox("feedback_invitation") == addresses  # each address once


def test_guests_who_unsubscribed_from_follow_ups_get_no_invitation_nor_reminder(app_ctx):
    from eventsite.models import BulkKind
    from eventsite.services import opt_outs

    event = past_event(hours_ago=1)
    came, quiet = guests(event, 2, checked_in=2)
    opt_outs.opt_out(quiet.email_key, BulkKind.FOLLOW_UPS)
    later = utcnow() + 2 * H
    assert feedback.send_invitations(now=later) == 1
    assert outbox("feedback_invitation") == [came.email]
    assert feedback.send_reminders(now=later + 4 * DAY) == 1
    assert outbox("feedback_reminder") == [came.email]
    # A link the guest asks for is theirs: it goes whatever they unsubscribed from.
    assert feedback.send_link_by_email(event, quiet.email)
    assert outbox("feedback_link") == [quiet.email]
