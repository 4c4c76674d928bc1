"""Feedback: the per-event form, answering it once, invitations, results, CSV and the series view.

Exactly one answer per guest: ``submit_feedback`` takes the guest's row lock (PostgreSQL) or
runs in the database write lock (SQLite, see ``eventsite.database``), looks for the guest's
``FeedbackReceipt``, and inserts one with ON CONFLICT DO NOTHING, so the unique index (one
receipt per RSVP) stops any submission that slipped past the lock. The second of two
concurrent submissions therefore ends in ``already_answered`` and stores nothing.

Invitations follow the reminders' pattern: each guest's invitation row is claimed with a
conditional UPDATE (``invited_at`` still empty) in the transaction that queues the e-mail, so
two job runners never send it twice.
"""

import csv
import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, selectinload

from eventsite.database import write_intent
from eventsite.extensions import db
from eventsite.models import (
    CheckIn,
    Event,
    EventStatus,
    FeedbackAnswer,
    FeedbackAudience,
    FeedbackForm,
    FeedbackInvitation,
    FeedbackQuestion,
    FeedbackReceipt,
    FeedbackResponse,
    QuestionKind,
    Rsvp,
    RsvpStatus,
    utcnow,
)
from eventsite.models.feedback import new_response_key
from eventsite.services import DomainError, badges, links, mail, tickets, tokens
from eventsite.services.rsvps import find_by_manage_token
from eventsite.services.spreadsheets import Line, neutralise

#: The series' default questions: (key, kind, prompt, help, required, choices).
DEFAULT_QUESTIONS = (
    ("overall", QuestionKind.RATING, "Overall, how was the evening?", "", True, []),
    ("recommend", QuestionKind.NPS, "How likely are you to recommend this event to a fellow resident?", "", True, []),
    ("most_useful", QuestionKind.SINGLE, "Which part was most useful to you?", "", False,
     ["Meeting peers", "Meeting faculty", "Vendors' technology", "Food and venue"]),
    ("support", QuestionKind.LONG_TEXT, "How can the society better support residents?", "", False, []),
    ("anything_else", QuestionKind.LONG_TEXT, "Anything else you'd like to tell us?", "", False, []),
)  # fmt: skip
MAX_CHOICES = 12
MAX_QUESTIONS = 30
TEXT_LIMITS = {QuestionKind.SHORT_TEXT: 300, QuestionKind.LONG_TEXT: 4000}
NUMERIC_RANGES = {QuestionKind.RATING: range(1, 6), QuestionKind.NPS: range(0, 11)}
#: Events are invited for this long after their end at most (the job's look-back).
JOB_LOOKBACK = dt.timedelta(days=90)
INVITE_KIND = "feedback_invitation"
REMINDER_KIND = "feedback_reminder"
LINK_KIND = "feedback_link"


# --- The form ---------------------------------------------------------------------------------


def get_form(event: Event) -> FeedbackForm | None:
    """The event's form with its questions in order (two queries), or None."""
    return db.session.scalar(
        sa.select(FeedbackForm).where(FeedbackForm.event_id == event.id).options(selectinload(FeedbackForm.questions))
    )


def create_default_form(event: Event) -> FeedbackForm:
    """Give ``event`` the series' default form (DEFAULT_QUESTIONS); adds and flushes."""
    form = FeedbackForm(event=event, event_id=event.id)
    for position, (key, kind, prompt, help_text, required, choices) in enumerate(DEFAULT_QUESTIONS):
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
            "anonymity_locked",
            "is_anonymous",
        )
    if not 0 <= invite_delay_hours <= 24 * 14:
        raise DomainError("Choose between 0 and 336 hours.", "bad_delay", "invite_delay_hours")
    if not 1 <= reminder_after_days <= 13:
        raise DomainError("Choose between 1 and 13 days.", "bad_reminder", "reminder_after_days")
    form.opens_at, form.closes_at = opens_at, closes_at
    if form.effective_closes_at <= form.effective_opens_at:
        raise DomainError("The form must close after it opens.", "closes_before_opens", "closes_at")
    form.intro = intro.strip()
    form.is_anonymous = bool(is_anonymous)
    form.invitations_enabled = bool(invitations_enabled)
    form.invite_delay_hours = invite_delay_hours
    form.audience = FeedbackAudience(audience)
    form.reminder_enabled = bool(reminder_enabled)
    form.reminder_after_days = reminder_after_days
    db.session.flush()


