"""Issue 12.9: a form for checked-in guests only is answered by checked-in guests only, whatever
the path: the personal link, the manage page, the poster's badge code or its e-mail form."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import FeedbackAudience, FeedbackReceipt, OutboxMessage, utcnow
from eventsite.services import checkin, feedback
from factories import make_event, make_rsvp
from helpers import csrf_token, db_session, page_text, post_form

H = dt.timedelta(hours=1)


@pytest.fixture()
def evening(app):
    """An evening that ended 3 hours ago: one guest checked in, one confirmed who never came."""
    with db_session(app):
        event = make_event(starts_at=utcnow() - 4.5 * H, capacity=None)
        came = make_rsvp(event, email="came@example.org", now=event.starts_at - 48 * H)
        absent = make_rsvp(event, email="absent@example.org", now=event.starts_at - 48 * H)
        checkin.check_in(event, came.ticket_code, now=event.starts_at + H)
        form = feedback.get_form(event)
        assert form.audience == FeedbackAudience.CHECKED_IN  # the default
        overall, recommend = (next(q for q in form.questions if q.key == k) for k in ("overall", "recommend"))
        return {
            "slug": event.slug,
            "absent_manage": absent.manage_token,
            "absent_code": absent.ticket_code,
            "absent_link": feedback.invitation_for(absent, form).token,
            "came_link": feedback.invitation_for(came, form).token,
            "answers": {feedback.field_name(overall): "4", feedback.field_name(recommend): "9"},
        }


def receipts(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackReceipt))


@pytest.mark.parametrize("path", ["/f/{absent_link}", "/r/{absent_manage}/feedback"])
def test_a_no_show_cannot_answer_a_checked_in_only_form(app, client, evening, path):
    url = path.format(**evening)
    page = client.get(url)
    assert "for the guests who were checked in" in page_text(page.get_data(as_text=True))
    token = csrf_token(client.get("/login").get_data(as_text=True))  # the refusal page has no form to copy it from
    sent = client.post(url, data={"csrf_token": token, **evening["answers"]})
    assert sent.status_code in (403, 409)
    assert receipts(app) == 0


def test_the_posters_badge_code_and_e_mail_paths_refuse_a_no_show(app, client, evening):
    url = f"/e/{evening['slug']}/feedback"
    by_code = post_form(client, url, {"which": "badge", "code": evening["absent_code"]}, follow_redirects=True)
    assert "for the guests who were checked in" in page_text(by_code.get_data(as_text=True))
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    post_form(client, url, {"which": "email", "email": "absent@example.org"})
    with app.app_context():
        after = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert after == before  # no link mailed (the page says the same either way)


def test_a_checked_in_guest_still_answers(app, client, evening):
    url = f"/f/{evening['came_link']}"
    page = client.get(url).get_data(as_text=True)
    sent = client.post(url, data={"csrf_token": csrf_token(page), **evening["answers"]})
    assert sent.status_code == 302
    assert receipts(app) == 1
