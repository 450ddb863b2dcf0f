"""Bar charts as inline SVG for the console's KPI page and the monthly report: drawn by hand, no JavaScript,
no plotting library; the text is real text, so the browser shows Chinese with the page's own fonts, also in
print."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 40, 10, 36, 40
ROW_HEIGHT, LABEL_WIDTH = 26, 110  # horizontal charts: one row per label, the label left of its bar
# Presentation attributes, so the charts look the same in any page; a page's CSS (console.css) may restyle
# them.
BAR = 'fill="#3e7cb1" class="bar"'
AXIS = 'stroke="#9aa5b1" class="axis"'
TICK = 'font-size="11" fill="#52606d" class="tick"'
VALUE = 'font-size="11" fill="#52606d" class="value"'
TITLE = 'font-size="14" font-weight="bold" fill="#1f2933" class="title"'


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str = "",
    max_value: float | None = None,
    horizontal: bool = False,
) -> Markup:
    """One bar per label with its value written at its end; a None value (nothing measured) draws no bar.
    Horizontal suits long labels such as names."""
    top = max_value if max_value is not None else max([v for v in values if v is not None] or [0])
    top = top or 1
    if horizontal:
        return _horizontal(title, labels, values, unit, top)
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_w / max(len(labels), 1)
    parts = [
        *_opening(title, HEIGHT),
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP + plot_h}" x2="{WIDTH - MARGIN_RIGHT}" '
        f'y2="{MARGIN_TOP + plot_h}" {AXIS}/>',
        f'<text x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + 4}" text-anchor="end"'
        f" {TICK}>{_number(top)}{escape(unit)}</text>",
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = MARGIN_LEFT + index * slot
        centre = x + slot / 2
        parts.append(
            f'<text x="{centre:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle" {TICK}>'
            f"{escape(label)}</text>"
        )
        if value is None:
            continue
        bar_h = plot_h * min(value, top) / top
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{MARGIN_TOP + plot_h - bar_h:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{bar_h:.1f}" {BAR}/>'
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{MARGIN_TOP + plot_h - bar_h - 4:.1f}" text-anchor="middle" '
            f"{VALUE}>{_number(value)}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _horizontal(
    title: str, labels: Sequence[str], values: Sequence[float | None], unit: str, top: float
) -> Markup:
    height = MARGIN_TOP + ROW_HEIGHT * max(len(labels), 1) + 10
    plot_w = WIDTH - LABEL_WIDTH - MARGIN_RIGHT - 50  # room for the value after the longest bar
    parts = [
        *_opening(title, height),
        f'<line x1="{LABEL_WIDTH}" y1="{MARGIN_TOP}" x2="{LABEL_WIDTH}" y2="{height - 10}" {AXIS}/>',
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = MARGIN_TOP + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2 + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{middle:.1f}" text-anchor="end" {TICK}>{escape(label)}</text>'
        )
        if value is None:
            continue
        bar_w = plot_w * min(value, top) / top
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + ROW_HEIGHT * 0.15:.1f}" width="{bar_w:.1f}" '
            f'height="{ROW_HEIGHT * 0.7:.1f}" {BAR}/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + bar_w + 4:.1f}" y="{middle:.1f}" {VALUE}>'
            f"{_number(value)}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _opening(title: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="{MARGIN_LEFT}" y="16" {TITLE}>{escape(title)}</text>',
    ]


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or value >= 10 else f"{value:.1f}"
