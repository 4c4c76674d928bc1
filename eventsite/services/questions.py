"""The RSVP form's custom questions (issue 15): the organizer's editor, the guests' answers, and
what the guest list, the guest's page and the CSV show of them.

Each kind's checks, input and CSV cell are its class in ``services/feedback/kinds.py`` (shared
with the feedback form). A question is asked of everyone or of some categories
(``RsvpQuestion.category_ids``). A question with answers is never deleted: ``remove_question``
takes it off the form and keeps its answers, which the CSV still exports under a header marked
"(removed)". Answers go with their RSVP (privacy deletion, retention): the foreign key cascades.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from eventsite.database import read_once
from eventsite.extensions import db
from eventsite.models import Event, GuestCategory, QuestionKind, Rsvp, RsvpAnswer, RsvpQuestion, utcnow
from eventsite.services import DomainError, ErrorCode, categories, ordering
from eventsite.services.feedback.answers import InvalidAnswers, clean_answers
from eventsite.services.feedback.kinds import KINDS, QuestionType, question_type
from eventsite.services.feedback.options import clean_choices, keep_chosen, question_key

__all__ = ["InvalidAnswers", "question_type"]

MAX_QUESTIONS = 20
#: The kinds the RSVP form offers, in the editor's order.
RSVP_KINDS = [k for k in QuestionKind if KINDS[k].for_rsvp]


def field_name(question: RsvpQuestion) -> str:
    """The question's field on the RSVP and manage forms (``cq`` keeps it apart from feedback's ``q``)."""
    return f"cq{question.id}"


def of_event(event: Event | int, *, removed: bool = False) -> list[RsvpQuestion]:
    """The event's questions on the form, in order; ``removed`` adds the removed ones after them."""
    event_id = event if isinstance(event, int) else event.id

    def load():
        query = sa.select(RsvpQuestion).where(RsvpQuestion.event_id == event_id)
        if not removed:
            query = query.where(RsvpQuestion.removed_at.is_(None))
        query = query.order_by(RsvpQuestion.removed_at.is_not(None), RsvpQuestion.position, RsvpQuestion.id)
        return list(db.session.scalars(query))

    return read_once("questions", (event_id, removed), load)


def asked(questions: Iterable[RsvpQuestion], category_id: int | None) -> list[RsvpQuestion]:
    """The questions a guest of this category answers."""
    return [q for q in questions if q.removed_at is None and q.asks(category_id)]


def check_answers(questions: list[RsvpQuestion], data: Mapping[str, list[str]]) -> dict[int, list]:
    """{question id: cleaned answer} from submitted form data ({field: values}). Raises
    InvalidAnswers ({field name: message}) with every problem at once."""
    return clean_answers(questions, data, field_name)


def form_data(request_form) -> dict[str, list[str]]:
    """The custom questions' fields of a submitted form, as {field: [values]}."""
    return {k: request_form.getlist(k) for k in request_form if k.startswith("cq")}


def read_submitted(event: Event, shown: list[RsvpQuestion], answered: list[RsvpQuestion], request_form):
    """A submitted form's answers: (the Asking that shows ``shown`` again with what was typed and
    every problem, {question id: cleaned answer} to ``answered``, empty when there are problems)."""
    typed = form_data(request_form)
    try:
        answers, errors = check_answers(answered, typed), {}
    except InvalidAnswers as exc:
        answers, errors = {}, exc.errors
    return asking(event, shown, typed, errors), answers


