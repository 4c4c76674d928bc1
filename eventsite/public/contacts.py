"""Guests meeting guests: opt-ins, "Who's coming", the Meet page, My contacts, and saving a
contact from a badge opened with the phone's own camera (/b/<code>).

Everything hangs off the guest's private manage link (/r/<token>/...). The badge page finds the
guest through the signed session cookie written when they opened that link (``remember_guest``).
"""

from flask import Response, abort, jsonify, redirect, render_template, request, session, url_for

from eventsite.auth import guessing
from eventsite.extensions import db
from eventsite.models import Event, Rsvp
from eventsite.public.blueprint import bp
from eventsite.public.contact_forms import NetworkingForm, NoteForm, SaveBadgeForm, ScanForm
from eventsite.public.forms import GuestDetailsForm
from eventsite.public.manage_page import manage_context
from eventsite.public.views import load_rsvp, remember_guest
from eventsite.services import DomainError, ErrorCode, contacts, tickets, tokens
from eventsite.services.guest_details import INSTITUTION_KEY
from eventsite.web import REFUSED, attempt, attempt_or_abort, form_status


def load_guest(token: str) -> Rsvp:
    """The manage link's RSVP, which must be a confirmed guest of a running event (else 404)."""
    rsvp = load_rsvp(token)
    if not contacts.can_network(rsvp):
        abort(404, "Meeting other guests opens once your place is confirmed.")
    remember_guest(rsvp)
    return rsvp


# --- Opt-ins on the manage page ------------------------------------------------------------


@bp.post("/r/<token>/networking")
def networking(token: str):
    rsvp = load_rsvp(token)
    form = NetworkingForm()
    if form.validate() and attempt(form, contacts.update_preferences, rsvp, **form.networking_fields()) is not REFUSED:
        return redirect(url_for("public.manage", token=token, networking=1, _anchor="networking"))

    page = render_template(
        "public/manage.html", **manage_context(rsvp, networking_form=form), form=GuestDetailsForm(obj=rsvp)
    )
    return page, 422


# --- Who's coming ---------------------------------------------------------------------------


@bp.get("/r/<token>/guests")
def guest_directory(token: str):
    rsvp = load_guest(token)
    event = rsvp.event
    group = request.args.get("level") if request.args.get("level") in contacts.LEVEL_GROUPS else None
    try:
        entries = contacts.directory(event, viewer=rsvp, group=group)
    except DomainError as exc:
        abort(404, exc.message)
    page = render_template(
        "public/directory.html",
        rsvp=rsvp,
        event=event,
        entries=entries,
        group=group,
        groups=contacts.LEVEL_GROUPS,
        counts=contacts.directory_group_counts(event),
        profile=contacts.get_profile(rsvp),
    )
    return page


# --- Meet: scan a badge, save the card --------------------------------------------------------


@bp.route("/r/<token>/meet", methods=["GET", "POST"])
def meet(token: str):
    rsvp = load_guest(token)
    form = ScanForm()
    if form.validate_on_submit():
        result = attempt(form, contacts.save_scanned, rsvp, form.code.data, note=form.note.data or "")
        if result is not REFUSED and result.saved is None:
            return redirect(url_for("public.meet", token=token, not_shared=result.contact.display_name))
        if result is not REFUSED:
            return redirect(url_for("public.meet", token=token, saved=result.saved.id))
    rows = contacts.my_contacts(rsvp)
    saved_id = request.args.get("saved", "")
    saved = next((c for c in rows if str(c.id) == saved_id), None)
    page = render_template(
        "public/meet.html",
        rsvp=rsvp,
        event=rsvp.event,
        form=form,
        saved=saved,
        not_shared=request.args.get("not_shared", "")[:100],
        count=len(rows),
    )
    return page, form_status(form)


@bp.get("/r/<token>/meet/lookup")
def meet_lookup(token: str):
    """JSON for the Meet page after a camera scan: whose badge it is and whether they share."""
    rsvp = load_guest(token)
    code = request.args.get("code", "").strip()
    if not code:
        return jsonify(error="bad_code", message="Send the scanned badge code."), 400
    guessing.guard(guessing.Secret.BADGE)
    try:
        found = contacts.preview(rsvp, code)
    except DomainError as exc:
        if exc.code == ErrorCode.UNKNOWN_CODE:
            guessing.miss(guessing.Secret.BADGE)
        return jsonify(error=exc.code, message=exc.message), 404
    return jsonify(
        name=found.name, shares=found.shares, already_saved=found.already_saved, **{INSTITUTION_KEY: found.institution}
    )


