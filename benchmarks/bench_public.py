"""Guest-side speed under gunicorn on a fresh SQLite demo database, measured with wrk.

Figures: (a) GETs of the Los Angeles event page, (b) RSVP POSTs (each a valid new RSVP with a
unique address and a valid CSRF token), (c) the event page's weight (HTML + the CSS it links)
and a check that it makes the browser fetch nothing from another host. The issue's targets
are printed next to each figure; timings are reported, never asserted. The run fails (exit 1)
only when something is wrong rather than slow: a non-redirect RSVP response, a failed GET, or
a request to another host.

    .venv/bin/python benchmarks/bench_public.py                  # the chosen gunicorn setup
    .venv/bin/python benchmarks/bench_public.py --configs all    # compare the candidates
"""

import argparse
import html
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

#: Candidate gunicorn setups (name -> arguments). The first is what `make bench` runs and
#: what the README recommends for this 2-core box; `--configs all` re-measures them all.
CONFIGS = {
    "sync-w4": ["-w", "4", "--threads", "1"],
    "sync-w3": ["-w", "3", "--threads", "1"],
    "sync-w2": ["-w", "2", "--threads", "1"],
    "sync-w1": ["-w", "1", "--threads", "1"],
    "gthread-w2t4": ["-w", "2", "--threads", "4"],
    "gthread-w4t2": ["-w", "4", "--threads", "2"],
}
DEFAULT_CONFIG = "sync-w4"

#: Issue 18: shares of the bare Flask app's figures (benchmarks/bare_flask.py), same setup and run.
TARGET_PAGE_RATIO = 0.6
TARGET_RSVP_RATIO = 0.4
TARGET_RSVP_P95_MS = 150
TARGET_PAGE_BYTES = 30 * 1024
POOL_SIZE = 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def app_env(db_url: str, port: int, mail_delivery: str = "background") -> dict[str, str]:
    """Environment for flask/gunicorn: this database, no SMTP (mail goes to stdout, i.e. the log).

    ``mail_delivery`` "manual" (FLASK_MAIL_DELIVERY) leaves the outbox unsent: a diagnostic
    that shows what the requests cost without the workers' delivery threads.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))}
    env.update(
        DATABASE_URL=db_url,
        SECRET_KEY="bench-not-secret",
        BASE_URL=f"http://{HOST}:{port}",
        PYTHONUNBUFFERED="1",
        FLASK_MAIL_DELIVERY=mail_delivery,
        # wrk is one client at one address sending thousands of RSVPs: lift the guest-form
        # limits (per address and per e-mail, auth/throttle.SubmitThrottle) that would hold it back.
        FLASK_SUBMIT_IP_LIMIT="1000000 per minute",
        FLASK_SUBMIT_ADDRESS_LIMIT="1000000 per minute",
    )
    env.pop("MAIL_SERVER", None)
    return env


def prepare_database(env: dict[str, str]) -> None:
    for args in (["db", "upgrade"], ["demo"]):
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args], cwd=REPO, env=env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def scalar(db_url: str, sql: str, **params):
    """One value from the bench database (SQLite or PostgreSQL), outside the app."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


def la_event(db_url: str) -> tuple[int, str]:
    """(id, page path) of the demo's Los Angeles event."""
    event_id = scalar(db_url, "SELECT id FROM events WHERE title LIKE 'Los Angeles%'")
    return event_id, "/e/" + scalar(db_url, "SELECT slug FROM events WHERE id = :i", i=event_id)


class Server:
    """gunicorn serving wsgi:app; its stdout (console e-mails) and stderr go to ``log``."""

    def __init__(self, args: list[str], port: int, env: dict[str, str], log: Path, app: str = "wsgi:app"):
        self.port = port
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), *args, "-b", f"{HOST}:{port}", app],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, path: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if get(self.port, path)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log.name}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn's master and workers (user + system)."""
        pids = [self.proc.pid]
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            pids += map(int, (task / "children").read_text().split())
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


CSRF_RE = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
CHOICE_RE = re.compile(
    rb'type="radio"[^>]*name="(cq\d+)"[^>]*value="([^"]*)"|name="(cq\d+)"[^>]*type="radio"[^>]*value="([^"]*)"'
)


def question_answers(port: int, path: str) -> str:
    """``&cqN=…`` answering each of the event's single-choice questions with its first choice
    (the demo asks a required one), for the RSVP form the wrk script posts."""
    _, _, body = get(port, path)
    chosen: dict[str, str] = {}
    for match in CHOICE_RE.finditer(body):
        name, value = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        chosen.setdefault(name.decode(), html.unescape(value.decode()))
    return "".join(f"&{urllib.parse.quote(k)}={urllib.parse.quote(v)}" for k, v in chosen.items())


