"""Admin: the RSVP form's custom questions (issue 15): add, edit, order, remove."""

from flask import flash, redirect, render_template, url_for

from eventsite.admin.blueprint import bp
from eventsite.admin.common import get_event, move_on_submit
from eventsite.admin.forms import ActionForm
from eventsite.admin.question_forms import RsvpQuestionForm
from eventsite.auth.gates import Permission, permission_required
from eventsite.models import Event, RsvpQuestion
from eventsite.services import categories, questions
from eventsite.web import REFUSED, attempt, attempt_or_flash, of_event


def _page(event: Event, *, new: RsvpQuestionForm | None = None, editing: tuple[int, RsvpQuestionForm] | None = None):
    cats = categories.of_event(event)
    rows = []
    for q in questions.of_event(event, removed=True):
        if editing and editing[0] == q.id:
            form = editing[1]
        else:
            form = RsvpQuestionForm(prefix=f"q{q.id}", formdata=None).for_event(cats).fill(q)
        rows.append((q, form, questions.answer_count(q), questions.category_names(q, cats)))
    if new is None:
        new = RsvpQuestionForm(prefix="new", formdata=None).for_event(cats)
    status = 422 if new.errors or (editing and editing[1].errors) else 200
    page = render_template(
        "admin/questions.html", event=event, rows=rows, new=new, action=ActionForm(),
        question_type=questions.question_type, limit=questions.MAX_QUESTIONS,
    )  # fmt: skip
    return page, status


@bp.route("/events/<int:event_id>/questions", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def event_questions(event_id: int):
    event = get_event(event_id)
    form = RsvpQuestionForm(prefix="new").for_event(categories.of_event(event))
    if form.validate_on_submit():
        added = attempt(form, questions.add_question, event, form.kind.data, form.fields())
        if added is not REFUSED:
            flash("Question added to the RSVP form.")
            return redirect(url_for("admin.event_questions", event_id=event_id) + f"#question-{added.id}")
    return _page(get_event(event_id), new=form if form.is_submitted() else None)


@bp.post("/events/<int:event_id>/questions/<int:rsvp_question_id>")
@permission_required(Permission.MANAGE)
def edit_question(event_id: int, rsvp_question_id: int):
    event = get_event(event_id)
    question = of_event(RsvpQuestion, rsvp_question_id, event)
    form = RsvpQuestionForm(prefix=f"q{question.id}").for_event(categories.of_event(event))
    form.kind.data = question.kind.value  # fixed once created
    if form.validate() and attempt(form, questions.update_question, question, form.fields()) is not REFUSED:
        flash("Question saved.")
        return redirect(url_for("admin.event_questions", event_id=event_id) + f"#question-{rsvp_question_id}")
    return _page(get_event(event_id), editing=(rsvp_question_id, form))


@bp.post("/events/<int:event_id>/questions/<int:rsvp_question_id>/move")
@permission_required(Permission.MANAGE)
def move_question(event_id: int, rsvp_question_id: int):
    question = of_event(RsvpQuestion, rsvp_question_id, event_id)
    move_on_submit(questions.move_question, question)
    return redirect(url_for("admin.event_questions", event_id=event_id) + "#questions")


@bp.route("/events/<int:event_id>/questions/<int:rsvp_question_id>/delete", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def delete_question(event_id: int, rsvp_question_id: int):
    event = get_event(event_id)
    question = of_event(RsvpQuestion, rsvp_question_id, event)
    form = ActionForm()
    if question.removed_at is None and form.validate_on_submit():
        kept = attempt_or_flash(questions.remove_question, question)
        if kept is not REFUSED:
            flash("Question removed from the form; its answers stay in the guest list and the CSV." if kept
                  else "Question deleted.")  # fmt: skip
        return redirect(url_for("admin.event_questions", event_id=event_id) + "#questions")
    return render_template(
        "admin/question_delete.html", event=event, question=question, action=form,
        answers=questions.answer_count(question),
    )  # fmt: skip
