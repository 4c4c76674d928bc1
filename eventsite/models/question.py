"""The RSVP form's custom questions (issue 15): an event's own questions, asked of all its guests
or of some categories, and each guest's answers.

A question's kind is a ``QuestionKind``; what the kind does (checks, input, CSV cell) is its
class in ``services/feedback/kinds.py``, shared with the feedback form. A question guests have
answered is never deleted: it is marked ``removed_at``, leaves the form, and its answers stay in
the CSV under a header that says so.
"""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, UTCDateTime, str_enum, utcnow
from eventsite.models.feedback import QuestionKind


class RsvpQuestion(Base):
    __tablename__ = "rsvp_questions"
    __table_args__ = (sa.UniqueConstraint("event_id", "key", name="uq_rsvp_questions_event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Order on the form (0 first).
    position: Mapped[int] = mapped_column(default=0)
    #: Stable across "Next in series" copies.
    key: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "rsvp_question_kind"))
    prompt: Mapped[str] = mapped_column(sa.String(300))
    help_text: Mapped[str] = mapped_column(sa.String(300), default="")
    required: Mapped[bool] = mapped_column(default=False)
    #: The options of a single or multiple choice question, in order.
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Asked only of guests in these categories (ids); empty: of everyone.
    category_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: A consent question: the text the guest agrees to, an optional link to the full text, and
    #: its version (raised whenever the text or link changes; each answer keeps the one agreed to).
    consent_text: Mapped[str] = mapped_column(sa.String(1000), default="")
    consent_url: Mapped[str] = mapped_column(sa.String(500), default="")
    consent_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Deleted by the organizer after guests answered: off the form, answers kept.
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    def asks(self, category_id: int | None) -> bool:
        """Whether a guest of this category (None: not chosen yet) is asked the question."""
        return not self.category_ids or category_id in self.category_ids

    def __repr__(self) -> str:
        return f"<RsvpQuestion {self.key} {self.kind}>"


class RsvpAnswer(Base):
    __tablename__ = "rsvp_answers"
    __table_args__ = (sa.UniqueConstraint("rsvp_id", "question_id", name="uq_rsvp_answers_rsvp_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rsvp_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvps.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("rsvp_questions.id", ondelete="CASCADE"), index=True)
    #: The answer as its kind cleans it: [text], [option, …], ["yes"], [number], ["YYYY-MM-DD"].
    answer: Mapped[list] = mapped_column(sa.JSON, default=list)
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: A consent answer: the version of the text agreed to.
    consent_version: Mapped[int | None] = mapped_column()

    question: Mapped[RsvpQuestion] = relationship()

    def __repr__(self) -> str:
        return f"<RsvpAnswer rsvp={self.rsvp_id} question={self.question_id}>"
