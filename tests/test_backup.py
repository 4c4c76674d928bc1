"""`flask backup` / `flask restore`: a backup taken while guests reply is a consistent snapshot,
and restoring it gives the same rows, table by table, in a database that is at head."""

import threading
import time

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from eventsite import create_app
from eventsite.database import writing
from eventsite.extensions import db
from eventsite.models import Event
from factories import make_event, make_rsvp
from helpers import db_session


def table_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return {t: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(t))) for t in sorted(tables)}
    finally:
        engine.dispose()


class Writer(threading.Thread):
    """Guests replying one after another (each reply: an RSVP, its history and its e-mail)."""

    def __init__(self, app, event_id: int):
        super().__init__(daemon=True)
        self.app, self.event_id = app, event_id
        self.stop, self.committed, self.error = threading.Event(), 0, None

    def run(self):
        try:
            with self.app.app_context():
                while not self.stop.is_set():
                    with writing():
                        make_rsvp(db.session.get(Event, self.event_id))
                        db.session.commit()
                    self.committed += 1
                db.session.remove()
        except BaseException as exc:  # reported by the test
            self.error = exc

    def wait_for(self, n: int) -> None:
        deadline = time.monotonic() + 30
        while self.committed < n and self.error is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.error is None and self.committed >= n, self.error


def test_backup_during_writes_restores_a_consistent_snapshot_then_identical_rows(
    app, app_config, runner, backend, tmp_path
):
    with db_session(app):
        event_id = make_event(capacity=5, waitlist_enabled=True).id
    writer = Writer(app, event_id)
    writer.start()
    writer.wait_for(5)
    before = writer.committed
    result = runner.invoke(args=["backup", str(tmp_path / "during.dump")])
    writer.wait_for(writer.committed + 5)  # the guests kept replying through the backup
    writer.stop.set()
    writer.join(30)
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output

    target_url = backend.empty_database(tmp_path)
    target = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": target_url})
    try:
        restored = target.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "during.dump")])
        assert restored.exit_code == 0, restored.output
        counts = table_counts(target_url)
        assert before <= counts["rsvps"] <= writer.committed
        # A snapshot, not a smear: every RSVP in it came with its e-mail and its history line.
        assert counts["outbox_messages"] == counts["rsvps"]
        assert counts["rsvp_changes"] == counts["rsvps"]

        # With the writes over, a second backup restored over the first gives identical rows.
        assert runner.invoke(args=["backup", str(tmp_path / "after.dump")]).exit_code == 0
        again = target.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "after.dump")])
        assert again.exit_code == 0, again.output
        assert table_counts(target_url) == table_counts(app.config["SQLALCHEMY_DATABASE_URI"])

        with target.app_context():
            upgrade()  # the restored database is at head: nothing to do, nothing fails
            with db.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_heads()
            config = target.extensions["migrate"].migrate.get_config()
            assert set(current) == set(ScriptDirectory.from_config(config).get_heads())
            db.engine.dispose()
    finally:
        with target.app_context():
            db.engine.dispose()
        backend.drop(target_url)


def test_restore_asks_first_and_refuses_what_is_not_a_backup(runner, tmp_path):
    junk = tmp_path / "junk.dump"
    junk.write_text("not a backup")
    asked = runner.invoke(args=["restore", str(junk)], input="n\n")
    assert asked.exit_code == 1 and "Replace everything in" in asked.output and "Aborted" in asked.output
    refused = runner.invoke(args=["restore", "--yes", str(junk)])
    assert refused.exit_code == 1 and "Error:" in refused.output
    missing = runner.invoke(args=["restore", "--yes", str(tmp_path / "nothing.dump")])
    assert missing.exit_code == 1 and "no backup at" in missing.output
