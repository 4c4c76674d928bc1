"""Forms for networking between guests: opt-ins (at RSVP and on the manage page), scan, note."""

from wtforms import RadioField, SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from eventsite.forms import BooleanField, Form, StringField, URLField
from eventsite.services.contacts import MAX_NOTE


class NetworkingFields:
    """The opt-ins, mixed into the RSVP form and used alone on the manage page."""

    in_directory = BooleanField("List me in “Who's coming” for other confirmed guests")
    ask_me_about = StringField(
        "Ask me about",
        description="Optional, one line, e.g. “hand fellowships” or “research years”.",
        validators=[Optional(), Length(max=120)],
    )
    share_contact = BooleanField("Let guests I meet save my contact by scanning my badge")
    share_email = BooleanField("Share my e-mail")
    share_phone = BooleanField("Share my phone")
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    profile_url = URLField(
        "Profile link",
        description="Optional: LinkedIn, Doximity or a program page (https://…).",
        validators=[Optional(), Length(max=300)],
    )

    share_vendors = BooleanField("Vendors may save my contact when they scan my badge")
    vendor_email = BooleanField("My e-mail")
    vendor_phone = BooleanField("My phone (the number under Contact exchange)")
    vendor_institution = BooleanField("My institution")
    vendor_interest = BooleanField("What I'm interested in (the “Ask me about” line)")

    NETWORKING = ("in_directory", "ask_me_about", "share_contact", "share_email", "share_phone", "phone", "profile_url",
                  "share_vendors", "vendor_email", "vendor_phone", "vendor_institution", "vendor_interest")  # fmt: skip

    def networking_fields(self) -> dict:
        return {name: self[name].data or ("" if name in ("ask_me_about", "phone", "profile_url") else False)
                for name in self.NETWORKING}  # fmt: skip

    def networking_chosen(self) -> bool:
        """True when the guest ticked or typed anything in the networking options."""
        return any(self[name].data for name in self.NETWORKING)

    def networking_errors(self) -> bool:
        return any(self[name].errors for name in self.NETWORKING)


class NetworkingForm(Form, NetworkingFields):
    """The manage page's networking choices: the RSVP form's networking fields on their own."""


class ScanForm(Form):
    code = StringField(
        "Badge code",
        description="Scan the QR code, or type the code printed under it.",
        validators=[DataRequired("Scan a badge or type its code."), Length(max=300)],
    )
    note = StringField(
        "Note (only you see it)",
        description="Optional, e.g. “talked about hand fellowship”.",
        validators=[Optional(), Length(max=MAX_NOTE)],
    )


class NoteForm(Form):
    note = StringField("Note", validators=[Optional(), Length(max=MAX_NOTE)])


class SaveBadgeForm(Form):
    note = StringField(
        "Note (only you see it)",
        description="Optional, e.g. “talked about hand fellowship”.",
        validators=[Optional(), Length(max=MAX_NOTE)],
    )


RATINGS = [
    SelectChoice(value, label)
    for value, label in (("", "Not rated"), ("hot", "Hot"), ("warm", "Warm"), ("cold", "Cold"))
]


class LeadScanForm(ScanForm):
    """A vendor representative's scan: the badge, and optionally a note and a rating."""

    note = StringField(
        "Note (your vendor's team sees it)",
        description="Optional, e.g. “wants a demo in October”.",
        validators=[Optional(), Length(max=MAX_NOTE)],
    )
    rating = RadioField(
        "How warm a lead?",
        choices=RATINGS,
        default="",
        validators=[Optional()],
    )


class LeadForm(Form):
    note = StringField("Note", validators=[Optional(), Length(max=MAX_NOTE)])
    rating = RadioField(
        "Rating",
        choices=RATINGS,
        default="",
        validators=[Optional()],
    )
