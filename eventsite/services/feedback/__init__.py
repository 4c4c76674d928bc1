"""Feedback after an event: a form per event, answered once per guest, with e-mail invitations,
results, a CSV and a view across the series.

One module per concern; callers use the names below from ``eventsite.services.feedback``:

- ``kinds``: one class per question kind (checks, results, CSV cell, input), in ``KINDS``;
- ``options``: what both question editors do with a question's options and key;
- ``editor``: the form and its questions, as the organizer edits them;
- ``audience``: who may answer, and the personal link they answer through;
- ``answers``: checking a guest's answers and storing them exactly once;
- ``invitations``: the job runner's invitation and reminder e-mails;
- ``results``: one event's results, the CSV of answers, and the series view;
- ``poster``: the printable poster with a QR to the event's feedback page.
"""

from eventsite.services.feedback.answers import (
    InvalidAnswers,
    check_submission,
    clean_answers,
    field_name,
    save_submission,
    submit_feedback,
)
from eventsite.services.feedback.audience import (
    feedback_link,
    find_guest_by_badge_code,
    find_invitation,
    form_state,
    has_answered,
    invitation_for,
    may_answer,
    send_link_by_email,
)
from eventsite.services.feedback.editor import (
    add_question,
    copy_form,
    create_default_form,
    ensure_form,
    get_form,
    move_question,
    remove_question,
    response_count,
    update_question,
    update_settings,
)
from eventsite.services.feedback.invitations import send_invitations, send_reminders
from eventsite.services.feedback.kinds import KINDS, QuestionType, question_type
from eventsite.services.feedback.poster import render_poster_pdf
from eventsite.services.feedback.results import QuestionResult, answers_csv, feedback_summary, series_view

__all__ = [
    "InvalidAnswers",
    "KINDS",
    "QuestionResult",
    "QuestionType",
    "add_question",
    "answers_csv",
    "check_submission",
    "clean_answers",
    "copy_form",
    "create_default_form",
    "ensure_form",
    "feedback_link",
    "feedback_summary",
    "field_name",
    "find_guest_by_badge_code",
    "find_invitation",
    "form_state",
    "get_form",
    "has_answered",
    "invitation_for",
    "may_answer",
    "move_question",
    "question_type",
    "remove_question",
    "render_poster_pdf",
    "response_count",
    "save_submission",
    "send_invitations",
    "send_link_by_email",
    "send_reminders",
    "series_view",
    "submit_feedback",
    "update_question",
    "update_settings",
]
