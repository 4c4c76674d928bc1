"""A guest changes their RSVP's e-mail address from the manage page: a signed link to the new
address confirms it, the old address is told, and one live RSVP per address still holds."""

import datetime as dt
import re

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Rsvp, RsvpChange
from eventsite.services import email_change, rsvps
from factories import make_event, make_rsvp
from helpers import db_session, deliver, field_box, page_text, post_form, tampered, text_body


def setup_guest(app, **extra_guests):
    with db_session(app):
        event = make_event()
        rsvp = make_rsvp(event, first_name="Maria", email="maria@old.example.org")
        for email in extra_guests.get("others", ()):
            make_rsvp(event, email=email)
        db.session.commit()
        return rsvp.id, rsvp.manage_token


def ask(client, token: str, new_email: str):
    return post_form(client, f"/r/{token}/email", {"new_email": new_email}, page=f"/r/{token}")


def confirm_link(mailbox, to: str) -> str:
    [message] = mailbox.to(to)
    match = re.search(r"https?://\S+/email-change/\S+", text_body(message))
    assert match, text_body(message)
    return "/" + match.group(0).split("/", 3)[3]


def address_of(app, rsvp_id: int) -> str:
    with db_session(app):
        return db.session.get(Rsvp, rsvp_id).email


def test_the_new_address_confirms_the_change_and_the_old_one_is_told(app, client, mailbox):
    rsvp_id, token = setup_guest(app)
    deliver(app)
    mailbox.clear()
    manage = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Change your e-mail address" in page_text(manage)

    response = ask(client, token, "Maria.New@Example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("email_sent=1#change-email")
    page = page_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "We sent a confirmation link to your new address" in page
    assert address_of(app, rsvp_id) == "maria@old.example.org"  # nothing changes before the link is opened
    deliver(app)
    [message] = mailbox.to("Maria.New@example.org")
    assert message["Subject"].startswith("Confirm your new e-mail address: ")
    assert "asked to change the e-mail address of your RSVP" in text_body(message)
    assert mailbox.to("maria@old.example.org") == []
    link = confirm_link(mailbox, "Maria.New@example.org")
    # The new mailbox gets no way into the RSVP before it confirms: a mistyped address
    # must not control someone else's RSVP.
    assert token not in text_body(message) and token not in link

    stranger = app.test_client()  # whoever reads the new mailbox: no cookie, no manage link
    confirm = stranger.get(link)
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "will use Maria.New@example.org" in page_text(page)
    assert token not in page and "maria@old.example.org" not in page
    assert address_of(app, rsvp_id) == "maria@old.example.org"  # a GET (a mail scanner) changes nothing
    done = post_form(stranger, link, {})
    assert done.status_code == 302
    new_page = done.headers["Location"]
    assert token not in new_page
    assert "Your e-mail address is now Maria.New@example.org" in page_text(
        stranger.get(new_page).get_data(as_text=True)
    )
    # The private link changed: the old mailbox's copy is dead, the new address has the new one.
    assert client.get(f"/r/{token}").status_code == 404
    deliver(app)
    [welcome] = [m for m in mailbox.to("Maria.New@example.org") if m["Subject"].startswith("Your RSVP now uses")]
    assert new_page.split("?")[0] in text_body(welcome)
    assert "the link we sent to your old address no longer works" in text_body(welcome)
    with db_session(app):
        rsvp = db.session.get(Rsvp, rsvp_id)
        assert (rsvp.email, rsvp.email_key) == ("Maria.New@example.org", "maria.new@example.org")
        details = db.session.scalars(sa.select(RsvpChange.detail).where(RsvpChange.rsvp_id == rsvp_id)).all()
        assert "e-mail address (confirmed from the new address); new private link" in details
    deliver(app)
    [notice] = mailbox.to("maria@old.example.org")
    assert notice["Subject"].startswith("Your RSVP's e-mail address was changed: ")
    assert "is now Maria.New@example.org instead of maria@old.example.org" in text_body(notice)

    again = client.get(link)
    assert again.status_code == 410 and "already used" in page_text(again.get_data(as_text=True))


def test_asking_says_nothing_of_other_rsvps_and_the_owner_of_a_taken_address_is_told(app, client, mailbox):
    rsvp_id, token = setup_guest(app, others=["taken@example.org"])
    deliver(app)
    mailbox.clear()
    # A manage link is no way to learn whether an address replied: the answer is the same.
    taken = ask(client, token, "TAKEN@example.org")
    free = ask(client, token, "free@example.org")
    assert taken.status_code == free.status_code == 302
    deliver(app)
    refused = post_form(app.test_client(), confirm_link(mailbox, "TAKEN@example.org"), {})
    assert refused.status_code == 410
    assert "This address already has an RSVP for this event, and an address can hold only one." in page_text(
        refused.get_data(as_text=True)
    )
    assert address_of(app, rsvp_id) == "maria@old.example.org"
    mailbox.clear()
    same = ask(client, token, "Maria@OLD.example.org")
    assert "That's already the address on your RSVP." in field_box(same.get_data(as_text=True), "new_email")
    bad = ask(client, token, "not an address")
    assert "doesn't look like an e-mail address" in field_box(bad.get_data(as_text=True), "new_email")
    deliver(app)
    assert [m["To"] for m in mailbox.messages if "Confirm your new" in m["Subject"]] == []


def test_an_address_taken_after_the_link_was_sent_is_refused_when_confirming(app, client, mailbox):
    rsvp_id, token = setup_guest(app)
    ask(client, token, "new@example.org")
    deliver(app)
    link = confirm_link(mailbox, "new@example.org")
    with db_session(app):
        rsvp = db.session.get(Rsvp, rsvp_id)
        make_rsvp(rsvp.event, email="New@example.org")
        db.session.commit()
    refused = post_form(client, link, {})
    assert refused.status_code == 410 and "already has an RSVP for this event" in page_text(
        refused.get_data(as_text=True)
    )
    assert address_of(app, rsvp_id) == "maria@old.example.org"


def test_an_expired_or_forged_link_changes_nothing(app, client, mailbox, monkeypatch):
    rsvp_id, token = setup_guest(app)
    ask(client, token, "new@example.org")
    deliver(app)
    link = confirm_link(mailbox, "new@example.org")
    forged = client.get(tampered(link))
    assert forged.status_code == 404 and "isn't valid" in page_text(forged.get_data(as_text=True))
    monkeypatch.setattr(email_change, "MAX_AGE", dt.timedelta(seconds=-1))
    expired = client.get(link)
    assert expired.status_code == 410 and "has expired" in page_text(expired.get_data(as_text=True))
    assert address_of(app, rsvp_id) == "maria@old.example.org"


def test_a_cancelled_rsvp_offers_no_change(app, client):
    rsvp_id, token = setup_guest(app)
    with db_session(app):
        rsvps.cancel_rsvp(db.session.get(Rsvp, rsvp_id))
        db.session.commit()
    assert "Change your e-mail address" not in page_text(client.get(f"/r/{token}").get_data(as_text=True))
    response = post_form(client, f"/r/{token}/email", {"new_email": "new@example.org"}, page="/login")
    assert response.status_code == 302 and response.headers["Location"] == f"/r/{token}"
    assert address_of(app, rsvp_id) == "maria@old.example.org"


def test_a_link_works_once_even_after_the_address_comes_back(app, client, mailbox):
    """Issue 12.8: A→B, then B→A within 48 h: the first link must not work again."""
    rsvp_id, token = setup_guest(app)
    ask(client, token, "b@example.org")
    deliver(app)
    first = confirm_link(mailbox, "b@example.org")
    done = post_form(app.test_client(), first, {})
    new_token = done.headers["Location"].split("/r/")[1].split("?")[0].split("/")[0]
    mailbox.clear()
    ask(client, new_token, "maria@old.example.org")
    deliver(app)
    [back] = [m for m in mailbox.to("maria@old.example.org") if m["Subject"].startswith("Confirm your new")]
    match = re.search(r"https?://\S+/email-change/\S+", text_body(back))
    assert post_form(app.test_client(), "/" + match.group(0).split("/", 3)[3], {}).status_code == 302
    assert address_of(app, rsvp_id) == "maria@old.example.org"
    replay = app.test_client().get(first)
    assert replay.status_code == 410 and "already used" in page_text(replay.get_data(as_text=True))
    assert post_form(app.test_client(), first, {}, page="/login").status_code in (404, 410)
    assert address_of(app, rsvp_id) == "maria@old.example.org"


def test_the_link_and_the_history_do_not_spell_out_the_addresses(app, client, mailbox):
    """Issue 12.7: the token in the URL is opaque, and the organizers' history shows no address."""
    import base64
    import zlib

    rsvp_id, token = setup_guest(app)
    ask(client, token, "secret.new@example.org")
    deliver(app)
    link = confirm_link(mailbox, "secret.new@example.org")
    raw = link.rsplit("/", 1)[1]
    for piece in filter(None, raw.split(".")):
        decoded = base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4))
        try:  # a signed-but-readable token is often zlib-compressed JSON
            decoded = zlib.decompress(decoded)
        except zlib.error:
            pass
        assert b"secret.new" not in decoded and b"maria" not in decoded.lower() and b"old.example" not in decoded
    with db_session(app):
        details = " ".join(db.session.scalars(sa.select(RsvpChange.detail).where(RsvpChange.rsvp_id == rsvp_id)))
    assert "secret.new" not in details and "@" not in details
