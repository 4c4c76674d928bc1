"""Door check-in speed: (a) scan to verdict with a fake camera, (b) the check-in API under gunicorn.

(a) Scan to verdict. The app renders BADGES different badges (one PDF, a page each); each QR is
cropped and filmed as a Y4M video that Chromium plays as its camera: for every badge a blank
white frame for BLANK_S, then the badge for BADGE_S, with a dark square in a corner of each
badge frame. A script the bench adds to the door page (never part of the product) notes, on
the page's own clock (performance.now()):
  - shown:   the presentation time of the first frame with the badge (requestVideoFrameCallback
             gives it for every camera frame; the dark corner tells a badge frame from a blank one),
  - decoded: when the decoder (jsQR, wrapped) first returned the badge's code,
  - answered: when the check-in API's answer arrived,
  - painted: the second animation frame after the verdict's class changed, i.e. after the first
             frame with the verdict on screen was drawn.
Scan to verdict = painted - shown. The verdict's name is checked against the badge filmed.
The door page polls the camera every 80 ms and the frames come at 10 fps, so up to ~100 ms of
the figure is the wait for the next decode attempt: that is part of what a volunteer sees.

(b) The check-in API under gunicorn (4 sync workers) with 16 concurrent wrk clients, each request
a new scan of a different badge (a different code and nonce, across 20,000 confirmed RSVPs),
against a bare endpoint served by the same gunicorn (benchmarks/bare_app.py: one indexed SELECT,
one UPDATE, one commit). They run alternately, ROUNDS times each; requests/s, p95 and the
server's CPU per request are printed, the last being the steadier figure on a shared box.
SQLite, and PostgreSQL when one can be started (tests/pgserver.py). Afterwards the bench checks
that every check-in request left exactly one scan row.

    .venv/bin/python benchmarks/bench_door.py                     # both parts
    .venv/bin/python benchmarks/bench_door.py --skip-camera --profile 300   # API + cProfile

Figures are reported, never asserted; exit 1 only when something is wrong rather than slow
(unexpected statuses, scan rows missing or doubled, verdicts for the wrong guest, no samples).
"""

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import sqlalchemy as sa  # noqa: E402
from bench_public import HOST, Server, free_port, run_wrk, throwaway_postgres  # noqa: E402

from eventsite import create_app  # noqa: E402
from eventsite.database import writing  # noqa: E402
from eventsite.extensions import db  # noqa: E402
from eventsite.models import CheckIn, EventStatus, Rsvp, TrainingLevel, utcnow  # noqa: E402
from eventsite.services import badges, doors, events  # noqa: E402
from seeding import seed_guests  # noqa: E402

TARGET_P50_MS = 300
TARGET_P95_MS = 600
TARGET_RATIO = 0.5
BADGES = 24
BLANK_S, BADGE_S, FPS = 0.8, 1.4, 10
CAMERA_SIZE = (480, 360)
API_GUESTS = 20_000
WORKERS = ["-w", "4", "--threads", "1"]
ROUNDS = 2
PROGRAMS = ["UCLA Orthopaedic Surgery", "Cedars-Sinai Orthopaedics", "LAC+USC Medical Center", "Harbor-UCLA"]
FIRST = ["Maria", "Ana", "Sam", "Priya", "Daniel", "Olufemi", "Giulia", "Wei", "Fatima", "Zoë", "Hana", "José"]
LAST = ["Lopez", "Li", "Lee", "Raman", "Kim", "Adeyemi", "Bianchi", "Zhang", "Haddad", "Ørsted", "Sato", "Hernández"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# --------------------------------------------------------------------------------------------
# Database


def make_app(url: str, base_url: str):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "MAIL_DELIVERY": "manual", "BASE_URL": base_url}
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(REPO / "migrations"))
    return app


