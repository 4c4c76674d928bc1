"""Admin blueprint (/admin): events, guest lists, messages, exports. Organizers only."""

from flask import Blueprint, abort, jsonify, redirect, request, url_for
from flask_login import current_user

from eventsite.models import OrganizerRole

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_organizer():
    """Every /admin URL: anonymous visitors go to sign-in (JSON callers get 401), others 403."""
    if not current_user.is_authenticated:
        if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
            return jsonify(error="login_required", message="Sign in as an organizer."), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role != OrganizerRole.ORGANIZER:
        abort(403)


from eventsite.admin import badges, contacts, doors, events, feedback, guests, messages, people  # noqa: E402,F401  (routes register on bp)