def _clean_choices(kind: QuestionKind, choices: list[str]) -> list[str]:
    cleaned = []
    for choice in choices:
        choice = " ".join(choice.split())[:120]
        if choice and choice not in cleaned:
            cleaned.append(choice)
    if kind.has_choices:
        if len(cleaned) < 2:
            raise DomainError("Give at least two options, one per line.", "too_few_choices", "choices")
        if len(cleaned) > MAX_CHOICES:
            raise DomainError(f"Give at most {MAX_CHOICES} options.", "too_many_choices", "choices")
        return cleaned
    return []


def _new_key(form: FeedbackForm, prompt: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", prompt.lower()).strip("_")[:30] or "question"
    taken = {q.key for q in form.questions}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def add_question(
    form: FeedbackForm, *, kind: QuestionKind | str, prompt: str, help_text: str = "", required: bool = False,
    choices: list[str] = (),
) -> FeedbackQuestion:  # fmt: skip
    """Append a question. Raises DomainError ``too_few_choices``/``too_many_choices`` (choices),
    ``too_many_questions``."""
    kind = QuestionKind(kind)
    if len(form.questions) >= MAX_QUESTIONS:
        raise DomainError(f"A form holds at most {MAX_QUESTIONS} questions.", "too_many_questions")
    question = FeedbackQuestion(
        key=_new_key(form, prompt), kind=kind, prompt=prompt.strip(), help_text=help_text.strip(),
        required=required, choices=_clean_choices(kind, list(choices)),
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
    cleaned = _clean_choices(question.kind, list(choices))
    if question.kind.has_choices:
        missing = sorted(_answered_values(question) - set(cleaned))
        if missing:
            raise DomainError(
                f"Guests already chose {', '.join(repr(m) for m in missing)}; keep it (you may add options).",
                "choice_in_use",
                "choices",
            )
    question.prompt, question.help_text = prompt.strip(), help_text.strip()
    question.required, question.choices = bool(required), cleaned
    db.session.flush()


def move_question(question: FeedbackQuestion, direction: int) -> None:
    """Swap with the neighbour above (-1) or below (+1); at an end nothing changes."""
    ordered = list(question.form.questions)
    i = ordered.index(question)
    j = i + direction
    if 0 <= j < len(ordered):
        ordered[i], ordered[j] = ordered[j], ordered[i]
        for position, q in enumerate(ordered):
            q.position = position
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
            "question_answered",
        )
    form = question.form
    form.questions.remove(question)
    db.session.flush()


# --- Who may answer, and through which link ---------------------------------------------------


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
    _queue(invitation, rsvp, event, LINK_KIND, f"Your feedback link: {event.title}")
    return True


def manage_token_rsvp(token: str) -> Rsvp | None:
    return find_by_manage_token(token)


# --- Answering --------------------------------------------------------------------------------


class InvalidAnswers(DomainError):
    """Answers that don't fit the questions; ``errors`` maps a field name (``q<id>``) to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Please check the answers marked below.", "invalid_answers")
        self.errors = errors


def field_name(question: FeedbackQuestion) -> str:
    return f"q{question.id}"


def clean_answers(form: FeedbackForm, data: Mapping[str, list[str]]) -> dict[int, list[int | str]]:
    """Check ``data`` ({field name: submitted values}) against the questions; return
    {question id: values} for the answered ones. Raises InvalidAnswers with every problem."""
    out: dict[int, list[int | str]] = {}
    errors: dict[str, str] = {}
    for q in form.questions:
        name = field_name(q)
        values = [v.strip() for v in data.get(name, []) if v and v.strip()]
        if not values:
            if q.required:
                errors[name] = "Please answer this question." if not q.kind.is_text else "Please write an answer."
            continue
        if q.kind.is_numeric:
            allowed = NUMERIC_RANGES[q.kind]
            if len(values) != 1 or not values[0].isdigit() or int(values[0]) not in allowed:
                errors[name] = f"Choose a number from {allowed.start} to {allowed.stop - 1}."
                continue
            out[q.id] = [int(values[0])]
        elif q.kind.has_choices:
            if any(v not in q.choices for v in values) or (q.kind == QuestionKind.SINGLE and len(values) > 1):
                errors[name] = (
                    "Choose one of the options." if q.kind == QuestionKind.SINGLE else "Choose from the options."
                )
                continue
            out[q.id] = [c for c in q.choices if c in values]  # the form's order, each once
        else:
            text = values[0] if len(values) == 1 else "\n".join(values)
            limit = TEXT_LIMITS[q.kind]
            if len(text) > limit:
                errors[name] = f"Please keep it under {limit} characters (now {len(text)})."
                continue
            out[q.id] = [text]
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
        raise DomainError("This event has no feedback form.", "no_form")
    if has_answered(rsvp):
        raise DomainError(ALREADY, "already_answered")
    if not may_answer(rsvp, form):
        raise DomainError(NOT_IN_AUDIENCE[form.audience], "not_a_guest")
    if now < form.effective_opens_at:
        raise DomainError("The feedback form opens when the event ends.", "feedback_not_open")
    if now >= form.effective_closes_at:
        raise DomainError("The feedback form is closed. Thank you all the same!", "feedback_closed")
    return Submission(
        rsvp_id=rsvp.id,
        event_id=event.id,
        form_id=form.id,
        is_anonymous=form.is_anonymous,
        now=now,
        day=now.astimezone(event.tz).date(),
        answers=clean_answers(form, data),
    )


def _insert_ignoring_conflict(table: sa.Table):
    """INSERT … ON CONFLICT DO NOTHING for the session's database (both speak it)."""
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    return insert(table).on_conflict_do_nothing()


def save_submission(submission: Submission) -> str:
    """Store a checked submission once: lock the guest, look for their receipt again (a
    concurrent submission may have won meanwhile), then insert receipt, response and answers.
    Returns the response's id. Raises DomainError ``already_answered``; adds, never commits."""
    _lock_guest(submission.rsvp_id)
    exists = sa.select(FeedbackReceipt.id).where(FeedbackReceipt.rsvp_id == submission.rsvp_id)
    if db.session.scalar(exists) is not None:
        raise DomainError(ALREADY, "already_answered")
    # Without the locks (or should they ever be bypassed) the unique receipt still settles it:
    # the insert that finds a receipt in place adds nothing and this submission stops here.
    receipt = (
        _insert_ignoring_conflict(FeedbackReceipt.__table__)
        .values(event_id=submission.event_id, rsvp_id=submission.rsvp_id, answered_at=submission.now)
        .returning(FeedbackReceipt.__table__.c.id)
    )
    if db.session.execute(receipt).scalar() is None:
        raise DomainError(ALREADY, "already_answered")
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


# --- Invitations and the reminder (job runner) ------------------------------------------------


def _queue(invitation: FeedbackInvitation, rsvp: Rsvp, event: Event, kind: str, subject: str) -> None:
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
    )


