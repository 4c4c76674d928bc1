"""City alerts (issue 17): double opt-in, one e-mail per subscriber when an event in their city is
published (never twice), a one-click unsubscribe that works without a form token, suppression of
addresses that bounce, and rate-limited sign-ups."""

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CityAlert, Event, EventStatus, OutboxMessage, OutboxStatus
from eventsite.services import alerts, events
from factories import make_event
from helpers import db_session, outbox_token, page_text, post_form


def text(response) -> str:
    return page_text(response.get_data(as_text=True))


def sent(kind: str = "city_alert") -> list[OutboxMessage]:
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def visited(app):
    """A series that has been to Boston and Chicago; returns (series id, a Chicago draft's id)."""
    with db_session(app):
        make_event(city="Boston")
        chicago = make_event(city="Chicago")
        draft = make_event(city="Chicago", title="Chicago, spring", status=EventStatus.DRAFT, days_ahead=90)
        chicago.status = EventStatus.CANCELLED  # the old one: nothing to announce
        return chicago.series_id, draft.id


def subscribe(client, series_id: int, address: str, *cities: str):
    return post_form(client, f"/alerts/{series_id}", {"email": address, "cities": list(cities)}, page="/")


def test_a_confirmed_subscriber_gets_one_alert_when_their_city_gets_an_event(app, client):
    series_id, draft_id = visited(app)
    home = text(client.get("/"))
    assert "Tell me when there's an event near me" in home and "Chicago" in home
    assert subscribe(client, series_id, "maya@ucla.edu", "Chicago").status_code == 302
    assert subscribe(client, series_id, "unconfirmed@ucla.edu", "Chicago").status_code == 302
    assert subscribe(client, series_id, "boston@ucla.edu", "Boston").status_code == 302
    with db_session(app):
        token = outbox_token("/alerts/confirm/", to="maya@ucla.edu")
        boston_token = outbox_token("/alerts/confirm/", to="boston@ucla.edu")
    assert "Confirm your city alerts" in text(client.get(f"/alerts/confirm/{token}"))
    assert "You're subscribed" in text(post_form(client, f"/alerts/confirm/{token}", {}))
    post_form(client, f"/alerts/confirm/{boston_token}", {})
    assert client.get(f"/alerts/confirm/{token}").status_code == 404  # used up
    with db_session(app):
        # Boston's upcoming evening goes to the Boston subscriber; Chicago has nothing yet.
        assert alerts.send_due() == 1 and [m.to_address for m in sent()] == ["boston@ucla.edu"]
        events.publish_event(db.session.get(Event, draft_id))
        assert alerts.send_due() == 1
        assert alerts.send_due() == 0  # never twice
        [alert] = [m for m in sent() if m.to_address != "boston@ucla.edu"]
        assert alert.to_address == "maya@ucla.edu" and "Chicago, spring" in alert.subject
        unsubscribe = alert.headers["List-Unsubscribe"].strip("<>")
        assert alert.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert unsubscribe in alert.body_text and "/e/" in alert.body_text
    path = unsubscribe.split("//", 1)[1].split("/", 1)[1]
    assert "Stop alerts for Chicago?" in text(client.get(f"/{path}"))
    # A mail app's one-click POST carries no form token.
    one_click = client.post(f"/{path}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and "You're unsubscribed" in text(one_click)
    with db_session(app):
        assert db.session.scalar(sa.select(sa.func.count()).where(CityAlert.email_key == "maya@ucla.edu")) == 0
    assert client.get(f"/{path[:-3]}xyz").status_code == 404  # a forged link


def test_an_address_that_bounces_is_suppressed(app, client):
    series_id, draft_id = visited(app)
    subscribe(client, series_id, "gone@ucla.edu", "Chicago")
    with db_session(app):
        alerts.confirm(outbox_token("/alerts/confirm/"))
        events.publish_event(db.session.get(Event, draft_id))
        alerts.send_due()
        [alert] = sent()
        alert.status = OutboxStatus.FAILED
        assert alerts.after_failures([alert.id]) == 1
        assert db.session.scalar(sa.select(CityAlert)).suppressed_at is not None
        later = make_event(city="Chicago", title="Chicago, autumn", days_ahead=200)
        assert later.status == EventStatus.PUBLISHED
        assert alerts.send_due() == 0


def test_signing_up_needs_a_city_and_is_rate_limited_per_address(app, client):
    series_id, _ = visited(app)
    none = subscribe(client, series_id, "someone@ucla.edu")
    assert none.status_code == 422 and "Choose at least one city" in text(none)
    for _ in range(5):
        assert subscribe(client, series_id, "maya@ucla.edu", "Boston").status_code == 302
    held = subscribe(client, series_id, "maya@ucla.edu", "Boston")
    assert held.status_code == 429 and "Too many" in text(held)


def test_organizers_add_cities_the_series_has_not_visited_yet(app, client):
    from eventsite.models import Series
    from eventsite.services import series

    series_id, _ = visited(app)
    with db_session(app):
        row = db.session.get(Series, series_id)
        series.save(row.name, row.description, row, extra_cities="Denver\n  \nDenver\nSeattle")
    home = text(client.get("/"))
    assert "Denver" in home and "Seattle" in home
    assert subscribe(client, series_id, "maya@ucla.edu", "Denver").status_code == 302
    assert subscribe(client, series_id, "maya@ucla.edu", "Atlantis").status_code == 422
