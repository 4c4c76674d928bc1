"""Live door figures across devices: how soon a scan at the door shows on the other screens.

The promise: the figures on the door page and on the organizer's event overview update within
5 s across devices (target < 5 s). Browser tests only check that they update at all; this bench
measures how fast.

gunicorn serves the app over real HTTP on a fresh SQLite file (or a throwaway PostgreSQL with
--postgres): an organizer, an event starting in 30 minutes with GUESTS confirmed RSVPs and two
door links. Debian's Chromium (headless, driven by Playwright) opens three devices: the
organizer's event overview (/admin/events/<id>, signed in through /login) on a laptop, and the
door page (/door/<token>) on two phones (375×740), A and B. Phone A scans SCANS different
confirmed guests one after another by typing the badge code into "Badge code" and pressing Enter,
as a handheld scanner does. After each verdict it waits a random 0 .. one polling interval before
the next scan, so the scans fall at every point of the screens' polling cycles.

Meanwhile the bench reads every screen about every 20 ms (page.evaluate; the CSP forbids the
eval that page.wait_for_function with a string needs) and notes, on one clock, for every scan:
  - the verdict on phone A (its title appears; the name must be the guest's, the colour green),
  - phone A's own count (#count-in; the door page reloads its figures after every verdict),
  - the organizer's overview (.door-figures [data-figure="checked_in"]; door_stats.js polls),
  - phone B's count (#count-in; door.js polls every STATS_MS).
A screen shows scan i once its count reaches i (scans are one at a time, each admits one guest).
Scan = the moment Enter is pressed on phone A. The polling intervals are read from the JS files.

    .venv/bin/python benchmarks/bench_figures.py
    .venv/bin/python benchmarks/bench_figures.py --scans 40 --postgres

Figures are reported, never asserted; exit 1 only when something is wrong rather than slow:
a verdict or a count that never comes within 30 s, a verdict for the wrong guest or not green,
a count higher than the scans made.
"""

import argparse
import os
import random
import re
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
from bench_door import WORKERS, bench_env, make_app, percentile, seed_event  # noqa: E402
from bench_public import HOST, Server, free_port, get  # noqa: E402

from eventsite.database import writing  # noqa: E402
from eventsite.extensions import db  # noqa: E402
from eventsite.models import Event, Rsvp  # noqa: E402
from eventsite.services import accounts, doors  # noqa: E402

TARGET_MS = 5000
GIVE_UP_S = 30  # a screen that has not shown a scan this long after it is a failure, not a figure
LOOK_S = 0.02  # how often the bench reads the screens
ORGANIZER = ("figures@example.org", "bench organizer passphrase")
STATS_API_REQUESTS = 20

VERDICT_JS = """() => [document.getElementById("verdict-title").textContent,
  document.getElementById("verdict-name").textContent, document.getElementById("verdict").className]"""
BLANK_VERDICT_JS = """() => { document.getElementById("verdict-title").textContent = "";
  document.getElementById("verdict-name").textContent = ""; }"""
DOOR_COUNT_JS = '() => document.getElementById("count-in").textContent'
OVERVIEW_COUNT_JS = """() => { var el = document.querySelector('.door-figures [data-figure="checked_in"]');
  return el ? el.textContent : null; }"""


def polling_intervals() -> dict[str, int | None]:
    """The intervals the pages poll the stats API at, as written in their JS (None: not found)."""
    js = REPO / "eventsite" / "static" / "js"
    door = re.search(r"\bSTATS_MS\s*=\s*(\d+)", (js / "door.js").read_text())
    overview = re.search(r"setTimeout\(\s*poll\s*,\s*(\d+)\s*\)", (js / "door_stats.js").read_text())
    return {
        "door": int(door.group(1)) if door else None,
        "overview": int(overview.group(1)) if overview else None,
    }


def seed(app, guests: int) -> dict:
    """bench_door's event (door open, ``guests`` confirmed RSVPs, door link), an organizer, a second link."""
    seeded = seed_event(app, "Figures evening", guests)
    with app.app_context(), writing():
        accounts.create_organizer(email=ORGANIZER[0], name="Figures bench", password=ORGANIZER[1])
        event = db.session.get(Event, seeded["event_id"])
        seeded["token_b"] = doors.create_door_link(event, label="Bench door B").token
        db.session.commit()
        rows = db.session.execute(
            sa.select(Rsvp.ticket_code, Rsvp.badge_name, Rsvp.first_name)
            .where(Rsvp.event_id == event.id)
            .order_by(Rsvp.id)
        )
        seeded["guests"] = [(code, badge or first) for code, badge, first in rows]
    return seeded


