"""Question kinds: one class per ``QuestionKind`` saying how its answers are checked, summed up
for the results page, written to the CSV and shown on the form (as Indico's registration field
types do for their fields). The feedback form and the RSVP form's custom questions
(``services/questions.py``) share them: ``for_feedback`` and ``for_rsvp`` say which form offers
a kind.

``models/feedback.py:QuestionKind`` is what the database stores, with its label; what a kind
*does* lives here. ``KINDS`` holds one instance per stored kind and ``question_type`` finds it
for a question or a kind. Templates draw a question with the macro its type names:
``input_macro`` in ``templates/public/_feedback_inputs.html``, ``results_macro`` in
``templates/admin/_feedback_results.html``.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from eventsite.models import QuestionKind
from eventsite.services import DomainError, ErrorCode

if TYPE_CHECKING:
    from eventsite.models import FeedbackQuestion, RsvpQuestion

    Question = FeedbackQuestion | RsvpQuestion

MAX_CHOICES = 12


class BadAnswer(ValueError):
    """An answer that doesn't fit its question; the message goes next to the question."""


def average(counts: Mapping[int, int]) -> float | None:
    """The mean of {score: count}, None without answers."""
    total = sum(counts.values())
    return sum(v * n for v, n in counts.items()) / total if total else None


def nps_parts(counts: Mapping[int, int]) -> tuple[int | None, int, int, int]:
    """(NPS, promoters, passives, detractors) from {score 0–10: count}; NPS is % promoters − % detractors."""
    promoters = sum(n for v, n in counts.items() if v >= 9)
    passives = sum(n for v, n in counts.items() if 7 <= v <= 8)
    detractors = sum(n for v, n in counts.items() if v <= 6)
    total = promoters + passives + detractors
    if not total:
        return None, 0, 0, 0
    return round(100 * (promoters - detractors) / total), promoters, passives, detractors


class QuestionType:
    """What a question of one kind does. A subclass per kind sets the attributes and overrides
    ``clean`` and ``summarise``; the rest has defaults that suit most kinds."""

    kind: QuestionKind
    #: The macro of templates/public/_feedback_inputs.html that draws the input.
    input_macro: str
    #: The macro of templates/admin/_feedback_results.html that shows the results.
    results_macro: str
    #: The chart on the results page (admin/feedback.py:CHARTS), or None.
    chart: str | None = None
    #: What a required question left empty says.
    missing = "Please answer this question."
    #: The organizer lists options (``FeedbackQuestion.choices``).
    has_choices = False
    #: A number on a scale: averaged, and shown across the series.
    is_numeric = False
    #: Free text: the results list the answers one by one instead of counting them.
    is_text = False
    #: The organizer writes the options (False: the system keeps them, e.g. the event's vendors).
    own_choices = True
    #: Which forms offer the kind to organizers.
    for_feedback = True
    for_rsvp = True

    def clean(self, question: "Question", values: list[str]) -> list[int | str]:
        """The answer to store, from what the guest sent (stripped, none empty); raises BadAnswer."""
        raise NotImplementedError

    def summarise(self, question: "Question", counts: Mapping, texts: list) -> dict:
        """The fields of the question's ``QuestionResult``, from {stored value: count} (counted
        kinds) or [(text, date, guest name)] (text kinds)."""
        raise NotImplementedError

    def csv_cell(self, values: list[int | str]) -> str:
        """The answer's CSV cell; several values (multiple choice) are joined with "; "."""
        return "; ".join(str(v) for v in values)

    def shown(self, values: list) -> str:
        """The answer in words, for the guest list and the guest's page."""
        return self.csv_cell(values)

    def clean_options(self, options: list[str]) -> list[str]:
        """The options a question of this kind keeps, from the organizer's cleaned list."""
        return []


class ScaleQuestion(QuestionType):
    """A number on a fixed scale, one radio button per point."""

    input_macro = "scale"
    is_numeric = True
    for_rsvp = False
    scale: range
    #: The words under the two ends of the scale.
    ends: tuple[str, str]
    #: How the series view prints the event's figure, and what its column adds to the prompt.
    figure_format = "%.1f"
    figure_name = ""

    @property
    def top(self) -> int:
        return self.scale[-1]

    def clean(self, question, values):
        if len(values) != 1 or not values[0].isdigit() or int(values[0]) not in self.scale:
            raise BadAnswer(f"Choose a number from {self.scale.start} to {self.top}.")
        return [int(values[0])]

    def summarise(self, question, counts, texts):
        return {"average": average(counts), "distribution": [(str(v), counts.get(v, 0)) for v in self.scale]}

    def series_figure(self, counts: Mapping[int, int]) -> float | None:
        """The one figure the series view shows for an event's answers."""
        return average(counts)


