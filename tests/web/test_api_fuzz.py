"""Fuzz the API from its own OpenAPI document (schemathesis): no input, however malformed, is a 5xx."""

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from eventsite.models import utcnow
from eventsite.services import doors
from factories import make_event, make_rsvp
from helpers import db_session

pytestmark = pytest.mark.slow

EXAMPLES = 40


def test_no_request_built_from_the_openapi_document_gets_a_server_error(app):
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        make_rsvp(event)
        token = doors.create_door_link(event, label="Door 1").token
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


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("[" * 50_000, id="50k-open-brackets"),
        pytest.param('{"scans":' * 3_000 + "1" + "}" * 3_000, id="deep-object"),
        pytest.param('{"code":"' + "x" * 2_000_000 + '"}', id="2MB-string"),
        pytest.param("[" + ",".join(["{}"] * 400_000) + "]", id="huge-array"),
    ],
)
def test_deep_or_huge_json_on_every_operation_is_a_4xx_json_error(app, body):
    """Beyond what schemathesis generates: bodies nested past the parser's limit, or larger than
    MAX_CONTENT_LENGTH, on every operation of the document, with and without a door token."""
    with db_session(app):
        event = make_event(starts_at=utcnow() + dt.timedelta(minutes=30))
        token = doors.create_door_link(event, label="Door 1").token
        event_id = event.id
    client = app.test_client()
    doc = client.get("/api/openapi.json").get_json()
    calls = 0
    for path, operations in doc["paths"].items():
        url = "/api" + path.replace("{event_id}", str(event_id)).replace("{rsvp_id}", "1").replace("{check_in_id}", "1")
        for method in operations:
            for headers in ({"X-Door-Token": token}, {}):
                response = client.open(
                    url, method=method.upper(), data=body, content_type="application/json", headers=headers
                )
                calls += 1
                assert 400 <= response.status_code < 500 or (method == "get" and response.status_code < 500), (
                    method,
                    url,
                    response.status_code,
                )
                if response.status_code >= 400:
                    assert {"error", "message"} <= set(response.get_json()), (method, url)
    assert calls >= 18