def _audience_filter(form: FeedbackForm):
    checked_in = sa.select(CheckIn.id).where(CheckIn.rsvp_id == Rsvp.id, CheckIn.standing).exists()
    if form.audience == FeedbackAudience.CONFIRMED:
        return sa.or_(Rsvp.status == RsvpStatus.CONFIRMED, checked_in)
    return checked_in


def _answered():
    return sa.select(FeedbackReceipt.id).where(FeedbackReceipt.rsvp_id == Rsvp.id).exists()


def due_forms(now: dt.datetime) -> list[FeedbackForm]:
    """Forms of published events that ended within JOB_LOOKBACK, with invitations on."""
    forms = db.session.scalars(
        sa.select(FeedbackForm)
        .join(Event, Event.id == FeedbackForm.event_id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at <= now,
            Event.ends_at > now - JOB_LOOKBACK,
            FeedbackForm.invitations_enabled.is_(True),
        )
        .order_by(FeedbackForm.id)
    ).all()
    return [f for f in forms if f.invite_at <= now < f.effective_closes_at]


def send_invitations(*, now: dt.datetime | None = None) -> int:
    """E-mail each guest in the form's audience who has neither been invited nor answered their
    personal link, once; returns how many were queued. Call inside ``writing()``; caller commits."""
    now = now or utcnow()
    queued = 0
    for form in due_forms(now):
        event = form.event
        invited = sa.select(FeedbackInvitation.id).where(
            FeedbackInvitation.rsvp_id == Rsvp.id, FeedbackInvitation.invited_at.is_not(None)
        )
        candidates = db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.event_id == event.id, _audience_filter(form), ~invited.exists(), ~_answered())
            .order_by(Rsvp.id)
        ).all()
        for rsvp in candidates:
            invitation_for(rsvp, form)
        if not candidates:
            continue
        # Two runners on PostgreSQL split the work instead of queueing behind each other's locks.
        due = db.session.scalars(
            sa.select(FeedbackInvitation)
            .where(FeedbackInvitation.rsvp_id.in_([r.id for r in candidates]), FeedbackInvitation.invited_at.is_(None))
            .order_by(FeedbackInvitation.id)
            .with_for_update(skip_locked=True)
        ).all()
        by_id = {r.id: r for r in candidates}
        for invitation in due:
            claim = db.session.execute(
                sa.update(FeedbackInvitation)
                .where(FeedbackInvitation.id == invitation.id, FeedbackInvitation.invited_at.is_(None))
                .values(invited_at=now)
                .execution_options(synchronize_session=False)
            )
            if claim.rowcount != 1:
                continue
            rsvp = by_id[invitation.rsvp_id]
            _queue(invitation, rsvp, event, INVITE_KIND, f"How was the evening? {event.title}")
            queued += 1
    db.session.flush()
    return queued


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """One reminder to each invited guest who hasn't answered ``reminder_after_days`` after the
    invitation, while the form is open; returns how many were queued. Caller commits."""
    now = now or utcnow()
    queued = 0
    for form in due_forms(now):
        if not form.reminder_enabled:
            continue
        event = form.event
        due = db.session.execute(
            sa.select(FeedbackInvitation, Rsvp)
            .join(Rsvp, Rsvp.id == FeedbackInvitation.rsvp_id)
            .where(
                FeedbackInvitation.form_id == form.id,
                FeedbackInvitation.invited_at <= now - dt.timedelta(days=form.reminder_after_days),
                FeedbackInvitation.reminded_at.is_(None),
                Rsvp.status != RsvpStatus.CANCELLED,
                ~_answered(),
            )
            .order_by(FeedbackInvitation.id)
            .with_for_update(skip_locked=True, of=FeedbackInvitation)
        ).all()
        for invitation, rsvp in due:
            claim = db.session.execute(
                sa.update(FeedbackInvitation)
                .where(FeedbackInvitation.id == invitation.id, FeedbackInvitation.reminded_at.is_(None))
                .values(reminded_at=now)
                .execution_options(synchronize_session=False)
            )
            if claim.rowcount != 1:
                continue
            _queue(invitation, rsvp, event, REMINDER_KIND, f"Reminder: two minutes of feedback on {event.title}")
            queued += 1
    db.session.flush()
    return queued


