"""An invite list from a spreadsheet (issue 15): a CSV file (UTF-8 with or without BOM, or
Excel's Windows encoding; comma, semicolon or tab), its columns recognised by their headings,
each row checked (address, duplicate in the file, already invited, already replied, training
level, category, and answers in columns headed by one of the event's custom questions) and shown
with its problems before anything is sent. Rows are handed on as CSV text, so a row to fix is
edited in place and checked again: nothing uploaded is lost."""

import csv
import dataclasses
import io
import re

import sqlalchemy as sa

from eventsite.extensions import db
from eventsite.models import LIVE_STATUSES, Event, GuestInvitation, Rsvp, RsvpQuestion, TrainingLevel
from eventsite.services import DomainError, ErrorCode, categories, questions, rsvps
from eventsite.services.feedback.kinds import BadAnswer
from eventsite.services.invitations import Invitee

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
#: Our field -> the headings (lower case, spaces for - and _) that name it.
HEADINGS = {
    "email": ("email", "e mail", "email address", "e mail address", "mail"),
    "first_name": ("first name", "firstname", "given name", "first"),
    "last_name": ("last name", "lastname", "surname", "family name", "last"),
    "name": ("name", "full name"),
    "institution": ("institution", "program", "programme", "residency program", "hospital"),
    "training_level": ("training level", "level", "pgy", "year"),
    "category": ("category", "guest category"),
}
COLUMNS = ("first_name", "last_name", "email", "institution", "training_level", "category")
#: The heading each of our columns gets when rows are handed on.
HEADERS = {"first_name": "First name", "last_name": "Last name", "email": "E-mail", "institution": "Institution",
           "training_level": "Training level", "category": "Category"}  # fmt: skip


@dataclasses.dataclass
class Row:
    line: int
    values: dict[str, str]
    problems: list[str] = dataclasses.field(default_factory=list)
    invitee: Invitee | None = None


@dataclasses.dataclass
class Checked:
    rows: list[Row]
    #: The headings found and the field each one fills.
    mapped: dict[str, str]
    #: The event's custom questions that have a column, by field ("q<id>").
    asked: dict[str, RsvpQuestion] = dataclasses.field(default_factory=dict)
    #: Headings of columns nothing reads: handed on with the rows, so renaming one's heading in
    #: the rows (to "Program", say) and checking again puts it to use.
    unused: list[str] = dataclasses.field(default_factory=list)

    def as_csv(self, rows: list[Row] | None = None) -> str:
        return as_csv(self.rows if rows is None else rows, self.asked, self.unused)

    @property
    def good(self) -> list[Row]:
        return [r for r in self.rows if not r.problems]

    @property
    def bad(self) -> list[Row]:
        return [r for r in self.rows if r.problems]


def _key(text: str) -> str:
    return " ".join(re.sub(r"[-_./]+", " ", text.strip().lower()).split())


_LEVELS = {re.sub(r"[^a-z0-9]", "", k.lower()): lv.value for lv in TrainingLevel for k in (lv.value, lv.label)}


