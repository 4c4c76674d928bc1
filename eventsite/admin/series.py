"""Admin: the series the society runs (issue 17): names, descriptions, how many events each has."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from wtforms.validators import DataRequired, Length, Optional

from eventsite.admin.blueprint import bp
from eventsite.auth.gates import Permission, permission_required
from eventsite.extensions import db
from eventsite.forms import Form, StringField, TextAreaField
from eventsite.models import Event, Series
from eventsite.services import series
from eventsite.web import REFUSED, attempt


class SeriesForm(Form):
    name = StringField("Name", validators=[DataRequired("Give the series a name."), Length(max=120)])
    description = TextAreaField(
        "Description", description="Optional; shown on the public home page above its events.",
        validators=[Optional(), Length(max=1000)],
    )  # fmt: skip
    extra_cities = TextAreaField(
        "More cities for alerts",
        description="One per line: cities guests may ask alerts for before the series has been there.",
        validators=[Optional(), Length(max=3000)],
    )

    def fill(self, row: Series) -> "SeriesForm":
        self.name.data, self.description.data = row.name, row.description
        self.extra_cities.data = "\n".join(row.extra_cities or [])
        return self


def _page(new: SeriesForm | None = None, shown: tuple[int, SeriesForm] | None = None):
    counts = dict(db.session.execute(sa.select(Event.series_id, sa.func.count()).group_by(Event.series_id)).all())
    rows = [
        (
            s,
            counts.get(s.id, 0),
            shown[1] if shown and shown[0] == s.id else SeriesForm(prefix=f"s{s.id}", formdata=None).fill(s),
        )
        for s in series.all_series()
    ]
    new = new or SeriesForm(prefix="new", formdata=None)
    status = 422 if new.errors or (shown and shown[1].errors) else 200
    return render_template("admin/series.html", rows=rows, new=new), status


@bp.route("/series", methods=["GET", "POST"])
@permission_required(Permission.SITE)
def series_list():
    form = SeriesForm(prefix="new")
    if (
        form.validate_on_submit()
        and attempt(
            form, series.save, form.name.data, form.description.data or "", extra_cities=form.extra_cities.data or ""
        )
        is not REFUSED
    ):
        flash(f"Series “{form.name.data.strip()}” added. Choose it in an event's settings.")
        return redirect(url_for("admin.series_list"))
    return _page(new=form if form.is_submitted() else None)


@bp.post("/series/<int:series_id>")
@permission_required(Permission.SITE)
def edit_series(series_id: int):
    row = db.get_or_404(Series, series_id)
    form = SeriesForm(prefix=f"s{row.id}")
    if (
        form.validate()
        and attempt(
            form,
            series.save,
            form.name.data,
            form.description.data or "",
            row,
            extra_cities=form.extra_cities.data or "",
        )
        is not REFUSED
    ):
        flash("Series saved.")
        return redirect(url_for("admin.series_list"))
    return _page(shown=(series_id, form))