# --- Results ----------------------------------------------------------------------------------


@dataclasses.dataclass
class QuestionResult:
    question: FeedbackQuestion
    answered: int = 0
    average: float | None = None
    #: (value or option, count) in scale/option order, zeros included.
    distribution: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    nps: int | None = None
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    #: (text, local date, guest name or "") for text questions, newest first.
    texts: list[tuple[str, dt.date, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Summary:
    form: FeedbackForm | None
    responses: int
    answered: int
    invited: int
    checked_in: int
    questions: list[QuestionResult]

    @property
    def response_rate(self) -> int | None:
        """Answered as a share of invited (or of checked in, before invitations went out), in %."""
        base = self.invited or self.checked_in
        return round(100 * self.answered / base) if base else None


def nps_parts(counts: Mapping[int, int]) -> tuple[int | None, int, int, int]:
    """(NPS, promoters, passives, detractors) from {score 0–10: count}; NPS is % promoters − % detractors."""
    promoters = sum(n for v, n in counts.items() if v >= 9)
    passives = sum(n for v, n in counts.items() if 7 <= v <= 8)
    detractors = sum(n for v, n in counts.items() if v <= 6)
    total = promoters + passives + detractors
    if not total:
        return None, 0, 0, 0
    return round(100 * (promoters - detractors) / total), promoters, passives, detractors


def feedback_summary(event: Event) -> Summary:
    """Everything the results page shows, in a fixed number of queries whatever the responses."""
    form = get_form(event)  # 2 queries
    checked_in = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(CheckIn.rsvp_id))).where(CheckIn.event_id == event.id, CheckIn.standing)
    )
    answered = db.session.scalar(
        sa.select(sa.func.count()).select_from(FeedbackReceipt).where(FeedbackReceipt.event_id == event.id)
    )
    if form is None:
        return Summary(None, 0, answered, 0, checked_in, [])
    invited = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FeedbackInvitation)
        .where(FeedbackInvitation.form_id == form.id, FeedbackInvitation.invited_at.is_not(None))
    )
    responses = db.session.scalar(
        sa.select(sa.func.count()).select_from(FeedbackResponse).where(FeedbackResponse.form_id == form.id)
    )
    in_form = FeedbackAnswer.question_id.in_([q.id for q in form.questions])
    grouped = db.session.execute(
        sa.select(FeedbackAnswer.question_id, FeedbackAnswer.value_int, FeedbackAnswer.value_text, sa.func.count())
        .join(FeedbackQuestion, FeedbackQuestion.id == FeedbackAnswer.question_id)
        .where(in_form, FeedbackQuestion.kind.in_([k for k in QuestionKind if not k.is_text]))
        .group_by(FeedbackAnswer.question_id, FeedbackAnswer.value_int, FeedbackAnswer.value_text)
    ).all()
    counts: dict[int, dict] = defaultdict(dict)
    for question_id, value_int, value_text, n in grouped:
        counts[question_id][value_int if value_int is not None else value_text] = n
    answered_per_q = dict(
        db.session.execute(
            sa.select(FeedbackAnswer.question_id, sa.func.count(sa.distinct(FeedbackAnswer.response_id)))
            .where(in_form)
            .group_by(FeedbackAnswer.question_id)
        ).all()
    )
    texts: dict[int, list] = defaultdict(list)
    text_rows = db.session.execute(
        sa.select(FeedbackAnswer.question_id, FeedbackAnswer.value_text, FeedbackResponse.submitted_on, Rsvp)
        .join(FeedbackResponse, FeedbackResponse.id == FeedbackAnswer.response_id)
        .join(FeedbackQuestion, FeedbackQuestion.id == FeedbackAnswer.question_id)
        .outerjoin(Rsvp, Rsvp.id == FeedbackResponse.rsvp_id)
        .where(in_form, FeedbackQuestion.kind.in_([k for k in QuestionKind if k.is_text]))
        .order_by(FeedbackResponse.submitted_on.desc(), FeedbackAnswer.response_id)
    ).all()
    for question_id, text, on, rsvp in text_rows:
        texts[question_id].append((text, on, rsvp.full_name if rsvp is not None else ""))
    results = []
    for q in form.questions:
        r = QuestionResult(q, answered=answered_per_q.get(q.id, 0))
        c = counts.get(q.id, {})
        if q.kind.is_numeric:
            scale = NUMERIC_RANGES[q.kind]
            total = sum(c.values())
            r.average = sum(v * n for v, n in c.items()) / total if total else None
            r.distribution = [(str(v), c.get(v, 0)) for v in scale]
            if q.kind == QuestionKind.NPS:
                r.nps, r.promoters, r.passives, r.detractors = nps_parts(c)
        elif q.kind.has_choices:
            extra = [k for k in c if k not in q.choices]  # options since renamed away (kept, not lost)
            r.distribution = [(option, c.get(option, 0)) for option in [*q.choices, *extra]]
        else:
            r.texts = texts.get(q.id, [])
        results.append(r)
    return Summary(form, responses, answered, invited, checked_in, results)


