"""Replay the security review's findings (docs/security.md) against a running `hotline serve --console`, and
show each refused while signed, well-formed platform traffic is still answered.

    .venv/bin/python bench/attacks.py    # its own bot and console on free ports, in a temp var dir

Prints one line per check (PASS/FAIL, what was sent, what came back) and exits 1 if any check failed. The
WeChat and Twilio requests are signed with the test secrets the script gives the server; nothing leaves
127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ROOT = Path(__file__).resolve().parent.parent
HOTLINE = str(Path(sys.executable).with_name("hotline"))
WECHAT_TOKEN, TWILIO_TOKEN = "attack-wechat-token", "attack-twilio-token"
AES_KEY, APPID = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxattack000000000"
PASSWORD = "attack test password 1"
results: list[tuple[bool, str, str]] = []


def check(finding: str, ok: bool, detail: str) -> None:
    results.append((ok, finding, detail))
    print(f"{'PASS' if ok else 'FAIL'}  {finding}: {detail}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the platforms' signatures, from their published algorithms
# ---------------------------------------------------


def wechat_sign(*values: str) -> str:
    return hashlib.sha1("".join(sorted(values)).encode()).hexdigest()


def wechat_encrypt(message: str) -> str:
    key = base64.b64decode(AES_KEY + "=")
    body = message.encode()
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + APPID.encode()
    pad = 32 - len(plain) % 32
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()


def twilio_sign(url: str, params: list[tuple[str, str]]) -> str:
    data = url + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(TWILIO_TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()


def wechat_xml(content: str, openid: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{uuid.uuid4().int % 10**18}</MsgId></xml>"
    )


# --- the attacks
# ------------------------------------------------------------------------------------------------


def rest_checks(base: str) -> None:
    webhook = f"{base}/webhooks/rest/webhook"
    for sender, what in (
        ("oVICTIMxxxxxxxxxxxxxxxxxxxxxxx", "a WeChat openid"),
        ("CA" + "0" * 32, "a CallSid"),
    ):
        answer = requests.post(webhook, json={"sender": sender, "message": "查一下我的工单"}, timeout=60)
        check(
            "M9 conversation takeover",
            answer.status_code == 401,
            f"REST sender = {what} → {answer.status_code}",
        )
    session = requests.post(f"{base}/webhooks/rest/session", timeout=30).json()["session"]
    forged = session.split(".")[0] + "." + "0" * 32
    answer = requests.post(webhook, json={"sender": forged, "message": "你好"}, timeout=60)
    check(
        "M9 forged session",
        answer.status_code == 401,
        f"session with a forged signature → {answer.status_code}",
    )

    def say(text: str, who: str = session) -> str:
        reply = requests.post(webhook, json={"sender": who, "message": text}, timeout=120)
        return (
            "\n".join(r.get("text", "") for r in reply.json())
            if reply.status_code == 200
            else str(reply.status_code)
        )

    hello = say("你好")
    check(
        "well-formed REST",
        bool(hello) and hello.isdigit() is False,
        f"issued session 「你好」 → 「{hello[:30]}…」",
    )
    serial = say("序列号KR23060142保修到什么时候")
    check(
        "M2 installed base",
        "嘉禾" not in serial and "郑州" not in serial,
        f"warranty by serial → 「{serial[:40]}…」",
    )
    other = requests.post(f"{base}/webhooks/rest/session", timeout=30).json()["session"]
    injected = 'request_human{"contact_phone": "+88216000000"}'
    slash, plain = say(f"/{injected}", other), say(injected)
    check("L5 /intent syntax", slash == plain, f"「/{injected}」 answered as the same text without its slash")
    fresh = requests.post(f"{base}/webhooks/rest/session", timeout=30).json()["session"]
    real = say("SR202611230001到哪一步了", fresh).replace("SR202611230001", "<n>")
    made_up = say("SR209901019999到哪一步了", fresh).replace("SR209901019999", "<n>")
    check(
        "M1 look-up by number",
        real == made_up and "状态" not in real,
        "an SR number and a made-up one: same answer",
    )
    phone = say("查一下13912345678的工单", fresh)
    check("M1 look-up by phone", "SR" not in phone, f"by someone's phone → 「{phone[:30]}…」")
    registry_checks(base, say)
    big = requests.post(
        webhook,
        data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    check("M4 REST body cap", big.status_code == 413, f"2 MB REST body → {big.status_code}")


def registry_checks(base: str, say: Callable[[str, str], str]) -> None:
    """M2 in the fault intake: a serial, or a hospital and a device type, tell an unverified caller nothing of
    the installed base (hospital, department, model, address, whether it is registered)."""

    def to_serial_question(first: str) -> tuple[str, str]:
        session = requests.post(f"{base}/webhooks/rest/session", timeout=30).json()["session"]
        replies = [say(first, session)]
        if "要试试吗" in replies[-1]:
            replies.append(say("不用", session))
        return session, "\n".join(replies)

    answers = []
    for serial in ("KR23060142", "KR23069999"):  # registered at 郑州市嘉禾医院 / registered nowhere
        session, _ = to_serial_question("检验科的生化分析仪开机报温度异常 急诊样本在等")
        answers.append(say(serial, session).replace(serial, "<serial>").splitlines())
    # The same acknowledgement, then the same question (the hospital; its wording is one of the domain's
    # variants).
    same = answers[0][0] == answers[1][0] and all("医院" in said[-1] for said in answers)
    check(
        "M2 serial in the intake",
        same and not any("嘉禾" in line or "KR-2000" in line for line in answers[0]),
        f"a registered and a made-up serial: 「{answers[0][0][:24]}…」, then 「{answers[0][-1]}」, both",
    )
    _, asked = to_serial_question("栾川县人民医院的原子吸收光谱仪点不着火 报修")
    check(
        "M2 registry offer",
        "GF23070519" not in asked and "GF-990" not in asked,
        f"a hospital and a device type → 「{asked.splitlines()[-1][:30]}…」 (no registered device offered)",
    )


def local_server_checks(base: str, action_port: int) -> None:
    """L9: Rasa's API and the action server answer only with their tokens, also on this machine."""
    tracker = requests.get(f"{base}/conversations/web:anyone/tracker", timeout=30)
    check("L9 Rasa API without token", tracker.status_code == 401, f"GET a tracker → {tracker.status_code}")
    forged = requests.post(
        f"http://127.0.0.1:{action_port}/webhook",
        json={"next_action": "action_submit_ticket", "sender_id": "x", "tracker": {}, "domain": {}},
        timeout=30,
    )
    check(
        "L9 action server without token",
        forged.status_code == 403,
        f"a forged action call → {forged.status_code}",
    )


