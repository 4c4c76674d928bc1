"""A member's own account pages: "My sign-ins" (see and end sessions)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from eventsite.auth.blueprint import bp
from eventsite.services import sign_ins
from eventsite.web import saved


@bp.get("/account/sessions")
@login_required
def my_sign_ins():
    found = sign_ins.live_sign_ins(current_user, current_user.login_session_token)
    return render_template("auth/sessions.html", sign_ins=found)


@bp.post("/account/sessions/<int:sign_in_id>/end")
@login_required
def end_sign_in(sign_in_id: int):
    here = next(s for s in sign_ins.live_sign_ins(current_user, current_user.login_session_token) if s.this_browser)
    if not saved(sign_ins.end_sign_in, current_user, sign_in_id):
        abort(404)
    if sign_in_id == here.id:
        return redirect(url_for("auth.login"))
    flash("That sign-in has ended: the browser must sign in again.")
    return redirect(url_for("auth.my_sign_ins"))
