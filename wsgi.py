"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from eventsite import create_app
from eventsite.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"eventsite: configuration error: {exc}")
