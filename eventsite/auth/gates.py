"""Who may do what (issue 14): one permission per kind of work, one decorator that guards a
view with it, and the checks templates use to hide what a member cannot use.

Roles: owners and organizers work on every event (owners also run the team, retention and
site settings); an event host works like an organizer on the events they are given; a viewer
reads the figures and feedback results of theirs; a door member opens the door of theirs. An
event a member is not given does not exist for them (404); a page of an event they see but may
not use is a 403."""

import enum
import functools

from flask import abort, g, jsonify, redirect, request, url_for
from flask_login import current_user

from eventsite.extensions import db
from eventsite.models import Event, OrganizerRole, Rsvp
from eventsite.services import assignments, second_factor


class Permission(enum.StrEnum):
    MEMBER = "member"  #: any active member: the events list, their own account pages
    SITE = "site"  #: site-wide work: new events, People, the series' feedback (owners, organizers)
    OWNER = "owner"  #: the team, retention, team security (owners)
    FIGURES = "figures"  #: an event's figures and feedback results (viewers and up)
    MANAGE = "manage"  #: an event's settings, guests and their data, messages, badges, exports
    DOOR = "door"  #: an event's door page and check-in API (door members and up)


EVENT_PERMISSIONS = {
    OrganizerRole.OWNER: {Permission.FIGURES, Permission.MANAGE, Permission.DOOR},
    OrganizerRole.ORGANIZER: {Permission.FIGURES, Permission.MANAGE, Permission.DOOR},
    OrganizerRole.HOST: {Permission.FIGURES, Permission.MANAGE, Permission.DOOR},
    OrganizerRole.VIEWER: {Permission.FIGURES},
    OrganizerRole.DOOR: {Permission.DOOR},
}
SITE_PERMISSIONS = {
    OrganizerRole.OWNER: {Permission.MEMBER, Permission.SITE, Permission.OWNER},
    OrganizerRole.ORGANIZER: {Permission.MEMBER, Permission.SITE},
    OrganizerRole.HOST: {Permission.MEMBER},
    OrganizerRole.VIEWER: {Permission.MEMBER},
    OrganizerRole.DOOR: {Permission.MEMBER},
}


def is_member() -> bool:
    return current_user.is_authenticated and current_user.is_active


def is_organizer() -> bool:
    """A member who works on every event (owner or organizer)."""
    return is_member() and current_user.role.sees_every_event


def visible_event_ids() -> set[int] | None:
    """The events the signed-in member may know exist; None: all of them (cached per request)."""
    if "visible_event_ids" not in g:
        g.visible_event_ids = assignments.visible_event_ids(current_user) if is_member() else set()
    return g.visible_event_ids


def can_see_event(event: Event | int) -> bool:
    ids = visible_event_ids()
    return ids is None or (event if isinstance(event, int) else event.id) in ids


def may(permission: Permission | str, event: Event | int | None = None) -> bool:
    """Whether the signed-in member has ``permission`` (on ``event`` for event permissions)."""
    if not is_member():
        return False
    permission = Permission(permission)
    if permission in SITE_PERMISSIONS[OrganizerRole.OWNER]:
        return permission in SITE_PERMISSIONS[current_user.role]
    return event is not None and can_see_event(event) and permission in EVENT_PERMISSIONS[current_user.role]


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def member_gate(*, hide: bool = False):
    """None for a signed-in member; otherwise what to answer: anonymous visitors are sent to sign
    in (JSON callers get 401); ``hide`` answers 404 instead (the page's existence is nobody's business)."""
    if is_member():
        return enrolment_gate()
    if hide:
        abort(404)
    if _wants_json():
        return jsonify(error="login_required", message="Sign in as a team member."), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def enrolment_gate():
    """None, or a redirect to set up two-factor sign-in when the team requires it of this member
    and they have none yet (nothing else opens until then)."""
    if current_user.totp_enabled_at is not None:
        return None
    if "second_factor_required" not in g:
        g.second_factor_required = second_factor.required_of(current_user)
    if not g.second_factor_required:
        return None
    if _wants_json():
        return jsonify(error="second_factor_required", message="Set up two-factor sign-in first."), 403
    return redirect(url_for("auth.two_factor"))


def event_gate(permission: Permission, event: Event | int) -> None:
    """404 for an event the member may not know exists, 403 for one they see but may not use so."""
    if not can_see_event(event):
        abort(404)
    if not may(permission, event):
        abort(403)


def event_of_request() -> Event | None:
    """The event a URL is about: its ``event_id``, or the event of its ``rsvp_id`` (404 if none)."""
    args = request.view_args or {}
    if "event_id" in args:
        return db.get_or_404(Event, args["event_id"])
    if "rsvp_id" in args:
        return db.get_or_404(Rsvp, args["rsvp_id"]).event
    return None


def permission_required(permission: Permission, *, hide: bool = False):
    """Guard a view with one permission. Event permissions find the event in the URL
    (``event_id`` or ``rsvp_id``); a view without one checks the event itself with event_gate."""

    def decorate(view):
        @functools.wraps(view)
        def gated(*args, **kwargs):
            refusal = member_gate(hide=hide)
            if refusal is not None:
                return refusal
            if permission in SITE_PERMISSIONS[OrganizerRole.OWNER]:
                if not may(permission):
                    abort(404 if hide else 403)
            else:
                event = event_of_request()
                if event is not None:
                    event_gate(permission, event)
            return view(*args, **kwargs)

        gated.permission = permission
        return gated

    return decorate


owner_required = permission_required(Permission.OWNER)
#: Templates: ``may("manage", event)`` shows a button only to whom it will work.
TEMPLATE_GLOBALS = {"may": may}
