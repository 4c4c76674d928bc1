"""Who may answer a form, and the personal link they answer through.

The audience is the guests checked in at the door, plus every confirmed guest when the form
says so; ``may_answer`` decides it for one guest, ``in_audience`` is the same rule as SQL for the
job that invites them. A guest reaches the form by their personal link (``FeedbackInvitation``),
which the invitation e-mail, the manage page, the poster's badge-code box and the
"send me my link" box all lead to.
"""

import dataclasses
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from eventsite.extensions import db
from eventsite.models import (
    BulkKind,
    CheckIn,
    Event,
    EventStatus,
    FeedbackAudience,
    FeedbackForm,
    FeedbackInvitation,
    FeedbackReceipt,
    Rsvp,
    RsvpStatus,
    utcnow,
)
from eventsite.services import links, mail, tickets, tokens
from eventsite.services.feedback.editor import get_form

#: The e-mails that carry a guest's personal link (kinds of OutboxMessage, names of templates).
INVITE_KIND = "feedback_invitation"
REMINDER_KIND = "feedback_reminder"
LINK_KIND = "feedback_link"


def feedback_link(invitation: FeedbackInvitation) -> str:
    return f"{links.base_url()}/f/{invitation.token}"


def find_invitation(token: str) -> FeedbackInvitation | None:
    if not token or len(token) > 64:
        return None
    invitation = db.session.scalar(
        sa.select(FeedbackInvitation)
        .where(FeedbackInvitation.token == token)
        .options(joinedload(FeedbackInvitation.rsvp).joinedload(Rsvp.event))  # the form page needs both
    )
    if invitation is None or not tokens.tokens_equal(invitation.token, token):
        return None
    return invitation


def invitation_for(rsvp: Rsvp, form: FeedbackForm) -> FeedbackInvitation:
    """The guest's invitation (personal link), made now if the job hasn't yet; adds and flushes."""
    invitation = db.session.scalar(sa.select(FeedbackInvitation).where(FeedbackInvitation.rsvp_id == rsvp.id))
    if invitation is None:
        invitation = FeedbackInvitation(form_id=form.id, rsvp_id=rsvp.id)
        try:
            with db.session.begin_nested():
                db.session.add(invitation)
        except sa.exc.IntegrityError:  # a job runner made it meanwhile
            invitation = db.session.scalar(sa.select(FeedbackInvitation).where(FeedbackInvitation.rsvp_id == rsvp.id))
    return invitation


def has_answered(rsvp: Rsvp) -> bool:
    return db.session.scalar(sa.select(FeedbackReceipt.id).where(FeedbackReceipt.rsvp_id == rsvp.id)) is not None


def is_checked_in(rsvp: Rsvp) -> bool:
    return db.session.scalar(sa.select(CheckIn.id).where(CheckIn.rsvp_id == rsvp.id, CheckIn.standing)) is not None


#: Why a guest outside the form's audience may not answer, as the form page and a refused POST say it.
NOT_IN_AUDIENCE = {
    FeedbackAudience.CHECKED_IN: "This form is for the guests who were checked in at the door.",
    FeedbackAudience.CONFIRMED: "Only the event's guests can answer this form.",
}


def may_answer(rsvp: Rsvp, form: FeedbackForm) -> bool:
    """Whether the guest is in the form's audience, on every path (personal link, manage page,
    poster): anyone admitted at the door, and confirmed guests too when the audience says so."""
    if is_checked_in(rsvp):
        return True
    return form.audience == FeedbackAudience.CONFIRMED and rsvp.status == RsvpStatus.CONFIRMED


@dataclasses.dataclass(frozen=True)
class FormState:
    #: "open", "answered", "not_yet", "closed" or "not_a_guest".
    state: str
    form: FeedbackForm


def form_state(rsvp: Rsvp, *, now: dt.datetime | None = None) -> FormState | None:
    """What the guest's feedback page should show; None when the event has no form."""
    now = now or utcnow()
    form = get_form(rsvp.event)
    if form is None or rsvp.event.status == EventStatus.CANCELLED:
        return None
    if has_answered(rsvp):
        return FormState("answered", form)
    if not may_answer(rsvp, form):
        return FormState("not_a_guest", form)
    if now < form.effective_opens_at:
        return FormState("not_yet", form)
    if now >= form.effective_closes_at:
        return FormState("closed", form)
    return FormState("open", form)


def find_guest_by_badge_code(event: Event, code: str) -> Rsvp | None:
    """The event's guest with badge code ``code`` (spaces and case forgiven), else None."""

    rsvp = tickets.find_rsvp("".join(code.split()).lower())
    return rsvp if rsvp is not None and rsvp.event_id == event.id else None


def send_link_by_email(event: Event, email: str) -> bool:
    """Queue the guest's personal link to the event's form when ``email`` belongs to a guest who
    may answer and hasn't; returns whether a mail was queued (the page says the same either way)."""
    form = get_form(event)
    key = email.strip().casefold()
    rsvp = db.session.scalar(
        sa.select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.email_key == key).order_by(Rsvp.id.desc()).limit(1)
    )
    if form is None or rsvp is None or not may_answer(rsvp, form) or has_answered(rsvp) or not form.is_open(utcnow()):
        return False
    invitation = invitation_for(rsvp, form)
    queue_link_mail(invitation, rsvp, event, LINK_KIND, f"Your feedback link: {event.title}")
    return True


def queue_link_mail(invitation: FeedbackInvitation, rsvp: Rsvp, event: Event, kind: str, subject: str) -> None:
    """Queue one of the e-mails carrying the guest's personal link (``kind``: INVITE_KIND, …)."""
    mail.queue_message(
        to=rsvp.email,
        kind=kind,
        subject=subject,
        template=kind,
        rsvp=rsvp,
        event=event,
        form_url=feedback_link(invitation),
        manage_url=links.manage_url(rsvp),
        kind_reminder=kind == REMINDER_KIND,
        bulk=None if kind == LINK_KIND else BulkKind.FOLLOW_UPS,  # the link a guest asked for is theirs
    )


def in_audience(form: FeedbackForm):
    """``may_answer`` as a condition on ``Rsvp`` (for the invitation job's query)."""
    checked_in = sa.select(CheckIn.id).where(CheckIn.rsvp_id == Rsvp.id, CheckIn.standing).exists()
    if form.audience == FeedbackAudience.CONFIRMED:
        return sa.or_(Rsvp.status == RsvpStatus.CONFIRMED, checked_in)
    return checked_in


def answered():
    """``has_answered`` as a condition on ``Rsvp``."""
    return sa.select(FeedbackReceipt.id).where(FeedbackReceipt.rsvp_id == Rsvp.id).exists()
