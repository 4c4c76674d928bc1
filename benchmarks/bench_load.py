"""Load and soak (issue 8): RSVP rush, door rush with one door offline, worker memory over many requests.

All three run against gunicorn (4 sync workers unless said otherwise) on a throwaway PostgreSQL
(tests/pgserver.py), or on SQLite with a note when no PostgreSQL can be started.

1. RSVP rush: LOAD_RSVP_CLIENTS (200) wrk clients post new RSVPs to the demo's Los Angeles event
   for LOAD_RSVP_SECONDS (60): requests/s, p50/p95/p99, errors (non-redirects and socket errors,
   target 0), and the rows written = confirmed + waitlisted (must equal the redirects wrk saw,
   give or take the requests still in flight when it stopped).
2. Door rush: LOAD_DOORS (4) doors each scan LOAD_DOOR_RATE (50) badges a minute for
   LOAD_DOOR_MINUTES (10); about 1 scan in 20 is a guest already let in at another door. Door 1
   loses the network for the middle fifth of the run (2 of 10 minutes): its scans go to a queue
   (nonce and device time kept, as door.js does) and go up through /checkins/batch when it is
   back, and the batch is sent twice, as a phone does that never saw the first answer. Every scan
   must be recorded exactly once: one row per nonce, as many rows as scans made.
3. Memory: one gunicorn worker (-w 1, so it serves them all) gets LOAD_MEMORY_REQUESTS (100,000)
   requests, a mix of the event page, the door's live figures and check-ins; its RSS is read from
   /proc after the first 5 % (warm) and then every 10 %. Target: the last within 10 % of the warm one.

    .venv/bin/python benchmarks/bench_load.py                 # all three at the issue's sizes (~25 min)
    .venv/bin/python benchmarks/bench_load.py rsvp door       # pick parts
    LOAD_RSVP_SECONDS=10 LOAD_DOOR_MINUTES=1 LOAD_MEMORY_REQUESTS=10000 .venv/bin/python benchmarks/bench_load.py

Timings are reported, never asserted; exit 1 when something is wrong rather than slow (errors,
lost or doubled scans, RSVP rows that do not add up).
"""

import datetime as dt
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import sqlalchemy as sa  # noqa: E402
from bench_door import make_app, seed_event  # noqa: E402
from bench_public import BIN, HOST, Server, fetch_pool, free_port, question_answers, run_wrk  # noqa: E402

from eventsite.extensions import db  # noqa: E402
from eventsite.models import CheckIn, Event, Rsvp, RsvpStatus  # noqa: E402
from eventsite.services import doors  # noqa: E402


def env_number(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


RSVP_SECONDS = env_number("LOAD_RSVP_SECONDS", 60)
RSVP_CLIENTS = int(env_number("LOAD_RSVP_CLIENTS", 200))
DOORS = int(env_number("LOAD_DOORS", 4))
DOOR_RATE = env_number("LOAD_DOOR_RATE", 50)
DOOR_MINUTES = env_number("LOAD_DOOR_MINUTES", 10)
MEMORY_REQUESTS = int(env_number("LOAD_MEMORY_REQUESTS", 100_000))
WORKERS = ["-w", "4", "--threads", "1"]
POOL_SIZE = 64
TARGET_MEMORY_GROWTH = 0.10


def bench_env(url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-not-secret",
        BASE_URL=f"http://{HOST}:{port}",
        PYTHONUNBUFFERED="1",
        FLASK_MAIL_DELIVERY="manual",
        # wrk's one address stands for a crowd of guests: lift the per-address guest-form limits.
        FLASK_SUBMIT_IP_LIMIT="1000000 per minute",
        FLASK_SUBMIT_ADDRESS_LIMIT="1000000 per minute",
    )
    return env


class Database:
    """A fresh database per part: a PostgreSQL database when a server could be started, else SQLite."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.pg = None
        self.count = 0
        try:
            from pgserver import start_throwaway_postgres

            self.pg = start_throwaway_postgres()
            self.engine = "PostgreSQL"
        except Exception as exc:  # noqa: BLE001 - no PostgreSQL on this machine: say so, use SQLite
            print(f"  (no PostgreSQL could be started, so SQLite: {exc})")
            self.engine = "SQLite"

    def new(self, name: str) -> str:
        self.count += 1
        if self.pg is None:
            return f"sqlite:///{self.workdir / f'{name}.db'}"
        self.pg.create_database(f"{name}_{self.count}")
        return self.pg.url(f"{name}_{self.count}")

    def stop(self) -> None:
        if self.pg is not None:
            self.pg.stop()


def flask(env: dict, *args: str) -> None:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None, conn=None):
    """One JSON request; returns (status, parsed body). Raises OSError when the network fails."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        hdrs = {"Accept": "application/json", **(headers or {})}
        if payload is not None:
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=hdrs)
        response = conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data[:1] in (b"{", b"[") else data
    finally:
        if own:
            conn.close()


