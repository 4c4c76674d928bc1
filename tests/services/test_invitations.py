"""Invitations (issue 15), the service: reading pasted people, one invitation per person, and
privacy: a guest's deletion and the retention period remove what an invitation holds."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import GuestInvitation
from eventsite.services import DomainError, invitations, privacy
from eventsite.services.invitations import Invitee
from factories import guest_details, make_event

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_pasted_lines_give_names_and_addresses_and_say_which_line_has_none():
    people, problems = invitations.read_people(
        'Ana Li <ana@ucla.edu>\n\n"Ben Okafor", ben@cedars.org\ncy@usc.edu\nCall me maybe\n'
    )
    assert people == [Invitee("ana@ucla.edu", "Ana", "Li"), Invitee("ben@cedars.org", "Ben", "Okafor"),
                      Invitee("cy@usc.edu", "", "")]  # fmt: skip
    assert problems == ["Line 5: no e-mail address in “Call me maybe”."]


def test_nobody_new_to_invite_is_a_clear_refusal():
    event = make_event()
    invite = dict(category_id=None, skip_approval=False, actor="organizer:o@example.org")
    invitations.invite(event, [Invitee("ana@ucla.edu")], **invite)
    with pytest.raises(DomainError) as again:
        invitations.invite(event, [Invitee("ANA@ucla.edu"), Invitee("not-an-address")], **invite)
    assert again.value.field == "people" and "already invited" in again.value.message


def test_a_guests_deletion_and_the_retention_period_take_the_invitations_along():
    ahead, past = make_event(), make_event(days_ahead=-100)
    invite = dict(category_id=None, skip_approval=False, actor="organizer:o@example.org")
    [ana] = invitations.invite(ahead, [Invitee("ana@ucla.edu", "Ana", "Li")], **invite).invited
    db.session.flush()
    past_invitation = GuestInvitation(event_id=past.id, email="old@ucla.edu", email_key="old@ucla.edu",
                                      token_hash="0" * 64, created_by="organizer:o@example.org")  # fmt: skip
    db.session.add(past_invitation)
    rsvp = invitations.accept(ana, guest_details(email="ana@ucla.edu")).rsvp
    privacy.anonymise_rsvp(rsvp, actor="guest", reason="the guest deleted their data")
    remaining = db.session.scalars(sa.select(GuestInvitation.email)).all()
    assert remaining == ["old@ucla.edu"]
    privacy.set_retention(30, actor="organizer:o@example.org")
    privacy.apply_retention_batch(now=past.ends_at + dt.timedelta(days=31))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuestInvitation)) == 0
