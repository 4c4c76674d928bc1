"""What every form shares: the ``Form`` base, the checks of an e-mail field, and
``form_error``, which puts a service's refusal next to its field. ``eventsite.forms.fields``
holds the fast fields the forms are built from; each blueprint keeps its own forms
(``admin/forms.py``, ``public/forms.py``, ...), which validate shape only: the services check
the rules.
"""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets
from wtforms.validators import DataRequired, Email, Length

from eventsite.forms.fields import BooleanField, EmailField, SelectField, StringField, TextAreaField, URLField
from eventsite.services import DomainError

__all__ = [
    "BooleanField", "CheckboxesField", "EmailField", "Form", "SelectField", "StringField", "TextAreaField", "URLField",
    "email_checks", "form_error",
]  # fmt: skip


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (works without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class Form(FlaskForm):
    """The base of every form: FlaskForm (CSRF) whose hidden CSRF field carries no ``id``. A page
    with several forms (a guest's manage page, the door links list) would otherwise repeat
    ``id="csrf_token"``, and ids must be unique in a document."""

    class Meta(FlaskForm.Meta):
        def render_field(self, field, render_kw):
            if field.type == "CSRFTokenField":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)


def email_checks(missing: str) -> list:
    """The validators of every e-mail address field: ``missing`` when it is empty, at most 254
    characters (RFC 5321), and the shape of an address (no DNS look-up: the e-mail we send is
    the real check)."""
    return [
        DataRequired(missing),
        Length(max=254),
        Email("That doesn't look like an e-mail address.", check_deliverability=False),
    ]


def form_error(form, exc: DomainError) -> None:
    """Put a service's refusal next to its field, or on the form as a whole. A form whose fields
    are named otherwise than the service's says how in ``service_field_names``."""
    field = getattr(form, "service_field_names", {}).get(exc.field, exc.field)
    if field and field in form:
        form[field].errors = [*form[field].errors, exc.message]
    else:
        form.form_errors.append(exc.message)
