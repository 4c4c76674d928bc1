"""The API's endpoints: check in, undo, search, live figures, the door's own details, OpenAPI."""

import datetime as dt

from flask import current_app, g, jsonify, request, url_for
from flask_login import current_user

from eventsite.api.blueprint import ApiError, bp
from eventsite.api.openapi import openapi_document
from eventsite.extensions import db
from eventsite.formatting import clock, event_when
from eventsite.models import Event
from eventsite.services import ErrorCode, checkin, tickets, walk_ins
from eventsite.services import roster as roster_service
from eventsite.services.guest_details import INSTITUTION_KEY


def get_event(event_id: int) -> Event:
    """The event, if this caller may work its door: a door link reaches only its own event."""
    event = db.session.get(Event, event_id) if 0 < event_id < 2**31 else None
    if event is None or (g.door is not None and g.door.event_id != event.id):
        raise ApiError("There is no such event for this door.", ErrorCode.NOT_FOUND)
    return event


def json_body(*, optional: bool = False) -> dict:
    """The request's JSON object; ``optional``: an empty body counts as ``{}``. Anything else
    (broken JSON, nested too deeply, not an object) is a 400 ``bad_json``."""
    if optional and not request.get_data(cache=True):
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError("Send a JSON object (this body is not one, or is not valid JSON).", ErrorCode.BAD_JSON, None)
    return data