def seed_event(app, title: str, guests: int) -> dict:
    """An event starting in 30 minutes (its door is open), ``guests`` confirmed RSVPs, one door link."""
    with app.app_context(), writing():
        start = (utcnow() + dt.timedelta(minutes=30)).astimezone(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
        event = events.create_event(
            title=title, slug=f"bench-{secrets.token_hex(3)}", local_start=start, local_end=start + dt.timedelta(hours=3),
            timezone="UTC", venue_name="Hall", street_address="1 Main St", city="Los Angeles", capacity=guests,
            status=EventStatus.PUBLISHED,
        )  # fmt: skip
        seed_guests(
            event.id, guests, first_name=FIRST, last_name=lambda i: LAST[i * 5 % len(LAST)],
            badge_name=lambda i: f"{FIRST[i % len(FIRST)]} {i}", email="door{event_id}.{i}@example.org",
            institution=PROGRAMS, training_level=list(TrainingLevel),
        )  # fmt: skip
        link = doors.create_door_link(event, label="Bench door")
        db.session.commit()
        codes = db.session.scalars(sa.select(Rsvp.ticket_code).where(Rsvp.event_id == event.id).order_by(Rsvp.id))
        return {"event_id": event.id, "token": link.token, "codes": list(codes)}


def scan_rows(app, event_id: int, tag: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(CheckIn.event_id == event_id, CheckIn.nonce.like(f"{tag}-%"))
        )


# --------------------------------------------------------------------------------------------
# (a) Scan to verdict with a fake camera

#: Added to the door page by the bench only: see the module docstring for what it records.
INSTRUMENT = """
(function () {
  var B = window.__bench = { shown: [], decoded: [], sent: [], answered: [], painted: [], frames: 0 };
  var jsqr;
  Object.defineProperty(window, "jsQR", { configurable: true, get: function () { return jsqr; }, set: function (fn) {
    var last = null;
    jsqr = function () {
      var found = fn.apply(this, arguments);
      if (found && found.data !== last) B.decoded.push({ t: performance.now(), code: found.data });
      last = found ? found.data : last;
      return found;
    };
  } });
  var realFetch = window.fetch;
  window.fetch = function (url, options) {
    var scan = options && options.method === "POST" && /\\/checkins$/.test(String(url));
    var promise = realFetch.apply(this, arguments);
    if (scan) {
      B.sent.push(performance.now());
      promise.then(function () { B.answered.push(performance.now()); });
    }
    return promise;
  };
  document.addEventListener("DOMContentLoaded", function () {
    var video = document.getElementById("camera");
    var probe = document.createElement("canvas");
    probe.width = probe.height = 1;
    var ctx = probe.getContext("2d", { willReadFrequently: true });
    var badge = null;
    function onFrame(now, meta) {
      B.frames++;
      ctx.drawImage(video, 4, 4, 16, 16, 0, 0, 1, 1);
      var dark = ctx.getImageData(0, 0, 1, 1).data[0] < 100;
      if (badge === false && dark) B.shown.push(meta.presentationTime);
      badge = dark;
      video.requestVideoFrameCallback(onFrame);
    }
    video.requestVideoFrameCallback(onFrame);
    var box = document.getElementById("verdict");
    new MutationObserver(function () {
      if (!/verdict-(green|amber|red)/.test(box.className)) return;
      var colour = box.className.match(/verdict-(\\w+)/)[1];
      var name = document.getElementById("verdict-name").textContent;
      requestAnimationFrame(function () {
        requestAnimationFrame(function () { B.painted.push({ t: performance.now(), colour: colour, name: name }); });
      });
    }).observe(box, { attributes: true, attributeFilter: ["class"] });
  });
})();
"""


def camera_video(app, event_id: int, path: Path) -> dict[str, str]:
    """Render the event's badges with the app, film them; returns {QR payload: badge name} in film order."""
    from helpers import pdf_pages
    from tests.browser import fake_camera

    with app.app_context():
        rsvps = db.session.scalars(sa.select(Rsvp).where(Rsvp.event_id == event_id).order_by(Rsvp.id)).all()
        pdf = badges.render_badges_pdf([badges.badge_data(r) for r in rsvps], layout="single")
        names = {badges.qr_payload(r): r.display_name for r in rsvps}
    pages = pdf_pages(pdf, dpi=200)
    if len(pages) != len(rsvps):
        raise RuntimeError(f"{len(pages)} badge pages for {len(rsvps)} guests")
    blank = fake_camera.frame(None, CAMERA_SIZE)
    frames = []
    for page, payload in zip(pages, names, strict=True):
        shot = fake_camera.frame(fake_camera.qr_crop(page, payload), CAMERA_SIZE, marker=True)
        frames += [blank] * round(BLANK_S * FPS) + [shot] * round(BADGE_S * FPS)
    fake_camera.write_video(path, frames, size=CAMERA_SIZE, fps=FPS)
    return names


def pair(record: dict, names: dict[str, str]) -> tuple[list[dict], list[str]]:
    """One sample per badge onset that got a verdict before the next onset; problems found."""
    shown = sorted(record["shown"])
    samples, problems = [], []
    for i, start in enumerate(shown):
        end = shown[i + 1] if i + 1 < len(shown) else float("inf")
        paint = next((p for p in record["painted"] if start < p["t"] < end), None)
        if paint is None:
            continue
        decode = next((d for d in record["decoded"] if start - 150 < d["t"] < paint["t"]), None)
        sent = next((t for t in record["sent"] if start - 150 < t < paint["t"]), None)
        answer = next((t for t in record["answered"] if start - 150 < t < paint["t"]), None)
        if decode is not None and paint["name"] != names.get(decode["code"]):
            problems.append(f"verdict shows {paint['name']!r} for the badge of {names.get(decode['code'])!r}")
        samples.append(
            {
                "total": paint["t"] - start,
                "decode": decode["t"] - start if decode else None,
                "server": answer - sent if answer and sent else None,
                "paint": paint["t"] - answer if answer else None,
                "colour": paint["colour"],
            }
        )
    return samples, problems


def measure_camera(workdir: Path) -> tuple[dict, list[str]]:
    from playwright.sync_api import sync_playwright

    from tests.browser import fake_camera

    port = free_port()
    base = f"http://{HOST}:{port}"
    url = f"sqlite:///{workdir / 'camera.db'}"
    app = make_app(url, base)
    seeded = seed_event(app, "Camera evening", BADGES)
    video = workdir / "badges.y4m"
    started = time.monotonic()
    names = camera_video(app, seeded["event_id"], video)
    print(f"  rendered and filmed {len(names)} badges in {time.monotonic() - started:.1f} s")
    env = bench_env(url, base)
    server = Server(WORKERS, port, env, workdir / "camera-gunicorn.log")
    run_s = len(names) * (BLANK_S + BADGE_S)
    try:
        server.wait_ready("/api/openapi.json")
        with sync_playwright() as p:
            from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

            browser = p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *fake_camera.camera_args(video)]
            )
            try:
                context = browser.new_context(
                    base_url=base, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
                )
                context.add_init_script(INSTRUMENT)
                page = context.new_page()
                page.goto(f"/door/{seeded['token']}")
                page.get_by_role("button", name="Start camera").click()
                page.wait_for_timeout(run_s * 1000 * 1.15 + 1500)  # one pass of the film and a bit
                record = page.evaluate("window.__bench")
            finally:
                browser.close()
    finally:
        server.stop()
    samples, problems = pair(record, names)
    rows = scan_rows_all(app, seeded["event_id"])
    return {"samples": samples, "frames": record["frames"], "onsets": len(record["shown"]), "rows": rows}, problems


