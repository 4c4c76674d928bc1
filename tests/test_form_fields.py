"""Our fast form widgets (eventsite.forms.fields) render exactly what WTForms' own widgets do.

Guests' screen readers, autofill and the other tests rely on the ids, names, required markers,
lengths and aria attributes; each field is rendered by both widgets in the same state and the
markup compared byte for byte.
"""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice, fields
from wtforms.validators import DataRequired, Email, Length, Optional

from eventsite.forms import fields as form_fields

CHOICES = [SelectChoice("", "Choose"), SelectChoice("a", "Alpha & <b>"), SelectChoice("q\"'", "Quote \" '")]
ODD = "Zoë \"Z\" <script>&amp; 'x'"


def field_pairs():
    """(name, our field, WTForms' field) for every field type eventsite.forms.fields offers."""
    required = [DataRequired("Please."), Length(max=30)]
    return [
        ("text", form_fields.StringField("Text", validators=required), fields.StringField("Text", validators=required)),
        ("optional", form_fields.StringField("O", validators=[Optional(), Length(min=2, max=9)]),
         fields.StringField("O", validators=[Optional(), Length(min=2, max=9)])),
        ("kw", form_fields.StringField("K", render_kw={"placeholder": 'a "b"', "data_x_y": "1", "readonly": True}),
         fields.StringField("K", render_kw={"placeholder": 'a "b"', "data_x_y": "1", "readonly": True})),
        ("email", form_fields.EmailField("E", validators=[DataRequired(), Email(check_deliverability=False)]),
         fields.EmailField("E", validators=[DataRequired(), Email(check_deliverability=False)])),
        ("url", form_fields.URLField("U", validators=[Optional(), Length(max=300)]),
         fields.URLField("U", validators=[Optional(), Length(max=300)])),
        ("tel", form_fields.TelField("T"), fields.TelField("T")),
        ("notes", form_fields.TextAreaField("N", validators=[Optional(), Length(max=500)]),
         fields.TextAreaField("N", validators=[Optional(), Length(max=500)])),
        ("tick", form_fields.BooleanField("B"), fields.BooleanField("B")),
        ("level", form_fields.SelectField("L", choices=CHOICES, validators=[DataRequired()]),
         fields.SelectField("L", choices=CHOICES, validators=[DataRequired()])),
    ]  # fmt: skip


def forms():
    pairs = field_pairs()
    ours = type("Ours", (Form,), {name: ours for name, ours, _ in pairs})
    theirs = type("Theirs", (Form,), {name: theirs for name, _, theirs in pairs})
    return [name for name, _, _ in pairs], ours, theirs


STATES = {
    "blank": None,
    "typed": MultiDict({"text": ODD, "optional": "x", "kw": ODD, "email": "zoë@example.org", "url": "https://a.b/?q=1&r=\"2\"",
                        "tel": "+1 (555) 0100", "notes": ODD + "\nline two", "tick": "y", "level": "a"}),
    "odd choice": MultiDict({"level": "q\"'", "tick": "", "notes": ""}),
}  # fmt: skip

CALLS = [
    {},
    {"aria_invalid": "true", "aria_describedby": "x-hint x-error", "autocomplete": "given-name"},
    {"class_": "wide", "type": "tel", "tabindex": "-1", "required": False, "disabled": True},
    {"value": 'given "value"', "data_role": "<x>"},
]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("attrs", CALLS, ids=range(len(CALLS)))
def test_fast_widgets_render_what_wtforms_renders(state, attrs):
    names, Ours, Theirs = forms()
    ours, theirs = Ours(formdata=STATES[state]), Theirs(formdata=STATES[state])
    if STATES[state] is not None:
        ours.validate(), theirs.validate()
    for name in names:
        if name == "level" and "value" in attrs:
            continue  # a select has no value attribute
        mine, reference = ours[name](**attrs), theirs[name](**attrs)
        assert str(mine) == str(reference), name
        assert type(mine) is type(reference), name


def test_the_guest_forms_use_the_fast_widgets():
    """The RSVP form (and the manage page's details) renders every field through form_fields."""
    from eventsite.public.forms import RsvpForm

    declared = {
        name: value
        for cls in RsvpForm.__mro__
        for name, value in vars(cls).items()
        if isinstance(value, fields.core.UnboundField)
    }
    assert len(declared) >= 17
    assert [n for n, f in declared.items() if not f.field_class.__module__.startswith("eventsite.")] == []
