"""Admin: the team's second-factor rule and resetting a member's lost second factor (owners)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from eventsite.admin.blueprint import bp
from eventsite.auth.gates import Permission, permission_required
from eventsite.extensions import db
from eventsite.models import Organizer
from eventsite.services import second_factor
from eventsite.web import REFUSED, attempt_or_flash


@bp.post("/team/second-factor")
@permission_required(Permission.OWNER)
def require_second_factor():
    required = request.form.get("required") == "yes"
    attempt_or_flash(second_factor.require, required, by=current_user)
    flash(
        "Everyone with access to guests' data now sets up two-factor sign-in at their next page."
        if required
        else "Two-factor sign-in is now each member's choice."
    )
    return redirect(url_for("admin.team_page"))


@bp.post("/team/<int:member_id>/second-factor/reset")
@permission_required(Permission.OWNER)
def reset_second_factor(member_id: int):
    member = db.get_or_404(Organizer, member_id)
    if attempt_or_flash(second_factor.reset, member) is not REFUSED:
        flash(f"{member.name}'s second factor is reset and they are signed out; they set it up again at sign-in.")
    return redirect(url_for("admin.team_member", member_id=member.id))
