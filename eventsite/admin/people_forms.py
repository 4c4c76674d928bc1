"""Form for the retention setting on the People screen: shape only; services.privacy checks the range."""

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
