"""A guest's personal invitation (/i/<token>): the event page with the RSVP form filled in from
the invitation, and its "can't come" link. A link that is unknown or already answered gets one
page, whatever the reason, and counts against the guessing throttle. Like every page whose
address holds a secret, these are not stored or sent on as referrer (eventsite.security)."""

from flask import Response, render_template

from eventsite.auth import guessing
from eventsite.auth.recovery import opened
from eventsite.database import reading
from eventsite.public.blueprint import bp
from eventsite.public.forms import ConfirmForm
from eventsite.public.views import event_page_response
from eventsite.services import invitations
from eventsite.web import saved


def _dead():
    return render_template("public/invitation_dead.html"), 404


@bp.route("/i/<token>", methods=["GET", "POST"])
def invited(token: str):
    with reading():
        invitation = opened(guessing.Secret.GUEST_INVITATION, invitations.invitation_for, token)
        return _dead() if invitation is None else event_page_response(invitation.event.slug, invitation)


@bp.route("/i/<token>/decline", methods=["GET", "POST"])
def decline_invitation(token: str):
    invitation = opened(guessing.Secret.GUEST_INVITATION, invitations.invitation_for, token)
    if invitation is None:
        return _dead()
    form = ConfirmForm()
    if form.validate_on_submit():
        event = invitation.event
        saved(invitations.decline, invitation)
        return render_template("public/invitation_declined.html", event=event)
    return render_template("public/invitation_decline.html", event=invitation.event, form=form)


#: A transparent 1×1 GIF: what the invitation e-mail's tracking image is.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


@bp.get("/i/opened/<signed>.gif")
def invitation_opened(signed: str):
    """The invitation e-mail's tracking image (only in e-mails of events that track openings):
    records the first opening; answers the same image whatever the address holds."""
    saved(invitations.record_open, signed)
    return Response(PIXEL, mimetype="image/gif", headers={"Cache-Control": "no-store, private"})
