"""Inline SVG charts for the dashboard: server-rendered, no script, every label escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def plural(count: float, one: str, many: str | None = None) -> str:
    """`1 unit`, `2 units`, `0.5 units`: the count and the word that agrees with it."""
    return f"{count:g} {one if count == 1 else many or one + 's'}"


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, unit: str | tuple[str, str] = "",
              width: int = 640) -> str:
    """Horizontal bars, longest first as given; an empty series says so instead of drawing nothing. `unit` is
    one word for every value ("units/week"), or its singular and plural (("unit", "units"))."""
    if not bars:
        return f'<p class="empty">{escape(title)}: no data yet.</p>'
    label_w, bar_h, gap, top = 220, 18, 6, 28
    plot_w = width - label_w - 80
    peak = max(value for _, value in bars) or 1.0
    height = top + len(bars) * (bar_h + gap) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
             f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(bars):
        y = top + i * (bar_h + gap)
        length = max(1.0, plot_w * value / peak) if value > 0 else 0.0
        short = label if len(label) <= 32 else label[:31] + "…"
        shown = (plural(value, *unit) if isinstance(unit, tuple) else f"{value:g}{(' ' + unit) if unit else ''}")
        parts.append(f'<g><title>{escape(label)}: {escape(shown)}</title>'
                     f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end" font-size="12">'
                     f'{escape(short)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" fill="#3b6ea8"/>'
                     f'<text x="{label_w + length + 4:.1f}" y="{y + bar_h - 4}" font-size="12">{escape(shown)}</text>'
                     f'</g>')
    parts.append("</svg>")
    return "".join(parts)
