"""Guest-facing routes. Each view loads, calls one service, commits once, then responds."""

import datetime as dt

from flask import Response, abort, current_app, redirect, render_template, request, session, url_for
from markupsafe import Markup

from eventsite.auth import guessing, submissions
from eventsite.database import reading, write_after_read
from eventsite.extensions import db
from eventsite.models import CategoryPolicy, Event, GuestInvitation, Rsvp, TrainingLevel, utcnow
from eventsite.public import guest_session, page_cache
from eventsite.public.alerts import alert_box
from eventsite.public.blueprint import bp
from eventsite.public.forms import ConfirmForm, GuestDetailsForm, RsvpForm
from eventsite.public.manage_page import editable_answers, manage_context
from eventsite.services import (
    DomainError,
    ErrorCode,
    alerts,
    calendar,
    capacity,
    categories,
    contacts,
    events,
    invitations,
    kept_profiles,
    links,
    questions,
    rsvps,
    series,
    tokens,
    vendors,
)
from eventsite.services.guest_details import GuestDetails
from eventsite.web import REFUSED, attempt, form_status, saved


def apply_due_expiries(now: dt.datetime, event: Event) -> bool:
    """Expire lapsed offers before showing places, so pages never show a stale offer.

    Returns True when something expired (places and statuses shown must be read again).
    """
    if not rsvps.events_with_due_offers(now, event):
        return False
    with write_after_read():
        saved(rsvps.expire_offers, now=now, event=event)
    return True


def load_event(slug: str) -> Event:
    event = events.get_public_event(slug)
    if event is None:
        abort(404)
    return event


def load_rsvp(token: str) -> Rsvp:
    guessing.guard(guessing.Secret.MANAGE)
    rsvp = rsvps.find_by_manage_token(token)
    if rsvp is None or rsvp.is_anonymised:  # its guest deleted their data (services.privacy)
        guessing.miss(guessing.Secret.MANAGE)
        abort(404, "This link doesn't match any RSVP. Check that you copied the whole link from your e-mail.")
    return rsvp


def remember_guest(rsvp: Rsvp) -> None:
    """Note in the (signed) session cookie that this browser holds the guest's link, so a badge
    scanned with the phone's own camera (/b/<code>) can offer "Save contact". The note is bound
    to the link itself (its fingerprint): a new link (e-mail change) or a deletion ends it."""
    entry = [rsvp.id, tokens.fingerprint(rsvp.manage_token)]
    held = [e for e in session.get("guest_rsvps", []) if isinstance(e, list)]
    if held[-1:] != [entry]:  # unchanged: no new cookie
        session["guest_rsvps"] = [*[e for e in held if e[0] != rsvp.id][-4:], entry]


def blank_rsvp_fields(event: Event, vendor_names: list[str]) -> Markup:
    """The unfilled RSVP form's fields (public/_rsvp_fields.html), rendered once per event version.

    Every first visit shows the same blank fields (about a third of the page's CPU); only the
    CSRF token, rendered outside them, differs between guests. A submitted form (typed values,
    errors) is always rendered afresh.
    """
    cache = current_app.extensions.setdefault("eventsite.blank_rsvp_fields", {})
    key = (event.id, event.updated_at, event.directory_enabled, request.script_root, tuple(vendor_names))
    html = cache.get(key)
    if html is None:
        form = RsvpForm(formdata=None).for_event(categories.of_event(event))
        asking = questions.asking(event, questions.of_event(event))
        html = Markup(
            render_template(
                "public/_rsvp_fields.html", form=form, event=event, asking=asking, vendor_names=vendor_names
            )
        )
        if len(cache) >= 256:  # old versions pile up only as organizers edit; start over
            cache.clear()
        cache[key] = html
    return html


def webcal(endpoint: str, **values) -> str:
    """A calendar feed's subscribe address (webcal://, which calendar apps open to subscribe)."""
    url = url_for(endpoint, _external=True, **values)
    return "webcal://" + url.split("://", 1)[1]


def subscriptions(grouped) -> dict[int, tuple[str, list[tuple[str, str]]]]:
    """For each series shown: its feed's subscribe address and each city's."""
    return {
        row.id: (webcal("public.series_feed", series_slug=row.slug),
                 [(city, webcal("public.series_feed", series_slug=row.slug, city=slug))
                  for city, slug in series.cities(row)])
        for row, _ in grouped
    }  # fmt: skip


@bp.get("/")
def index():
    upcoming = events.upcoming_events()
    grouped = series.grouped(upcoming)
    # One sign-up form: the first series that has been to a city (a site with several series
    # offers the others on their past events' pages).
    boxes = [box for box in (alert_box(row) for row in series.all_series()) if box][:1]
    return render_template(
        "public/index.html", events=upcoming, grouped=grouped, feeds=subscriptions(grouped), past=False, boxes=boxes
    )


