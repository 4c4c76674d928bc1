"""Feedback: a form per event (ordered questions), invitations, responses and receipts.

Anonymity is structural, not a flag checked at read time. For an anonymous form a
``FeedbackResponse`` holds no guest, no invitation and only the local date; its key is random
and its answers have no sequence of their own, so neither row order nor ids line responses up
with ``FeedbackReceipt`` (the separate record that says *this guest answered*, which is what
stops a second answer and a second reminder).
"""

import datetime as dt
import enum
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow


class QuestionKind(enum.StrEnum):
    """The kind of a question as stored. What each kind does (checks, results, CSV, input) is its
    class in ``services/feedback/kinds.py``."""

    RATING = "rating"
    NPS = "nps"
    SINGLE = "single"
    MULTIPLE = "multiple"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    # The RSVP form's own kinds (issue 15); feedback forms don't offer them.
    YES_NO = "yes_no"
    NUMBER = "number"
    DATE = "date"
    CONSENT = "consent"
    # The feedback form's per-vendor question (issue 16): its options are the event's vendors.
    VENDORS = "vendors"

    @property
    def label(self) -> str:
        return {
            "vendors": "Vendors tried, each rated 1–5",
            "rating": "Rating 1–5",
            "nps": "How likely to recommend (0–10)",
            "single": "Single choice",
            "multiple": "Multiple choice",
            "short_text": "Short text",
            "long_text": "Long text",
            "yes_no": "Yes / no",
            "number": "Number",
            "date": "Date",
            "consent": "Consent (a box to tick, with its text)",
        }[self.value]


class FeedbackAudience(enum.StrEnum):
    """Who gets the e-mail invitation."""

    CHECKED_IN = "checked_in"
    CONFIRMED = "confirmed"

    @property
    def label(self) -> str:
        return {"checked_in": "Guests who checked in", "confirmed": "All confirmed guests"}[self.value]


#: Defaults: opens at the event's end, closes this long after, invites this long after the end.
DEFAULT_OPEN_DAYS = 14
DEFAULT_INVITE_DELAY_HOURS = 2
DEFAULT_REMINDER_DAYS = 3


class FeedbackForm(TimestampMixin, Base):
    __tablename__ = "feedback_forms"
    __table_args__ = (
        sa.CheckConstraint("invite_delay_hours >= 0", name="invite_delay_not_negative"),
        sa.CheckConstraint("reminder_after_days >= 1", name="reminder_after_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    #: Shown above the questions.
    intro: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Answers are stored with no link to the guest (decided before the first answer).
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    #: None: the event's end. Else an explicit moment (UTC).
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: None: DEFAULT_OPEN_DAYS after the opening.
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    invitations_enabled: Mapped[bool] = mapped_column(default=True)
    #: Invitations leave this many hours after the event's end (and not before the form opens).
    invite_delay_hours: Mapped[int] = mapped_column(default=DEFAULT_INVITE_DELAY_HOURS)
    audience: Mapped[FeedbackAudience] = mapped_column(
        str_enum(FeedbackAudience, "feedback_audience"), default=FeedbackAudience.CHECKED_IN
    )
    reminder_enabled: Mapped[bool] = mapped_column(default=True)
    #: One reminder this many days after the invitation, to guests who have not answered.
    reminder_after_days: Mapped[int] = mapped_column(default=DEFAULT_REMINDER_DAYS)

    event: Mapped["Event"] = relationship()  # noqa: F821
    questions: Mapped[list["FeedbackQuestion"]] = relationship(
        back_populates="form", order_by="FeedbackQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def effective_opens_at(self) -> dt.datetime:
        return self.opens_at or self.event.ends_at

    @property
    def effective_closes_at(self) -> dt.datetime:
        return self.closes_at or self.effective_opens_at + dt.timedelta(days=DEFAULT_OPEN_DAYS)

    @property
    def invite_at(self) -> dt.datetime:
        return max(self.event.ends_at + dt.timedelta(hours=self.invite_delay_hours), self.effective_opens_at)

    def is_open(self, now: dt.datetime) -> bool:
        return self.effective_opens_at <= now < self.effective_closes_at

    def __repr__(self) -> str:
        return f"<FeedbackForm {self.id} event={self.event_id}>"


class FeedbackQuestion(Base):
    __tablename__ = "feedback_questions"
    __table_args__ = (sa.UniqueConstraint("form_id", "key", name="uq_feedback_questions_form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_forms.id", ondelete="CASCADE"), index=True)
    #: Order on the form (0, 1, 2 …; gaps allowed).
    position: Mapped[int] = mapped_column(default=0)
    #: Stable across "Next in series" copies: the series view matches questions by it.
    key: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "question_kind"))
    prompt: Mapped[str] = mapped_column(sa.String(300))
    help_text: Mapped[str] = mapped_column(sa.String(300), default="")
    required: Mapped[bool] = mapped_column(default=False)
    #: The options of a single or multiple choice question, in order.
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)

    form: Mapped[FeedbackForm] = relationship(back_populates="questions")

    @property
    def asked(self) -> bool:
        """Shown on the form: a vendors question only while the event has vendors (its choices)."""
        return self.kind != QuestionKind.VENDORS or bool(self.choices)

    def __repr__(self) -> str:
        return f"<FeedbackQuestion {self.key} {self.kind}>"


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class FeedbackInvitation(Base):
    """A guest's personal link to the form; ``invited_at``/``reminded_at`` make each e-mail go once."""

    __tablename__ = "feedback_invitations"
    __table_args__ = (sa.Index("ix_feedback_invitations_form_invited", "form_id", "invited_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_forms.id", ondelete="CASCADE"))
    rsvp_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="CASCADE"), unique=True)
    #: Secret in the personal link; useless once the guest's receipt exists.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_invitation_token)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the invitation e-mail was queued; None: the link was made for the manage page or a badge code.
    invited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    rsvp: Mapped["Rsvp"] = relationship()  # noqa: F821
    form: Mapped[FeedbackForm] = relationship()

    def __repr__(self) -> str:
        return f"<FeedbackInvitation {self.id} rsvp={self.rsvp_id}>"


