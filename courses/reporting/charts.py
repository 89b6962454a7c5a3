"""Server-rendered SVG charts: no JavaScript, scale to any screen (viewBox).

Horizontal bars for completion rate by child organisation (long Chinese names fit
on a phone when they sit above their bar), vertical bars for completions per week.
"""

from __future__ import annotations

import datetime as dt

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 360
ROW = 34


def completion_rate_chart(rows) -> SafeString:
    """Rows with ``label`` and ``completion_rate`` (0-100)."""
    rows = list(rows)
    if not rows:
        return mark_safe("")
    height = ROW * len(rows) + 10
    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" '
            'aria-label="{}" xmlns="http://www.w3.org/2000/svg">',
            WIDTH,
            height,
            _("Completion rate by organisation"),
        )
    ]
    for index, row in enumerate(rows):
        y = index * ROW + 4
        rate = max(0.0, min(100.0, float(row.completion_rate)))
        bar = round((WIDTH - 50) * rate / 100, 1)
        parts.append(
            format_html(
                '<text x="0" y="{}" font-size="12">{}</text>'
                '<rect x="0" y="{}" width="{}" height="14" fill="#dfe7ef"/>'
                '<rect x="0" y="{}" width="{}" height="14" fill="#2f6f4f"/>'
                '<text x="{}" y="{}" font-size="12">{}%</text>',
                y + 11,
                row.label,
                y + 15,
                WIDTH - 50,
                y + 15,
                bar,
                WIDTH - 45,
                y + 27,
                rate,
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - escaped parts


def weekly_chart(weeks: list[tuple[dt.date, int]]) -> SafeString:
    if not weeks:
        return mark_safe("")
    height = 150
    top = 16
    base = height - 24
    peak = max((n for _week, n in weeks), default=0) or 1
    step = WIDTH / len(weeks)
    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" '
            'aria-label="{}" xmlns="http://www.w3.org/2000/svg">',
            WIDTH,
            height,
            _("Completions per week"),
        )
    ]
    for index, (week, count) in enumerate(weeks):
        bar = round((base - top) * count / peak, 1)
        x = round(index * step + 2, 1)
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#2f6f4f">'
                "<title>{}: {}</title></rect>"
                '<text x="{}" y="{}" font-size="9" text-anchor="middle">{}</text>',
                x,
                round(base - bar, 1),
                round(step - 4, 1),
                bar,
                week.isoformat(),
                count,
                round(x + (step - 4) / 2, 1),
                base - bar - 3,
                count if count else "",
            )
        )
        if index % 2 == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="9" text-anchor="middle">{}</text>',
                    round(x + (step - 4) / 2, 1),
                    height - 8,
                    f"{week.month}/{week.day}",
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - escaped parts
