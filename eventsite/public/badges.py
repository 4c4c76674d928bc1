"""Badge routes: what a badge's QR opens (/b/<code>) and the guest's own badge PDF."""

import io

from flask import abort, render_template, send_file

from eventsite.auth import guessing
from eventsite.auth.gates import Permission, may
from eventsite.door.views import badge_check_in_page
from eventsite.models import RsvpStatus
from eventsite.public.blueprint import bp
from eventsite.public.contacts import badge_save_offer
from eventsite.public.views import load_rsvp
from eventsite.services import badges, tickets

UNKNOWN_CODE = (
    "This badge code isn't valid. It may have been mistyped, or replaced by a newer badge "
    "(lost badges get a new code). Please ask at the door."
)


@bp.get("/b/<code>")
def badge_check(code: str):
    """Members who may open this event's door see the guest's check-in view; anyone else only the badge name and event title."""
    guessing.guard(guessing.Secret.BADGE)
    rsvp = tickets.find_rsvp(code)
    if rsvp is None:
        guessing.miss(guessing.Secret.BADGE)
        abort(404, UNKNOWN_CODE)
    if may(Permission.DOOR, rsvp.event):  # a member who may check this guest in
        return badge_check_in_page(rsvp)
    page = render_template(
        "badges/check.html",
        rsvp=rsvp,
        event=rsvp.event,
        entry=badges.entry_status(rsvp),
        save_offer=badge_save_offer(rsvp),
    )
    return page


@bp.get("/r/<token>/badge.pdf")
def my_badge_pdf(token: str):
    """The guest's own badge, one 4 × 3 in page; reachable only through the manage link."""
    rsvp = load_rsvp(token)
    if rsvp.status != RsvpStatus.CONFIRMED:
        abort(404, "Your badge is ready once your place is confirmed.")
    pdf = badges.render_badges_pdf([badges.badge_data(rsvp)], layout="single")
    response = send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        download_name=f"badge-{rsvp.event.slug}.pdf",
        max_age=0,
    )
    return response
