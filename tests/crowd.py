"""Many guests over real HTTP, each with its own cookie jar and connection, released together;
and ``together``/``at_once`` for any work that must overlap (threads released at a barrier).

The guests are for tests that talk to real servers (gunicorn subprocesses, the in-process live
server).
"""

import http.client
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from helpers import csrf_token

TIMEOUT = 20  # seconds per socket operation; a stuck server fails the test instead of hanging it


@dataclass
class Reply:
    status: int
    headers: dict
    body: str

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("Location", "")).path

    def json(self):
        return json.loads(self.body)


@dataclass
class Guest:
    """One browser on one server: a cookie jar and, between ``connect`` and a request, a connection."""

    base_url: str
    cookies: SimpleCookie = field(default_factory=SimpleCookie)
    conn: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        parts = urllib.parse.urlsplit(self.base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        self.conn.connect()

    def request(self, method: str, path: str, *, form: dict | None = None, json_body=None, headers=None) -> Reply:
        if self.conn is None:
            self.connect()
        sent = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items()), **(headers or {})}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            sent["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")  # a PDF download reads as text too
        finally:
            self.conn.close()
            self.conn = None
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return Reply(response.status, dict(response.headers), text)

    def get_token(self, path: str) -> str:
        reply = self.request("GET", path)
        assert reply.status == 200, f"GET {path}: {reply.status}"
        return csrf_token(reply.body)


def together(actions) -> list:
    """Run each ``(prepare, act)`` pair in its own thread: all prepare, then all act at once.

    ``prepare()`` returns what ``act`` receives; the barrier between them makes the acts overlap.
    Returns the acts' results in order; fails on the first error of any thread.
    """
    barrier = threading.Barrier(len(actions), timeout=TIMEOUT)
    results: list = [None] * len(actions)

    def run(i, prepare, act):
        try:
            state = prepare()
            barrier.wait()
            results[i] = act(state)
        except BaseException as exc:  # reported below, in the test's thread
            barrier.abort()
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, *pair)) for i, pair in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(3 * TIMEOUT)
    errors = [r for r in results if isinstance(r, BaseException) or r is None]
    assert not errors, f"{len(errors)} of {len(actions)} failed, first: {errors[0]!r}"
    return results


def at_once(act, times: int) -> list:
    """Run ``act()`` in ``times`` threads released together (two job runners, say); returns
    their results in order and fails on the first error of any thread."""
    return together([(lambda: None, lambda _none: act())] * times)


def rsvp_post(base_url: str, path: str, form: dict):
    """A (prepare, act) pair: a guest loads the form on ``base_url``, then sends it."""
    guest = Guest(base_url)

    def prepare():
        token = guest.get_token(path)
        guest.connect()
        return token

    def act(token):
        return guest.request("POST", path, form={**form, "csrf_token": token})

    return prepare, act
