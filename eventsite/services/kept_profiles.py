"""The details a guest asked us to remember for the next event (issue 17): name, badge name,
pronouns, institution, level and networking choices, one row per address, kept only when they
ticked "Remember my details" and deleted with the rest of their data (``my_events.delete_all``,
a per-event deletion through ``privacy``)."""

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import KeptProfile, Rsvp, utcnow

#: The networking choices kept (the RSVP form's fields of the same names).
NETWORKING = ("in_directory", "ask_me_about", "share_contact", "share_email", "share_phone", "phone", "profile_url",
              "share_vendors", "vendor_email", "vendor_phone", "vendor_institution", "vendor_interest")  # fmt: skip


def remember(rsvp: Rsvp, networking: dict) -> KeptProfile:
    """Keep ``rsvp``'s details (and the networking choices given with it) for the next event."""
    kept = db.session.get(KeptProfile, rsvp.email_key) or KeptProfile(email_key=rsvp.email_key)
    kept.email, kept.first_name, kept.last_name = rsvp.email, rsvp.first_name, rsvp.last_name
    kept.badge_name, kept.pronouns, kept.institution = rsvp.badge_name, rsvp.pronouns, rsvp.institution
    kept.training_level = rsvp.training_level.value
    kept.networking = {name: networking[name] for name in NETWORKING if name in networking}
    kept.updated_at = utcnow()
    db.session.add(kept)
    db.session.flush()
    return kept


def prefill(email_key: str | None) -> dict | None:
    """The RSVP form's values from the kept details of ``email_key``, or None."""
    kept = db.session.get(KeptProfile, email_key) if email_key else None
    if kept is None:
        return None
    return {"first_name": kept.first_name, "last_name": kept.last_name, "badge_name": kept.badge_name,
            "pronouns": kept.pronouns, "email": kept.email, "institution": kept.institution,
            "training_level": kept.training_level, "remember": True, **kept.networking}  # fmt: skip


def of(email_key: str) -> KeptProfile | None:
    return db.session.get(KeptProfile, email_key)


def forget(email_key: str) -> None:
    db.session.execute(sa.delete(KeptProfile).where(KeptProfile.email_key == email_key))
