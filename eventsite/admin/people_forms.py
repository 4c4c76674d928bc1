"""Forms for the retention settings on the People screen (the site's, and a series' own): shape
only; services.privacy checks the range."""

from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from eventsite.forms import Form
from eventsite.services.privacy import MAX_RETENTION_DAYS


class RetentionForm(Form):
    retention_days = IntegerField(
        "Anonymise guests' personal data this many days after each event",
        description="Leave empty to keep it. 365 keeps a year of names for the People page.",
        validators=[
            Optional(),
            NumberRange(1, MAX_RETENTION_DAYS, f"Choose from 1 to {MAX_RETENTION_DAYS:,} days, or leave it empty."),
        ],
    )


class SeriesRetentionForm(Form):
    """One series' own period (its row on the retention page; the prefix names the series)."""

    retention_days = IntegerField(
        "Days",
        description="Empty: as the site's setting above.",
        validators=[
            Optional(),
            NumberRange(1, MAX_RETENTION_DAYS, f"Choose from 1 to {MAX_RETENTION_DAYS:,} days, or leave it empty."),
        ],
    )
