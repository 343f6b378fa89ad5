"""What ships: the Dockerfile (linted, no engine here), the wheel's contents, gunicorn, app.yml."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

from bot.workflow import load_yaml
from tests.conftest import PROJECT

BIN = Path(sys.executable).parent


def test_dockerfile_passes_hadolint():
    result = subprocess.run([str(BIN / "hadolint"), "--no-color", "Dockerfile"], cwd=PROJECT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_gunicorn_on_the_factory_as_non_root_with_a_healthcheck():
    text = (PROJECT / "Dockerfile").read_text()
    assert "USER 10001" in text and "useradd" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert '"bot.app.web:create_app()"' in text and '"gunicorn"' in text
    for copied in ("pyproject.toml", "README.md", "bot", "workflows"):
        assert (PROJECT / copied).exists()


def test_the_wheel_ships_the_recipes_and_the_catalog(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(PROJECT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("vibeops-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("actions.json", "trivy-config.yml", "trivy-fs.yml", "actionlint.yml", "upload-sarif.yml"):
        assert f"bot/workflows/{data}" in names
    assert "bot/app/web.py" in names and "bot/render/markdown.py" in names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_factory(tmp_path, rsa_private_key_pem):
    port = free_port()
    env = {**os.environ, "APP_ID": "1", "PRIVATE_KEY": rsa_private_key_pem.decode(), "WEBHOOK_SECRET": "s",
           "VIBEOPS_DATA_DIR": str(tmp_path), "PORT": str(port)}
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "1", "bot.app.web:create_app()"],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.time() < deadline and server.poll() is None, server.stdout.read().decode()
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(10)
    assert (tmp_path / "jobs.sqlite3").exists()


def test_app_manifest_asks_for_the_events_and_permissions_the_app_uses():
    manifest = load_yaml((PROJECT / "app.yml").read_text())
    assert manifest["name"] == "vibeops"
    assert manifest["hook_attributes"]["url"].endswith("/api/github/webhooks")
    assert set(manifest["default_events"]) == {"issue_comment", "pull_request", "pull_request_review_comment"}
    assert dict(manifest["default_permissions"]) == {
        "contents": "write", "pull_requests": "write", "issues": "write", "checks": "write",
        "workflows": "write", "metadata": "read"}
    assert shutil.which("git")


def test_the_helm_chart_passes_trivy_with_no_high_or_critical_misconfiguration(tools):
    """trivy renders Helm charts itself (no helm binary here): the bot's own scan, on its own chart."""
    output = tools.trivy_scan("config", "deploy/helm/vibeops", ("misconfig",), str(PROJECT))
    results = {r["Target"]: r for r in output["Results"]}
    assert set(results) == {"templates/deployment.yaml", "templates/service.yaml", "templates/pvc.yaml"}
    severe = [(t, m["ID"]) for t, r in results.items() for m in r.get("Misconfigurations") or []
              if m["Severity"] in ("HIGH", "CRITICAL")]
    assert severe == []
    # What is left depends on where it is installed: the namespace and the registry the image comes from.
    left = {m["ID"] for r in results.values() for m in r.get("Misconfigurations") or []}
    assert left <= {"KSV-0110", "KSV-0125"}
