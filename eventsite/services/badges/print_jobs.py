"""Badge print jobs, the rules: queue one (its guests and their codes frozen in it), claim it,
what it renders, its progress, its outcome (the PDF kept and the badges marked printed, or why
it failed), how long PDFs stay, when a job counts as stalled, and forgetting a guest's jobs.

The thread that runs a job, and the transactions around each step, are
``eventsite.jobs.print_jobs``; nothing here commits.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import BadgeJobOutput, BadgeJobStatus, BadgePrintJob, Event, Rsvp, utcnow
from eventsite.services import DomainError, ErrorCode
from eventsite.services.badges.design import BadgeData, badge_data
from eventsite.services.badges.guests import guests_for_badges, mark_printed
from eventsite.services.badges.layouts import check_first_slot, get_layout, page_count
from eventsite.services.badges.render import render_badges_pdf

#: Finished PDFs are kept this long.
KEEP_OUTPUT = dt.timedelta(days=7)
#: A running job whose progress has not moved for this long died with its process.
STALE_JOB = dt.timedelta(minutes=5)


def start_print_job(
    event: Event,
    *,
    layout: str,
    selection: str,
    rsvp_ids: Iterable[int] = (),
    first_slot: int = 1,
    actor: str,
) -> BadgePrintJob:
    """Queue a PDF of the chosen guests' badges (rendered by ``eventsite.jobs.print_jobs``).

    The guests and their current codes are frozen into the job. Raises DomainError
    ``bad_layout``, ``bad_selection``, ``bad_slot``, ``no_guests``.
    """
    sheet = get_layout(layout)
    check_first_slot(sheet, first_slot)
    guests = guests_for_badges(event, selection=selection, rsvp_ids=rsvp_ids)
    if not guests:
        message = {
            "unprinted": "Every confirmed guest's badge has been printed already.",
            "selected": "Tick at least one confirmed guest to print.",
        }.get(selection, "There are no confirmed guests yet.")
        raise DomainError(message, ErrorCode.NO_GUESTS, "selection")
    job = BadgePrintJob(
        event_id=event.id,
        requested_by=actor,
        layout=sheet.key,
        selection=selection,
        first_slot=first_slot,
        badges=[[r.id, r.ticket_code] for r in guests],
        total=len(guests),
        pages=page_count(len(guests), sheet, first_slot),
    )
    db.session.add(job)
    db.session.flush()
    return job


def job_badges(job: BadgePrintJob) -> list[BadgeData]:
    """The job's badges in its order, as they read now (codes checked when marking printed)."""
    ids = [rsvp_id for rsvp_id, _code in job.badges]
    by_id = {r.id: r for r in db.session.scalars(sa.select(Rsvp).where(Rsvp.id.in_(ids)))}
    event = job.event
    return [badge_data(by_id[i], event) for i in ids if i in by_id]


def claim_print_job(job_id: int, *, now: dt.datetime | None = None) -> BadgePrintJob | None:
    """Job ``job_id`` marked running, or None when it is gone or already finished."""
    job = db.session.get(BadgePrintJob, job_id)
    if job is None or job.is_finished:
        return None
    job.status = BadgeJobStatus.RUNNING
    job.updated_at = now or utcnow()
    db.session.flush()
    return job


@dataclasses.dataclass(frozen=True)
class JobWork:
    """What a print job renders, read from the database at once so the render holds no transaction."""

    badges: list[BadgeData]
    layout: str
    offset_mm: tuple[float, float]
    first_slot: int

    def render(
        self, *, processes: int = 0, chunk_pages: int = 10, progress: Callable[[int], None] | None = None
    ) -> bytes:
        """The job's PDF (see ``render_badges_pdf`` for ``processes``, ``chunk_pages``, ``progress``)."""
        return render_badges_pdf(
            self.badges,
            layout=self.layout,
            offset_mm=self.offset_mm,
            first_slot=self.first_slot,
            processes=processes,
            chunk_pages=chunk_pages,
            progress=progress,
        )


def job_work(job: BadgePrintJob) -> JobWork:
    """The job's badges as they read now, in its layout from its first slot, at the event's printer offset."""
    event = job.event
    return JobWork(
        badges=job_badges(job),
        layout=job.layout,
        offset_mm=(event.badge_offset_x_mm, event.badge_offset_y_mm),
        first_slot=job.first_slot,
    )


