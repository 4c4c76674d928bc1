"""Admin: write to one group of an event's guests, preview it with a real guest, send it; history."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eventsite.admin.blueprint import bp
from eventsite.admin.common import get_event
from eventsite.auth.gates import Permission, permission_required
from eventsite.forms import Form
from eventsite.models import Segment
from eventsite.services import categories
from eventsite.services import messages as message_service
from eventsite.web import REFUSED, attempt

SENDING = "The e-mails are going out now; the history below counts them as they are delivered."
BODY_HINT = Markup("Plain text. Leave a blank line between paragraphs; links become clickable.")


class MessageForm(Form):
    segment = RadioField(
        "Send to",
        choices=[SelectChoice(s.value, s.label) for s in Segment],
        default=Segment.CONFIRMED.value,
        validators=[DataRequired("Pick who gets the message.")],
    )
    #: Narrows the group to one guest category; choices are the event's (``for_event``).
    category = SelectField("Only guests in", validators=[Optional()])
    subject = StringField("Subject", validators=[DataRequired("Please write a subject."), Length(max=200)])
    body = TextAreaField(
        "Message",
        description=BODY_HINT,
        validators=[DataRequired("Please write the message."), Length(max=20000)],
    )
    #: The ticked box carries "<segment>:<count>" ("<segment>:<category>:<count>" for one category),
    #: what the organizer saw when they confirmed.
    confirm = StringField(validators=[Optional()])
    #: The RSVP ids ticked on the guest list ("Write to them"), comma-separated: the SELECTED group.
    picked = HiddenField(validators=[Optional(), Length(max=60_000)])

    def for_event(self, cats) -> "MessageForm":
        self.category.choices = [SelectChoice("", "Every category")] + [SelectChoice(str(c.id), c.name) for c in cats]
        self.show_category = len(cats) > 1
        if not self.picked_ids():  # the ticked guests are a group only when some were ticked
            self.segment.choices = [c for c in self.segment.choices if c.value != Segment.SELECTED.value]
        return self

    def picked_ids(self) -> list[int]:
        return [int(i) for i in (self.picked.data or "").split(",") if i.strip().isdigit()][:5000]

    def chosen_category(self) -> int | None:
        value = self.category.data or ""
        offered = {choice.value for choice in self.category.choices or ()}
        return int(value) if value.isdigit() and value in offered else None

    def confirm_value(self, n: int) -> str:
        category = self.chosen_category()
        return f"{self.chosen_segment().value}:{f'{category}:' if category else ''}{n}"

    def chosen_segment(self) -> Segment:
        try:
            return Segment(self.segment.data)
        except ValueError:  # nothing or junk posted: the form error says so; show the default
            return Segment.CONFIRMED

    def confirmed_count(self) -> int | None:
        """The count the organizer confirmed for the chosen group; None if they confirmed nothing
        (or confirmed another group, whose box the page showed before they switched)."""
        seen, _, count = (self.confirm.data or "").rpartition(":")
        if seen != self.confirm_value(0).rpartition(":")[0] or not count.isdigit():
            return None
        return int(count)

    def message_fields(self, *, confirmed: bool = True) -> dict:
        """The message as the services take it; to send, also the count the organizer confirmed."""
        fields = {"segment": self.chosen_segment(), "subject": self.subject.data, "body": self.body.data,
                  "category_id": self.chosen_category(), "picked": self.picked_ids()}  # fmt: skip
        return {**fields, "confirmed_count": self.confirmed_count()} if confirmed else fields


@bp.route("/events/<int:event_id>/messages", methods=["GET", "POST"])
@permission_required(Permission.MANAGE)
def messages(event_id: int):
    event = get_event(event_id)
    if request.method == "POST" and request.form.get("write") == "1":  # "Write to them" on the guest list
        ticked = ",".join(i for i in request.form.getlist("rsvp_ids") if i.isdigit())
        form = MessageForm(formdata=None, data={"segment": Segment.SELECTED.value, "picked": ticked})
        return _page(event, form.for_event(categories.of_event(event)), None)
    form = MessageForm().for_event(categories.of_event(event))
    preview, valid = None, form.validate_on_submit()
    if valid and request.form.get("action") == "send":
        message = attempt(
            form, message_service.send_message, event, **form.message_fields(), sent_by=current_user.email
        )
        if message is not REFUSED:
            noun = message_service.segment_noun(message.segment, message.recipients)
            flash(f"Sent “{message.subject}” to {noun}. {SENDING}")
            return redirect(url_for("admin.messages", event_id=event.id))
    elif valid:
        preview = attempt(form, message_service.preview_message, event, **form.message_fields(confirmed=False))
        if preview is not REFUSED:
            flash(f"Preview ready: the e-mail exactly as {preview.rsvp.full_name} would get it. Nothing was sent yet.")
    return _page(event, form, None if preview is REFUSED else preview)


def _page(event, form: MessageForm, preview):
    return render_template(
        "admin/messages.html",
        event=event,
        form=form,
        preview=preview,
        counts=message_service.segment_counts(event, form.chosen_category(), form.picked_ids()),
        history=message_service.message_history(event),
        placeholders=message_service.PLACEHOLDERS,
        segment_noun=message_service.segment_noun,
        categories_by_id={c.id: c.name for c in categories.of_event(event)},
    ), (422 if form.errors or form.form_errors else 200)
