"""Demo data for the feedback round: the past demo event gets guests, check-ins, invitations and
answers (through the services, at the times they would have happened), so `make run` shows results."""

import datetime as dt
import random

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import Event, OutboxMessage
from eventsite.services import checkin, feedback, rsvps

FIRST = ["Aisha", "Ben", "Carlos", "Dana", "Emeka", "Fatima", "Grace", "Hiro", "Isabel", "Jamal", "Kofi", "Lena",
         "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wen", "Yusuf"]  # fmt: skip
LAST = ["Adeyemi", "Brennan", "Castillo", "Dubois", "Eze", "Farouk", "Gallagher", "Hayashi", "Ibarra", "Jensen"]
PROGRAMS = ["Mass General Brigham Orthopaedics", "Boston Medical Center", "Tufts Medical Center",
            "Beth Israel Deaconess", "Lahey Hospital", "Boston Children's Hospital"]  # fmt: skip
LEVELS = ["pgy1", "pgy2", "pgy2", "pgy3", "pgy3", "pgy4", "pgy5", "fellow", "attending", "industry"]
SUPPORT = [
    "A mentorship program pairing juniors with fellows would be great.",
    "Help with fellowship applications: a panel or a mock interview night.",
    "Cover part of the annual meeting fee for residents.",
    "More events outside the big academic centres.",
    "A resident seat on the board, so our voice is heard.",
    "Board-review sessions in the spring.",
    "Share job openings from members with graduating residents.",
]
ELSE = ["Loved the venue.", "The name badges with programs made it easy to start conversations.",
        "Too loud near the bar to talk.", "Please start a bit later, 7 pm is hard after clinic.",
        "Great vendor demos, I tried the new navigation system."]  # fmt: skip


def add_demo_feedback(event: Event) -> None:
    """Forty guests, thirty-four checked in, invited two hours after the end; twenty-six answered."""
    rng = random.Random(event.slug)
    ids, rsvp_list = [], []
    for i in range(40):
        result = rsvps.submit_rsvp(
            event,
            first_name=FIRST[i % len(FIRST)],
            last_name=LAST[(i * 7) % len(LAST)],
            email=f"demo.boston{i + 1}@example.org",
            institution=PROGRAMS[i % len(PROGRAMS)],
            training_level=LEVELS[i % len(LEVELS)],
            actor="cli",
            now=event.starts_at - dt.timedelta(days=30 - i // 3),
        )
        ids.append(result.rsvp.id)
        rsvp_list.append(result.rsvp)
    for i, rsvp in enumerate(rsvp_list[:34]):
        checkin.check_in(event, rsvp.ticket_code, now=event.starts_at + dt.timedelta(minutes=5 + i))
    feedback.send_invitations(now=event.ends_at + dt.timedelta(hours=2))
    form = feedback.get_form(event)
    by_key = {q.key: feedback.field_name(q) for q in form.questions}
    useful = ["Meeting peers"] * 5 + ["Meeting faculty"] * 4 + ["Vendors' technology"] * 2 + ["Food and venue"]
    for i, rsvp in enumerate(rsvp_list[:26]):
        data = {
            by_key["overall"]: [str(rng.choices([5, 4, 3, 2], weights=[45, 35, 15, 5])[0])],
            by_key["recommend"]: [str(rng.choices(range(11), weights=[1, 0, 1, 1, 1, 2, 3, 8, 12, 16, 18])[0])],
            by_key["most_useful"]: [rng.choice(useful)] if i % 6 else [],
            by_key["support"]: [SUPPORT[(i // 3) % len(SUPPORT)]] if i % 3 == 0 else [],
            by_key["anything_else"]: [ELSE[(i // 5) % len(ELSE)]] if i % 5 == 0 else [],
        }
        feedback.submit_feedback(rsvp, data, now=event.ends_at + dt.timedelta(hours=3 + i * 5))
    # example.org addresses: their welcome and invitation mails would only clutter the console.
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.rsvp_id.in_(ids)))
