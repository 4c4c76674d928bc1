"""Starting a member's session, the one way every sign-in ends (the sign-in form, a team
invitation, a password reset). ``password_proven`` is where the second factor steps in."""

from flask import redirect, session, url_for
from flask_login import login_user

from eventsite.extensions import db
from eventsite.models import Organizer
from eventsite.services import accounts


def begin_session(member: Organizer, next_url: str | None = None):
    """Sign the member in on this browser (a fresh session: nothing from before carries over)
    and send them on; commits."""
    token = accounts.start_login_session(member)
    db.session.commit()
    session.clear()
    member.login_session_token = token
    login_user(member)
    return redirect(next_url or url_for("admin.events"))


def password_proven(member: Organizer, next_url: str | None = None):
    """The member proved their password (or holds a fresh single-use link): what comes next."""
    return begin_session(member, next_url)
