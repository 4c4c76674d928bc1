"""Guest feedback pages: the form by personal link or manage link, and the poster's start page."""

from flask import abort, redirect, render_template, request, session, url_for
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length

from eventsite.auth import guessing, submissions
from eventsite.database import reading, write_after_read
from eventsite.extensions import db
from eventsite.forms import Form, email_checks
from eventsite.models import utcnow
from eventsite.public.alerts import alert_box
from eventsite.public.blueprint import bp
from eventsite.public.views import load_event, load_rsvp
from eventsite.security import private_page
from eventsite.services import DomainError, ErrorCode, feedback, tickets
from eventsite.web import saved


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


@bp.route("/f/<token>", methods=["GET", "POST"])
def feedback_form(token: str):
    guessing.guard(guessing.Secret.FEEDBACK)
    with reading():
        invitation = feedback.find_invitation(token)
        if invitation is None or invitation.rsvp.is_anonymised:
            guessing.miss(guessing.Secret.FEEDBACK)
            abort(404, "This feedback link doesn't match any invitation. Check that you copied the whole link.")
        rsvp = invitation.rsvp
    return answer_page(rsvp, url_for("public.feedback_form", token=token))


@bp.route("/r/<token>/feedback", methods=["GET", "POST"])
def manage_feedback(token: str):
    with reading():
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
            _save_answers(rsvp, values)
        except feedback.InvalidAnswers as exc:
            errors, message, status = exc.errors, exc.message, 422
        except DomainError as exc:
            message, status = exc.message, (200 if exc.code == ErrorCode.ALREADY_ANSWERED else 409)
        else:
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
        alerts_box=alert_box(rsvp.event.series, rsvp.event.city) if request.args.get("thanks") == "1" else None,
        action=here,
        field_name=feedback.field_name,
        question_type=feedback.question_type,
    )
    return page, status


def _save_answers(rsvp, values: dict[str, list[str]]) -> None:
    """Check the answers in a plain read (no SQLite write lock), then save them under the lock,
    held only for the few inserts: guests answering at once queue for a millisecond each."""
    try:
        with reading():
            submission = feedback.check_submission(rsvp, values)
    except DomainError:
        db.session.rollback()
        raise
    with write_after_read():
        saved(feedback.save_submission, submission)


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
    answer, now = (200, {}), utcnow()
    if form.is_open(now) and request.form.get("which") == "badge":
        answer = _by_badge_code(event, form, code_form)
    elif form.is_open(now) and request.form.get("which") == "email":
        answer = _by_email(event, email_form)
    if not isinstance(answer, tuple):  # a redirect: the form, or "sent"
        return answer
    page = render_template(
        "public/feedback_start.html", event=event, form=form, is_open=form.is_open(now),
        not_yet=now < form.effective_opens_at, code_form=code_form, email_form=email_form,
        sent_to=session.get("feedback_link_to", "") if request.args.get("sent") == "1" else None,
    )  # fmt: skip
    return page, *answer


def _by_badge_code(event, form, code_form: BadgeCodeForm):
    """Open the form for the badge code typed in; (422, {}) with the reason next to the field."""
    if code_form.validate_on_submit():
        guessing.guard(guessing.Secret.BADGE)
        rsvp = feedback.find_guest_by_badge_code(event, tickets.parse_code(code_form.code.data) or "")
        if rsvp is not None:
            invitation = saved(feedback.invitation_for, rsvp, form)
            return redirect(url_for("public.feedback_form", token=invitation.token))
        guessing.miss(guessing.Secret.BADGE)
        code_form.code.errors.append(
            "We don't know this badge code for this event. Check it, or use your e-mail below."
        )
    return 422, {}


def _by_email(event, email_form: LinkByEmailForm):
    """Send the guest's link to the address typed in (if it is a guest's); 422 or 429 otherwise."""
    if not email_form.validate_on_submit():
        return 422, {}
    held = submissions.wait_message("feedback-link", email_form.email.data)
    if held is not None:
        email_form.email.errors.append(held[0])
        return 429, {"Retry-After": str(held[1])}
    saved(feedback.send_link_by_email, event, email_form.email.data)
    session["feedback_link_to"] = email_form.email.data
    return redirect(url_for("public.feedback_start", slug=event.slug, sent=1))
