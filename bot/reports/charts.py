"""Bar charts for the monthly report as inline SVG, drawn by matplotlib (Agg, no display, nothing downloaded).

Text is drawn as outlines, so the SVG shows the same everywhere without fonts; Chinese labels need a CJK font at
drawing time (reports.yml charts.cjk_fonts). Without one, the charts take their English labels.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from markupsafe import Markup  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bot.reports.settings import report_settings  # noqa: E402

Label = dict[str, str]  # {"zh": ..., "en": ...}


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first font of reports.yml with Chinese glyphs that is installed, or None."""
    wanted = report_settings().cjk_fonts
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    if not any(name in known for name in wanted):
        # matplotlib's font cache predates a font installed later (apt-get install fonts-noto-cjk): look again.
        for path in font_manager.findSystemFonts():
            if any(word in path for word in ("CJK", "wqy", "SimHei")):
                font_manager.fontManager.addfont(path)
        known = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in wanted if name in known), None)


def bar_chart(title: Label, labels: Sequence[Label], values: Sequence[float | None], *,
              max_value: float | None = None, horizontal: bool = False) -> Markup:
    """One bar per label with its value written at the end; a None value (nothing measured) draws no bar."""
    font = cjk_font()
    language = "zh" if font else "en"
    names = [label[language] for label in labels]
    heights = [value or 0 for value in values]
    rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "svg.fonttype": "path",
          "svg.hashsalt": "hotline-report", "font.size": 9}
    with matplotlib.rc_context(rc):
        rows = len(labels)
        figure = Figure(figsize=(6.4, max(1.6, 0.35 * rows + 0.9)) if horizontal else (6.4, 2.6))
        axes = figure.subplots()
        axes.set_title(title[language], loc="left", fontsize=10)
        positions = list(range(rows))
        bars = (axes.barh(positions, heights, color="#4a78a8") if horizontal
                else axes.bar(positions, heights, color="#4a78a8"))
        top = max_value if max_value is not None else max(heights + [1]) * 1.15
        if horizontal:
            axes.set_yticks(positions)
            axes.set_yticklabels(names)
            axes.invert_yaxis()
            axes.set_xlim(0, top)
        else:
            axes.set_xticks(positions)
            axes.set_xticklabels(names)
            axes.set_ylim(0, top * (1.12 if max_value is not None else 1))
        if max_value is None:  # counts: whole-number ticks
            (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
        axes.bar_label(bars, labels=[_number(v) for v in values], padding=2, fontsize=8)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return Markup(svg[svg.index("<svg"):])  # inline: without the XML declaration and DOCTYPE


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
