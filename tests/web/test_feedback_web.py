"""Feedback pages: the guest's form (no JavaScript), the poster's start page, the organizer's editor,
results, CSV, poster PDF and series view, and a results page whose query count stays constant."""

import csv
import datetime as dt
import io
import re

import sqlalchemy as sa

from eventsite.admin.feedback import CHARTS
from eventsite.extensions import db
from eventsite.models import FeedbackInvitation, FeedbackReceipt, FeedbackResponse, OutboxMessage, Rsvp, utcnow
from eventsite.services import checkin, feedback
from factories import make_event, make_rsvp
from helpers import (
    csrf_token,
    db_session,
    decode_qr,
    field_box,
    form_values,
    page_text,
    pdf_pages,
    pdf_text,
    post_form,
)

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def evening(app, *, guests: int = 2, checked_in: int | None = None, hours_ago: float = 3, city: str = "Chicago"):
    """A past event with confirmed guests (all checked in unless told); returns (event id, slug,
    [(rsvp id, manage token, ticket code, personal feedback token)])."""
    with db_session(app):
        event = make_event(starts_at=utcnow() - (hours_ago + 1.5) * H, capacity=None, city=city)
        form = feedback.get_form(event)
        out = []
        for i in range(guests):
            rsvp = make_rsvp(event, email=f"g{i}.{event.id}@example.org", now=event.starts_at - 7 * DAY)
            if i < (guests if checked_in is None else checked_in):
                checkin.check_in(event, rsvp.ticket_code, now=event.starts_at + H)
            invitation = feedback.invitation_for(rsvp, form)
            out.append((rsvp.id, rsvp.manage_token, rsvp.ticket_code, invitation.token))
        return event.id, event.slug, out


def question_names(app, event_id: int) -> dict[str, str]:
    with app.app_context():
        from eventsite.models import Event

        form = feedback.get_form(db.session.get(Event, event_id))
        return {q.key: feedback.field_name(q) for q in form.questions}


def answer(app, client, event_id: int, token: str, *, page: str | None = None, **by_key):
    names = question_names(app, event_id)
    data = {names[k]: v for k, v in by_key.items()}
    return post_form(client, f"/f/{token}", data, page=page)


def test_the_personal_link_shows_the_form_and_saves_once(app, client):
    event_id, _slug, [(rsvp_id, *_rest, token)] = evening(app, guests=1)
    page = client.get(f"/f/{token}")
    assert page.status_code == 200
    text = page_text(page.get_data(as_text=True))
    assert "Tell us how it went" in text
    assert "How can the society better support residents?" in text
    assert "Meeting peers" in text and "Vendors' technology" in text

    done = answer(app, client, event_id, token, overall="4", recommend="9", most_useful="Meeting faculty")
    assert done.status_code == 302 and done.headers["Location"].endswith("?thanks=1")
    assert "Your answers were saved" in page_text(client.get(done.headers["Location"]).get_data(as_text=True))

    # The same form again, e.g. from a second tab opened before the first was sent.
    names = question_names(app, event_id)
    stale_page = page.get_data(as_text=True)
    again = client.post(
        f"/f/{token}", data={"csrf_token": csrf_token(stale_page), names["overall"]: "1", names["recommend"]: "0"}
    )
    assert again.status_code == 200
    assert "Thank you, we already received your answers." in page_text(again.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)) == 1
        assert db.session.scalar(sa.select(FeedbackReceipt.rsvp_id)) == rsvp_id


def test_a_validation_error_keeps_the_answers_and_sits_next_to_its_question(app, client):
    event_id, _slug, [(*_rest, token)] = evening(app, guests=1)
    names = question_names(app, event_id)
    html = client.get(f"/f/{token}").get_data(as_text=True)
    response = client.post(
        f"/f/{token}",
        data={
            "csrf_token": csrf_token(html),
            names["overall"]: "4",
            names["most_useful"]: "Food and venue",
            names["support"]: "Mentoring on fellowship applications",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please answer this question." in field_box(html, names["recommend"])
    assert "Please answer this question." not in field_box(html, names["overall"])
    assert re.search(rf'name="{names["overall"]}" value="4" checked', html)
    assert re.search(rf'name="{names["most_useful"]}" value="Food and venue" checked', html)
    assert form_values(html)[names["support"]] == "Mentoring on fellowship applications"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackReceipt)) == 0


def test_outside_its_window_the_form_says_it_is_closed(app, client):
    event_id, _slug, [(_id, manage_token, _code, token)] = evening(app, guests=1, hours_ago=15 * 24)
    text = page_text(client.get(f"/f/{token}").get_data(as_text=True))
    assert "Feedback is closed" in text
    assert "Send my answers" not in text
    # A form kept open in a tab since before the close (the token from any page of the session).
    refused = answer(app, client, event_id, token, overall="5", recommend="10", page=f"/r/{manage_token}")
    assert refused.status_code == 409
    assert "closed" in page_text(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)) == 0


