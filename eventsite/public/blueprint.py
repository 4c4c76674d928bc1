"""Public blueprint: event listings and pages, RSVP, the guest's private manage link."""

from flask import Blueprint

bp = Blueprint("public", __name__)
