"""Admin: printing badges (whole event in the background, one guest at once), printer offsets,
the calibration page, re-issuing a lost badge's code, a guest's colour band."""

import io

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for

from eventsite.admin.badge_forms import BadgeRoleForm, OffsetsForm, PrintBadgesForm, PrintOneForm, ReissueForm
from eventsite.admin.blueprint import bp
from eventsite.admin.common import actor, get_event
from eventsite.auth.gates import Permission, permission_required
from eventsite.extensions import db
from eventsite.jobs import print_jobs
from eventsite.models import BadgeJobStatus, BadgePrintJob, Rsvp
from eventsite.services import badges
from eventsite.web import REFUSED, attempt, attempt_or_flash, form_page, of_event

PRINTED_FILTERS = {"yes": True, "no": False}


def _page(event, *, form=None, offsets=None, status=200):
    printed = PRINTED_FILTERS.get(request.args.get("printed", ""))
    offsets = offsets or OffsetsForm(offset_x_mm=event.badge_offset_x_mm, offset_y_mm=event.badge_offset_y_mm)
    return render_template(
        "admin/badges.html",
        event=event,
        form=form or PrintBadgesForm(),
        offsets=offsets,
        listing=badges.badge_list(event, printed=printed),
        printed_filter=request.args.get("printed", ""),
        jobs=badges.recent_jobs(event),
        layouts=badges.LAYOUTS,
        badge_role_of=badges.badge_role,
    ), status


@bp.get("/events/<int:event_id>/badges")
@permission_required(Permission.MANAGE)
def badges_page(event_id: int):
    return _page(get_event(event_id))


@bp.post("/events/<int:event_id>/badges/print")
@permission_required(Permission.MANAGE)
def print_badges(event_id: int):
    """Queue the PDF (also the target of a guest list's ticked rows: selection=selected, rsvp_ids)."""
    event = get_event(event_id)
    form = PrintBadgesForm()
    if form.validate_on_submit():
        job = attempt(
            form, badges.start_print_job, event, layout=form.layout.data, selection=form.selection.data,
            rsvp_ids=form.rsvp_ids.data or (), first_slot=form.first_slot.data, actor=actor(),
        )  # fmt: skip
        if job is not REFUSED:
            print_jobs.start(job.id)
            return redirect(url_for("admin.badge_job", event_id=event.id, job_id=job.id))
    return _page(event, form=form, status=422)


@bp.get("/events/<int:event_id>/badges/jobs/<int:job_id>")
@permission_required(Permission.MANAGE)
def badge_job(event_id: int, job_id: int):
    job = of_event(BadgePrintJob, job_id, event_id)
    return render_template(
        "admin/badge_job.html",
        event=job.event,
        job=job,
        stale=badges.is_stale(job),
        layout=badges.LAYOUTS[job.layout],
    )


@bp.get("/events/<int:event_id>/badges/jobs/<int:job_id>.json")
@permission_required(Permission.MANAGE)
def badge_job_status(event_id: int, job_id: int):
    job = of_event(BadgePrintJob, job_id, event_id)
    done = job.status == BadgeJobStatus.DONE
    return jsonify(
        status="stalled" if badges.is_stale(job) else job.status.value,
        done=job.done,
        total=job.total,
        percent=job.percent,
        pages=job.pages,
        error=job.error or None,
        download_url=url_for("admin.badge_job_pdf", event_id=event_id, job_id=job.id) if done else None,
    )


@bp.get("/events/<int:event_id>/badges/jobs/<int:job_id>/badges.pdf")
@permission_required(Permission.MANAGE)
def badge_job_pdf(event_id: int, job_id: int):
    """The finished PDF; the organizer's rights were checked by the blueprint just now."""
    job = of_event(BadgePrintJob, job_id, event_id)
    pdf = badges.job_pdf(job) if job.status == BadgeJobStatus.DONE else None
    if pdf is None:
        abort(404, "This PDF is not ready, or it was removed after a week. Make it again from the badge page.")
    # A file to open in a PDF reader and print at 100%: browsers' viewers tend to "fit to page".
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"badges-{job.event.slug}-{job.id}.pdf",
        max_age=0,
    )


