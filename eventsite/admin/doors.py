"""Admin: door links for volunteers (create, show as link and QR, revoke)."""

import datetime as dt

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from eventsite.admin.blueprint import bp
from eventsite.admin.charts import arrivals_chart
from eventsite.admin.common import actor, get_event
from eventsite.admin.door_forms import DoorLinkForm, ScansFileForm
from eventsite.admin.forms import ActionForm
from eventsite.auth.gates import Permission, permission_required
from eventsite.extensions import db
from eventsite.formatting import clock
from eventsite.models import DoorLink, Event, utcnow
from eventsite.services import checkin, doors
from eventsite.services.badges import qr_data_uri
from eventsite.web import REFUSED, attempt, of_event


def _page(event: Event, form: DoorLinkForm, status: int = 200, *, upload: ScansFileForm | None = None, uploaded=None):
    now = utcnow()
    rows = [
        {
            "link": link,
            "url": doors.door_url(link),
            "qr": qr_data_uri(doors.door_url(link)),
            "open": link.is_open(now),
        }
        for link in doors.door_links(event)
    ]
    page = render_template(
        "admin/doors.html",
        event=event,
        form=form,
        rows=rows,
        action=ActionForm(),
        now=now,
        upload=upload or ScansFileForm(),
        uploaded=uploaded,
    )
    return page, status


def _local(event: Event, value):
    return value.replace(tzinfo=event.tz) if value else None


def _suggest(event: Event, form: DoorLinkForm) -> DoorLinkForm:
    """Fill a new door link's form with the next door's name and the default window."""
    start, end = doors.default_window(event)
    form.valid_from.data = start.astimezone(event.tz).replace(tzinfo=None)
    form.valid_until.data = end.astimezone(event.tz).replace(tzinfo=None)
    form.label.data = f"Door {len(doors.door_links(event)) + 1}"
    return form


@bp.route("/events/<int:event_id>/doors", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def door_links(event_id: int):
    event = get_event(event_id)
    form = DoorLinkForm()
    if not form.is_submitted():
        _suggest(event, form)
    elif form.validate():
        link = attempt(
            form,
            doors.create_door_link,
            event,
            label=form.label.data,
            pin=form.pin.data,
            valid_from=_local(event, form.valid_from.data),
            valid_until=_local(event, form.valid_until.data),
            actor=actor(),
        )
        if link is not REFUSED:
            flash(f"Door link “{link.label}” created. Send it to the volunteer, or let them scan its QR.")
            return redirect(url_for("admin.door_links", event_id=event.id))
        event = get_event(event_id)
    return _page(event, form, 422 if form.is_submitted() else 200)


@bp.post("/events/<int:event_id>/doors/<int:link_id>/revoke")
@permission_required(Permission.MANAGE)
def revoke_door_link(event_id: int, link_id: int):
    event = get_event(event_id)
    form = ActionForm()
    link = of_event(DoorLink, link_id, event)
    if not form.validate_on_submit():
        return redirect(url_for("admin.door_links", event_id=event.id))
    doors.revoke_door_link(link)
    db.session.commit()
    flash(f"Door link “{link.label}” no longer works.")
    return redirect(url_for("admin.door_links", event_id=event.id))


def door_figures(event: Event) -> dict:
    """The door's live figures for the event overview (see templates/admin/_door_figures.html).
    ``quarters``: arrivals per 15 minutes as the stats API gives them, for arrivals_chart.js."""
    stats = checkin.door_stats(event)
    quarters = [
        {
            "start": t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "start_local": clock(t.astimezone(event.tz)),
            "admitted": n,
        }
        for t, n in stats.per_quarter
    ]
    return {
        "stats": stats,
        "clock": lambda t: clock(t.astimezone(event.tz)),
        "quarters": quarters,
        "chart": arrivals_chart(quarters),
    }


@bp.post("/events/<int:event_id>/doors/scans")
@permission_required(Permission.MANAGE)
def upload_door_scans(event_id: int):
    """Check in the scans a door phone saved to a file, each settled as the phone's own upload
    would be (a scan uploaded before counts once); the page lists what became of each."""
    event = get_event(event_id)
    upload = ScansFileForm()
    form = _suggest(event, DoorLinkForm(formdata=None))
    if not upload.validate_on_submit():
        return _page(event, form, 422, upload=upload)
    scans_file = attempt(upload, checkin.read_scans_file, event, upload.file.data.read(checkin.MAX_SCANS_FILE * 400))
    if scans_file is REFUSED:
        return _page(event, form, 422, upload=upload)
    by = f"{scans_file.door} (file uploaded by {current_user.email})"[:80]
    uploaded = checkin.upload_scans(event, scans_file.scans, by=by)
    db.session.commit()
    return _page(event, form, upload=upload, uploaded=uploaded)
