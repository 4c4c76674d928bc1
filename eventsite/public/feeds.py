"""Calendars anyone may subscribe to or download (issue 17): a series' feed and each city's
(``webcal://…/series/<slug>.ics``), and one event's file before RSVPing."""

from flask import Response, abort, request

from eventsite.public.blueprint import bp
from eventsite.public.views import load_event
from eventsite.services import calendar, links, series

#: Calendar apps poll a feed every few hours; a shared cache may keep it one hour.
FEED_MAX_AGE = 3600


def _calendar(body: bytes, filename: str, *, inline: bool) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response.headers["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    return response


@bp.get("/series/<series_slug>.ics")
@bp.get("/series/<series_slug>/<city>.ics")
def series_feed(series_slug: str, city: str | None = None):
    row = series.by_slug(series_slug)
    place = None
    if row is not None and city is not None:
        place = next((name for name, s in series.cities(row) if s == city), None)
    if row is None or (city is not None and place is None):
        abort(404)
    body = calendar.feed_ics(
        series.feed_events(row, city), name=f"{row.name}{f' · {place}' if place else ''}",
        url_of=links.event_url, base_url=links.base_url(),
    )  # fmt: skip
    return _calendar(body, f"{series_slug}{f'-{city}' if city else ''}.ics", inline=True)


@bp.get("/e/<slug>/event.ics")
def public_event_ics(slug: str):
    event = load_event(slug)
    body = calendar.event_ics(event, url=links.event_url(event), base_url=links.base_url())
    return _calendar(body, f"{event.slug}.ics", inline=request.args.get("download") is None)
