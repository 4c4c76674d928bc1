"""Who may reach which route: every rule of app.url_map, for four kinds of caller.

ROUTES is the one table. A new route fails test_every_route_is_in_the_table until it is added
with what each caller may do, so nobody ships a page without deciding who sees it.

Callers, each with its own fresh client and database:
- ``anonymous``: no session, no header; secret URL parts (tokens, badge codes) are made up.
- ``guest``: holds one guest's private link: its manage token and its badge code.
- ``door``: a volunteer's phone: the door link's token in /door/<token> and ``X-Door-Token``.
- ``organizer``: signed in; holds the badge code (scanning a badge with the phone's camera).
Other URL parts are filled with real objects (event, RSVP, door link, check-in, badge job).

Y: the caller reaches the route (any answer but 401, 403, 404, 429 or a bounce to
/login?next=…; a form refused for missing fields counts as reached). N: the caller is turned away.
"""

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from eventsite.database import writing
from eventsite.extensions import db
from eventsite.jobs import print_jobs
from eventsite.models import (
    BadgeJobOutput,
    BadgePrintJob,
    BulkKind,
    CityAlert,
    LoginSession,
    OrganizerRole,
    VendorTier,
    utcnow,
)
from eventsite.models.enums import BadgeJobStatus
from eventsite.services import (
    accounts,
    alerts,
    checkin,
    contacts,
    doors,
    feedback,
    invitations,
    leads,
    my_events,
    notifications,
    opt_outs,
    password_reset,
    questions,
    series,
    team,
    tokens,
    vendors,
    walk_ins,
)
from factories import make_event, make_organizer, make_rsvp
from helpers import csrf_token, outbox_token, sign_in
from page_checks import nu_errors

Y, N = True, False
CALLERS = ("anonymous", "guest", "door", "organizer")