@bp.get("/past")
def past():
    held = events.past_events()
    return render_template("public/index.html", events=held, grouped=series.grouped(held), feeds={}, past=True)


@bp.route("/e/<slug>", methods=["GET", "POST"])
def event_page(slug: str):
    # A POST would begin with SQLite's write lock (see eventsite.database); this view loads,
    # validates and renders without it, and takes it only to save the RSVP, so concurrent
    # RSVPs queue on the lock for the write alone.
    cacheable = page_cache.usable()
    if cacheable and (page := page_cache.kept(slug)) is not None:
        return page
    with reading():
        response = event_page_response(slug)
    if cacheable:
        page_cache.keep(slug, response)
    return response


def _rsvp_form(event: Event, invitation: GuestInvitation | None):
    """The RSVP form as posted; an invitation's, filled in from it; else a first visit's, which
    only carries the CSRF token (the blank fields are rendered once per event version:
    blank_rsvp_fields), so binding the RSVP form's 18 fields is skipped."""
    if request.method == "POST":
        return RsvpForm().for_event(categories.of_event(event))
    if invitation is not None:
        return RsvpForm(formdata=None, data=invitations.prefilled(invitation)).for_event(categories.of_event(event))
    kept = kept_profiles.prefill(guest_session.signed_in_key() or alerts.key_from_link(request.args.get("me", "")))
    if kept is not None:  # started from My events or a series e-mail: the details they asked us to keep
        return RsvpForm(formdata=None, data=kept).for_event(categories.of_event(event))
    return ConfirmForm()


def event_page_response(slug: str, invitation: GuestInvitation | None = None):
    event = load_event(slug) if invitation is None else invitation.event
    slug_before, now = event.slug, utcnow()
    form = _rsvp_form(event, invitation)
    status, headers = 200, {}
    asking = None
    if form.is_submitted():
        if form.website.data:  # honeypot: a bot; show the same page and save nothing
            session["inbox_address"] = form.email.data or ""
            return redirect(url_for("public.check_inbox", slug=slug))
        status = 422
        valid = form.validate()  # first, so every message shows at once
        asking, answers = _answers(event, form, invitation)
        if valid and not (asking and asking.errors):
            held = submissions.wait_message("rsvp", form.email.data)
            if held is not None:
                form.email.errors.append(held[0])
                status, headers = 429, {"Retry-After": str(held[1])}
            elif _save_rsvp(event, form, now, invitation, answers):
                # The slug read before the COMMIT: after it, reading the event again would be a
                # query that a database restart could turn into an error page for a saved RSVP.
                return redirect(url_for("public.check_inbox", slug=slug_before))
    elif invitation is not None:  # the answers an imported list gave, filled in
        given = {f"cq{qid}": [str(v) for v in answer] for qid, answer in (invitation.answers or {}).items()}
        asking = questions.asking(event, questions.of_event(event), given)
    places, counts = categories.places_and_counts(event)
    listed = vendors.of_event(event)
    # Only an open offer can lapse: without one, skip the look-up (the page's busiest path).
    if not form.is_submitted() and counts.offered and apply_due_expiries(now, event):
        places, counts = categories.places_and_counts(event)
    return (
        render_template(
            "public/event.html",
            event=event,
            form=form,
            counts=counts,
            is_open=event.is_open_for_rsvp(now),
            is_past=event.is_past(now),
            description=events.render_markdown(event.description),
            category_places=public_places(event, places, counts),
            outcomes=categories.OUTCOMES,
            rsvp_fields=blank_rsvp_fields(event, [v.name for v in listed]) if isinstance(form, ConfirmForm) else None,
            listed_vendors=listed,
            alerts_box=alert_box(event.series, event.city) if event.is_past(now) else None,
            add_to_calendar=calendar.add_to_calendar(
                event, page_url=links.event_url(event), ics_url=url_for("public.public_event_ics", slug=event.slug)
            ),
            vendor_names=[v.name for v in listed],
            invitation=invitation,
            asking=asking,
        ),
        status,
        headers,
    )


LEVELS = {level.value for level in TrainingLevel}


