"""The guest changes their RSVP's e-mail address: ask on the manage page, confirm from the
link sent to the new address (services.email_change)."""

from flask import redirect, render_template, url_for

from eventsite.errors import form_error
from eventsite.extensions import db
from eventsite.public import bp
from eventsite.public.forms import ConfirmForm, EmailChangeForm, GuestDetailsForm
from eventsite.public.views import load_rsvp, manage_context
from eventsite.services import DomainError, email_change


@bp.post("/r/<token>/email")
def change_email(token: str):
    rsvp = load_rsvp(token)
    form = EmailChangeForm()
    if form.validate():
        try:
            email_change.request_change(rsvp, form.new_email.data)
        except DomainError as exc:
            db.session.rollback()
            if exc.field is None:  # cancelled meanwhile (another tab): the page says so
                return redirect(url_for("public.manage", token=token))
            form_error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("public.manage", token=token, email_sent=1) + "#change-email")
    context = {**manage_context(rsvp), "email_form": form}
    return render_template("public/manage.html", **context, form=GuestDetailsForm(obj=rsvp, formdata=None)), 422


@bp.route("/r/<token>/email/<change>", methods=["GET", "POST"])
def confirm_email(token: str, change: str):
    rsvp = load_rsvp(token)
    form = ConfirmForm()
    try:
        pending = email_change.read_link(rsvp, change)
        if form.validate_on_submit():
            email_change.confirm_change(rsvp, change)
            db.session.commit()
            return redirect(url_for("public.manage", token=token, email_changed=1) + "#change-email")
    except DomainError as exc:
        db.session.rollback()
        return render_template("public/confirm_email.html", rsvp=rsvp, event=rsvp.event, error=exc.message), 410
    return render_template(
        "public/confirm_email.html", rsvp=rsvp, event=rsvp.event, form=form, new_email=pending.new_email
    )
