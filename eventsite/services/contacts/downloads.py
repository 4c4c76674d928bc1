"""A guest's saved contacts as files: vCard 4.0 for address books and CSV for spreadsheets."""

from eventsite.models import Event
from eventsite.services import tokens
from eventsite.services.contacts.cards import ContactRow
from eventsite.services.spreadsheets import csv_text, local_iso


def _text(value: str) -> str:
    """RFC 6350 §3.4 TEXT escaping: backslash, comma, semicolon, and line breaks as \\n."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 6350 §3.2: lines longer than 75 octets continue on lines that start with a space,
    never splitting a multi-octet UTF-8 character."""
    out, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out)


def vcard(rows: list[ContactRow], *, event: Event, uid_scope: str = "vcard") -> str:
    """The contacts as one vCard 4.0 stream (UTF-8 text with CRLF line ends); ``uid_scope`` keeps
    the UIDs of one kind of list (a guest's contacts, a vendor's leads) apart from another's."""
    lines = []
    for row in rows:
        c = row.card
        note = f"Met at {event.title}" + (f": {row.note}" if row.note else "")
        props = [
            "BEGIN:VCARD",
            "VERSION:4.0",
            "KIND:individual",
            # Address books (khard, CardDAV) keep only cards with a UID, and know a card downloaded
            # again by it: one per saved guest, the same in every download.
            f"UID:{tokens.stable_uuid(f'{uid_scope}:{row.contact_id}')}",
            f"FN:{_text(c.full_name)}",
            f"N:{_text(c.last_name)};{_text(c.first_name)};;;",
        ]
        if c.badge_name and c.badge_name != c.first_name:
            props.append(f"NICKNAME:{_text(c.badge_name)}")
        props.append(f"ORG:{_text(c.institution)}")
        props.append(f"TITLE:{_text(c.level)}")
        if c.email:
            props.append(f"EMAIL;TYPE=work:{_text(c.email)}")
        if c.phone:
            props.append(f"TEL;VALUE=text;TYPE=cell:{_text(c.phone)}")
        if c.url:
            props.append(f"URL:{c.url}")  # a URI value: no TEXT escaping (it holds no space or line break)
        props.append(f"NOTE:{_text(note)}")
        props.append("END:VCARD")
        lines.extend(_fold(p) for p in props)
    return "".join(line + "\r\n" for line in lines)


CSV_HEADER = ("Name", "Badge name", "Program", "Training level", "E-mail", "Phone", "Profile link", "Note", "Saved at")


def card_cells(row: ContactRow, event: Event) -> tuple:
    """One saved contact's CSV cells, under CSV_HEADER."""
    c = row.card
    return (c.full_name, c.badge_name, c.institution, c.level, c.email, c.phone, c.url, row.note,
            local_iso(row.saved_at, event.tz))  # fmt: skip


def contacts_csv(rows: list[ContactRow], *, event: Event) -> str:
    """The contacts as CSV (BOM, RFC 4180 quoting, CRLF), formula-safe like the guest list."""
    return csv_text(CSV_HEADER, (card_cells(row, event) for row in rows))


def vcard_filename(event: Event) -> str:
    return f"contacts-{event.slug}.vcf"
