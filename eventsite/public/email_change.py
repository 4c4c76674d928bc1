"""The guest changes their RSVP's e-mail address: ask on the manage page, confirm from the
link sent to the new address (services.email_change)."""

from flask import redirect, render_template, url_for

from eventsite.auth import guessing
from eventsite.extensions import db
from eventsite.forms import form_error
from eventsite.public.blueprint import bp
from eventsite.public.forms import ConfirmForm, EmailChangeForm, GuestDetailsForm
from eventsite.public.manage_page import manage_context
from eventsite.public.views import load_rsvp
from eventsite.services import DomainError, ErrorCode, email_change
from eventsite.web import saved


@bp.post("/r/<token>/email")
def change_email(token: str):
    rsvp = load_rsvp(token)
    form = EmailChangeForm()
    if form.validate():
        try:
            saved(email_change.request_change, rsvp, form.new_email.data)
        except DomainError as exc:
            if exc.field is None:  # cancelled meanwhile (another tab): the page says so
                return redirect(url_for("public.manage", token=token))
            form_error(form, exc)
        else:
            return redirect(url_for("public.manage", token=token, email_sent=1) + "#change-email")
    context = {**manage_context(rsvp), "email_form": form}
    return render_template("public/manage.html", **context, form=GuestDetailsForm(obj=rsvp, formdata=None)), 422


@bp.route("/email-change/<change>", methods=["GET", "POST"])
def confirm_email(change: str):
    """The link in the new mailbox. It carries no manage link, so the page names only the event
    and the new address; confirming leads to the RSVP's new private page."""
    guessing.guard(guessing.Secret.EMAIL_CHANGE)
    form = ConfirmForm()
    try:
        pending = email_change.read_link(change)
        if form.validate_on_submit():
            saved(email_change.confirm_change, pending)
            return redirect(
                url_for("public.manage", token=pending.rsvp.manage_token, email_changed=1) + "#change-email"
            )
    except DomainError as exc:
        db.session.rollback()
        if exc.code == ErrorCode.BAD_LINK:  # a made-up or mangled link: as unknown as any other token
            guessing.miss(guessing.Secret.EMAIL_CHANGE)
            return render_template("public/confirm_email.html", error=exc.message), 404
        return render_template("public/confirm_email.html", error=exc.message), 410
    return render_template(
        "public/confirm_email.html", event=pending.rsvp.event, form=form, new_email=pending.new_email
    )
