"""What both editors (the feedback form's and the RSVP form's) do with an organizer's question:
tidy its options, refuse to drop an option guests chose, and give a new question its key."""

import re

from eventsite.models import QuestionKind
from eventsite.services import DomainError, ErrorCode
from eventsite.services.feedback.kinds import question_type


def clean_choices(kind: QuestionKind | str, choices: list[str]) -> list[str]:
    """The options a question of ``kind`` keeps from the organizer's lines: spaces tidied, at most
    120 characters each, each once, then the kind's own rule (``clean_options``)."""
    cleaned: list[str] = []
    for choice in choices:
        choice = " ".join(choice.split())[:120]
        if choice and choice not in cleaned:
            cleaned.append(choice)
    return question_type(kind).clean_options(cleaned)


def keep_chosen(chosen: set[str], options: list[str]) -> None:
    """Refuse (DomainError ``choice_in_use``, field choices) options that would drop one guests chose."""
    missing = sorted(chosen - set(options))
    if missing:
        raise DomainError(
            f"Guests already chose {', '.join(repr(m) for m in missing)}; keep it (you may add options).",
            ErrorCode.CHOICE_IN_USE,
            "choices",
        )


def question_key(prompt: str, taken: set[str]) -> str:
    """A stable key for a new question, from its prompt, not among ``taken`` (the form's keys)."""
    base = re.sub(r"[^a-z0-9]+", "_", prompt.lower()).strip("_")[:30] or "question"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key
