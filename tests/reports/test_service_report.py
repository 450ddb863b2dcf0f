"""The service report 《维修服务报告》: what it says for a ticket repaired on site and for one the bot's
guided check fixed, refusals for tickets without a repair, the PDF (Chromium), and `hotline
service-report`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.app.cli import main
from bot.db import session_scope
from bot.ops import lifecycle
from bot.ops.lifecycle import PartUsed
from bot.reports.config import ReportError
from bot.reports.pdf import html_to_pdf, pdf_browser
from bot.reports.service_report import render_service_report_html, render_service_report_pdf
from tests.factories import Month, local
from tests.support import skip_or_fail


def html_of(month: Month, name: str) -> str:
    with session_scope(month.engine) as session:
        return render_service_report_html(session, month.numbers[name], now=local(11, 3, 10))


def test_report_of_an_on_site_repair(november: Month) -> None:
    html = html_of(november, "on_time")
    number = november.numbers["on_time"]
    for text in (
        f"<title>维修服务报告 {number}</title>",
        f'<strong id="ticket-number">{number}</strong>（故障报修）',
        "出具日期：2026-11-03 10:00",
        "<td>郑州市嘉禾医院</td>",
        "<td>检验科</td>",
        "<td>王敏</td>",
        "<td>13912345678</td>",
        "郑州市金水区嘉禾路88号（同城）",
        "<td>全自动生化分析仪 KR-2000</td>",
        "KR-2000（康瑞）",
        '<td colspan="3">KR23060142</td>',
        "开机报温度异常",
        "急诊样本在等",
        "试剂仓温控传感器老化",
        "更换温控传感器并校准温度",
        "<td>现场解决</td>",
        "周立新（13800000101）",
        "<tr><td>1</td><td>TS-220</td><td>温控传感器</td><td>1</td></tr>",
        # Reported, dispatched, on site, resolved — local time.
        "<td>2026-11-02 10:00</td><td>2026-11-02 10:10</td>",
        "<td>2026-11-02 12:00</td><td>2026-11-02 13:00</td>",
        "第1步：确认试剂仓温度已回到正常范围（没用）",
        "第2步：重启仪器并观察温度报警是否消失（已解决）",
        "服务工程师签字：",
        "客户（科室负责人）签字：",
    ):
        assert text in html, text


def test_report_of_a_fault_the_guided_check_fixed(november: Month) -> None:
    html = html_of(november, "guided")
    assert "<td>远程解决</td>" in html and "热线远程服务" in html and "本次未更换配件。" in html
    assert "按热线远程指导逐步排查后恢复正常" in html
    # Reported and resolved at once, never dispatched nor visited.
    assert "<td>2026-11-10 11:00</td><td>—</td>" in html and "<td>—</td><td>2026-11-10 11:00</td>" in html


def test_callers_words_are_escaped(november: Month) -> None:
    with session_scope(november.engine) as session:
        lifecycle.reopen(
            session, november.numbers["phone"], actor="test", reason="又坏了", at=local(11, 13, 9)
        )
        lifecycle.resolve(
            session,
            november.numbers["phone"],
            actor="test",
            at=local(11, 13, 10),
            cause="<script>alert(1)</script>",
            actions="重新设置",
            parts=[PartUsed("X&Y", 2)],
            remote=True,
        )
    html = html_of(november, "phone")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "X&amp;Y" in html


@pytest.mark.parametrize(
    "name, message",
    [
        ("no_show", "还没有处理完毕（当前：工程师已接单），处理完成后才能出具维修服务报告"),
        ("last_minute", "还没有处理完毕（当前：已受理，等待分派工程师）"),
        ("answered", "是投诉工单，没有维修服务报告"),
    ],
)
def test_no_report_before_the_repair_nor_for_a_complaint(november: Month, name: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        html_of(november, name)


def test_unknown_ticket(november: Month) -> None:
    with (
        session_scope(november.engine) as session,
        pytest.raises(ReportError, match="没有找到工单 SR209901010001"),
    ):
        render_service_report_html(session, "SR209901010001")


def pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        skip_or_fail("pdftotext not installed (apt-get install poppler-utils, or `make browser`)")
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def test_pdf_has_the_ticket_in_its_text(november: Month, tmp_path: Path) -> None:
    if pdf_browser() is None:
        skip_or_fail("chromium not installed: no PDF renderer (`make browser` installs it)")
    # Without a CJK font Chromium prints the Chinese as empty boxes (its text layer would still read right).
    fonts = (
        subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
        if shutil.which("fc-list")
        else ""
    )
    if not fonts.strip():
        skip_or_fail("no Chinese font installed (apt-get install fonts-noto-cjk, or `make browser`)")
    with session_scope(november.engine) as session:
        pdf = render_service_report_pdf(session, november.numbers["on_time"])
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert november.numbers["on_time"] in text and "维修服务报告" in text.replace(" ", "")
    assert "郑州市嘉禾医院" in text and "TS-220" in text


def test_service_report_command(november: Month, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    number = november.numbers["late"]
    assert main(["service-report", number.lower()]) == 0
    assert "加样针内壁结晶" in capsys.readouterr().out
    assert main(["service-report", november.numbers["no_show"], "--html", str(tmp_path / "x.html")]) == 1
    assert "还没有处理完毕" in capsys.readouterr().err and not (tmp_path / "x.html").exists()
    if pdf_browser() is None:
        skip_or_fail("chromium not installed: no PDF renderer (`make browser` installs it)")
    assert main(["service-report", number, "--pdf", str(tmp_path / "report.pdf")]) == 0
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert number in pdf_text(tmp_path / "report.pdf")


def test_a_printed_page_loads_no_local_file_and_runs_no_script(tmp_path: Path) -> None:
    """Should caller text ever reach a template unescaped, it still cannot pull a local file into the PDF
    (docs/security.md, L8)."""
    if pdf_browser() is None:
        skip_or_fail("chromium not installed: no PDF renderer (`make browser` installs it)")
    secret = tmp_path / "console_secret"
    secret.write_text("SECRET-FILE-CONTENT")
    hostile = (
        "<!doctype html><html><head><title>t</title></head><body><p>VISIBLE-TEXT</p>"
        f'<iframe src="{secret.as_uri()}"></iframe><object data="{secret.as_uri()}"></object>'
        "<script>document.body.insertAdjacentText('beforeend', 'SCRIPT-RAN')</script></body></html>"
    )
    path = tmp_path / "hostile.pdf"
    path.write_bytes(html_to_pdf(hostile))
    text = pdf_text(path)
    assert "VISIBLE-TEXT" in text and "SECRET-FILE-CONTENT" not in text and "SCRIPT-RAN" not in text
