"""Alembic environment: migrate the app's own engine against the models' metadata."""

import logging

from alembic import context
from flask import current_app

config = context.config
logger = logging.getLogger("alembic.env")


def _show_progress() -> None:
    """Print Alembic's and Flask-Migrate's progress ("Running upgrade …") to stderr.

    Only their own loggers get a handler: a handler on the root logger (what fileConfig of
    alembic.ini did) would print every log line of the app a second time in any process that
    migrates and then serves, such as the benchmarks and the test suite.
    """
    for name in ("alembic", "flask_migrate"):
        named = logging.getLogger(name)
        if not any(not isinstance(h, logging.NullHandler) for h in named.handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(levelname)-5.5s [%(name)s] %(message)s"))
            named.addHandler(handler)
            named.setLevel(logging.INFO)
            named.propagate = False


_show_progress()

migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
target_metadata = migrate_ext.db.metadata


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_revisions(context, revision, directives):
        # `flask db migrate` with no model change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(migrate_ext.configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_revisions)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration copies a table, drops the old one and renames the copy. With
            # foreign keys on, dropping a parent table (events, rsvps) first deletes or nulls
            # every row that points at it (ON DELETE CASCADE / SET NULL): the guests of every
            # event would go. So they are off while migrating (set outside any transaction,
            # where SQLite honours it) and checked before they are on again.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                connection.rollback()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
