"""Small server-side SVG bar charts for the KPI page: no JavaScript, no fonts to install, readable in print."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 40, 10, 36, 40


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None], *, unit: str = "",
              max_value: float | None = None) -> Markup:
    """One bar per label, the value written above it; a None value (nothing to measure that day) draws no bar."""
    top = max_value if max_value is not None else max([v for v in values if v is not None] or [0])
    top = top or 1
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_w / max(len(labels), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f'<title>{escape(title)}</title>',
        f'<text x="{MARGIN_LEFT}" y="16" class="title">{escape(title)}</text>',
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP + plot_h}" x2="{WIDTH - MARGIN_RIGHT}" '
        f'y2="{MARGIN_TOP + plot_h}" class="axis"/>',
        f'<text x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + 4}" text-anchor="end" class="tick">'
        f'{_number(top)}{escape(unit)}</text>',
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = MARGIN_LEFT + index * slot
        centre = x + slot / 2
        parts.append(f'<text x="{centre:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle" '
                     f'class="tick">{escape(label)}</text>')
        if value is None:
            continue
        bar_h = plot_h * min(value, top) / top
        parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{MARGIN_TOP + plot_h - bar_h:.1f}" '
                     f'width="{slot * 0.7:.1f}" height="{bar_h:.1f}" class="bar"/>')
        parts.append(f'<text x="{centre:.1f}" y="{MARGIN_TOP + plot_h - bar_h - 4:.1f}" text-anchor="middle" '
                     f'class="value">{_number(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or value >= 10 else f"{value:.1f}"
