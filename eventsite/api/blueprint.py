"""JSON API blueprint (/api) behind the door page; described in /api/openapi.json.

Two kinds of caller. A volunteer's phone sends its door link's token in the ``X-Door-Token``
header (and the PIN in ``X-Door-Pin`` when the link has one); it reaches only that link's
event. A signed-in member uses the session cookie and reaches the events whose door they may open
(auth/gates.py: Permission.DOOR). The blueprint is
exempt from the global CSRF check because a custom header cannot be sent cross-site without a
CORS preflight, which we never grant; cookie-authenticated writes still need the CSRF token
(``X-CSRFToken``), checked in ``authenticate``.
"""

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user

from eventsite.auth import guessing
from eventsite.auth.gates import Permission, can_see_event, is_member, may
from eventsite.extensions import csrf, db
from eventsite.services import DomainError, ErrorCode, doors

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

#: DomainError codes and the HTTP status each maps to; anything else is 422.
PUBLIC_ENDPOINTS = {"api.openapi"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ApiError(DomainError):
    """A refusal raised by the API layer itself (authentication, malformed input)."""


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    """A refusal as JSON, with the HTTP status its code answers with (``ErrorCode.status``)."""
    db.session.rollback()
    extra = {"field": exc.field} if exc.field else {}
    return jsonify(error=exc.code, reason=exc.code, message=exc.message, **extra), exc.code.status


def check_door_pin(door, pin: str | None) -> None:
    """Refuse a missing or wrong PIN. Wrong PINs count per door link with the sign-in limit
    (LOGIN_FAILURE_LIMIT), whoever sends them, so a 4-digit PIN cannot be guessed by trying."""
    limiter = current_app.extensions["eventsite.login_throttle"]
    key = str(door.id)
    if not limiter.allowed("door-pin", key):
        raise ApiError(
            "Too many wrong PINs for this door. Wait 15 minutes or ask the organizer for a new link.",
            ErrorCode.TOO_MANY_ATTEMPTS,
        )
    if not pin:
        raise ApiError("This door link needs its PIN.", ErrorCode.PIN_REQUIRED)
    if not doors.check_pin(door, pin):
        limiter.count("door-pin", key)
        raise ApiError("That PIN is not right.", ErrorCode.BAD_PIN)


@bp.before_request
def authenticate():
    """Set ``g.door`` (a DoorLink) or ``g.organizer``; refuse anyone else with 401/403."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    g.door = None
    token = request.headers.get("X-Door-Token")
    if token is not None:
        try:
            # A phone whose link ran out mid-evening may still hand in the scans it kept offline.
            g.door = doors.open_door_link(token, for_upload=request.endpoint == "api.check_in_batch")
        except DomainError as exc:
            # Looked up first: a valid door token is never refused for other people's guessing
            # (auth/guessing.py); a wrong one counts against this address's door-link budget.
            if exc.code == ErrorCode.DOOR_NOT_FOUND:
                guessing.guard(guessing.Secret.DOOR)
                guessing.miss(guessing.Secret.DOOR)
            raise
        if g.door.has_pin:
            check_door_pin(g.door, request.headers.get("X-Door-Pin"))
        return None
    if not current_user.is_authenticated:
        raise ApiError("Open your door link again, or sign in as an organizer.", ErrorCode.LOGIN_REQUIRED)
    if not is_member():
        raise ApiError("Open your door link again, or sign in as a team member.", ErrorCode.LOGIN_REQUIRED)
    event_id = (request.view_args or {}).get("event_id")
    if event_id is None or not may(Permission.DOOR, event_id):
        if event_id is not None and can_see_event(event_id):
            raise ApiError("Your role does not open this event's door.", ErrorCode.FORBIDDEN)
        raise ApiError("There is no such event.", ErrorCode.NOT_FOUND)
    if request.method not in SAFE_METHODS:
        csrf.protect()  # a cookie alone must not be enough to write
    return None
