"""Every admin, API and door route, for every role, for every method (issue 14).

ROUTES says, per endpoint, what each caller gets, in the order of ROLES:
- Y: reached (any answer but a refusal; a form refused for missing fields counts as reached);
- F: forbidden, a 403 page (the member sees the event but their role may not do this);
- H: hidden, a 404 (an event the member is not given does not exist for them; a made-up secret);
- L: sent to sign in (401 for JSON callers).
A route of these blueprints without a row fails test_every_member_route_is_in_the_matrix, so no
page ships without deciding who may use it. Refused answers must not carry the guest's name or
e-mail, and a 404 not the event's title either.

The callers: anonymous; the owner and an organizer (every event); an event host, a viewer and a
door member given the event; a host and a viewer given only another event.
"""

import pytest

from eventsite.extensions import db
from eventsite.jobs import print_jobs
from eventsite.models import Event, OrganizerRole, Rsvp
from eventsite.services import assignments
from factories import make_event, make_organizer
from helpers import csrf_token, db_session, sign_in
from tests.web.test_route_access import requests_for, world  # noqa: F401  (world is a fixture)

ROLES = ("anonymous", "owner", "organizer", "host", "host_other", "viewer", "viewer_other", "door")
PREFIXES = ("admin.", "api.", "door.")

# What each permission of auth/gates.py gives, in the order of ROLES.
MANAGE = "LYYYHFHF"  # settings, guests and their data, messages, badges, exports, door links
FIGURES = "LYYYHYHF"  # an event's overview and feedback results
DOOR = "LYYYHFHY"  # the door page and the check-in API
SITE = "LYYFFFFF"  # new events, People, the series' feedback
OWNER = "LYFFFFFF"  # the team, retention
MEMBER = "LYYYYYYY"  # the events list

# fmt: off
ROUTES = {
    "admin.index":                     MEMBER,
    "admin.events":                    MEMBER,
    "admin.new_event":                 SITE,
    "admin.event_dashboard":           FIGURES,
    "admin.edit_event":                MANAGE,
    "admin.preview_event":             MANAGE,
    "admin.publish_event":             MANAGE,
    "admin.unpublish_event":           MANAGE,
    "admin.cancel_event":              MANAGE,
    "admin.copy_event":                MANAGE,
    "admin.guest_list":                MANAGE,
    "admin.guest_list_csv":            MANAGE,
    "admin.add_guest":                 MANAGE,
    "admin.guest_detail":              MANAGE,
    "admin.guest_action":              MANAGE,
    "admin.messages":                  MANAGE,
    "admin.door_links":                MANAGE,
    "admin.guest_bulk":                MANAGE,
    "admin.event_invitations":         MANAGE,
    "admin.import_invitations":        MANAGE,
    "admin.invitation_follow_up":      MANAGE,
    "admin.invitation_bulk":           MANAGE,
    "admin.invitations_csv":           MANAGE,
    "admin.event_categories":          MANAGE,
    "admin.edit_category":             MANAGE,
    "admin.move_category":             MANAGE,
    "admin.delete_category":           MANAGE,
    "admin.event_questions":           MANAGE,
    "admin.edit_question":             MANAGE,
    "admin.move_question":             MANAGE,
    "admin.delete_question":           MANAGE,
    "admin.event_vendors":             MANAGE,
    "admin.edit_vendor":               MANAGE,
    "admin.move_vendor":               MANAGE,
    "admin.remove_vendor":             MANAGE,
    "admin.invite_representatives":    MANAGE,
    "admin.revoke_representative":     MANAGE,
    "admin.vendor_sheet":              MANAGE,
    "admin.send_vendor_feedback":      MANAGE,
    "admin.series_list":               SITE,
    "admin.edit_series":               SITE,
    "admin.upload_door_scans":         MANAGE,
    "admin.revoke_door_link":          MANAGE,
    "admin.badges_page":               MANAGE,
    "admin.print_badges":              MANAGE,
    "admin.print_one_badge":           MANAGE,
    "admin.badge_offsets":             MANAGE,
    "admin.badge_calibration":         MANAGE,
    "admin.badge_guest":               MANAGE,
    "admin.badge_role":                MANAGE,
    "admin.reissue_badge":             MANAGE,
    "admin.badge_job":                 MANAGE,
    "admin.badge_job_status":          MANAGE,
    "admin.badge_job_pdf":             MANAGE,
    "admin.feedback_results":          FIGURES,
    "admin.feedback_csv":              MANAGE,
    "admin.feedback_poster":           MANAGE,
    "admin.feedback_editor":           MANAGE,
    "admin.create_feedback_form":      MANAGE,
    "admin.add_feedback_question":     MANAGE,
    "admin.edit_feedback_question":    MANAGE,
    "admin.move_feedback_question":    MANAGE,
    "admin.delete_feedback_question":  MANAGE,
    "admin.feedback_series":           SITE,
    "admin.people_list":               SITE,
    "admin.people_csv":                SITE,
    "admin.invite_people":             SITE,
    "admin.person_detail":             SITE,
    "admin.retention":                 OWNER,
    "admin.series_retention":          OWNER,
    "admin.team_page":                 OWNER,
    "admin.team_member":               OWNER,
    "admin.resend_invitation":         OWNER,
    "admin.withdraw_invitation":       OWNER,
    "admin.deactivate_member":         OWNER,
    "admin.reactivate_member":         OWNER,
    "admin.require_second_factor":     OWNER,
    "admin.event_activity":            MANAGE,  # names guests: never a viewer
    "admin.event_activity_csv":        MANAGE,
    "admin.site_activity":             OWNER,
    "admin.site_activity_csv":         OWNER,
    "admin.reset_second_factor":       OWNER,
    "api.openapi":                     "YYYYYYYY",  # the API's description is public
    "api.door_info":                   "LHHHHHHH",  # only a door link has door details
    "api.check_in":                    DOOR,
    "api.check_in_batch":              DOOR,
    "api.check_in_guest":              DOOR,
    "api.undo":                        DOOR,
    "api.search":                      DOOR,
    "api.stats":                       DOOR,
    "api.roster":                      DOOR,
    "api.walk_in":                     DOOR,
    "door.organizer_door":             "H" + DOOR[1:],  # hidden from anyone not signed in
    "door.badge_check_in":             "H" + DOOR[1:],  # the scanned badge's event decides
    "door.door_page":                  "HHHHHHHH",  # members hold no door link: a made-up token
    "door.walk_in_badge":              "HHHHHHHH",  # likewise a made-up walk-in badge link
    "door.service_worker":             "YYYYYYYY",
}
# fmt: on


