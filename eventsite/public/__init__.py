"""Public blueprint: event listings and pages, RSVP, the guest's private manage link."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from eventsite.public import badges, contacts, email_change, feedback, privacy, views  # noqa: E402,F401  (routes register on bp)