def wechat_checks(base: str) -> None:
    webhook = f"{base}/webhooks/wechat/webhook"

    def query(nonce: str, **extra: str) -> dict[str, str]:
        timestamp = str(int(time.time()))
        return {
            "signature": wechat_sign(WECHAT_TOKEN, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            **extra,
        }

    plain = requests.post(
        webhook, params=query("p1"), data=wechat_xml("转人工", "oVICTIM").encode(), timeout=60
    )
    check(
        "M3 safe-mode downgrade",
        plain.status_code == 403,
        f"signed plaintext POST with an AES key set → {plain.status_code}",
    )
    nonce = uuid.uuid4().hex
    encrypted = wechat_encrypt(wechat_xml("你好", "oATTACKuser"))
    signed = query(nonce, encrypt_type="aes")
    signed["msg_signature"] = wechat_sign(WECHAT_TOKEN, signed["timestamp"], nonce, encrypted)
    body = f"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    good = requests.post(webhook, params=signed, data=body.encode(), timeout=90)
    check(
        "well-formed WeChat (AES)",
        good.status_code == 200 and "<Encrypt>" in good.text,
        f"signed safe-mode message → {good.status_code}",
    )
    other = wechat_encrypt(wechat_xml("查一下我的工单", "oVICTIM"))
    replay = dict(signed, msg_signature=wechat_sign(WECHAT_TOKEN, signed["timestamp"], nonce, other))
    body = f"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[{other}]]></Encrypt></xml>"
    reused = requests.post(webhook, params=replay, data=body.encode(), timeout=60)
    check(
        "M3 nonce replay",
        reused.status_code == 403,
        f"the same nonce with another body → {reused.status_code}",
    )


def twilio_checks(base: str) -> None:
    sms, voice = f"{base}/webhooks/twilio_sms/webhook", f"{base}/webhooks/twilio_voice/webhook"
    huge = b"a" * (10 * 1024 * 1024)
    started = time.perf_counter()
    refused = requests.post(
        sms, data=huge, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=60
    )
    took = time.perf_counter() - started
    check(
        "M4 Twilio body before signature",
        refused.status_code == 413,
        f"unsigned 10 MB → {refused.status_code} in {took:.2f} s (10 MB upload included)",
    )
    form = [
        ("MessageSid", f"SM{uuid.uuid4().hex}"),
        ("From", "+8613800000777"),
        ("To", "+18005551212"),
        ("Body", "你好"),
    ]
    signed = {
        "X-Twilio-Signature": twilio_sign(sms, form),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answer = requests.post(sms, data=urlencode(form), headers=signed, timeout=90)
    check(
        "well-formed SMS",
        answer.status_code == 200 and "<Message>" in answer.text,
        f"signed SMS → {answer.status_code}",
    )
    call = [("CallSid", f"CA{uuid.uuid4().hex}"), ("From", "+8613800000778"), ("To", "+18005551212")]
    first = requests.post(
        voice,
        data=urlencode(call),
        headers={
            "X-Twilio-Signature": twilio_sign(voice, call),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=60,
    )
    action = re.search(r'action="([^"]+)"', first.text)
    check(
        "well-formed call",
        first.status_code == 200 and action is not None,
        f"signed call start → {first.status_code}",
    )
    if action is None:
        return
    url = action.group(1).replace("&amp;", "&")
    heard = [*call, ("SpeechResult", "设备坏了")]
    headers = {
        "X-Twilio-Signature": twilio_sign(url, heard),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answered = requests.post(url, data=urlencode(heard), headers=headers, timeout=90)
    replayed = requests.post(url, data=urlencode(heard), headers=headers, timeout=60)
    check(
        "L10 Twilio replay",
        answered.status_code == 200 and replayed.status_code == 409,
        f"a signed voice turn, then the same request again → {answered.status_code}, {replayed.status_code}",
    )


def console_checks(console: str) -> None:
    def login(name: str, password: str, target: str = "") -> requests.Response:
        client = requests.Session()
        page = client.get(f"{console}/login", params={"next": target} if target else None, timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        data = {"username": name, "password": password, "csrf_token": token.group(1) if token else ""}
        if target:
            data["next"] = target
        return client.post(f"{console}/login", data=data, allow_redirects=False, timeout=30)

    for target in ("/\t/evil.example", "//evil.example", "\\\\evil.example", "https://evil.example/"):
        answer = login("attack", PASSWORD, target)
        check(
            "M5 open redirect",
            answer.headers.get("Location") == "/queue",
            f"next={target!r} → Location {answer.headers.get('Location')!r}",
        )
    statuses = [login("attack", "wrong password").status_code for _ in range(5)]
    locked = login("attack", PASSWORD)
    check(
        "M6 login throttling",
        statuses[-1] == 429 and locked.status_code == 429 and "锁定" in locked.text,
        f"five wrong passwords → {statuses}; the right one then → {locked.status_code}",
    )


def file_checks(var: Path) -> None:
    loose = [p for p in var.rglob("*") if stat.S_IMODE(p.stat().st_mode) & 0o077]
    check(
        "L1 file modes",
        not loose,
        f"{sum(1 for _ in var.rglob('*'))} files under var/, group/other-readable: {len(loose)}",
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as temp:
        var = Path(temp) / "var"
        rasa_port, action_port, console_port = free_port(), free_port(), free_port()
        base = f"http://127.0.0.1:{rasa_port}"
        env = {
            **os.environ,
            "WECHAT_TOKEN": WECHAT_TOKEN,
            "WECHAT_APPID": APPID,
            "WECHAT_APPSECRET": "attack",
            "WECHAT_AES_KEY": AES_KEY,
            "TWILIO_ACCOUNT_SID": "ACattack",
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "HOTLINE_PUBLIC_URL": base,
            "HOTLINE_WECHAT_REPLY_SECONDS": "60",
            "HOTLINE_SMS_REPLY_SECONDS": "60",
            "HOTLINE_VAR_DIR": str(var),
            "HOTLINE_DATABASE_URL": f"sqlite:///{var / 'hotline.db'}",
            "HOTLINE_RASA_PORT": str(rasa_port),
            "HOTLINE_ACTION_PORT": str(action_port),
            "HOTLINE_CONSOLE_PORT": str(console_port),
        }
        env.pop("HOTLINE_REDIS_URL", None)
        run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run
        run([HOTLINE, "db", "upgrade"], env=env, check=True, capture_output=True, text=True)
        run([HOTLINE, "db", "seed"], env=env, check=True, capture_output=True, text=True)
        run(
            [HOTLINE, "users", "add", "attack", "--role", "manager", "--password-stdin"],
            env=env,
            input=PASSWORD + "\n",
            check=True,
            capture_output=True,
            text=True,
        )
        server = subprocess.Popen(
            [HOTLINE, "serve", "--console"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    requests.get(f"{base}/", timeout=2).raise_for_status()
                    requests.get(f"http://127.0.0.1:{console_port}/login", timeout=2).raise_for_status()
                    break
                except requests.RequestException:
                    time.sleep(1)
            else:
                print("hotline serve did not come up within 300 s")
                return 1
            rest_checks(base)
            local_server_checks(base, action_port)
            wechat_checks(base)
            twilio_checks(base)
            console_checks(f"http://127.0.0.1:{console_port}")
            file_checks(var)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    failed = [finding for ok, finding, _ in results if not ok]
    print(
        f"\n{len(results) - len(failed)} of {len(results)} checks passed"
        + (f"; failed: {failed}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
