"""Small server-rendered SVG charts: readable without JavaScript, accessible by their table."""

import datetime as dt
import math

from markupsafe import Markup, escape


def daily_bars(per_day: list[tuple[dt.date, int]], *, title: str, width: int = 640, height: int = 200) -> Markup:
    """A bar per day with the peak labelled and the first/last dates under the axis."""
    if not per_day:
        return Markup("")
    top = max(n for _, n in per_day) or 1
    left, bottom, right, top_pad = 32, 28, 8, 18
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    # Days fill the width, but a few days stay at the left as slim bars, not wide slabs.
    step = min(plot_w / len(per_day), 30.0)
    bar_w = max(1.0, step * 0.8)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" stroke="#8a94a3"/>',
        f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" font-size="11" fill="#4f5b6b">{top}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="11" fill="#4f5b6b">0</text>',
    ]
    for i, (day, n) in enumerate(per_day):
        h = plot_h * n / top
        x = left + i * step + (step - bar_w) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#0b5f7a">'
            f"<title>{day:%b} {day.day}: {n}</title></rect>"
        )
    first, last = per_day[0][0], per_day[-1][0]
    parts.append(f'<text x="{left}" y="{height - 8}" font-size="11" fill="#4f5b6b">{first:%b} {first.day}</text>')
    if last != first:
        last_x = left + len(per_day) * step
        parts.append(
            f'<text x="{last_x:.1f}" y="{height - 8}" text-anchor="end" font-size="11" fill="#4f5b6b">{last:%b} {last.day}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(rows: list[tuple[str, int]], *, title: str, width: int = 480) -> Markup:
    """Labelled horizontal bars, one row each (levels, programs)."""
    if not rows:
        return Markup("")
    top = max(n for _, n in rows) or 1
    row_h, label_w, value_w = 26, 190, 40
    height = row_h * len(rows) + 4
    bar_space = width - label_w - value_w
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, n) in enumerate(rows):
        y = i * row_h + 2
        short = label if len(label) <= 28 else label[:27] + "…"
        w = bar_space * n / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="12" fill="#1b2430">{escape(short)}</text>'
        )
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" rx="3" fill="#0b5f7a"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 17}" font-size="12" fill="#1b2430">{n}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def score_columns(
    rows: list[tuple[str, int]], *, title: str, colours: list[str] | None = None, width: int = 480, height: int = 170
) -> Markup:
    """A column per score (1–5, 0–10) with its count above and the score below; ``colours``
    per column (e.g. detractors, passives, promoters), else the accent colour."""
    if not rows:
        return Markup("")
    top = max(n for _, n in rows) or 1
    bottom, top_pad, side = 24, 18, 4
    plot_h = height - bottom - top_pad
    step = (width - 2 * side) / len(rows)
    bar_w = step * 0.72
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{side}" y1="{top_pad + plot_h}" x2="{width - side}" y2="{top_pad + plot_h}" stroke="#8a94a3"/>',
    ]
    for i, (label, n) in enumerate(rows):
        h = plot_h * n / top
        x = side + i * step + (step - bar_w) / 2
        mid = x + bar_w / 2
        fill = colours[i] if colours else "#0b5f7a"
        parts.append(
            f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" rx="2" fill="{fill}">'
            f"<title>{escape(label)}: {n}</title></rect>"
        )
        parts.append(
            f'<text x="{mid:.1f}" y="{top_pad + plot_h - h - 4:.1f}" text-anchor="middle" font-size="12" fill="#1b2430">{n}</text>'
        )
        parts.append(
            f'<text x="{mid:.1f}" y="{height - 7}" text-anchor="middle" font-size="12" fill="#4f5b6b">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


#: Geometry shared with eventsite/static/js/arrivals_chart.js, which redraws this chart live.
ARRIVALS_HEIGHT = 150
ARRIVALS_PAD = {"left": 30, "right": 8, "top": 18, "bottom": 22}
ARRIVALS_LABEL_PX = 66
NICE_TOPS = (4, 8, 12, 20, 40, 60, 80, 100, 150, 200, 300, 500, 1000)


def _axis_top(peak: int) -> int:
    return next((n for n in NICE_TOPS if peak <= n), -(-peak // 500) * 500)


def arrivals_chart(quarters: list[dict], *, width: int = 360) -> Markup:
    """Arrivals per 15 minutes (``quarters``: the stats API's ``per_quarter`` dicts) as the same
    SVG and hidden table that arrivals_chart.js draws, so the overview shows it without JS."""
    if not quarters:
        return Markup('<p class="arrivals-empty muted">No arrivals yet.</p>')
    pad, height = ARRIVALS_PAD, ARRIVALS_HEIGHT
    plot_w, plot_h = width - pad["left"] - pad["right"], height - pad["top"] - pad["bottom"]
    base = pad["top"] + plot_h
    top = _axis_top(max(q["admitted"] for q in quarters))
    step = plot_w / max(len(quarters), 4)
    bar_w = max(2.0, min(step * 0.78, 44.0))
    every = math.ceil(ARRIVALS_LABEL_PX / step)
    parts = [
        f'<svg class="arrivals-svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="arrivals-grid" x1="{pad["left"]}" x2="{width - pad["right"]}" y1="{pad["top"]}" y2="{pad["top"]}"/>',
        f'<line class="arrivals-axis" x1="{pad["left"]}" x2="{width - pad["right"]}" y1="{base}" y2="{base}"/>',
        f'<text class="arrivals-tick" x="{pad["left"] - 5}" y="{pad["top"] + 4}" text-anchor="end">{top}</text>',
        f'<text class="arrivals-tick" x="{pad["left"] - 5}" y="{base}" text-anchor="end">0</text>',
    ]
    for i, q in enumerate(quarters):
        n, label = q["admitted"], escape(q["start_local"])
        h = max(1.0, plot_h * n / top) if n else 0.0
        x = pad["left"] + i * step + (step - bar_w) / 2
        mid = x + bar_w / 2
        latest = " arrivals-latest" if i == len(quarters) - 1 else ""
        parts.append(
            f'<rect class="arrivals-bar{latest}" x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'rx="{min(3, bar_w / 4):.1f}" data-count="{n}" data-start="{escape(q["start"])}"><title>{label}: {n}</title></rect>'
        )
        if n and bar_w >= 16:
            parts.append(
                f'<text class="arrivals-value" x="{mid:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">{n}</text>'
            )
        if i % every == 0:
            anchor, lx = "middle", mid
            if mid - ARRIVALS_LABEL_PX / 2 < 0:
                anchor, lx = "start", max(0.0, x)
            if mid + ARRIVALS_LABEL_PX / 2 > width:
                anchor, lx = "end", float(width)
            parts.append(
                f'<text class="arrivals-label" x="{lx:.1f}" y="{height - 6}" text-anchor="{anchor}">{label}</text>'
            )
    parts.append("</svg>")
    rows = "".join(f"<tr><td>{escape(q['start_local'])}</td><td>{q['admitted']}</td></tr>" for q in quarters)
    parts.append(
        '<table class="visually-hidden"><caption>Arrivals per 15 minutes</caption>'
        f'<tr><th scope="col">From</th><th scope="col">Checked in</th></tr>{rows}</table>'
    )
    return Markup("".join(parts))
