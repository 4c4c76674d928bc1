"""A PostgreSQL restart in the middle of an RSVP rush: guests caught by it are asked to try again
(503: nothing saved, or, when the connection broke during the COMMIT itself, "couldn't confirm"),
nobody sees a 500, no RSVP is half saved, and trying again works without doubling anyone."""

import threading
import time

import pytest
import sqlalchemy as sa

from crowd import Guest, together
from eventsite.extensions import db
from eventsite.models import OutboxMessage, Rsvp, RsvpStatus
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
    for i in caught:
        reply = replies[i][1]
        text = page_text(reply.body)
        if "couldn't confirm whether this was saved" in text:
            unknown.append(i)
        else:
            assert "Please try again in a moment. Nothing was saved" in text
        assert f"quote this reference: {reply.headers['X-Request-Id']}" in text
        assert "Traceback" not in reply.body
    counts, mails = saved(app, event_id)
    # Every 302 saved; a 503 saved nothing, unless the connection broke during its COMMIT.
    assert statuses.count(302) <= sum(counts.values()) <= statuses.count(302) + len(unknown)
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
