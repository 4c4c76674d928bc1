"""Admin: the event list, create/edit, preview, publish, cancel, next in series, overview."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from eventsite.admin.blueprint import bp
from eventsite.admin.charts import daily_bars, horizontal_bars
from eventsite.admin.common import actor, get_event
from eventsite.admin.contacts import contact_figures
from eventsite.admin.doors import door_figures
from eventsite.admin.forms import ActionForm, CancelEventForm, CopyEventForm, EventForm
from eventsite.auth.gates import Permission, permission_required, visible_event_ids
from eventsite.models import utcnow
from eventsite.public.forms import RsvpForm
from eventsite.services import capacity, event_figures, events, leads, series, vendors
from eventsite.web import REFUSED, attempt, attempt_or_flash, form_page

TABS = ("upcoming", "drafts", "past")


@bp.get("/")
@permission_required(Permission.MEMBER)
def index():
    return redirect(url_for("admin.events"))


@bp.get("/events", endpoint="events")
@permission_required(Permission.MEMBER)
def events_list():
    tab = request.args.get("tab", "upcoming")
    tab = tab if tab in TABS else "upcoming"
    rows = event_figures.admin_event_rows(tab, only=visible_event_ids())
    return render_template("admin/events.html", rows=rows, tab=tab, tabs=TABS)


def _slug(form) -> str:
    """The web address typed, or one suggested from city and date."""
    return (form.slug.data or "").strip() or events.suggest_slug(form.title.data, form.city.data, form.local_start.data)


@bp.route("/events/new", methods=["GET", "POST"])
@permission_required(Permission.SITE)
def new_event():
    form = EventForm().offer_series(series.all_series())
    if form.validate_on_submit():
        fields = {**form.when_fields(), **form.service_fields(), "local_deadline": form.local_deadline.data}
        event = attempt(form, events.create_event, slug=_slug(form), like_series=form.like_series.data, **fields)
        if event is not REFUSED:
            flash("Draft created. Preview it, then publish when ready.")
            return redirect(url_for("admin.event_dashboard", event_id=event.id))
    return form_page("admin/event_form.html", form, event=None)


def _fill_times(form: EventForm, event) -> None:
    """Show the event's times on its own clock (the fields are wall-clock times)."""
    form.local_start.data = event.local_starts_at.replace(tzinfo=None)
    form.local_end.data = event.local_ends_at.replace(tzinfo=None)
    deadline = event.rsvp_deadline
    form.local_deadline.data = deadline.astimezone(event.tz).replace(tzinfo=None) if deadline else None


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def edit_event(event_id: int):
    event = get_event(event_id)
    form = EventForm(obj=event).offer_series(series.all_series())
    if not form.is_submitted():
        _fill_times(form, event)
    elif form.validate():
        told = attempt(
            form, events.update_event, event, slug=(form.slug.data or "").strip() or event.slug,
            local_deadline=form.local_deadline.data, confirm_overbooking=form.confirm_overbooking.data,
            **form.when_fields(), **form.service_fields(),
        )  # fmt: skip
        if told is not REFUSED:
            moved = f" {told} guest{'s were' if told != 1 else ' was'} e-mailed the new time." if told else ""
            flash("Event saved." + moved)
            return redirect(url_for("admin.event_dashboard", event_id=event.id))
    return form_page("admin/event_form.html", form, event=event, action=ActionForm())


@bp.get("/events/<int:event_id>")
@permission_required(Permission.FIGURES)
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
        institution_chart=horizontal_bars(figures.by_institution, title="Live RSVPs by program (top 12)"),
        public_url=url_for("public.event_page", slug=event.slug),
        door=door_figures(event),
        networking=contact_figures(event),
        vendor_figures=leads.figures(event),
    )


@bp.get("/events/<int:event_id>/preview")
@permission_required(Permission.MANAGE)
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
        listed_vendors=vendors.of_event(event),
        vendor_names=vendors.names(event),
        preview=True,
    )


def _status_change(event_id: int, change, done: str):
    event = get_event(event_id)
    if ActionForm().validate_on_submit() and attempt_or_flash(change, event) is not REFUSED:
        flash(done)
    return redirect(url_for("admin.event_dashboard", event_id=event_id))


@bp.post("/events/<int:event_id>/publish")
@permission_required(Permission.MANAGE)
def publish_event(event_id: int):
    return _status_change(event_id, events.publish_event, "Published: the event page is public now.")


@bp.post("/events/<int:event_id>/unpublish")
@permission_required(Permission.MANAGE)
def unpublish_event(event_id: int):
    return _status_change(event_id, events.unpublish_event, "Unpublished: the public page is hidden again.")


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def cancel_event(event_id: int):
    event = get_event(event_id)
    form = CancelEventForm()
    if form.validate_on_submit():
        told = attempt(form, events.cancel_event, event, message=form.message.data, actor=actor())
        if told is not REFUSED:
            flash(f"Event cancelled. {told} guest(s) are being e-mailed your message.")
            return redirect(url_for("admin.event_dashboard", event_id=event.id))
    return form_page("admin/cancel_event.html", form, event=event, counts=capacity.place_counts(event))


@bp.route("/events/<int:event_id>/copy", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def copy_event(event_id: int):
    source = get_event(event_id)
    form = CopyEventForm().offer_vendors(vendors.of_event(source))
    if not form.is_submitted():
        form.title.data, form.timezone.data = source.title, source.timezone
    if form.validate_on_submit():
        fields = {
            **form.when_fields(),
            **form.venue_fields(),
            "title": form.title.data,
            "vendor_ids": form.vendors.data,
        }
        event = attempt(form, events.copy_event, source, slug=_slug(form), host=current_user, **fields)
        if event is not REFUSED:
            flash(f"Copied as a draft: {event.title}, {event.city}. No guests were copied.")
            return redirect(url_for("admin.event_dashboard", event_id=event.id))
    return form_page("admin/copy_event.html", form, source=source, event=None)
