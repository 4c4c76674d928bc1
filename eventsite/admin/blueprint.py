"""Admin blueprint (/admin): events, guest lists, messages, exports. Team members, each view guarded by its permission."""

from flask import Blueprint

from eventsite.auth.gates import member_gate

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_member():
    """Every /admin URL: anonymous visitors go to sign-in (JSON callers get 401). What each
    member may do there, each view's permission says (auth/gates.py)."""
    return member_gate()