@bp.post("/events/<int:event_id>/badges/offsets")
@permission_required(Permission.MANAGE)
def badge_offsets(event_id: int):
    event = get_event(event_id)
    form = OffsetsForm()
    if form.validate_on_submit():
        offsets = {"x_mm": form.offset_x_mm.data, "y_mm": form.offset_y_mm.data}
        if attempt(form, badges.set_badge_offsets, event, **offsets) is not REFUSED:
            flash(f"Printer shift saved: {event.badge_offset_x_mm:+g} mm across, {event.badge_offset_y_mm:+g} mm down.")
            return redirect(url_for("admin.badges_page", event_id=event.id) + "#alignment")
    return _page(event, offsets=form, status=422)


@bp.get("/events/<int:event_id>/badges/calibration.pdf")
@permission_required(Permission.MANAGE)
def badge_calibration(event_id: int):
    event = get_event(event_id)
    layout = request.args.get("layout", badges.DEFAULT_LAYOUT)
    if layout not in badges.LAYOUTS:
        abort(404)
    pdf = badges.render_calibration_pdf(layout, offset_mm=(event.badge_offset_x_mm, event.badge_offset_y_mm))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"calibration-{layout}.pdf", max_age=0)


# ---------------------------------------------------------------------------------------------
# One guest's badge.


@bp.get("/events/<int:event_id>/badges/guests/<int:rsvp_id>")
@permission_required(Permission.MANAGE)
def badge_guest(event_id: int, rsvp_id: int):
    rsvp = of_event(Rsvp, rsvp_id, event_id)
    return render_template(
        "admin/badge_guest.html",
        event=rsvp.event,
        rsvp=rsvp,
        badge=badges.fit_badge(badges.badge_data(rsvp)),
        entry=badges.entry_status(rsvp),
        print_form=PrintOneForm(),
        role_form=BadgeRoleForm(role=rsvp.badge_role.value if rsvp.badge_role else ""),
        guest_url=url_for("admin.guest_detail", rsvp_id=rsvp.id)
        if "admin.guest_detail" in current_app.view_functions
        else None,
    )


@bp.post("/events/<int:event_id>/badges/guests/<int:rsvp_id>/print")
@permission_required(Permission.MANAGE)
def print_one_badge(event_id: int, rsvp_id: int):
    """The "Print this badge" button: the PDF straight back (one badge renders in well under a second)."""
    rsvp = of_event(Rsvp, rsvp_id, event_id)
    form = PrintOneForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors))
        return redirect(url_for("admin.badge_guest", event_id=event_id, rsvp_id=rsvp_id))
    pdf = attempt_or_flash(badges.print_badge, rsvp, layout=form.layout.data, first_slot=form.first_slot.data)
    if pdf is REFUSED:
        return redirect(url_for("admin.badge_guest", event_id=event_id, rsvp_id=rsvp_id))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"badge-{rsvp.id}.pdf", max_age=0)


@bp.route("/events/<int:event_id>/badges/guests/<int:rsvp_id>/reissue", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def reissue_badge(event_id: int, rsvp_id: int):
    """A lost badge: a new code after an explicit confirmation; the old code stops working."""
    rsvp = of_event(Rsvp, rsvp_id, event_id)
    form = ReissueForm()
    if form.validate_on_submit() and attempt(form, badges.reissue_ticket_code, rsvp, actor=actor()) is not REFUSED:
        flash(f"{rsvp.full_name} has a new badge code; the old badge no longer scans. Print the new badge.")
        return redirect(url_for("admin.badge_guest", event_id=event_id, rsvp_id=rsvp_id))
    return form_page("admin/badge_reissue.html", form, event=rsvp.event, rsvp=rsvp)


@bp.post("/events/<int:event_id>/badges/guests/<int:rsvp_id>/role")
@permission_required(Permission.MANAGE)
def badge_role(event_id: int, rsvp_id: int):
    rsvp = of_event(Rsvp, rsvp_id, event_id)
    form = BadgeRoleForm()
    if form.validate_on_submit():
        changed = badges.set_badge_role(rsvp, form.role.data or None, actor=actor())
        db.session.commit()
        flash("Colour band saved." if changed else "Nothing was changed.")
    return redirect(url_for("admin.badge_guest", event_id=event_id, rsvp_id=rsvp_id))


# ---------------------------------------------------------------------------------------------
# For the badge bits on the guest screens (admin/badge_guest_card.html, admin/guest_list.html).


@bp.app_template_global()
def badge_layouts() -> dict:
    return badges.LAYOUTS
