"""Load test: N hospitals talking to the bot at once over REST, against one or two instances (production
profile).

Each simulated hospital reports a fault (intake to ticket, 5 messages), asks an FAQ question and checks its
ticket's status: 7 messages, with a pause between them as a person typing would make (--think seconds, varied
±50 %). With two instances the messages of one conversation alternate between them, as a load balancer without
sticky sessions would send them. Every instance runs `hotline serve --workers W` with
HOTLINE_PROFILE=production on a fresh PostgreSQL database and a Redis database of its own (emptied), and a
fictional installed base of one device per hospital.

After a warm-up of four messages per instance, measures messages/s, latency p50/p95/p99, errors (an HTTP error
or a reply without what the step must say), tickets created against expected (exactly one per hospital), and
the peak memory of all server processes together.

    .venv/bin/python bench/load.py --conversations 50 --instances 1
    .venv/bin/python bench/load.py --conversations 50 --instances 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import aiohttp
import redis
import requests
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOTLINE = str(Path(sys.executable).with_name("hotline"))
TICKET_NUMBER = re.compile(r"SR\d{12}")
# Fictional contact people (no number words: 「张五」 would read as a satisfaction score).
NAMES = ["张敏", "李静", "王芳", "刘洋", "陈晨", "杨帆", "赵磊", "黄娟", "周涛", "吴迪"]


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def registry(count: int) -> dict[str, object]:
    """A fictional installed base: one chemistry analyser per simulated hospital."""
    return {
        "devices": [
            {
                "serial_number": f"LT{26000000 + i:08d}",
                "model": "KR-2000",
                "hospital": f"演示市第{i + 1}人民医院",
                "department": "检验科",
                "city": "郑州",
                "address": f"郑州市演示区健康路{i + 1}号",
                "accepted_on": date(2025, 6, 1),
            }
            for i in range(count)
        ]
    }


def script(i: int) -> list[tuple[str, str]]:
    """(message, what the reply must contain); {number} is the ticket number the intake gave."""
    return [
        ("你好，检验科的KR-2000开机一直报温度异常，急诊样本在等，快派工程师来", "序列号"),
        # A web caller is unverified: nothing of the serial's registry entry is told or filled in; they name
        # the hospital and its address as without a serial (bot/identity.py).
        (f"LT{26000000 + i:08d}", "医院"),
        (f"演示市第{i + 1}人民医院", "地址"),
        (f"郑州市演示区健康路{i + 1}号", "联系人"),
        (NAMES[i % len(NAMES)], "电话"),
        (f"139{i:08d}", "以上信息对吗"),
        ("对", "工单号"),
        ("保修期是多久", "保修"),
        ("{number}到哪一步了", "{number}"),
    ]


async def converse(
    i: int, urls: list[str], session: aiohttp.ClientSession, think: float, results: Results
) -> None:
    number = ""
    # Each hospital its own address (the proxy header the instances are told to trust).
    headers = {"X-Forwarded-For": f"10.{i // 250}.{i % 250}.1"}
    sender = await web_session(session, urls[0], headers)
    await asyncio.sleep(random.uniform(0, think))  # the hospitals do not all start in the same millisecond
    for turn, (message, expected) in enumerate(script(i)):
        message, expected = message.format(number=number), expected.format(number=number)
        url = urls[turn % len(urls)]
        started = time.perf_counter()
        try:
            async with session.post(
                url, json={"sender": sender, "message": message}, headers=headers
            ) as answer:
                body = await answer.json(content_type=None)
                status = answer.status
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            results.errors.append(f"{sender} turn {turn}: {type(error).__name__} {error}")
            return
        results.latencies.append(time.perf_counter() - started)
        said = (
            "\n".join(str(reply.get("text", "")) for reply in body) if isinstance(body, list) else str(body)
        )
        if status != 200 or expected not in said:
            results.errors.append(
                f"{sender} turn {turn}: HTTP {status}, expected {expected!r}, got {said[:80]!r}"
            )
            return
        if turn == 4:
            found = TICKET_NUMBER.search(said)
            number = found.group(0) if found else ""
            results.numbers[sender] = number
        await asyncio.sleep(think * random.uniform(0.5, 1.5))


class MemoryWatch:
    """The peak of the summed resident memory of a set of process trees, sampled twice a second."""

    def __init__(self, roots: list[int]) -> None:
        self._roots, self.peak_bytes = roots, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> set[int]:
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
            except (OSError, IndexError, ValueError):
                continue
        found, todo = set(), list(self._roots)
        while todo:
            pid = todo.pop()
            found.add(pid)
            todo.extend(children.get(pid, []))
        return found

    def sample(self) -> None:
        total = 0
        for pid in self._tree():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            total += int(match.group(1)) * 1024 if match else 0
        self.peak_bytes = max(self.peak_bytes, total)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def start(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [
        HOTLINE,
        "serve",
        "--port",
        str(port),
        "--action-port",
        str(free_port()),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(
        command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"hotline serve exited with {process.returncode}; see {env['HOTLINE_VAR_DIR']}/log"
            )
        try:
            requests.get(f"{base}/", timeout=2).raise_for_status()
            return process, f"{base}/webhooks/rest/webhook"
        except requests.RequestException:
            time.sleep(1)
    raise SystemExit("hotline serve did not come up within 600 s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def web_session(session: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None) -> str:
    """A web chat session token from the bot (the REST channel takes no other sender)."""
    # url is …/webhooks/rest/webhook: its last part only ("/webhooks" would match a plain replace too).
    async with session.post(url.rsplit("/", 1)[0] + "/session", headers=headers) as answer:
        return str((await answer.json(content_type=None))["session"])


async def warm_up(urls: list[str], session: aiohttp.ClientSession) -> None:
    """A fresh Rasa process answers its first messages slowly (TensorFlow builds its graphs): not measured."""
    for url in urls:
        sender = await web_session(session, url)
        for message in ("你好", "保修期是多久", "生化仪坏了", "算了不报了"):
            async with session.post(url, json={"sender": sender, "message": message}) as answer:
                await answer.read()


async def drive(count: int, urls: list[str], think: float) -> tuple[Results, float]:
    results = Results()
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        await warm_up(urls, session)
        started = time.perf_counter()
        await asyncio.gather(*(converse(i, urls, session, think, results) for i in range(count)))
        return results, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--instances", type=int, choices=(1, 2), default=1)
    parser.add_argument("--workers", type=int, default=1, help="Sanic workers per server of each instance")
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean pause between a hospital's messages (s)"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "HOTLINE_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/12", help="a Redis database for the bench alone"
    )
    args = parser.parse_args()

    admin = create_engine(args.postgres, future=True, isolation_level="AUTOCOMMIT")
    name = f"hotline_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    shared_redis = redis.Redis.from_url(args.redis)
    shared_redis.flushdb()
    var = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    env = {
        **os.environ,
        "HOTLINE_PROFILE": "production",
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_REDIS_URL": args.redis,
        "HOTLINE_VAR_DIR": str(var),
        "SANIC_PROXIES_COUNT": "1",
    }
    registry_file = var / "registry.yml"
    registry_file.write_text(
        yaml.safe_dump(registry(args.conversations), allow_unicode=True), encoding="utf-8"
    )
    subprocess.run(
        [HOTLINE, "db", "seed", "--file", str(registry_file)],
        env=env,
        check=True,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
    )
    servers: list[subprocess.Popen[bytes]] = []
    try:
        urls = []
        for instance in range(args.instances):
            process, url = start({**env, "HOTLINE_INSTANCE_ID": str(instance + 1)}, args.workers)
            servers.append(process)
            urls.append(url)
        with MemoryWatch([p.pid for p in servers]) as memory:
            results, elapsed = asyncio.run(drive(args.conversations, urls, args.think))
            memory.sample()
        engine = create_engine(database_url, future=True)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "select sender_id, count(*), count(distinct number) from tickets "
                    "where sender_id like 'web:%' group by sender_id"
                )
            ).all()
            all_numbers = connection.execute(
                text("select count(*), count(distinct number) from tickets")
            ).one()
        engine.dispose()
    finally:
        for process in servers:
            process.send_signal(signal.SIGTERM)
        for process in servers:
            process.wait(timeout=60)
        shared_redis.flushdb()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))

    created = sum(count for _, count, _ in rows)
    duplicates = sum(count - 1 for _, count, _ in rows if count > 1)
    lat = [1000 * s for s in results.latencies]
    print(
        f"instances {args.instances} × {args.workers} worker(s), {args.conversations} conversations, "
        f"think {args.think} s"
    )
    print(
        "| messages | messages/s | p50 ms | p95 ms | p99 ms | max ms | errors | tickets (expected) | "
        "duplicates | unique numbers | peak RSS |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(
        f"| {len(lat)} | {len(lat) / elapsed:.1f} | {statistics.median(lat):.0f} |"
        f" {percentile(lat, 0.95):.0f} | "
        f"{percentile(lat, 0.99):.0f} | {max(lat):.0f} | {len(results.errors)} | {created}"
        f" ({args.conversations}) | "
        f"{duplicates} | {all_numbers[1] == all_numbers[0]} | {memory.peak_bytes / 2**30:.2f} GiB |"
    )
    for error in results.errors[:10]:
        print("error:", error)
    ok = not results.errors and created == args.conversations and duplicates == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
