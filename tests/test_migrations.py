"""Migrations: upgrade from empty matches the models exactly; downgrade and upgrade round trip."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from eventsite import create_app
from eventsite.extensions import db
from eventsite.models import CheckIn, CheckInResult


def schema_diff(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)


def test_upgrade_from_empty_matches_models_and_round_trips(backend, tmp_path):
    url = backend.empty_database(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "MAIL_DELIVERY": "manual"})
    try:
        with app.app_context():
            upgrade()
            assert schema_diff(db.engine) == []
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {"events", "rsvps", "rsvp_changes", "outbox_messages", "organizers"} <= tables
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert schema_diff(db.engine) == []
            db.engine.dispose()
    finally:
        backend.drop(url)


def test_partial_unique_index_is_in_the_migrated_schema(app_ctx):
    indexes = {ix["name"]: ix for ix in sa.inspect(db.engine).get_indexes("rsvps")}
    assert indexes["uq_rsvps_live_email"]["unique"]


def test_the_database_enforces_foreign_keys(app_ctx):
    """On both engines (SQLite only with PRAGMA foreign_keys, which every connection sets): a row
    pointing at an event that does not exist is refused by the database itself."""
    db.session.add(CheckIn(event_id=999_999, result=CheckInResult.ADMITTED))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.sqlite_only  # the settings themselves are SQLite's; foreign keys are checked on both above
def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(app_ctx):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_every_enum_value_is_allowed_by_the_migrated_check_constraints(app_ctx):
    """Alembic's autogenerate does not compare CHECK constraints: a value added to a StrEnum
    without a migration would be refused by the database at run time. Catch that here."""
    inspector = sa.inspect(db.engine)
    missing = []
    for table in db.metadata.sorted_tables:
        checks = " ".join(c["sqltext"] for c in inspector.get_check_constraints(table.name))
        for column in table.columns:
            if isinstance(column.type, sa.Enum):
                missing += [f"{table.name}.{column.name}={v}" for v in column.type.enums if f"'{v}'" not in checks]
    assert missing == []


def test_existing_events_keep_their_guests_in_one_category_that_changes_nothing(app):
    """Issue 15: an event from before categories gets one, "All guests", open, with no places or
    band of its own, and every RSVP goes into it."""
    from eventsite.models import GuestCategory, Rsvp, RsvpChange
    from eventsite.services import categories
    from factories import make_event, make_rsvp
    from helpers import db_session

    with db_session(app):
        event = make_event(capacity=2)
        for _ in range(3):
            make_rsvp(event)
        event_id = event.id
        history = db.session.scalar(sa.select(sa.func.count()).select_from(RsvpChange))
    with app.app_context():
        # Down and up again: on SQLite each step copies tables (batch mode), which with foreign
        # keys on would have deleted every guest and their history along with the old tables.
        downgrade(revision="e5f0a1b2c3d4")
        upgrade()
        db.session.remove()
    with db_session(app):
        [only] = categories.of_event(event_id)
        assert (only.name, only.capacity, only.policy.value, only.badge_role) == ("All guests", None, "open", None)
        statuses = db.session.execute(sa.select(Rsvp.category_id, Rsvp.status).order_by(Rsvp.id)).all()
        assert [(c, s.value) for c, s in statuses] == [(only.id, "confirmed")] * 2 + [(only.id, "waitlisted")]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(GuestCategory)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RsvpChange)) == history