def test_an_unknown_link_is_a_404(client):
    assert client.get("/f/not-a-real-token").status_code == 404


def test_the_manage_page_leads_to_the_form_after_the_event(app, client):
    _event_id, _slug, [(_id, manage_token, *_rest)] = evening(app, guests=1)
    html = client.get(f"/r/{manage_token}").get_data(as_text=True)
    assert "Give feedback" in page_text(html)
    assert f"/r/{manage_token}/feedback" in html
    assert "Tell us how it went" in page_text(client.get(f"/r/{manage_token}/feedback").get_data(as_text=True))

    with db_session(app):
        upcoming = make_event(days_ahead=10)
        token = make_rsvp(upcoming).manage_token
    assert "Give feedback" not in page_text(client.get(f"/r/{token}").get_data(as_text=True))


def test_the_poster_page_opens_the_form_by_badge_code_or_mails_the_link(app, client, live_server):
    event_id, slug, [(rsvp_id, _m, ticket_code, _t), (other_id, *_)] = evening(app, guests=2)
    url = f"/e/{slug}/feedback"
    page = client.get(url)
    assert page.status_code == 200 and "With your badge" in page_text(page.get_data(as_text=True))

    wrong = post_form(client, url, {"which": "badge", "code": "abcdefghjkmnpqrstuvwxyz234567892"})
    assert wrong.status_code == 422
    assert "We don't know this badge code" in field_box(wrong.get_data(as_text=True), "code")

    badge_url = f"{live_server}/b/{ticket_code}"  # what the badge's QR opens, pasted
    found = post_form(client, url, {"which": "badge", "code": badge_url})
    assert found.status_code == 302
    with app.app_context():
        token = db.session.scalar(sa.select(FeedbackInvitation.token).where(FeedbackInvitation.rsvp_id == rsvp_id))
    assert found.headers["Location"] == f"/f/{token}"

    with app.app_context():
        other_email = db.session.get(Rsvp, other_id).email
    for address in (other_email, "stranger@example.org"):
        sent = post_form(client, url, {"which": "email", "email": address}, follow_redirects=True)
        assert "your personal link is on its way" in page_text(sent.get_data(as_text=True))
    with app.app_context():
        mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "feedback_link")).all()
        assert [m.to_address for m in mails] == [other_email]
        assert "/f/" in mails[0].body_text


