"""Admin blueprint (/admin): events, guest lists, messages, exports. Organizers only."""

from flask import Blueprint

from eventsite.auth.gates import organizer_gate

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_organizer():
    """Every /admin URL: anonymous visitors go to sign-in (JSON callers get 401), others 403."""
    return organizer_gate()