class Rating(ScaleQuestion):
    kind = QuestionKind.RATING
    scale = range(1, 6)
    ends = ("1 · Poor", "5 · Excellent")
    results_macro = "rating"
    chart = "scores"


class Recommend(ScaleQuestion):
    """The "how likely are you to recommend" scale (0–10), summed up as a Net Promoter Score."""

    kind = QuestionKind.NPS
    scale = range(0, 11)
    ends = ("0 · Not at all likely", "10 · Extremely likely")
    results_macro = "nps"
    chart = "nps"
    figure_format = "%+d"
    figure_name = " (NPS)"

    def summarise(self, question, counts, texts):
        nps, promoters, passives, detractors = nps_parts(counts)
        fields = super().summarise(question, counts, texts)
        return fields | dict(nps=nps, promoters=promoters, passives=passives, detractors=detractors)

    def series_figure(self, counts):
        return nps_parts(counts)[0]


class ChoiceQuestion(QuestionType):
    """One or several of the organizer's options."""

    input_macro = "options"
    results_macro = "counts"
    chart = "bars"
    has_choices = True
    #: Several options may be ticked.
    several: bool
    #: What an answer outside the options (or too many of them) says.
    wrong: str

    @property
    def input_type(self) -> str:
        """Each option's input on the form."""
        return "checkbox" if self.several else "radio"

    def clean(self, question, values):
        if any(v not in question.choices for v in values) or (not self.several and len(values) > 1):
            raise BadAnswer(self.wrong)
        return [c for c in question.choices if c in values]  # the form's order, each once

    def summarise(self, question, counts, texts):
        extra = [k for k in counts if k not in question.choices]  # options since renamed away (kept, not lost)
        return {"distribution": [(option, counts.get(option, 0)) for option in [*question.choices, *extra]]}

    def clean_options(self, options):
        if len(options) < 2:
            raise DomainError("Give at least two options, one per line.", ErrorCode.TOO_FEW_CHOICES, "choices")
        if len(options) > MAX_CHOICES:
            raise DomainError(f"Give at most {MAX_CHOICES} options.", ErrorCode.TOO_MANY_CHOICES, "choices")
        return options


class SingleChoice(ChoiceQuestion):
    kind = QuestionKind.SINGLE
    several = False
    wrong = "Choose one of the options."


class MultipleChoice(ChoiceQuestion):
    kind = QuestionKind.MULTIPLE
    several = True
    wrong = "Choose from the options."


class TextQuestion(QuestionType):
    """Free text up to ``limit`` characters, listed on the results page with its date and guest."""

    results_macro = "texts"
    missing = "Please write an answer."
    is_text = True
    limit: int

    def clean(self, question, values):
        text = "\n".join(values)
        if len(text) > self.limit:
            raise BadAnswer(f"Please keep it under {self.limit} characters (now {len(text)}).")
        return [text]

    def summarise(self, question, counts, texts):
        return {"texts": texts}


class ShortText(TextQuestion):
    kind = QuestionKind.SHORT_TEXT
    input_macro = "line"
    limit = 300


class LongText(TextQuestion):
    kind = QuestionKind.LONG_TEXT
    input_macro = "box"
    limit = 4000


class RsvpOnly(QuestionType):
    """A kind only the RSVP form offers: asked once per guest, never summed up on a results page."""

    for_feedback = False
    results_macro = "texts"


class YesNo(RsvpOnly):
    kind = QuestionKind.YES_NO
    input_macro = "yes_no"
    missing = "Please answer yes or no."
    ANSWERS = {"yes": "Yes", "no": "No"}

    def clean(self, question, values):
        if len(values) != 1 or values[0] not in self.ANSWERS:
            raise BadAnswer("Choose yes or no.")
        return [values[0]]

    def shown(self, values):
        return self.ANSWERS.get(str(values[0]), str(values[0])) if values else ""


_NUMBER = re.compile(r"[+-]?(\d{1,10}([.,]\d{1,4})?|[.,]\d{1,4})")


class Number(RsvpOnly):
    """A whole or decimal number (a comma works as the decimal mark), within ±1,000,000,000."""

    kind = QuestionKind.NUMBER
    input_macro = "number"
    missing = "Please give a number."
    LIMIT = 1_000_000_000

    def clean(self, question, values):
        text = values[0].replace(" ", "").replace("\u00a0", "") if len(values) == 1 else ""
        if not _NUMBER.fullmatch(text):
            raise BadAnswer("Give a number, such as 3 or 2.5.")
        number = float(text.replace(",", "."))
        if abs(number) > self.LIMIT:
            raise BadAnswer("That number is too large.")
        return [int(number) if number.is_integer() else number]