def test_organizer_sees_results_with_charts_and_downloads_the_csv(app, admin):
    event_id, _slug, guests = evening(app, guests=3)
    for (*_ids, token), (overall, recommend) in zip(guests, [("5", "10"), ("4", "8"), ("2", "3")], strict=True):
        reply = answer(app, admin, event_id, token, overall=overall, recommend=recommend, most_useful="Meeting peers")
        assert reply.status_code == 302
    html = admin.get(f"/admin/events/{event_id}/feedback").get_data(as_text=True)
    text = page_text(html)
    assert "3 answered 0 invited by e-mail 3 checked in 100% response rate" in text
    assert "3.7 average of 5" in text  # (5 + 4 + 2) / 3
    assert "+0 NPS" in text  # one promoter, one passive, one detractor
    assert "1 promoters (9–10) 1 passives (7–8) 1 detractors (0–6)" in text
    assert html.count("<svg") == 3  # rating, recommend, most useful
    assert "As a table Meeting peers 3 Meeting faculty 0" in text

    body = admin.get(f"/admin/events/{event_id}/feedback.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert sorted(r["Overall, how was the evening?"] for r in rows) == ["2", "4", "5"]

    overview = admin.get(f"/admin/events/{event_id}").get_data(as_text=True)
    assert f"/admin/events/{event_id}/feedback" in overview


def test_organizer_edits_the_form(app, admin):
    event_id, *_ = evening(app, guests=0)
    editor = f"/admin/events/{event_id}/feedback/form"
    assert admin.get(editor).status_code == 200
    added = post_form(
        admin,
        f"/admin/events/{event_id}/feedback/questions",
        {
            "new-kind": "multiple",
            "new-prompt": "What should we add?",
            "new-choices": "Talks\nGames\n",
            "new-required": "y",
        },
        page=editor,
    )
    assert added.status_code == 302
    too_few = post_form(
        admin,
        f"/admin/events/{event_id}/feedback/questions",
        {"new-kind": "single", "new-prompt": "Pick one", "new-choices": "Only"},
        page=editor,
    )
    assert too_few.status_code == 422
    assert "at least two options" in field_box(too_few.get_data(as_text=True), "new-choices")

    with app.app_context():
        from eventsite.models import Event

        form = feedback.get_form(db.session.get(Event, event_id))
        last = form.questions[-1]
        assert (last.prompt, last.choices, last.required) == ("What should we add?", ["Talks", "Games"], True)
        last_id, first_id = last.id, form.questions[0].id
    assert (
        post_form(
            admin, f"/admin/events/{event_id}/feedback/questions/{last_id}/move", {"direction": "up"}, page=editor
        ).status_code
        == 302
    )
    assert (
        post_form(admin, f"/admin/events/{event_id}/feedback/questions/{first_id}/delete", {}, page=editor).status_code
        == 302
    )
    saved = post_form(
        admin,
        editor,
        {"intro": "Thanks!", "is_anonymous": "y", "local_opens": "", "local_closes": "", "invitations_enabled": "y",
         "invite_delay_hours": "0", "audience": "confirmed", "reminder_after_days": "5"},
    )  # fmt: skip
    assert saved.status_code == 302
    with app.app_context():
        form = feedback.get_form(db.session.get(Event, event_id))
        assert [q.key for q in form.questions][-2:] == ["what_should_we_add", "anything_else"]
        assert "overall" not in [q.key for q in form.questions]
        assert (form.is_anonymous, form.invite_delay_hours, form.audience.value) == (True, 0, "confirmed")
        assert (form.reminder_enabled, form.reminder_after_days, form.intro) == (False, 5, "Thanks!")


def test_the_poster_pdf_has_the_title_and_a_qr_to_the_start_page(app, admin):
    event_id, slug, _ = evening(app, guests=0)
    response = admin.get(f"/admin/events/{event_id}/feedback/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.get_data()
    assert "Tell us how it went" in pdf_text(pdf)[0]
    codes = decode_qr(pdf_pages(pdf, dpi=100)[0])
    assert [c.text for c in codes] == [f"{app.config['BASE_URL']}/e/{slug}/feedback"]


def test_the_series_view_lines_up_the_overall_rating_per_city(app, admin):
    for city, scores in (("Boston", ["5", "5"]), ("Chicago", ["3", "2"])):
        event_id, _slug, guests = evening(app, guests=2, city=city, hours_ago=3 if city == "Chicago" else 24 * 5)
        for (*_ids, token), s in zip(guests, scores, strict=True):
            answer(app, admin, event_id, token, overall=s, recommend="9")
    text = page_text(admin.get("/admin/feedback/series").get_data(as_text=True))
    assert re.search(r"Chicago 2 2\.5 \+100", text)
    assert re.search(r"Boston 2 5\.0 \+100", text)


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        self.count = 0
        sa.event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._note)

    def _note(self, *args):
        self.count += 1


def test_the_results_page_runs_the_same_number_of_queries_for_3_or_30_answers(app, admin):
    counts = []
    for n in (3, 30):
        event_id, _slug, guests = evening(app, guests=n)
        with db_session(app):
            for i, (rsvp_id, *_rest) in enumerate(guests):
                rsvp = db.session.get(Rsvp, rsvp_id)
                data = {feedback.field_name(q): [v] for q, v in zip(
                    feedback.get_form(rsvp.event).questions, [str(1 + i % 5), str(i % 11), "Meeting peers", f"idea {i}"],
                    strict=False)}  # fmt: skip
                feedback.submit_feedback(rsvp, data)
        with app.app_context():
            engine = db.engine
        admin.get(f"/admin/events/{event_id}/feedback")  # warm
        with QueryCounter(engine) as counter:
            assert admin.get(f"/admin/events/{event_id}/feedback").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_the_poster_page_says_when_the_form_is_closed(app, client):
    _event_id, slug, _ = evening(app, guests=1, hours_ago=15 * 24)
    text = page_text(client.get(f"/e/{slug}/feedback").get_data(as_text=True))
    assert "Feedback for this evening closed on" in text
    assert "E-mail me my link" not in text


def test_a_window_that_closes_before_it_opens_is_refused_next_to_closes(app, admin):
    event_id, *_ = evening(app, guests=0)
    editor = f"/admin/events/{event_id}/feedback/form"
    refused = post_form(
        admin,
        editor,
        {"intro": "Kept", "local_opens": "2031-05-02T10:00", "local_closes": "2031-05-01T10:00",
         "invite_delay_hours": "2", "audience": "confirmed", "reminder_after_days": "3"},
    )  # fmt: skip
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "must close after it opens" in field_box(page, "local_closes")
    assert "Kept" in page  # what was typed stays
    with app.app_context():
        from eventsite.models import Event

        assert feedback.get_form(db.session.get(Event, event_id)).intro != "Kept"


def test_every_question_type_names_an_input_a_results_block_and_a_chart_that_exist(app):
    inputs = app.jinja_env.get_template("public/_feedback_inputs.html").module
    results = app.jinja_env.get_template("admin/_feedback_results.html").module
    for kind in feedback.KINDS.values():
        assert callable(getattr(inputs, kind.input_macro, None)), kind
        assert callable(getattr(results, kind.results_macro, None)), kind
        assert kind.chart is None or kind.chart in CHARTS, kind
