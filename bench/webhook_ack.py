"""Webhook acknowledgement latency: signed deliveries from concurrent clients against gunicorn on loopback."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def delivery(index: int, valid: bool) -> tuple[bytes, dict]:
    payload = json.loads((ROOT / "fixtures/github/webhooks/issue_comment/created.payload.json").read_text())
    payload["comment"]["id"] = 10_000 + index
    payload["comment"]["body"] = "/vibeops add trivy scan for k8s-manifests/api.yaml"
    payload["installation"] = {"id": 1, "node_id": "x"}
    body = json.dumps(payload).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": f"bench-{index}",
                  "X-Hub-Signature-256": "sha256=" + (signature if valid else "0" * 64),
                  "Content-Type": "application/json"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="vibeops-ack-") as data:
        # GitHub is unreachable on purpose: the workers' jobs fail in the background; only the ack is timed.
        env = {**os.environ, "APP_ID": "1", "PRIVATE_KEY": private_key(), "WEBHOOK_SECRET": SECRET,
               "VIBEOPS_DATA_DIR": data, "PORT": str(port), "GITHUB_API_URL": "http://127.0.0.1:9"}
        server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--threads", "8", "--log-level", "warning",
                                   "bot.app.web:create_app()"], cwd=data, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status == 200:
                        break
                except OSError:
                    if time.time() > deadline:
                        raise SystemExit("gunicorn did not start")
                    time.sleep(0.1)
            requests = [delivery(i, valid=i % 10 != 0) for i in range(args.deliveries)]
            local = threading.local()
            latencies: list[float] = []
            statuses: dict[int, int] = {}
            lock = threading.Lock()

            def send(item):
                body, headers = item
                if not hasattr(local, "connection"):
                    local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                start = time.perf_counter()
                local.connection.request("POST", "/api/github/webhooks", body=body, headers=headers)
                response = local.connection.getresponse()
                response.read()
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status] = statuses.get(response.status, 0) + 1

            wall = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                list(pool.map(send, requests))
            wall = time.perf_counter() - wall
        finally:
            server.terminate()
            server.wait(30)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    figures = {"deliveries": args.deliveries, "clients": args.clients, "p50_ms": round(p50, 2),
               "p99_ms": round(p99, 2), "per_second": round(args.deliveries / wall, 1), "statuses": statuses}
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"{args.deliveries} signed deliveries (1 in 10 with a bad signature) from {args.clients} clients")
    print(f"  acknowledgement p50 {p50:.1f} ms, p99 {p99:.1f} ms; {figures['per_second']} deliveries/s")
    print(f"  answers: {statuses} (202 accepted, 401 refused)")
    print(f"{'PASS' if p99 < P99_TARGET_MS else 'MISS'}  p99 = {p99:.1f} ms (target < {P99_TARGET_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
