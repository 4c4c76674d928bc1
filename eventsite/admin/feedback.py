"""Admin: the feedback form editor, results with charts, CSV, the poster and the series view."""

import io

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for

from eventsite.admin.blueprint import bp
from eventsite.admin.charts import horizontal_bars, score_columns
from eventsite.admin.common import get_event, move_on_submit
from eventsite.admin.feedback_forms import FeedbackSettingsForm, QuestionForm
from eventsite.admin.forms import ActionForm
from eventsite.auth.gates import Permission, permission_required
from eventsite.extensions import db
from eventsite.models import FeedbackQuestion
from eventsite.services import feedback
from eventsite.web import REFUSED, attempt, attempt_or_flash, form_status

RED, GREY, GREEN = "#a4161a", "#8a94a3", "#146c2e"
NPS_COLOURS = [RED] * 7 + [GREY] * 2 + [GREEN] * 2

#: The results page's charts, by the name a question type gives (QuestionType.chart).
CHARTS = {
    "scores": lambda rows, title: score_columns(rows, title=title, width=340, height=150),
    "nps": lambda rows, title: score_columns(rows, title=title, colours=NPS_COLOURS, width=340, height=150),
    "bars": lambda rows, title: horizontal_bars(rows, title=title, width=360),
}


def question_chart(result: feedback.QuestionResult):
    draw = CHARTS.get(result.type.chart)
    return draw(result.distribution, result.question.prompt) if draw else None


@bp.get("/events/<int:event_id>/feedback")
@permission_required(Permission.FIGURES)
def feedback_results(event_id: int):
    event = get_event(event_id)
    summary = feedback.feedback_summary(event)
    charts = {r.question.id: question_chart(r) for r in summary.questions}
    return render_template(
        "admin/feedback_results.html", event=event, summary=summary, charts=charts, action=ActionForm()
    )


@bp.get("/events/<int:event_id>/feedback.csv")
@permission_required(Permission.MANAGE)
def feedback_csv(event_id: int):
    event = get_event(event_id)
    lines = feedback.answers_csv(event)
    return Response(
        (line.encode() for line in lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="feedback-{event.slug}.csv"'},
    )


@bp.get("/events/<int:event_id>/feedback/poster.pdf")
@permission_required(Permission.MANAGE)
def feedback_poster(event_id: int):
    event = get_event(event_id)
    pdf = feedback.render_poster_pdf(event)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"feedback-poster-{event.slug}.pdf")


@bp.route("/events/<int:event_id>/feedback/form", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def feedback_editor(event_id: int):
    event = get_event(event_id)
    form = feedback.get_form(event)
    if form is None:
        return render_template("admin/feedback_editor.html", event=event, form=None, action=ActionForm())
    settings = FeedbackSettingsForm(obj=form)
    if not settings.is_submitted():
        settings.show(form, event.tz)
    elif settings.validate():
        if attempt(settings, feedback.update_settings, form, **settings.settings(event.tz)) is not REFUSED:
            flash("Feedback settings saved.")
            return redirect(url_for("admin.feedback_editor", event_id=event_id))
    return render_editor(event, form, settings, QuestionForm(prefix="new"), form_status(settings))


def render_editor(event, form, settings, new_question, status=200):
    return (
        render_template(
            "admin/feedback_editor.html",
            event=event,
            form=form,
            settings=settings,
            new_question=new_question,
            action=ActionForm(),
            responses=feedback.response_count(form),
        ),
        status,
    )


@bp.post("/events/<int:event_id>/feedback/create")
@permission_required(Permission.MANAGE)
def create_feedback_form(event_id: int):
    event = get_event(event_id)
    if ActionForm().validate_on_submit():
        feedback.ensure_form(event)
        db.session.commit()
    return redirect(url_for("admin.feedback_editor", event_id=event_id))


@bp.post("/events/<int:event_id>/feedback/questions")
@permission_required(Permission.MANAGE)
def add_feedback_question(event_id: int):
    event = get_event(event_id)
    form = feedback.get_form(event) or abort(404)
    new = QuestionForm(prefix="new")
    if new.validate_on_submit():
        added = attempt(new, feedback.add_question, form, kind=new.kind.data, **new.question_fields())
        if added is not REFUSED:
            flash("Question added.")
            return redirect(url_for("admin.feedback_editor", event_id=event_id) + "#questions")
    settings = FeedbackSettingsForm(formdata=None, obj=form)
    settings.audience.data = form.audience.value
    return render_editor(event, form, settings, new, 422)


def get_question(event_id: int, question_id: int) -> FeedbackQuestion:
    question = db.get_or_404(FeedbackQuestion, question_id)
    if question.form.event_id != event_id:
        abort(404)
    return question


@bp.route("/events/<int:event_id>/feedback/questions/<int:question_id>", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def edit_feedback_question(event_id: int, question_id: int):
    event = get_event(event_id)
    question = get_question(event_id, question_id)
    edit = QuestionForm(obj=question)
    if not edit.is_submitted():
        edit.choices.data = "\n".join(question.choices)
    edit.kind.data = question.kind.value  # fixed once created
    if (
        edit.validate_on_submit()
        and attempt(edit, feedback.update_question, question, **edit.question_fields()) is not REFUSED
    ):
        flash("Question saved.")
        return redirect(url_for("admin.feedback_editor", event_id=event_id) + "#questions")
    page = render_template(
        "admin/feedback_question.html", event=event, question=question, edit=edit,
        question_type=feedback.question_type(question),
    )  # fmt: skip
    return page, form_status(edit)


@bp.post("/events/<int:event_id>/feedback/questions/<int:question_id>/move")
@permission_required(Permission.MANAGE)
def move_feedback_question(event_id: int, question_id: int):
    question = get_question(event_id, question_id)
    move_on_submit(feedback.move_question, question)
    return redirect(url_for("admin.feedback_editor", event_id=event_id) + "#questions")


@bp.post("/events/<int:event_id>/feedback/questions/<int:question_id>/delete")
@permission_required(Permission.MANAGE)
def delete_feedback_question(event_id: int, question_id: int):
    question = get_question(event_id, question_id)
    if ActionForm().validate_on_submit() and attempt_or_flash(feedback.remove_question, question) is not REFUSED:
        flash("Question removed.")
    return redirect(url_for("admin.feedback_editor", event_id=event_id) + "#questions")


@bp.get("/feedback/series")
@permission_required(Permission.SITE)
def feedback_series():
    columns, rows = feedback.series_view()
    key = request.args.get("q") or (columns[0].key if columns else "")
    column = next((c for c in columns if c.key == key), None)
    chart = None
    if column is not None:
        bars = [(f"{r.event.city} · {r.event.local_starts_at:%b %Y}", r.values[key]) for r in rows if key in r.values]
        if all(v >= 0 for _, v in bars):  # bars can't show a negative NPS; the table does
            chart = horizontal_bars(
                [(label, round(v, 1)) for label, v in bars], title=f"{column.prompt} per event", width=560
            )
    return render_template("admin/feedback_series.html", columns=columns, rows=rows, column=column, chart=chart)
