"""A PostgreSQL restart in the middle of an RSVP rush: guests caught by it are asked to try again
(503: nothing saved, or, when the connection broke during the COMMIT itself, "couldn't confirm"),
nobody sees a 500, no RSVP is half saved, and trying again works without doubling anyone."""

import threading
import time

import pytest
import sqlalchemy as sa

from crowd import Guest, together
from eventsite.extensions import db
from eventsite.models import Event, OutboxMessage, Rsvp, RsvpStatus
from factories import guest_fields, make_event
from helpers import db_session, page_text

pytestmark = pytest.mark.slow

GUESTS = 60
SPACING = 0.05  # seconds between guests' POSTs: the rush lasts 3 s
RESTART_AFTER = 0.6  # seconds into the rush


def saved(app, event_id: int) -> tuple[dict, int]:
    """(status → RSVPs, outbox messages for them) for the event."""
    with app.app_context():
        counts = dict(
            db.session.execute(
                sa.select(Rsvp.status, sa.func.count()).where(Rsvp.event_id == event_id).group_by(Rsvp.status)
            ).all()
        )
        mails = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).join(Rsvp).where(Rsvp.event_id == event_id)
        )
        db.session.remove()
    return counts, mails


@pytest.mark.postgres_only  # restarts the throwaway PostgreSQL server
def test_a_database_restart_mid_rush_asks_the_caught_guests_to_try_again(backend, app, live_server):
    with db_session(app):
        event = make_event(capacity=20, waitlist_enabled=True)
        db.session.flush()
        event_id, path = event.id, f"/e/{event.slug}"
    guests = [Guest(live_server) for _ in range(GUESTS)]
    forms = [guest_fields(email=f"hiccup{i}@example.org", website="") for i in range(GUESTS)]
    rush_started = threading.Event()
    restart_error: list[BaseException] = []

    def restart_mid_rush():
        rush_started.wait(60)
        time.sleep(RESTART_AFTER)
        try:
            backend.server.restart()
        except BaseException as exc:  # reported in the test's thread
            restart_error.append(exc)

    def send(i: int):
        def act(token: str):
            rush_started.set()
            time.sleep(i * SPACING)
            return token, guests[i].request("POST", path, form={**forms[i], "csrf_token": token})

        return (lambda: guests[i].get_token(path)), act

    restarter = threading.Thread(target=restart_mid_rush)
    restarter.start()
    replies = together([send(i) for i in range(GUESTS)])
    restarter.join(90)
    assert not restart_error, restart_error

    statuses = [reply.status for _, reply in replies]
    caught = [i for i, s in enumerate(statuses) if s == 503]
    print(f"\nrestart mid-rush: {statuses.count(302)} saved (302), {len(caught)} asked to try again (503)")
    assert set(statuses) <= {302, 503}, f"unexpected statuses: {sorted(set(statuses))}"
    assert caught, "the restart caught no request; the test did not exercise a hiccup"
    unknown = []  # caught during the COMMIT itself: the server may have committed before the reply was lost
    went = []  # caught after their COMMIT: saved
    for i in caught:
        reply = replies[i][1]
        text = page_text(reply.body)
        if "couldn't confirm whether this was saved" in text:
            unknown.append(i)
        elif "What you sent was saved" in text:  # the connection broke after its COMMIT
            went.append(i)
        else:
            assert "Please try again in a moment. Nothing was saved" in text
        assert f"quote this reference: {reply.headers['X-Request-Id']}" in text
        assert "Traceback" not in reply.body
    counts, mails = saved(app, event_id)
    # Every 302 saved, and every 503 saying so; another 503 saved nothing, unless the connection
    # broke during its COMMIT.
    assert statuses.count(302) + len(went) <= sum(counts.values()) <= statuses.count(302) + len(went) + len(unknown)
    assert mails == sum(counts.values())  # each saved RSVP has its e-mail: no half-saved reply
    went_through = sum(counts.values()) - statuses.count(302)

    # The caught guests press "send" again (same page, same token) once the database is back;
    # one whose RSVP did go through gets their link again, never a second RSVP.
    again = [guests[i].request("POST", path, form={**forms[i], "csrf_token": replies[i][0]}) for i in caught]
    assert [r.status for r in again] == [302] * len(caught)
    counts, mails = saved(app, event_id)
    assert counts == {RsvpStatus.CONFIRMED: 20, RsvpStatus.WAITLISTED: 40}
    assert mails == GUESTS + went_through


