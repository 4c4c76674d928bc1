"""Backups of the live database and restoring one: `flask backup PATH`, `flask restore PATH`.

SQLite: the online backup API copies a consistent snapshot while the site keeps writing (WAL
lets writers go on during the copy). PostgreSQL: ``pg_dump -Fc`` (one snapshot, custom format)
and ``pg_restore --clean --single-transaction`` (all or nothing). The PostgreSQL client tools
must be at least the server's version; we look in PG_BIN, then the newest
/usr/lib/postgresql/*/bin (Debian keeps them off PATH), then PATH.
"""

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from eventsite.extensions import db


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


def pg_tool(name: str) -> str:
    """Path of a PostgreSQL client program (pg_dump, pg_restore); BackupError when none is found."""
    if os.environ.get("PG_BIN"):
        candidate = Path(os.environ["PG_BIN"]) / name
        if candidate.exists():
            return str(candidate)
        raise BackupError(f"PG_BIN={os.environ['PG_BIN']!r} has no {name}")

    def version(directory: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", Path(directory).parent.name)) or (0,)

    debian = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(os.path.join(d, name))]
    if debian:
        return os.path.join(max(debian, key=version), name)
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client) or set PG_BIN")


def _libpq(url: sa.URL) -> tuple[str, dict]:
    """A libpq connection URL without the password, and the environment carrying it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")


def _sqlite_file(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def backup_database(url: sa.URL, path: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``path`` (replaced atomically)."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        if url.get_backend_name() == "sqlite":
            source = sqlite3.connect(_sqlite_file(url), timeout=30)
            target = sqlite3.connect(partial)
            try:
                with target:
                    source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            dsn, env = _libpq(url)
            _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "-f", partial, dsn], env)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def restore_database(url: sa.URL, path: Path) -> None:
    """Replace the database at ``url`` with the backup at ``path``, all or nothing."""
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    if url.get_backend_name() == "sqlite":
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            source.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite backup ({exc})") from None
        target = sqlite3.connect(_sqlite_file(url), timeout=30)
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
        return
    dsn, env = _libpq(url)
    _run(
        [pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges"]
        + ["--single-transaction", "--exit-on-error", "-d", dsn, str(path)],
        env,
    )


def _database_url(*, release: bool = False) -> sa.URL:
    """The app's database URL; ``release`` closes our own pooled connections (before a restore)."""

    url = db.engine.url
    if release:
        db.session.remove()
        db.engine.dispose()
    return url


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Write a consistent backup of the database to PATH (safe while the site runs)."""
    try:
        backup_database(_database_url(), path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {path} ({path.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Replace the database with the backup at PATH. Stop the app servers and jobs first."""
    url = _database_url(release=True)
    if not yes:
        click.confirm(f"Replace everything in {url.render_as_string()} with {path}?", abort=True)
    try:
        restore_database(url, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {path}; run `flask --app wsgi db upgrade` if the backup predates this release")


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
