"""Admin: the event list, create/edit, preview, publish, cancel, next in series, overview."""

from flask import flash, redirect, render_template, request, url_for

from eventsite.admin.blueprint import bp
from eventsite.admin.charts import daily_bars, horizontal_bars
from eventsite.admin.common import actor, get_event
from eventsite.admin.contacts import contact_figures
from eventsite.admin.doors import door_figures
from eventsite.admin.forms import ActionForm, CancelEventForm, CopyEventForm, EventForm
from eventsite.errors import form_error
from eventsite.extensions import db
from eventsite.models import utcnow
from eventsite.public.forms import RsvpForm
from eventsite.services import DomainError, capacity, event_figures, events

TABS = ("upcoming", "drafts", "past")


@bp.get("/")
def index():
    return redirect(url_for("admin.events"))


@bp.get("/events", endpoint="events")
def events_list():
    tab = request.args.get("tab", "upcoming")
    tab = tab if tab in TABS else "upcoming"
    return render_template("admin/events.html", rows=event_figures.admin_event_rows(tab), tab=tab, tabs=TABS)


def local_fields(form) -> dict:
    return {
        "local_start": form.local_start.data,
        "local_end": form.local_end.data,
        "timezone": form.timezone.data,
    }


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        fields = form.service_fields()
        slug = (form.slug.data or "").strip() or events.suggest_slug(
            form.title.data, form.city.data, form.local_start.data
        )
        try:
            event = events.create_event(
                slug=slug, local_deadline=form.local_deadline.data, **local_fields(form), **fields
            )
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash("Draft created. Preview it, then publish when ready.")
            return redirect(url_for("admin.event_dashboard", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/event_form.html", form=form, event=None), status


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    event = get_event(event_id)
    form = EventForm(obj=event)
    if not form.is_submitted():
        form.local_start.data = event.local_starts_at.replace(tzinfo=None)
        form.local_end.data = event.local_ends_at.replace(tzinfo=None)
        form.local_deadline.data = (
            event.rsvp_deadline.astimezone(event.tz).replace(tzinfo=None) if event.rsvp_deadline else None
        )
    elif form.validate():
        try:
            told = events.update_event(
                event,
                slug=(form.slug.data or "").strip() or event.slug,
                local_deadline=form.local_deadline.data,
                confirm_overbooking=form.confirm_overbooking.data,
                **local_fields(form),
                **form.service_fields(),
            )
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
            event = get_event(event_id)
        else:
            db.session.commit()
            moved = f" {told} guest{'s were' if told != 1 else ' was'} e-mailed the new time." if told else ""
            flash("Event saved." + moved)
            return redirect(url_for("admin.event_dashboard", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/event_form.html", form=form, event=event, action=ActionForm()), status


@bp.get("/events/<int:event_id>")
def event_dashboard(event_id: int):
    event = get_event(event_id)
    figures = event_figures.dashboard(event)
    return render_template(
        "admin/dashboard.html",
        event=event,
        figures=figures,
        action=ActionForm(),
        per_day_chart=daily_bars(figures.per_day, title="RSVPs received per day"),
        level_chart=horizontal_bars(figures.by_level, title="Live RSVPs by training level"),
        program_chart=horizontal_bars(figures.by_program, title="Live RSVPs by program (top 12)"),
        public_url=url_for("public.event_page", slug=event.slug),
        door=door_figures(event),
        networking=contact_figures(event),
    )


@bp.get("/events/<int:event_id>/preview")
def preview_event(event_id: int):
    event = get_event(event_id)
    now = utcnow()

    return render_template(
        "public/event.html",
        event=event,
        form=RsvpForm(),
        counts=capacity.place_counts(event),
        is_open=True,
        is_past=event.is_past(now),
        description=events.render_markdown(event.description),
        preview=True,
    )


def _status_change(event_id: int, change, done: str):
    event = get_event(event_id)
    if ActionForm().validate_on_submit():
        try:
            change(event)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message)
        else:
            db.session.commit()
            flash(done)
    return redirect(url_for("admin.event_dashboard", event_id=event_id))


@bp.post("/events/<int:event_id>/publish")
def publish_event(event_id: int):
    return _status_change(event_id, events.publish_event, "Published: the event page is public now.")


@bp.post("/events/<int:event_id>/unpublish")
def unpublish_event(event_id: int):
    return _status_change(event_id, events.unpublish_event, "Unpublished: the public page is hidden again.")


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
def cancel_event(event_id: int):
    event = get_event(event_id)
    form = CancelEventForm()
    if form.validate_on_submit():
        try:
            told = events.cancel_event(event, message=form.message.data, actor=actor())
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash(f"Event cancelled. {told} guest(s) are being e-mailed your message.")
            return redirect(url_for("admin.event_dashboard", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    live = capacity.place_counts(event)
    return render_template("admin/cancel_event.html", event=event, form=form, counts=live), status


@bp.route("/events/<int:event_id>/copy", methods=["GET", "POST"])
def copy_event(event_id: int):
    source = get_event(event_id)
    form = CopyEventForm()
    if not form.is_submitted():
        form.title.data = source.title
        form.timezone.data = source.timezone
    if form.validate_on_submit():
        slug = (form.slug.data or "").strip() or events.suggest_slug(
            form.title.data, form.city.data, form.local_start.data
        )
        try:
            event = events.copy_event(
                source,
                title=form.title.data,
                slug=slug,
                venue_name=form.venue_name.data,
                room=form.room.data or "",
                street_address=form.street_address.data,
                city=form.city.data,
                region=form.region.data or "",
                postal_code=form.postal_code.data or "",
                **local_fields(form),
            )
        except DomainError as exc:
            db.session.rollback()
            form_error(form, exc)
        else:
            db.session.commit()
            flash(f"Copied as a draft: {event.title}, {event.city}. No guests were copied.")
            return redirect(url_for("admin.event_dashboard", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/copy_event.html", form=form, source=source, event=None), status
