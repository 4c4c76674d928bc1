"""Series of events (issue 17): the society's "Resident Networking Events" visiting one city after
another; organizers may run several. Every event belongs to one; "Next in series" keeps it there,
and the public home page groups upcoming events by series and city."""

import datetime as dt

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, EventStatus, Series, utcnow
from eventsite.services import DomainError, ErrorCode

DEFAULT_NAME = "Resident Networking Events"


def all_series() -> list[Series]:
    return list(db.session.scalars(sa.select(Series).order_by(Series.id)))


def default_series() -> Series:
    """The first series; made (with the society's name for its evenings) on a site without one."""
    first = db.session.scalar(sa.select(Series).order_by(Series.id).limit(1))
    if first is None:
        first = Series(name=DEFAULT_NAME, slug="resident-networking-events", description="")
        db.session.add(first)
        db.session.flush()
    return first


def _slug(name: str) -> str:
    from eventsite.services.events import slugify  # lazy: events imports this module (create_event)

    return slugify(name)[:120]


def save(name: str, description: str = "", series: Series | None = None, extra_cities: str = "") -> Series:
    """Add a series, or rename and describe one; ``extra_cities``: one per line, cities guests
    may ask alerts for before the series has been there. Raises ``bad_label`` (field name) for
    an empty name and ``name_taken`` (field name) for one in use."""
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise DomainError("Give the series a name (up to 120 characters).", ErrorCode.BAD_LABEL, "name")
    clash = db.session.scalar(sa.select(Series.id).where(sa.func.lower(Series.name) == name.lower()))
    if clash is not None and (series is None or clash != series.id):
        raise DomainError("Another series already has this name.", ErrorCode.NAME_TAKEN, "name")
    if series is None:
        slug, n = _slug(name) or "series", 2
        while db.session.scalar(sa.select(Series.id).where(Series.slug == slug)) is not None:
            slug, n = f"{_slug(name)}-{n}", n + 1
        series = Series(name=name, slug=slug)
        db.session.add(series)
    series.name, series.description = name, (description or "").strip()[:1000]
    cities_given = [" ".join(line.split())[:100] for line in (extra_cities or "").splitlines()]
    series.extra_cities = list(dict.fromkeys(c for c in cities_given if c))[:50]
    db.session.flush()
    return series


def check(series_id: int | None) -> int:
    """The id of an existing series (the default one for None). Raises ``not_found`` (field series_id)."""
    if series_id is None:
        return default_series().id
    if db.session.get(Series, series_id) is None:
        raise DomainError("Choose one of the series.", ErrorCode.NOT_FOUND, "series_id")
    return series_id


def grouped(events: list[Event]) -> list[tuple[Series, list[tuple[str, list[Event]]]]]:
    """Events by series (in the series' order) and, within one, by city (in order of the first
    event there), keeping the events' own order."""
    out: dict[int, tuple[Series, dict[str, list[Event]]]] = {}
    for event in events:
        _, cities = out.setdefault(event.series_id, (event.series, {}))
        cities.setdefault(event.city, []).append(event)
    return [(s, list(cities.items())) for s, cities in sorted(out.values(), key=lambda item: item[0].id)]


def latest_event(series_id: int, *, other_than: int | None = None) -> Event | None:
    """The series' most recent event (by start): what a new event of the series starts from."""
    return db.session.scalar(
        sa.select(Event)
        .where(Event.series_id == series_id, Event.id != (other_than or 0))
        .order_by(Event.starts_at.desc())
        .limit(1)
    )


def by_slug(slug: str) -> Series | None:
    return db.session.scalar(sa.select(Series).where(Series.slug == slug))


#: Events that ended longer ago than this leave the feed.
FEED_PAST = dt.timedelta(days=365)


def feed_events(row: Series, city_slug: str | None = None, *, now: dt.datetime | None = None) -> list[Event]:
    """The series' listed events a calendar subscription carries: published ones, and cancelled
    ones (so subscribed calendars mark them), from a year back on; ``city_slug``: one city's."""
    now = now or utcnow()
    found = db.session.scalars(
        sa.select(Event)
        .where(
            Event.series_id == row.id,
            Event.listed.is_(True),
            Event.status.in_((EventStatus.PUBLISHED, EventStatus.CANCELLED)),
            Event.ends_at > now - FEED_PAST,
        )
        .order_by(Event.starts_at)
    ).all()
    return [e for e in found if city_slug is None or _slug(e.city) == city_slug]


def cities(row: Series) -> list[tuple[str, str]]:
    """(city, its slug in feed URLs) for every city the series has visited, and those its
    organizers added for alerts, by name."""
    names = db.session.scalars(sa.select(Event.city).where(Event.series_id == row.id).distinct()).all()
    return sorted({(name, _slug(name)) for name in [*names, *(row.extra_cities or [])]})
