"""Organizer guest list speed with 5,000 RSVPs, in-process through the Flask test client.

Builds a fresh SQLite file with the migrations (or migrates the empty PostgreSQL database
given with --database-url), bulk-inserts 5,000 guests with check-ins, signs in through the
real /login form, then prints: (a) SQL statements per guest-list page, for several filters,
sorts and pages, and for a 50-guest event (they must match); (b) p50/p95 render time of the
guest list over ~30 requests (target < 150 ms); (c) the CSV export of all 5,000 guests
(target < 1 s). Timings are printed, never asserted; the run fails (exit 1) only when a page
does not answer 200 or the query count grows with the guest count.

    .venv/bin/python benchmarks/bench_admin.py
    .venv/bin/python benchmarks/bench_admin.py --guests 5000 --requests 30
    .venv/bin/python benchmarks/bench_admin.py --database-url postgresql+psycopg://…/empty_db
"""

import argparse
import datetime as dt
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import sqlalchemy as sa  # noqa: E402

from eventsite import create_app  # noqa: E402
from eventsite.database import writing  # noqa: E402
from eventsite.extensions import db  # noqa: E402
from eventsite.models import TrainingLevel, utcnow  # noqa: E402
from seeding import minutes_apart, seed_guests, up_to_capacity  # noqa: E402

TARGET_PAGE_P50_MS = 150
TARGET_CSV_S = 1.0
ORGANIZER = ("bench@example.org", "bench organizer passphrase")
PROGRAMS = [
    "UCLA Orthopaedic Surgery", "Cedars-Sinai Orthopaedics", "LAC+USC Medical Center",
    "Keck School of Medicine of USC", "Harbor-UCLA Medical Center", "Kaiser Permanente Los Angeles",
]  # fmt: skip
FIRST = ["Maria", "Ana", "Sam", "Priya", "Daniel", "Olufemi", "Giulia", "Wei", "Fatima", "Zoë", "花子", "José"]
LAST = ["Lopez", "Li", "Lee", "Raman", "Kim", "Adeyemi", "Bianchi", "Zhang", "Haddad", "Ørsted", "佐藤", "Hernández"]
#: Guest-list URLs (after /admin/events/<id>/guests) timed round-robin: default, filters, sorts, deep pages.
PAGE_QUERIES = [
    "",
    "?page=50",
    "?page=100",
    "?sort=rsvp_time&dir=desc",
    "?sort=status&page=20",
    "?sort=program&dir=desc&page=7",
    "?status=waitlisted&level=pgy2",
    "?q=lopez",
    "?q=zoë ørsted&sort=level",
    "?q=ucla&status=confirmed&page=3",
]


def build_app(database_url: str | None, workdir: Path):
    url = database_url or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "MAIL_DELIVERY": "manual"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(REPO / "migrations"))
    return app, url