def new_response_key() -> str:
    return secrets.token_urlsafe(16)


class FeedbackResponse(Base):
    """One guest's submitted form. ``rsvp_id`` is empty for anonymous forms, always."""

    __tablename__ = "feedback_responses"
    __table_args__ = (sa.Index("ix_feedback_responses_form", "form_id"),)

    #: Random, not a sequence: ids must not reveal the order of submission (see module docstring).
    id: Mapped[str] = mapped_column(sa.String(24), primary_key=True, default=new_response_key)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_forms.id", ondelete="CASCADE"))
    rsvp_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="SET NULL"))
    #: The day of the answer in the event's zone; deliberately no time.
    submitted_on: Mapped[dt.date] = mapped_column(sa.Date)

    answers: Mapped[list["FeedbackAnswer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="FeedbackAnswer.question_id"
    )

    def __repr__(self) -> str:
        return f"<FeedbackResponse {self.id}>"


class FeedbackAnswer(Base):
    """One answer; a multiple-choice answer is one row per ticked option (``ordinal`` 0, 1 …)."""

    __tablename__ = "feedback_answers"
    __table_args__ = (sa.Index("ix_feedback_answers_question", "question_id"),)

    response_id: Mapped[str] = mapped_column(
        sa.ForeignKey("feedback_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback_questions.id", ondelete="CASCADE"), primary_key=True
    )
    ordinal: Mapped[int] = mapped_column(primary_key=True, default=0, autoincrement=False)
    #: Rating (1–5) or recommend (0–10) answers.
    value_int: Mapped[int | None]
    #: Text answers and the chosen option of choice questions.
    value_text: Mapped[str] = mapped_column(sa.Text, default="")

    response: Mapped[FeedbackResponse] = relationship(back_populates="answers")

    def __repr__(self) -> str:
        return f"<FeedbackAnswer {self.question_id} {self.value_int!r} {self.value_text[:20]!r}>"


class FeedbackReceipt(Base):
    """Only that a guest answered (never what): one per RSVP, which also settles double submits."""

    __tablename__ = "feedback_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    rsvp_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="CASCADE"), unique=True)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<FeedbackReceipt rsvp={self.rsvp_id}>"
