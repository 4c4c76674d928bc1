"""The feedback form of an event: its settings and its questions, as the organizer edits them.

Every event gets the series' default questions (``DEFAULT_QUESTIONS``); "Next in series" copies
the form with its question keys, which the series view lines questions up by.
"""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eventsite.extensions import db
from eventsite.models import (
    Event,
    FeedbackAnswer,
    FeedbackAudience,
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
    QuestionKind,
)
from eventsite.services import DomainError, ErrorCode, ordering, vendors
from eventsite.services.feedback.kinds import question_type
from eventsite.services.feedback.options import clean_choices, keep_chosen, question_key

#: The series' default questions: (key, kind, prompt, help, required, choices).
DEFAULT_QUESTIONS = (
    ("overall", QuestionKind.RATING, "Overall, how was the evening?", "", True, []),
    ("recommend", QuestionKind.NPS, "How likely are you to recommend this event to a fellow resident?", "", True, []),
    ("most_useful", QuestionKind.SINGLE, "Which part was most useful to you?", "", False,
     ["Meeting peers", "Meeting faculty", "Vendors' technology", "Food and venue"]),
    ("vendors_tried", QuestionKind.VENDORS, "Which vendors' technology did you try?",
     "Rate each one you tried, if you like.", False, []),
    ("support", QuestionKind.LONG_TEXT, "How can the society better support residents?", "", False, []),
    ("anything_else", QuestionKind.LONG_TEXT, "Anything else you'd like to tell us?", "", False, []),
)  # fmt: skip
MAX_QUESTIONS = 30


def get_form(event: Event) -> FeedbackForm | None:
    """The event's form with its questions in order (two queries), or None."""
    return db.session.scalar(
        sa.select(FeedbackForm).where(FeedbackForm.event_id == event.id).options(selectinload(FeedbackForm.questions))
    )


def create_default_form(event: Event) -> FeedbackForm:
    """Give ``event`` the series' default form (DEFAULT_QUESTIONS); adds and flushes."""
    form = FeedbackForm(event=event, event_id=event.id)
    for position, (key, kind, prompt, help_text, required, choices) in enumerate(DEFAULT_QUESTIONS):
        if not question_type(kind).own_choices:
            choices = vendors.names(event.id)
        form.questions.append(
            FeedbackQuestion(
                key=key, kind=kind, prompt=prompt, help_text=help_text, required=required,
                choices=list(choices), position=position,
            )
        )  # fmt: skip
    db.session.add(form)
    db.session.flush()
    return form


def ensure_form(event: Event) -> FeedbackForm:
    """The event's form, creating the default one for events made before forms existed."""
    return get_form(event) or create_default_form(event)


def copy_form(source: Event, target: Event) -> FeedbackForm:
    """'Next in series': ``target``'s form becomes a copy of ``source``'s (settings and questions
    with their keys, so the series view lines them up). Explicit open/close times are not copied:
    they belong to the source's date. Without a source form, the default stays."""
    original = get_form(source)
    form = ensure_form(target)
    if original is None:
        return form
    for name in ("intro", "is_anonymous", "invitations_enabled", "invite_delay_hours", "audience",
                 "reminder_enabled", "reminder_after_days"):  # fmt: skip
        setattr(form, name, getattr(original, name))
    form.questions.clear()
    db.session.flush()
    for q in original.questions:
        form.questions.append(
            FeedbackQuestion(
                key=q.key, kind=q.kind, prompt=q.prompt, help_text=q.help_text, required=q.required,
                choices=list(q.choices), position=q.position,
            )
        )  # fmt: skip
    db.session.flush()
    return form


def response_count(form: FeedbackForm) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(FeedbackResponse).where(FeedbackResponse.form_id == form.id)
    )