class Date(RsvpOnly):
    """A calendar date (the browser's date picker sends YYYY-MM-DD)."""

    kind = QuestionKind.DATE
    input_macro = "date"
    missing = "Please give a date."

    def clean(self, question, values):
        try:
            day = dt.date.fromisoformat(values[0]) if len(values) == 1 and len(values[0]) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise BadAnswer("Give the date as YYYY-MM-DD, for example 2027-09-12.")
        if not 1900 <= day.year <= 2100:
            raise BadAnswer("Give a date between 1900 and 2100.")
        return [day.isoformat()]

    def shown(self, values):
        return dt.date.fromisoformat(values[0]).strftime("%-d %B %Y") if values else ""


class Consent(RsvpOnly):
    """A box to tick under the organizer's text (and link); the answer records the text's version."""

    kind = QuestionKind.CONSENT
    input_macro = "consent"
    missing = "Please tick the box to agree, or we can't take your RSVP."

    def clean(self, question, values):
        if values != ["yes"]:
            raise BadAnswer("Tick the box to agree.")
        return ["yes"]

    def shown(self, values):
        return "Agreed" if values else ""


class VendorsTried(QuestionType):
    """Which of the event's vendors the guest tried, each with an optional 1–5 rating (issue 16).

    The options are the event's vendors (``services.vendors`` keeps ``choices`` in step with
    them); the form shows one select per vendor, all sending the question's field. An answer is
    one value per vendor tried, ``"<vendor>\t<rating>"`` (rating "" when not rated): the name as
    the guest saw it, so a later rename or removal leaves the results readable.
    """

    kind = QuestionKind.VENDORS
    input_macro = "vendors"
    results_macro = "vendors"
    own_choices = False
    for_rsvp = False
    SCALE = range(1, 6)
    wrong = "Choose from the vendors listed, with a rating from 1 to 5 or none."

    @staticmethod
    def split(value: str) -> tuple[str, int | None]:
        name, _, rating = str(value).partition("\t")
        return name, int(rating) if rating.isdigit() else None

    def clean(self, question, values):
        tried: dict[str, str] = {}
        for value in values:
            name, _, rating = value.partition("\t")
            if (
                name not in question.choices
                or name in tried
                or not (rating == "" or (rating.isdigit() and int(rating) in self.SCALE))
            ):
                raise BadAnswer(self.wrong)
            tried[name] = rating
        return [f"{name}\t{tried[name]}" for name in question.choices if name in tried]

    def summarise(self, question, counts, texts):
        rows: dict[str, dict] = {
            name: {"tried": 0, "ratings": dict.fromkeys(self.SCALE, 0)} for name in question.choices
        }
        for value, n in counts.items():
            name, rating = self.split(value)
            row = rows.setdefault(name, {"tried": 0, "ratings": dict.fromkeys(self.SCALE, 0)})
            row["tried"] += n
            if rating is not None:
                row["ratings"][rating] += n
        vendors = [
            VendorResult(name, row["tried"], average(row["ratings"]), sum(row["ratings"].values()),
                         [(str(v), row["ratings"][v]) for v in self.SCALE])
            for name, row in rows.items()
        ]  # fmt: skip
        return {"vendors": vendors, "distribution": [(v.name, v.tried) for v in vendors]}

    def csv_cell(self, values):
        parts = []
        for value in values:
            name, rating = self.split(value)
            parts.append(f"{name} ({rating})" if rating is not None else f"{name} (tried)")
        return "; ".join(parts)


@dataclasses.dataclass(frozen=True)
class VendorResult:
    """One vendor's line in the results: how many tried it, and their ratings."""

    name: str
    tried: int
    average: float | None
    rated: int
    distribution: list[tuple[str, int]]


KINDS: dict[QuestionKind, QuestionType] = {
    t.kind: t
    for t in (
        Rating(), Recommend(), SingleChoice(), MultipleChoice(), ShortText(), LongText(),
        YesNo(), Number(), Date(), Consent(), VendorsTried(),
    )
}  # fmt: skip


def question_type(of) -> QuestionType:
    """The type of a question (feedback or RSVP), or of a kind (member or stored value)."""
    return KINDS[QuestionKind(getattr(of, "kind", of))]
