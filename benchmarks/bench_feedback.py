"""Feedback speed: the organizer's results page with 1,000 responses, and guests submitting the form.

(a) In-process (Flask test client, like bench_admin.py): SQL statements of the results page for
an event with 1,000 responses and for one with 10 (they must match), then p50/p95 render time
over ~30 requests (target p50 < 200 ms). (b) Under gunicorn (bench_public.py's setup) with wrk
and 16 clients: feedback submissions per second, each a valid, complete form posted through a
different guest's personal link (target >= 200/s), then a check that every 302 stored exactly
one response and one receipt. Timings are printed, never asserted; the run fails (exit 1) only
when something is wrong rather than slow (a page not 200, a growing query count, a submission
that did not redirect, or rows that don't match).

    .venv/bin/python benchmarks/bench_feedback.py
    .venv/bin/python benchmarks/bench_feedback.py --responses 1000 --seconds 10 --clients 16
"""

import argparse
import datetime as dt
import os
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO), str(REPO / "tests")]

import sqlalchemy as sa  # noqa: E402
from bench_admin import QueryCounter, get, sign_in  # noqa: E402
from bench_public import CONFIGS, DEFAULT_CONFIG, Server, app_env, fetch_pool, free_port, run_wrk  # noqa: E402

from eventsite import create_app  # noqa: E402
from eventsite.database import writing  # noqa: E402
from eventsite.extensions import db  # noqa: E402
from eventsite.models import (  # noqa: E402
    FeedbackAnswer,
    FeedbackInvitation,
    FeedbackReceipt,
    FeedbackResponse,
    utcnow,
)
from seeding import seed_guests  # noqa: E402

TARGET_PAGE_P50_MS = 200
TARGET_SUBMIT_RPS = 200
ORGANIZER = ("bench@example.org", "bench organizer passphrase")
IDEAS = ["More mentoring.", "Fellowship panel, please.", "Start later.", "A quieter room to talk.", "Job board!"]


def make_event(n: int, title: str):
    from eventsite.services import events

    start = (utcnow() - dt.timedelta(hours=5)).astimezone(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
    return events.create_event(
        title=title, slug=f"bench-feedback-{n}", local_start=start, local_end=start + dt.timedelta(hours=2),
        timezone="UTC", venue_name="Hall", street_address="1 Main St", city=f"City {n}", status="published",
    )  # fmt: skip


def add_guests(event, n: int, tag: str) -> list[int]:
    """``n`` confirmed, checked-in guests with a personal feedback link each; returns rsvp ids."""
    from eventsite.services import feedback

    ids = seed_guests(
        event.id, n, first_name="Bench", last_name="Guest {i}", email=lambda i: f"{tag}.{i}@example.org",
        institution="UCLA", training_level="pgy2", created_at=event.starts_at - dt.timedelta(days=3), check_in_every=1,
    )  # fmt: skip
    form = feedback.get_form(event)
    db.session.execute(
        sa.insert(FeedbackInvitation),
        [dict(form_id=form.id, rsvp_id=i, token=secrets.token_urlsafe(32), invited_at=event.ends_at) for i in ids],
    )
    return ids


def add_responses(event, rsvp_ids: list[int]) -> None:
    """One complete response per guest (bulk insert), with receipts, as submit_feedback stores them."""
    from eventsite.services import feedback

    rng = random.Random(event.id)
    form = feedback.get_form(event)
    q = {x.key: x for x in form.questions}
    responses, answers, receipts = [], [], []
    for rsvp_id in rsvp_ids:
        rid = secrets.token_urlsafe(16)
        responses.append(dict(id=rid, form_id=form.id, rsvp_id=rsvp_id, submitted_on=event.ends_at.date()))
        receipts.append(dict(event_id=event.id, rsvp_id=rsvp_id, answered_at=event.ends_at))
        answers.append(dict(response_id=rid, question_id=q["overall"].id, ordinal=0, value_int=rng.randint(2, 5)))
        answers.append(dict(response_id=rid, question_id=q["recommend"].id, ordinal=0, value_int=rng.randint(3, 10)))
        answers.append(
            dict(response_id=rid, question_id=q["most_useful"].id, ordinal=0, value_text=rng.choice(q["most_useful"].choices))
        )  # fmt: skip
        if rng.random() < 0.3:
            answers.append(dict(response_id=rid, question_id=q["support"].id, ordinal=0, value_text=rng.choice(IDEAS)))
    db.session.execute(sa.insert(FeedbackResponse), responses)
    db.session.execute(sa.insert(FeedbackAnswer), answers)
    db.session.execute(sa.insert(FeedbackReceipt), receipts)


def results_page(db_path: Path, responses: int, requests: int) -> bool:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench", "MAIL_DELIVERY": "manual"}
    )
    from eventsite.services import accounts

    with app.app_context(), writing():
        accounts.create_organizer(email=ORGANIZER[0], name="Bench", password=ORGANIZER[1])
        big = make_event(1, "Bench evening (big)")
        add_responses(big, add_guests(big, responses, "big"))
        small = make_event(2, "Bench evening (small)")
        add_responses(small, add_guests(small, 10, "small"))
        db.session.commit()
        big_id, small_id = big.id, small.id
    client = app.test_client()
    sign_in(client)
    counter = QueryCounter(app)
    with counter:
        get(client, f"/admin/events/{big_id}/feedback")
    n_big = counter.count
    with counter:
        get(client, f"/admin/events/{small_id}/feedback")
    n_small = counter.count
    same = n_big == n_small
    print(f"\n(a) results page, SQL statements: {responses:,} responses: {n_big}   10 responses: {n_small}   "
          f"{'same' if same else 'DIFFERENT'}")  # fmt: skip
    ms = sorted(get(client, f"/admin/events/{big_id}/feedback")[0] * 1000 for _ in range(requests))
    p50, p95 = statistics.median(ms), ms[max(int(len(ms) * 0.95) - 1, 0)]
    verdict = "meets" if p50 < TARGET_PAGE_P50_MS else "MISSES"
    print(f"    render time over {requests} requests: p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {ms[-1]:.1f} ms"
          f"   (target p50 < {TARGET_PAGE_P50_MS} ms: {verdict})")  # fmt: skip
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return same