def update_settings(
    form: FeedbackForm,
    *,
    intro: str,
    is_anonymous: bool,
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    invitations_enabled: bool,
    invite_delay_hours: int,
    audience: FeedbackAudience | str,
    reminder_enabled: bool,
    reminder_after_days: int,
) -> None:
    """Change the form's settings. Times are aware (UTC) or None for the defaults.

    Raises DomainError ``anonymity_locked`` (field is_anonymous) once answers exist, because
    stored answers can't be unlinked or linked after the fact; ``closes_before_opens``
    (closes_at); ``bad_delay`` (invite_delay_hours); ``bad_reminder`` (reminder_after_days).
    """
    if bool(is_anonymous) != form.is_anonymous and response_count(form):
        raise DomainError(
            "Guests have already answered under the current setting, so it can't change now.",
            ErrorCode.ANONYMITY_LOCKED,
            "is_anonymous",
        )
    if not 0 <= invite_delay_hours <= 24 * 14:
        raise DomainError("Choose between 0 and 336 hours.", ErrorCode.BAD_DELAY, "invite_delay_hours")
    if not 1 <= reminder_after_days <= 13:
        raise DomainError("Choose between 1 and 13 days.", ErrorCode.BAD_REMINDER, "reminder_after_days")
    form.opens_at, form.closes_at = opens_at, closes_at
    if form.effective_closes_at <= form.effective_opens_at:
        raise DomainError("The form must close after it opens.", ErrorCode.CLOSES_BEFORE_OPENS, "closes_at")
    form.intro = intro.strip()
    form.is_anonymous = bool(is_anonymous)
    form.invitations_enabled = bool(invitations_enabled)
    form.invite_delay_hours = invite_delay_hours
    form.audience = FeedbackAudience(audience)
    form.reminder_enabled = bool(reminder_enabled)
    form.reminder_after_days = reminder_after_days
    db.session.flush()


def add_question(
    form: FeedbackForm, *, kind: QuestionKind | str, prompt: str, help_text: str = "", required: bool = False,
    choices: list[str] = (),
) -> FeedbackQuestion:  # fmt: skip
    """Append a question. Raises DomainError ``too_few_choices``/``too_many_choices`` (choices),
    ``too_many_questions``."""
    kind = QuestionKind(kind)
    if len(form.questions) >= MAX_QUESTIONS:
        raise DomainError(f"A form holds at most {MAX_QUESTIONS} questions.", ErrorCode.TOO_MANY_QUESTIONS)
    own = question_type(kind).own_choices
    question = FeedbackQuestion(
        key=question_key(prompt, {q.key for q in form.questions}), kind=kind, prompt=prompt.strip(), help_text=help_text.strip(),
        required=required, choices=clean_choices(kind, list(choices)) if own else vendors.names(form.event_id),
        position=max((q.position for q in form.questions), default=-1) + 1,
    )  # fmt: skip
    form.questions.append(question)
    db.session.flush()
    return question


def _answered_values(question: FeedbackQuestion) -> set[str]:
    return set(
        db.session.scalars(
            sa.select(FeedbackAnswer.value_text).where(FeedbackAnswer.question_id == question.id).distinct()
        )
    )


def update_question(
    question: FeedbackQuestion, *, prompt: str, help_text: str = "", required: bool = False, choices: list[str] = ()
) -> None:
    """Edit a question's wording, whether it's required, and its options. The kind stays.
    Raises DomainError ``choice_in_use`` (choices) when an option guests chose would disappear,
    and what ``add_question`` raises for options."""
    if question_type(question).own_choices:
        cleaned = clean_choices(question.kind, list(choices))
        if question_type(question).has_choices:
            keep_chosen(_answered_values(question), cleaned)
    else:
        cleaned = list(question.choices)  # the event's vendors, kept in step by services.vendors
    question.prompt, question.help_text = prompt.strip(), help_text.strip()
    question.required, question.choices = bool(required), cleaned
    db.session.flush()


def move_question(question: FeedbackQuestion, direction: int) -> None:
    """Swap with the neighbour above (-1) or below (+1); at an end nothing changes."""
    if ordering.move_one(question.form.questions, question, direction):
        db.session.flush()
        db.session.expire(question.form, ["questions"])


def remove_question(question: FeedbackQuestion) -> None:
    """Delete a question nobody answered. Raises DomainError ``question_answered``."""
    answered = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(FeedbackAnswer.response_id))).where(
            FeedbackAnswer.question_id == question.id
        )
    )
    if answered:
        raise DomainError(
            f"{answered} guest(s) answered this question, so it stays; make it optional instead.",
            ErrorCode.QUESTION_ANSWERED,
        )
    form = question.form
    form.questions.remove(question)
    db.session.flush()
