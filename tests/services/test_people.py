"""People across events, called directly: recognition by e-mail, attended / no-show counts,
search, filters, sorting, the CSV, the guest list's track record, and a constant query count."""

import csv
import datetime as dt
import io

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import CheckIn, CheckInResult, EventStatus, Rsvp, utcnow
from eventsite.services import people, rsvps
from factories import make_event, make_rsvp
from seeding import seed_guests


def admit(rsvp, *, undone: bool = False) -> None:
    db.session.add(
        CheckIn(
            event_id=rsvp.event_id,
            rsvp_id=rsvp.id,
            result=CheckInResult.ADMITTED,
            undone_at=utcnow() if undone else None,
        )
    )
    db.session.flush()


def past_event(days_ago: float, **kw):
    return make_event(days_ahead=-days_ago, capacity=kw.pop("capacity", 50), **kw)


def rsvp_to(event, **kw):
    """An RSVP made while the event was still open (a week before it)."""
    return make_rsvp(event, now=event.starts_at - dt.timedelta(days=7), **kw)


def series():
    """Three people over four events (two past, one past but cancelled, one ahead)."""
    spring, summer, rained_out, autumn = past_event(90), past_event(30), past_event(60), make_event(days_ahead=20)
    maria = dict(first_name="Maria", last_name="Lopez", institution="Harbor-UCLA")
    admit(rsvp_to(spring, email="Maria.Lopez@Example.org", **maria))
    rsvp_to(summer, email="maria.lopez@EXAMPLE.org", **maria)  # confirmed, never came: a no-show
    rsvp_to(autumn, email="MARIA.LOPEZ@example.ORG", **{**maria, "last_name": "Lopez-Ruiz"})  # ahead: not yet
    dan_spring = rsvp_to(spring, email="dan@example.org", first_name="Dan", last_name="Kim")
    rsvps.cancel_rsvp(dan_spring, now=spring.starts_at - dt.timedelta(days=1))  # cancelled: no no-show
    admit(rsvp_to(summer, email="DAN@example.org", first_name="Dan", last_name="Kim"))
    admit(rsvp_to(spring, email="sam@example.org", first_name="Sam", last_name="Lee"), undone=True)  # undone: no-show
    rsvp_to(rained_out, email="sam@example.org", first_name="Sam", last_name="Lee")
    rained_out.status = EventStatus.CANCELLED  # a cancelled evening is nobody's no-show
    db.session.commit()
    return spring, summer, rained_out, autumn


def by_email(page) -> dict:
    return {row.email.casefold(): row for row in page.rows}


def test_a_person_is_recognised_across_events_by_e_mail_in_any_case(app_ctx):
    series()
    page = people.people_page(people.PeopleFilter())
    assert page.total == 3
    rows = by_email(page)
    figures = {key: (r.events, r.attended, r.no_shows) for key, r in rows.items()}
    assert figures == {
        "maria.lopez@example.org": (3, 1, 1),
        "dan@example.org": (2, 1, 0),
        "sam@example.org": (2, 0, 1),
    }
    # Name and program come from the newest RSVP; first seen from the oldest.
    maria = rows["maria.lopez@example.org"]
    assert maria.name == "Maria Lopez-Ruiz" and maria.institution == "Harbor-UCLA"
    first = db.session.scalar(
        sa.select(sa.func.min(Rsvp.created_at)).where(Rsvp.email_key == "maria.lopez@example.org")
    )
    assert maria.first_seen == first


def test_search_filters_and_sort(app_ctx):
    series()
    find = people.PeopleFilter
    assert [r.name for r in people.people_page(find(q="lopez")).rows] == ["Maria Lopez-Ruiz"]
    # A name used only at an older event still finds the person.
    assert [r.name for r in people.people_page(find(q="maria lopez harbor")).rows] == ["Maria Lopez-Ruiz"]
    assert [r.name for r in people.people_page(find(q="DAN@")).rows] == ["Dan Kim"]
    assert people.people_page(find(q="nobody")).total == 0
    assert {r.name for r in people.people_page(find(show="no_shows")).rows} == {"Maria Lopez-Ruiz", "Sam Lee"}
    assert [r.name for r in people.people_page(find(show="never_attended")).rows] == ["Sam Lee"]
    assert people.people_page(find(show="returning")).total == 0  # nobody attended twice
    assert [r.name for r in people.people_page(find()).rows] == ["Dan Kim", "Sam Lee", "Maria Lopez-Ruiz"]
    assert [r.name for r in people.people_page(find(sort="events", descending=True)).rows][0] == "Maria Lopez-Ruiz"
    by_first_seen = [r.name for r in people.people_page(find(sort="first_seen")).rows]
    assert by_first_seen[-1] == "Sam Lee"  # Sam's first RSVP (spring) was made last in the test


def test_filter_from_untrusted_arguments():
    f = people.PeopleFilter.from_args({"q": "  a   b ", "show": "evil", "sort": "drop table", "page": "-3", "dir": "x"})
    assert f == people.PeopleFilter(q="a b")
    assert people.PeopleFilter.from_args({"page": "zz"}).page == 1
    f = people.PeopleFilter(q="x", show="no_shows", sort="events", descending=True, page=3)
    assert people.PeopleFilter.from_args({k: str(v) for k, v in f.args().items()}) == f