# --------------------------------------------------------------------------------------------
# 1. RSVP rush


def rsvp_rush(database: Database, workdir: Path) -> tuple[list[str], list[str]]:
    port = free_port()
    url = database.new("rsvp_rush")
    env = bench_env(url, port)
    for args in (["db", "upgrade"], ["demo"]):
        flask(env, *args)
    app = make_app(url, env["BASE_URL"])
    with app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.title.like("Los Angeles%")))
        path, event_id = f"/e/{event.slug}", event.id
    server = Server(WORKERS, port, env, workdir / "rsvp-gunicorn.log")
    try:
        server.wait_ready(path)
        pool = workdir / "rsvp-pool.tsv"
        pool.write_text("".join(f"{c}\t{t}\n" for c, t in fetch_pool(port, path, POOL_SIZE)))
        threads = 2
        answers = question_answers(port, path) or "-"
        r = run_wrk(server, path, "rsvp_post.lua", RSVP_SECONDS, RSVP_CLIENTS, threads, path, pool, "rush", answers)
    finally:
        server.stop()
    with app.app_context():
        counts = dict(
            db.session.execute(
                sa.select(Rsvp.status, sa.func.count())
                .where(Rsvp.event_id == event_id, Rsvp.email.like("bench-rush-%"))
                .group_by(Rsvp.status)
            ).all()
        )
    confirmed, waitlisted = counts.get(RsvpStatus.CONFIRMED, 0), counts.get(RsvpStatus.WAITLISTED, 0)
    other = sum(counts.values()) - confirmed - waitlisted
    redirects = r["requests"] - r["not_redirect"]
    errors = r["not_redirect"] + r["socket_errors"]
    lines = [
        f"RSVP rush: {RSVP_CLIENTS} clients for {RSVP_SECONDS:g} s, gunicorn {' '.join(WORKERS)} on {database.engine}",
        f"  {r['rps']:.0f} req/s; latency p50 {r['p50_ms']:.0f} / p95 {r['p95_ms']:.0f} / p99 {r['p99_ms']:.0f} ms; "
        f"server CPU {r['cpu_ms']:.1f} ms/request",
        f"  errors: {r['not_redirect']} non-redirects, {r['socket_errors']} socket errors (target 0)",
        f"  rows: {confirmed} confirmed + {waitlisted} waitlisted = {confirmed + waitlisted}"
        f"{f' (+{other} in other states)' if other else ''}; wrk saw {redirects} redirects",
    ]
    problems = []
    if errors:
        problems.append(f"RSVP rush: {errors} errors")
    written = confirmed + waitlisted + other
    if not redirects <= written <= redirects + RSVP_CLIENTS:
        problems.append(f"RSVP rush: {written} rows for {redirects} redirects")
    return lines, problems


# --------------------------------------------------------------------------------------------
# 2. Door rush


