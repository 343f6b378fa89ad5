"""Shared fixtures: the demo shop repository (fixtures/demo) as a tree and as a throwaway git repo."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.tools import Tools
from bot.repotree import RepoTree

PROJECT = Path(__file__).resolve().parents[1]
DEMO = PROJECT / "fixtures" / "demo"


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def make_repo(path: Path, files: dict[str, str] | None = None, source: Path = DEMO) -> Path:
    """A git repository on branch main with one commit: `source` copied, plus `files`."""
    shutil.copytree(source, path, dirs_exist_ok=True)
    for name, text in (files or {}).items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", "init")
    return path


@pytest.fixture
def demo_tree() -> RepoTree:
    return RepoTree.from_directory(DEMO)


@pytest.fixture
def demo_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "demo")


@pytest.fixture(scope="session")
def tools() -> Tools:
    found = Tools.from_environment()
    assert found.actionlint and found.trivy, "actionlint and trivy must be installed (pip install -e .)"
    return found


def vibeops(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real `vibeops` command line in a subprocess."""
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=cwd, env=full_env, check=False)


def vibeops_json(*args: str, **kwargs) -> tuple[int, dict]:
    result = vibeops(*args, "--json", **kwargs)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines, f"no JSON on stdout; stderr: {result.stderr}"
    return result.returncode, json.loads(result.stdout)


@pytest.fixture(scope="session")
def rsa_private_key_pem() -> bytes:
    """A real RSA key for signing App JWTs in tests."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture
def github():
    """A stateful fake GitHub on loopback (tests/fakegithub), seeded by tests/appkit."""
    from tests.appkit import started_github

    fake = started_github()
    yield fake
    fake.stop()
    assert fake.server_errors == []


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One redis-server for the session (the scale-out tests need it; `.ci/ensure-packages` installs it).

    Without the binary the tests using it skip with the install hint; under CI=true they fail.
    """
    from tests.scaleout import RedisServer, redis_binary

    redis_binary()
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """The session's Redis, emptied for this test."""
    redis_server.client().flushall()
    return redis_server.url
