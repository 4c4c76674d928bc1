"""Admin: an event's vendors and sponsors (listing, logos, representatives, counts, the vendor
sheet). Organizers see counts per vendor, never a lead's details."""

import io

from flask import flash, redirect, render_template, send_file, url_for

from eventsite.admin.blueprint import bp
from eventsite.admin.common import actor, get_event, get_rsvp, move_on_submit
from eventsite.admin.forms import ActionForm
from eventsite.admin.vendor_forms import AddVendorForm, EditVendorForm, RepresentativesForm
from eventsite.auth.gates import Permission, permission_required
from eventsite.models import Event, EventVendor
from eventsite.services import invitations, leads, vendor_reports, vendors
from eventsite.web import REFUSED, attempt, attempt_or_flash, of_event


def _page(event: Event, *, new: AddVendorForm | None = None, shown: dict | None = None):
    """The vendors page; ``shown``: a form sent back with its reasons, by its prefix ("v3", "r3")."""
    shown = shown or {}
    rows = vendors.of_event(event)
    counts = {f.id: f for f in leads.figures(event).vendors}
    tried = vendor_reports.by_vendor(event)[1] if rows else {}
    editors = [
        (row, shown.get(f"v{row.id}") or EditVendorForm(prefix=f"v{row.id}", formdata=None).fill(row),
         shown.get(f"r{row.id}") or RepresentativesForm(prefix=f"r{row.id}", formdata=None),
         vendors.representatives(row), vendors.pending_invitations(row), counts[row.id], tried.get(row.name))
        for row in rows
    ]  # fmt: skip
    new = new or AddVendorForm(prefix="new", formdata=None)
    status = 422 if new.errors or any(form.errors for form in shown.values()) else 200
    known = new.offer(vendors.all_vendors(), {row.vendor_id for row in rows})
    return render_template("admin/vendors.html", event=event, editors=editors, action=ActionForm(), new=known), status


@bp.route("/events/<int:event_id>/vendors", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def event_vendors(event_id: int):
    event = get_event(event_id)
    form = AddVendorForm(prefix="new").offer(vendors.all_vendors(), set())
    if form.validate_on_submit():
        row = attempt(form, vendors.add_to_event, event, vendor_id=form.vendor_id(), name=form.name.data or "",
                      website=form.website.data or "", logo=form.upload(), listing=form.listing())  # fmt: skip
        if row is not REFUSED:
            flash(f"{row.name} is listed at this event.")
            return redirect(url_for("admin.event_vendors", event_id=event_id) + f"#vendor-{row.id}")
    return _page(get_event(event_id), new=form if form.is_submitted() else None)


@bp.post("/events/<int:event_id>/vendors/<int:event_vendor_id>")
@permission_required(Permission.MANAGE)
def edit_vendor(event_id: int, event_vendor_id: int):
    row = of_event(EventVendor, event_vendor_id, event_id)
    form = EditVendorForm(prefix=f"v{row.id}")
    if form.validate():
        done = attempt(form, vendors.edit_at_event, row, name=form.name.data, website=form.website.data or "",
                       logo=form.upload(), drop_logo=form.drop_logo.data, listing=form.listing())  # fmt: skip
        if done is not REFUSED:
            flash(f"{done.name} saved.")
            return redirect(url_for("admin.event_vendors", event_id=event_id) + f"#vendor-{event_vendor_id}")
    return _page(get_event(event_id), shown={f"v{event_vendor_id}": form})


@bp.post("/events/<int:event_id>/vendors/<int:event_vendor_id>/move")
@permission_required(Permission.MANAGE)
def move_vendor(event_id: int, event_vendor_id: int):
    row = of_event(EventVendor, event_vendor_id, event_id)
    move_on_submit(vendors.move, row)
    return redirect(url_for("admin.event_vendors", event_id=event_id))


@bp.post("/events/<int:event_id>/vendors/<int:event_vendor_id>/remove")
@permission_required(Permission.MANAGE)
def remove_vendor(event_id: int, event_vendor_id: int):
    row = of_event(EventVendor, event_vendor_id, event_id)
    name = row.name
    if ActionForm().validate_on_submit() and attempt_or_flash(vendors.detach, row) is not REFUSED:
        flash(f"{name} is no longer listed at this event.")
    return redirect(url_for("admin.event_vendors", event_id=event_id))


@bp.post("/events/<int:event_id>/vendors/<int:event_vendor_id>/representatives")
@permission_required(Permission.MANAGE)
def invite_representatives(event_id: int, event_vendor_id: int):
    row = of_event(EventVendor, event_vendor_id, event_id)
    form = RepresentativesForm(prefix=f"r{row.id}")
    if form.validate():
        people, problems = invitations.read_people(form.people.data)
        report = attempt(form, vendors.invite_representatives, row, people, actor=actor())
        if report is not REFUSED:
            left_out = problems + [f"{address}: {why}" for address, why in report.skipped]
            flash(f"Invited {len(report.invited)} representative{'s' if len(report.invited) != 1 else ''} of "
                  f"{row.name}." + (f" Left out: {'; '.join(left_out[:10])}." if left_out else ""))  # fmt: skip
            return redirect(url_for("admin.event_vendors", event_id=event_id) + f"#vendor-{event_vendor_id}")
    return _page(get_event(event_id), shown={f"r{event_vendor_id}": form})


@bp.post("/events/<int:event_id>/vendors/<int:event_vendor_id>/representatives/<int:rsvp_id>/revoke")
@permission_required(Permission.MANAGE)
def revoke_representative(event_id: int, event_vendor_id: int, rsvp_id: int):
    row = of_event(EventVendor, event_vendor_id, event_id)
    rsvp = get_rsvp(rsvp_id)
    if ActionForm().validate_on_submit() and attempt_or_flash(vendors.revoke, row, rsvp, actor=actor()) is not REFUSED:
        flash(f"{rsvp.full_name} no longer represents {row.name}: their lead scanner stopped.")
    return redirect(url_for("admin.event_vendors", event_id=event_id) + f"#vendor-{event_vendor_id}")


@bp.post("/events/<int:event_id>/vendors/<int:event_vendor_id>/feedback")
@permission_required(Permission.MANAGE)
def send_vendor_feedback(event_id: int, event_vendor_id: int):
    row = of_event(EventVendor, event_vendor_id, event_id)
    if ActionForm().validate_on_submit():
        sent = attempt_or_flash(vendor_reports.send, row)
        if sent is not REFUSED:
            flash(f"{row.name}'s feedback summary is on its way to {sent} representative{'s' if sent != 1 else ''}.")
    return redirect(url_for("admin.event_vendors", event_id=event_id) + f"#vendor-{event_vendor_id}")


@bp.get("/events/<int:event_id>/vendors/sheet.pdf")
@permission_required(Permission.MANAGE)
def vendor_sheet(event_id: int):
    event = get_event(event_id)
    pdf = vendors.render_sheet_pdf(event)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"vendors-{event.slug}.pdf")