def scan_rows_all(app, event_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(CheckIn.event_id == event_id))


def report_camera(result: dict) -> list[str]:
    samples = result["samples"]
    print(
        f"\n[scan to verdict: fake camera {CAMERA_SIZE[0]}×{CAMERA_SIZE[1]} at {FPS} fps, jsQR, phone viewport, gunicorn {' '.join(WORKERS)} on SQLite]"
    )
    print(
        f"  {result['onsets']} badges came into view ({result['frames']} frames seen), {len(samples)} verdicts paired, {result['rows']} scans recorded"
    )
    if len(samples) < 20:
        return [f"only {len(samples)} scan-to-verdict samples (want at least 20)"]
    totals = [s["total"] for s in samples]

    def part(key: str) -> str:
        values = [s[key] for s in samples if s[key] is not None]
        return f"p50 {statistics.median(values):.0f} ms" if values else "n/a"

    p50, p95 = statistics.median(totals), percentile(totals, 95)
    print(
        f"  badge frame shown -> verdict painted: p50 {p50:.0f} ms ({'meets' if p50 < TARGET_P50_MS else 'MISSES'} < {TARGET_P50_MS}), "
        f"p95 {p95:.0f} ms ({'meets' if p95 < TARGET_P95_MS else 'MISSES'} < {TARGET_P95_MS}), max {max(totals):.0f} ms"
    )
    print(
        f"    of which: frame shown -> code decoded {part('decode')}; request -> answer {part('server')}; answer -> painted {part('paint')}"
    )
    colours = {c: sum(1 for s in samples if s["colour"] == c) for c in ("green", "amber", "red")}
    print(f"  verdicts: {colours['green']} green, {colours['amber']} amber (a badge seen again), {colours['red']} red")
    return [f"{colours['red']} red verdicts for valid badges"] if colours["red"] else []


