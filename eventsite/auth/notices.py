"""A member's notices: what they get for each event, and the one-click link that turns a kind off."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eventsite.auth import gates
from eventsite.auth.blueprint import bp
from eventsite.extensions import csrf
from eventsite.forms import Form
from eventsite.services import notifications
from eventsite.web import saved


def _save_choices(rows) -> None:
    for event, modes in rows:
        for kind in modes:
            chosen = request.form.get(f"{event.id}-{kind.value}")
            if chosen in kind.modes:
                notifications.set_mode(current_user, event.id, kind, chosen)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def my_notices():
    rows = notifications.preferences(current_user, gates.visible_event_ids())
    form = Form()
    if form.validate_on_submit():
        saved(_save_choices, rows)
        flash("Your notices are saved.")
        return redirect(url_for("auth.my_notices"))
    return render_template("auth/notices.html", rows=rows, form=form)


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed link is the proof; a mail client's one-click POST carries no form token
def unsubscribe_notice(token: str):
    """GET asks (a mail scanner opening links changes nothing); POST turns it off (one click, RFC 8058)."""
    found = saved(notifications.turn_off, token) if request.method == "POST" else notifications.notice_of(token)
    if found is None:
        abort(404)
    _member, event, kind = found
    return render_template("auth/unsubscribed.html", event=event, kind=kind, done=request.method == "POST")
