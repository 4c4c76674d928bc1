"""Sign-in, sign-out and password change for organizers."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from eventsite.auth.blueprint import bp, login_throttle, minutes
from eventsite.auth.forms import LoginForm, PasswordForm
from eventsite.auth.sessions import password_proven
from eventsite.extensions import db
from eventsite.services import accounts
from eventsite.web import REFUSED, attempt


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        ip, email = request.remote_addr or "", form.email.data
        wait = login_throttle().retry_after(ip, email)
        if wait is not None:
            form.password.errors = [f"Too many failed sign-ins. Try again in {minutes(wait)}."]
            return render_template("auth/login.html", form=form), 429
        organizer = accounts.authenticate(email, form.password.data)
        if organizer is not None:
            return password_proven(organizer, safe_next(request.args.get("next")))
        login_throttle().record_failure(ip, email)
        form.password.errors = ["That e-mail and password don't match an organizer account."]
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_login_session(current_user.get_id())
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors = ["That is not your current password."]
        else:
            signed_out = attempt(form, accounts.change_password, current_user, form.password.data,
                                 keep_token=current_user.get_id())  # fmt: skip
            if signed_out is not REFUSED:
                others = f" {signed_out} other sign-in(s) were signed out." if signed_out else ""
                flash("Your password was changed." + others)
                return redirect(url_for("admin.events"))
        return render_template("auth/password.html", form=form), 422
    return render_template("auth/password.html", form=form)
