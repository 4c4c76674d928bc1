"""Helpers shared by the admin views: loading an event or a guest, the actor's name in history,
the up and down buttons of an ordered list."""

from collections.abc import Callable

from flask import request
from flask_login import current_user

from eventsite.admin.forms import ActionForm
from eventsite.extensions import db
from eventsite.models import Event, Rsvp
from eventsite.web import attempt_or_flash


def get_event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def get_rsvp(rsvp_id: int) -> Rsvp:
    return db.get_or_404(Rsvp, rsvp_id)


def actor() -> str:
    """How organizer actions appear in an RSVP's history."""
    return f"organizer:{current_user.email}"


def move_on_submit(move: Callable, row) -> None:
    """An ordered list's "up" or "down" button: ``move(row, -1 or 1)`` as the button's
    ``direction`` says, as the request's one saved step (a refusal is flashed). A form without
    a valid token moves nothing."""
    if ActionForm().validate_on_submit():
        attempt_or_flash(move, row, -1 if request.form.get("direction") == "up" else 1)
