"""HTML to PDF with a headless Chromium (Debian's `chromium`; CJK glyphs need fonts-noto-cjk).

The page is written to a temporary folder and printed from there with a throw-away browser profile, so nothing
is fetched from the network and two reports printed at once do not share state.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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


def html_to_pdf(html: str) -> bytes:
    """The page printed to PDF (A4, no browser header or footer); ReportError when no browser or printing
    fails."""
    config = report_config()
    browser = pdf_browser()
    if browser is None:
        raise ReportError(say("errors.pdf_renderer_missing", browsers="、".join(config.pdf_browsers)))
    with tempfile.TemporaryDirectory(prefix="hotline-pdf-") as folder:
        page = Path(folder) / "report.html"
        output = Path(folder) / "report.pdf"
        page.write_text(html, encoding="utf-8")
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
                say("errors.pdf_failed", reason=f"浏览器 {config.pdf_timeout_seconds:.0f} 秒内没有完成")
            ) from None
        if done.returncode != 0 or not output.exists() or output.stat().st_size == 0:
            last_line = (done.stderr.strip().splitlines() or ["没有输出"])[-1]
            raise ReportError(
                say("errors.pdf_failed", reason=f"浏览器退出码 {done.returncode}（{last_line[:200]}）")
            )
        return output.read_bytes()
