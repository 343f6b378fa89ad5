"""The scale-out deployment for tests: a private redis-server, `vibeops worker` processes, and gunicorn."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.appkit import SECRET
from tests.fakegithub import FakeGitHub
from tests.realdata import missing

BIN = Path(sys.executable).parent
INSTALL_HINT = ("redis-server is not installed: run .ci/ensure-packages as root (it apt-get installs the Debian "
                "package); see README → Tests")


def redis_binary() -> str:
    """The redis-server binary; without it the test skips with INSTALL_HINT (fails under CI=true)."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing(INSTALL_HINT)
    return binary


class RedisServer:
    """A throwaway redis-server on a unix socket: no port to collide on, no data kept on disk."""

    def __init__(self, directory: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(INSTALL_HINT)
        self.socket = directory / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process = subprocess.Popen([binary, "--port", "0", "--unixsocket", str(self.socket), "--save", "",
                                         "--appendonly", "no", "--dir", str(directory)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not self.socket.exists():
            if self.process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"redis-server did not start (exit {self.process.poll()})")
            time.sleep(0.02)

    def client(self):
        from redis import Redis

        return Redis.from_url(self.url)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def app_env(fake: FakeGitHub, queue_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The App's environment against the fake: fast heartbeats and no pacing, since the fake has no limits."""
    return {**os.environ, "APP_ID": str(fake.app_id), "PRIVATE_KEY": fake.private_key_pem.decode(),
            "WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": fake.base_url, "VIBEOPS_QUEUE": queue_url,
            "VIBEOPS_DATA_DIR": str(data_dir), "VIBEOPS_WORKER_HEARTBEAT_SECONDS": "1",
            "VIBEOPS_GITHUB_REQUEST_INTERVAL": "0", "VIBEOPS_GITHUB_WRITE_INTERVAL": "0",
            # The fake sets no secondary rate limits, and one installation sends the load tests' 2,000 deliveries.
            "VIBEOPS_GITHUB_RATE_BUDGET": "off", **extra}


def start_worker(env: dict[str, str], log: Path, burst: bool = False) -> subprocess.Popen:
    """`vibeops worker` in a session of its own, so killing the group takes its scheduler process too."""
    with open(log, "ab") as out:
        return subprocess.Popen([str(BIN / "vibeops"), "worker", *(["--burst"] if burst else [])], env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    process.wait(30)


def start_gunicorn(env: dict[str, str], port: int, log: Path, workers: int = 2) -> subprocess.Popen:
    with open(log, "ab") as out:
        server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:bot.app.gunicorn_conf",
                                   "--workers", str(workers), "--threads", "8",
                                   "--bind", f"127.0.0.1:{port}", "bot.app.web:create_app()"], env=env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            pass
        if server.poll() is not None or time.time() > deadline:
            kill_group(server)
            raise RuntimeError(f"gunicorn did not become ready: {log.read_text()[-2000:]}")
        time.sleep(0.1)


def wait_for(condition, timeout: float, what: str, poll: float = 0.1):
    deadline = time.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)
