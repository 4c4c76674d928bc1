"""Forms for the retention settings on the People screen (the site's, and a series' own): shape
only; services.privacy checks the range."""

from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from eventsite.forms import Form
from eventsite.services.privacy import MAX_RETENTION_DAYS


def days_field(label: str, description: str) -> IntegerField:
    """A retention period in days, or empty."""
    in_range = NumberRange(1, MAX_RETENTION_DAYS, f"Choose from 1 to {MAX_RETENTION_DAYS:,} days, or leave it empty.")
    return IntegerField(label, description=description, validators=[Optional(), in_range])


class RetentionForm(Form):
    retention_days = days_field(
        "Anonymise guests' personal data this many days after each event",
        "Leave empty to keep it. 365 keeps a year of names for the People page.",
    )


class SeriesRetentionForm(Form):
    """One series' own period (its row on the retention page; the prefix names the series, and
    the page puts the series' name in the label)."""

    retention_days = days_field("Days", "Empty: as the site's setting above.")
