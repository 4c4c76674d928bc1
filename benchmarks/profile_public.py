"""Where the guest pages' CPU goes: cProfile over many in-process requests (Flask test client).

Builds a fresh demo SQLite database, then profiles N GETs of the Los Angeles event page and N
RSVP POSTs (each a new address, with a valid CSRF token), and, separately, delivering the mail
those RSVPs queued (one ``deliver_outbox()``, what the workers' mail thread or `flask jobs run`
does). Prints the mean
wall time per request and the top functions by cumulative and by own time. No server, no
network; the figures are per request in one process, so they add up to the CPU that
bench_public.py measures across gunicorn's workers.

    .venv/bin/python benchmarks/profile_public.py                  # GET, POST, delivery
    .venv/bin/python benchmarks/profile_public.py --only get -n 2000 --top 40
    .venv/bin/python benchmarks/profile_public.py --only lock -n 300    # SQLite write lock per RSVP

``--only lock`` times how long each RSVP POST holds SQLite's write lock (from its BEGIN
IMMEDIATE to the COMMIT or ROLLBACK), without the profiler, and lists the statements run
while the lock is held and before it is taken, as one RSVP runs them.
"""

import argparse
import cProfile
import html
import io
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def build_app(db_path: Path):
    os.environ.pop("MAIL_SERVER", None)
    from eventsite import create_app
    from eventsite.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "profile-not-secret",
            "BASE_URL": "http://127.0.0.1:5000",
            "MAIL_DELIVERY": "manual",
            "LOG_FORMAT": "none",
            # One client sending hundreds of RSVPs: lift the guest-form limits, as bench_public does.
            "SUBMIT_IP_LIMIT": "1000000 per minute",
            "SUBMIT_ADDRESS_LIMIT": "1000000 per minute",
        }
    )
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["demo"]):
        result = runner.invoke(args=args)
        if result.exit_code:
            raise RuntimeError(f"flask {args} failed: {result.output}{result.exception!r}")
    with app.app_context():
        from sqlalchemy import select

        from eventsite.models import Event

        slug = db.session.scalar(select(Event.slug).where(Event.title.like("Los Angeles%")))
    return app, f"/e/{slug}"


def profiled(label: str, n: int, fn, top: int, sort_keys: tuple[str, ...], report) -> None:
    fn(0)  # warm caches and imports outside the profile
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    for i in range(1, n + 1):
        fn(i)
    profile.disable()
    wall = (time.perf_counter() - start) * 1000 / n
    print(f"\n===== {label}: {n} runs, {wall:.2f} ms each under the profiler =====", file=report)
    for key in sort_keys:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        print(f"--- by {key} ---", file=report)
        print("\n".join(out.getvalue().splitlines()[6:]), file=report)


def timed(label: str, n: int, fn, report) -> None:
    fn(0)
    start = time.process_time()
    for i in range(1, n + 1):
        fn(i)
    print(f"{label}: {(time.process_time() - start) * 1000 / n:.2f} ms CPU each (no profiler, {n} runs)", file=report)


class LockWatch:
    """Times every write transaction on a SQLite engine and keeps the statements inside."""

    def __init__(self, engine):
        import sqlalchemy as sa

        from eventsite.database import write_intent

        self.holds, self.inside, self.outside = [], [], []
        self.began = None
        self.armed = False

        @sa.event.listens_for(engine, "begin")
        def _begin(_conn):
            if self.armed and write_intent.get():
                self.began = time.perf_counter()

        def _end(_conn):
            if self.began is not None:
                self.holds.append((time.perf_counter() - self.began) * 1000)
                self.began = None

        sa.event.listen(engine, "commit", _end)
        sa.event.listen(engine, "rollback", _end)

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _statement(_conn, _cursor, statement, *_args):
            if self.armed:
                (self.inside if self.began is not None else self.outside).append(" ".join(statement.split())[:110])


