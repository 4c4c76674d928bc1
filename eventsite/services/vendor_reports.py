"""The feedback summary an organizer sends a vendor after the evening (issue 16): how many guests
tried its technology and how they rated it, from the feedback form's vendors question. Counts
only: the vendors question holds no free text, and no guest's name or answer is passed on."""

import dataclasses

from eventsite.extensions import db
from eventsite.models import EventVendor, QuestionKind, RsvpStatus
from eventsite.services import DomainError, ErrorCode, feedback, links, mail, vendors
from eventsite.services.feedback.kinds import VendorResult

KIND = "vendor_feedback"


@dataclasses.dataclass(frozen=True)
class VendorReport:
    vendor: str
    #: Guests who answered the feedback form.
    responses: int
    #: This vendor's line of the vendors question, or None when the form has no such question.
    result: VendorResult | None


def by_vendor(event) -> tuple[int, dict[str, VendorResult]]:
    """(guests who answered the feedback form, each vendor's line of its vendors question by name)."""
    summary = feedback.feedback_summary(event)
    found = next((r for r in summary.questions if r.question.kind == QuestionKind.VENDORS), None)
    return summary.answered, {v.name: v for v in found.vendors} if found else {}


def report(row: EventVendor) -> VendorReport:
    responses, lines = by_vendor(row.event)
    return VendorReport(row.name, responses, lines.get(row.name))


def send(row: EventVendor) -> int:
    """E-mail the vendor's confirmed representatives its feedback summary; returns how many.
    Raises ``no_guests`` when nobody tried it yet or it has no representative to write to."""
    summary = report(row)
    if summary.result is None or not summary.result.tried:
        raise DomainError(f"No guest has said they tried {row.name}'s technology yet.", ErrorCode.NO_GUESTS)
    reps = [r for r in vendors.representatives(row) if r.status == RsvpStatus.CONFIRMED and r.email]
    if not reps:
        raise DomainError(f"{row.name} has no representative to send it to.", ErrorCode.NO_GUESTS)
    for rep in reps:
        mail.queue_message(
            to=rep.email, kind=KIND, template=KIND, rsvp=rep,
            subject=f"What guests thought of {row.name} at {row.event.title}",
            event=row.event, vendor=row, rep=rep, report=summary, leads_url=f"{links.manage_url(rep)}/vendor",
        )  # fmt: skip
    db.session.flush()
    return len(reps)