# --- CSV ----------------------------------------------------------------------------------------


def answers_csv(event: Event, *, batch: int = 200) -> Iterator[str]:
    """One row per response (date, guest name and e-mail unless anonymous, one column per
    question; multiple choices joined with "; "), formula-safe like the guest list (UTF-8 BOM).
    Two queries, run before the first line is produced."""
    form = get_form(event)
    questions = list(form.questions) if form else []
    responses = db.session.execute(
        sa.select(FeedbackResponse.id, FeedbackResponse.submitted_on, Rsvp.first_name, Rsvp.last_name, Rsvp.email)
        .outerjoin(Rsvp, Rsvp.id == FeedbackResponse.rsvp_id)
        .where(FeedbackResponse.form_id == (form.id if form else 0))
        .order_by(FeedbackResponse.submitted_on, FeedbackResponse.id)
    ).all()
    values: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    answers = db.session.execute(
        sa.select(FeedbackAnswer.response_id, FeedbackAnswer.question_id, FeedbackAnswer.value_int,
                  FeedbackAnswer.value_text)
        .where(FeedbackAnswer.question_id.in_([q.id for q in questions]))
        .order_by(FeedbackAnswer.response_id, FeedbackAnswer.question_id, FeedbackAnswer.ordinal)
    )  # fmt: skip
    for response_id, question_id, value_int, value_text in answers:
        values[response_id][question_id].append(str(value_int) if value_int is not None else value_text)
    named = form is not None and not form.is_anonymous
    return _csv_lines(questions, responses, values, named=named, batch=batch)


