"""What operators see: a request id on every response, one JSON log line per request, health checks.

The request id comes from the proxy's header when REQUEST_ID_HEADER names one (nginx:
``proxy_set_header X-Request-Id $request_id``), so the proxy's and the app's logs join up;
otherwise, or when the value looks wrong, it is generated here. It is returned as
``X-Request-Id`` and printed on error pages for the guest to quote.

Access lines log the matched URL rule (``/r/<token>``, ``/door/<token>``, ``/b/<code>``), never
the raw path or query string, so private links never reach the logs.
"""

import datetime as dt
import json
import logging
import re
import secrets
import sys
import time

import sqlalchemy as sa
from flask import Blueprint, Flask, g, has_request_context, jsonify, request

from eventsite.extensions import db

access_log = logging.getLogger("eventsite.access")
log = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
#: Attributes every LogRecord has; anything else was passed in ``extra`` and goes into the JSON.
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request id, and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS})
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        """Ignored: logging sets the stream once, but the current sys.stderr is always used."""


class RequestIdFilter(logging.Filter):
    """Stamp every record logged during a request with its id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


def current_request_id() -> str | None:

    return g.get("request_id") if has_request_context() else None


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr for the ``eventsite`` loggers (LOG_LEVEL), unless already set up."""
    logger = logging.getLogger("eventsite")
    if app.config["LOG_FORMAT"] == "none" or any(getattr(h, "_eventsite", False) for h in logger.handlers):
        return
    handler = _StderrHandler()
    handler._eventsite = True
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(app.config["LOG_LEVEL"])


def log_path() -> str:
    """The path as its URL rule (tokens stay placeholders); unmatched paths keep their first segment."""
    if request.url_rule is not None:
        return request.url_rule.rule
    first = request.path.strip("/").split("/", 1)[0]
    return f"/{first}/…" if "/" in request.path.strip("/") else request.path[:80]


def init_app(app: Flask) -> None:
    configure_logging(app)
    trusted_header = app.config["REQUEST_ID_HEADER"]

    @app.before_request
    def _start():
        g.started = time.perf_counter()
        offered = request.headers.get(trusted_header, "") if trusted_header else ""
        g.request_id = offered if _REQUEST_ID.fullmatch(offered) else secrets.token_hex(8)

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id") or secrets.token_hex(8)
        response.headers["X-Request-Id"] = request_id
        started = g.get("started")
        access_log.info(
            "%s %s %s",
            request.method,
            log_path(),
            response.status_code,
            extra={
                "method": request.method,
                "path": log_path(),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "request_id": request_id,
            },
        )
        return response

    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz():
    """The process is up and serving; touches nothing else (for a load balancer's liveness probe)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database answers: 200, or 503 while it cannot be reached (readiness probe)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except sa.exc.SQLAlchemyError as exc:
        db.session.remove()
        log.warning("readiness check failed: %s", exc.__class__.__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
