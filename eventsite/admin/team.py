"""Admin: the team (owners only): members, invitations, roles, events and access."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from eventsite.admin.blueprint import bp
from eventsite.admin.team_forms import InviteForm, MemberForm
from eventsite.auth.gates import Permission, permission_required
from eventsite.extensions import db
from eventsite.models import Organizer
from eventsite.services import assignments, second_factor, team
from eventsite.web import REFUSED, attempt, attempt_or_flash, form_status


def _team_page(form: InviteForm):
    members = team.members()
    events = {
        m.id: team.event_places(assignments.assigned_event_ids(m)) for m in members if not m.role.sees_every_event
    }
    page = render_template(
        "admin/team.html",
        form=form,
        members=members,
        events=events,
        last_seen=team.last_seen(),
        second_factor_required=second_factor.is_required(),
        invitations=team.pending_invitations(),
    )
    return page, form_status(form)


@bp.route("/team", methods=["GET", "POST"])
@permission_required(Permission.OWNER)
def team_page():
    form = InviteForm()
    if form.validate_on_submit():
        invitation = attempt(form, team.invite, form.email.data, form.chosen_role, form.events.data, by=current_user)
        if invitation is not REFUSED:
            flash(f"Invitation sent to {invitation.email}. The link works for {team.INVITATION_DAYS} days.")
            return redirect(url_for("admin.team_page"))
    return _team_page(form)


@bp.post("/team/invitations/<int:invitation_id>/resend")
@permission_required(Permission.OWNER)
def resend_invitation(invitation_id: int):
    if attempt_or_flash(team.resend, invitation_id, by=current_user) is not REFUSED:
        flash("Invitation sent again; the earlier link no longer works.")
    return redirect(url_for("admin.team_page"))


@bp.post("/team/invitations/<int:invitation_id>/withdraw")
@permission_required(Permission.OWNER)
def withdraw_invitation(invitation_id: int):
    if attempt_or_flash(team.withdraw, invitation_id) is not REFUSED:
        flash("Invitation withdrawn; its link no longer works.")
    return redirect(url_for("admin.team_page"))


@bp.route("/team/<int:member_id>", methods=["GET", "POST"])
@permission_required(Permission.OWNER)
def team_member(member_id: int):
    member = db.get_or_404(Organizer, member_id)
    form = MemberForm(role=member.role.value, events=sorted(assignments.assigned_event_ids(member)))
    if form.validate_on_submit():
        changed = attempt(form, team.change_member, member, form.chosen_role, form.events.data, by=current_user)
        if changed is not REFUSED:
            flash(f"{member.name}'s role and events are saved.")
            return redirect(url_for("admin.team_page"))
    page = render_template("admin/team_member.html", form=form, member=member, is_me=member.id == current_user.id)
    return page, form_status(form)


@bp.post("/team/<int:member_id>/deactivate")
@permission_required(Permission.OWNER)
def deactivate_member(member_id: int):
    member = db.get_or_404(Organizer, member_id)
    if attempt_or_flash(team.deactivate, member, by=current_user) is not REFUSED:
        flash(f"{member.name} is deactivated and signed out everywhere. Their history stays.")
    return redirect(url_for("admin.team_member", member_id=member.id))


@bp.post("/team/<int:member_id>/reactivate")
@permission_required(Permission.OWNER)
def reactivate_member(member_id: int):
    member = db.get_or_404(Organizer, member_id)
    if attempt_or_flash(team.reactivate, member) is not REFUSED:
        flash(f"{member.name} can sign in again.")
    return redirect(url_for("admin.team_member", member_id=member.id))
