"""City alerts on the guest side (issue 17): subscribe (home page, past events, after feedback),
confirm by e-mail, and unsubscribe in one click (services/alerts.py)."""

from flask import abort, redirect, render_template, request, session, url_for
from wtforms import SelectMultipleField, widgets
from wtforms.validators import Optional

from eventsite.auth import submissions
from eventsite.extensions import csrf, db
from eventsite.forms import EmailField, Form, email_checks
from eventsite.models import Series
from eventsite.public.blueprint import bp
from eventsite.public.forms import ConfirmForm
from eventsite.services import DomainError, alerts, series
from eventsite.web import REFUSED, attempt, saved


class AlertForm(Form):
    email = EmailField("Your e-mail address", validators=email_checks("Please enter your e-mail address."))
    cities = SelectMultipleField(
        "Cities", widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput(),
        validators=[Optional()],
    )  # fmt: skip

    def offer(self, row: Series, ticked: str | None = None, cities: list[tuple[str, str]] | None = None) -> "AlertForm":
        """The series' cities as choices (``cities``: ``series.cities(row)`` when the caller read them)."""
        self.cities.choices = [(name, name) for name, _ in (cities if cities is not None else series.cities(row))]
        if ticked and not self.is_submitted():
            self.cities.data = [ticked]
        return self


def alert_box(row: Series | None, ticked: str | None = None) -> dict | None:
    """What templates/public/_alerts_form.html needs for ``row``'s alerts, or None without cities."""
    cities = series.cities(row) if row is not None else []
    if not cities:
        return None
    return {"series": row, "form": AlertForm(formdata=None).offer(row, ticked, cities)}


@bp.post("/alerts/<int:series_id>")
def subscribe_alerts(series_id: int):
    row = db.get_or_404(Series, series_id)
    form = AlertForm().offer(row)
    status = 422
    if form.validate():
        held = submissions.wait_message("alerts", form.email.data)
        if held is not None:
            form.email.errors.append(held[0])
            status = 429
        elif attempt(form, alerts.subscribe, form.email.data, row, form.cities.data or []) is not REFUSED:
            session["inbox_address"] = form.email.data
            return redirect(url_for("public.alerts_sent"))
    return render_template("public/alerts_form_page.html", box={"series": row, "form": form}), status


@bp.get("/alerts/sent")
def alerts_sent():
    return render_template("public/alerts_sent.html", address=session.get("inbox_address", ""))


@bp.route("/alerts/confirm/<token>", methods=["GET", "POST"])
def confirm_alerts(token: str):
    """GET shows what the link confirms (a mail scanner's visit changes nothing); POST confirms."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            rows = saved(alerts.confirm, token)
        except DomainError:
            abort(404, "This confirmation link was used already or never sent.")
        return render_template("public/alerts_confirm.html", rows=rows, done=True, form=form)
    rows = alerts.pending(token)
    if not rows:
        abort(404, "This confirmation link was used already or never sent.")
    return render_template("public/alerts_confirm.html", rows=rows, done=False, form=form)


@bp.route("/alerts/unsubscribe/<signed>", methods=["GET", "POST"])
@csrf.exempt  # the signed link is the proof; a mail client's one-click POST carries no form token
def unsubscribe_alerts(signed: str):
    ours, alert = alerts.from_unsubscribe(signed)
    if not ours:
        abort(404)
    if alert is None:  # unsubscribed already
        return render_template("public/alerts_unsubscribed.html", city=None, done=True)
    city = alert.city
    if request.method == "POST":
        saved(alerts.unsubscribe, alert)
    return render_template("public/alerts_unsubscribed.html", city=city, done=request.method == "POST",
                           form=ConfirmForm())  # fmt: skip