# --------------------------------------------------------------------------------------------
# (b) The check-in API against a bare endpoint


def bench_env(url: str, base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-not-secret",
        BASE_URL=base,
        PYTHONUNBUFFERED="1",
        FLASK_MAIL_DELIVERY="manual",
    )
    return env


def measure_api(label: str, url: str, workdir: Path, seconds: float, clients: int, rounds: int) -> tuple[dict, list]:
    port = free_port()
    base = f"http://{HOST}:{port}"
    app = make_app(url, base)
    seeded = seed_event(app, "API evening", API_GUESTS)
    codes = seeded["codes"]
    # Disjoint slices: warm-up, then each check-in round its own badges (first scans, green).
    slices = [codes[i::6] for i in range(6)]
    files = []
    for i, part in enumerate(slices):
        f = workdir / f"{label}-codes-{i}.txt"
        f.write_text("\n".join(part) + "\n")
        files.append(f)
    path = f"/api/events/{seeded['event_id']}/checkins"
    server = Server(
        WORKERS, port, bench_env(url, base), workdir / f"{label}-gunicorn.log", app="benchmarks.bare_app:app"
    )
    problems: list[str] = []
    results: dict[str, list[dict]] = {"checkin": [], "bare": []}
    try:
        server.wait_ready("/api/openapi.json")
        run_wrk(server, path, "checkin_post.lua", 2, clients, 1, files[0], f"{label}-warm", seeded["token"], 200)
        run_wrk(server, "/bench/bare", "checkin_post.lua", 2, clients, 1, files[0], f"{label}-warmb", "-", 200)
        for r in range(rounds):
            tag = f"{label}-r{r}"
            results["checkin"].append(
                run_wrk(
                    server, path, "checkin_post.lua", seconds, clients, 1, files[1 + r % 5], tag, seeded["token"], 200
                )
            )
            results["bare"].append(
                run_wrk(
                    server,
                    "/bench/bare",
                    "checkin_post.lua",
                    seconds,
                    clients,
                    1,
                    files[1 + r % 5],
                    tag + "b",
                    "-",
                    200,
                )
            )
            rows = scan_rows(app, seeded["event_id"], tag)
            done = results["checkin"][-1]
            # wrk counts the answers it saw; up to one request per client is still in flight at the end.
            done["rows"] = rows
            if not done["requests"] <= rows <= done["requests"] + clients:
                problems.append(f"{label} round {r}: {done['requests']} check-in requests left {rows} scan rows")
    finally:
        server.stop()
    for kind, runs in results.items():
        for run in runs:
            if run["unexpected"] or run["socket_errors"]:
                problems.append(
                    f"{label} {kind}: {run['unexpected']} unexpected statuses, {run['socket_errors']} socket errors"
                )
    return {"label": label, "results": results, "app": app, "seeded": seeded}, problems


