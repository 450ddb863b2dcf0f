"""HTML to PDF with a headless Chromium (Debian's `chromium`; CJK glyphs need fonts-noto-cjk).

The page is written to a temporary folder and printed from there with a throw-away browser profile, so nothing
is fetched from the network and two reports printed at once do not share state. The page may load nothing
at all and run no script (a Content-Security-Policy put first in its head: inline styles and data: images
only; `--blink-settings=scriptEnabled=false` would stop headless printing itself), so that caller text,
should a template ever stop escaping it, still cannot pull a local file into a PDF. At most `max_at_once`
browsers print at a time (reports.yml).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from bot.reports.config import ReportError, report_config
from bot.reports.texts import say


def pdf_browser() -> str | None:
    """The first browser of reports.yml found on PATH."""
    for name in report_config().pdf_browsers:
        path = shutil.which(name)
        if path:
            return path
    return None


NOTHING_LOADED = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; img-src data:; font-src data:\">"
)
_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)


def locked_down(html: str) -> str:
    """The page with the policy that lets it load nothing, first thing in its head."""
    head = _HEAD.search(html)
    if head is None:
        return NOTHING_LOADED + html
    return html[: head.end()] + NOTHING_LOADED + html[head.end() :]


@lru_cache(maxsize=1)
def _printing() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(report_config().pdf_max_at_once)


def html_to_pdf(html: str) -> bytes:
    """The page printed to PDF (A4, no browser header or footer); ReportError when no browser, when too many
    are printing already, or when printing fails."""
    config = report_config()
    if not _printing().acquire(timeout=config.pdf_wait_seconds):
        raise ReportError(say("errors.pdf_busy"))
    try:
        return _print(html)
    finally:
        _printing().release()


def _print(html: str) -> bytes:
    config = report_config()
    browser = pdf_browser()
    if browser is None:
        raise ReportError(say("errors.pdf_renderer_missing", browsers="、".join(config.pdf_browsers)))
    with tempfile.TemporaryDirectory(prefix="hotline-pdf-") as folder:
        page = Path(folder) / "report.html"
        output = Path(folder) / "report.pdf"
        page.write_text(locked_down(html), encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={output}",
            page.as_uri(),
        ]
        if os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=config.pdf_timeout_seconds)
        except subprocess.TimeoutExpired:
            raise ReportError(
                say("errors.pdf_timed_out", seconds=f"{config.pdf_timeout_seconds:.0f}")
            ) from None
        if done.returncode != 0 or not output.exists() or output.stat().st_size == 0:
            last_line = (done.stderr.strip().splitlines() or [say("errors.pdf_browser_silent")])[-1]
            raise ReportError(
                say("errors.pdf_browser_failed", code=done.returncode, last_line=last_line[:200])
            )
        return output.read_bytes()
