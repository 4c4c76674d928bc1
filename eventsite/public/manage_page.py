"""What the guest's manage page (/r/<token>) shows, gathered in one place: the RSVP and its
forms, the feedback card, the badge preview and the networking panel. Every view that renders
the page (after an edit, an e-mail change or a networking choice) builds it here."""

from flask import request

from eventsite.models import Rsvp, RsvpStatus, utcnow
from eventsite.public.contact_forms import NetworkingForm
from eventsite.public.forms import ConfirmForm, EmailChangeForm
from eventsite.services import badges, contacts, feedback, leads, questions, rsvps, vendors


def manage_context(rsvp: Rsvp, *, networking_form: NetworkingForm | None = None, asking=None) -> dict:
    """The template context of public/manage.html (the page's own form is the caller's;
    ``asking``: its custom questions as submitted, else the guest's saved answers)."""
    return custom_questions(rsvp, asking) | {
        "rsvp": rsvp,
        "event": rsvp.event,
        "position": rsvps.waitlist_position(rsvp),
        "confirm_form": ConfirmForm(),
        "email_form": EmailChangeForm(formdata=None),
        "now": utcnow(),
        "feedback_card": feedback_card(rsvp),
        "badge_layout": badge_preview(rsvp) if rsvp.status == RsvpStatus.CONFIRMED else None,
        "networking": networking_panel(rsvp, networking_form) if rsvp.is_live else None,
    }


def custom_questions(rsvp: Rsvp, asking=None) -> dict:
    """The event's questions for the guest: editable (``asking``) until RSVPs close, then
    their answers to read (``answers``)."""
    asked = questions.asked(questions.of_event(rsvp.event_id), rsvp.category_id)
    if not asked:
        return {"asking": None, "answers": None}
    if editable_answers(rsvp):
        return {
            "asking": asking or questions.asking(rsvp.event, asked, questions.values_for_form(rsvp)),
            "answers": None,
        }
    return {"asking": None, "answers": questions.answers_for_guest(rsvp)}


def editable_answers(rsvp: Rsvp) -> bool:
    """Guests change their answers until RSVPs close."""
    return rsvp.event.is_open_for_rsvp(utcnow())


def feedback_card(rsvp):
    """What the manage page says about feedback: None before the form opens or without one."""
    if rsvp.event.ends_at > utcnow():  # before the end there's nothing to say (and nothing to query)
        return None
    state = feedback.form_state(rsvp)
    if state is None or state.state in ("not_yet", "not_a_guest"):
        return None
    return state.state


def badge_preview(rsvp):
    """The guest's badge laid out as it prints (for the manage page's preview)."""
    return badges.fit_badge(badges.badge_data(rsvp))


def networking_panel(rsvp: Rsvp, form=None) -> dict:
    """What templates/public/_networking.html shows on the manage page."""
    profile = contacts.get_profile(rsvp)
    if not isinstance(form, NetworkingForm):  # the manage page itself passes nothing
        form = NetworkingForm(obj=profile, formdata=None)
    chosen = []
    if profile is not None and profile.in_directory and rsvp.event.directory_enabled:
        chosen.append("listed in Who's coming")
    if profile is not None and profile.share_contact:
        chosen.append("sharing your contact")
    if profile is not None and profile.share_vendors:
        chosen.append("vendors may save you")
    return {
        "summary": ", ".join(chosen) or "not listed, not sharing",
        "form": form,
        "profile": profile,
        "active": contacts.can_network(rsvp),
        "saved_me": contacts.saved_me(rsvp),
        "my_count": contacts.count_saved(rsvp),
        "directory_on": rsvp.event.directory_enabled,
        "open": form.errors or request.args.get("networking") == "1",
        "vendor_names": vendors.names(rsvp.event_id),
        "vendors_saved": leads.saved_by(rsvp),
        "representing": vendors.representing(rsvp),
        "withdraw_form": NetworkingForm(formdata=None, prefix="w"),
    }