def as_count(text: str | None) -> int:
    """A figure's text as a number; -1 while the page shows none yet (a dash, or no element)."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else -1


class Screen:
    """One figure on one device; ``seen[i]``: when the bench first saw it count scan i."""

    def __init__(self, label: str, page, js: str):
        self.label, self.page, self.js = label, page, js
        self.seen: dict[int, float] = {}
        self.shown = 0
        self.ahead = False

    def look(self, scans_made: int, problems: list[str]) -> None:
        value = as_count(self.page.evaluate(self.js))
        now = time.monotonic()
        if value > scans_made and not self.ahead:
            self.ahead = True
            problems.append(f"{self.label} shows {value} checked in after {scans_made} scans")
        for i in range(self.shown + 1, min(value, scans_made) + 1):
            self.seen[i] = now
        self.shown = max(self.shown, min(value, scans_made))


def wait_for(page, js: str, want: str, what: str) -> None:
    deadline = time.monotonic() + GIVE_UP_S
    while (got := page.evaluate(js)) != want:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} shows {got!r}, not {want!r}, after {GIVE_UP_S} s")
        time.sleep(0.1)


def measure(base: str, seeded: dict, scans: int, gap_s: float, rng: random.Random) -> tuple[dict, list[str]]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEVICES

    problems: list[str] = []
    guests = rng.sample(seeded["guests"], scans)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            laptop = browser.new_context(base_url=base, **DEVICES["laptop"])
            phone_a = browser.new_context(base_url=base, **DEVICES["phone"])
            phone_b = browser.new_context(base_url=base, **DEVICES["phone"])
            overview = laptop.new_page()
            overview.goto("/login")
            overview.get_by_label("E-mail").fill(ORGANIZER[0])
            overview.get_by_label("Password").fill(ORGANIZER[1])
            overview.get_by_role("button", name="Sign in").click()
            overview.wait_for_load_state()
            overview.goto(f"/admin/events/{seeded['event_id']}")
            wait_for(overview, OVERVIEW_COUNT_JS, "0", "the organizer's overview (signed in?)")
            door_b = phone_b.new_page()
            door_b.goto(f"/door/{seeded['token_b']}")
            door = phone_a.new_page()
            door.goto(f"/door/{seeded['token']}")
            wait_for(door, DOOR_COUNT_JS, "0", "phone A's count")
            wait_for(door_b, DOOR_COUNT_JS, "0", "phone B's count")
            hidden = [
                name
                for name, page in (("overview", overview), ("phone A", door), ("phone B", door_b))
                if page.evaluate("document.visibilityState") != "visible"
            ]
            if hidden:
                print(f"  note: {', '.join(hidden)} not visible to the browser; its timers may be throttled")

            screens = [
                Screen("phone A's own count", door, DOOR_COUNT_JS),
                Screen("the organizer's overview", overview, OVERVIEW_COUNT_JS),
                Screen("phone B's count", door_b, DOOR_COUNT_JS),
            ]
            scanned: list[float] = []  # when Enter was pressed, per scan
            verdicts: list[float] = []
            looks, started = 0, time.monotonic()
            next_scan = started
            next_look = started
            waiting = False
            code_field = door.get_by_label("Badge code")
            while True:
                now = time.monotonic()
                if not waiting and len(scanned) < scans and now >= next_scan:
                    code, _ = guests[len(scanned)]
                    door.evaluate(BLANK_VERDICT_JS)
                    code_field.fill(code)
                    scanned.append(time.monotonic())
                    code_field.press("Enter")
                    waiting = True
                if waiting:
                    title, name, box = door.evaluate(VERDICT_JS)
                    if title:
                        verdicts.append(time.monotonic())
                        waiting = False
                        want = guests[len(scanned) - 1][1]
                        if name != want or "verdict-green" not in box.split():
                            problems.append(f"scan {len(scanned)}: verdict {title!r} {name!r} ({box}) for {want!r}")
                        next_scan = verdicts[-1] + rng.uniform(0, gap_s)
                    elif time.monotonic() - scanned[-1] > GIVE_UP_S:
                        problems.append(f"scan {len(scanned)}: no verdict on phone A within {GIVE_UP_S} s")
                        break
                for screen in screens:
                    screen.look(len(scanned), problems)
                looks += 1
                late = [
                    (screen, i)
                    for screen in screens
                    for i in range(screen.shown + 1, len(verdicts) + 1)
                    if time.monotonic() - scanned[i - 1] > GIVE_UP_S
                ]
                if late:
                    screen, i = late[0]
                    problems.append(f"scan {i}: {screen.label} did not show it within {GIVE_UP_S} s")
                    break
                if len(verdicts) == scans and all(screen.shown == scans for screen in screens):
                    break
                next_look += LOOK_S
                time.sleep(max(0.0, next_look - time.monotonic()))
                next_look = max(next_look, time.monotonic() - LOOK_S)  # no bursts after a slow look
            look_ms = (time.monotonic() - started) / max(looks, 1) * 1000
        finally:
            browser.close()
    return {"scanned": scanned, "verdicts": verdicts, "screens": screens, "look_ms": look_ms}, problems


def stats_api_ms(port: int, seeded: dict) -> list[float]:
    """How long the stats API takes to answer, the way the door pages call it."""
    path = f"/api/events/{seeded['event_id']}/stats"
    headers = {"X-Door-Token": seeded["token"], "Accept": "application/json"}
    times = []
    for _ in range(STATS_API_REQUESTS):
        started = time.perf_counter()
        status, _, _ = get(port, path, headers)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
    return times


def line(label: str, values: list[float], target: bool = False) -> str:
    if not values:
        return f"  {label:<44} no samples"
    p50, p95, top = statistics.median(values), percentile(values, 95), max(values)
    text = f"  {label:<44} p50 {p50:5.0f} ms   p95 {p95:5.0f} ms   max {top:5.0f} ms"
    if target:
        verdict = "meets" if top < TARGET_MS else "MISSES"
        text += f"   (max {verdict} < {TARGET_MS} ms)"
    return text


def report(result: dict, intervals: dict, db_label: str, api_ms: list[float]) -> None:
    scanned, verdicts = result["scanned"], result["verdicts"]
    print(
        f"\n[live figures: {len(scanned)} scans typed at door phone A (375×740), organizer's overview on a laptop "
        f"(1280×800), door phone B; gunicorn {' '.join(WORKERS)} on {db_label}]"
    )

    def ms(interval: int | None) -> str:
        return f"{interval} ms" if interval else "unknown (not found in the JS)"

    print(
        f"  the pages poll the stats API: overview every {ms(intervals['overview'])} (door_stats.js), "
        f"door phones every {ms(intervals['door'])} (door.js STATS_MS); the bench looks every {result['look_ms']:.0f} ms"
    )
    print(line("scan (Enter) -> verdict on phone A", [(v - s) * 1000 for s, v in zip(scanned, verdicts, strict=False)]))
    for screen in result["screens"]:
        after = [(screen.seen[i] - scanned[i - 1]) * 1000 for i in sorted(screen.seen)]
        print(line(f"scan -> {screen.label}", after, target=True))
        if screen.label == "the organizer's overview":
            from_verdict = [
                (screen.seen[i] - verdicts[i - 1]) * 1000 for i in sorted(screen.seen) if i <= len(verdicts)
            ]
            print(line("  (from the verdict on phone A)", from_verdict))
    if api_ms:
        print(
            f"  stats API (GET /api/events/<id>/stats): p50 {statistics.median(api_ms):.0f} ms, "
            f"max {max(api_ms):.0f} ms over {len(api_ms)} requests"
        )
    slowest = max(filter(None, intervals.values()), default=None)
    if slowest:
        print(
            f"  by polling alone a screen shows a scan after 0 .. {slowest} ms plus one stats request "
            f"(p50 about {slowest // 2} ms)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=20, help="badges scanned at phone A (default 20)")
    parser.add_argument("--guests", type=int, default=200, help="confirmed RSVPs of the event (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="random seed: guests scanned, gaps between scans")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL instead of SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (database, gunicorn log)")
    args = parser.parse_args(argv)
    if not 1 <= args.scans <= args.guests:
        parser.error("--scans must be between 1 and --guests")

    workdir = Path(tempfile.mkdtemp(prefix="eventsite-figures-bench-"))
    loadavg = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"bench_figures: {os.cpu_count()} CPUs, load average {' '.join(loadavg)} "
        f"(other work on the box skews the timings), work dir {workdir}"
    )
    intervals = polling_intervals()
    gap_s = (intervals["overview"] or intervals["door"] or 4000) / 1000
    problems: list[str] = []
    pg = None
    try:
        if args.postgres:
            from pgserver import start_throwaway_postgres

            pg = start_throwaway_postgres()
            pg.create_database("figures_bench")
            url, db_label = pg.url("figures_bench"), "PostgreSQL"
        else:
            url, db_label = f"sqlite:///{workdir / 'figures.db'}", "SQLite"
        port = free_port()
        base = f"http://{HOST}:{port}"
        app = make_app(url, base)
        seeded = seed(app, args.guests)
        server = Server(WORKERS, port, bench_env(url, base), workdir / "gunicorn.log")
        try:
            server.wait_ready("/api/openapi.json")
            result, problems = measure(base, seeded, args.scans, gap_s, random.Random(args.seed))
            api_ms = stats_api_ms(port, seeded)
        finally:
            server.stop()
        report(result, intervals, db_label, api_ms)
    finally:
        if pg is not None:
            pg.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"  load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