def seed(app, guests: int) -> tuple[int, int]:
    """An organizer, a 5,000-guest event (capacity 4,000) and a 50-guest one; returns their ids."""
    from eventsite.services import accounts, events

    with app.app_context(), writing():
        accounts.create_organizer(email=ORGANIZER[0], name="Bench", password=ORGANIZER[1])
        start = (utcnow() + dt.timedelta(days=30)).replace(tzinfo=None, second=0, microsecond=0)
        ids = []
        for n, (count, capacity) in enumerate(((guests, guests * 4 // 5), (50, 40))):
            event = events.create_event(
                title=f"Bench evening {n}", slug=f"bench-{n}", local_start=start, local_end=start + dt.timedelta(hours=2),
                timezone="America/Los_Angeles", venue_name="Hall", street_address="1 Main St", city="Los Angeles",
                capacity=capacity,
            )  # fmt: skip
            insert_guests(event.id, count, capacity)
            ids.append(event.id)
        db.session.commit()
    return ids[0], ids[1]


def insert_guests(event_id: int, n: int, capacity: int) -> None:
    """``n`` guests a minute apart (every 97th cancelled, waitlisted past ``capacity``), a third of
    the confirmed ones checked in."""
    seed_guests(
        event_id, n, status=up_to_capacity(capacity, cancelled_every=97), created_at=minutes_apart(n),
        first_name=FIRST, last_name=lambda i: LAST[i * 5 % len(LAST)], badge_name=lambda i: "Doc" if i % 11 == 0 else "",
        email="guest{event_id}.{i}@example.org", institution=PROGRAMS, training_level=list(TrainingLevel),
        dietary_notes=lambda i: "Vegetarian" if i % 13 == 0 else "", check_in_every=3,
    )  # fmt: skip


def sign_in(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": ORGANIZER[0], "password": ORGANIZER[1], "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed: {response.status_code}")


class QueryCounter:
    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.count = 0

    def __enter__(self):
        self.count = 0
        sa.event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._note)

    def _note(self, *args):
        self.count += 1


def get(client, url: str):
    start = time.perf_counter()
    response = client.get(url)
    body = response.get_data()
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return elapsed, body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guests", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30, help="guest-list requests to time")
    parser.add_argument("--csv-runs", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database to migrate and use instead of a SQLite file")
    # run_all.py passes its arguments to every benchmark; ignore the ones meant for the others.
    args, _others = parser.parse_known_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-admin-") as tmp:
        app, url = build_app(args.database_url, Path(tmp))
        backend = url.split(":", 1)[0]
        t0 = time.perf_counter()
        big, small = seed(app, args.guests)
        print(
            f"bench_admin: {backend}, Flask test client in-process; seeded {args.guests:,} + 50 guests in {time.perf_counter() - t0:.1f} s"
        )
        client = app.test_client()
        sign_in(client)
        ok = True

        print("\n(a) SQL statements per guest-list page (50 rows)")
        counter = QueryCounter(app)
        for query in PAGE_QUERIES:
            with counter:
                get(client, f"/admin/events/{big}/guests{query}")
            n_big = counter.count
            with counter:
                get(client, f"/admin/events/{small}/guests{query}")
            n_small = counter.count
            same = "same" if n_big == n_small else "DIFFERENT"
            ok &= n_big == n_small
            print(f"    {query or '(default)':36} {args.guests:,} guests: {n_big}   50 guests: {n_small}   {same}")

        print(
            f"\n(b) guest-list render time, {args.requests} requests over {len(PAGE_QUERIES)} filter/sort/page variants"
        )
        get(client, f"/admin/events/{big}/guests")  # warm templates and caches
        times = [
            get(client, f"/admin/events/{big}/guests{PAGE_QUERIES[i % len(PAGE_QUERIES)]}")[0]
            for i in range(args.requests)
        ]
        ms = sorted(t * 1000 for t in times)
        p50, p95 = statistics.median(ms), ms[max(int(len(ms) * 0.95) - 1, 0)]
        verdict = "meets" if p50 < TARGET_PAGE_P50_MS else "MISSES"
        print(
            f"    p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {ms[-1]:.1f} ms   (target p50 < {TARGET_PAGE_P50_MS} ms: {verdict})"
        )

        print(f"\n(c) CSV export of all {args.guests:,} guests, {args.csv_runs} runs")
        runs = []
        for _ in range(args.csv_runs):
            elapsed, body = get(client, f"/admin/events/{big}/guests.csv")
            runs.append(elapsed)
        lines = body.count(b"\r\n")
        best, median = min(runs), statistics.median(runs)
        verdict = "meets" if median < TARGET_CSV_S else "MISSES"
        print(
            f"    median {median * 1000:.0f} ms   best {best * 1000:.0f} ms   {len(body) / 1024:.0f} KiB, {lines - 1:,} rows + header"
        )
        print(f"    (target < {TARGET_CSV_S:.0f} s: {verdict})")
        if lines - 1 != args.guests:
            print("    row count is wrong")
            ok = False
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