def record_progress(job_id: int, done: int, *, now: dt.datetime | None = None) -> None:
    """``done`` of job ``job_id``'s badges are rendered (the organizer's page polls this; a job
    whose progress stops moving for STALE_JOB is shown as stalled)."""
    db.session.execute(
        sa.update(BadgePrintJob).where(BadgePrintJob.id == job_id).values(done=done, updated_at=now or utcnow())
    )


def finish_print_job(job: BadgePrintJob, pdf: bytes, *, now: dt.datetime | None = None) -> int:
    """Store the job's ``pdf``, mark the job done and its guests' badges printed (those whose
    code is unchanged since the job began); returns how many were marked. PDFs older than
    KEEP_OUTPUT go at the same time (and in ``jobs run``)."""
    now = now or utcnow()
    remove_expired_outputs(now=now)
    db.session.add(BadgeJobOutput(job_id=job.id, pdf=pdf, created_at=now))
    codes = dict((rsvp_id, code) for rsvp_id, code in job.badges)
    guests = db.session.scalars(sa.select(Rsvp).where(Rsvp.id.in_(list(codes)))).all()
    marked = mark_printed([r for r in guests if r.ticket_code == codes[r.id]], now=now)
    job.status = BadgeJobStatus.DONE
    job.done = job.total
    job.finished_at = job.updated_at = now
    db.session.flush()
    return marked


def fail_print_job(job: BadgePrintJob, reason: str | Exception, *, now: dt.datetime | None = None) -> None:
    """Mark the job failed with ``reason`` for the organizer's page: a message, or the exception
    that stopped it (a DomainError's own message; anything else with its type)."""
    if isinstance(reason, DomainError):
        reason = reason.message
    elif isinstance(reason, Exception):
        reason = f"{type(reason).__name__}: {reason}"
    job.status = BadgeJobStatus.FAILED
    job.error = reason[:2000]
    job.finished_at = job.updated_at = now or utcnow()
    db.session.flush()


def job_pdf(job: BadgePrintJob) -> bytes | None:
    """The finished job's PDF, or None (not done, or removed after KEEP_OUTPUT)."""
    return db.session.scalar(sa.select(BadgeJobOutput.pdf).where(BadgeJobOutput.job_id == job.id))


def remove_expired_outputs(*, now: dt.datetime | None = None) -> int:
    """Delete PDFs made more than KEEP_OUTPUT ago (the jobs stay, saying the file is gone)."""
    cutoff = (now or utcnow()) - KEEP_OUTPUT
    result = db.session.execute(sa.delete(BadgeJobOutput).where(BadgeJobOutput.created_at < cutoff))
    return result.rowcount


def forget_guest_jobs(rsvp: Rsvp) -> int:
    """Delete every print job of the guest's event that holds their badge, with its PDF (for
    a guest's data deletion: the PDF shows their name). Returns how many jobs went."""
    jobs = db.session.scalars(sa.select(BadgePrintJob).where(BadgePrintJob.event_id == rsvp.event_id)).all()
    doomed = [job.id for job in jobs if any(rsvp_id == rsvp.id for rsvp_id, _code in job.badges)]
    if doomed:
        db.session.execute(sa.delete(BadgeJobOutput).where(BadgeJobOutput.job_id.in_(doomed)))
        db.session.execute(
            sa.delete(BadgePrintJob).where(BadgePrintJob.id.in_(doomed)).execution_options(synchronize_session="fetch")
        )
    return len(doomed)


def is_stale(job: BadgePrintJob, now: dt.datetime | None = None) -> bool:
    """True for an unfinished job whose progress has not moved for STALE_JOB (its process died)."""
    return not job.is_finished and (now or utcnow()) - job.updated_at > STALE_JOB


def recent_jobs(event: Event, limit: int = 5) -> list[BadgePrintJob]:
    return list(
        db.session.scalars(
            sa.select(BadgePrintJob)
            .where(BadgePrintJob.event_id == event.id)
            .order_by(BadgePrintJob.id.desc())
            .limit(limit)
        )
    )
