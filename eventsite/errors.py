"""Error pages in the site's style (JSON for /api and JSON clients); rollback on failures."""

import logging

import sqlalchemy.exc
from flask import Flask, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from eventsite.database import discard_session, saved_this_request
from eventsite.observability import current_request_id, log_path

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Something in that request was off", "Please go back, reload the page and try again."),
    403: ("Not allowed", "You don't have access to this page."),
    404: ("Page not found", "The link may be mistyped, or the page may have been removed."),
    405: ("Not allowed", "That action isn't available on this page."),
    413: ("Too much data", "What you sent is larger than we accept."),
    429: ("Slow down", "Too many attempts. Please wait a few minutes and try again."),
    500: ("Something went wrong on our side", "The error has been logged. Please try again in a minute."),
    503: ("We're briefly busy", "Please try again in a moment. Nothing was saved from this attempt."),
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(status: int, message: str | None = None, code: str | None = None):
    title, default = MESSAGES.get(status, (f"Error {status}", "Please try again."))
    message = message or default
    request_id = current_request_id()
    if wants_json():
        return jsonify(
            error=code or title.lower().replace(" ", "_"),
            reason=code or str(status),
            message=message,
            request_id=request_id,
        ), status
    try:
        page = render_template("error.html", status=status, title=title, message=message, request_id=request_id)
    except Exception:  # e.g. the database is down and the page wanted the signed-in organizer
        log.exception("error page failed to render")
        page = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>"
        page += f"<p>Reference: <code>{escape(request_id or '')}</code></p>"
    return page, status


#: The 503 page when the database connection broke during the COMMIT itself (web.commit).
UNKNOWN_OUTCOME = (
    "We couldn't confirm whether this was saved: the connection to our database broke just as it was being "
    "saved. Please wait a moment and check before sending it again (sending an RSVP again never makes a second one)."
)
#: The 503 page when what was sent had been saved and the connection broke after that COMMIT.
SAVED_THEN_LOST = (
    "What you sent was saved, but the connection to our database broke just after, so the next page "
    "couldn't be shown. Please wait a moment and reload; there is no need to send it again."
)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, "This form had expired. Please go back, reload the page and send it again.", "csrf")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code and exc.code >= 500:
            discard_session()
        custom = exc.description if exc.description != type(exc).description else None
        body, status = render_error(exc.code or 500, custom, getattr(exc, "reason_code", None))
        # Keep what the exception says about retrying or allowed methods (Retry-After, Allow).
        extra = [(k, v) for k, v in exc.get_headers() if k.lower() in ("retry-after", "allow")]
        return body, status, extra

    # A database restart, a dropped connection, a lock timeout or a conflict that outlived its
    # retries (database.retry_on_conflict): the transaction was rolled back whole, so the
    # guest is told nothing was saved and to try again, never shown a 500.
    @app.errorhandler(sqlalchemy.exc.OperationalError)
    @app.errorhandler(sqlalchemy.exc.InterfaceError)
    @app.errorhandler(sqlalchemy.exc.DisconnectionError)
    def _db_unavailable(exc):
        discard_session()
        log.warning("database unavailable: %s", str(getattr(exc, "orig", None) or exc).splitlines()[0])
        if g.get("commit_outcome_unknown", False):
            message = UNKNOWN_OUTCOME
        elif saved_this_request():
            message = SAVED_THEN_LOST
        else:
            message = None  # the default: nothing was saved
        response = make_response(render_error(ServiceUnavailable.code, message, code="database_busy"))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc):
        discard_session()
        log.exception("unhandled error on %s %s", request.method, log_path())
        return render_error(InternalServerError.code)
