"""A guest's "My events" (issue 17): ask for a sign-in link, open it, see every RSVP and contact of
the address, download or delete everything held about it, sign out (services/my_events.py).

The browser session holds [address key, seal]; every page checks the seal against the address's
current manage links, so a rotated link signs the session out at once.
"""

from flask import Response, abort, flash, redirect, render_template, request, session, url_for

from eventsite.auth import guessing, submissions
from eventsite.database import write_after_read
from eventsite.forms import EmailField, Form, email_checks
from eventsite.models import utcnow
from eventsite.public import guest_session
from eventsite.public.blueprint import bp
from eventsite.public.contacts import download
from eventsite.public.forms import ConfirmForm
from eventsite.security import private_page
from eventsite.services import DomainError, ErrorCode, my_events, privacy
from eventsite.web import REFUSED, attempt, form_status, saved


class AskForLinkForm(Form):
    email = EmailField(
        "Your e-mail address",
        description="The one you RSVPed with. We'll e-mail you a link that signs you in for 30 minutes.",
        validators=email_checks("Please enter your e-mail address."),
    )


@bp.route("/my", methods=["GET", "POST"])
def my_events_start():
    form = AskForLinkForm()
    status = form_status(form)
    if form.validate_on_submit():
        held = submissions.wait_message("my-events", form.email.data)
        if held is not None:
            form.email.errors.append(held[0])
            status = 429
        elif attempt(form, my_events.request_link, form.email.data) is not REFUSED:
            session["inbox_address"] = form.email.data
            return redirect(url_for("public.my_events_sent"))
    return render_template("public/my_start.html", form=form), status


@bp.get("/my/sent")
def my_events_sent():
    return render_template("public/my_sent.html", address=session.get("inbox_address", ""))


@bp.route("/my/sign-in/<token>", methods=["GET", "POST"])
def my_events_sign_in(token: str):
    """GET shows a button (mail scanners that open links must not use it up); POST signs in."""
    form = ConfirmForm()
    guessing.guard(guessing.Secret.MANAGE)
    try:
        my_events.check_link(token)
        if form.validate_on_submit():
            with write_after_read():
                key = saved(my_events.redeem, token)
            guest_session.sign_in(key)
            return redirect(url_for("public.my_events_page"))
    except DomainError as exc:
        if exc.code == ErrorCode.NOT_FOUND:
            guessing.miss(guessing.Secret.MANAGE)
        status = 404 if exc.code == ErrorCode.NOT_FOUND else 410
        page = render_template(
            "public/my_sign_in.html", form=form, error=exc.message, ask=AskForLinkForm(formdata=None)
        )
        return page, status
    return render_template("public/my_sign_in.html", form=form, error=None, ask=AskForLinkForm(formdata=None))


def require_key() -> str:
    key = guest_session.signed_in_key()
    if key is None:
        abort(redirect(url_for("public.my_events_start", expired=1)))
    return key


@bp.get("/my/events")
@private_page
def my_events_page():
    key = require_key()
    query = request.args.get("q", "")[:100]
    return render_template(
        "public/my_events.html", address=key, rsvps=my_events.rsvps_of(key), met=my_events.contacts_of(key, query),
        query=query, form=ConfirmForm(), again=my_events.coming_again(key),
    )  # fmt: skip


@bp.get("/my/contacts.<kind>")
@private_page
def my_events_contacts(kind: str):
    key = require_key()
    met = my_events.contacts_of(key, request.args.get("q", "")[:100])
    if kind == "vcf":
        return download(my_events.contacts_vcard(met), "text/vcard", "my-contacts.vcf")
    if kind == "csv":
        return download(my_events.contacts_csv(met), "text/csv", "my-contacts.csv")
    abort(404)


@bp.get("/my/data.<kind>")
@private_page
def my_events_data(kind: str):
    key = require_key()
    if kind == "json":
        return Response(my_events.data_json(key), mimetype="application/json",
                        headers={"Content-Disposition": 'attachment; filename="my-data.json"'})  # fmt: skip
    if kind == "csv":
        return download(my_events.data_csv(key), "text/csv", "my-data.csv")
    abort(404)


@bp.route("/my/delete", methods=["GET", "POST"])
@private_page
def my_events_delete():
    key = require_key()
    form = ConfirmForm()
    if form.validate_on_submit():
        with write_after_read():
            count = saved(my_events.delete_all, key)
        guest_session.sign_out()
        flash(f"Deleted: your details for {count} event{'s' if count != 1 else ''}, and everything tied to them.")
        return redirect(url_for("public.my_events_start"))
    held = my_events.rsvps_of(key)
    cancelling = {r.id for r in held if privacy.will_cancel(r, utcnow())}
    return render_template("public/my_delete.html", form=form, rsvps=held, address=key, cancelling=cancelling)


@bp.post("/my/sign-out")
def my_events_sign_out():
    if ConfirmForm().validate_on_submit():
        guest_session.sign_out()
    return redirect(url_for("public.my_events_start"))