def optional_str(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ApiError(f"“{key}” must be a string.", ErrorCode(f"bad_{key}"))
    return value


def parse_time(value: str | None) -> dt.datetime | None:
    parsed, readable = checkin.read_device_time(value)
    if not readable:
        raise ApiError("“scanned_at” must be an ISO 8601 time with its offset.", ErrorCode.BAD_SCANNED_AT)
    return parsed


def local_time(event: Event, value: dt.datetime | None) -> str:
    """ "7:42 PM" in the event's zone, as the door shows it."""
    if value is None:
        return ""
    return clock(value.astimezone(event.tz))


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def guest_json(guest: checkin.Guest | None) -> dict | None:
    if guest is None:
        return None
    return {
        "rsvp_id": guest.rsvp_id,
        "name": guest.name,
        "full_name": guest.full_name,
        "pronouns": guest.pronouns,
        INSTITUTION_KEY: guest.institution,
        "level": guest.level,
        "status": guest.status,
        "dietary_notes": guest.dietary_notes,
        "accessibility_notes": guest.accessibility_notes,
        "walk_in": guest.walk_in,
    }


def verdict_json(event: Event, v: checkin.Verdict) -> dict:
    return {
        "result": v.result,
        "reason": v.reason,
        "colour": v.colour,
        "title": v.title,
        "message": v.message,
        "check_in_id": v.check_in_id,
        "scanned_at": iso(v.scanned_at),
        "clock_off": v.clock_off,
        "guest": guest_json(v.guest),
        "previous_at": iso(v.previous_at),
        "previous_at_local": local_time(event, v.previous_at),
        "previous_door": v.previous_door,
        "replayed": v.replayed,
    }


def actor_label() -> str:
    return g.door.label if g.door is not None else f"Organizer {current_user.email}"[:80]


@bp.get("/door")
def door_info():
    """The door link's own details (only with a door token)."""
    if g.door is None:
        raise ApiError("Only a door link has door details.", ErrorCode.NOT_FOUND)
    event = g.door.event
    return jsonify(
        label=g.door.label,
        event={"id": event.id, "title": event.title, "when": event_when(event)},
        valid_until=iso(g.door.valid_until),
        has_pin=g.door.has_pin,
    )


@bp.post("/events/<int:event_id>/checkins")
def check_in(event_id: int):
    event = get_event(event_id)
    data = json_body()
    code = optional_str(data, "code")
    if not code or len(code) > tickets.MAX_CODE:
        raise ApiError(f"Send the scanned “code” (at most {tickets.MAX_CODE} characters).", ErrorCode.BAD_CODE)
    return _answer_scan(event, checkin.check_in, code, data)


def _answer_scan(event: Event, scan, what, data: dict):
    """Record a scan (``scan``: check_in with a code, check_in_guest with an RSVP id) with the
    phone's nonce and time, commit, and answer its verdict."""
    verdict = scan(
        event,
        what,
        door=g.door,
        by=actor_label(),
        nonce=optional_str(data, "nonce"),
        scanned_at=parse_time(optional_str(data, "scanned_at")),
    )
    db.session.commit()
    return jsonify(verdict_json(event, verdict))


def upload_json(event: Event, u: checkin.Uploaded) -> dict:
    out = {"status": u.status}
    if u.verdict is not None:
        out.update(verdict_json(event, u.verdict))
    else:
        out.update(reason=u.reason, message=u.message, colour="red")
    return out


@bp.post("/events/<int:event_id>/checkins/batch")
def check_in_batch(event_id: int):
    """Upload scans a phone queued while offline: each with its nonce (so a repeated upload is a
    no-op) and the device's scan time. Answers each scan, in order: ``accepted`` (with its
    verdict), ``duplicate`` (uploaded before: the first verdict) or ``rejected`` (not a scan of
    ours, with the reason). All three are final, so the phone forgets exactly what it sent; a
    scan whose verdict differs from the one the phone gave offline is the phone's to report."""
    event = get_event(event_id)
    scans = json_body().get("scans")
    if not isinstance(scans, list) or not 0 < len(scans) <= checkin.MAX_UPLOAD:
        raise ApiError(f"Send “scans”: a list of 1 to {checkin.MAX_UPLOAD} scans.", ErrorCode.BAD_SCANS)
    uploaded = checkin.upload_scans(event, scans, door=g.door, by=actor_label())
    db.session.commit()
    return jsonify(results=[upload_json(event, u) for u in uploaded])


@bp.post("/events/<int:event_id>/guests/<int:rsvp_id>/checkin")
def check_in_guest(event_id: int, rsvp_id: int):
    """Check in a guest picked from the name search (badge forgotten)."""
    event = get_event(event_id)
    return _answer_scan(event, checkin.check_in_guest, rsvp_id, json_body(optional=True))


@bp.post("/events/<int:event_id>/checkins/<int:check_in_id>/undo")
def undo(event_id: int, check_in_id: int):
    event = get_event(event_id)
    row = checkin.undo_check_in(event, check_in_id, door=g.door, by=f"organizer:{getattr(current_user, 'email', '')}")
    db.session.commit()
    return jsonify(check_in_id=row.id, undone_at=iso(row.undone_at))


@bp.get("/events/<int:event_id>/guests")
def search(event_id: int):
    event = get_event(event_id)
    hits = checkin.search_guests(event, request.args.get("q", ""))
    return jsonify(
        guests=[
            {
                "rsvp_id": h.guest.rsvp_id,
                "name": h.guest.name,
                "full_name": h.guest.full_name,
                INSTITUTION_KEY: h.guest.institution,
                "level": h.guest.level,
                "status": h.guest.status,
                "checked_in_at": iso(h.checked_in_at),
                "checked_in_at_local": local_time(event, h.checked_in_at),
            }
            for h in hits
        ]
    )


@bp.get("/events/<int:event_id>/stats")
def stats(event_id: int):
    event = get_event(event_id)
    s = checkin.door_stats(event)
    return jsonify(
        checked_in=s.checked_in,
        confirmed=s.confirmed,
        walk_ins=s.walk_ins,
        by_category=[{"category": name, "checked_in": came, "confirmed": of} for name, came, of in s.by_category],
        per_quarter=[{"start": iso(t), "start_local": local_time(event, t), "admitted": n} for t, n in s.per_quarter],
        last_scans=[
            {
                "check_in_id": x.check_in_id,
                "at": iso(x.at),
                "at_local": local_time(event, x.at),
                "door": x.door,
                "result": x.result,
                "reason": x.reason,
                "name": x.name,
                "undone": x.undone,
                "clock_off": x.clock_off,
            }
            for x in s.last_scans
        ],
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(
        openapi_document(server=current_app.config["BASE_URL"], prefix=url_for("api.openapi")[: -len("/openapi.json")])
    )


@bp.get("/events/<int:event_id>/roster")
def roster(event_id: int):
    """The offline roster (services/roster.py): no e-mails, each guest sealed under their own
    ticket code. Conditional on its version: If-None-Match with the current ETag gives 304."""
    event = get_event(event_id)
    known = request.if_none_match.as_set()
    built = roster_service.build_roster(
        event,
        valid_until=g.door.valid_until if g.door is not None else None,
        badge_prefix=f"{current_app.config['BASE_URL']}/b/",
        local_time=lambda t: local_time(event, t),
        known_version=next(iter(known)) if len(known) == 1 else None,
    )
    if built.payload is None:
        response = current_app.response_class(status=304)
    else:
        response = jsonify(built.payload)
    response.set_etag(built.version)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/events/<int:event_id>/walk-ins")
def walk_in(event_id: int):
    """Register a walk-in at the door and admit them at once (idempotent by nonce)."""
    event = get_event(event_id)
    data = json_body()
    fields = {k: optional_str(data, k) or "" for k in ("first_name", "last_name", "training_level", "email", "nonce")}
    fields["institution"] = optional_str(data, INSTITUTION_KEY) or ""
    done = walk_ins.register_walk_in(event, **fields, door=g.door, by=actor_label())
    db.session.commit()
    badge_url = url_for("door.walk_in_badge", token=walk_ins.badge_token(done.rsvp, g.door))
    return jsonify(
        rsvp_id=done.rsvp.id,
        verdict=verdict_json(event, done.verdict),
        badge_url=badge_url,
        over_capacity=list(done.over_capacity) if done.over_capacity else None,
        replayed=done.replayed,
    ), (200 if done.replayed else 201)
