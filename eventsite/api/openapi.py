"""The OpenAPI 3 description of /api, served at /api/openapi.json (and fuzzed by the test suite)."""

from eventsite.api.schemas import ERROR, GUEST, ROSTER, STATS, UPLOADED, VERDICT, WALK_IN
from eventsite.models import TrainingLevel
from eventsite.services import ErrorCode
from eventsite.services.checkin import MAX_UPLOAD, MIN_SEARCH
from eventsite.services.tickets import MAX_CODE


def _codes(status: int) -> str:
    """The codes an error of ``status`` may carry, as ErrorCode lists them."""
    codes = [f"`{code}`" for code in ErrorCode if code.status == status]
    return f". Codes: {', '.join(codes)}" if codes and status != 422 else ""


def _errors(*statuses: int) -> dict:
    words = {
        400: "Malformed request",
        401: "No valid door token / PIN or sign-in",
        403: "Door link revoked, expired or not yet open",
        404: "No such event or check-in for this caller",
        409: "Conflict",
        422: "Invalid input (``field`` names the form field when there is one)",
        429: "Too many unknown door tokens from this address, or wrong PINs for this door (see Retry-After)",
    }
    return {
        str(s): {
            "description": words[s] + _codes(s),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for s in statuses
    }


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


EVENT_ID = {"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}
AUTH_ERRORS = (401, 403, 404, 429)


def openapi_document(*, server: str, prefix: str = "/api") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "eventsite door API",
            "version": "1",
            "description": (
                "JSON behind the volunteer's door page. Authenticate with a door link's token in "
                "X-Door-Token (plus X-Door-Pin when the link has a PIN), or as a signed-in organizer "
                "(session cookie; writes also need X-CSRFToken). Errors are JSON with a stable reason."
            ),
        },
        "servers": [{"url": server.rstrip("/") + prefix}],
        "security": [{"doorToken": []}, {"organizerSession": []}],
        "components": {
            "securitySchemes": {
                "doorToken": {"type": "apiKey", "in": "header", "name": "X-Door-Token"},
                "doorPin": {"type": "apiKey", "in": "header", "name": "X-Door-Pin"},
                "organizerSession": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {
                "Error": ERROR,
                "Verdict": VERDICT,
                "Uploaded": UPLOADED,
                "Guest": GUEST,
                "Stats": STATS,
                "Roster": ROSTER,
                "WalkIn": WALK_IN,
            },
        },
        "paths": {
            "/door": {
                "get": {
                    "operationId": "doorInfo",
                    "summary": "The door link's label, event and validity",
                    "responses": {**_ok({"type": "object"}), **_errors(*AUTH_ERRORS)},
                }
            },
            "/events/{event_id}/checkins": {
                "post": {
                    "operationId": "checkIn",
                    "summary": "Scan a badge: record the scan and return the verdict",
                    "parameters": [EVENT_ID],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["code"],
                                    "properties": {
                                        "code": {
                                            "type": "string",
                                            "maxLength": MAX_CODE,
                                            "description": "The QR's URL <BASE_URL>/b/<ticket_code>, or the bare ticket code",
                                        },
                                        "nonce": {
                                            "type": "string",
                                            "pattern": "^[A-Za-z0-9_.:-]{1,64}$",
                                            "description": "The device's id for this physical scan; a repeat returns the first verdict",
                                        },
                                        "scanned_at": {
                                            "type": "string",
                                            "format": "date-time",
                                            "description": "Device time",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        **_ok({"$ref": "#/components/schemas/Verdict"}, "The verdict (also for refused badges)"),
                        **_errors(400, *AUTH_ERRORS, 409, 422),
                    },
                }
            },
            "/events/{event_id}/checkins/batch": {
                "post": {
                    "operationId": "uploadScans",
                    "summary": "Upload scans queued offline; idempotent by nonce, keeps the device's scan time",
                    "parameters": [EVENT_ID],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["scans"],
                                    "properties": {
                                        "scans": {
                                            "type": "array",
                                            "minItems": 1,
                                            "maxItems": MAX_UPLOAD,
                                            "items": {
                                                "type": "object",
                                                "required": ["code", "nonce"],
                                                "properties": {
                                                    "code": {"type": "string", "maxLength": MAX_CODE},
                                                    "nonce": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
                                                    "scanned_at": {"type": "string", "format": "date-time"},
                                                },
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        **_ok(
                            {
                                "type": "object",
                                "properties": {
                                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Uploaded"}}
                                },
                            },
                            "One answer per scan, in order: accepted, duplicate or rejected",
                        ),
                        **_errors(400, *AUTH_ERRORS, 409, 422),
                    },
                }
            },
            "/events/{event_id}/guests/{rsvp_id}/checkin": {
                "post": {
                    "operationId": "checkInGuest",
                    "summary": "Check in a guest picked from the name search (same verdicts as a scan)",
                    "parameters": [
                        EVENT_ID,
                        {"name": "rsvp_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    ],
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "nonce": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
                                        "scanned_at": {"type": "string", "format": "date-time"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {**_ok({"$ref": "#/components/schemas/Verdict"}), **_errors(*AUTH_ERRORS, 409, 422)},
                }
            },
            "/events/{event_id}/checkins/{check_in_id}/undo": {
                "post": {
                    "operationId": "undoCheckIn",
                    "summary": "Take back an admission made at this door",
                    "parameters": [
                        EVENT_ID,
                        {"name": "check_in_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    ],
                    "responses": {**_ok({"type": "object"}), **_errors(400, *AUTH_ERRORS, 409)},
                }
            },
            "/events/{event_id}/guests": {
                "get": {
                    "operationId": "searchGuests",
                    "summary": f"Search the guest list by name (at least {MIN_SEARCH} characters): name, program, level, status",
                    "parameters": [
                        EVENT_ID,
                        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                    ],
                    "responses": {
                        **_ok({"type": "object", "properties": {"guests": {"type": "array"}}}),
                        **_errors(*AUTH_ERRORS, 422),
                    },
                }
            },
            "/events/{event_id}/roster": {
                "get": {
                    "operationId": "offlineRoster",
                    "summary": "The roster for offline verdicts: no e-mails, each guest encrypted under their own ticket code",
                    "parameters": [
                        EVENT_ID,
                        {
                            "name": "If-None-Match",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "The version (ETag) the device holds",
                        },
                    ],
                    "responses": {
                        **_ok({"$ref": "#/components/schemas/Roster"}),
                        "304": {"description": "The device's version is current"},
                        **_errors(*AUTH_ERRORS),
                    },
                }
            },
            "/events/{event_id}/walk-ins": {
                "post": {
                    "operationId": "registerWalkIn",
                    "summary": (
                        "Register a walk-in and check them in at once; confirmed even when the event is full "
                        "(organizers decide at the door). Idempotent by nonce."
                    ),
                    "parameters": [EVENT_ID],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["first_name", "training_level", "nonce"],
                                    "properties": {
                                        "first_name": {"type": "string", "maxLength": 100},
                                        "last_name": {"type": "string", "maxLength": 100},
                                        "training_level": {"type": "string", "enum": [t.value for t in TrainingLevel]},
                                        "program": {"type": "string", "maxLength": 200},
                                        "email": {
                                            "type": "string",
                                            "description": "Optional; with it the guest gets the usual e-mail",
                                        },
                                        "nonce": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Registered and checked in",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WalkIn"}}},
                        },
                        **_ok({"$ref": "#/components/schemas/WalkIn"}, "This nonce was seen before: the same walk-in"),
                        **_errors(400, *AUTH_ERRORS, 409, 422),
                    },
                }
            },
            "/events/{event_id}/stats": {
                "get": {
                    "operationId": "doorStats",
                    "summary": "Live figures: checked in / confirmed, walk-ins, arrivals per 15 minutes, last scans",
                    "parameters": [EVENT_ID],
                    "responses": {**_ok({"$ref": "#/components/schemas/Stats"}), **_errors(*AUTH_ERRORS)},
                }
            },
        },
    }