def save_answers(
    rsvp: Rsvp, questions: list[RsvpQuestion], answers: Mapping[int, list], *, now=None, new_rsvp: bool = False
) -> bool:
    """Store the guest's answers to ``questions`` (those asked of them): new and changed answers
    are written, answers left empty are removed, the rest stay as they were (a consent keeps the
    moment and version it was given). ``new_rsvp``: the RSVP was just made, so it holds no
    answers to look up. Returns whether anything changed; adds, never commits."""
    now = now or utcnow()
    held = {} if new_rsvp else {a.question_id: a for a in answers_of_rsvp(rsvp.id)}
    changed = False
    for q in questions:
        value, old = answers.get(q.id), held.get(q.id)
        version = q.consent_version if q.kind == QuestionKind.CONSENT else None
        if value is None:
            if old is not None:
                db.session.delete(old)
                changed = True
        elif old is None:
            db.session.add(
                RsvpAnswer(rsvp_id=rsvp.id, question_id=q.id, answer=value, answered_at=now, consent_version=version)
            )
            changed = True
        elif old.answer != value or old.consent_version != version:
            old.answer, old.answered_at, old.consent_version = value, now, version
            changed = True
    db.session.flush()
    return changed


@dataclasses.dataclass(frozen=True)
class FirstAnswers:
    """A new guest's answers as the form's read phase checked them, with what saving them needs
    (the category they were asked for, each consent's version as the guest read it), so that
    the write, under the lock, reads no question again."""

    category_id: int | None
    #: {question id: (answer, consent version or None)}
    values: dict[int, tuple[list, int | None]]

    @classmethod
    def of(cls, category_id: int | None, answered: list[RsvpQuestion], answers: Mapping[int, list]) -> "FirstAnswers":
        return cls(category_id, {
            q.id: (answers[q.id], q.consent_version if q.kind == QuestionKind.CONSENT else None)
            for q in answered if q.id in answers
        })  # fmt: skip

    def __bool__(self) -> bool:
        return bool(self.values)


def add_first_answers(rsvp: Rsvp, first: FirstAnswers, now: dt.datetime) -> None:
    """Store a just-made RSVP's answers in one INSERT. Its category is the one they were checked
    for, unless the categories changed between the read and the write: then the questions asked
    of the category it got are read again and save_answers keeps what applies."""
    if rsvp.category_id != first.category_id:
        save_answers(
            rsvp,
            asked(of_event(rsvp.event_id), rsvp.category_id),
            {qid: value for qid, (value, _) in first.values.items()},
            now=now,
            new_rsvp=True,
        )
        return
    db.session.execute(sa.insert(RsvpAnswer), [
        {"rsvp_id": rsvp.id, "question_id": qid, "answer": value, "answered_at": now, "consent_version": version}
        for qid, (value, version) in first.values.items()
    ])  # fmt: skip


def answers_of_rsvp(rsvp_id: int) -> list[RsvpAnswer]:
    return list(db.session.scalars(sa.select(RsvpAnswer).where(RsvpAnswer.rsvp_id == rsvp_id)))


def answer_table(event: Event, rsvp_ids: Iterable[int] | None = None) -> dict[int, dict[int, RsvpAnswer]]:
    """{rsvp id: {question id: answer}} for the event's guests (or those of ``rsvp_ids``)."""
    query = (
        sa.select(RsvpAnswer)
        .join(RsvpQuestion, RsvpQuestion.id == RsvpAnswer.question_id)
        .where(RsvpQuestion.event_id == event.id)
    )
    if rsvp_ids is not None:
        ids = list(rsvp_ids)
        if not ids:
            return {}
        query = query.where(RsvpAnswer.rsvp_id.in_(ids))
    table: dict[int, dict[int, RsvpAnswer]] = {}
    for answer in db.session.scalars(query):
        table.setdefault(answer.rsvp_id, {})[answer.question_id] = answer
    return table


@dataclasses.dataclass(frozen=True)
class ShownAnswer:
    question: RsvpQuestion
    #: The answer in words ("" when not answered).
    text: str
    answer: RsvpAnswer | None


def shown(question: RsvpQuestion, answer: RsvpAnswer | None) -> str:
    """An answer in words, as the guest list, the guest's page and the CSV show it."""
    if answer is None or not answer.answer:
        return ""
    text = question_type(question).shown(answer.answer)
    if question.kind == QuestionKind.CONSENT and answer.consent_version:
        text += f" (text version {answer.consent_version}, {answer.answered_at:%Y-%m-%d %H:%M} UTC)"
    return text


