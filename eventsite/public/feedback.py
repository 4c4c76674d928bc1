"""Guest feedback pages: the form by personal link or manage link, and the poster's start page."""

import contextlib

from flask import abort, redirect, render_template, request, session, url_for
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length

from eventsite.auth import guessing, submissions
from eventsite.database import write_intent
from eventsite.extensions import db
from eventsite.form_widgets import Form, email_checks
from eventsite.models import utcnow
from eventsite.public.blueprint import bp
from eventsite.public.views import load_event, load_rsvp
from eventsite.security import private_page
from eventsite.services import DomainError, feedback, tickets


class BadgeCodeForm(Form):
    code = StringField(
        "Badge code",
        description="The link your badge's QR code opens, or the code at its end.",
        validators=[DataRequired("Please enter your badge code."), Length(max=300)],
    )


class LinkByEmailForm(Form):
    email = EmailField(
        "Your e-mail",
        description="The address you RSVPed with.",
        validators=email_checks("Please enter your e-mail address."),
    )


@contextlib.contextmanager
def reads_first():
    """Load and check a submission in a plain read transaction (no SQLite write lock), so the
    lock is held only for the few inserts of ``save_submission``: guests answering at once
    then queue for a millisecond each instead of for the whole request."""
    token = write_intent.set(False)
    try:
        yield
    finally:
        write_intent.reset(token)


@bp.route("/f/<token>", methods=["GET", "POST"])
def feedback_form(token: str):
    guessing.guard(guessing.Secret.FEEDBACK)
    with reads_first():
        invitation = feedback.find_invitation(token)
        if invitation is None or invitation.rsvp.is_anonymised:
            guessing.miss(guessing.Secret.FEEDBACK)
            abort(404, "This feedback link doesn't match any invitation. Check that you copied the whole link.")
        rsvp = invitation.rsvp
    return answer_page(rsvp, url_for("public.feedback_form", token=token))


@bp.route("/r/<token>/feedback", methods=["GET", "POST"])
def manage_feedback(token: str):
    with reads_first():
        rsvp = load_rsvp(token)
    return answer_page(rsvp, url_for("public.manage_feedback", token=token))


def answer_page(rsvp, here: str):
    """GET shows the form (or why not); POST saves once, then redirects to the thank-you view."""
    values: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    message, status = None, 200
    if request.method == "POST":  # the service checks the window and the receipt itself
        values = {k: request.form.getlist(k) for k in request.form if k.startswith("q")}
        try:
            with reads_first():
                submission = feedback.check_submission(rsvp, values)
            db.session.rollback()  # end the read; the write transaction begins locked
            feedback.save_submission(submission)
        except feedback.InvalidAnswers as exc:
            db.session.rollback()
            errors, message, status = exc.errors, exc.message, 422
        except DomainError as exc:
            db.session.rollback()
            message, status = exc.message, (200 if exc.code == "already_answered" else 409)
        else:
            db.session.commit()
            return redirect(f"{here}?thanks=1")
    state = feedback.form_state(rsvp)
    if state is None:
        abort(404, "This event has no feedback form.")
    page = render_template(
        "public/feedback_form.html",
        rsvp=rsvp,
        event=rsvp.event,
        state=state.state,
        form=state.form,
        values=values,
        errors=errors,
        message=message,
        thanks=request.args.get("thanks") == "1",
        action=here,
        field_name=feedback.field_name,
        question_type=feedback.question_type,
    )
    return page, status


@bp.route("/e/<slug>/feedback", methods=["GET", "POST"])
@private_page
def feedback_start(slug: str):
    """Where the poster's QR leads: a guest gives their badge code (straight to the form) or
    their e-mail (their personal link is sent; the page never says whether the address is known)."""
    event = load_event(slug)
    form = feedback.get_form(event)
    if form is None or event.is_cancelled:
        abort(404, "This event has no feedback form.")
    code_form, email_form = BadgeCodeForm(), LinkByEmailForm()
    status, headers = 200, {}
    now = utcnow()
    if not form.is_open(now):
        pass  # the page says when it opens or that it closed; nothing to submit
    elif request.form.get("which") == "badge":
        if code_form.validate_on_submit():
            guessing.guard(guessing.Secret.BADGE)
            rsvp = feedback.find_guest_by_badge_code(event, tickets.parse_code(code_form.code.data) or "")
            if rsvp is None:
                guessing.miss(guessing.Secret.BADGE)
            else:
                invitation = feedback.invitation_for(rsvp, form)
                db.session.commit()
                return redirect(url_for("public.feedback_form", token=invitation.token))
            code_form.code.errors.append(
                "We don't know this badge code for this event. Check it, or use your e-mail below."
            )
        status = 422
    elif request.form.get("which") == "email":
        status = 422
        if email_form.validate_on_submit():
            held = submissions.wait_message("feedback-link", email_form.email.data)
            if held is None:
                feedback.send_link_by_email(event, email_form.email.data)
                db.session.commit()
                session["feedback_link_to"] = email_form.email.data
                return redirect(url_for("public.feedback_start", slug=slug, sent=1))
            email_form.email.errors.append(held[0])
            status = 429
            headers["Retry-After"] = str(held[1])
    return (
        render_template(
            "public/feedback_start.html",
            event=event,
            form=form,
            is_open=form.is_open(now),
            not_yet=now < form.effective_opens_at,
            code_form=code_form,
            email_form=email_form,
            sent_to=session.get("feedback_link_to", "") if request.args.get("sent") == "1" else None,
        ),
        status,
        headers,
    )