def fetch_pool(port: int, path: str, size: int) -> list[tuple[str, str]]:
    """(session cookie, CSRF token) pairs, each from its own first visit to the event page."""
    pool = []
    for _ in range(size):
        status, headers, body = get(port, path)
        match = CSRF_RE.search(body)
        cookie = next(
            (c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [] if c.startswith("session=")), None
        )
        if status != 200 or not match or not cookie:
            raise RuntimeError(f"GET {path} gave no session cookie or CSRF token (status {status})")
        pool.append((cookie, match.group(1).decode()))
    return pool


def run_wrk(
    server: "Server", path: str, script: str, seconds: float, clients: int, wrk_threads: int, *script_args
) -> dict:
    cmd = [
        "wrk", f"-t{wrk_threads}", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "10s",
        "-s", str(HERE / script), f"http://{HOST}:{server.port}{path}",
    ]  # fmt: skip
    if script_args:
        cmd += ["--", *map(str, script_args)]
    cpu_before = server.cpu_seconds()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    cpu = server.cpu_seconds() - cpu_before
    line = next((ln for ln in out.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    figures = json.loads(line.removeprefix("WRK_JSON "))
    figures["rps"] = figures["requests"] / figures["seconds"]
    # Server CPU per request does not depend on what else the box is doing, unlike req/s.
    figures["cpu_ms"] = cpu * 1000 / max(figures["requests"], 1)
    return figures


class _Refs(HTMLParser):
    """Every src/href on the page, with its tag, and the stylesheets it links."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href", "srcset", "poster", "data", "action"):
            if attrs.get(name):
                self.refs.append((tag, attrs[name]))
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets.append(attrs["href"])


CSS_URL_RE = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")


@dataclass
class PageWeight:
    html_bytes: int
    css_bytes: int
    foreign: list[str]

    @property
    def total(self) -> int:
        return self.html_bytes + self.css_bytes


def page_weight(port: int, path: str) -> PageWeight:
    """Bytes of the page and its CSS (uncompressed), and any reference that makes a request off-site.

    An <a href> to another host (the map link) is a link the guest may follow, not a request
    the page makes, so it is allowed; anything else pointing off-site is reported.
    """
    own = f"{HOST}:{port}"
    status, _, html = get(port, path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status}")
    parser = _Refs()
    parser.feed(html.decode())
    refs = list(parser.refs)
    css_bytes = 0
    for href in parser.stylesheets:
        url = urllib.parse.urlsplit(urllib.parse.urljoin(f"http://{own}{path}", href))
        if url.netloc != own:
            continue  # reported below as a foreign reference
        status, _, css = get(port, url.path + (f"?{url.query}" if url.query else ""))
        if status != 200:
            raise RuntimeError(f"GET {href}: {status}")
        css_bytes += len(css)
        refs += [("css", a or b) for a, b in CSS_URL_RE.findall(css.decode())]
    foreign = []
    for tag, value in refs:
        url = urllib.parse.urlsplit(urllib.parse.urljoin(f"http://{own}{path}", value.split()[0]))
        if url.scheme in ("http", "https") and url.netloc != own and tag != "a":
            foreign.append(f"<{tag}> {value}")
    return PageWeight(len(html), css_bytes, foreign)


def unsent_mail(db_url: str) -> int:
    return scalar(db_url, "SELECT count(*) FROM outbox_messages WHERE status IN ('pending', 'sending')")


def drain_mail(db_url: str, timeout: float = 180) -> tuple[int, float]:
    """Wait for the workers' mail threads to send what the RSVPs queued: (backlog, seconds)."""
    backlog = unsent_mail(db_url)
    start = time.monotonic()
    while unsent_mail(db_url) and time.monotonic() - start < timeout:
        time.sleep(0.25)
    return backlog, time.monotonic() - start


def count_bench_rsvps(db_url: str, tag: str) -> int:
    return scalar(db_url, "SELECT count(*) FROM rsvps WHERE email LIKE :p", p=f"bench-{tag}-%")


def measure(
    name: str,
    seconds: float,
    clients: int,
    wrk_threads: int,
    workdir: Path,
    mail_delivery: str,
    db_url: str,
    label: str,
) -> dict:
    """One gunicorn setup on its own fresh demo database: GET, POST and page figures, then the
    bare Flask app's GET and POST (benchmarks/bare_flask.py) on the same database and setup."""
    port = free_port()
    env = app_env(db_url, port, mail_delivery)
    prepare_database(env)
    event_id, path = la_event(db_url)
    tag = f"{label}-{name}".lower()
    server = Server(CONFIGS[name], port, env, workdir / f"{tag}-gunicorn.log")
    try:
        server.wait_ready(path)
        run_wrk(server, path, "get_page.lua", 2, clients, wrk_threads)  # warm every worker
        page = run_wrk(server, path, "get_page.lua", seconds, clients, wrk_threads)
        # A query string makes the page afresh (public/page_cache.py keeps only the plain one).
        fresh = run_wrk(server, f"{path}?afresh=1", "get_page.lua", seconds, clients, wrk_threads)
        pool_file = workdir / f"{tag}-pool.tsv"
        pool_file.write_text("".join(f"{c}\t{t}\n" for c, t in fetch_pool(port, path, POOL_SIZE)))
        cpu_before = server.cpu_seconds()
        answers = question_answers(port, path) or "-"
        rsvp = run_wrk(server, path, "rsvp_post.lua", seconds, clients, wrk_threads, path, pool_file, tag, answers)
        rsvp["mail_backlog"], rsvp["drain_s"] = drain_mail(db_url) if mail_delivery == "background" else (0, 0.0)
        rsvp["cpu_with_mail_ms"] = (server.cpu_seconds() - cpu_before) * 1000 / max(rsvp["requests"], 1)
        weight = page_weight(port, path)
    finally:
        server.stop()
    rsvp["rows"] = count_bench_rsvps(db_url, tag)
    bare = Server(CONFIGS[name], port, env, workdir / f"{tag}-bare.log", app="benchmarks.bare_flask:app")
    try:
        bare.wait_ready(f"/bare/page/{event_id}")
        run_wrk(bare, f"/bare/page/{event_id}", "get_page.lua", 2, clients, wrk_threads)
        bare_get = run_wrk(bare, f"/bare/page/{event_id}", "get_page.lua", seconds, clients, wrk_threads)
        bare_post = run_wrk(bare, f"/bare/write/{event_id}", "bare_post.lua", seconds, clients, wrk_threads)
    finally:
        bare.stop()
    return {"name": name, "label": label, "mail": mail_delivery, "page": page, "fresh": fresh, "rsvp": rsvp,
            "weight": weight, "bare_get": bare_get, "bare_post": bare_post}  # fmt: skip


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def report(result: dict) -> list[str]:
    """Print the table; return the correctness problems (not timings) found."""
    page, rsvp, weight = result["page"], result["rsvp"], result["weight"]
    bare_get, bare_post, fresh = result["bare_get"], result["bare_post"], result["fresh"]
    page_ratio, rsvp_ratio = page["rps"] / bare_get["rps"], rsvp["rps"] / bare_post["rps"]
    rows = [
        ("event page GET", f"{page['rps']:.0f} req/s", "", ""),
        ("  latency p50 / p95", f"{page['p50_ms']:.1f} / {page['p95_ms']:.1f} ms", "", ""),
        ("  server CPU per request", f"{page['cpu_ms']:.2f} ms", "", ""),
        ("bare Flask GET (one PK SELECT)", f"{bare_get['rps']:.0f} req/s, p95 {bare_get['p95_ms']:.1f} ms, "
         f"CPU {bare_get['cpu_ms']:.2f} ms/req", "", ""),
        ("  event page / bare GET", f"{page_ratio:.2f}x", f">= {TARGET_PAGE_RATIO}x", verdict(page_ratio >= TARGET_PAGE_RATIO)),
        ("event page GET made afresh", f"{fresh['rps']:.0f} req/s, p95 {fresh['p95_ms']:.1f} ms, CPU {fresh['cpu_ms']:.2f} ms/req "
         f"({fresh['rps'] / bare_get['rps']:.2f}x the bare GET; a query string is never kept)", "", ""),
        ("RSVP POST", f"{rsvp['rps']:.0f} req/s", "", ""),
        ("  latency p50 / p95", f"{rsvp['p50_ms']:.1f} / {rsvp['p95_ms']:.1f} ms", f"p95 < {TARGET_RSVP_P95_MS} ms",
         verdict(rsvp["p95_ms"] < TARGET_RSVP_P95_MS)),
        ("  server CPU per request", f"{rsvp['cpu_ms']:.2f} ms under load; {rsvp['cpu_with_mail_ms']:.2f} ms with all its mail sent", "", ""),
        ("  mail backlog at the end", f"{rsvp['mail_backlog']} e-mails, sent within {rsvp['drain_s']:.1f} s", "", ""),
        ("  non-redirect responses", str(rsvp["not_redirect"]), "0", verdict(rsvp["not_redirect"] == 0)),
        ("  RSVP rows written", f"{rsvp['rows']} (wrk counted {rsvp['requests']})", "", ""),
        ("bare Flask POST (SELECT+UPDATE)", f"{bare_post['rps']:.0f} req/s, p95 {bare_post['p95_ms']:.1f} ms, "
         f"CPU {bare_post['cpu_ms']:.2f} ms/req", "", ""),
        ("  RSVP POST / bare POST", f"{rsvp_ratio:.2f}x", f">= {TARGET_RSVP_RATIO}x", verdict(rsvp_ratio >= TARGET_RSVP_RATIO)),
        ("event page weight", f"{weight.total / 1024:.1f} KB (HTML {weight.html_bytes / 1024:.1f} + CSS {weight.css_bytes / 1024:.1f})",
         f"< {TARGET_PAGE_BYTES // 1024} KB", verdict(weight.total < TARGET_PAGE_BYTES)),
        ("  requests to other hosts", ", ".join(weight.foreign) or "none", "none", verdict(not weight.foreign)),
    ]  # fmt: skip
    print(
        f"\n[{result['label']}, {result['name']}: gunicorn {' '.join(CONFIGS[result['name']])}; mail delivery {result['mail']}]"
    )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
    problems = []
    if fresh["not_ok"] or fresh["socket_errors"]:
        problems.append(f"{fresh['not_ok']} non-200 responses for the page made afresh")
    if page["not_ok"] or page["socket_errors"]:
        problems.append(f"{page['not_ok']} non-200 page responses, {page['socket_errors']} socket errors")
    if rsvp["not_redirect"] or rsvp["socket_errors"]:
        problems.append(f"{rsvp['not_redirect']} non-redirect RSVP responses, {rsvp['socket_errors']} socket errors")
    for what, bare in (("bare GET", bare_get), ("bare POST", bare_post)):
        if bare.get("not_ok") or bare.get("not_redirect") or bare["socket_errors"]:
            problems.append(f"{what}: unexpected answers or socket errors")
    if rsvp["rows"] < rsvp["requests"] - rsvp["not_redirect"]:
        problems.append(f"only {rsvp['rows']} RSVP rows for {rsvp['requests']} redirects")
    if weight.foreign:
        problems.append("the event page fetches from other hosts: " + ", ".join(weight.foreign))
    return problems


def throwaway_postgres(what: str):
    """A fresh PostgreSQL server (tests/pgserver.py) for a bench's second run, or None after
    saying why there is none on this machine."""
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from pgserver import start_throwaway_postgres

        return start_throwaway_postgres()
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: say so, go on
        print(f"\n[{what}: skipped, no server could be started: {exc}]")
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", default=DEFAULT_CONFIG, help=f"comma-separated of {', '.join(CONFIGS)}, or all")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument(
        "--mail-delivery",
        choices=("background", "manual"),
        default="background",
        help="manual: diagnostic, no mail sent",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (databases, gunicorn logs)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--scaling", default="1,2,4", help="gunicorn worker counts measured on PostgreSQL (empty: none)"
    )
    args = parser.parse_args(argv)
    names = list(CONFIGS) if args.configs == "all" else args.configs.split(",")
    unknown = set(names) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown config {sorted(unknown)}")

    workdir = Path(tempfile.mkdtemp(prefix="eventsite-bench-"))
    print(
        f"bench_public: {args.clients} clients, {args.seconds:g} s per figure, {os.cpu_count()} CPUs, work dir {workdir}"
    )
    problems = []

    def run(name: str, db_url: str, label: str) -> dict:
        result = measure(name, args.seconds, args.clients, args.wrk_threads, workdir, args.mail_delivery, db_url, label)
        problems.extend(f"{label} {name}: {p}" for p in report(result))
        return result

    for name in names:
        run(name, f"sqlite:///{workdir / f'{name}.db'}", "SQLite")
    if not args.no_postgres:
        pg = throwaway_postgres("PostgreSQL")
        if pg is not None:
            try:
                scaling = [f"sync-w{n}" for n in args.scaling.split(",") if n.strip()]
                results = []
                for i, name in enumerate(dict.fromkeys(names + scaling)):
                    pg.create_database(f"public_bench_{i}")
                    results.append(run(name, pg.url(f"public_bench_{i}"), "PostgreSQL"))
                print("\n[PostgreSQL: throughput by gunicorn workers (sync), 2 CPUs]")
                for r in sorted(results, key=lambda r: int(CONFIGS[r["name"]][1])):
                    print(
                        f"  {CONFIGS[r['name']][1]} workers: event page {r['page']['rps']:4.0f} req/s "
                        f"(bare {r['bare_get']['rps']:4.0f}), RSVP {r['rsvp']['rps']:4.0f} req/s "
                        f"p95 {r['rsvp']['p95_ms']:5.1f} ms (bare POST {r['bare_post']['rps']:4.0f})"
                    )
            finally:
                pg.stop()
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
