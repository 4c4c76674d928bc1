"""Badge print jobs in the background: a thread per job renders the PDF and reports progress.

A whole event (up to a few thousand badges) takes longer than a request should, so the request
only queues a ``BadgePrintJob`` and starts ``run_job`` in a thread; the organizer's page polls
the job's progress. What each step does is ``services.badges.print_jobs``; this module holds the
thread, which is a transaction boundary like ``eventsite.jobs.run``: it commits the claim, the
progress after each chunk and the outcome at the end. Rendering itself happens in worker
processes (``BADGE_RENDER_PROCESSES``, default 2); the PDF is stored in the database with the
job's outcome (``BadgeJobOutput``), so any app server can hand it out.
"""

import logging
import threading
import time

from flask import Flask, current_app

from eventsite.database import writing
from eventsite.extensions import db
from eventsite.models import BadgePrintJob
from eventsite.services import badges

log = logging.getLogger(__name__)

#: One job at a time per web process: two would only share the same two cores.
_one_at_a_time = threading.Semaphore(1)


def start(job_id: int) -> threading.Thread:
    """Run job ``job_id`` in a background thread of this process (call after committing it)."""
    app = current_app._get_current_object()
    thread = threading.Thread(target=run_job, args=(app, job_id), name=f"badge-job-{job_id}", daemon=True)
    thread.start()
    app.extensions.setdefault("eventsite.badge_threads", []).append(thread)
    return thread


def _commit_progress(job_id: int, done: int) -> None:
    with writing():
        db.session.rollback()  # the write transaction must begin locked (see eventsite.jobs)
        badges.record_progress(job_id, done)
        db.session.commit()


def run_job(app: Flask, job_id: int) -> None:
    """Render job ``job_id`` to its PDF, then store it and mark the badges printed in one
    transaction; failures are kept on the job with their message."""
    with _one_at_a_time, app.app_context():
        try:
            with writing():
                job = badges.claim_print_job(job_id)
                if job is None:
                    return
                db.session.commit()
            work = badges.job_work(job)
            db.session.commit()  # end the read transaction before the long render
            started = time.perf_counter()
            pdf = work.render(
                processes=app.config.get("BADGE_RENDER_PROCESSES", 2),
                chunk_pages=app.config.get("BADGE_CHUNK_PAGES", 10),
                progress=lambda done: _commit_progress(job_id, done),
            )
            with writing():
                db.session.rollback()
                job = db.session.get(BadgePrintJob, job_id)
                marked = badges.finish_print_job(job, pdf)
                db.session.commit()
            log.info(
                "badge job %s: %s badges in %.1fs, %s marked printed",
                job_id,
                len(work.badges),
                time.perf_counter() - started,
                marked,
            )
        except Exception as exc:  # keep the reason on the job; the page shows it
            log.exception("badge job %s failed", job_id)
            with writing():
                db.session.rollback()
                job = db.session.get(BadgePrintJob, job_id)
                if job is not None:
                    badges.fail_print_job(job, exc)
                    db.session.commit()
        finally:
            db.session.remove()


def wait_for_all(app: Flask, timeout: float = 120) -> None:
    """Join this app's job threads (tests and CLI; a web process never waits)."""
    deadline = time.monotonic() + timeout
    for thread in app.extensions.get("eventsite.badge_threads", []):
        thread.join(max(0.0, deadline - time.monotonic()))
