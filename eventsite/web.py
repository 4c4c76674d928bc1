"""The view toolkit every blueprint shares: load an object of this event or 404, run a service
call as one saved step (commit, or roll back and put the refusal next to its field or in a
flash), and answer a form page with the status its state calls for."""

from collections.abc import Callable

import sqlalchemy.exc
from flask import abort, flash, g, render_template

from eventsite.extensions import db
from eventsite.forms import form_error
from eventsite.models import Event
from eventsite.services import DomainError

#: What ``attempt`` and ``attempt_or_flash`` return when the service refused.
REFUSED = object()


def of_event(model, object_id: int, event: Event | int):
    """The ``model`` row ``object_id`` if it belongs to ``event`` (an Event or its id); 404
    otherwise (an id of another event reveals nothing)."""
    row = db.get_or_404(model, object_id)
    if row.event_id != (event if isinstance(event, int) else event.id):
        abort(404)
    return row


def saved(call: Callable, *args, **kwargs):
    """``call(*args, **kwargs)`` and commit: the request's one saved step. On a DomainError roll
    back (nothing half-saved is kept) and raise it again for the view to show."""
    try:
        result = call(*args, **kwargs)
    except DomainError:
        db.session.rollback()
        raise
    commit()
    return result


def commit() -> None:
    """Commit; a connection lost during the COMMIT itself leaves its outcome unknown (the server
    may have committed before the reply was lost), which the error page then says
    (``errors._db_unavailable``) instead of "nothing was saved"."""
    try:
        db.session.commit()
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.DisconnectionError):
        if db.session.get_bind().dialect.name != "sqlite":  # SQLite's failed COMMIT committed nothing
            g.commit_outcome_unknown = True
        raise


def attempt(form, call: Callable, *args, **kwargs):
    """``saved(call, ...)``; a refusal goes next to its field on ``form`` (or on the form as a
    whole) and REFUSED is returned. What the visitor typed stays in the form."""
    try:
        return saved(call, *args, **kwargs)
    except DomainError as exc:
        form_error(form, exc)
        return REFUSED


def attempt_or_flash(call: Callable, *args, **kwargs):
    """``saved(call, ...)`` for a button without fields: a refusal becomes a flash message."""
    try:
        return saved(call, *args, **kwargs)
    except DomainError as exc:
        flash(exc.message)
        return REFUSED


def attempt_or_abort(status: int, call: Callable, *args, **kwargs):
    """``saved(call, ...)`` where a refusal ends the request: an error page with its message."""
    try:
        return saved(call, *args, **kwargs)
    except DomainError as exc:
        abort(status, exc.message)


def form_status(form) -> int:
    """422 for a form page shown again after a submission (it carries the reasons), else 200."""
    return 422 if form.is_submitted() else 200


def form_page(template: str, form, **context):
    """``template`` with ``form`` and ``context``, answered with ``form_status(form)``."""
    return render_template(template, form=form, **context), form_status(form)
