"""Who may do what: one check per permission, used by every blueprint (the team roles of the
next issues plug in here). Today there is one permission: being a signed-in organizer."""

import functools

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user

from eventsite.models import OrganizerRole


def is_organizer() -> bool:
    return current_user.is_authenticated and current_user.role.sees_every_event


def organizer_gate(*, hide: bool = False):
    """None for an organizer; otherwise what to answer. ``hide``: a 404 for everyone else (the
    page's existence is nobody else's business); without it, anonymous visitors are sent to sign
    in (JSON callers get 401) and signed-in non-organizers get 403."""
    if is_organizer():
        return None
    if hide:
        abort(404)
    if not current_user.is_authenticated:
        if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
            return jsonify(error="login_required", message="Sign in as an organizer."), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


def organizer_required(view=None, *, hide: bool = False):
    """Decorate a view that only organizers may open (``hide``: see organizer_gate)."""
    if view is None:
        return functools.partial(organizer_required, hide=hide)

    @functools.wraps(view)
    def gated(*args, **kwargs):
        refusal = organizer_gate(hide=hide)
        return refusal if refusal is not None else view(*args, **kwargs)

    return gated


def owner_required(view):
    """Decorate a view only owners may open (the team, site settings, the site-wide activity);
    everyone else signed in gets 403, anonymous visitors are sent to sign in."""

    @functools.wraps(view)
    def gated(*args, **kwargs):
        refusal = organizer_gate()
        if refusal is not None:
            return refusal
        if current_user.role != OrganizerRole.OWNER:
            abort(403)
        return view(*args, **kwargs)

    return gated
