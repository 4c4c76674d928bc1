"""Starting a member's session, the one way every sign-in ends (the sign-in form, a team
invitation, a password reset). ``password_proven`` is where the second factor steps in."""

import time

from flask import redirect, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy.exc import OperationalError

from eventsite.auth.blueprint import bp
from eventsite.extensions import db
from eventsite.models import Organizer, utcnow
from eventsite.services import accounts, sign_ins


def begin_session(member: Organizer, next_url: str | None = None):
    """Sign the member in on this browser (a fresh session: nothing from before carries over)
    and send them on; commits."""
    token = accounts.start_login_session(
        member, user_agent=request.headers.get("User-Agent", ""), ip_address=request.remote_addr or ""
    )
    db.session.commit()
    session.clear()
    member.login_session_token = token
    login_user(member)
    return redirect(next_url or url_for("admin.events"))


#: How long the code step waits after the password before the sign-in starts over.
HALF_SIGNED_IN_SECONDS = 300


def password_proven(member: Organizer, next_url: str | None = None):
    """The member proved their password (or holds a fresh single-use link): with a second
    factor, the code step comes next (nothing is signed in yet); without, the session starts."""
    if member.totp_enabled_at is None:
        return begin_session(member, next_url)
    session.clear()
    session["half_signed_in"] = {"member": member.id, "next": next_url, "since": int(time.time())}
    return redirect(url_for("auth.login_code"))


def half_signed_in() -> Organizer | None:
    """The member waiting at the code step, or None (never started, expired, or gone)."""
    pending = session.get("half_signed_in")
    if not pending or time.time() - pending.get("since", 0) > HALF_SIGNED_IN_SECONDS:
        return None
    member = db.session.get(Organizer, pending["member"])
    return member if member is not None and member.is_active else None


@bp.after_app_request
def note_seen(response):
    """Keep "last seen" of the member's sign-in fresh, at most once per sign_ins.SEEN_EVERY.
    After the view: what it did not commit is not ours to keep. "Last seen" is a nicety, so a
    busy database skips it rather than fail the page."""
    if current_user.is_authenticated and current_user.login_session_token:
        last = current_user.session_last_seen
        if last is None or last < utcnow() - sign_ins.SEEN_EVERY:
            db.session.rollback()
            try:
                sign_ins.seen(current_user.login_session_token)
                db.session.commit()
            except OperationalError:
                db.session.rollback()
    return response
