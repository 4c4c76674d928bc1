"""Invitations (issue 15), the service: reading pasted people, one invitation per person, and
privacy: a guest's deletion and the retention period remove what an invitation holds."""

import datetime as dt

import pytest
import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import GuestInvitation
from eventsite.services import DomainError, categories, invitations, invite_import, privacy
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
    [ana] = invitations.invite(event, [Invitee("ana@ucla.edu")], **{**invite, "category_id": 999_999}).invited
    assert ana.category_id is None  # a category of no use here (another event's, or forged) invites into none
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


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        (b"E-mail\n" + b"a@ucla.edu\n" * 300_000, "larger than 2 MB"),
        (b"E-mail\n" + b"".join(b"r%d@ucla.edu\n" % i for i in range(50_000)), "50,000 rows"),
        (b"E-mail,Name,email\nana@ucla.edu,Ana,ana@ucla.edu\n", "Two columns are headed"),
        (b"Name,Program\nAna,UCLA\n", "No column is headed"),
        (b"", "empty"),
    ],
)
def test_a_list_that_cannot_be_read_says_why_and_changes_nothing(data, says):
    event = make_event()
    with pytest.raises(DomainError) as refused:
        invite_import.check(event, invite_import.decode(data))
    assert refused.value.field == "file" and says in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuestInvitation)) == 0


def test_rows_are_checked_one_by_one():
    event = make_event()
    invitations.invite(event, [Invitee("old@ucla.edu")], category_id=None, skip_approval=False, actor="o")
    text = ("first name,last name,email,level,category\n"
            "Ana,Li,ana@ucla.edu,PGY2,resident\nAna,Li,ANA@ucla.edu,,\nOld,One,old@ucla.edu,,\n"
            "Cy,Bo,cy@ucla.edu,PGY-9,\nDi,Ng,di@ucla.edu,,Sponsors\n")  # fmt: skip
    checked = invite_import.check(event, text)
    assert [r.problems for r in checked.rows] == [
        [], ["the same address as row 2"], ["already invited"], ["unknown training level “PGY-9”"],
        ["no category “Sponsors” at this event"],
    ]  # fmt: skip
    [good] = checked.good
    assert (good.invitee.training_level, good.invitee.category_id) == ("pgy2", categories.for_level(event, "pgy2").id)