class Door(threading.Thread):
    """One phone at the door: a scan every 60/DOOR_RATE s; offline between ``offline`` seconds."""

    def __init__(self, n, port, event_id, token, arrivals, admitted, lock, start_at, seconds, offline):
        super().__init__(name=f"door-{n}")
        self.n, self.port, self.event_id, self.token = n, port, event_id, token
        self.arrivals, self.admitted, self.lock = arrivals, admitted, lock
        self.start_at, self.seconds, self.offline = start_at, seconds, offline
        self.nonces: list[str] = []
        self.queue: list[dict] = []
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.uploads = 0
        self.colours: dict[str, int] = {}

    def next_code(self) -> str:
        with self.lock:
            if self.admitted and random.random() < 0.05:
                return random.choice(self.admitted)  # the guest tries another door too
            code = self.arrivals.pop()
            self.admitted.append(code)
            return code

    def post(self, path: str, body: dict, conn) -> tuple[int, dict]:
        headers = {"X-Door-Token": self.token}
        for attempt in range(3):  # the door page retries with the same nonce
            try:
                return request(self.port, "POST", path, body, headers, conn)
            except (OSError, http.client.HTTPException) as exc:
                if attempt == 2:
                    self.errors.append(f"{path}: {exc}")
                    raise
                conn.close()
                time.sleep(0.4)
        raise AssertionError("unreachable")

    def upload(self, conn) -> None:
        api = f"/api/events/{self.event_id}/checkins/batch"
        for i in range(0, len(self.queue), 500):
            chunk = self.queue[i : i + 500]
            for _ in range(2):  # the first answer "never arrived": the phone sends the batch again
                status, body = self.post(api, {"scans": chunk}, conn)
                if status != 200 or len(body["results"]) != len(chunk):
                    self.errors.append(f"batch upload answered {status}")
        self.uploads = len(self.queue)
        self.queue = []

    def run(self) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        interval = 60 / DOOR_RATE
        api = f"/api/events/{self.event_id}/checkins"
        k = 0
        while True:
            due = self.start_at + k * interval
            if due - self.start_at >= self.seconds:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            k += 1
            elapsed = time.monotonic() - self.start_at
            scan = {
                "code": self.next_code(),
                "nonce": uuid.uuid4().hex,
                "scanned_at": dt.datetime.now(dt.UTC).isoformat(),
            }
            self.nonces.append(scan["nonce"])
            if self.offline and self.offline[0] <= elapsed < self.offline[1]:
                self.queue.append(scan)
                continue
            if self.queue:
                self.upload(conn)
            started = time.perf_counter()
            try:
                status, body = self.post(api, scan, conn)
            except (OSError, http.client.HTTPException):
                continue
            self.latencies.append(time.perf_counter() - started)
            if status != 200:
                self.errors.append(f"check-in answered {status}: {body}")
            else:
                self.colours[body["colour"]] = self.colours.get(body["colour"], 0) + 1
        if self.queue:
            self.upload(conn)
        conn.close()


def door_rush(database: Database, workdir: Path) -> tuple[list[str], list[str]]:
    port = free_port()
    url = database.new("door_rush")
    env = bench_env(url, port)
    app = make_app(url, env["BASE_URL"])
    seconds = DOOR_MINUTES * 60
    scans = int(DOORS * DOOR_RATE * DOOR_MINUTES)
    seeded = seed_event(app, "Door rush evening", scans + 100)
    with app.app_context():
        tokens = [seeded["token"]]

        event = db.session.get(Event, seeded["event_id"])
        tokens += [doors.create_door_link(event, label=f"Door {n + 1}").token for n in range(1, DOORS)]
        db.session.commit()
    arrivals = list(seeded["codes"])
    random.Random(8).shuffle(arrivals)
    server = Server(WORKERS, port, env, workdir / "door-gunicorn.log")
    try:
        server.wait_ready("/api/openapi.json")
        lock = threading.Lock()
        admitted: list[str] = []
        start_at = time.monotonic() + 0.5
        offline = (seconds * 0.4, seconds * 0.6)
        phones = [
            Door(
                n, port, seeded["event_id"], tokens[n], arrivals, admitted, lock, start_at + n * 0.3, seconds,
                offline if n == 0 else None,
            )
            for n in range(DOORS)
        ]  # fmt: skip
        for door in phones:
            door.start()
        for door in phones:
            door.join()
    finally:
        server.stop()
    nonces = [n for d in phones for n in d.nonces]
    with app.app_context():
        rows = db.session.execute(
            sa.select(CheckIn.nonce, sa.func.count())
            .where(CheckIn.event_id == seeded["event_id"])
            .group_by(CheckIn.nonce)
        ).all()
    recorded = {nonce: count for nonce, count in rows}
    missing = [n for n in nonces if n not in recorded]
    doubled = [n for n, c in recorded.items() if c != 1]
    extra = set(recorded) - set(nonces)
    latencies = sorted(t for d in phones for t in d.latencies)
    colours: dict[str, int] = {}
    for d in phones:
        for c, k in d.colours.items():
            colours[c] = colours.get(c, 0) + k
    errors = [e for d in phones for e in d.errors]
    p = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000) if latencies else (lambda q: 0)
    lines = [
        f"Door rush: {DOORS} doors × {DOOR_RATE:g} scans/min for {DOOR_MINUTES:g} min, door 1 offline from "
        f"{offline[0] / 60:.1f} to {offline[1] / 60:.1f} min; gunicorn {' '.join(WORKERS)} on {database.engine}",
        f"  scans made {len(nonces)}; rows recorded {sum(recorded.values())}; missing {len(missing)}, "
        f"recorded twice {len(doubled)}, unknown {len(extra)} (target: every scan once)",
        f"  online scans: p50 {p(0.5):.0f} / p95 {p(0.95):.0f} / p99 {p(0.99):.0f} ms; verdicts {colours}; "
        f"door 1 uploaded {phones[0].uploads} queued scans (batch sent twice); errors {len(errors)}",
    ]
    problems = []
    if missing or doubled or extra:
        problems.append(f"door rush: {len(missing)} scans missing, {len(doubled)} recorded twice, {len(extra)} unknown")
    if errors:
        problems.append(f"door rush: {len(errors)} errors, e.g. {errors[0]}")
    return lines, problems


