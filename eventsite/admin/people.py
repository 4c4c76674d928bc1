"""Admin: people across the series (list, CSV, one person's events) and the retention period."""

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for

from eventsite.admin.blueprint import bp
from eventsite.admin.common import actor
from eventsite.admin.people_forms import RetentionForm
from eventsite.auth.gates import Permission, permission_required
from eventsite.services import people, privacy
from eventsite.web import REFUSED, attempt, form_page


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
        retention=privacy.settings().retention_days,
    )


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
    return render_template("admin/person.html", person=found)


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
    return form_page("admin/retention.html", form, current=current, due=privacy.due_for_retention())
