"""GuestCategory: who may come to an event (Resident, Faculty, Industry / vendor, Guest), each
with its own places, waitlist, admission rule, badge band and training levels (issue 15)."""

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsite.models.base import Base, str_enum
from eventsite.models.enums import BadgeRole, TrainingLevel


class CategoryPolicy(enum.StrEnum):
    """How a guest of the category gets in."""

    OPEN = "open"  #: confirmed while places remain, then the waitlist
    APPROVAL = "approval"  #: an organizer approves each guest
    CLOSED = "closed"  #: nobody new (shown, not offered)
    INVITATION = "invitation"  #: only with a personal invitation

    @property
    def label(self) -> str:
        return {
            "open": "Open",
            "approval": "Needs approval",
            "closed": "Closed",
            "invitation": "Invitation only",
        }[self.value]


class GuestCategory(Base):
    __tablename__ = "guest_categories"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "name"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Order on the public form and in figures (0 first).
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(60))
    #: Places for this category; None: only the event's overall capacity limits it.
    capacity: Mapped[int | None]
    policy: Mapped[CategoryPolicy] = mapped_column(
        str_enum(CategoryPolicy, "category_policy"), default=CategoryPolicy.OPEN
    )
    #: The badge band's colour; None: it follows each guest's training level, as before categories.
    badge_role: Mapped[BadgeRole | None] = mapped_column(str_enum(BadgeRole, "badge_role"))
    #: The band's words; "" uses the role's own words.
    badge_label: Mapped[str] = mapped_column(sa.String(40), default="")
    #: TrainingLevel values that belong here: the public form pre-selects this category for them.
    training_levels: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Addresses must be at one of these domains (or a subdomain); [] lets any address in.
    email_domains: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: An address at another domain may still ask for approval (else it is refused).
    other_domains_ask: Mapped[bool] = mapped_column(default=True)

    event: Mapped["Event"] = relationship()  # noqa: F821

    @property
    def levels(self) -> list[TrainingLevel]:
        return [TrainingLevel(v) for v in self.training_levels]

    def __repr__(self) -> str:
        return f"<GuestCategory {self.id} {self.name!r} event={self.event_id}>"
