"""The app factory: config, extensions, blueprints, request hooks, errors, CLI."""

from collections.abc import Mapping
from pathlib import Path

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from eventsite import backup, cli, database, errors, formatting, jobs, observability, security
from eventsite.admin import bp as admin_bp
from eventsite.api import bp as api_bp
from eventsite.auth import bp as auth_bp
from eventsite.auth import gates
from eventsite.auth.guessing import GuessThrottle
from eventsite.auth.throttle import LoginThrottle, ScanThrottle, SubmitThrottle
from eventsite.config import load_config
from eventsite.database import write_intent
from eventsite.door import bp as door_bp
from eventsite.extensions import csrf, db, login_manager, migrate
from eventsite.public import bp as public_bp
from eventsite.services.accounts import organizer_for_session

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = PACKAGE_DIR.parent / "templates"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → errors → CLI. Touches no database."""
    app = Flask("eventsite", template_folder=str(TEMPLATE_DIR), instance_relative_config=True)
    load_config(app, config)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_template_helpers(app)
    observability.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    backup.init_app(app)
    database.retry_views_on_conflict(app)
    register_proxy(app)
    return app


def register_proxy(app: Flask) -> None:
    """Behind PROXY_COUNT trusted proxies (nginx: 1), take the client address and scheme from
    their X-Forwarded-For / X-Forwarded-Proto, so per-IP limits and logs see the guest, not nginx."""
    count = app.config["PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


#: Routes that take a larger body than MAX_CONTENT_LENGTH (an imported invite list or a vendor's
#: logo, each up to 2 MB).
LARGE_UPLOADS = {
    "admin.import_invitations": 3 * 1024 * 1024,
    "admin.event_vendors": 3 * 1024 * 1024,
    "admin.edit_vendor": 3 * 1024 * 1024,
}


def _larger_uploads() -> None:
    allowed = LARGE_UPLOADS.get(request.endpoint)
    if allowed:
        request.max_content_length = allowed


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR.parent / "migrations"), render_as_batch=True)
    app.before_request(_larger_uploads)  # before the CSRF check, which reads the form
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    database.configure_engine(app)
    database.release_sessions(app)  # after db.init_app, so its teardown runs first
    jobs.init_app(app)

    app.extensions["eventsite.login_throttle"] = LoginThrottle(
        app.config["RATELIMIT_STORAGE_URI"], app.config["LOGIN_FAILURE_LIMIT"], app.config["LOGIN_IP_FAILURE_LIMIT"]
    )
    app.extensions["eventsite.submit_throttle"] = SubmitThrottle(
        app.config["RATELIMIT_STORAGE_URI"], app.config["SUBMIT_IP_LIMIT"], app.config["SUBMIT_ADDRESS_LIMIT"]
    )
    app.extensions["eventsite.scan_throttle"] = ScanThrottle(
        app.config["RATELIMIT_STORAGE_URI"], app.config["LEAD_SCAN_LIMIT"]
    )
    app.extensions["eventsite.guess_throttle"] = GuessThrottle(
        app.config["RATELIMIT_STORAGE_URI"], app.config["GUESS_FAILURE_LIMIT"]
    )

    @login_manager.user_loader
    def load_organizer(session_token: str):
        return organizer_for_session(session_token)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(door_bp)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _mark_writes():
        # Unsafe methods write: on SQLite their transaction takes the write lock up front.
        if request.method not in SAFE_METHODS:
            request.environ["eventsite.write_token"] = write_intent.set(True)

    @app.before_request
    def _refuse_nul_characters():
        # No browser sends U+0000 in a form; PostgreSQL refuses it in text, so it would end in a
        # 500 deep inside a service. Refuse it at the door with a 400 instead.
        if any(
            _holds_nul(part) for part in (request.view_args, request.args, request.form, request.get_json(silent=True))
        ):
            raise NulCharacter(
                "The request contains a NUL character, which no field accepts. Remove it and send again."
            )

    @app.teardown_request
    def _unmark_writes(_exc):
        token = request.environ.pop("eventsite.write_token", None)
        if token is not None:
            write_intent.reset(token)


class NulCharacter(BadRequest):
    """400 for input holding U+0000; the JSON error carries ``bad_characters``."""

    reason_code = "bad_characters"


def _holds_nul(value) -> bool:
    """True when ``value`` (a MultiDict, or parsed JSON) has a NUL character in any key or string."""
    if isinstance(value, str):
        return "\x00" in value
    if hasattr(value, "lists"):  # werkzeug MultiDict
        return any("\x00" in key or any(_holds_nul(v) for v in values) for key, values in value.lists())
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.globals.update(formatting.GLOBALS)
    app.jinja_env.globals.update(gates.TEMPLATE_GLOBALS)
