"""Issue 12.5: who has replied stays private, and the guest forms have rate limits.

On a full event without a waitlist, a known and an unknown address get the same page (the e-mail
tells each the truth). The RSVP form and the feedback link-by-e-mail form are limited per network
address and per e-mail address, with the default limits: a venue's 60 guests behind one address
all get through within a minute, a script is held back with a 429 that says when to retry."""

import datetime as dt
import re

from eventsite.models import utcnow
from factories import guest_fields, make_event, make_rsvp
from helpers import csrf_token, db_session, deliver, page_text, text_body


def send_rsvp(client, slug, token, **overrides):
    return client.post(f"/e/{slug}", data={**guest_fields(**overrides), "csrf_token": token})


def token_for(client, url):
    return csrf_token(client.get(url).get_data(as_text=True))


def test_a_full_event_answers_known_and_unknown_addresses_alike(app, client, mailbox):
    with db_session(app):
        event = make_event(capacity=1, waitlist_enabled=False)
        make_rsvp(event, email="known@example.org")
        slug = event.slug
    # The full page shows no form; a script posts anyway (the CSRF token is per browser session).
    token = token_for(client, "/login")
    known = send_rsvp(client, slug, token, email="known@example.org")
    unknown = send_rsvp(client, slug, token, email="stranger@example.org")
    assert (known.status_code, unknown.status_code) == (302, 302)
    assert known.headers["Location"] == unknown.headers["Location"]
    mailbox.clear()
    deliver(app)
    assert "Your RSVP link" in mailbox.to("known@example.org")[-1]["Subject"]
    full = mailbox.to("stranger@example.org")
    assert len(full) == 1 and "full" in full[0]["Subject"].lower()
    assert "/r/" not in text_body(full[0]) and "is full" in text_body(full[0])


def test_sixty_guests_behind_one_address_all_rsvp_and_a_script_is_held_back(app, client):
    with db_session(app):
        slug = make_event(capacity=None).slug
    token = token_for(client, f"/e/{slug}")
    venue = [send_rsvp(client, slug, token, email=f"guest{n}@example.org") for n in range(60)]
    assert all(r.status_code == 302 for r in venue)
    # The same address keeps sending: a script at 1,000 a minute. Most of them are refused.
    flood = [send_rsvp(client, slug, token, email=f"bot{n}@example.org") for n in range(100)]
    refused = [r for r in flood if r.status_code == 429]
    assert len(refused) >= 50
    answer = refused[0]
    assert 0 < int(answer.headers["Retry-After"]) <= 60
    text = page_text(answer.get_data(as_text=True))
    assert re.search(r"wait (a minute|\d+ minutes?)", text), text
    # What the guest typed is still in the form.
    assert 'value="bot' in answer.get_data(as_text=True)
    # Another network is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.30"
    assert send_rsvp(other, slug, token_for(other, f"/e/{slug}"), email="elsewhere@example.org").status_code == 302


def test_one_address_sent_again_and_again_is_held_back(app, client):
    with db_session(app):
        slug = make_event().slug
    token = token_for(client, f"/e/{slug}")
    answers = [send_rsvp(client, slug, token, email="same@example.org").status_code for _ in range(8)]
    assert answers[:5] == [302] * 5 and 429 in answers[5:]
    # Another guest on the same network still gets through.
    assert send_rsvp(client, slug, token, email="next@example.org").status_code == 302


def test_the_feedback_link_form_is_limited_per_address(app, client):
    with db_session(app):
        event = make_event(starts_at=utcnow() - dt.timedelta(hours=4), capacity=None)
        make_rsvp(event, email="came@example.org", now=event.starts_at - dt.timedelta(days=7))
        slug = event.slug
    token = token_for(client, f"/e/{slug}/feedback")
    codes = [
        client.post(
            f"/e/{slug}/feedback", data={"which": "email", "email": "came@example.org", "csrf_token": token}
        ).status_code
        for _ in range(8)
    ]
    assert codes[:5] == [302] * 5 and 429 in codes[5:]
