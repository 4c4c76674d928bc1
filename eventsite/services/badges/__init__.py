"""Badges: the QR code, what a badge shows, sheet layouts, the PDF, and print jobs.

One module per concern; callers import the names below from ``eventsite.services.badges``:

- ``layouts``: badge and sheet geometry (``SheetLayout``, ``LAYOUTS``), in points;
- ``qr``: the QR payload (``BASE_URL/b/<ticket_code>``) and its image;
- ``text``: measuring and fitting text with Pango, as WeasyPrint will lay it out;
- ``design``: one badge's content (``BadgeData``) and its fitted blocks (``fit_badge``);
- ``render``: HTML → PDF through WeasyPrint (``write_pdf``), worker processes for large batches;
- ``guests``: who gets a badge, entry status, codes, roles, printed marks, printer offsets;
- ``print_jobs``: print jobs as rules (queue, claim, progress, finish, fail, keep); the thread
  that runs them is ``eventsite.jobs.print_jobs``.
"""

from eventsite.services.badges.design import (
    ROLE_COLOURS,
    BadgeData,
    FittedBadge,
    badge_data,
    badge_role,
    fit_badge,
)
from eventsite.services.badges.guests import (
    badge_list,
    entry_status,
    guests_for_badges,
    mark_printed,
    print_badge,
    reissue_ticket_code,
    set_badge_offsets,
    set_badge_role,
    sort_key,
)
from eventsite.services.badges.layouts import (
    BADGE_H,
    BADGE_W,
    BAND_H,
    DEFAULT_LAYOUT,
    LAYOUTS,
    MAX_OFFSET_MM,
    PAD,
    PT_PER_MM,
    QR_EDGE,
    SheetLayout,
    page_count,
)
from eventsite.services.badges.print_jobs import (
    KEEP_OUTPUT,
    JobWork,
    claim_print_job,
    fail_print_job,
    finish_print_job,
    forget_guest_jobs,
    is_stale,
    job_badges,
    job_pdf,
    job_work,
    recent_jobs,
    record_progress,
    remove_expired_outputs,
    start_print_job,
)
from eventsite.services.badges.qr import qr_data_uri, qr_image_size, qr_modules, qr_payload, qr_png
from eventsite.services.badges.render import (
    StaticOnlyFetcher,
    badge_pool,
    join_pdfs,
    render_badges_pdf,
    render_calibration_pdf,
    write_pdf,
)

__all__ = [
    "BADGE_H",
    "BADGE_W",
    "BAND_H",
    "DEFAULT_LAYOUT",
    "KEEP_OUTPUT",
    "LAYOUTS",
    "MAX_OFFSET_MM",
    "PAD",
    "PT_PER_MM",
    "QR_EDGE",
    "ROLE_COLOURS",
    "BadgeData",
    "FittedBadge",
    "JobWork",
    "SheetLayout",
    "StaticOnlyFetcher",
    "badge_data",
    "badge_list",
    "badge_pool",
    "badge_role",
    "claim_print_job",
    "entry_status",
    "fail_print_job",
    "finish_print_job",
    "fit_badge",
    "forget_guest_jobs",
    "guests_for_badges",
    "is_stale",
    "job_badges",
    "job_pdf",
    "job_work",
    "join_pdfs",
    "mark_printed",
    "page_count",
    "print_badge",
    "qr_data_uri",
    "qr_image_size",
    "qr_modules",
    "qr_payload",
    "qr_png",
    "recent_jobs",
    "record_progress",
    "reissue_ticket_code",
    "remove_expired_outputs",
    "render_badges_pdf",
    "render_calibration_pdf",
    "set_badge_offsets",
    "set_badge_role",
    "sort_key",
    "start_print_job",
    "write_pdf",
]