def report_api(result: dict) -> None:
    res = result["results"]
    print(f"\n[check-in API on {result['label']}: gunicorn {' '.join(WORKERS)}, 16 clients, each request a new badge]")

    def total(runs: list[dict]) -> tuple[float, float, float]:
        req = sum(r["requests"] for r in runs)
        secs = sum(r["seconds"] for r in runs)
        cpu = sum(r["cpu_ms"] * r["requests"] for r in runs) / max(req, 1)
        return req / secs, max(r["p95_ms"] for r in runs), cpu

    for r, (c, b) in enumerate(zip(res["checkin"], res["bare"], strict=True)):
        print(
            f"  round {r + 1}: check-in {c['rps']:.0f} req/s p95 {c['p95_ms']:.1f} ms cpu {c['cpu_ms']:.2f} ms/req | "
            f"bare {b['rps']:.0f} req/s p95 {b['p95_ms']:.1f} ms cpu {b['cpu_ms']:.2f} ms/req | ratio {c['rps'] / b['rps']:.0%}"
        )
    c_rps, c_p95, c_cpu = total(res["checkin"])
    b_rps, b_p95, b_cpu = total(res["bare"])
    ratio = c_rps / b_rps
    print(f"  check-in POST   {c_rps:6.0f} req/s   p95 {c_p95:6.1f} ms   server CPU {c_cpu:.2f} ms/request")
    print(f"  bare SELECT+UPDATE {b_rps:3.0f} req/s   p95 {b_p95:6.1f} ms   server CPU {b_cpu:.2f} ms/request")
    print(
        f"  check-in / bare: {ratio:.0%} of the requests/s ({'meets' if ratio >= TARGET_RATIO else 'MISSES'} >= {TARGET_RATIO:.0%}); "
        f"{b_cpu / c_cpu:.0%} by server CPU per request"
    )


def profile_checkin(app, seeded: dict, n: int) -> None:
    """cProfile ``n`` check-ins in-process (test client, same database), top functions by own+callee time."""
    client = app.test_client()
    codes = seeded["codes"][-n:]
    headers = {"X-Door-Token": seeded["token"], "Accept": "application/json"}
    path = f"/api/events/{seeded['event_id']}/checkins"
    for code in seeded["codes"][-n - 20 : -n]:  # warm caches first
        client.post(path, json={"code": code, "nonce": secrets.token_hex(8)}, headers=headers)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for code in codes:
        now = dt.datetime.now(dt.UTC).isoformat()
        response = client.post(
            path, json={"code": code, "nonce": secrets.token_hex(8), "scanned_at": now}, headers=headers
        )
        if response.status_code != 200:
            raise RuntimeError(f"profile: check-in answered {response.status_code}: {response.get_data(as_text=True)}")
    profiler.disable()
    elapsed = time.perf_counter() - started
    bare_started = time.perf_counter()
    for code in seeded["codes"][-2 * n : -n]:
        client.post("/bench/bare", json={"code": code, "nonce": "x"})
    bare_elapsed = time.perf_counter() - bare_started
    print(
        f"\n[cProfile: {n} check-ins in-process, {elapsed / n * 1000:.2f} ms each under the profiler "
        f"(bare endpoint unprofiled: {bare_elapsed / n * 1000:.2f} ms each)]"
    )
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"eventsite|sqlalchemy.orm.session|flask.app", 25)
    stats.sort_stats("tottime").print_stats(15)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:9000])


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="per API figure and round")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--skip-camera", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile N check-ins in-process (SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (video, databases, logs)")
    args = parser.parse_args(argv)

    # bare_app is imported by gunicorn; it creates its app from the environment.
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    workdir = Path(tempfile.mkdtemp(prefix="eventsite-door-bench-"))
    print(
        f"bench_door: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work on the box skews the timings), work dir {workdir}"
    )
    problems: list[str] = []
    try:
        if not args.skip_camera:
            result, found = measure_camera(workdir)
            problems += found + report_camera(result)
        if not args.skip_api or args.profile:
            result, found = measure_api(
                "SQLite", f"sqlite:///{workdir / 'api.db'}", workdir, args.seconds, args.clients, args.rounds
            )
            problems += found
            if not args.skip_api:
                report_api(result)
            if args.profile:
                bare_app = load_bare_app(result["app"])
                profile_checkin(bare_app, result["seeded"], args.profile)
        if not args.skip_api and not args.no_postgres:
            pg = throwaway_postgres("check-in API on PostgreSQL")
            if pg is not None:
                try:
                    pg.create_database("door_bench")
                    result, found = measure_api(
                        "PostgreSQL", pg.url("door_bench"), workdir, args.seconds, args.clients, args.rounds
                    )
                    problems += found
                    report_api(result)
                finally:
                    pg.stop()
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


def load_bare_app(app):
    """The bench app with the bare route, on ``app``'s database (for the in-process profile)."""
    os.environ["DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    os.environ["BASE_URL"] = app.config["BASE_URL"]
    os.environ["FLASK_MAIL_DELIVERY"] = "manual"
    from benchmarks.bare_app import app as bench_app

    return bench_app


if __name__ == "__main__":
    sys.exit(main())
