"""How we talk to the two databases: SQLite pragmas, up-front write locks, row locks.

Check-then-write paths (capacity, cancels, offers) must not interleave. On PostgreSQL the
service locks the event row with SELECT … FOR UPDATE. SQLite has no row locks, so a write
request's transaction starts with BEGIN IMMEDIATE, taking the database write lock before the
first read; a deferred transaction would read a snapshot that another writer can make stale,
and its later upgrade to a write lock then fails with SQLITE_BUSY instead of waiting.
"""

import contextlib
import contextvars
import functools
import logging
import random
import time

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from eventsite.extensions import db
from eventsite.models import Event

#: True while the current request or job intends to write; SQLite then begins IMMEDIATE.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)

SQLITE_BUSY_TIMEOUT_MS = 10_000

log = logging.getLogger(__name__)


@contextlib.contextmanager
def writing():
    """Make transactions begun inside this block take the SQLite write lock up front."""
    token = write_intent.set(True)
    try:
        yield
    finally:
        write_intent.reset(token)


@contextlib.contextmanager
def reading():
    """Make transactions begun inside this block plain reads, even in a write request.

    A view that loads and validates a good while before it writes does that inside this
    block, ends the read transaction, and writes inside ``writing()``: other writers then
    wait on SQLite's write lock for the write alone. (Writes need no more than that: every
    check-then-write service locks and re-reads what it decides on.)
    """
    token = write_intent.set(False)
    try:
        yield
    finally:
        write_intent.reset(token)


@contextlib.contextmanager
def write_after_read():
    """End the reads so far and run the block as the write that follows them.

    The read transaction (begun inside ``reading()``, so it holds no SQLite lock) is ended
    here, and the block's transaction begins with the write lock. Views use this instead of
    calling ``commit()`` themselves to hand over from reading to writing; the block still
    commits (or the caller after it) as the request's one saved step.
    """
    db.session.commit()  # nothing was written yet: this only ends the read transaction
    with writing():
        yield


def insert_ignoring_conflict(table: sa.Table):
    """INSERT … ON CONFLICT DO NOTHING for the session's database (both speak it)."""
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    return insert(table).on_conflict_do_nothing()


def discard_session() -> None:
    """Roll the session back; when the connection died under us (a database restart), drop it
    instead, so the pool discards the connection and the next request starts afresh."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        _drop_session()


def _drop_session() -> None:
    if db.session.registry.has():
        with contextlib.suppress(sa.exc.SQLAlchemyError):  # the connection is gone either way
            db.session.registry().invalidate()  # closes its connections without the ROLLBACK that failed
    db.session.registry.clear()


def release_sessions(app: Flask) -> None:
    """End each request's session without turning a dead connection into an error.

    The view has answered by then, and whatever it saved is committed: the ROLLBACK that ends a
    read transaction meeting a restarted server loses nothing, so the answer still goes out.
    Registered after Flask-SQLAlchemy's own teardown, so it runs first and leaves that one
    nothing to do.
    """

    @app.teardown_appcontext
    def _release_session(_exc):
        try:
            db.session.remove()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("ending the session met a dead connection: %s", str(exc).splitlines()[0])
            _drop_session()


def read_once(kind: str, key, load):
    """``load()``'s list, read once per transaction for (kind, key) while nothing is written:
    any flush that writes, bulk write, COMMIT or ROLLBACK forgets it. For the small lists one
    request asks for several times (an event's guest categories and questions)."""
    memo = db.session.info.setdefault("read_once", {})
    if (kind, key) not in memo:
        memo[kind, key] = load()
    return list(memo[kind, key])


# Whether a COMMIT that wrote something went through in this request (``saved_this_request``):
# the error page then never says "nothing was saved". A write also ends ``read_once``'s lists.
@sa.event.listens_for(db.session, "after_flush")
def _wrote(session, _flush_context):
    session.info["wrote"] = True
    session.info.pop("read_once", None)


@sa.event.listens_for(db.session, "do_orm_execute")
def _wrote_in_bulk(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True
        state.session.info.pop("read_once", None)


@sa.event.listens_for(db.session, "after_commit")
def _committed(session):
    session.info.pop("read_once", None)
    if session.info.pop("wrote", False) and has_app_context():
        g.saved_this_request = True


@sa.event.listens_for(db.session, "after_soft_rollback")
def _rolled_back(session, _previous):
    session.info.pop("wrote", None)
    session.info.pop("read_once", None)


def saved_this_request() -> bool:
    """True when a COMMIT that wrote something went through in this request."""
    return g.get("saved_this_request", False)


def configure_engine(app: Flask) -> None:
    """Attach per-connection settings to the app's engine (no connection is made here)."""
    with app.app_context():
        engine = db.engine
    app.extensions["eventsite.race_locks"] = app.config["RACE_LOCKS"]
    if engine.dialect.name != "sqlite":
        return
    locks = app.config["RACE_LOCKS"]

    @sa.event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn, _record):
        if locks:
            # We issue BEGIN ourselves (below); pysqlite's own handling starts transactions
            # only at the first INSERT/UPDATE, leaving the reads before it outside any lock.
            dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        # SQLite's lower() folds ASCII only; searches for "zoë" or "JOSÉ" need the Unicode one.
        dbapi_conn.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)

    if locks:

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def lock_event(event_id: int) -> None:
    """Serialise check-then-write work on one event until the transaction ends.

    PostgreSQL: a row lock on the event. SQLite: the transaction already holds the database
    write lock (see ``writing``); calling this outside such a transaction is a bug.
    """
    db.session.flush()  # callers refresh after locking; unflushed changes must not be lost
    if _row_locks():
        db.session.execute(sa.select(Event.id).where(Event.id == event_id).with_for_update())


