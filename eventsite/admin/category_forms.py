"""The guest category editor's form: shape only; services.categories checks the rules."""

from wtforms import IntegerField, SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eventsite.forms import BooleanField, CheckboxesField, Form, SelectField, StringField, TextAreaField
from eventsite.models import BadgeRole, CategoryPolicy, GuestCategory, TrainingLevel
from eventsite.services.categories import CategoryFields


class CategoryForm(Form):
    name = StringField("Name", validators=[DataRequired("Please name the category."), Length(max=60)])
    capacity = IntegerField(
        "Places",
        description="Empty: no limit of its own (the event's capacity still applies).",
        validators=[Optional(), NumberRange(min=0, max=100_000, message="Enter a number from 0 up.")],
    )
    policy = SelectField(
        "Who gets in", choices=[SelectChoice(p.value, p.label) for p in CategoryPolicy], default="open"
    )
    badge_role = SelectField(
        "Badge band",
        choices=[SelectChoice("", "Follows each guest's training level")]
        + [SelectChoice(r.value, r.label) for r in BadgeRole],
        validators=[Optional()],
    )
    badge_label = StringField(
        "Words on the band", description="Optional; e.g. “Vendor”.", validators=[Optional(), Length(max=40)]
    )
    training_levels = CheckboxesField(
        "Training levels that belong here",
        description="The RSVP form picks this category for them.",
        choices=[SelectChoice(level.value, level.label) for level in TrainingLevel],
        validators=[Optional()],
    )
    email_domains = TextAreaField(
        "Only addresses at these domains",
        description="Optional: one per line, e.g. ucla.edu (subdomains count too). Empty: any address.",
        validators=[Optional(), Length(max=3000)],
    )
    other_domains_ask = BooleanField("Other addresses may ask for approval instead", default=True)

    def fill(self, category: GuestCategory) -> "CategoryForm":
        self.name.data, self.capacity.data, self.policy.data = category.name, category.capacity, category.policy.value
        self.badge_role.data = category.badge_role.value if category.badge_role else ""
        self.badge_label.data, self.training_levels.data = category.badge_label, list(category.training_levels)
        self.email_domains.data = "\n".join(category.email_domains)
        self.other_domains_ask.data = category.other_domains_ask
        return self

    def fields(self) -> CategoryFields:
        return CategoryFields(
            name=self.name.data,
            capacity=self.capacity.data,
            policy=CategoryPolicy(self.policy.data),
            badge_role=BadgeRole(self.badge_role.data) if self.badge_role.data else None,
            badge_label=self.badge_label.data or "",
            training_levels=tuple(TrainingLevel(v) for v in self.training_levels.data or ()),
            email_domains=self.email_domains.data or "",
            other_domains_ask=bool(self.other_domains_ask.data),
        )
