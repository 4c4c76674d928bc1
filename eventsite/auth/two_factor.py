"""Two-factor sign-in: the code step after the password, and a member's own second factor
(enrol with an authenticator app, recovery codes, turn off)."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import DataRequired

from eventsite.auth.blueprint import bp, login_throttle, minutes
from eventsite.auth.sessions import begin_session, half_signed_in
from eventsite.forms import Form
from eventsite.services import second_factor
from eventsite.web import REFUSED, attempt, form_page


class CodeForm(Form):
    code = StringField(
        "Code",
        description="The 6-digit code your authenticator app shows, or one of your recovery codes.",
        validators=[DataRequired("Please enter the code.")],
    )


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    member = half_signed_in()
    if member is None:
        flash("Please sign in again.")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        ip = request.remote_addr or ""
        wait = login_throttle().retry_after(ip, member.email)
        if wait is not None:
            form.code.errors = [f"Too many wrong codes. Try again in {minutes(wait)}."]
            return render_template("auth/login_code.html", form=form), 429
        if second_factor.verify(member, form.code.data):
            return begin_session(member, session["half_signed_in"]["next"])  # commits the spent code
        login_throttle().record_failure(ip, member.email)
        form.code.errors = ["That code is not right (or was used already). Codes change every 30 seconds."]
    return form_page("auth/login_code.html", form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    if current_user.totp_enabled_at is not None:
        return render_template("auth/two_factor_on.html", form=CodeForm(),
                               left=second_factor.recovery_codes_left(current_user),
                               required=second_factor.required_of(current_user))  # fmt: skip
    secret = session.setdefault("enrolling_secret", second_factor.new_secret())
    form = CodeForm()
    if form.validate_on_submit():
        codes = attempt(form, second_factor.enrol, current_user, secret, form.code.data)
        if codes is not REFUSED:
            session.pop("enrolling_secret", None)
            return render_template("auth/recovery_codes.html", codes=codes, first=True)
    qr = second_factor.enrolment_qr_svg(current_user, secret)
    return form_page("auth/two_factor_enrol.html", form, qr=qr, secret=second_factor.grouped(secret),
                     required=second_factor.required_of(current_user))  # fmt: skip


@bp.post("/account/two-factor/recovery-codes")
@login_required
def new_recovery_codes():
    form = CodeForm()
    if form.validate_on_submit():
        codes = attempt(form, second_factor.regenerate_recovery_codes, current_user, form.code.data)
        if codes is not REFUSED:
            return render_template("auth/recovery_codes.html", codes=codes, first=False)
    flash(form.code.errors[0] if form.code.errors else "Please enter a code.")
    return redirect(url_for("auth.two_factor"))


@bp.post("/account/two-factor/off")
@login_required
def two_factor_off():
    form = CodeForm()
    if form.validate_on_submit() and attempt(form, second_factor.turn_off, current_user, form.code.data) is not REFUSED:
        flash("Two-factor sign-in is off. You sign in with your password alone.")
    else:
        flash(form.code.errors[0] if form.code.errors else "Please enter a code.")
    return redirect(url_for("auth.two_factor"))