def answers_for_guest(rsvp: Rsvp) -> list[ShownAnswer]:
    """Every question of the event the guest answered or was asked, removed ones included when answered."""
    held = {a.question_id: a for a in answers_of_rsvp(rsvp.id)}
    out = []
    for q in of_event(rsvp.event_id, removed=True):
        answer = held.get(q.id)
        if answer is not None or (q.removed_at is None and q.asks(rsvp.category_id)):
            out.append(ShownAnswer(q, shown(q, answer), answer))
    return out


def values_for_form(rsvp: Rsvp) -> dict[str, list[str]]:
    """The guest's answers as the form's fields hold them ({field: [values]}), to fill the manage page."""
    return {f"cq{a.question_id}": [str(v) for v in a.answer] for a in answers_of_rsvp(rsvp.id)}


def csv_cell(question: RsvpQuestion, answer: RsvpAnswer | None):
    """An answer's CSV cell: a number stays a number; the rest as ``shown``."""
    if answer is not None and question.kind == QuestionKind.NUMBER and answer.answer:
        return answer.answer[0]
    return shown(question, answer)


def csv_header(question: RsvpQuestion) -> str:
    return question.prompt + (" (removed)" if question.removed_at is not None else "")


# --- the organizer's editor -------------------------------------------------------------------


@dataclasses.dataclass
class QuestionFields:
    """What the organizer sets on a question (the kind only when adding it)."""

    prompt: str
    help_text: str = ""
    required: bool = False
    choices: list[str] = dataclasses.field(default_factory=list)
    category_ids: list[int] = dataclasses.field(default_factory=list)
    consent_text: str = ""
    consent_url: str = ""


def _touch(event_id: int) -> None:
    # The public page caches its blank form per event version (public.views.blank_rsvp_fields).
    db.session.execute(sa.update(Event).where(Event.id == event_id).values(updated_at=utcnow()))


def _clean(event_id: int, kind_type: QuestionType, fields: QuestionFields, question=None) -> dict:
    prompt = " ".join(fields.prompt.split())
    if not prompt:
        raise DomainError("Please write the question.", ErrorCode.BAD_QUESTION, "prompt")
    options = clean_choices(kind_type.kind, fields.choices)
    if question is not None and kind_type.has_choices:
        keep_chosen(_chosen_options(question), options)
    own = {c.id for c in categories.of_event(event_id)}
    category_ids = sorted({int(c) for c in fields.category_ids if int(c) in own})
    consent_text, consent_url = fields.consent_text.strip(), fields.consent_url.strip()
    if kind_type.kind == QuestionKind.CONSENT:
        if not consent_text:
            raise DomainError("Write what the guest agrees to.", ErrorCode.BAD_QUESTION, "consent_text")
        if consent_url and not re.fullmatch(r"https?://\S+", consent_url):
            raise DomainError("Give a full link, starting with https://.", ErrorCode.BAD_URL, "consent_url")
    else:
        consent_text = consent_url = ""
    return dict(
        prompt=prompt, help_text=fields.help_text.strip(), required=bool(fields.required), choices=options,
        category_ids=category_ids, consent_text=consent_text, consent_url=consent_url,
    )  # fmt: skip


def _chosen_options(question: RsvpQuestion) -> set[str]:
    chosen: set[str] = set()
    for answer in db.session.scalars(sa.select(RsvpAnswer.answer).where(RsvpAnswer.question_id == question.id)):
        chosen.update(str(v) for v in answer)
    return chosen


def _keys(event_id: int) -> set[str]:
    return set(db.session.scalars(sa.select(RsvpQuestion.key).where(RsvpQuestion.event_id == event_id)))