SUBMIT_LUA = r"""
-- Each request: one guest's complete form through their own personal link (never reused).
dofile([[@REPORT@]])
function init(args)
  tokens = {}
  for line in io.lines(args[1]) do table.insert(tokens, line) end
  local cookie, csrf = args[2], args[3]
  body = "csrf_token=" .. csrf .. args[4]
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie }
  counter = 0
  bad = 0
end
function request()
  counter = counter + 1
  return wrk.format("POST", "/f/" .. tokens[counter], headers, body)
end
function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status ~= 302 or not location:find("thanks=1", 1, true) then bad = bad + 1 end
end
done = report("not_redirect")
"""


def submissions(workdir: Path, seconds: float, clients: int, guests: int) -> bool:
    """wrk posts complete forms through distinct personal links under gunicorn (SQLite)."""
    import subprocess
    import urllib.parse

    db_path = workdir / "submit.db"
    port = free_port()
    env = app_env(db_path, port)
    done = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=REPO,
                          env=env, capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        raise RuntimeError(done.stderr)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench", "MAIL_DELIVERY": "manual"}
    )
    from eventsite.services import feedback

    with app.app_context(), writing():
        event = make_event(3, "Bench evening (submit)")
        add_guests(event, guests, "sub")
        form = feedback.get_form(event)
        fields = {x.key: feedback.field_name(x) for x in form.questions}
        slug, event_id = event.slug, event.id
        db.session.commit()
        tokens = db.session.scalars(
            sa.select(FeedbackInvitation.token)
            .where(FeedbackInvitation.form_id == form.id)
            .order_by(FeedbackInvitation.id)
        ).all()
        db.session.remove()
        db.engine.dispose()
    (workdir / "tokens.txt").write_text("\n".join(tokens) + "\n")
    (workdir / "submit.lua").write_text(SUBMIT_LUA.replace("@REPORT@", str(HERE / "wrk_report.lua")))
    rest = "&" + urllib.parse.urlencode({
        fields["overall"]: "4", fields["recommend"]: "9", fields["most_useful"]: "Meeting peers",
        fields["support"]: "More mentoring for juniors, please.", fields["anything_else"]: "",
    })  # fmt: skip
    server = Server(CONFIGS[DEFAULT_CONFIG], port, env, workdir / "gunicorn.log")
    try:
        server.wait_ready(f"/e/{slug}/feedback")
        (cookie, csrf), *_ = fetch_pool(port, f"/e/{slug}/feedback", 1)
        fig = run_wrk(server, "/", str(workdir / "submit.lua"), seconds, clients, 1, workdir / "tokens.txt", cookie,
                      urllib.parse.quote(csrf, safe=""), rest)  # fmt: skip
    finally:
        server.stop()
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT count(*) FROM feedback_responses").fetchone()[0]
        receipts = conn.execute("SELECT count(*) FROM feedback_receipts WHERE event_id = ?", (event_id,)).fetchone()[0]
    verdict = "meets" if fig["rps"] >= TARGET_SUBMIT_RPS else "MISSES"
    print(f"\n(b) feedback submissions under gunicorn {' '.join(CONFIGS[DEFAULT_CONFIG])}, wrk {clients} clients, "
          f"{seconds:g} s, SQLite")  # fmt: skip
    print(f"    {fig['rps']:.0f} req/s   p50 {fig['p50_ms']:.1f} ms   p95 {fig['p95_ms']:.1f} ms   "
          f"server CPU {fig['cpu_ms']:.1f} ms/request   (target >= {TARGET_SUBMIT_RPS}/s: {verdict})")  # fmt: skip
    print(f"    {fig['requests']:,} posts, {fig['not_redirect']} not redirected to thank you; {stored:,} responses and "
          f"{receipts:,} receipts stored; socket errors {fig['socket_errors']}")  # fmt: skip
    ok = stored == receipts and fig["socket_errors"] == 0 and fig["not_redirect"] == 0
    if fig["requests"] >= len(tokens):
        print("    ran out of guests: raise --guests")
        ok = False
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30, help="results-page requests to time")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--guests", type=int, default=12000, help="personal links available to the submit run")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (databases, gunicorn log)")
    parser.add_argument("--skip-results", action="store_true", help="only the submission run")
    args, _others = parser.parse_known_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as tmp:
        workdir = Path(tempfile.mkdtemp(prefix="bench-feedback-")) if args.keep else Path(tmp)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'results.db'}", "SECRET_KEY": "b",
                          "MAIL_DELIVERY": "manual"})  # fmt: skip
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(directory=str(REPO / "migrations"))
            db.engine.dispose()
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"bench_feedback: SQLite, {os.cpu_count()} CPUs, load average {load} (work dir {workdir})")
        ok = args.skip_results or results_page(workdir / "results.db", args.responses, args.requests)
        ok &= submissions(workdir, args.seconds, args.clients, args.guests)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
