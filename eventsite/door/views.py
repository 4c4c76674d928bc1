"""The door's pages (/door): the volunteer's phone-first check-in page (its JSON lives in /api),
a closed link's page, an organizer's own door page and badge check-in, walk-in badges."""

import io

from flask import abort, current_app, render_template, send_file, send_from_directory, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from eventsite.auth import guessing
from eventsite.auth.gates import Permission, event_gate, permission_required
from eventsite.door.blueprint import bp
from eventsite.extensions import db
from eventsite.formatting import clock
from eventsite.forms import Form
from eventsite.models import Event
from eventsite.models.enums import TRAINING_LEVEL_LABELS
from eventsite.services import DomainError, ErrorCode, badges, checkin, doors, links, tickets, tokens, walk_ins

#: The walk-in form's level choices: the RSVP form's training levels, same order and words.
WALK_IN_LEVELS = [(level.value, text) for level, text in TRAINING_LEVEL_LABELS.items()]


@bp.app_template_global()
def local_time(value, event) -> str:
    """7:42 PM in the event's zone ("" for None)."""
    return clock(value.astimezone(event.tz)) if value else ""


@bp.get("/sw.js")
def service_worker():
    """The door page's service worker, served from /door/ so that its scope covers the door pages."""
    response = send_from_directory(current_app.static_folder, "js/door_sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<token>")
def door_page(token: str):
    """The door page for a volunteer's link; a closed link says why instead."""
    try:
        link = doors.open_door_link(token)
    except DomainError as exc:
        # The token is looked up first: a valid door link is never refused for others' guessing.
        if exc.code == ErrorCode.DOOR_NOT_FOUND:
            guessing.guard(guessing.Secret.DOOR)
            guessing.miss(guessing.Secret.DOOR)
        # The phone may still hold scans it could not send: an expired link may hand them in
        # (doors.UPLOAD_GRACE); otherwise the page offers them as a file for the organizer.
        known = doors.find_door_link(token) if exc.code != ErrorCode.DOOR_NOT_FOUND else None
        can_upload = exc.code == ErrorCode.DOOR_EXPIRED and known is not None and known.revoked_at is None
        page = render_template(
            "door/closed.html", message=exc.message, code=exc.code, token=token, link=known, can_upload=can_upload
        )
        return page, 404 if exc.code == ErrorCode.DOOR_NOT_FOUND else 403
    return _door_page(link.event, label=link.label, token=token, csrf="", needs_pin=link.has_pin)


@bp.get("/events/<int:event_id>")
@permission_required(Permission.DOOR, hide=True)
def organizer_door(event_id: int):
    """The same page for a signed-in organizer (no door link; writes carry the CSRF token)."""
    event = db.get_or_404(Event, event_id)
    return _door_page(event, label="Organizer", token="", csrf=generate_csrf(), needs_pin=False)


def _door_page(event: Event, **context):
    page = render_template(
        "door/page.html",
        event=event,
        walk_in_levels=WALK_IN_LEVELS,
        # What a badge's QR holds, so the phone answers anything else (a contact card, a Wi-Fi
        # code) at once and never queues it.
        badge_prefix=f"{links.base_url()}/b/",
        code_alphabet=tokens.TICKET_ALPHABET,
        code_length=tokens.TICKET_CODE_LENGTH,
        **context,
    )
    return page


def badge_check_in_page(rsvp, verdict=None, status: int = 200):
    """What /b/<code> shows a signed-in organizer: the guest, whether they are in, and a check-in button."""
    if "admin.guest_detail" in current_app.view_functions:
        admin_url = url_for("admin.guest_detail", rsvp_id=rsvp.id)
    else:
        admin_url = url_for("admin.badge_guest", event_id=rsvp.event_id, rsvp_id=rsvp.id)
    page = render_template(
        "door/badge_check_in.html",
        rsvp=rsvp,
        event=rsvp.event,
        entry=badges.entry_status(rsvp),
        admission=checkin.standing_admission(rsvp.id),
        verdict=verdict,
        admin_url=admin_url,
        form=Form(),
    )
    return page, status


@bp.post("/b/<code>")
@permission_required(Permission.MEMBER, hide=True)
def badge_check_in(code: str):
    """An organizer checks in the guest whose badge they scanned with the phone's own camera."""
    guessing.guard(guessing.Secret.BADGE)
    rsvp = tickets.find_rsvp(code)
    if rsvp is None:
        guessing.miss(guessing.Secret.BADGE)
        abort(404)
    event_gate(Permission.DOOR, rsvp.event)
    verdict = checkin.check_in(rsvp.event, code, by=f"Organizer {current_user.email}"[:80])
    db.session.commit()
    return badge_check_in_page(rsvp, verdict)


@bp.get("/walk-in-badge/<token>.pdf")
def walk_in_badge(token: str):
    """The single-badge PDF of a walk-in, for the door that registered them: the door page gets
    this signed link from the walk-in API; it names one guest and lapses after 30 minutes or
    when the door link closes (services/walk_ins.py)."""
    guessing.guard(guessing.Secret.DOOR)
    rsvp = walk_ins.rsvp_for_badge_token(token)
    if rsvp is None:
        guessing.miss(guessing.Secret.DOOR)
        abort(404)
    pdf = badges.render_badges_pdf([badges.badge_data(rsvp)], layout="single")
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name="badge.pdf", max_age=0)
    return response
