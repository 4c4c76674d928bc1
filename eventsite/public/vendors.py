"""Vendors on the guest side (issue 16): their logos, a representative's page with the lead
scanner and the vendor's leads, and a guest withdrawing a lead from their manage page.

A representative reaches the page through their own manage link (/r/<token>/vendor); it stops
working the moment they no longer represent the vendor (revoked, cancelled, data deleted).
"""

from flask import Response, abort, current_app, redirect, render_template, request, url_for

from eventsite.models import Rsvp
from eventsite.public.blueprint import bp
from eventsite.public.contact_forms import LeadForm, LeadScanForm, NoteForm
from eventsite.public.contacts import download
from eventsite.public.views import load_rsvp, remember_guest
from eventsite.services import leads, vendors
from eventsite.web import REFUSED, attempt, attempt_or_abort, form_status

#: A year: a logo's URL names its content (the hash), so a new logo is a new URL.
LOGO_MAX_AGE = 365 * 24 * 3600


@bp.get("/vendors/<int:vendor_id>/logo/<file>")
def vendor_logo(vendor_id: int, file: str):
    digest, _, ext = file.partition(".")
    found = vendors.logo_of(vendor_id, digest)
    if found is None or file != f"{digest}.{ext}" or not ext:
        abort(404)
    data, mimetype = found
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={LOGO_MAX_AGE}, immutable"
    response.headers["Content-Disposition"] = "inline"
    return response


def load_representative(token: str) -> Rsvp:
    """The manage link's RSVP while it represents a vendor at its event; else 404."""
    rsvp = load_rsvp(token)
    if vendors.representing(rsvp) is None:
        abort(404, "This link doesn't open a vendor's lead scanner (any more). Ask the organizers if that's a mistake.")
    remember_guest(rsvp)
    return rsvp


@bp.route("/r/<token>/vendor", methods=["GET", "POST"])
def representative_page(token: str):
    rep = load_representative(token)
    form = LeadScanForm()
    status = 200
    if form.validate_on_submit():
        wait = current_app.extensions["eventsite.scan_throttle"].take(f"rep-{rep.id}")
        if wait is not None:
            form.code.errors.append(f"That's a lot of scans in a minute: please wait {wait} seconds, then scan again.")
            status = 429
        else:
            result = attempt(form, leads.scan, rep, form.code.data, note=form.note.data or "", rating=form.rating.data)
            if result is not REFUSED:
                shown = {"saved": result.lead.id} if result.lead else {"not_shared": 1}
                return redirect(url_for("public.representative_page", token=token, **shown, _anchor="scan"))
    return _page(rep, form), status if status != 200 else form_status(form)


def _page(rep: Rsvp, form: LeadScanForm) -> str:
    row = vendors.representing(rep)
    rows = leads.vendor_leads(row)
    saved = next((r for r in rows if str(r.lead_id) == request.args.get("saved")), None)
    qualify = None
    if saved is not None:
        qualify = LeadForm(prefix="q", formdata=None, data={"note": saved.note, "rating": saved.rating or ""})
    return render_template(
        "public/representative.html", rsvp=rep, event=rep.event, vendor=row, form=form, rows=rows, saved=saved,
        qualify=qualify, not_shared=request.args.get("not_shared") == "1", colleagues=vendors.colleagues(rep),
        not_shared_text=leads.NOT_SHARED,
    )  # fmt: skip


@bp.post("/r/<token>/vendor/leads/<int:lead_id>")
def qualify_lead(token: str, lead_id: int):
    rep = load_representative(token)
    form = LeadForm(prefix="q")
    if not form.validate():
        abort(400, "That note is too long (200 characters at most), or the rating is not one of ours.")
    attempt_or_abort(404, leads.qualify, rep, lead_id, note=form.note.data or "", rating=form.rating.data)
    return redirect(url_for("public.representative_page", token=token, _anchor=f"lead-{lead_id}"))


@bp.get("/r/<token>/vendor/leads.csv")
def leads_csv(token: str):
    row = vendors.representing(load_representative(token))
    return download(leads.leads_csv(row, leads.vendor_leads(row)), "text/csv", leads.download_name(row, "csv"))


@bp.get("/r/<token>/vendor/leads.vcf")
def leads_vcf(token: str):
    row = vendors.representing(load_representative(token))
    return download(leads.leads_vcard(row, leads.vendor_leads(row)), "text/vcard", leads.download_name(row, "vcf"))


@bp.post("/r/<token>/leads/<int:lead_id>/withdraw")
def withdraw_lead(token: str, lead_id: int):
    """The guest takes their contact back from a vendor that saved it."""
    rsvp = load_rsvp(token)
    if not NoteForm().validate():
        abort(400)
    name = attempt_or_abort(404, leads.withdraw, rsvp, lead_id)
    return redirect(url_for("public.manage", token=token, withdrawn=name, _anchor="vendors-saved"))