# --------------------------------------------------------------------------------------------
# 3. Memory of a worker


def worker_pids(server: Server) -> list[int]:
    return [
        int(p) for t in Path(f"/proc/{server.proc.pid}/task").iterdir() for p in (t / "children").read_text().split()
    ]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def memory(database: Database, workdir: Path) -> tuple[list[str], list[str]]:
    port = free_port()
    url = database.new("memory")
    env = bench_env(url, port)
    app = make_app(url, env["BASE_URL"])
    seeded = seed_event(app, "Memory evening", 30_000)
    with app.app_context():
        slug = db.session.get(Event, seeded["event_id"]).slug
    codes = workdir / "memory-codes.txt"
    codes.write_text("\n".join(seeded["codes"]) + "\n")
    paths = workdir / "memory-paths.txt"
    event_api = f"/api/events/{seeded['event_id']}"
    paths.write_text(f"GET /e/{slug}\nGET {event_api}/stats\nPOST {event_api}/checkins\nGET /api/openapi.json\n")
    server = Server(["-w", "1", "--threads", "1"], port, env, workdir / "memory-gunicorn.log")
    samples: list[tuple[int, float]] = []
    problems: list[str] = []
    try:
        server.wait_ready(f"/e/{slug}")
        [pid] = worker_pids(server)
        done = 0
        warm = MEMORY_REQUESTS // 20
        next_sample = warm
        chunk_s = 5
        while done < MEMORY_REQUESTS:
            r = run_wrk(server, "/", "mixed.lua", chunk_s, 8, 1, paths, codes, seeded["token"], f"m{done}")
            done += r["requests"]
            if r["bad"] or r["socket_errors"]:
                problems.append(f"memory: {r['bad']} unexpected statuses, {r['socket_errors']} socket errors")
            # Size the next chunk to land near the next sample point.
            rate = r["requests"] / r["seconds"]
            if done >= next_sample:
                samples.append((done, rss_mb(pid)))
                next_sample = warm + (len(samples)) * (MEMORY_REQUESTS // 10)
            chunk_s = max(1, min(30, round((min(next_sample, MEMORY_REQUESTS) - done) / max(rate, 1))))  # wrk: whole s
        if samples[-1][0] != done:
            samples.append((done, rss_mb(pid)))
        if worker_pids(server) != [pid]:
            problems.append("memory: the worker was replaced during the run")
    finally:
        server.stop()
    first, last = samples[0][1], samples[-1][1]
    growth = (last - first) / first
    lines = [
        f"Memory: one gunicorn worker (-w 1) on {database.engine}, {done} requests (event page, live figures, check-ins, OpenAPI)",
        "  RSS " + ", ".join(f"{mb:.1f} MB @ {n:,}" for n, mb in samples),
        f"  growth after warm-up: {growth:+.1%} ({'meets' if abs(growth) <= TARGET_MEMORY_GROWTH else 'MISSES'} "
        f"flat within {TARGET_MEMORY_GROWTH:.0%})",
    ]
    return lines, problems


PARTS = {"rsvp": rsvp_rush, "door": door_rush, "memory": memory}


def main(argv: list[str]) -> int:
    names = argv or list(PARTS)
    unknown = set(names) - set(PARTS)
    if unknown:
        print(f"unknown part {sorted(unknown)}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="eventsite-load-bench-"))
    print(
        f"bench_load: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work on the box skews the timings), work dir {workdir}"
    )
    database = Database(workdir)
    problems: list[str] = []
    try:
        for name in names:
            started = time.monotonic()
            lines, found = PARTS[name](database, workdir)
            print(f"\n[{name}, {time.monotonic() - started:.0f} s]")
            print("\n".join(lines), flush=True)
            problems += found
    finally:
        database.stop()
        if not os.environ.get("LOAD_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
