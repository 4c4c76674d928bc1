"""Sign-in and sign-out for organizers."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from eventsite.auth import bp
from eventsite.extensions import db
from eventsite.models import Organizer


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired("Please enter your e-mail address.")])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password.")])


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        organizer = db.session.scalar(sa.select(Organizer).where(Organizer.email == form.email.data.strip().lower()))
        if organizer is not None and organizer.check_password(form.password.data):
            session.clear()  # a fresh session at sign-in
            login_user(organizer)
            flash(f"Signed in as {organizer.name}.")
            return redirect(safe_next(request.args.get("next")) or url_for("public.index"))
        form.password.errors = ["That e-mail and password don't match an organizer account."]
        return render_template("auth/login.html", form=form), 422
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("public.index"))
