"""Webhook acknowledgement latency: signed deliveries from 50 concurrent clients against gunicorn on loopback."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SECRET = "bench-secret"
P99_TARGET_MS = 50.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


REPO = "acme/shop"
INSTALLATIONS = 20


def delivery(index: int, valid: bool, run: str = "bench") -> tuple[bytes, dict]:
    """An issue_comment `created` delivery (the fields the App reads), a new comment every time."""
    user = {"login": "alice", "type": "User"}
    payload = {"action": "created", "issue": {"number": 1, "title": "Scan the API manifest", "user": user},
               "comment": {"id": zlib.crc32(f"{run}-{index}".encode()), "user": user,
                           "body": "/vibeops add trivy scan for k8s-manifests/api.yaml"},
               "repository": {"full_name": REPO, "name": "shop", "owner": {"login": "acme"}, "private": False,
                              "default_branch": "main"},
               "sender": user, "installation": {"id": 1 + index % INSTALLATIONS}}
    body = json.dumps(payload).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": f"{run}-{index}",
                  "X-Hub-Signature-256": "sha256=" + (signature if valid else "0" * 64),
                  "Content-Type": "application/json"}


def raw_request(port: int, body: bytes, headers: dict) -> bytes:
    head = [f"POST /api/github/webhooks HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def drive(port: int, requests: list[bytes], clients: int, rate: float | None):
    """Latencies (ms) and statuses. With `rate`, deliveries are due on a fixed schedule (open loop) and latency
    counts from when each was due, so a slow answer that delays the next send is not hidden; without it, every
    client sends its next delivery as soon as the last is answered (closed loop: the server's saturation)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter() + 0.2

    async def client(number: int):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for index in range(number, len(requests), clients):
            due = start + index / rate if rate else time.perf_counter()
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(requests[index])
            status = await read_status(reader)
            latencies.append((time.perf_counter() - due) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, statuses, time.perf_counter() - began


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def measure(queue: str, port: int, deliveries: int, clients: int, rate: float | None, run: str) -> dict:
    requests = [raw_request(port, *delivery(i, valid=i % 10 != 0, run=run)) for i in range(deliveries)]
    latencies, statuses, wall = asyncio.run(drive(port, requests, clients, rate))
    return {"queue": queue, "load": f"{rate:g}/s paced" if rate else "saturation", "deliveries": deliveries,
            "clients": clients, "p50_ms": round(percentile(latencies, 0.50), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2), "per_second": round(deliveries / wall, 1),
            "statuses": statuses}


# The deployments compared: the web tier's queue, and where the jobs run.
QUEUES = {
    "sqlite-default": {"VIBEOPS_QUEUE": ""},  # gunicorn's master runs the jobs in a job process
    "sqlite-in-web": {"VIBEOPS_QUEUE": "", "VIBEOPS_EMBEDDED_WORKER": "1"},  # a worker thread in each web process
    "sqlite-separate": {"VIBEOPS_QUEUE": "", "VIBEOPS_EMBEDDED_WORKER": "0"},  # nobody runs the jobs
    "redis": {"VIBEOPS_QUEUE": "redis"},  # nobody runs the jobs
}
# A fake GitHub in a process of its own (so it takes no interpreter time from the clients), where the jobs
# really run: the seed request on acme/shop, for 20 installations.
FAKE_GITHUB = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.appkit import demo_files
from tests.fakegithub import FakeGitHub
fake = FakeGitHub()
fake.start()
fake.add_repo("acme/shop", demo_files())
fake.set_permission("acme/shop", "alice", "write")
fake.add_issue("acme/shop", 1, "Scan the API manifest")
for n in range(1, int(sys.argv[2]) + 1):
    fake.add_installation(n, ["acme/shop"])
print(json.dumps({"base_url": fake.base_url, "app_id": fake.app_id, "key": fake.private_key_pem.decode()}),
      flush=True)
sys.stdin.read()
fake.stop()
"""


def start_fake_github() -> tuple[subprocess.Popen, dict]:
    process = subprocess.Popen([sys.executable, "-c", FAKE_GITHUB, str(ROOT), str(INSTALLATIONS)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return process, json.loads(process.stdout.readline())


def serve(queue: str, data: str, port: int, redis_url: str, github: dict):
    # The jobs run against the fake GitHub where a mode runs them, so what is timed is the acknowledgement
    # while jobs run beside it.
    env = {**os.environ, "APP_ID": str(github["app_id"]), "PRIVATE_KEY": github["key"], "WEBHOOK_SECRET": SECRET,
           "VIBEOPS_DATA_DIR": str(Path(data) / queue), "GITHUB_API_URL": github["base_url"], **QUEUES[queue]}
    if "VIBEOPS_EMBEDDED_WORKER" not in QUEUES[queue]:
        env.pop("VIBEOPS_EMBEDDED_WORKER", None)
    if env["VIBEOPS_QUEUE"]:
        env["VIBEOPS_QUEUE"] = redis_url
    with open(Path(data) / f"gunicorn-{queue}.log", "ab") as log:
        server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:bot.app.gunicorn_conf", "--workers", "2",
                                   "--threads", "8", "--log-level", "warning", "--access-logfile", "/dev/null",
                                   "--bind", f"127.0.0.1:{port}", "bot.app.web:create_app()"], cwd=data,
                                  env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                return server
        except OSError:
            if time.time() > deadline or server.poll() is not None:
                server.terminate()
                raise SystemExit(f"gunicorn on the {queue} queue did not start")
            time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rates", type=float, nargs="+", default=[100.0, 200.0, 400.0],
                        help="deliveries per second of the paced loads")
    parser.add_argument("--queues", nargs="+", choices=tuple(QUEUES), default=list(QUEUES),
                        help="sqlite-default: jobs run in gunicorn's job process; sqlite-in-web: in the web "
                             "processes; sqlite-separate and redis: the jobs wait (no worker started)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.scaleout import RedisServer

    figures = []
    with tempfile.TemporaryDirectory(prefix="vibeops-ack-") as data:
        redis = RedisServer(Path(data))
        fake, github = start_fake_github()
        try:
            for queue in args.queues:
                port = free_port()
                server = serve(queue, data, port, redis.url, github)
                try:
                    for rate in (*args.rates, None):
                        run = f"{queue}-{rate or 'max'}"
                        measure(queue, port, 200, args.clients, None, run + "-warm")  # connections, imports
                        figures.append(measure(queue, port, args.deliveries, args.clients, rate, run))
                finally:
                    server.terminate()
                    server.wait(60)
        finally:
            redis.stop()
            fake.stdin.close()
            fake.wait(30)
            if any(set(f["statuses"]) - {202, 401} for f in figures):  # show why, before the logs go
                for log in Path(data).glob("gunicorn-*.log"):
                    errors = [line for line in log.read_text().splitlines() if '"level": "error"' in line]
                    print(f"{log.name}: {len(errors)} error lines; the first: {errors[:1]}", file=sys.stderr)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"{args.deliveries} signed deliveries (1 in 10 forged) from {args.clients} keep-alive clients, "
          f"gunicorn 2 workers x 8 threads, {os.cpu_count()} cores shared with the client")
    print(f"{'queue':16} {'load':14} {'p50 ms':>8} {'p99 ms':>8} {'per s':>8}  answers")
    for f in figures:
        print(f"{f['queue']:16} {f['load']:14} {f['p50_ms']:8.1f} {f['p99_ms']:8.1f} {f['per_second']:8.1f}  "
              f"{f['statuses']}")
    for f in figures:
        if f["load"] != "saturation":
            verdict = "PASS" if f["p99_ms"] < P99_TARGET_MS else "MISS"
            print(f"{verdict}  {f['queue']}: p99 = {f['p99_ms']:.1f} ms at {f['load']} (target < {P99_TARGET_MS:.0f} ms)")
    saturated = [f for f in figures if f["load"] == "saturation"]
    for f in saturated:
        print(f"note  {f['queue']}: at saturation {f['clients']} clients always wait, so latency is "
              f"clients / throughput = {1000 * f['clients'] / f['per_second']:.0f} ms (Little's law)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
