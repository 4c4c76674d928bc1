"""A PostgreSQL restart in the middle of an RSVP rush: guests caught by it are asked to try again
(503, nothing saved), nobody sees a 500, no RSVP is half saved, and trying again works."""

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
    for i in caught:
        reply = replies[i][1]
        text = page_text(reply.body)
        assert "Please try again in a moment. Nothing was saved" in text
        assert f"quote this reference: {reply.headers['X-Request-Id']}" in text
        assert "Traceback" not in reply.body
    counts, mails = saved(app, event_id)
    assert sum(counts.values()) == statuses.count(302)  # every 302 saved, every 503 saved nothing
    assert mails == sum(counts.values())  # each saved RSVP has its e-mail: no half-saved reply

    # The caught guests press "send" again (same page, same token) once the database is back.
    again = [guests[i].request("POST", path, form={**forms[i], "csrf_token": replies[i][0]}) for i in caught]
    assert [r.status for r in again] == [302] * len(caught)
    counts, mails = saved(app, event_id)
    assert counts == {RsvpStatus.CONFIRMED: 20, RsvpStatus.WAITLISTED: 40}
    assert mails == GUESTS
