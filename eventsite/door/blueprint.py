"""Door blueprint (/door): the volunteer's phone-first check-in page; the JSON lives in /api."""

from flask import Blueprint

bp = Blueprint("door", __name__, url_prefix="/door")