def _answers(event: Event, form: RsvpForm, invitation: GuestInvitation | None):
    """The custom questions as submitted: (Asking with values and errors, FirstAnswers). Only the
    questions asked of the guest's category count (chosen as the RSVP will choose it)."""
    all_questions = questions.of_event(event)
    category_id = None
    if all_questions and form.training_level.data in LEVELS:
        picked = invitation.category_id if invitation is not None and invitation.category_id else form.category_id()
        category_id = categories.chosen(event, picked, form.training_level.data).id
    answered = questions.asked(all_questions, category_id)
    asking, answers = questions.read_submitted(event, all_questions, answered, request.form)
    return asking, questions.FirstAnswers.of(category_id, answered, answers)


def _save_rsvp(event: Event, form: RsvpForm, now: dt.datetime, invitation: GuestInvitation | None, answers) -> bool:
    """Save the RSVP under the write lock and commit; False with the message next to its field."""
    with write_after_read():
        return attempt(form, _submit_rsvp, event, form, now, invitation, answers) is not REFUSED


def public_places(
    event: Event, places: list[categories.CategoryPlaces], counts: capacity.PlaceCounts
) -> list[tuple[categories.CategoryPlaces, str]]:
    """The categories a guest may pick (of ``places``), each with its places and what an RSVP in
    it would get now (categories.outcome), when the event has more than one."""
    listed = [p for p in places if p.category.policy != CategoryPolicy.CLOSED]
    if len(listed) < 2:
        return []
    return [(p, categories.outcome(event, p, counts)) for p in listed]


def _submit_rsvp(event: Event, form: RsvpForm, now: dt.datetime, invitation: GuestInvitation | None, answers) -> None:
    details = GuestDetails.from_mapping(form.data)
    if invitation is not None:
        result = invitations.accept(invitation, details, category_id=form.category_id())
    else:
        result = rsvps.submit_rsvp(event, details, category_id=form.category_id(), mail_when_full=True, now=now)
    session["inbox_address"] = form.email.data
    if result.created and form.networking_chosen():
        contacts.update_preferences(result.rsvp, **form.networking_fields())
    if result.created and form.remember.data:
        kept_profiles.remember(result.rsvp, form.networking_fields())
    if result.created and answers:
        questions.add_first_answers(result.rsvp, answers, now)


@bp.get("/e/<slug>/check-inbox")
def check_inbox(slug: str):
    event = load_event(slug)
    return render_template("public/check_inbox.html", event=event, address=session.get("inbox_address", ""))


@bp.route("/r/<token>", methods=["GET", "POST"])
def manage(token: str):
    rsvp = load_rsvp(token)
    remember_guest(rsvp)
    form = GuestDetailsForm(obj=rsvp)
    asking = None
    if form.is_submitted():
        valid = form.validate()
        asked = questions.asked(questions.of_event(rsvp.event_id), rsvp.category_id) if editable_answers(rsvp) else []
        asking, answers = questions.read_submitted(rsvp.event, asked, asked, request.form)
        if valid and not (asking and asking.errors):
            changed = attempt(form, _change_details, rsvp, form.service_fields(), asked, answers)
            if changed is not REFUSED:
                return redirect(url_for("public.manage", token=token, saved=int(bool(changed))))
    else:
        apply_due_expiries(utcnow(), rsvp.event)
        db.session.refresh(rsvp)
    return render_template("public/manage.html", **manage_context(rsvp, asking=asking), form=form), form_status(form)


def _change_details(rsvp: Rsvp, fields: dict, asked: list, answers: dict) -> bool:
    """The guest's details and answers, saved together; whether anything changed."""
    changed = rsvps.change_rsvp(rsvp, **fields)
    return questions.save_answers(rsvp, asked, answers) or bool(changed)


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    rsvp = load_rsvp(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        saved(rsvps.cancel_rsvp, rsvp)
        return redirect(url_for("public.manage", token=token))
    return render_template("public/cancel.html", rsvp=rsvp, event=rsvp.event, form=form)


@bp.route("/r/<token>/claim", methods=["GET", "POST"])
def claim(token: str):
    rsvp = load_rsvp(token)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            rsvps.claim_offer(rsvp)
        except DomainError as exc:
            error = exc.message
            if exc.code == ErrorCode.OFFER_EXPIRED:
                db.session.commit()  # the expiry and the next guest's offer stand
            else:
                db.session.rollback()
        else:
            db.session.commit()
            return redirect(url_for("public.manage", token=token))
    else:
        apply_due_expiries(utcnow(), rsvp.event)
        db.session.refresh(rsvp)
    return render_template("public/claim.html", rsvp=rsvp, event=rsvp.event, form=form, error=error, now=utcnow())


@bp.get("/r/<token>/event.ics")
def event_ics(token: str):
    rsvp = load_rsvp(token)
    event = rsvp.event
    body = calendar.event_ics(event, url=links.event_url(event), base_url=links.base_url())
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'},
    )
