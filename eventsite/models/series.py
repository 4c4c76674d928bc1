"""Series: events that belong together (issue 17), e.g. "Resident Networking Events" visiting one
city after another. Every event is in one; "Next in series" keeps it there."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eventsite.models.base import Base, TimestampMixin


class Series(TimestampMixin, Base):
    __tablename__ = "series"
    __table_args__ = (sa.CheckConstraint("retention_days IS NULL OR retention_days >= 1", name="retention_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: Cities guests may ask alerts for before the series has been there (issue 17), besides
    #: the cities of its events.
    extra_cities: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Days after each of its events before guests' personal data is anonymised; None follows
    #: the site's setting (PrivacySettings), which may itself keep data.
    retention_days: Mapped[int | None]

    def __repr__(self) -> str:
        return f"<Series {self.id} {self.slug}>"
