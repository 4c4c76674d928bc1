"""Admin: door links for volunteers (create, show as link and QR, revoke)."""

import datetime as dt

from flask import flash, redirect, render_template, url_for

from eventsite.admin import bp
from eventsite.admin.charts import arrivals_chart
from eventsite.admin.common import actor, get_event
from eventsite.admin.door_forms import DoorLinkForm
from eventsite.admin.forms import ActionForm
from eventsite.errors import form_error
from eventsite.extensions import db
from eventsite.formatting import clock
from eventsite.models import DoorLink, Event, utcnow
from eventsite.services import DomainError, checkin
from eventsite.services.badges import qr_data_uri


def _page(event: Event, form: DoorLinkForm, status: int = 200):
    now = utcnow()
    rows = [
        {
            "link": link,
            "url": checkin.door_url(link),
            "qr": qr_data_uri(checkin.door_url(link)),
            "open": link.is_open(now),
        }
        for link in checkin.door_links(event)
    ]
    return render_template("admin/doors.html", event=event, form=form, rows=rows, action=ActionForm(), now=now), status


def _local(event: Event, value):
    return value.replace(tzinfo=event.tz) if value else None


@bp.route("/events/<int:event_id>/doors", methods=["GET", "POST"])
def door_links(event_id: int):
    event = get_event(event_id)
    form = DoorLinkForm()
    if not form.is_submitted():
        start, end = checkin.default_window(event)
        form.valid_from.data = start.astimezone(event.tz).replace(tzinfo=None)
        form.valid_until.data = end.astimezone(event.tz).replace(tzinfo=None)
        form.label.data = f"Door {len(checkin.door_links(event)) + 1}"
    elif form.validate():
        try:
            link = checkin.create_door_link(
                event,
                label=form.label.data,
                pin=form.pin.data,
                valid_from=_local(event, form.valid_from.data),
                valid_until=_local(event, form.valid_until.data),
                actor=actor(),
            )
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
            event = get_event(event_id)
        else:
            db.session.commit()
            flash(f"Door link “{link.label}” created. Send it to the volunteer, or let them scan its QR.")
            return redirect(url_for("admin.door_links", event_id=event.id))
    return _page(event, form, 422 if form.is_submitted() else 200)


@bp.post("/events/<int:event_id>/doors/<int:link_id>/revoke")
def revoke_door_link(event_id: int, link_id: int):
    event = get_event(event_id)
    form = ActionForm()
    link = db.get_or_404(DoorLink, link_id)
    if link.event_id != event.id or not form.validate_on_submit():
        return redirect(url_for("admin.door_links", event_id=event.id))
    checkin.revoke_door_link(link)
    db.session.commit()
    flash(f"Door link “{link.label}” no longer works.")
    return redirect(url_for("admin.door_links", event_id=event.id))


@bp.app_template_global()
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