# fmt: off
ROUTES = {
    # endpoint                         anonymous guest door organizer
    "static":                          (Y, Y, Y, Y),
    "ops.healthz":                     (Y, Y, Y, Y),
    "ops.readyz":                      (Y, Y, Y, Y),
    "public.index":                    (Y, Y, Y, Y),
    "public.past":                     (Y, Y, Y, Y),
    "public.event_page":               (Y, Y, Y, Y),
    "public.check_inbox":              (Y, Y, Y, Y),
    "public.manage":                   (N, Y, N, N),
    "public.invited":                  (N, Y, N, N),
    "public.decline_invitation":       (N, Y, N, N),
    "public.invitation_opened":        (Y, Y, Y, Y),  # the same image whatever the address holds
    "public.cancel":                   (N, Y, N, N),
    "public.claim":                    (N, Y, N, N),
    "public.event_ics":                (N, Y, N, N),
    "public.change_email":             (N, Y, N, N),
    "public.confirm_email":            (N, Y, N, N),  # the link mailed to the new address
    "public.my_badge_pdf":             (N, Y, N, N),
    "public.badge_check":              (N, Y, N, Y),
    "public.feedback_start":           (Y, Y, Y, Y),  # the poster's page: asks for a badge code or e-mail
    "public.feedback_form":            (N, Y, N, N),
    "public.manage_feedback":          (N, Y, N, N),
    "public.delete_data":              (N, Y, N, N),
    "public.data_deleted":             (Y, Y, Y, Y),  # a plain "your data is deleted" page
    "public.badge_save":               (N, Y, N, N),  # the guest's own browser session holds the RSVP
    "public.networking":               (N, Y, N, N),
    "public.guest_directory":          (N, Y, N, N),
    "public.meet":                     (N, Y, N, N),
    "public.meet_lookup":              (N, Y, N, N),
    "public.my_contacts":              (N, Y, N, N),
    "public.contact_note":             (N, Y, N, N),
    "public.contact_remove":           (N, Y, N, N),
    "public.contacts_vcf":             (N, Y, N, N),
    "public.contacts_csv":             (N, Y, N, N),
    "public.vendor_logo":              (Y, Y, Y, Y),  # shown on the public event page
    # A vendor representative's own link opens these; the table's guest is none (tests/web/test_vendors_web.py).
    "public.representative_page":      (N, N, N, N),
    "public.qualify_lead":             (N, N, N, N),
    "public.leads_csv":                (N, N, N, N),
    "public.leads_vcf":                (N, N, N, N),
    "public.withdraw_lead":            (N, Y, N, N),  # the guest takes their contact back from a vendor
    "public.series_feed":              (Y, Y, Y, Y),  # a public calendar subscription
    "public.public_event_ics":         (Y, Y, Y, Y),  # "Add to calendar" on the public page
    "public.subscribe_alerts":         (Y, Y, Y, Y),  # a form anyone may send
    "public.alerts_sent":              (Y, Y, Y, Y),
    "public.confirm_alerts":           (N, Y, N, N),  # the mailed confirmation link
    "public.unsubscribe_alerts":       (N, Y, N, N),  # the signed link in each alert
    "public.unsubscribe":              (N, Y, N, N),  # the signed link in each bulk e-mail
    "public.my_events_start":          (Y, Y, Y, Y),
    "public.my_events_sent":           (Y, Y, Y, Y),
    "public.my_events_sign_in":        (N, Y, N, N),  # the mailed link
    # Without a My events session these send the browser to /my (tests/web/test_my_events.py).
    "public.my_events_page":           (Y, Y, Y, Y),
    "public.my_events_contacts":       (Y, Y, Y, Y),
    "public.my_events_data":           (Y, Y, Y, Y),
    "public.my_events_delete":         (Y, Y, Y, Y),
    "public.my_events_sign_out":       (Y, Y, Y, Y),
    "auth.login":                      (Y, Y, Y, Y),
    "auth.logout":                     (Y, Y, Y, Y),  # harmless: signs out whoever is signed in
    "auth.change_password":            (N, N, N, Y),
    "auth.forgot_password":            (Y, Y, Y, Y),
    "auth.reset_password":             (N, Y, N, N),  # the guest caller holds the mailed links
    "auth.join":                       (N, Y, N, N),
    "auth.my_sign_ins":                (N, N, N, Y),
    "auth.login_code":                 (Y, Y, Y, Y),  # without a password first: back to sign-in
    "auth.two_factor":                 (N, N, N, Y),
    "auth.my_notices":                 (N, N, N, Y),
    "auth.unsubscribe_notice":         (N, Y, N, N),  # the guest caller holds the mailed links
    "auth.new_recovery_codes":         (N, N, N, Y),
    "auth.two_factor_off":             (N, N, N, Y),
    "auth.end_sign_in":                (N, N, N, Y),  # one of the organizer's own sign-ins
    "door.door_page":                  (N, N, Y, N),
    "door.service_worker":             (Y, Y, Y, Y),
    "door.organizer_door":             (N, N, N, Y),
    "door.badge_check_in":             (N, N, N, Y),
    "door.walk_in_badge":              (N, N, Y, N),  # the signed link the walk-in API gave that door
    "api.openapi":                     (Y, Y, Y, Y),
    "api.door_info":                   (N, N, Y, N),  # door details exist only for a door link
    "api.check_in":                    (N, N, Y, Y),
    "api.check_in_batch":              (N, N, Y, Y),
    "api.check_in_guest":              (N, N, Y, Y),
    "api.undo":                        (N, N, Y, Y),
    "api.search":                      (N, N, Y, Y),
    "api.stats":                       (N, N, Y, Y),
    "api.roster":                      (N, N, Y, Y),
    "api.walk_in":                     (N, N, Y, Y),
    "admin.index":                     (N, N, N, Y),
    "admin.events":                    (N, N, N, Y),
    "admin.new_event":                 (N, N, N, Y),
    "admin.event_dashboard":           (N, N, N, Y),
    "admin.edit_event":                (N, N, N, Y),
    "admin.preview_event":             (N, N, N, Y),
    "admin.publish_event":             (N, N, N, Y),
    "admin.unpublish_event":           (N, N, N, Y),
    "admin.cancel_event":              (N, N, N, Y),
    "admin.copy_event":                (N, N, N, Y),
    "admin.guest_list":                (N, N, N, Y),
    "admin.guest_list_csv":            (N, N, N, Y),
    "admin.add_guest":                 (N, N, N, Y),
    "admin.guest_detail":              (N, N, N, Y),
    "admin.guest_action":              (N, N, N, Y),
    "admin.messages":                  (N, N, N, Y),
    "admin.door_links":                (N, N, N, Y),
    "admin.guest_bulk":                (N, N, N, Y),
    "admin.event_invitations":         (N, N, N, Y),
    "admin.import_invitations":        (N, N, N, Y),
    "admin.invitation_follow_up":      (N, N, N, Y),
    "admin.invitation_bulk":           (N, N, N, Y),
    "admin.invitations_csv":           (N, N, N, Y),
    "admin.event_categories":          (N, N, N, Y),
    "admin.edit_category":             (N, N, N, Y),
    "admin.move_category":             (N, N, N, Y),
    "admin.delete_category":           (N, N, N, Y),
    "admin.event_questions":           (N, N, N, Y),
    "admin.edit_question":             (N, N, N, Y),
    "admin.move_question":             (N, N, N, Y),
    "admin.delete_question":           (N, N, N, Y),
    "admin.upload_door_scans":         (N, N, N, Y),
    "admin.revoke_door_link":          (N, N, N, Y),
    "admin.badges_page":               (N, N, N, Y),
    "admin.print_badges":              (N, N, N, Y),
    "admin.print_one_badge":           (N, N, N, Y),
    "admin.badge_offsets":             (N, N, N, Y),
    "admin.badge_calibration":         (N, N, N, Y),
    "admin.badge_guest":               (N, N, N, Y),
    "admin.badge_role":                (N, N, N, Y),
    "admin.reissue_badge":             (N, N, N, Y),
    "admin.badge_job":                 (N, N, N, Y),
    "admin.badge_job_status":          (N, N, N, Y),
    "admin.badge_job_pdf":             (N, N, N, Y),
    "admin.feedback_results":          (N, N, N, Y),
    "admin.feedback_csv":              (N, N, N, Y),
    "admin.feedback_poster":           (N, N, N, Y),
    "admin.feedback_editor":           (N, N, N, Y),
    "admin.create_feedback_form":      (N, N, N, Y),
    "admin.add_feedback_question":     (N, N, N, Y),
    "admin.edit_feedback_question":    (N, N, N, Y),
    "admin.move_feedback_question":    (N, N, N, Y),
    "admin.delete_feedback_question":  (N, N, N, Y),
    "admin.feedback_series":           (N, N, N, Y),
    "admin.people_list":               (N, N, N, Y),
    "admin.people_csv":                (N, N, N, Y),
    "admin.invite_people":             (N, N, N, Y),
    "admin.person_detail":             (N, N, N, Y),
    "admin.retention":                 (N, N, N, Y),
    "admin.series_retention":          (N, N, N, Y),
    "admin.team_page":                 (N, N, N, Y),  # the organizer caller is the team's owner
    "admin.team_member":               (N, N, N, Y),
    "admin.resend_invitation":         (N, N, N, Y),
    "admin.withdraw_invitation":       (N, N, N, Y),
    "admin.deactivate_member":         (N, N, N, Y),
    "admin.reactivate_member":         (N, N, N, Y),
    "admin.require_second_factor":     (N, N, N, Y),
    "admin.event_activity":            (N, N, N, Y),
    "admin.event_activity_csv":        (N, N, N, Y),
    "admin.site_activity":             (N, N, N, Y),
    "admin.site_activity_csv":         (N, N, N, Y),
    "admin.reset_second_factor":       (N, N, N, Y),
    "admin.event_vendors":             (N, N, N, Y),
    "admin.edit_vendor":               (N, N, N, Y),
    "admin.move_vendor":               (N, N, N, Y),
    "admin.remove_vendor":             (N, N, N, Y),
    "admin.invite_representatives":    (N, N, N, Y),
    "admin.revoke_representative":     (N, N, N, Y),
    "admin.vendor_sheet":              (N, N, N, Y),
    "admin.send_vendor_feedback":      (N, N, N, Y),
    "admin.series_list":               (N, N, N, Y),
    "admin.edit_series":               (N, N, N, Y),
}
# fmt: on

