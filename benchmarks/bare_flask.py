"""The ceiling of our stack, for bench_public.py (issue 18): a bare Flask app, no eventsite code.

Flask 3 and Flask-SQLAlchemy on the same database file with the same SQLite settings as the
product (WAL, synchronous=NORMAL, a busy timeout), served by the same gunicorn setup:

- ``GET /bare/page/<id>``: one primary-key SELECT of an event and a small HTML page;
- ``POST /bare/write/<id>``: one primary-key SELECT and one UPDATE of that row, one COMMIT,
  and a 302, as an RSVP answers.

The event page and the RSVP POST are printed as a share of these two.

    DATABASE_URL=sqlite:////path/to/demo.db gunicorn benchmarks.bare_flask:app
"""

import os

import sqlalchemy as sa
from flask import Flask, abort, redirect, render_template_string
from flask_sqlalchemy import SQLAlchemy

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><p>{{ venue }}, {{ city }}</p><p>{{ starts }}</p></body></html>"""

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)
events = sa.table(
    "events", sa.column("id"), sa.column("title"), sa.column("venue_name"), sa.column("city"),
    sa.column("starts_at"), sa.column("updated_at"),
)  # fmt: skip

with app.app_context():
    if db.engine.dialect.name == "sqlite":

        @sa.event.listens_for(db.engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            for pragma in ("busy_timeout=10000", "journal_mode=WAL", "synchronous=NORMAL"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()


@app.get("/bare/page/<int:event_id>")
def page(event_id: int):
    row = db.session.execute(sa.select(events).where(events.c.id == event_id)).first() or abort(404)
    return render_template_string(PAGE, title=row.title, venue=row.venue_name, city=row.city, starts=row.starts_at)


@app.post("/bare/write/<int:event_id>")
def write(event_id: int):
    row = db.session.execute(sa.select(events.c.id).where(events.c.id == event_id)).first() or abort(404)
    db.session.execute(sa.update(events).where(events.c.id == row.id).values(updated_at=sa.func.current_timestamp()))
    db.session.commit()
    return redirect(f"/bare/page/{row.id}")
