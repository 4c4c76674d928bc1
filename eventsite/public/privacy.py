"""Guest-facing privacy pages: delete my data (explain, then confirm with a POST), and the
confirmation page, which has no token in its address because the token no longer exists."""

from flask import abort, redirect, render_template, request, url_for

from eventsite.extensions import db
from eventsite.models import utcnow
from eventsite.public.blueprint import bp
from eventsite.public.forms import ConfirmForm
from eventsite.public.views import load_rsvp
from eventsite.services import DomainError, events, privacy


@bp.route("/r/<token>/delete", methods=["GET", "POST"])
def delete_data(token: str):
    rsvp = load_rsvp(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            deletion = privacy.delete_own_data(rsvp)
        except DomainError:
            abort(404)
        db.session.commit()
        return redirect(url_for("public.data_deleted", event=deletion.event_slug, cancelled=int(deletion.cancelled)))
    return render_template(
        "public/delete_data.html",
        rsvp=rsvp,
        event=rsvp.event,
        form=form,
        will_cancel=privacy.will_cancel(rsvp, utcnow()),
    )


@bp.get("/deleted")
def data_deleted():
    event = events.get_public_event(request.args.get("event", "")[:120])
    return render_template("public/data_deleted.html", event=event, cancelled=request.args.get("cancelled") == "1")