def test_every_member_route_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(PREFIXES)}
    assert not sorted(endpoints - ROUTES.keys()), f"add these routes to ROUTES in {__file__}"
    assert not sorted(ROUTES.keys() - endpoints), "these ROUTES entries name no route any more"
    assert all(len(row) == len(ROLES) and set(row) <= set("YFHL") for row in ROUTES.values())


def outcome(response) -> str:
    if response.status_code == 403:
        return "F"
    if response.status_code == 404:
        return "H"
    if response.status_code == 401 or (
        response.status_code in (301, 302, 303) and response.headers["Location"].startswith("/login?next=")
    ):
        return "L"
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return "Y"


@pytest.fixture()
def team(app, world):  # noqa: F811  (the route table's world, shared)
    """The roles of ROLES, each an account with its events; returns (role -> e-mail, secrets)."""
    with db_session(app):
        event = db.session.get(Event, world["event_id"])
        other = make_event(title="Boston Resident Networking", city="Boston")
        members = {"owner": "organizer@example.org", "organizer": "host@example.org"}
        given = {"host": event, "host_other": other, "viewer": event, "viewer_other": other, "door": event}
        for role, given_event in given.items():
            email = f"{role.replace('_', '.')}@members.example.org"
            member = make_organizer(email, role=OrganizerRole[role.split("_")[0].upper()])
            assignments.assign(member, given_event.id)
            members[role] = email
        guest = db.session.get(Rsvp, world["rsvp_id"])
        secrets = (guest.email, guest.first_name + " " + guest.last_name)
        return members, secrets, event.title


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_what_the_matrix_says(app, world, team, role):  # noqa: F811
    members, secrets, title = team
    client = app.test_client()
    if role != "anonymous":
        assert sign_in(client, members[role]).status_code == 302
    token = csrf_token(client.get("/login").get_data(as_text=True))
    column = ROLES.index(role)
    wrong, leaks, asked = [], [], 0
    try:
        for method, endpoint, url in requests_for(app, world, "organizer"):
            if not endpoint.startswith(PREFIXES):
                continue
            data = {"csrf_token": token} if method != "GET" else None
            response = client.open(url, method=method, data=data, headers={"X-CSRFToken": token})
            asked += 1
            got, body = outcome(response), response.get_data().decode(errors="replace")
            response.close()
            if got != ROUTES[endpoint][column]:
                wrong.append(
                    f"{method} {url} ({endpoint}): {response.status_code} {got}, table says {ROUTES[endpoint][column]}"
                )
            if got != "Y":
                leaks += [f"{method} {url} shows {s!r}" for s in secrets if s in body]
                if got == "H" and title in body:
                    leaks.append(f"{method} {url} names the hidden event")
    finally:
        print_jobs.wait_for_all(app)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(PREFIXES)]
    assert asked == sum(len(r.methods - {"HEAD", "OPTIONS"}) for r in rules)
    print(f"{role}: {len(rules)} routes, {asked} route-methods")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
    assert not leaks, f"{role}:\n" + "\n".join(leaks)


def test_the_matrix_size(app):
    """The matrix: routes × roles × methods (printed for the closing note)."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(PREFIXES)]
    methods = sum(len(r.methods - {"HEAD", "OPTIONS"}) for r in rules)
    print(f"matrix: {len(rules)} routes × {len(ROLES)} roles; {methods} route-methods; {methods * len(ROLES)} requests")
    assert len(rules) == len(ROUTES)
