"""The vendor editor's forms: shape only; services.vendors and services.logos check the rules."""

from flask_wtf.file import FileField
from wtforms import IntegerField, SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eventsite.forms import BooleanField, Form, SelectField, StringField, TextAreaField, URLField
from eventsite.models import EventVendor, Vendor, VendorTier
from eventsite.services import logos, vendors


class ListingFields(Form):
    name = StringField("Company", validators=[Optional(), Length(max=vendors.MAX_NAME)])
    website = URLField("Website", description="Optional, https://…", validators=[Optional(), Length(max=300)])
    logo = FileField(
        "Logo",
        description="PNG, JPEG or WebP, up to 2 MB; a wide logo on a light or transparent background looks best.",
    )
    tier = SelectField("Tier", choices=[SelectChoice(t.value, t.label) for t in VendorTier], default="exhibitor")
    brings = StringField(
        "What guests can try",
        description="One line, e.g. “a robotic stapler simulator”.",
        validators=[Optional(), Length(max=vendors.MAX_BRINGS)],
    )
    places = IntegerField(
        "Places for representatives",
        default=2,
        validators=[NumberRange(min=0, max=vendors.MAX_PLACES, message=f"Enter 0 to {vendors.MAX_PLACES}.")],
    )

    def listing(self) -> vendors.Listing:
        return vendors.Listing(tier=VendorTier(self.tier.data), brings=self.brings.data or "", places=self.places.data)

    def upload(self) -> vendors.Upload | None:
        file = self.logo.data
        if not (file and file.filename):
            return None
        try:
            return vendors.Upload(file.read(logos.MAX_BYTES + 1), file.filename)
        finally:
            file.close()


class AddVendorForm(ListingFields):
    vendor = SelectField("Vendor", validators=[Optional()])

    def offer(self, known: list[Vendor], listed: set[int]) -> "AddVendorForm":
        self.vendor.choices = [SelectChoice("", "A new vendor (name below)")] + [
            SelectChoice(str(v.id), v.name) for v in known if v.id not in listed
        ]
        return self

    def vendor_id(self) -> int | None:
        return int(self.vendor.data) if (self.vendor.data or "").isdigit() else None


class EditVendorForm(ListingFields):
    name = StringField("Company", validators=[DataRequired("Give the vendor's name."), Length(max=vendors.MAX_NAME)])
    drop_logo = BooleanField("Remove the logo")

    def fill(self, row: EventVendor) -> "EditVendorForm":
        self.name.data, self.website.data = row.vendor.name, row.vendor.website
        self.tier.data, self.brings.data, self.places.data = row.tier.value, row.brings, row.places
        return self


class RepresentativesForm(Form):
    people = TextAreaField(
        "Representatives to invite",
        description="One per line: “Dana Ruiz <dana@acme.com>” or an address. Each gets a personal link to RSVP.",
        validators=[DataRequired("Paste at least one e-mail address."), Length(max=20_000)],
    )