#: Requests that change what later requests see (sign-out, unpublish, revoke, cancel) go last.
LAST = (
    "admin.delete_feedback_question",
    "admin.delete_question",
    "admin.unpublish_event",
    "admin.revoke_door_link",
    "admin.cancel_event",
    "admin.withdraw_invitation",
    "admin.remove_vendor",
    "admin.deactivate_member",
    "public.withdraw_lead",
    "public.confirm_alerts",
    "public.unsubscribe_alerts",
    "public.unsubscribe",
    "public.cancel",
    "public.delete_data",
    "public.confirm_email",  # gives the RSVP a new manage link (or is refused, once deleted)
    "public.decline_invitation",  # uses the invitation up
    "auth.logout",
)
MADE_UP = "made-up-secret-0123456789abcdef"


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - ROUTES.keys())
    assert not missing, f"add the new route to ROUTES in {__file__} (who may reach it?): {missing}"
    stale = sorted(ROUTES.keys() - endpoints)
    assert not stale, f"these ROUTES entries name no route any more: {stale}"


@pytest.fixture()
def world(app):
    """One published event with a confirmed guest, an open door link, a check-in and a finished badge job."""
    with app.app_context(), writing():
        owner = make_organizer(role=OrganizerRole.OWNER)
        member = make_organizer("host@example.org", role=OrganizerRole.ORGANIZER)
        own_sign_in = accounts.start_login_session(owner)
        now = utcnow()
        event = make_event(starts_at=now + dt.timedelta(minutes=30))
        rsvp = make_rsvp(event)
        scanned = make_rsvp(event)
        link = doors.create_door_link(
            event, label="Front door", valid_from=now - dt.timedelta(hours=1), valid_until=now + dt.timedelta(hours=4)
        )
        verdict = checkin.check_in(event, scanned.ticket_code, door=link)
        walk_in = walk_ins.register_walk_in(
            event, first_name="Walk", last_name="In", training_level="pgy1", nonce="route-table", door=link
        )
        contacts.update_preferences(scanned, share_contact=True)
        saved = contacts.save_contact(rsvp, scanned).saved
        form = feedback.ensure_form(event)
        asked = questions.add_question(event, "short_text", questions.QuestionFields(prompt="Anything else?"))
        invitation = feedback.invitation_for(rsvp, form)
        job = BadgePrintJob(
            event_id=event.id,
            requested_by="organizer:organizer@example.org",
            layout="single",
            selection="all",
            badges=[[rsvp.id, rsvp.ticket_code]],
            total=1,
            done=1,
            pages=1,
            status=BadgeJobStatus.DONE,
        )
        db.session.add(job)
        db.session.flush()
        db.session.add(BadgeJobOutput(job_id=job.id, pdf=b"%PDF-1.4\n%%EOF\n"))
        joining = team.invite("new-member@example.org", OrganizerRole.ORGANIZER, [], by=owner)
        password_reset.request_reset(member.email)
        invited = invitations.invite(
            event,
            [invitations.Invitee("invitee@example.org", "Ivy", "Vite")],
            category_id=None,
            skip_approval=False,
            actor="organizer:organizer@example.org",
        )
        db.session.flush()
        opened_image = invitations.open_image_url(invited.invited[0])
        listing = vendors.add_to_event(
            event, vendor_id=None, name="Acme Surgical", website="", logo=vendors.Upload(png_logo(), "acme.png"),
            listing=vendors.Listing(tier=VendorTier.EXHIBITOR, brings="", places=2),
        )  # fmt: skip
        rep = make_rsvp(event, training_level="industry")
        rep.event_vendor_id = listing.id
        contacts.update_preferences(rsvp, share_vendors=True)
        lead = leads.scan(rep, rsvp.ticket_code).lead
        my_events.request_link(rsvp.email)
        alerts.subscribe("alerts@example.org", event.series, [event.city])
        alerts.subscribe("other-alerts@example.org", event.series, [event.city])
        alerts.confirm(outbox_token("/alerts/confirm/"))
        alert = db.session.scalar(sa.select(CityAlert).where(CityAlert.email == "other-alerts@example.org"))
        db.session.commit()
        return {
            "member_id": member.id,
            "invitation_id": joining.id,
            "sign_in_id": db.session.scalar(
                sa.select(LoginSession.id).where(LoginSession.token_hash == tokens.hashed(own_sign_in))
            ),
            "invitation_token": outbox_token("/join/"),
            "reset_token": outbox_token("/reset-password/"),
            "guest_invitation_token": outbox_token("/i/"),
            "my_sign_in_token": outbox_token("/my/sign-in/"),
            "alert_confirm_token": outbox_token("/alerts/confirm/", to="alerts@example.org"),
            "alert_unsubscribe": alerts.unsubscribe_url(alert).rsplit("/", 1)[1],
            "mail_unsubscribe": opt_outs.unsubscribe_url(rsvp.email_key, BulkKind.MESSAGES).rsplit("/", 1)[1],
            "open_signature": opened_image.rsplit("/", 1)[1].removesuffix(".gif"),
            "unsubscribe_token": notifications.unsubscribe_url(owner, event, notifications.NoticeKind.FULL).rsplit(
                "/", 1
            )[1],
            "event_id": event.id,
            "slug": event.slug,
            "rsvp_id": rsvp.id,
            "manage_token": rsvp.manage_token,
            "ticket_code": rsvp.ticket_code,
            "door_token": link.token,
            "link_id": link.id,
            "check_in_id": verdict.check_in_id,
            "job_id": job.id,
            "walk_in_token": walk_ins.badge_token(walk_in.rsvp, link),
            "saved_id": saved.id,
            "question_id": form.questions[0].id,
            "rsvp_question_id": asked.id,
            "category_id": rsvp.category_id,
            "feedback_token": invitation.token,
            "email_change_token": email_change_link(rsvp),
            "event_vendor_id": listing.id,
            "vendor_id": listing.vendor_id,
            "file": listing.vendor.logo_file,
            "lead_id": lead.id,
            "series_id": event.series_id,
            "series_slug": event.series.slug,
            "city": series.cities(event.series)[0][1],
        }


