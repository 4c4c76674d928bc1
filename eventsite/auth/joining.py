"""Joining the team from an invitation: choose a name and a password, and you are signed in."""

from eventsite.auth import guessing
from eventsite.auth.blueprint import bp
from eventsite.auth.forms import JoinForm
from eventsite.auth.recovery import dead_link, opened
from eventsite.auth.sessions import password_proven
from eventsite.services import team
from eventsite.web import REFUSED, attempt, form_page


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    invitation = opened(guessing.Secret.INVITATION, team.invitation_for, token)
    if invitation is None:
        return dead_link()
    form = JoinForm()
    if form.validate_on_submit():
        member = attempt(form, team.accept, invitation, name=form.name.data, password=form.password.data)
        if member is not REFUSED:
            return password_proven(member)
    return form_page("auth/join.html", form, invitation=invitation, events=team.event_titles(invitation.event_ids))
