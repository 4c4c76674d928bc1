"""Fixtures the web tests share."""

import pytest

from factories import make_organizer
from helpers import db_session, sign_in


@pytest.fixture()
def admin(app, client):
    """The test client, signed in as the demo organizer (organizer@example.org)."""
    with db_session(app):
        make_organizer()
    assert sign_in(client, "organizer@example.org").status_code == 302
    return client