def png_logo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (11, 95, 122)).save(out, "PNG")
    return out.getvalue()


def email_change_link(rsvp) -> str:
    """The signed part of the link a guest's new address gets (services.email_change)."""
    from eventsite.services import email_change

    return email_change.link_token(rsvp, "new-address@example.org")


#: Which secret a URL argument carries, by path prefix (first match wins); "" matches any path.
SECRET_ARGS = [
    ("/door/walk-in-badge/", "token", "walk_in_token"),
    ("/f/", "token", "feedback_token"),
    ("/door/", "token", "door_token"),
    ("/r/", "token", "manage_token"),
    ("/email-change/", "change", "email_change_token"),
    ("/join/", "token", "invitation_token"),
    ("/reset-password/", "token", "reset_token"),
    ("/i/", "token", "guest_invitation_token"),
    ("/my/sign-in/", "token", "my_sign_in_token"),
    ("/alerts/confirm/", "token", "alert_confirm_token"),
    ("/alerts/unsubscribe/", "signed", "alert_unsubscribe"),
    ("/unsubscribe/", "signed", "mail_unsubscribe"),
    ("/i/opened/", "signed", "open_signature"),
    ("/notifications/unsubscribe/", "token", "unsubscribe_token"),
    ("", "code", "ticket_code"),
]
#: Who holds each secret; everyone else gets MADE_UP in its place.
HOLDERS = {
    "feedback_token": {"guest"},
    "walk_in_token": {"door"},
    "manage_token": {"guest"},
    "email_change_token": {"guest"},
    "invitation_token": {"guest"},
    "reset_token": {"guest"},
    "guest_invitation_token": {"guest"},
    "my_sign_in_token": {"guest"},
    "alert_confirm_token": {"guest"},
    "alert_unsubscribe": {"guest"},
    "mail_unsubscribe": {"guest"},
    "open_signature": {"guest"},
    "unsubscribe_token": {"guest"},
    "ticket_code": {"guest", "organizer"},
    "door_token": {"door"},
}
#: Arguments that are neither objects nor secrets.
FIXED = {"filename": "css/app.css", "action": "resend", "kind": "csv"}


