"""The JSON schemas of /api's bodies (components/schemas of the OpenAPI document)."""

from eventsite.services import ErrorCode
from eventsite.services.checkin import Reason, UploadStatus
from eventsite.services.roster import SCHEME

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
        "by_category": {
            "type": "array",
            "description": "Checked in and confirmed per guest category (empty when the event has one)",
            "items": {
                "type": "object",
                "required": ["category", "checked_in", "confirmed"],
                "properties": {
                    "category": {"type": "string"},
                    "checked_in": {"type": "integer"},
                    "confirmed": {"type": "integer"},
                },
            },
        },
        "per_quarter": {"type": "array", "items": {"type": "object"}},
        "last_scans": {"type": "array", "items": {"type": "object"}},
    },
}
