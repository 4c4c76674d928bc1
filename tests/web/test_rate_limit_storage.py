"""Rate-limit counters live where RATELIMIT_STORAGE_URI says: shared in Redis, per process in memory.

Two app objects stand for two app servers: with Redis, failures on one count on the other.
"""

import contextlib
import socket

import pytest

from eventsite import create_app
from eventsite.extensions import db
from factories import make_organizer
from helpers import sign_in
from redisserver import RedisServer


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    yield server
    server.stop()


@contextlib.contextmanager
def two_servers(app_config, storage_uri: str):
    apps = [create_app({**app_config, "RATELIMIT_STORAGE_URI": storage_uri}) for _ in range(2)]
    with apps[0].app_context():
        email = make_organizer().email
        db.session.commit()
    try:
        yield apps, email
    finally:
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def fail_on_first_then_try_second(apps, email: str) -> int:
    first, second = (app.test_client() for app in apps)
    for _ in range(5):
        assert sign_in(first, email, password="wrong password").status_code == 422
    return sign_in(second, email).status_code


def test_redis_storage_shares_failed_sign_ins_between_app_servers(app_config, redis_server):
    uri = f"{redis_server.url}/0"
    with two_servers(app_config, uri) as (apps, email):
        apps[0].extensions["eventsite.login_throttle"].reset()
        assert fail_on_first_then_try_second(apps, email) == 429


def test_memory_storage_is_per_process(app_config):
    with two_servers(app_config, "memory://") as (apps, email):
        assert fail_on_first_then_try_second(apps, email) == 302


def test_a_bad_storage_uri_stops_start_up(app_config):
    from eventsite.config import ConfigError

    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app({**app_config, "RATELIMIT_STORAGE_URI": "nosuch://x"})


def test_with_redis_down_sign_ins_work_and_failures_count_in_the_process(app_config, caplog):
    with socket.socket() as s:  # a port with nothing listening: connection refused
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    with two_servers(app_config, dead) as (apps, email):
        client = apps[0].test_client()
        assert sign_in(client, email).status_code == 302  # the right password still signs in
        assert fail_on_first_then_try_second([apps[0], apps[0]], email) == 429  # limited per process
    assert "rate-limit storage unreachable (ConnectionError)" in caplog.text


GUESS_LIMIT = {"GUESS_FAILURE_LIMIT": "3 per 10 minutes"}


def test_guessed_links_are_counted_in_redis_across_servers(app_config, redis_server):
    """The guessing throttle shares the sign-in throttle's store..."""
    with two_servers({**app_config, **GUESS_LIMIT}, f"{redis_server.url}/0") as (apps, _):
        apps[0].extensions["eventsite.guess_throttle"].reset()
        first, second = (app.test_client() for app in apps)
        assert [first.get(f"/r/guess-{n}").status_code for n in range(3)] == [404, 404, 404]
        assert second.get("/r/guess-3").status_code == 429  # the other server knows


def test_guessed_links_count_in_the_process_while_redis_is_down(app_config, caplog):
    """... and its fallback."""
    limit = GUESS_LIMIT
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    with two_servers({**app_config, **limit}, dead) as (apps, _):
        client = apps[0].test_client()
        assert [client.get(f"/r/guess-{n}").status_code for n in range(4)] == [404, 404, 404, 429]
    assert "rate-limit storage unreachable (ConnectionError)" in caplog.text


def test_a_redis_that_never_answers_delays_a_sign_in_by_about_a_second(app_config, caplog):
    """A server that accepts the connection and then says nothing (a hung Redis)."""
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    stop = threading.Event()

    def accept_and_stay_silent():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:  # closed at the end of the test
                return

    threading.Thread(target=accept_and_stay_silent, daemon=True).start()
    try:
        with two_servers(app_config, f"redis://127.0.0.1:{listener.getsockname()[1]}/0") as (apps, email):
            client = apps[0].test_client()
            started = time.monotonic()
            assert sign_in(client, email, password="wrong password").status_code == 422
            # Not forever: the first call gives up after a second, and the process then counts on
            # its own for a while instead of waiting on Redis again for every call.
            assert time.monotonic() - started < 3
        assert "rate-limit storage unreachable (TimeoutError)" in caplog.text
    finally:
        stop.set()
        for conn in held:
            conn.close()
        listener.close()