def url_values(rule, world: dict, caller: str) -> dict:
    """Fill a rule's arguments: real objects, and secrets only for the caller who holds them."""
    values = {}
    for name in rule.arguments:
        secret = next((key for prefix, arg, key in SECRET_ARGS if arg == name and rule.rule.startswith(prefix)), None)
        if secret:
            values[name] = world[secret] if caller in HOLDERS[secret] else MADE_UP
        elif name in FIXED:
            values[name] = FIXED[name]
        elif name in world:
            values[name] = world[name]
        else:
            pytest.fail(f"cannot fill <{name}> in {rule}: add it to world, SECRET_ARGS or FIXED in {__file__}")
    return values


def requests_for(app, world: dict, caller: str):
    out = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            url = url_for(rule.endpoint, **url_values(rule, world, caller))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((method, rule.endpoint, url))
    out.sort(key=lambda r: (r[0] != "GET", r[1] in LAST, LAST.index(r[1]) if r[1] in LAST else 0, r[1]))
    return out


def reached(response) -> bool:
    if response.status_code in (401, 403, 404, 429):
        return False
    if response.status_code in (301, 302, 303) and response.headers["Location"].startswith("/login?next="):
        return False
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return True


@pytest.mark.parametrize("caller", CALLERS)
def test_who_reaches_what(app, world, caller):
    client = app.test_client()
    headers = {}
    if caller == "organizer":
        assert sign_in(client, "organizer@example.org").status_code == 302
    if caller == "door":
        headers["X-Door-Token"] = world["door_token"]
    token = csrf_token(client.get("/login").get_data(as_text=True))
    headers["X-CSRFToken"] = token
    column = CALLERS.index(caller)
    wrong = []
    try:
        for method, endpoint, url in requests_for(app, world, caller):
            if endpoint not in ROUTES:
                continue  # test_every_route_is_in_the_table names it
            data = {"csrf_token": token} if method != "GET" else None
            response = client.open(url, method=method, data=data, headers=headers)
            got = reached(response)
            response.close()
            if got != ROUTES[endpoint][column]:
                wrong.append(f"{method} {url} ({endpoint}): {response.status_code}, expected {'Y' if not got else 'N'}")
    finally:
        print_jobs.wait_for_all(app)
    assert not wrong, f"{caller}:\n" + "\n".join(wrong)


