"""Fuzz the API from its own OpenAPI document (schemathesis): no input, however malformed, is a 5xx."""

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from eventsite.models import utcnow
from eventsite.services import checkin
from factories import make_event, make_rsvp
from helpers import db_session

pytestmark = pytest.mark.slow

EXAMPLES = 40


def test_no_request_built_from_the_openapi_document_gets_a_server_error(app):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        make_rsvp(event)
        token = checkin.create_door_link(event, label="Door 1").token
        event_id = event.id
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def fuzz(case):
            if case.path_parameters and isinstance(case.path_parameters.get("event_id"), int):
                case.path_parameters["event_id"] = event_id  # reach past the 404 into the handlers
            response = case.call(headers={"X-Door-Token": token})
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
            )
            if response.status_code >= 400:
                assert {"error", "reason", "message"} <= set(response.json()), response.text[:300]
            case.validate_response(response, checks=[not_a_server_error])

        fuzz()
