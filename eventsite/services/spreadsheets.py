"""What every CSV we hand out shares: cells a spreadsheet cannot run as formulas, and a
csv.writer target that gives each line back (for streaming)."""

import csv
import io


def local_iso(value, tz) -> str:
    """A moment as ISO 8601 in the event's zone, with its offset ("" for none): how every CSV
    writes times."""
    return value.astimezone(tz).isoformat(timespec="seconds") if value else ""


#: What a spreadsheet takes for the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix text a spreadsheet would run as a formula with ``'``; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header, rows) -> str:
    """A whole CSV file as text: a BOM (Excel reads UTF-8), RFC 4180 quoting, CRLF line ends,
    every cell formula-safe (``neutralise``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return "\ufeff" + out.getvalue()


class Line:
    """A file-like target for csv.writer that hands back each line instead of storing it."""

    def write(self, text: str) -> str:
        return text
