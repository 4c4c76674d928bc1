"""Fixtures: one database per test (SQLite file copy or PostgreSQL clone), app, client, mail sink.

`--db=sqlite` (default) or `--db=postgres` picks the backend for the whole run; `make test`
runs both. The PostgreSQL server is a throwaway started with initdb/pg_ctl; if it cannot
start, the run fails with the reason (never a skip).
"""

import functools
import itertools
import shutil
import socket
import threading
import time

import jinja2
import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from eventsite import create_app
from eventsite.extensions import db as _db
from eventsite.models import OrganizerRole
from factories import make_organizer
from helpers import db_session, sign_in
from pgserver import start_throwaway_postgres

TEMPLATE_DB = "eventsite_tpl"
_counter = itertools.count(1)


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgres"), default="sqlite", help="database backend for this run")
    parser.addoption(
        "--every-device",
        action="store_true",
        help="run each browser test on every screen size in this pass (default: phone with SQLite, laptop with "
        "PostgreSQL)",
    )


def pytest_report_header(config):
    return f"database backend: {config.getoption('--db')}"


#: Markers that keep a test out of one pass: (marker, pass it is deselected in, how the summary names it).
#: ``no_db`` tests (badge PDFs drawn from plain data, say) cannot depend on the backend, so they
#: run once, in the SQLite pass.
ONE_PASS_MARKERS = (
    ("postgres_only", "sqlite", "PostgreSQL-only {tests} deselected in this pass; {they_run} with --db=postgres."),
    ("sqlite_only", "postgres", "SQLite-only {tests} deselected in this pass; {they_run} with --db=sqlite."),
    ("no_db", "postgres", "{tests} using no database deselected in this pass; {they_run} once, with --db=sqlite."),
    (
        "other_device",
        None,
        "browser {tests} on the other screen size deselected in this pass; {they_run} in the "
        "other pass (phone or tablet with --db=sqlite, laptop with --db=postgres; --every-device runs all here).",
    ),
)
#: Browser tests run once per screen size (tests/browser/conftest.py:DEVICES) and once per
#: database; the two axes are independent (layout is the browser's, persistence the database's),
#: so each pass takes one size: every browser test still runs on both databases and both sizes.
#: {the parameter naming the size: {pass: the size it runs}}; test_admin_flow's organizer screens
#: are a laptop and a tablet.
DEVICE_OF_PASS = {
    "device": {"sqlite": "phone", "postgres": "laptop"},
    "screen": {"sqlite": "tablet", "postgres": "laptop"},
}


def _on_other_device(item, this_pass: str) -> bool:
    params = item.callspec.params if hasattr(item, "callspec") else {}
    return any(name in params and params[name] != sizes[this_pass] for name, sizes in DEVICE_OF_PASS.items())


def pytest_collection_modifyitems(config, items):
    """Tests about one engine's own mechanics (SKIP LOCKED, restarting the server, SQLite's write
    lock) are marked ``postgres_only`` / ``sqlite_only`` and run in that engine's pass only; tests
    that use no database at all are marked ``no_db`` and run in the SQLite pass only. In the other
    pass they are deselected, never skipped, and the run says how many and why. A ``no_db`` test
    that does reach the database (through the ``backend`` fixture) is an error, not a silent loss."""
    misplaced = [item.nodeid for item in items if item.get_closest_marker("no_db") and "backend" in item.fixturenames]
    if misplaced:
        raise pytest.UsageError("marked no_db but uses the database: " + ", ".join(misplaced))
    this_pass = config.getoption("--db")
    split = not config.getoption("--every-device")
    keep, dropped = [], {}
    for item in items:
        marker = next((m for m, off, _ in ONE_PASS_MARKERS if off == this_pass and item.get_closest_marker(m)), None)
        if marker is None and split and _on_other_device(item, this_pass):
            marker = "other_device"
        if marker:
            dropped.setdefault(marker, []).append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=[item for group in dropped.values() for item in group])
        items[:] = keep
        config._one_pass_deselected = {marker: len(group) for marker, group in dropped.items()}
        config._only_one_pass_tests = not keep


def pytest_terminal_summary(terminalreporter, config):
    dropped = getattr(config, "_one_pass_deselected", {})
    for marker, _off, words in ONE_PASS_MARKERS:
        if marker in dropped:
            n = dropped[marker]
            one = n == 1
            line = words.format(tests="test" if one else "tests", they_run="it runs" if one else "they run")
            terminalreporter.write_line(f"{n} {line}")