def decode(data: bytes) -> str:
    """The file's text, or DomainError ``bad_file`` (field file) with what is wrong with it."""
    if len(data) > MAX_BYTES:
        raise DomainError("The file is larger than 2 MB. Split the list, or keep only the columns needed.",
                          ErrorCode.BAD_FILE, "file")  # fmt: skip
    if b"\x00" in data:
        raise DomainError("This is not a CSV file. In your spreadsheet, use Save As → CSV.", ErrorCode.BAD_FILE, "file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows


def check(event: Event, text: str) -> Checked:
    """Read CSV text (a heading row, then a person per row) and check every row.
    Raises DomainError ``bad_file`` (field file) for a file that can't be read as a list."""
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    table = list(csv.reader(io.StringIO(text, newline=""), dialect))
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise DomainError("The file is empty.", ErrorCode.BAD_FILE, "file")
    if len(table) - 1 > MAX_ROWS:
        raise DomainError(f"The list has {len(table) - 1:,} rows; import at most {MAX_ROWS:,} at a time.",
                          ErrorCode.BAD_FILE, "file")  # fmt: skip
    asked = {f"q{q.id}": q for q in questions.of_event(event)}
    mapped = _map(table[0], asked)
    used = set(mapped.values())
    unread = {f"?{i}": i for i, heading in enumerate(table[0]) if i not in used and heading.strip()}
    columns = mapped | unread
    rows = [Row(n, {field: (cells[i].strip() if i < len(cells) else "") for field, i in columns.items()})
            for n, cells in enumerate(table[1:], 2)]  # fmt: skip
    asked = {field: q for field, q in asked.items() if field in mapped}
    _check_rows(event, rows, asked)
    named = {field: asked[field].prompt if field in asked else field for field in mapped}
    unused = [table[0][i].strip() for i in unread.values()]
    for row in rows:  # handed on under their headings (as_csv)
        row.values.update({f"?{heading}": row.values.pop(key) for key, heading in zip(unread, unused, strict=True)})
    return Checked(rows, {table[0][i]: named[field] for field, i in mapped.items()}, asked, unused)


def _map(heading: list[str], asked: dict[str, RsvpQuestion]) -> dict[str, int]:
    by_prompt = {_key(q.prompt): field for field, q in asked.items()}
    found: dict[str, int] = {}
    for i, cell in enumerate(heading):
        field = next((f for f, names in HEADINGS.items() if _key(cell) in names), None) or by_prompt.get(_key(cell))
        if field is None:
            continue
        if field in found:
            raise DomainError(f"Two columns are headed “{cell.strip()}”: keep one.", ErrorCode.BAD_FILE, "file")
        found[field] = i
    if "email" not in found:
        raise DomainError(
            "No column is headed “E-mail”: the first row must name the columns.", ErrorCode.BAD_FILE, "file"
        )
    return found


def _answers(row: Row, asked: dict[str, RsvpQuestion]) -> dict[int, list]:
    """The row's answers to the custom questions, checked as the RSVP form checks them (several
    options of a multiple choice are separated by ";"); each wrong one is a problem of the row."""
    answers = {}
    for field, q in asked.items():
        text = row.values.get(field, "")
        if not text:
            continue
        kind = questions.question_type(q)
        values = [v.strip() for v in text.split(";")] if kind.has_choices and kind.several else [text]
        try:
            answers[q.id] = kind.clean(q, [v for v in values if v])
        except BadAnswer as exc:
            row.problems.append(f"“{q.prompt}”: {exc}")
    return answers


def _check_rows(event: Event, rows: list[Row], asked: dict[str, RsvpQuestion]) -> None:
    invited = set(db.session.scalars(sa.select(GuestInvitation.email_key).where(GuestInvitation.event_id == event.id)))
    replied = set(
        db.session.scalars(sa.select(Rsvp.email_key).where(Rsvp.event_id == event.id, Rsvp.status.in_(LIVE_STATUSES)))
    )
    by_name = {c.name.casefold(): c.id for c in categories.of_event(event)}
    seen: dict[str, int] = {}
    for row in rows:
        v = row.values
        if "name" in v and not (v.get("first_name") or v.get("last_name")):
            first, _, last = v["name"].rpartition(" ")
            v["first_name"], v["last_name"] = (first, last) if first else (last, "")
        try:
            address, key = rsvps.normalise_email(v.get("email", ""))
        except DomainError:
            row.problems.append("not an e-mail address" if v.get("email") else "no e-mail address")
            address = key = ""
        if key and key in seen:
            row.problems.append(f"the same address as row {seen[key]}")
        elif key in invited:
            row.problems.append("already invited")
        elif key in replied:
            row.problems.append("already has an RSVP")
        if key:
            seen.setdefault(key, row.line)
        level = _LEVELS.get(re.sub(r"[^a-z0-9]", "", v.get("training_level", "").lower()), "")
        if v.get("training_level") and not level:
            row.problems.append(f"unknown training level “{v['training_level']}”")
        category_id = by_name.get(v.get("category", "").casefold())
        if v.get("category") and category_id is None:
            row.problems.append(f"no category “{v['category']}” at this event")
        for field, limit in (("first_name", 100), ("last_name", 100), ("institution", 200)):
            if len(v.get(field, "")) > limit:
                row.problems.append(f"{field.replace('_', ' ')} longer than {limit} characters")
        answers = _answers(row, asked)
        if not row.problems:
            row.invitee = Invitee(address, v.get("first_name", ""), v.get("last_name", ""), v.get("institution", ""),
                                  level, category_id, answers)  # fmt: skip


def as_csv(rows: list[Row], asked: dict[str, RsvpQuestion] | None = None, unused: list[str] = ()) -> str:
    """Rows as CSV text with our headings (the custom questions' prompts, then the columns nothing
    read, under their own headings): what the page hands on (to invite, or to fix)."""
    asked = asked or {}
    # Names and addresses always; the other columns only when some row fills them, so a column
    # nothing read can be renamed to one of them without two columns claiming it.
    ours = [f for f in COLUMNS if f in ("first_name", "last_name", "email") or any(r.values.get(f) for r in rows)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(HEADERS[f] for f in ours), *(q.prompt for q in asked.values()), *unused])
    for row in rows:
        fields = (*ours, *asked, *(f"?{heading}" for heading in unused))
        writer.writerow([row.values.get(field, "") for field in fields])
    return out.getvalue()
