"""Admin: people across the series (list, CSV, one person's events) and the retention period."""

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for

from eventsite.admin.blueprint import bp
from eventsite.admin.common import actor
from eventsite.admin.people_forms import RetentionForm, SeriesRetentionForm
from eventsite.auth.gates import Permission, event_gate, permission_required
from eventsite.extensions import db
from eventsite.models import Event, Series, TrainingLevel
from eventsite.services import events, invitations, opt_outs, people, privacy, series
from eventsite.web import REFUSED, attempt, attempt_or_flash


@bp.get("/people")
@permission_required(Permission.SITE)
def people_list():
    filters = people.PeopleFilter.from_args(request.args)
    return render_template(
        "admin/people.html",
        filters=filters,
        page=people.people_page(filters),
        sorts=people.SORTS,
        shows=people.SHOWS,
        seen=people.SEEN,
        cities=people.cities(),
        levels=list(TrainingLevel),
        retention=privacy.settings().retention_days,
        own_periods=[s for s in series.all_series() if s.retention_days],
        upcoming=events.invitable_events(),
    )


@bp.post("/people/invite")
@permission_required(Permission.SITE)
def invite_people():
    """Invite the ticked people (or everyone the filter matches) to an upcoming event (issue 15)."""
    filters = people.PeopleFilter.from_args(request.form)
    back = url_for("admin.people_list", **filters.args())
    event_id = request.form.get("event_id", "")
    event = db.session.get(Event, int(event_id)) if event_id.isdigit() else None
    if event is None:
        flash("Choose the event to invite them to.")
        return redirect(back)
    event_gate(Permission.MANAGE, event)
    everyone = request.form.get("selection") == "all"
    picked = None if everyone else [int(i) for i in request.form.getlist("rsvp_ids") if i.isdigit()]
    if picked == []:
        flash("Tick the people to invite first, or choose everyone shown.")
        return redirect(back)
    invitees = people.invitees(filters, picked)
    report = attempt_or_flash(invitations.invite, event, invitees, category_id=None, skip_approval=False,
                              actor=actor())  # fmt: skip
    if report is REFUSED:
        return redirect(back)
    skipped = f" Left out {len(report.skipped)} already invited or with an RSVP." if report.skipped else ""
    flash(f"Invited {len(report.invited)} to {event.title}; their e-mails are on the way.{skipped}")
    return redirect(url_for("admin.event_invitations", event_id=event.id))


@bp.get("/people.csv")
@permission_required(Permission.SITE)
def people_csv():
    lines = people.people_csv(people.PeopleFilter.from_args(request.args))
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="people.csv"'},
    )


@bp.get("/people/<int:rsvp_id>")
@permission_required(Permission.SITE)
def person_detail(rsvp_id: int):
    found = people.person(rsvp_id) or abort(404)
    unsubscribed = sorted(opt_outs.kinds_off(found.latest.email_key))
    return render_template("admin/person.html", person=found, unsubscribed=unsubscribed)


@bp.route("/people/retention", methods=["GET", "POST"])
@permission_required(Permission.OWNER)
def retention():
    current = privacy.settings()
    form = RetentionForm(obj=current)
    if (
        form.validate_on_submit()
        and attempt(form, privacy.set_retention, form.retention_days.data, actor=actor()) is not REFUSED
    ):
        days = form.retention_days.data
        flash(f"Saved: personal data is anonymised {days:,} days after each event." if days else
              "Saved: personal data is kept until a guest deletes it.")  # fmt: skip
        return redirect(url_for("admin.people_list"))
    return _retention_page(form, current)


@bp.post("/people/retention/series/<int:series_id>")
@permission_required(Permission.OWNER)
def series_retention(series_id: int):
    row = db.get_or_404(Series, series_id)
    form = SeriesRetentionForm(prefix=f"s{row.id}")
    if form.validate() and attempt(form, privacy.set_series_retention, row, form.retention_days.data) is not REFUSED:
        days = form.retention_days.data
        flash(f"Saved: {row.name} anonymises guests' data {days:,} days after each event." if days else
              f"Saved: {row.name} follows the site's setting.")  # fmt: skip
        return redirect(url_for("admin.retention"))
    return _retention_page(RetentionForm(obj=privacy.settings(), formdata=None), privacy.settings(), (row.id, form))


def _retention_page(form: RetentionForm, current, shown: tuple[int, SeriesRetentionForm] | None = None):
    """The page with the site's form and one form per series (``shown``: a series' form as sent)."""
    rows = [
        (s, shown[1] if shown and shown[0] == s.id else SeriesRetentionForm(prefix=f"s{s.id}", obj=s, formdata=None))
        for s in series.all_series()
    ]
    for row, sform in rows:  # each field says its series, for a screen reader's list of fields
        sform.retention_days.label.text = f"Days after each event of {row.name}"
    status = 422 if form.errors or (shown and shown[1].errors) else 200
    page = render_template("admin/retention.html", form=form, current=current, due=privacy.due_for_retention(),
                           series_rows=rows)  # fmt: skip
    return page, status