def test_every_page_is_valid_html(app, world, tmp_path):
    """Issue 12.13: every HTML page each caller reaches passes the Nu HTML checker (unique ids,
    among the rest)."""
    pages = {}
    for caller in CALLERS:
        client = app.test_client()
        headers = {"X-Door-Token": world["door_token"]} if caller == "door" else {}
        if caller == "organizer":
            sign_in(client, "organizer@example.org")
        for method, endpoint, url in requests_for(app, world, caller):
            if method != "GET" or endpoint in ("admin.logout", "auth.logout"):
                continue
            response = client.get(url, headers=headers)
            if response.status_code == 200 and response.mimetype == "text/html":
                pages.setdefault(url, response.get_data(as_text=True))
            response.close()
    print_jobs.wait_for_all(app)
    assert len(pages) >= 30
    errors = nu_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


def test_every_page_reached_by_a_secret_sends_no_referrer(app, world):
    """Issue 12.13: /r/<token>, its .ics and every other URL holding a token or badge code answer
    with Referrer-Policy: no-referrer, as the README promises; other pages keep same-origin."""
    wrong, checked = [], 0
    for caller in CALLERS:
        client = app.test_client()
        if caller == "organizer":
            sign_in(client, "organizer@example.org")
        headers = {"X-Door-Token": world["door_token"]} if caller == "door" else {}
        for method, endpoint, url in requests_for(app, world, caller):
            if method != "GET" or endpoint in ("admin.logout", "auth.logout"):
                continue
            rule = next(app.url_map.iter_rules(endpoint))
            expected = "no-referrer" if rule.arguments & {"token", "code", "change"} else "same-origin"
            response = client.get(url, headers=headers)
            got = response.headers.get("Referrer-Policy")
            response.close()
            checked += expected == "no-referrer"
            if got != expected and not (expected == "same-origin" and got == "no-referrer"):
                wrong.append(f"{url} ({endpoint}, {caller}): {got}")
    print_jobs.wait_for_all(app)
    assert checked >= 60 and not wrong, "\n".join(wrong)
