"""What the organizer reads: the results of one event, its answers as CSV, and the rating and
recommend questions side by side across the series."""

import csv
import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eventsite.extensions import db
from eventsite.models import (
    CheckIn,
    Event,
    EventStatus,
    FeedbackAnswer,
    FeedbackForm,
    FeedbackInvitation,
    FeedbackQuestion,
    FeedbackReceipt,
    FeedbackResponse,
    QuestionKind,
    Rsvp,
    utcnow,
)
from eventsite.services.feedback.editor import get_form
from eventsite.services.feedback.kinds import KINDS, QuestionType, question_type
from eventsite.services.spreadsheets import Line, neutralise

# --- One event's results ----------------------------------------------------------------------


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
    #: One line per vendor (the vendors question): tried, average rating, rating distribution.
    vendors: list = dataclasses.field(default_factory=list)

    @property
    def type(self) -> QuestionType:
        return question_type(self.question)


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
        .where(in_form, FeedbackQuestion.kind.in_([k for k, t in KINDS.items() if not t.is_text]))
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
        .where(in_form, FeedbackQuestion.kind.in_([k for k, t in KINDS.items() if t.is_text]))
        .order_by(FeedbackResponse.submitted_on.desc(), FeedbackAnswer.response_id)
    ).all()
    for question_id, text, on, rsvp in text_rows:
        texts[question_id].append((text, on, rsvp.full_name if rsvp is not None else ""))
    results = [
        QuestionResult(
            q, answered=answered_per_q.get(q.id, 0),
            **question_type(q).summarise(q, counts.get(q.id, {}), texts.get(q.id, [])),
        )
        for q in form.questions
    ]  # fmt: skip
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
    values: dict[str, dict[int, list[int | str]]] = defaultdict(lambda: defaultdict(list))
    answers = db.session.execute(
        sa.select(FeedbackAnswer.response_id, FeedbackAnswer.question_id, FeedbackAnswer.value_int,
                  FeedbackAnswer.value_text)
        .where(FeedbackAnswer.question_id.in_([q.id for q in questions]))
        .order_by(FeedbackAnswer.response_id, FeedbackAnswer.question_id, FeedbackAnswer.ordinal)
    )  # fmt: skip
    for response_id, question_id, value_int, value_text in answers:
        values[response_id][question_id].append(value_int if value_int is not None else value_text)
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
        cells += [question_type(q).csv_cell(got.get(q.id, [])) for q in questions]
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

    @property
    def type(self) -> QuestionType:
        return question_type(self.kind)


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
            FeedbackQuestion.kind.in_([k for k, t in KINDS.items() if t.is_numeric]),
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
            kind = question_type(q)
            if not kind.is_numeric:
                continue
            columns.setdefault(q.key, SeriesColumn(q.key, q.prompt, q.kind))
            c = counts.get((form.id, q.key))
            if c:
                values[q.key] = kind.series_figure(c)
        rows.append(SeriesRow(form.event, responses.get(form.id, 0), values))
    return list(columns.values()), rows