def lock_report(app, post, n: int) -> None:
    """How long an RSVP POST holds the write lock, and what it runs holding it."""
    from eventsite.extensions import db

    with app.app_context():
        watch = LockWatch(db.engine)
    post(0)
    watch.armed = True
    post(1)  # one RSVP's statements, as listed below
    watch.armed = False
    one_inside, one_outside, one_holds = list(watch.inside), list(watch.outside), len(watch.holds)
    watch.holds.clear()
    watch.armed = True
    for i in range(2, n + 2):
        post(i)
    watch.armed = False
    holds = sorted(watch.holds)
    pct = lambda q: holds[min(len(holds) - 1, int(q * len(holds)))]  # noqa: E731
    print(f"SQLite write lock per RSVP POST ({n} POSTs, one process, no contention):")
    print(f"  write transactions per RSVP: {len(holds) / n:.2f} (first RSVP: {one_holds})")
    print(f"  lock held: mean {sum(holds) / len(holds):.2f} ms, p50 {pct(0.5):.2f} ms, p95 {pct(0.95):.2f} ms")
    print(f"  statements before the lock: {len(one_outside)}; holding it: {len(one_inside)}")
    for statement in one_inside:
        print(f"    [lock] {statement}")
    for statement in one_outside:
        print(f"    [read] {statement}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--only", choices=("get", "post", "deliver", "lock"), action="append")
    parser.add_argument("--no-profile", action="store_true", help="just time each kind of request")
    parser.add_argument("--sort", default="cumulative,tottime")
    args = parser.parse_args()
    only = set(args.only or ("get", "post", "deliver"))
    workdir = Path(tempfile.mkdtemp(prefix="eventsite-profile-"))
    app, path = build_app(workdir / "profile.db")
    sort_keys = tuple(args.sort.split(","))

    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    # The demo asks a required single-choice question: answer each with its first choice.
    answers = {}
    for name, value in re.findall(r'type="radio"[^>]*name="(cq\d+)"[^>]*value="([^"]*)"', page.get_data(as_text=True)):
        answers.setdefault(name, html.unescape(value))

    def get(_i):
        response = client.get(path)
        assert response.status_code == 200
        response.get_data()

    def post(i):
        response = client.post(
            path,
            data={
                "csrf_token": token,
                "first_name": "Bench",
                "last_name": "Guest",
                "email": f"profile-{i}-{time.monotonic_ns()}@example.org",
                "institution": "UCLA Orthopaedic Surgery",
                "training_level": "pgy2",
                "badge_name": "",
                "pronouns": "",
                "dietary_notes": "",
                "accessibility_notes": "",
                "website": "",
                **answers,
            },
        )
        assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:2000])

    def deliver_all() -> int:
        """Send every queued e-mail the way the workers' mail thread does; return how many."""
        from eventsite.jobs import deliver_outbox

        with app.app_context():
            return deliver_outbox().sent

    if "lock" in only:
        lock_report(app, post, args.n)
    kinds = [("get", "GET event page", get), ("post", "RSVP POST", post)]
    real_stdout = sys.stdout = sys.__stdout__  # (the CLI runner may leave its own in place)
    for key, label, fn in kinds:
        if key not in only:
            continue
        report = io.StringIO()
        if args.no_profile:
            timed(label, args.n, fn, report)
        else:
            profiled(label, args.n, fn, args.top, sort_keys, report)
        print(report.getvalue(), end="")
    if "deliver" in only:
        if "post" not in only:
            for i in range(args.n):  # mail for delivery to send
                post(10_000_000 + i)
        sys.stdout = io.StringIO()  # the console e-mails
        try:
            profile = None if args.no_profile else cProfile.Profile()
            start = time.process_time()
            if profile:
                profile.enable()
            sent = deliver_all()
            if profile:
                profile.disable()
            cpu = (time.process_time() - start) * 1000 / max(sent, 1)
        finally:
            sys.stdout = real_stdout
        note = "no profiler" if profile is None else "under the profiler"
        print(f"deliver the queued e-mails: {cpu:.2f} ms CPU each ({note}, {sent} e-mails)")
        if profile:
            for key in sort_keys:
                out = io.StringIO()
                pstats.Stats(profile, stream=out).strip_dirs().sort_stats(key).print_stats(args.top)
                print(f"--- by {key} ---")
                print("\n".join(out.getvalue().splitlines()[6:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
