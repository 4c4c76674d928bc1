"""Refusal codes come from one list (services.codes.ErrorCode): services raise its members, the
API answers with each member's status, and /api/openapi.json names them (issue 13)."""

import ast
from pathlib import Path

import pytest

from eventsite.services import DomainError, ErrorCode

PACKAGE = Path(__file__).resolve().parent.parent / "eventsite"


def refusals():
    """(where, code argument) for every DomainError-family call in eventsite/."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and len(node.args) >= 2:
                name = ast.unparse(node.func)
                if name.endswith(("Error", "Answers")) or name == "super().__init__":
                    yield f"{path.relative_to(PACKAGE.parent)}:{node.lineno}", node.args[1]


def test_every_refusal_names_its_code_from_the_enum():
    bare = [where for where, code in refusals() if isinstance(code, ast.Constant)]
    assert not bare, f"codes written as bare strings (use ErrorCode.<NAME>): {bare}"


def test_every_errorcode_member_named_in_the_code_exists():
    named = {
        (path.name, node.attr)
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ErrorCode"
    }
    assert len(named) > 60
    assert not [n for n in named if n[1] not in ErrorCode.__members__], "ErrorCode has no such member"


def test_a_code_outside_the_enum_cannot_be_raised():
    with pytest.raises(ValueError):
        DomainError("No.", "no_such_code")
    assert DomainError("No.", "bad_pin").code is ErrorCode.BAD_PIN


def test_the_api_and_its_document_read_the_status_from_the_enum(client):
    refused = client.post("/api/events/1/checkins", json={"code": "x"}, headers={"X-Door-Token": "nope"})
    assert refused.status_code == ErrorCode.DOOR_NOT_FOUND.status == 401
    assert refused.get_json()["error"] == "door_not_found"
    document = client.get("/api/openapi.json").get_json()
    described = document["paths"]["/events/{event_id}/checkins"]["post"]["responses"]["401"]["description"]
    assert all(f"`{code}`" in described for code in ErrorCode if code.status == 401)
