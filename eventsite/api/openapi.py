"""The OpenAPI 3 description of /api, served at /api/openapi.json (and fuzzed by the test suite)."""

from eventsite.models import TrainingLevel
from eventsite.services import ErrorCode
from eventsite.services.checkin import MAX_UPLOAD, MIN_SEARCH, Reason, UploadStatus
from eventsite.services.roster import SCHEME
from eventsite.services.tickets import MAX_CODE

ERROR = {
    "type": "object",
    "required": ["error", "reason", "message"],
    "properties": {
        "error": {
            "type": "string",
            "description": "Stable code, same as reason: one of ErrorCode (each response lists its own).",
            "examples": sorted(code.value for code in ErrorCode if code.status == 422),
        },
        "reason": {"type": "string"},
        "message": {"type": "string", "description": "For people: what happened and what to do."},
        "field": {"type": "string", "description": "The input field the message belongs next to, if any."},
    },
}
GUEST = {
    "type": ["object", "null"],
    "description": "What the door may see of a guest; never an e-mail address. Null for unknown or another event's badges.",
    "properties": {
        "rsvp_id": {"type": "integer"},
        "name": {"type": "string", "description": "Badge name"},
        "full_name": {"type": "string"},
        "pronouns": {"type": "string"},
        "program": {"type": "string"},
        "level": {"type": "string"},
        "status": {"type": "string"},
        "dietary_notes": {"type": "string"},
        "accessibility_notes": {"type": "string"},
        "walk_in": {"type": "boolean"},
    },
}
VERDICT = {
    "type": "object",
    "required": ["result", "reason", "colour", "title", "message", "check_in_id", "guest", "replayed"],
    "properties": {
        "result": {"type": "string", "enum": ["admitted", "rejected"]},
        "reason": {"type": "string", "enum": ["", *[r.value for r in Reason]]},
        "colour": {"type": "string", "enum": ["green", "amber", "red"]},
        "title": {"type": "string"},
        "message": {"type": "string"},
        "check_in_id": {"type": "integer"},
        "scanned_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the scan counts as made: the device's time, or the received time if its clock was off.",
        },
        "clock_off": {
            "type": "boolean",
            "description": "The device's time lay outside the door's window (a day's slack); it is kept but not used.",
        },
        "guest": GUEST,
        "previous_at": {"type": ["string", "null"], "format": "date-time"},
        "previous_at_local": {"type": "string", "description": "e.g. 7:42 PM, in the event's zone"},
        "previous_door": {"type": "string"},
        "replayed": {"type": "boolean", "description": "This nonce was seen before; this is its first verdict."},
    },
}
UPLOADED = {
    "type": "object",
    "required": ["status", "colour", "reason", "message"],
    "description": "What became of one uploaded scan; every status is final. With accepted and duplicate, "
    "the verdict's fields (Verdict) too.",
    "properties": {
        **VERDICT["properties"],
        "status": {"type": "string", "enum": [s.value for s in UploadStatus]},
        "reason": {
            "type": "string",
            "description": "The verdict's reason, or why a rejected scan could not be used "
            "(not_a_badge, bad_nonce, bad_scan, bad_scanned_at, nonce_reused).",
        },
    },
}
ROSTER = {
    "type": "object",
    "description": (
        "The event's guest list for offline use, readable one badge at a time. No e-mail addresses. "
        "For a ticket code c (the QR's path after badge_prefix, spaces and dashes removed, lower case): "
        "lookup = base64url(HKDF-SHA-256(ikm=c, salt, info='eventsite roster v1 lookup', 32 bytes)); "
        "key = HKDF-SHA-256(ikm=c, salt, info='eventsite roster v1 key', 256 bits); the entry whose "
        "lookup matches is AES-256-GCM(key, iv, additional data '<event id>:<lookup>') of a JSON "
        "object with name, full_name, pronouns, program, level, status, dietary_notes, "
        "accessibility_notes, walk_in, checked_in_at, checked_in_at_local, checked_in_door."
    ),
    "required": ["scheme", "version", "event", "salt", "badge_prefix", "valid_until", "count", "entries"],
    "properties": {
        "scheme": {"type": "string", "enum": [SCHEME]},
        "version": {"type": "string", "description": "Also the ETag; send it back in If-None-Match"},
        "event": {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"}}},
        "salt": {"type": "string", "description": "base64url, per event"},
        "badge_prefix": {"type": "string", "description": "<BASE_URL>/b/"},
        "valid_until": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the door link closes; the phone deletes the roster then. Null for organizers.",
        },
        "count": {"type": "integer"},
        "words": {"type": "object", "description": "reason -> [title, what to do], as the online verdicts say it"},
        "status_reasons": {"type": "object", "description": "RSVP status -> reason for a red verdict"},
        "entries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["lookup", "iv", "data"],
                "properties": {
                    "lookup": {"type": "string"},
                    "iv": {"type": "string", "description": "base64url, 12 bytes"},
                    "data": {"type": "string", "description": "base64url ciphertext with its 16-byte tag"},
                },
            },
        },
    },
}
WALK_IN = {
    "type": "object",
    "required": ["rsvp_id", "verdict", "badge_url", "over_capacity", "replayed"],
    "properties": {
        "rsvp_id": {"type": "integer"},
        "verdict": {"$ref": "#/components/schemas/Verdict"},
        "badge_url": {
            "type": "string",
            "description": "The walk-in's single-badge PDF; signed, for this guest only, valid 30 minutes",
        },
        "over_capacity": {
            "type": ["array", "null"],
            "items": {"type": "integer"},
            "description": "[confirmed, capacity] when this walk-in took the event past its capacity",
        },
        "replayed": {"type": "boolean", "description": "This nonce was seen before: the first walk-in again"},
    },
}
STATS = {
    "type": "object",
    "required": ["checked_in", "confirmed", "walk_ins", "per_quarter", "last_scans"],
    "properties": {
        "checked_in": {"type": "integer"},
        "confirmed": {"type": "integer"},
        "walk_ins": {"type": "integer"},
        "per_quarter": {"type": "array", "items": {"type": "object"}},
        "last_scans": {"type": "array", "items": {"type": "object"}},
    },
}


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