# --- My contacts ------------------------------------------------------------------------------


@bp.get("/r/<token>/contacts")
def my_contacts(token: str):
    rsvp = load_guest_or_past(token)
    rows = contacts.my_contacts(rsvp)
    page = render_template(
        "public/contacts.html",
        rsvp=rsvp,
        event=rsvp.event,
        rows=rows,
        note_form=NoteForm(),
        edited=request.args.get("edited"),
    )
    return page


def load_guest_or_past(token: str) -> Rsvp:
    """My contacts stays readable for a guest who saved some, even if the RSVP changed since."""
    rsvp = load_rsvp(token)
    remember_guest(rsvp)
    return rsvp


@bp.post("/r/<token>/contacts/<int:saved_id>/note")
def contact_note(token: str, saved_id: int):
    rsvp = load_guest_or_past(token)
    form = NoteForm()
    if not form.validate():
        abort(400, "That note is too long (200 characters at most).")
    attempt_or_abort(404, contacts.update_note, rsvp, saved_id, form.note.data or "")
    return redirect(url_for("public.my_contacts", token=token, edited=saved_id, _anchor=f"contact-{saved_id}"))


@bp.post("/r/<token>/contacts/<int:saved_id>/remove")
def contact_remove(token: str, saved_id: int):
    rsvp = load_guest_or_past(token)
    if not NoteForm().validate():
        abort(400)
    attempt_or_abort(404, contacts.remove_contact, rsvp, saved_id)
    return redirect(url_for("public.my_contacts", token=token))


def download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body.encode(), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/r/<token>/contacts.vcf")
def contacts_vcf(token: str):
    rsvp = load_guest_or_past(token)
    body = contacts.vcard(contacts.my_contacts(rsvp), event=rsvp.event)
    return download(body, "text/vcard", contacts.vcard_filename(rsvp.event))


@bp.get("/r/<token>/contacts.csv")
def contacts_csv(token: str):
    rsvp = load_guest_or_past(token)
    body = contacts.contacts_csv(contacts.my_contacts(rsvp), event=rsvp.event)
    return download(body, "text/csv", f"contacts-{rsvp.event.slug}.csv")


# --- The badge page (/b/<code>) opened with the phone's own camera -------------------------------


def session_guest(event: Event) -> Rsvp | None:
    """The confirmed guest of ``event`` whose manage link this browser opened, if any."""
    for entry in reversed(session.get("guest_rsvps", [])):
        # [rsvp id, fingerprint of the manage link it was opened with]; anything else is stale.
        if not (
            isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int) and isinstance(entry[1], str)
        ):
            continue
        rsvp = db.session.get(Rsvp, entry[0])
        if (
            rsvp is not None
            and not rsvp.is_anonymised
            and tokens.tokens_equal(entry[1], tokens.fingerprint(rsvp.manage_token))
            and rsvp.event_id == event.id
            and contacts.can_network(rsvp)
        ):
            return rsvp
    return None


def badge_save_offer(scanned: Rsvp) -> dict | None:
    """For templates/public/_badge_contact.html: the "Save contact" offer on /b/<code>, or None."""
    viewer = session_guest(scanned.event)
    if viewer is None or viewer.id == scanned.id:
        return None
    saved = contacts.find_saved(viewer, scanned)
    return {
        "viewer": viewer,
        "shares": contacts.shares_card(scanned),
        "saved": saved,
        "form": SaveBadgeForm(),
        "contacts_url": url_for("public.my_contacts", token=viewer.manage_token),
    }


@bp.post("/b/<code>/save")
def badge_save(code: str):
    scanned = tickets.find_rsvp(code)
    if scanned is None:
        abort(404)
    viewer = session_guest(scanned.event)
    if viewer is None:
        abort(403, "Open your own RSVP link on this phone first, then scan the badge again.")
    form = SaveBadgeForm()
    if not form.validate():
        abort(400, "That note is too long (200 characters at most).")
    attempt_or_abort(400, contacts.save_contact, viewer, scanned, note=form.note.data or "")
    return redirect(url_for("public.badge_check", code=code, saved=1))