def _csv_lines(questions, responses, values, *, named: bool, batch: int) -> Iterator[str]:
    writer = csv.writer(Line())
    header = ["Response", "Date", *(["Guest", "E-mail"] if named else []), *(q.prompt for q in questions)]
    yield "\ufeff" + writer.writerow([neutralise(h) for h in header])
    chunk = []
    for n, (response_id, on, first, last, email) in enumerate(responses, start=1):
        got = values.get(response_id, {})
        cells = [n, on.isoformat()]
        if named:
            cells += [f"{first or ''} {last or ''}".strip(), email or ""]
        cells += ["; ".join(got.get(q.id, [])) for q in questions]
        chunk.append(writer.writerow([neutralise(c) for c in cells]))
        if len(chunk) >= batch:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


# --- The series view --------------------------------------------------------------------------


@dataclasses.dataclass
class SeriesColumn:
    key: str
    prompt: str
    kind: QuestionKind


@dataclasses.dataclass
class SeriesRow:
    event: Event
    responses: int
    #: {question key: average (rating) or NPS (recommend)}; missing when nobody answered.
    values: dict[str, float]


def series_view(*, now: dt.datetime | None = None) -> tuple[list[SeriesColumn], list[SeriesRow]]:
    """Rating and recommend questions side by side across every past, non-draft event with a
    form, matched by question key (copied with 'Next in series'); newest event first. Four queries."""
    now = now or utcnow()
    forms = db.session.scalars(
        sa.select(FeedbackForm)
        .join(Event, Event.id == FeedbackForm.event_id)
        .where(Event.status == EventStatus.PUBLISHED, Event.ends_at <= now)
        .options(selectinload(FeedbackForm.questions), sa.orm.contains_eager(FeedbackForm.event))
        .order_by(Event.starts_at.desc())
    ).all()
    form_ids = [f.id for f in forms]
    responses = dict(
        db.session.execute(
            sa.select(FeedbackResponse.form_id, sa.func.count())
            .where(FeedbackResponse.form_id.in_(form_ids))
            .group_by(FeedbackResponse.form_id)
        ).all()
    )
    grouped = db.session.execute(
        sa.select(FeedbackQuestion.form_id, FeedbackQuestion.key, FeedbackAnswer.value_int, sa.func.count())
        .join(FeedbackAnswer, FeedbackAnswer.question_id == FeedbackQuestion.id)
        .where(
            FeedbackQuestion.form_id.in_(form_ids),
            FeedbackQuestion.kind.in_([QuestionKind.RATING, QuestionKind.NPS]),
        )
        .group_by(FeedbackQuestion.form_id, FeedbackQuestion.key, FeedbackAnswer.value_int)
    ).all()
    counts: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    for form_id, key, value, n in grouped:
        counts[(form_id, key)][value] = n
    columns: dict[str, SeriesColumn] = {}
    rows = []
    for form in forms:  # newest first: the newest wording of a key names its column
        values = {}
        for q in form.questions:
            if not q.kind.is_numeric:
                continue
            columns.setdefault(q.key, SeriesColumn(q.key, q.prompt, q.kind))
            c = counts.get((form.id, q.key))
            if not c:
                continue
            if q.kind == QuestionKind.NPS:
                values[q.key] = nps_parts(c)[0]
            else:
                values[q.key] = sum(v * n for v, n in c.items()) / sum(c.values())
        rows.append(SeriesRow(form.event, responses.get(form.id, 0), values))
    return list(columns.values()), rows


# --- The poster -------------------------------------------------------------------------------


def poster_url(event: Event) -> str:
    return f"{links.base_url()}/e/{event.slug}/feedback"


def render_poster_pdf(event: Event) -> bytes:
    """A printable A4 "Tell us how it went" poster with a QR to the event's feedback page."""

    url = poster_url(event)
    html = render_template("admin/feedback_poster.html", event=event, url=url, qr=badges.qr_data_uri(url))
    return badges.write_pdf(html)
