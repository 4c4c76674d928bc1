"""Configuration: defaults, then environment variables, then the mapping given to create_app."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa


class ConfigError(Exception):
    """A setting has a value we cannot run with; the message names the variable."""


class Config:
    BASE_URL = "http://127.0.0.1:5000"
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_DEFAULT_SENDER = "Resident Networking <no-reply@eventsite.local>"
    #: The organizers' address: guests' replies go there (Reply-To), and e-mails that need an
    #: answer (an organizer cancelled the RSVP) name it. Empty: no Reply-To, no address named.
    MAIL_REPLY_TO = ""
    #: "background": a thread delivers right after each commit; "manual": only jobs/tests deliver.
    MAIL_DELIVERY = "background"
    #: Test-only switch: False turns off the capacity locks so a test can prove it sees the race.
    RACE_LOCKS = True
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A guest may leave the RSVP page open for hours; the token is bound to the session anyway.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 1024 * 1024
    #: Where rate-limit counters live: memory:// (one process) or redis://host:6379 (shared).
    RATELIMIT_STORAGE_URI = "memory://"
    #: Failed sign-ins allowed per IP address and account (and wrong PINs per door link).
    LOGIN_FAILURE_LIMIT = "5 per 15 minutes"
    #: Failed sign-ins allowed per IP address, whatever the accounts tried.
    LOGIN_IP_FAILURE_LIMIT = "20 per 15 minutes"
    #: Unknown manage links, badge codes and door links allowed per IP address (only misses count).
    GUESS_FAILURE_LIMIT = "30 per 10 minutes"
    #: RSVPs and feedback-link requests accepted per network address: a venue's guests behind one
    #: address (60 in a minute) get through, a script sending 1,000 a minute is held back.
    SUBMIT_IP_LIMIT = "100 per minute"
    #: ... and per e-mail address, so nobody can fill one mailbox.
    SUBMIT_ADDRESS_LIMIT = "5 per 10 minutes"
    #: Badges a vendor's representative may scan (issue 16): a queue at a stand is a scan every
    #: few seconds; a script walking through codes is held back.
    LEAD_SCAN_LIMIT = "30 per minute"
    #: Seconds a worker serves the public event page from its copy (public/page_cache.py): the
    #: places left may lag this much; an RSVP is always decided on current data. 0: off.
    EVENT_PAGE_CACHE_SECONDS = 1.0
    #: eventsite's log lines on stderr: "json" (one object a line), "text", or "none" (leave logging alone).
    LOG_FORMAT = "json"
    LOG_LEVEL = "INFO"
    #: A header set by our own proxy carrying its request id (e.g. X-Request-Id); empty: always generate.
    REQUEST_ID_HEADER = ""
    #: How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: trust none).
    PROXY_COUNT = 0


_BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
_ENV_STRINGS = (
    "SECRET_KEY",
    "BASE_URL",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "MAIL_REPLY_TO",
    "RATELIMIT_STORAGE_URI",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "REQUEST_ID_HEADER",
)


def _env_settings(environ: Mapping[str, str]) -> dict:
    """Read the documented plain environment variables, converting types; raise ConfigError."""
    out: dict = {name: environ[name] for name in _ENV_STRINGS if environ.get(name)}
    if environ.get("DATABASE_URL"):
        out["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("MAIL_PORT"):
        raw = environ["MAIL_PORT"]
        if not raw.isdigit() or not 0 < int(raw) < 65536:
            raise ConfigError(f"MAIL_PORT must be a port number from 1 to 65535, got {raw!r}")
        out["MAIL_PORT"] = int(raw)
    if environ.get("PROXY_COUNT"):
        raw = environ["PROXY_COUNT"]
        if not raw.isdigit() or int(raw) > 5:
            raise ConfigError(f"PROXY_COUNT must be a number of proxies from 0 to 5, got {raw!r}")
        out["PROXY_COUNT"] = int(raw)
    if environ.get("MAIL_USE_TLS"):
        raw = environ["MAIL_USE_TLS"].strip().lower()
        if raw not in _BOOL_WORDS:
            raise ConfigError(f"MAIL_USE_TLS must be true or false, got {environ['MAIL_USE_TLS']!r}")
        out["MAIL_USE_TLS"] = _BOOL_WORDS[raw]
    return out


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// spellings and point them at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _check(config: dict) -> None:
    base = urlsplit(config["BASE_URL"])
    if base.scheme not in ("http", "https") or not base.netloc or base.query or base.fragment:
        raise ConfigError(
            f"BASE_URL must be an http(s) address such as https://events.example.org, got {config['BASE_URL']!r}"
        )
    config["BASE_URL"] = config["BASE_URL"].rstrip("/")
    try:
        url = sa.engine.make_url(config["SQLALCHEMY_DATABASE_URI"])
    except Exception as exc:  # make_url raises several types for junk
        raise ConfigError(f"DATABASE_URL is not a database URL ({exc})") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL must be sqlite:///… or postgresql://…, got {url.get_backend_name()!r}")
    if not isinstance(config["MAIL_PORT"], int):
        raise ConfigError("MAIL_PORT must be a whole number")
    if config["LOG_FORMAT"] not in ("json", "text", "none"):
        raise ConfigError(f"LOG_FORMAT must be json, text or none, got {config['LOG_FORMAT']!r}")
    if str(config["LOG_LEVEL"]).upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {config['LOG_LEVEL']!r}")
    config["LOG_LEVEL"] = str(config["LOG_LEVEL"]).upper()
    if config["MAIL_DELIVERY"] not in ("background", "manual"):
        raise ConfigError("MAIL_DELIVERY must be background or manual")


def _instance_secret_key(instance_path: str) -> str:
    """A secret generated once and kept in the instance folder, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(app, overrides: Mapping | None, environ: Mapping[str, str] = os.environ) -> None:
    """Fill app.config: defaults, environment, then overrides; validate; raise ConfigError."""
    app.config.from_object(Config)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "eventsite.db")
    app.config.update(_env_settings(environ))
    app.config.from_prefixed_env()
    if overrides:
        app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    _check(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
