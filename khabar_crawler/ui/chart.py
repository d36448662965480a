"""Articles per day by category as an inline SVG (no script, nothing fetched): stacked bars,
one day a column from the first day to the last, one series (``<g class="series">``) a
category with its colour in the legend. Pure: rows in, markup out."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from markupsafe import Markup

#: Tableau 10: distinct for the eye, in print as on screen
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
WIDTH, HEIGHT = 960, 360
LEFT, RIGHT, TOP, BOTTOM = 48, 40, 16, 40
LEGEND_ROW = 22
#: the most day labels under the axis, and the room one takes (pixels)
DAY_LABELS, LABEL_WIDTH = 8, 80


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def tick_values(top: int) -> list[int]:
    """Round y values from 0 past ``top``: steps of 1, 2, 5, 10, 20, 50, ..., at most five."""
    steps = (1, 2, 5)
    scale = 1
    while True:
        for step in steps:
            if top / (step * scale) <= 4:
                last = -(-top // (step * scale)) * step * scale
                return list(range(0, last + 1, step * scale))
        scale *= 10


def category_colours(categories: list[str]) -> dict[str, str]:
    return {category: PALETTE[n % len(PALETTE)] for n, category in enumerate(categories)}


def render_chart(rows: list[tuple[str, str, int]]) -> Markup:
    """The chart of ``(day YYYY-MM-DD, category, articles)`` rows."""
    if not rows:
        return Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="khabar-chart" width="{w}" height="60"'
            ' role="img"><text x="{x}" y="30" text-anchor="middle" direction="rtl">لا مقالات</text></svg>'
        ).format(w=WIDTH, x=WIDTH // 2)
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for when, category, articles in rows:
        counts[category][date.fromisoformat(when)] = articles
    totals = {category: sum(per_day.values()) for category, per_day in counts.items()}
    categories = sorted(counts, key=lambda c: (-totals[c], c))
    colours = category_colours(categories)
    days = _days(min(min(d) for d in counts.values()), max(max(d) for d in counts.values()))
    per_day = {day: sum(counts[c].get(day, 0) for c in categories) for day in days}
    ticks = tick_values(max(per_day.values()))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    column = plot_w / len(days)
    bar = min(max(column * 0.8, 1.0), 40.0)
    scale = plot_h / ticks[-1]
    legend_h = LEGEND_ROW * len(categories) + 8
    parts: list[Markup] = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="khabar-chart" width="{w}" height="{h}"'
            ' viewBox="0 0 {w} {h}" role="img" aria-label="المقالات في اليوم حسب التصنيف"'
            ' font-family="sans-serif" font-size="12">'
        ).format(w=WIDTH, h=HEIGHT + legend_h)
    ]
    for tick in ticks:
        y = TOP + plot_h - tick * scale
        parts.append(
            Markup(
                '<line x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                '<text x="{tx}" y="{ty:.1f}" text-anchor="end" fill="#555">{tick}</text>'
            ).format(x1=LEFT, x2=WIDTH - RIGHT, y=y, tx=LEFT - 6, ty=y + 4, tick=tick)
        )
    base = dict.fromkeys(days, 0)
    for category in categories:
        parts.append(
            Markup('<g class="series" data-category="{c}" fill="{colour}">').format(
                c=category, colour=colours[category]
            )
        )
        for n, day in enumerate(days):
            articles = counts[category].get(day, 0)
            if not articles:
                continue
            height = articles * scale
            y = TOP + plot_h - (base[day] + articles) * scale
            base[day] += articles
            parts.append(
                Markup(
                    '<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}">'
                    "<title>{day} · {c}: {articles}</title></rect>"
                ).format(
                    x=LEFT + n * column + (column - bar) / 2,
                    y=y,
                    w=bar,
                    h=height,
                    day=day.isoformat(),
                    c=category,
                    articles=articles,
                )
            )
        parts.append(Markup("</g>"))
    every = max(1, -(-len(days) // DAY_LABELS))
    last = len(days) - 1
    labelled = [n for n in range(0, last, every) if n == 0 or (last - n) * column >= LABEL_WIDTH]
    for n in [*labelled, last]:
        x = LEFT + (n + 0.5) * column
        parts.append(
            Markup(
                '<text class="day" x="{x:.1f}" y="{y}" text-anchor="middle" fill="#555">{day}</text>'
            ).format(x=x, y=HEIGHT - BOTTOM + 18, day=days[n].isoformat())
        )
    parts.append(Markup('<g class="legend" direction="rtl">'))
    for n, category in enumerate(categories):
        y = HEIGHT + n * LEGEND_ROW
        parts.append(
            Markup(
                '<rect x="{rx}" y="{ry}" width="14" height="14" fill="{colour}"/>'
                '<text x="{tx}" y="{ty}" text-anchor="start" direction="rtl">{c} ({total})</text>'
            ).format(
                rx=WIDTH - RIGHT - 14,
                ry=y,
                colour=colours[category],
                tx=WIDTH - RIGHT - 20,
                ty=y + 12,
                c=category,
                total=totals[category],
            )
        )
    parts.append(Markup("</g></svg>"))
    return Markup("").join(parts)
