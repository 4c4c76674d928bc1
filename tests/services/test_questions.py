"""The RSVP form's question kinds and rules (issue 15): each kind checks what a guest sends and
says what is wrong; "Next in series" copies the questions to the new event's categories."""

import pytest

from eventsite.extensions import db
from eventsite.models import Event, utcnow
from eventsite.services import DomainError, categories, events, questions, rsvps
from factories import guest_details, make_event, make_rsvp, next_year_evening

Q = questions.QuestionFields


@pytest.mark.parametrize(
    "kind, sent, stored",
    [
        ("yes_no", ["yes"], ["yes"]),
        ("number", ["1 200"], [1200]),
        ("number", ["-2,5"], [-2.5]),
        ("date", ["2027-09-12"], ["2027-09-12"]),
        ("consent", ["yes"], ["yes"]),
        ("multiple", ["B", "A"], ["A", "B"]),  # the form's order, whatever the order sent
        ("long_text", ["line one\nline two"], ["line one\nline two"]),
    ],
)
def test_each_kind_keeps_a_good_answer_in_a_plain_form(app_ctx, kind, sent, stored):
    event = make_event()
    extra = Q(prompt="Q", choices=["A", "B"] if kind == "multiple" else [], consent_text="I agree.")
    q = questions.add_question(event, kind, extra)
    assert questions.check_answers([q], {f"cq{q.id}": sent}) == {q.id: stored}


@pytest.mark.parametrize(
    "kind, sent, message",
    [
        ("yes_no", ["maybe"], "Choose yes or no."),
        ("number", ["12 apples"], "Give a number"),
        ("number", ["99999999999"], "Give a number"),
        ("number", ["2000000000"], "too large"),
        ("date", ["12/09/2027"], "YYYY-MM-DD"),
        ("date", ["2027-02-30"], "YYYY-MM-DD"),
        ("date", ["1850-01-01"], "between 1900 and 2100"),
        ("consent", ["no"], "Tick the box"),
        ("single", ["C"], "Choose one of the options."),
        ("short_text", ["x" * 301], "under 300 characters"),
    ],
)
def test_each_kind_says_what_is_wrong_with_a_bad_answer(app_ctx, kind, sent, message):
    event = make_event()
    q = questions.add_question(event, kind, Q(prompt="Q", choices=["A", "B"], consent_text="I agree."))
    with pytest.raises(questions.InvalidAnswers) as refused:
        questions.check_answers([q], {f"cq{q.id}": sent})
    assert message in refused.value.errors[f"cq{q.id}"]


def test_a_required_consent_left_unticked_is_explained(app_ctx):
    event = make_event()
    q = questions.add_question(event, "consent", Q(prompt="Photos", required=True, consent_text="Photos are fine."))
    with pytest.raises(questions.InvalidAnswers) as refused:
        questions.check_answers([q], {})
    assert "tick the box to agree" in refused.value.errors[f"cq{q.id}"]


def test_the_feedback_form_does_not_offer_the_rsvp_only_kinds_nor_the_rsvp_form_the_scales(app_ctx):
    from eventsite.admin.feedback_forms import QuestionForm

    with app_ctx.test_request_context():
        offered = {choice.value for choice in QuestionForm(meta={"csrf": False}).kind.choices}
    assert {"yes_no", "number", "date", "consent"}.isdisjoint(offered) and {"rating", "single"} <= offered
    with pytest.raises(DomainError):
        questions.add_question(make_event(), "rating", Q(prompt="Rate us"))


def test_next_in_series_copies_the_questions_for_the_same_categories_without_answers(app_ctx):
    source = make_event()
    faculty = next(c for c in categories.of_event(source) if c.name == "Faculty")
    kept = questions.add_question(source, "number", Q(prompt="Years in practice", category_ids=[faculty.id]))
    gone = questions.add_question(source, "short_text", Q(prompt="Old question"))
    rsvp = make_rsvp(source)
    questions.save_answers(rsvp, [gone], {gone.id: ["an answer"]})
    assert questions.remove_question(gone) is True  # answered: kept, marked removed
    start, end = next_year_evening(month=10)
    target = events.copy_event(
        source, title="Next", slug="next-one", local_start=start, local_end=end, timezone="America/Los_Angeles",
        venue_name="V", room="", street_address="1 Main St", city="San Diego", region="CA", postal_code="92101",
    )  # fmt: skip
    db.session.flush()
    [copied] = questions.of_event(target)
    new_faculty = next(c for c in categories.of_event(target) if c.name == "Faculty")
    assert (copied.prompt, copied.key, copied.category_ids) == ("Years in practice", kept.key, [new_faculty.id])
    assert questions.answer_table(db.session.get(Event, target.id)) == {}


def test_first_answers_are_saved_as_checked_or_re_asked_when_the_category_changed_meanwhile(app_ctx):
    event = make_event()
    residents, faculty = categories.of_event(event)[:2]
    everyone = questions.add_question(event, "consent", Q(prompt="Photos", consent_text="Photos are fine."))
    only_faculty = questions.add_question(event, "yes_no", Q(prompt="Member?", category_ids=[faculty.id]))
    checked = questions.FirstAnswers.of(
        faculty.id, [everyone, only_faculty], {everyone.id: ["yes"], only_faculty.id: ["no"]}
    )
    as_checked = rsvps.submit_rsvp(event, guest_details(email="a@example.org"), category_id=faculty.id).rsvp
    questions.add_first_answers(as_checked, checked, utcnow())
    saved = {a.question_id: (a.answer, a.consent_version) for a in questions.answers_of_rsvp(as_checked.id)}
    assert saved == {everyone.id: (["yes"], 1), only_faculty.id: (["no"], None)}
    # Checked for faculty, but the RSVP was placed with the residents: only what they are asked.
    moved = rsvps.submit_rsvp(event, guest_details(email="b@example.org"), category_id=residents.id).rsvp
    questions.add_first_answers(moved, checked, utcnow())
    assert [(a.question_id, a.answer) for a in questions.answers_of_rsvp(moved.id)] == [(everyone.id, ["yes"])]
