"""The view toolkit every blueprint shares: load an object of this event or 404, and run a
service call as one saved step (commit, or roll back and put the refusal next to its field)."""

from collections.abc import Callable

from flask import abort

from eventsite.errors import form_error
from eventsite.extensions import db
from eventsite.models import Event
from eventsite.services import DomainError

#: What ``attempt`` returns when the service refused: the form carries the message.
REFUSED = object()


def of_event(model, object_id: int, event: Event):
    """The ``model`` row ``object_id`` if it belongs to ``event``; 404 otherwise (an id of another
    event reveals nothing)."""
    row = db.get_or_404(model, object_id)
    if row.event_id != event.id:
        abort(404)
    return row


def attempt(form, call: Callable, *args, **kwargs):
    """``call(*args, **kwargs)`` and commit; on a DomainError roll back, put the message next to
    its field on ``form`` (or on the form as a whole) and return REFUSED. Nothing half-saved is
    kept, and what the visitor typed stays in the form."""
    try:
        result = call(*args, **kwargs)
    except DomainError as exc:
        db.session.rollback()
        form_error(form, exc)
        return REFUSED
    db.session.commit()
    return result