def test_person_lists_every_event_newest_first(app_ctx):
    spring, summer, rained_out, autumn = series()
    newest = db.session.scalar(sa.select(sa.func.max(Rsvp.id)).where(Rsvp.email_key == "maria.lopez@example.org"))
    person = people.person(newest)
    assert [a.event.id for a in person.attendances] == [autumn.id, summer.id, spring.id]
    assert [(bool(a.checked_in_at), a.is_no_show) for a in person.attendances] == [
        (False, False),
        (False, True),
        (True, False),
    ]
    assert (person.events, person.attended, person.no_shows) == (3, 1, 1)
    assert people.person(10**12) is None


def test_csv_parses_back_with_every_person_and_formula_text_neutralised(app_ctx):
    series()
    event = make_event()
    make_rsvp(event, first_name="=HYPERLINK(\"http://x\")", last_name="Evil", email="evil@example.org",
              institution="+SUM(A1)")  # fmt: skip
    db.session.commit()
    text = "".join(people.people_csv(people.PeopleFilter(), batch=2))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["E-mail"].casefold() for r in rows] == [
        "evil@example.org",
        "dan@example.org",
        "sam@example.org",
        "maria.lopez@example.org",
    ]
    maria = rows[-1]
    assert (maria["Events RSVPed"], maria["Attended"], maria["No-shows"]) == ("3", "1", "1")
    assert maria["Training level"] == "PGY-2"
    assert dt.datetime.fromisoformat(maria["First seen (UTC)"]).utcoffset() == dt.timedelta(0)
    assert rows[0]["Name"] == '\'=HYPERLINK("http://x") Evil' and rows[0]["Program"] == "'+SUM(A1)"


def test_guest_list_track_marks_returning_guests_and_past_no_shows(app_ctx):
    spring, summer, rained_out, autumn = series()
    new = rsvp_to(autumn, email="new@example.org")
    dan = rsvp_to(autumn, email="Dan@Example.org")
    sam = rsvp_to(autumn, email="sam@example.org")
    db.session.commit()
    ids = db.session.scalars(sa.select(Rsvp.id).where(Rsvp.event_id == autumn.id)).all()
    tracks = people.guest_tracks(autumn, list(ids))
    maria = db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == autumn.id, Rsvp.first_name == "Maria"))
    assert tracks[maria.id] == people.Track(attended_before=1, past_no_shows=1) and tracks[maria.id].is_returning
    assert tracks[dan.id] == people.Track(attended_before=1, past_no_shows=0)
    assert tracks[sam.id] == people.Track(attended_before=0, past_no_shows=1) and not tracks[sam.id].is_returning
    assert new.id not in tracks  # first event, no record
    # Looking back from the summer event, spring is earlier and autumn is not.
    summer_ids = list(db.session.scalars(sa.select(Rsvp.id).where(Rsvp.event_id == summer.id)))
    summer_tracks = people.guest_tracks(summer, summer_ids)
    assert sorted((t.attended_before, t.past_no_shows) for t in summer_tracks.values()) == [(0, 0), (1, 0)]


def bulk_people(n: int) -> None:
    """``n`` people, each with an RSVP to two past events (one checked in)."""
    first, second = past_event(40, capacity=None), past_event(20, capacity=None)
    for event, check_in_every in ((first, 1), (second, None)):
        seed_guests(
            event.id, n, first_name="P{i:04d}", email="p{i}@example.org", institution="UCLA", training_level="pgy1",
            check_in_every=check_in_every,
        )  # fmt: skip
    db.session.commit()


def count_statements(fn) -> tuple[int, object]:
    statements = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        result = fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    return len(statements), result


def test_people_page_takes_the_same_queries_for_5_or_495_people(app_ctx):
    bulk_people(5)
    n_small, small = count_statements(lambda: people.people_page(people.PeopleFilter(sort="attended")))
    bulk_people(495)
    n_large, large = count_statements(lambda: people.people_page(people.PeopleFilter(sort="attended")))
    assert n_small == n_large <= 3  # (BEGIN,) count, rows
    assert (small.total, large.total, len(large.rows)) == (5, 495, 50)
    # p0…p4 went to all four events; the page sorted by attended starts with the 1-event-attended.
    assert {(r.events, r.attended, r.no_shows) for r in large.rows} == {(2, 1, 1)}
    top = people.people_page(people.PeopleFilter(sort="attended", descending=True)).rows[:5]
    assert {(r.name, r.events, r.attended, r.no_shows) for r in top} == {(f"P{i:04d} Bulk", 4, 2, 2) for i in range(5)}


def test_feedback_given_counts_the_events_a_person_answered(app_ctx):
    from eventsite.models import FeedbackReceipt

    spring, summer, *_ = series()
    maria_spring = db.session.scalar(
        sa.select(Rsvp).where(Rsvp.event_id == spring.id, Rsvp.email_key == "maria.lopez@example.org")
    )
    db.session.add(FeedbackReceipt(event_id=spring.id, rsvp_id=maria_spring.id, answered_at=utcnow()))
    db.session.commit()
    rows = by_email(people.people_page(people.PeopleFilter(sort="feedback_given", descending=True)))
    assert {k: r.feedback_given for k, r in rows.items()} == {
        "maria.lopez@example.org": 1,
        "dan@example.org": 0,
        "sam@example.org": 0,
    }
    maria = people.person(maria_spring.id)
    assert maria.feedback_given == 1
    assert [a.event.id for a in maria.attendances if a.feedback_at] == [spring.id]
    header, *lines = list(csv.reader(io.StringIO("".join(people.people_csv(people.PeopleFilter())).lstrip("\ufeff"))))
    assert "Feedback given" in header
