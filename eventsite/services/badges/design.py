"""One badge: what it shows (``BadgeData``, plain values read from an RSVP) and where each piece
goes (``fit_badge``: every text block measured and placed, the QR bottom-right), in points.

Rendering needs only ``BadgeData``, never the database, so it runs the same in a request, a job
thread or a worker process.
"""

import dataclasses

from eventsite.models import BadgeRole, Event, Rsvp, TrainingLevel
from eventsite.services.badges.layouts import BADGE_H, BADGE_W, BAND_H, GAP, PAD, QR_EDGE
from eventsite.services.badges.qr import qr_data_uri, qr_image_size, qr_payload, qr_png
from eventsite.services.badges.text import Fitted, measurer

ROLE_COLOURS = {
    BadgeRole.RESIDENT: "#1f5aa6",
    BadgeRole.FACULTY: "#1d6b43",
    BadgeRole.INDUSTRY: "#a64600",
    BadgeRole.STAFF: "#5a2d82",
    BadgeRole.GUEST: "#4d5866",
}
LEVEL_ROLES = {
    TrainingLevel.ATTENDING: BadgeRole.FACULTY,
    TrainingLevel.INDUSTRY: BadgeRole.INDUSTRY,
    TrainingLevel.OTHER: BadgeRole.GUEST,
}  # every other level is a trainee: resident band


@dataclasses.dataclass(frozen=True)
class BadgeData:
    """One badge's content, plain values only (picklable for worker processes)."""

    rsvp_id: int
    payload: str
    name: str
    full_name: str
    pronouns: str
    institution: str
    level: str
    role: str
    role_words: str
    event_title: str
    event_place: str
    event_date: str


def badge_role(rsvp: Rsvp) -> BadgeRole:
    """The organizer's choice for this guest, else their category's band, else the band that
    follows from the training level."""
    category = rsvp.category  # one look-up per category: the session's identity map keeps it
    return (
        rsvp.badge_role
        or (BadgeRole.INDUSTRY if rsvp.event_vendor_id is not None else None)
        or (category.badge_role if category is not None else None)
        or LEVEL_ROLES.get(rsvp.training_level, BadgeRole.RESIDENT)
    )


def band_words(rsvp: Rsvp, role: BadgeRole) -> str:
    """The band's words: a vendor representative's company, else the category's own (e.g.
    "Vendor") unless the organizer chose a band for this guest, else the role's (``role_words``)."""
    if rsvp.badge_role is None and rsvp.event_vendor_id is not None and rsvp.event_vendor is not None:
        return rsvp.event_vendor.name
    category = rsvp.category
    if rsvp.badge_role is None and category is not None and category.badge_label:
        return category.badge_label
    return role_words(role, rsvp.training_level)


def role_words(role: BadgeRole, level: TrainingLevel) -> str:
    """The role in words for the band (colour is never the only signal)."""
    if role == BadgeRole.RESIDENT:
        return {TrainingLevel.MEDICAL_STUDENT: "Medical student", TrainingLevel.FELLOW: "Fellow"}.get(level, "Resident")
    return {BadgeRole.FACULTY: "Faculty", BadgeRole.INDUSTRY: "Industry", BadgeRole.STAFF: "Staff"}.get(role, "Guest")


def badge_data(rsvp: Rsvp, event: Event | None = None) -> BadgeData:
    """The badge of ``rsvp`` as plain data (needs an app context for BASE_URL)."""
    event = event or rsvp.event
    start = event.local_starts_at
    role = badge_role(rsvp)
    return BadgeData(
        rsvp_id=rsvp.id,
        payload=qr_payload(rsvp),
        name=rsvp.display_name,
        full_name=rsvp.full_name,
        pronouns=rsvp.pronouns,
        institution=rsvp.institution,
        level=rsvp.training_level.label,
        role=role.value,
        role_words=band_words(rsvp, role),
        event_title=event.title,
        event_place=event.city,
        event_date=f"{start:%a, %b} {start.day}, {start.year}",
    )


@dataclasses.dataclass(frozen=True)
class Block:
    """One piece of text on the badge (name, program, ...): its box in points and fitted lines."""

    kind: str
    x: float
    y: float
    w: float
    fit: Fitted
    bold: bool = False
    #: Pronouns printed after the full name on the same line (muted).
    suffix: str = ""

    @property
    def height(self) -> float:
        return self.fit.height

    @property
    def bottom(self) -> float:
        return self.y + self.height


