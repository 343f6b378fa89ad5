"""git's runs share one sandbox (bot.adapters.sandbox._Session): what each run gets stays what a sandbox gives.

vibeops runs git about fifteen times per request on the user's own repository. Those runs see the
host's filesystem anyway, so they share one bwrap sandbox and a small runner inside it starts each
one. These tests hold each run there to the sandbox's promises: no network, an allowlisted
environment, its time, memory and output limits, its whole process group stopped, and a runner that
a tool kills or breaks only costs that run.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from pathlib import Path

import pytest

from bot.adapters.errors import ToolError
from bot.adapters.localgit import LocalGitForge
from bot.adapters.sandbox import Limits, Sandbox
from tests.conftest import make_repo


def isolating(**limits) -> Sandbox:
    sandbox = Sandbox(limits=Limits(**limits))
    if not sandbox.isolated():
        if os.environ.get("CI") == "true":
            pytest.fail("bubblewrap cannot make a sandbox on this CI machine (.ci/ensure-packages installs it)")
        pytest.skip("bubblewrap cannot make a sandbox here")
    return sandbox


def script(folder: Path, name: str, body: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def namespace(sandbox: Sandbox, folder: Path) -> str:
    run = sandbox.run([script(folder, "ns", "readlink /proc/self/ns/net\n")], "ns", host_filesystem=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted = []

    def accept():
        try:
            while True:
                accepted.append(server.accept()[0])
        except OSError:
            pass

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], accepted
    server.close()


def test_host_filesystem_runs_share_one_sandbox_without_network(tmp_path, listener):
    port, accepted = listener
    sandbox = isolating()
    first, second = namespace(sandbox, tmp_path), namespace(sandbox, tmp_path)
    assert first == second  # one sandbox for both runs
    assert first != os.readlink("/proc/self/ns/net")  # and not the host's network
    reach = [sys.executable, "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), 3); print('reached')"]
    run = Sandbox(limits=sandbox.limits).run(reach, "python", host_filesystem=True)
    assert run.returncode != 0 and "reached" not in run.stdout
    assert accepted == []
    # The same program outside the sandbox reaches the listener: the test can tell.
    assert "reached" in Sandbox(mode="off").run(reach, "python", host_filesystem=True).stdout


def test_each_run_in_the_shared_sandbox_gets_only_the_allowlisted_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", "whsec-session-do-not-leak")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-session-do-not-leak")
    sandbox = isolating()
    printer = script(tmp_path, "printenv", "env\n")
    seen = {}
    for extra in ({"GIT_INDEX_FILE": "/tmp/x"}, {}):  # a setting of one run does not carry to the next
        run = sandbox.run([printer], "printer", env=extra, host_filesystem=True)
        seen = dict(line.split("=", 1) for line in run.stdout.splitlines() if "=" in line)
        assert "do-not-leak" not in run.stdout
        assert set(seen) <= {"PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "HOME", "TMPDIR",
                             "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "GIT_INDEX_FILE", "PWD", "SHLVL", "_"}
        assert ("GIT_INDEX_FILE" in seen) == bool(extra)
    assert seen["HOME"] == seen["TMPDIR"] and Path(seen["HOME"]).name == "scratch"


def test_a_run_over_its_time_limit_is_stopped_with_what_it_started_and_the_next_run_works(tmp_path):
    sandbox = isolating(seconds=1)
    before = namespace(sandbox, tmp_path)
    marker = tmp_path / "survivor"
    slow = script(tmp_path, "slow", f"(sleep 3; echo alive > {marker}) &\nsleep 30\n")
    with pytest.raises(ToolError, match="did not finish in 1 s"):
        sandbox.run([slow], "slow", host_filesystem=True)
    assert namespace(sandbox, tmp_path) == before  # the same sandbox goes on
    threading.Event().wait(3.5)
    assert not marker.exists()  # its background child was stopped with it


def test_memory_and_output_limits_hold_in_the_shared_sandbox(tmp_path):
    hog = [sys.executable, "-c", "x = bytearray(600 << 20); print('allocated')"]
    assert "allocated" not in isolating(memory_bytes=256 << 20).run(hog, "hog", host_filesystem=True).stdout
    assert "allocated" in isolating(memory_bytes=2048 << 20).run(hog, "hog", host_filesystem=True).stdout
    talker = script(tmp_path, "talker", "head -c 3000000 /dev/zero\n")
    with pytest.raises(ToolError, match="wrote more than 1 MB"):
        isolating(file_bytes=1 << 20).run([talker], "talker", host_filesystem=True)


def test_a_tool_that_kills_the_runner_costs_only_its_own_run(tmp_path):
    sandbox = isolating()
    before = namespace(sandbox, tmp_path)
    killer = script(tmp_path, "killer", "kill -9 $PPID\nsleep 5\n")
    with pytest.raises(ToolError, match="stopped answering"):
        sandbox.run([killer], "killer", host_filesystem=True)
    after = namespace(sandbox, tmp_path)  # a new sandbox, still without the host's network
    assert after != before and after != os.readlink("/proc/self/ns/net")


def test_git_through_the_shared_sandbox_reads_and_writes_the_repository(tmp_path):
    repo = make_repo(tmp_path / "repo", {"k8s/api.yaml": "kind: Pod\n"})
    forge = LocalGitForge(repo, sandbox=isolating())
    assert forge.default_branch() == "main"
    assert forge.file_on_branch("main", "k8s/api.yaml") == "kind: Pod\n"
    assert forge.file_on_branch("main", "missing.yaml") is None and forge.file_on_branch("nope", "k8s/api.yaml") is None
    with forge.snapshot("main") as snapshot:
        base = snapshot.commit
    published = forge.publish("vibeops/x", base, ".github/workflows/x.yml", "on: push\n", "add x")
    assert published.created and published.changed
    again = forge.publish("vibeops/x", base, ".github/workflows/x.yml", "on: push\n", "add x")
    assert not again.changed and again.commit == published.commit  # the tree is the branch's: up to date
    assert forge.file_on_branch("vibeops/x", ".github/workflows/x.yml") == "on: push\n"


def test_where_bwrap_cannot_make_a_sandbox_git_runs_scrubbed_and_says_so(tmp_path, caplog):
    broken = script(tmp_path, "bwrap", "echo 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    printer = script(tmp_path, "printer", "echo ran\n")
    with caplog.at_level(logging.WARNING, logger="vibeops.sandbox"):
        sandbox = Sandbox(bwrap=broken)
        assert sandbox.run([printer], "printer", host_filesystem=True).stdout == "ran\n"
        assert not sandbox.isolated()
    assert "cannot make a sandbox here (bwrap: No permissions to create new namespace)" in caplog.text
    assert "printer runs without a network namespace" in caplog.text
    with pytest.raises(ToolError, match="VIBEOPS_SANDBOX=require"):
        Sandbox(bwrap=broken, mode="require").run([printer], "printer", host_filesystem=True)
