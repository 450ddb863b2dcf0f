"""`hotline qr`: device labels whose QR code opens the web chat about that device."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import Engine

from bot.db import session_scope
from bot.errors import Refused
from bot.identity import identity_secret, issue_web_session, read_device_token
from bot.policy import current_policy
from bot.webchat.labels import device_labels, labels_html

HOTLINE = str(Path(sys.executable).with_name("hotline"))


def test_each_label_links_the_chat_to_its_device_by_a_signed_token(database: Engine) -> None:
    with session_scope(database) as session:
        labels = device_labels(session, ["kr23060142", "AA21110387"], "https://hotline.example.cn/")
    assert [(label.serial, label.model, label.hospital) for label in labels] == [
        ("KR23060142", "KR-2000", "郑州市嘉禾医院"),
        ("AA21110387", "AA-7000", "洛阳市明德医院"),
    ]
    link = urlsplit(labels[0].url)
    assert (link.scheme, link.netloc, link.path) == ("https", "hotline.example.cn", "/webhooks/webchat/")
    token = parse_qs(link.query)["d"][0]
    assert read_device_token(identity_secret(), token) == "KR23060142"
    # A label cannot be re-pointed, nor is a web session token (the same key) a device link.
    assert read_device_token(identity_secret(), token.replace("KR23060142", "KR22110037")) is None
    assert read_device_token(identity_secret(), issue_web_session(identity_secret()).token) is None
    html = labels_html(labels, current_policy())
    assert html.count("<svg") == 2 and "序列号 KR23060142" in html and "检验科" in html


def test_an_unknown_serial_is_refused_in_chinese(database: Engine) -> None:
    with pytest.raises(Refused, match="没有序列号 XX0001"), session_scope(database) as session:
        device_labels(session, ["XX0001"], "https://hotline.example.cn")


def test_the_command_writes_html_labels(database: Engine, tmp_path: Path) -> None:
    out = tmp_path / "labels.html"
    done = subprocess.run(
        [HOTLINE, "qr", "KR23060142", "--html", str(out), "--base-url", "https://hotline.example.cn"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "KR23060142\thttps://hotline.example.cn/webhooks/webchat/?d=" in done.stderr
    assert out.read_text(encoding="utf-8").count("<svg") == 1