def _stack(pieces: list[tuple[str, Fitted, bool, str]], *, x: float, y: float, w: float, gap: float = 0) -> list[Block]:
    """Blocks one under the other from ``y``, ``gap`` apart (pieces with no text are left out)."""
    blocks = []
    for kind, fitted, bold, suffix in pieces:
        if fitted.lines:
            blocks.append(Block(kind, x, y, w, fitted, bold=bold, suffix=suffix))
            y = blocks[-1].bottom + gap
    return blocks


@dataclasses.dataclass(frozen=True)
class FittedBadge:
    """A badge laid out: every block placed and sized, and the QR's box, in points."""

    data: BadgeData
    blocks: tuple[Block, ...]
    qr_uri: str
    qr_x: float
    qr_y: float
    qr_size: float
    colour: str
    band_h: float = BAND_H
    pad: float = PAD

    @property
    def width(self) -> float:
        return BADGE_W

    def block(self, kind: str) -> Block | None:
        return next((b for b in self.blocks if b.kind == kind), None)


def fit_badge(data: BadgeData) -> FittedBadge:
    """Lay out one badge: sizes from the longest text down, lines from Pango, QR bottom-right.

    Upper part, full width: the name (large), then full name and pronouns. Lower left, beside
    the QR: program and training level from the top, event title and place/date from the
    bottom. Each block shrinks (then wraps) to its box; the program gets what room is left.
    """
    m = measurer()
    png = qr_png(data.payload)
    qr_size = qr_image_size(png)
    qr_x, qr_y = BADGE_W - QR_EDGE - qr_size, BADGE_H - QR_EDGE - qr_size
    width = BADGE_W - 2 * PAD

    def height(fits) -> float:
        return sum(f.height for f in fits)

    # Upper part: full name and pronouns are small and fitted first; the name gets the rest.
    top = BAND_H + 7
    upper_room = qr_y - 4 - top
    full_name, pronouns = m.printable(data.full_name), m.printable(data.pronouns)
    if full_name.casefold() == m.printable(data.name).casefold():
        full_name = ""  # the large name already is the full name: print it once
    together = m.fit(
        f"{full_name} · {pronouns}" if pronouns and full_name else full_name or pronouns,
        width=width,
        max_size=11,
        min_size=9,
    )
    if not full_name:
        under = [("pronouns", together, False, "")] if pronouns else []
    elif together.size >= 9:
        suffix = f" · {pronouns}" if pronouns else ""
        under = [("full", dataclasses.replace(together, lines=(full_name,)), False, suffix)]
    else:
        under = [
            ("full", m.fit(full_name, width=width, max_size=11, min_size=9, min_wrapped=7.5, max_lines=2), False, "")
        ]
        if pronouns:
            under.append(("pronouns", m.fit(pronouns, width=width, max_size=10, min_size=8), False, ""))
    name_h = min(46.0, upper_room - height(f for _, f, _, _ in under) - 2 * GAP)
    name = m.fit(
        data.name, width=width, max_size=36, min_size=22, min_wrapped=12, max_lines=2, height=name_h, bold=True
    )
    upper = _stack([("name", name, True, ""), *under], x=PAD, y=top, w=width, gap=GAP)

    # Lower left: the event anchored at the bottom, then the program in what room remains.
    low_w = qr_x - PAD - 6
    bottom = BADGE_H - 12
    place_text = f"{data.event_place} · {data.event_date}" if data.event_place else data.event_date
    place = m.fit(place_text, width=low_w, max_size=8.5, min_size=7, min_wrapped=6.5, max_lines=2)
    title = m.fit(data.event_title, width=low_w, max_size=8.5, min_size=7.5, min_wrapped=6.5, max_lines=2, bold=True)
    event_y = bottom - height([title, place])
    low_top = max(upper[-1].bottom + 5, top + 46 + 13)  # the lower part lines up across badges
    level = m.fit(data.level, width=low_w, max_size=9.5, min_size=7, bold=True)
    room = event_y - 5 - low_top - height([level]) - GAP
    institution = m.fit(data.institution, width=low_w, max_size=10, min_size=9, min_wrapped=7, max_lines=3, height=room)
    return FittedBadge(
        data=data,
        blocks=(
            *upper,
            *_stack(
                [("institution", institution, False, ""), ("level", level, True, "")],
                x=PAD,
                y=low_top,
                w=low_w,
                gap=GAP,
            ),
            *_stack([("title", title, True, ""), ("place", place, False, "")], x=PAD, y=event_y, w=low_w),
        ),
        qr_uri=qr_data_uri(data.payload),
        qr_x=qr_x,
        qr_y=qr_y,
        qr_size=qr_size,
        colour=ROLE_COLOURS[BadgeRole(data.role)],
    )