def pytest_sessionfinish(session, exitstatus):
    """Every test picked runs in the other pass only (e.g. PYTEST_ARGS naming a no_db test in
    `make test`): nothing ran here, and that is no failure."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and getattr(session.config, "_only_one_pass_tests", False):
        session.exitstatus = pytest.ExitCode.OK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest revision, as `flask db upgrade` does."""
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "migrate", "MAIL_DELIVERY": "manual"})
    with app.app_context():
        upgrade()
        _db.engine.dispose()


class Backend:
    """Hands out fresh, migrated databases: a file copy (SQLite) or a template clone (PostgreSQL)."""

    def __init__(self, kind: str, workdir):
        self.kind = kind
        self.workdir = workdir
        self.server = None
        self.reused = None
        if kind == "postgres":
            self.server = start_throwaway_postgres()
            self.server.create_database(TEMPLATE_DB)
            migrate(self.server.url(TEMPLATE_DB))
            self.reset = self.server.reset_script(TEMPLATE_DB)
        else:
            self.template = workdir / "template.db"
            migrate(f"sqlite:///{self.template}")

    def test_database(self, tmp_path) -> str:
        """The database of one test, as migrated and empty. On PostgreSQL each test gets the
        same clone back, emptied and renamed (about 15 ms), not a clone of its own: creating and
        dropping a database forces two checkpoints, which cost 1 s and more a test when the
        three PostgreSQL passes run side by side. The new name keeps whatever the last test left
        running (a mail thread, a server) off the next test's data, as a dropped clone did."""
        if self.kind != "postgres":
            return self.new_database(tmp_path)
        if self.reused is None:
            self.reused = self.new_database(tmp_path)
        else:
            name = f"t_{next(_counter)}"
            self.server.reset_database(self.reused.rsplit("/", 1)[1], name, self.reset)
            self.reused = self.server.url(name)
        return self.reused

    def new_database(self, tmp_path) -> str:
        """A migrated, empty database of its own (dropped with ``drop``)."""
        if self.kind == "postgres":
            name = f"t_{next(_counter)}"
            self.server.create_database(name, template=TEMPLATE_DB)
            return self.server.url(name)
        target = tmp_path / "test.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def empty_database(self, tmp_path) -> str:
        """A database with no tables at all (for migration tests)."""
        if self.kind == "postgres":
            name = f"e_{next(_counter)}"
            self.server.create_database(name)
            return self.server.url(name)
        return f"sqlite:///{tmp_path / 'empty.db'}"

    def drop(self, url: str) -> None:
        if self.kind == "postgres":
            self.server.drop_database(url.rsplit("/", 1)[1])

    def stop(self):
        if self.server is not None:
            self.server.stop()


class _SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the whole run (keyed by name and source checksum)."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session", autouse=True)
def _each_template_compiled_once():
    """Every test builds its own app, and each app's Jinja environment would parse and compile
    every template it renders again (most of a small test's time). The compiled code is the
    same: one shared Jinja bytecode cache serves every app of the run (production builds one
    app per process and keeps its templates anyway)."""
    options = {**Flask.jinja_options, "bytecode_cache": _SharedBytecode()}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "jinja_options", options)
        yield


@pytest.fixture(scope="session", autouse=True)
def _each_url_rule_compiled_once():
    """Every test's app registers the same ~165 routes, and werkzeug parses each rule and writes
    and compiles Python code for its two URL builders: about 80 ms of each app's 100 ms. What a
    rule compiles to depends only on its path, host or subdomain, slash merging, defaults and
    the map's host matching; the run compiles each such rule once and hands later rules of the
    same key the parts, converters (which keep no state of their map) and builders, bound to
    themselves as ``compile`` binds them."""
    from werkzeug.routing.rules import Rule

    compile_rule = Rule.compile
    compiled: dict[tuple, tuple] = {}

    def cached(self) -> None:
        key = (
            self.rule, self.host, self.subdomain, self.merge_slashes, self.map.host_matching,
            repr(sorted((self.defaults or {}).items())),
        )  # fmt: skip
        hit = compiled.get(key)
        if hit is None:
            compile_rule(self)
            compiled[key] = (self._parts, self._trace, self._converters, frozenset(self.arguments),
                             self._build.__func__, self._build_unknown.__func__)  # fmt: skip
            return
        self._parts, self._trace, self._converters, arguments, build, build_unknown = hit
        self.arguments = set(arguments)
        self._build = build.__get__(self, None)
        self._build_unknown = build_unknown.__get__(self, None)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "compile", cached)
        yield


