"""A forgotten password: ask for a link, then choose a new password with it."""

from flask import render_template, request
from flask_login import current_user

from eventsite.auth import guessing
from eventsite.auth.blueprint import bp
from eventsite.auth.forms import ForgotForm, ResetForm
from eventsite.auth.sessions import password_proven
from eventsite.auth.submissions import wait_message
from eventsite.services import password_reset
from eventsite.web import REFUSED, attempt, form_page, saved


def opened(secret: guessing.Secret, find, token: str):
    """What a mailed link opens (``find(token)``), or None; a miss counts against ``secret``'s
    guessing budget, and an address that used it up is refused (429) before looking."""
    guessing.guard(secret)
    found = find(token)
    if found is None:
        guessing.miss(secret)
    return found


def dead_link():
    """One page for a link that is unknown, used, withdrawn or expired (the reason is nobody's
    business); the miss counts against the guessing throttle."""
    return render_template("auth/link_dead.html"), 404


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm(email=request.args.get("email", ""))
    if form.validate_on_submit():
        refusal = wait_message("password_reset", form.email.data)
        if refusal is not None:
            form.email.errors = [refusal[0]]
            return form_page("auth/forgot.html", form), 429
        saved(password_reset.request_reset, form.email.data)
        return render_template("auth/forgot_sent.html", email=form.email.data.strip())
    return form_page("auth/forgot.html", form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    reset = opened(guessing.Secret.PASSWORD_RESET, password_reset.reset_for, token)
    if reset is None:
        return dead_link()
    form = ResetForm()
    if form.validate_on_submit():
        member = attempt(form, password_reset.use, reset, form.password.data)
        if member is not REFUSED:
            return password_proven(member)
    return form_page("auth/reset.html", form, member=reset.organizer, signed_in=current_user.is_authenticated)
