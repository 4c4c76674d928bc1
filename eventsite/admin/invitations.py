"""Admin: invite people to an event by pasting their addresses; who was invited, who replied."""

import dataclasses

from flask import Response, flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from eventsite.admin.blueprint import bp
from eventsite.admin.common import actor, get_event
from eventsite.admin.forms import LOCAL, to_local, to_utc
from eventsite.auth.gates import Permission, permission_required
from eventsite.forms import BooleanField, Form, SelectField, TextAreaField
from eventsite.services import categories, invitations, invite_import
from eventsite.web import REFUSED, attempt, attempt_or_flash


class InviteForm(Form):
    people = TextAreaField(
        "People to invite",
        description="One per line: an address, “Ana Li <ana@ucla.edu>” or “Ana Li, ana@ucla.edu”.",
        validators=[DataRequired("Paste at least one e-mail address."), Length(max=600_000)],
    )
    category = SelectField("Invite them as", validators=[Optional()])
    skip_approval = BooleanField("Their RSVP needs no approval")

    def for_event(self, cats) -> "InviteForm":
        self.category.choices = [SelectChoice("", "The category of their training level")] + [
            SelectChoice(str(c.id), f"{c.name} ({c.policy.label.lower()})") for c in cats
        ]
        return self


@bp.route("/events/<int:event_id>/invitations", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def event_invitations(event_id: int):
    event = get_event(event_id)
    form = InviteForm().for_event(categories.of_event(event))
    if form.validate_on_submit():
        people, problems = invitations.read_people(form.people.data)
        report = attempt(form, invitations.invite, event, people, category_id=_category(form),
                         skip_approval=form.skip_approval.data, actor=actor())  # fmt: skip
        if report is not REFUSED:
            left_out = problems + [f"{address}: {why}" for address, why in report.skipped]
            flash(f"Invited {len(report.invited)}; their e-mails are on the way."
                  + (f" Left out: {'; '.join(left_out[:10])}." if left_out else ""))  # fmt: skip
            return redirect(url_for("admin.event_invitations", event_id=event.id))
    return _list_page(event, form, FollowUpForm(formdata=None).show(event))


def _list_page(event, form, follow_up):
    rows = invitations.of_event(event)
    page = render_template("admin/invitations.html", event=event, form=form, rows=rows, follow_up=follow_up,
                           categories=categories.of_event(event))  # fmt: skip
    return page, 422 if form.errors or follow_up.errors or follow_up.form_errors else 200


class FollowUpForm(Form):
    track_opens = BooleanField("Note when each invitation e-mail is opened")
    reminder_at = DateTimeLocalField(
        "Remind those who haven't answered on",
        format=LOCAL,
        description="Optional: one reminder, with their link, to everyone invited who hasn't replied or said they "
        "can't come. Empty: no reminder.",
        validators=[Optional()],
    )

    def show(self, event) -> "FollowUpForm":
        self.track_opens.data = event.invite_track_opens
        self.reminder_at.data = to_local(event.invite_reminder_at, event.tz)
        return self


@bp.post("/events/<int:event_id>/invitations/follow-up")
@permission_required(Permission.MANAGE)
def invitation_follow_up(event_id: int):
    event = get_event(event_id)
    follow_up = FollowUpForm()
    if follow_up.validate():
        # Once the reminder went, the page no longer offers its field: it stays as it was.
        sent = event.invite_reminder_sent_at is not None
        reminder_at = event.invite_reminder_at if sent else to_utc(follow_up.reminder_at.data, event.tz)
        done = attempt(follow_up, invitations.set_follow_up, event, track_opens=follow_up.track_opens.data,
                       reminder_at=reminder_at)  # fmt: skip
        if done is not REFUSED:
            flash("Invitation follow-up saved.")
            return redirect(url_for("admin.event_invitations", event_id=event_id) + "#follow-up")
    event = get_event(event_id)
    return _list_page(event, InviteForm(formdata=None).for_event(categories.of_event(event)), follow_up)


class ImportForm(Form):
    file = FileField("A CSV file", description="From a spreadsheet: Save As → CSV. First row: the column names.")
    #: The rows handed on between the steps, as CSV text: the ones to invite, or the ones being fixed.
    rows = TextAreaField("Rows to fix", validators=[Optional(), Length(max=2_500_000)])
    category = SelectField("Invite them as", validators=[Optional()])
    skip_approval = BooleanField("Their RSVP needs no approval")
    for_event = InviteForm.for_event

    def text(self) -> str:
        """The uploaded file's text, else the rows typed or handed on; DomainError for a bad file."""
        upload = self.file.data
        if not (upload and upload.filename):
            return self.rows.data or ""
        try:
            return invite_import.decode(upload.read())
        finally:
            upload.close()  # a large upload is spooled to a temporary file: close it now


def _check_list(event, form: ImportForm):
    return invite_import.check(event, form.text())


@bp.route("/events/<int:event_id>/invitations/import", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def import_invitations(event_id: int):
    event = get_event(event_id)
    form = ImportForm().for_event(categories.of_event(event))
    checked, invited = None, None
    if form.validate_on_submit():
        checked = attempt(form, _check_list, event, form)
        if checked is not REFUSED and request.form.get("action") == "invite" and checked.good:
            invited = attempt(form, invitations.invite, event, [r.invitee for r in checked.good],
                              category_id=_category(form), skip_approval=form.skip_approval.data, actor=actor())  # fmt: skip
            if invited is not REFUSED:
                flash(f"Invited {len(invited.invited)}; their e-mails are on the way.")
                checked = dataclasses.replace(checked, rows=checked.bad)  # the rows to fix stay
    return render_template(
        "admin/invitations_import.html", event=event, form=form, checked=None if checked is REFUSED else checked,
    ), 422 if form.errors else 200  # fmt: skip


def _category(form) -> int | None:
    return int(form.category.data) if (form.category.data or "").isdigit() else None


def _ticked() -> list[int]:
    return [int(i) for i in request.values.getlist("ids") if i.isdigit()][:5000]


@bp.post("/events/<int:event_id>/invitations/bulk")
@permission_required(Permission.MANAGE)
def invitation_bulk(event_id: int):
    """The invitation list's ticked rows: send again, withdraw, or move to a category."""
    event = get_event(event_id)
    if Form().validate_on_submit():
        report = attempt_or_flash(invitations.apply_bulk, event, _ticked(), request.form.get("action", ""))
        if report is not REFUSED:
            flash(f"Done for {report.done} {'invitation' if report.done == 1 else 'invitations'}."
                  + (f" Left as they were: {'; '.join(report.skipped[:10])}." if report.skipped else ""))  # fmt: skip
    return redirect(url_for("admin.event_invitations", event_id=event_id) + "#invited-title")


@bp.get("/events/<int:event_id>/invitations.csv")
@permission_required(Permission.MANAGE)
def invitations_csv(event_id: int):
    """The invitation list as CSV: the ticked rows (?ids=…), else everyone invited."""
    event = get_event(event_id)
    body = invitations.invitations_csv(event, _ticked() or None)
    return Response(body.encode(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}-invitations.csv"'})  # fmt: skip
