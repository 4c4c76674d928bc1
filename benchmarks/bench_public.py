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
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

#: Candidate gunicorn setups (name -> arguments). The first is what `make bench` runs and
#: what the README recommends for this 2-core box; `--configs all` re-measures them all.
CONFIGS = {
    "sync-w4": ["-w", "4", "--threads", "1"],
    "sync-w3": ["-w", "3", "--threads", "1"],
    "gthread-w2t4": ["-w", "2", "--threads", "4"],
    "gthread-w4t2": ["-w", "4", "--threads", "2"],
}
DEFAULT_CONFIG = "sync-w4"

TARGET_PAGE_RPS = 800
TARGET_RSVP_RPS = 250
TARGET_RSVP_P95_MS = 150
TARGET_PAGE_BYTES = 30 * 1024
POOL_SIZE = 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def app_env(db_path: Path, port: int, mail_delivery: str = "background") -> dict[str, str]:
    """Environment for flask/gunicorn: this database, no SMTP (mail goes to stdout, i.e. the log).

    ``mail_delivery`` "manual" (FLASK_MAIL_DELIVERY) leaves the outbox unsent: a diagnostic
    that shows what the requests cost without the workers' delivery threads.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
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


def la_event_path(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        (slug,) = conn.execute("SELECT slug FROM events WHERE title LIKE 'Los Angeles%'").fetchone()
    return f"/e/{slug}"


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


def unsent_mail(db_path: Path) -> int:
    with sqlite3.connect(db_path, timeout=30) as conn:
        return conn.execute("SELECT count(*) FROM outbox_messages WHERE status IN ('pending', 'sending')").fetchone()[0]


def drain_mail(db_path: Path, timeout: float = 180) -> tuple[int, float]:
    """Wait for the workers' mail threads to send what the RSVPs queued: (backlog, seconds)."""
    backlog = unsent_mail(db_path)
    start = time.monotonic()
    while unsent_mail(db_path) and time.monotonic() - start < timeout:
        time.sleep(0.25)
    return backlog, time.monotonic() - start


def count_bench_rsvps(db_path: Path, tag: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM rsvps WHERE email LIKE ?", (f"bench-{tag}-%",)).fetchone()[0]


def measure(name: str, seconds: float, clients: int, wrk_threads: int, workdir: Path, mail_delivery: str) -> dict:
    """One gunicorn setup on its own fresh demo database: GET, POST and page figures."""
    port = free_port()
    db_path = workdir / f"{name}.db"
    env = app_env(db_path, port, mail_delivery)
    prepare_database(env)
    path = la_event_path(db_path)
    server = Server(CONFIGS[name], port, env, workdir / f"{name}-gunicorn.log")
    try:
        server.wait_ready(path)
        run_wrk(server, path, "get_page.lua", 2, clients, wrk_threads)  # warm every worker
        page = run_wrk(server, path, "get_page.lua", seconds, clients, wrk_threads)
        pool_file = workdir / f"{name}-pool.tsv"
        pool_file.write_text("".join(f"{c}\t{t}\n" for c, t in fetch_pool(port, path, POOL_SIZE)))
        cpu_before = server.cpu_seconds()
        rsvp = run_wrk(server, path, "rsvp_post.lua", seconds, clients, wrk_threads, path, pool_file, name)
        rsvp["mail_backlog"], rsvp["drain_s"] = drain_mail(db_path) if mail_delivery == "background" else (0, 0.0)
        rsvp["cpu_with_mail_ms"] = (server.cpu_seconds() - cpu_before) * 1000 / max(rsvp["requests"], 1)
        weight = page_weight(port, path)
    finally:
        server.stop()
    rsvp["rows"] = count_bench_rsvps(db_path, name)
    return {"name": name, "mail": mail_delivery, "page": page, "rsvp": rsvp, "weight": weight}


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def report(result: dict) -> list[str]:
    """Print the table; return the correctness problems (not timings) found."""
    page, rsvp, weight = result["page"], result["rsvp"], result["weight"]
    rows = [
        ("event page GET", f"{page['rps']:.0f} req/s", f">= {TARGET_PAGE_RPS} req/s", verdict(page["rps"] >= TARGET_PAGE_RPS)),
        ("  latency p50 / p95", f"{page['p50_ms']:.1f} / {page['p95_ms']:.1f} ms", "", ""),
        ("  server CPU per request", f"{page['cpu_ms']:.2f} ms", "", ""),
        ("RSVP POST", f"{rsvp['rps']:.0f} req/s", f">= {TARGET_RSVP_RPS} req/s", verdict(rsvp["rps"] >= TARGET_RSVP_RPS)),
        ("  latency p50 / p95", f"{rsvp['p50_ms']:.1f} / {rsvp['p95_ms']:.1f} ms", f"p95 < {TARGET_RSVP_P95_MS} ms",
         verdict(rsvp["p95_ms"] < TARGET_RSVP_P95_MS)),
        ("  server CPU per request", f"{rsvp['cpu_ms']:.2f} ms under load; {rsvp['cpu_with_mail_ms']:.2f} ms with all its mail sent", "", ""),
        ("  mail backlog at the end", f"{rsvp['mail_backlog']} e-mails, sent within {rsvp['drain_s']:.1f} s", "", ""),
        ("  non-redirect responses", str(rsvp["not_redirect"]), "0", verdict(rsvp["not_redirect"] == 0)),
        ("  RSVP rows written", f"{rsvp['rows']} (wrk counted {rsvp['requests']})", "", ""),
        ("event page weight", f"{weight.total / 1024:.1f} KB (HTML {weight.html_bytes / 1024:.1f} + CSS {weight.css_bytes / 1024:.1f})",
         f"< {TARGET_PAGE_BYTES // 1024} KB", verdict(weight.total < TARGET_PAGE_BYTES)),
        ("  requests to other hosts", ", ".join(weight.foreign) or "none", "none", verdict(not weight.foreign)),
    ]  # fmt: skip
    print(f"\n[{result['name']}: gunicorn {' '.join(CONFIGS[result['name']])}; mail delivery {result['mail']}]")
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
    problems = []
    if page["not_ok"] or page["socket_errors"]:
        problems.append(f"{page['not_ok']} non-200 page responses, {page['socket_errors']} socket errors")
    if rsvp["not_redirect"] or rsvp["socket_errors"]:
        problems.append(f"{rsvp['not_redirect']} non-redirect RSVP responses, {rsvp['socket_errors']} socket errors")
    if rsvp["rows"] < rsvp["requests"] - rsvp["not_redirect"]:
        problems.append(f"only {rsvp['rows']} RSVP rows for {rsvp['requests']} redirects")
    if weight.foreign:
        problems.append("the event page fetches from other hosts: " + ", ".join(weight.foreign))
    return problems


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
    for name in names:
        problems += [
            f"{name}: {p}"
            for p in report(measure(name, args.seconds, args.clients, args.wrk_threads, workdir, args.mail_delivery))
        ]
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