@pytest.fixture(scope="session", autouse=True)
def _each_password_hashed_once():
    """scrypt is slow on purpose (about 0.13 s a call here), and hundreds of tests make the same
    account with the same password and sign in with it, or the same door link with the same PIN
    and enter it. Within a run, each distinct password or PIN is hashed once (a real scrypt
    hash, its salt reused) and each (hash, password) pair that matches is verified once; a
    wrong password is always checked in full, as the timing tests require."""
    from werkzeug import security

    from eventsite.models import organizer
    from eventsite.services import doors

    @functools.cache
    def generate(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
        return security.generate_password_hash(password, method=method, salt_length=salt_length)

    matched: set[tuple[str, str]] = set()

    def check(pwhash: str, password: str) -> bool:
        if (pwhash, password) in matched:
            return True
        ok = security.check_password_hash(pwhash, password)
        if ok:
            matched.add((pwhash, password))
        return ok

    with pytest.MonkeyPatch.context() as patch:
        for module in (organizer, doors):
            patch.setattr(module, "generate_password_hash", generate)
            patch.setattr(module, "check_password_hash", check)
        yield


@pytest.fixture(scope="session")
def backend(request, tmp_path_factory):
    kind = request.config.getoption("--db")
    b = Backend(kind, tmp_path_factory.mktemp("db"))
    yield b
    b.stop()


@pytest.fixture()
def db_url(backend, tmp_path):
    return backend.test_database(tmp_path)


class Mailbox:
    """Collects what the SMTP sink receives, parsed as e-mail messages."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        # As a mail client shows it: a subject of 70-odd characters is folded whole onto the
        # next line (valid, RFC 5322), which unfolds to a leading space that clients drop.
        if msg["Subject"] is not None:
            msg.replace_header("Subject", str(msg["Subject"]).strip())
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def clear(self):
        with self.lock:
            self.messages.clear()

    def to(self, address: str):
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def smtp_server():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture()
def mailbox(smtp_server):
    smtp_server.handler.clear()
    return smtp_server.handler


@pytest.fixture()
def app_config(db_url, smtp_server):
    """The test configuration; tests may change it before `app` is first used."""
    port = free_port()
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SECRET_KEY": "test",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "LIVE_PORT": port,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_DELIVERY": "manual",
        # Tests change data and read the event page at once; tests/web/test_page_cache.py turns it on.
        "EVENT_PAGE_CACHE_SECONDS": 0,
    }


class _CompiledSql:
    """SQL compiled once for the whole run. SQLAlchemy keeps the SQL it compiled for a statement
    in its engine, keyed by the engine's dialect object, and every test's app has a new engine:
    each test compiled every statement it ran again (a fifth of a web test's time). The same
    statement compiles to the same SQL for every engine of one dialect class and server version,
    so the run keeps one store keyed by those."""

    def __init__(self):
        self.store: dict[tuple, object] = {}

    @staticmethod
    def _key(key: tuple) -> tuple:
        dialect = key[0]
        return (type(dialect), dialect.server_version_info, dialect.paramstyle), *key[1:]

    def get(self, key, default=None):
        return self.store.get(self._key(key), default)

    def __setitem__(self, key, value) -> None:
        self.store[self._key(key)] = value

    def clear(self) -> None:
        self.store.clear()


_COMPILED_SQL = _CompiledSql()


@pytest.fixture(scope="session", autouse=True)
def _each_statement_compiled_once():
    """The ORM's flushes compile their INSERTs and UPDATEs into a store of each mapper's, keyed
    by dialect object too: they share the run's store as well (the engines get it in ``app``)."""
    from sqlalchemy.orm import Mapper

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Mapper, "_compiled_cache", property(lambda mapper: _COMPILED_SQL))
        yield


@pytest.fixture()
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        _db.engine._compiled_cache = _COMPILED_SQL
    yield app
    worker = app.extensions.get("eventsite.mail_worker")
    if worker is not None:
        worker.stop()
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture()
def app_ctx(app):
    """An app context for calling services directly; transactions take the write lock up front."""
    from eventsite.database import writing

    with app.app_context(), writing():
        yield app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def admin(app, client):
    """The test client, signed in as the team's owner (organizer@example.org), as the first
    account of a site is."""
    with db_session(app):
        make_organizer(role=OrganizerRole.OWNER)
    assert sign_in(client, "organizer@example.org").status_code == 302
    return client


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def live_server(app):
    """The app served by a threaded WSGI server on BASE_URL's port, for real HTTP clients."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", app.config["LIVE_PORT"], app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app.config["BASE_URL"]
    server.shutdown()
    thread.join(5)
    # A request still being answered (the browser closed mid-request) holds a database
    # connection; let it finish before the app's engine is disposed, or the connection is left
    # to the garbage collector and warns in whichever test runs then.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
        getattr(t, "_target", None) == server.process_request_thread for t in threading.enumerate()
    ):
        time.sleep(0.02)
