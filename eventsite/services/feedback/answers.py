"""Answering the form: checking a guest's answers and storing them exactly once.

Exactly one answer per guest: ``submit_feedback`` takes the guest's row lock (PostgreSQL) or
runs in the database write lock (SQLite, see ``eventsite.database``), looks for the guest's
``FeedbackReceipt``, and inserts one with ON CONFLICT DO NOTHING, so the unique index (one
receipt per RSVP) stops any submission that slipped past the lock. The second of two
concurrent submissions therefore ends in ``already_answered`` and stores nothing.
"""

import dataclasses
import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from flask import current_app

from eventsite.database import insert_ignoring_conflict, write_intent
from eventsite.extensions import db
from eventsite.models import (
    EventStatus,
    FeedbackAnswer,
    FeedbackQuestion,
    FeedbackReceipt,
    FeedbackResponse,
    Rsvp,
    utcnow,
)
from eventsite.models.feedback import new_response_key
from eventsite.services import DomainError, ErrorCode
from eventsite.services.feedback.audience import NOT_IN_AUDIENCE, has_answered, may_answer
from eventsite.services.feedback.editor import get_form
from eventsite.services.feedback.kinds import BadAnswer, question_type


class InvalidAnswers(DomainError):
    """Answers that don't fit the questions; ``errors`` maps a field name (``q<id>``) to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Please check the answers marked below.", ErrorCode.INVALID_ANSWERS)
        self.errors = errors


def field_name(question: FeedbackQuestion) -> str:
    return f"q{question.id}"


def clean_answers(questions, data: Mapping[str, list[str]], name_of=field_name) -> dict[int, list[int | str]]:
    """Check ``data`` ({field name: submitted values}) against ``questions`` (feedback or RSVP
    questions; ``name_of`` gives each one's field name); return {question id: values} for the
    answered ones. Raises InvalidAnswers with every problem."""
    out: dict[int, list[int | str]] = {}
    errors: dict[str, str] = {}
    for q in questions:
        if not getattr(q, "asked", True):  # a vendors question at an event without vendors
            continue
        name = name_of(q)
        kind = question_type(q)
        values = [v.strip() for v in data.get(name, []) if v and v.strip()]
        if not values:
            if q.required:
                errors[name] = kind.missing
            continue
        try:
            out[q.id] = kind.clean(q, values)
        except BadAnswer as exc:
            errors[name] = str(exc)
    if errors:
        raise InvalidAnswers(errors)
    return out


def _lock_guest(rsvp_id: int) -> None:
    """Serialise this guest's submissions: a row lock (PostgreSQL) or the write lock (SQLite)."""

    if not current_app.extensions.get("eventsite.race_locks", True):
        return
    if db.session.get_bind().dialect.name == "sqlite":
        if not write_intent.get():
            raise RuntimeError("submit_feedback on SQLite needs a transaction begun inside writing()")
        return
    db.session.execute(sa.select(Rsvp.id).where(Rsvp.id == rsvp_id).with_for_update())


ALREADY = "Thank you, we already received your answers."


@dataclasses.dataclass(frozen=True)
class Submission:
    """Checked answers, as plain values, ready for ``save_submission``."""

    rsvp_id: int
    event_id: int
    form_id: int
    is_anonymous: bool
    now: dt.datetime
    #: The answer's day in the event's zone (all an anonymous response keeps of its time).
    day: dt.date
    answers: dict[int, list[int | str]]


def check_submission(rsvp: Rsvp, data: Mapping[str, list[str]], *, now: dt.datetime | None = None) -> Submission:
    """Every check ``submit_feedback`` makes that needs no lock: form, guest, window, answers,
    and whether a receipt exists already. Reads only, so a web view can run it before taking
    the write lock and keep that lock for the inserts alone. Raises what submit_feedback raises."""
    now = now or utcnow()
    event = rsvp.event
    form = get_form(event)
    if form is None or event.status == EventStatus.CANCELLED:
        raise DomainError("This event has no feedback form.", ErrorCode.NO_FORM)
    if has_answered(rsvp):
        raise DomainError(ALREADY, ErrorCode.ALREADY_ANSWERED)
    if not may_answer(rsvp, form):
        raise DomainError(NOT_IN_AUDIENCE[form.audience], ErrorCode.NOT_A_GUEST)
    if now < form.effective_opens_at:
        raise DomainError("The feedback form opens when the event ends.", ErrorCode.FEEDBACK_NOT_OPEN)
    if now >= form.effective_closes_at:
        raise DomainError("The feedback form is closed. Thank you all the same!", ErrorCode.FEEDBACK_CLOSED)
    return Submission(
        rsvp_id=rsvp.id,
        event_id=event.id,
        form_id=form.id,
        is_anonymous=form.is_anonymous,
        now=now,
        day=now.astimezone(event.tz).date(),
        answers=clean_answers(form.questions, data),
    )


def save_submission(submission: Submission) -> str:
    """Store a checked submission once: lock the guest, look for their receipt again (a
    concurrent submission may have won meanwhile), then insert receipt, response and answers.
    Returns the response's id. Raises DomainError ``already_answered``; adds, never commits."""
    _lock_guest(submission.rsvp_id)
    exists = sa.select(FeedbackReceipt.id).where(FeedbackReceipt.rsvp_id == submission.rsvp_id)
    if db.session.scalar(exists) is not None:
        raise DomainError(ALREADY, ErrorCode.ALREADY_ANSWERED)
    # Without the locks (or should they ever be bypassed) the unique receipt still settles it:
    # the insert that finds a receipt in place adds nothing and this submission stops here.
    receipt = (
        insert_ignoring_conflict(FeedbackReceipt.__table__)
        .values(event_id=submission.event_id, rsvp_id=submission.rsvp_id, answered_at=submission.now)
        .returning(FeedbackReceipt.__table__.c.id)
    )
    if db.session.execute(receipt).scalar() is None:
        raise DomainError(ALREADY, ErrorCode.ALREADY_ANSWERED)
    response_id = new_response_key()
    db.session.execute(
        sa.insert(FeedbackResponse).values(
            id=response_id,
            form_id=submission.form_id,
            rsvp_id=None if submission.is_anonymous else submission.rsvp_id,
            submitted_on=submission.day,
        )
    )
    rows = [
        dict(
            response_id=response_id,
            question_id=question_id,
            ordinal=ordinal,
            value_int=value if isinstance(value, int) else None,
            value_text=value if isinstance(value, str) else "",
        )
        for question_id, values in submission.answers.items()
        for ordinal, value in enumerate(values)
    ]
    if rows:
        db.session.execute(sa.insert(FeedbackAnswer), rows)
    return response_id


def submit_feedback(rsvp: Rsvp, data: Mapping[str, list[str]], *, now: dt.datetime | None = None) -> FeedbackResponse:
    """Store the guest's answers once, with their receipt; returns the response.

    For an anonymous form the response carries no guest and only the local date.
    Raises InvalidAnswers (code ``invalid_answers``), DomainError ``no_form``, ``not_a_guest``,
    ``feedback_not_open``, ``feedback_closed`` and ``already_answered`` (also for the loser
    of two concurrent submissions: nothing of it is stored).
    """
    response_id = save_submission(check_submission(rsvp, data, now=now))
    return db.session.get(FeedbackResponse, response_id)