def add_question(event: Event, kind: QuestionKind | str, fields: QuestionFields) -> RsvpQuestion:
    """Append a question to the form. Raises DomainError ``too_many_questions``, ``invalid_input``
    (prompt, consent_text, consent_url), ``too_few_choices``/``too_many_choices`` (choices)."""
    kind = QuestionKind(kind)
    if not KINDS[kind].for_rsvp:
        raise DomainError("The RSVP form can't ask that kind of question.", ErrorCode.BAD_QUESTION, "kind")
    current = of_event(event)
    if len(current) >= MAX_QUESTIONS:
        raise DomainError(f"The form holds at most {MAX_QUESTIONS} questions.", ErrorCode.TOO_MANY_QUESTIONS)
    values = _clean(event.id, KINDS[kind], fields)
    question = RsvpQuestion(
        event_id=event.id, kind=kind, key=question_key(values["prompt"], _keys(event.id)),
        position=max((q.position for q in current), default=-1) + 1, **values,
    )  # fmt: skip
    db.session.add(question)
    _touch(event.id)
    db.session.flush()
    return question


def update_question(question: RsvpQuestion, fields: QuestionFields) -> None:
    """Change a question's wording, rule, options and categories; its kind stays. Answers stay
    as given (an option guests chose can't be taken away: ``choice_in_use``). A consent whose
    text or link changes gets a new version: guests who agreed before keep the version they saw."""
    values = _clean(question.event_id, question_type(question), fields, question)
    if question.kind == QuestionKind.CONSENT and (
        values["consent_text"] != question.consent_text or values["consent_url"] != question.consent_url
    ):
        question.consent_version += 1
    for name, value in values.items():
        setattr(question, name, value)
    _touch(question.event_id)
    db.session.flush()


def move_question(question: RsvpQuestion, step: int) -> None:
    """Swap with the neighbour above (-1) or below (+1) on the form; at an end nothing changes."""
    if ordering.move_one(of_event(question.event_id), question, step):
        _touch(question.event_id)
        db.session.flush()


def answer_count(question: RsvpQuestion) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RsvpAnswer).where(RsvpAnswer.question_id == question.id)
    )


def remove_question(question: RsvpQuestion, *, now: dt.datetime | None = None) -> bool:
    """Take the question off the form. Without answers it is deleted (returns False); with
    answers it is marked removed and its answers stay readable and exported (returns True)."""
    _touch(question.event_id)
    if answer_count(question):
        question.removed_at = now or utcnow()
        db.session.flush()
        return True
    db.session.delete(question)
    db.session.flush()
    return False


def copy_to(source: Event, target: Event) -> None:
    """ "Next in series": the source's questions on the form (not removed ones, no answers), asked
    of the target's categories of the same names."""
    names = {c.id: c.name for c in categories.of_event(source)}
    by_name = {c.name: c.id for c in categories.of_event(target)}
    for q in of_event(source):
        db.session.add(
            RsvpQuestion(
                event_id=target.id, position=q.position, key=q.key, kind=q.kind, prompt=q.prompt,
                help_text=q.help_text, required=q.required, choices=list(q.choices),
                category_ids=[by_name[names[c]] for c in q.category_ids if names.get(c) in by_name],
                consent_text=q.consent_text, consent_url=q.consent_url, consent_version=q.consent_version,
            )
        )  # fmt: skip
    db.session.flush()


def category_names(question: RsvpQuestion, cats: list[GuestCategory]) -> str:
    """Who is asked, in words: "Everyone" or the categories' names."""
    if not question.category_ids:
        return "Everyone"
    return ", ".join(c.name for c in cats if c.id in question.category_ids) or "Nobody (its categories are gone)"


@dataclasses.dataclass
class Asking:
    """What a form shows of the custom questions (templates/public/_custom_questions.html)."""

    questions: list[RsvpQuestion]
    #: {field name: [values]} as typed or as saved.
    values: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    #: {field name: message}.
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    #: {question id: the categories it is for, in words}, for questions not asked of everyone.
    who: dict[int, str] = dataclasses.field(default_factory=dict)
    field_name = staticmethod(field_name)
    question_type = staticmethod(question_type)


def asking(event: Event, questions: list[RsvpQuestion], values=None, errors=None) -> Asking | None:
    """The form's questions with who each is for (None when the event asks nothing)."""
    if not questions:
        return None
    cats = categories.of_event(event)
    who = {q.id: category_names(q, cats) for q in questions if q.category_ids and len(cats) > 1}
    return Asking(questions, values or {}, errors or {}, who)