def _row_locks() -> bool:
    """Whether to lock rows: on PostgreSQL (unless RACE_LOCKS is off). On SQLite the write lock
    is the lock, and this checks that the transaction holds it."""
    if not current_app.extensions.get("eventsite.race_locks", True):
        return False
    if db.session.get_bind().dialect.name == "sqlite":
        if not write_intent.get():
            raise RuntimeError("lock_event on SQLite needs a transaction begun inside writing()")
        return False
    return True


_EVENT = sa.select(Event).where(Event.id == sa.bindparam("event_id"))
_EVENT_FOR_UPDATE = _EVENT.with_for_update(of=Event)


def locked_event(event_id: int) -> Event:
    """``lock_event`` and the event read afresh under the lock, in one statement (the RSVP's
    path: a lock and a refresh were two on PostgreSQL, and a refresh builds its query anew)."""
    db.session.flush()  # unflushed changes must not be lost to the reload
    query = _EVENT_FOR_UPDATE if _row_locks() else _EVENT
    return db.session.scalars(query, {"event_id": event_id}, execution_options={"populate_existing": True}).one()


def claim_due_rows(stmt: sa.Select, *, of=None) -> list:
    """Run ``stmt`` (a SELECT of due rows) so that concurrent job runs each get different rows.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` (``of`` names the table to lock when ``stmt``
    joins): the rows returned stay locked until the caller commits, and rows another run
    has locked are skipped instead of waited for, so two runners share the work and never
    claim one row twice. SQLite has no row locks; the caller's transaction must hold the
    database write lock (begun inside ``writing()``), which serialises runs anyway.
    Returns ``db.session.scalars(stmt).all()``. The caller marks each row claimed (a
    sent-at column, a status) in the same transaction and commits.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        if not write_intent.get():
            raise RuntimeError("claim_due_rows on SQLite needs a transaction begun inside writing()")
        return list(db.session.scalars(stmt))
    return list(db.session.scalars(stmt.with_for_update(skip_locked=True, of=of)))


#: PostgreSQL's serialization_failure and deadlock_detected: the transaction lost a race and
#: was rolled back whole, so running it again is correct.
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
#: Retries after the first attempt.
CONFLICT_RETRIES = 3


def is_retryable(exc: BaseException) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in RETRY_SQLSTATES


def retry_on_conflict(view):
    """Run a view again (up to CONFLICT_RETRIES times) when its transaction hit a serialization
    failure or deadlock; the last failure propagates (a 503 "please try again" page)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                return view(*args, **kwargs)
            except sa.exc.DBAPIError as exc:
                if attempt == CONFLICT_RETRIES or not is_retryable(exc):
                    raise
                db.session.rollback()
                log.info("retrying after %s (attempt %d)", type(exc.orig).__name__, attempt + 2)
                time.sleep(random.uniform(0, 0.01 * 2**attempt))  # let the winner finish first
        raise AssertionError("unreachable")

    return wrapper


def retry_views_on_conflict(app: Flask) -> None:
    """Wrap every view in ``retry_on_conflict``.

    The view is the unit to retry because it is the transaction: it loads, calls one service
    and commits once, and whatever else it causes either rides in that transaction (the
    outbox, history rows) or happens after the commit (mail delivery, badge jobs). A retry
    inside a service could not redo the reads the view made; a retry around the whole WSGI
    request would replay hooks and re-read a consumed body. Views written later are wrapped
    too, because this runs after every blueprint is registered.
    """
    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = retry_on_conflict(view)