def test_a_connection_lost_during_the_commit_says_it_could_not_confirm(app, client, monkeypatch):
    """PostgreSQL may have committed before the reply was lost: the page must not say nothing was
    saved. SQLite commits in this process, so its failed COMMIT did save nothing."""
    from eventsite.web import db as web_db
    from helpers import post_form

    with db_session(app):
        slug = make_event().slug

    real, commits = web_db.session.commit, []

    def lost(*args, **kwargs):  # the first COMMIT only ends the reads (database.write_after_read)
        commits.append(1)
        if len(commits) == 1:
            return real()
        raise sa.exc.OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    form = guest_fields(email="lost@example.org", website="")
    client.get(f"/e/{slug}")
    monkeypatch.setattr(web_db.session, "commit", lost)
    reply = post_form(client, f"/e/{slug}", form)
    assert reply.status_code == 503
    text = page_text(reply.get_data(as_text=True))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert "Nothing was saved" in text
    else:
        assert "couldn't confirm whether this was saved" in text and "Nothing was saved" not in text


class _LostAfterCommit:
    """Engine hooks: once armed, the COMMIT of ``commits`` counted from there goes through and the
    next statement, or the next ROLLBACK, meets a dead connection (the server restarted in between)."""

    def __init__(self, app, commits: int = 1):
        with app.app_context():
            self.engine = db.engine
        self.armed, self.commits_left, self.failures, self.only = False, commits, [], None
        sa.event.listen(self.engine, "commit", self._commit)
        sa.event.listen(self.engine, "before_cursor_execute", self._statement)
        sa.event.listen(self.engine, "rollback", self._rollback)

    def remove(self):
        for name, fn in (
            ("commit", self._commit),
            ("before_cursor_execute", self._statement),
            ("rollback", self._rollback),
        ):
            sa.event.remove(self.engine, name, fn)

    def _commit(self, _conn):
        if self.armed and self.commits_left:
            self.commits_left -= 1

    def _dead(self, what):
        if self.armed and not self.commits_left and self.only in (None, what):
            self.armed = False  # once: the pool's next connection works
            self.failures.append(what)
            raise sa.exc.OperationalError(what, {}, Exception("server closed the connection unexpectedly"))

    def _statement(self, _conn, _cursor, statement, *_args):
        self._dead(statement)

    def _rollback(self, _conn):
        self._dead("ROLLBACK")


@pytest.fixture()
def lost_after_commit(app):
    hooks = _LostAfterCommit(app)
    yield hooks
    hooks.remove()


def test_an_rsvp_saved_before_the_connection_broke_is_answered_as_saved(app, client, lost_after_commit):
    """The RSVP's COMMIT went through and the connection died just after: the guest must get the
    usual "check your inbox" answer, never "Nothing was saved" (which would make them doubt it)."""
    from helpers import csrf_token

    with db_session(app):
        slug = make_event().slug
    token = csrf_token(client.get(f"/e/{slug}").get_data(as_text=True))
    lost_after_commit.commits_left = 2  # the first COMMIT only ends the reads (database.write_after_read)
    lost_after_commit.armed = True
    reply = client.post(f"/e/{slug}", data={**guest_fields(email="saved@example.org", website=""), "csrf_token": token})
    lost_after_commit.armed = False  # the database is back
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/e/{slug}/check-inbox")
    with db_session(app):
        event_id = db.session.scalar(sa.select(Event.id).where(Event.slug == slug))
    counts, mails = saved(app, event_id)
    assert counts == {RsvpStatus.CONFIRMED: 1} and mails == 1


def test_a_change_saved_before_the_connection_broke_says_it_was_saved(app, admin, lost_after_commit):
    """A view that reads again after its COMMIT (here the event, to redirect to it) meets the dead
    connection: the page says the change was saved, not "Nothing was saved"."""
    from helpers import csrf_token
    from tests.web.test_admin_events import edit_data

    with db_session(app):
        event = make_event(title="Before")
        db.session.flush()
        event_id, form = event.id, edit_data(event, title="After")
    page = admin.get(f"/admin/events/{event_id}/edit").get_data(as_text=True)
    lost_after_commit.armed = True
    reply = admin.post(f"/admin/events/{event_id}/edit", data={**form, "csrf_token": csrf_token(page)})
    assert lost_after_commit.failures, "the view never touched the database after its COMMIT"
    assert reply.status_code == 503
    text = page_text(reply.get_data(as_text=True))
    assert "Nothing was saved" not in text
    assert "was saved" in text and "reload" in text.lower()
    with db_session(app):
        assert db.session.get(Event, event_id).title == "After"


def test_a_connection_dead_by_the_end_of_a_page_does_not_turn_it_into_an_error(app, client, lost_after_commit):
    """The page was rendered; closing its read transaction hits the restarted server. The guest
    still gets the page (a failed ROLLBACK of a read loses nothing), and the next request works."""
    with db_session(app):
        slug = make_event(title="Still here").slug
    lost_after_commit.commits_left, lost_after_commit.only = 0, "ROLLBACK"
    lost_after_commit.armed = True
    reply = client.get(f"/e/{slug}")
    assert reply.status_code == 200 and "Still here" in page_text(reply.get_data(as_text=True))
    assert lost_after_commit.failures == ["ROLLBACK"]
    assert client.get(f"/e/{slug}").status_code == 200
