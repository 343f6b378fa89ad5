"""Every App job has a wall-clock limit: over it, the job is answered as timed out and writes nothing more."""

from __future__ import annotations

import sqlite3
import time

import pytest

from bot.adapters.sandbox import Limits, Sandbox
from bot.adapters.tools import Tools
from bot.app.settings import Settings, SettingsError
from bot.deadline import JobTimedOut, check, deadline, remaining, run_within
from tests.appkit import INSTALLATION, REPO, App, replies
from tests.fakegithub import FakeGitHub

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: nginx\n"


@pytest.fixture
def fake():
    found = FakeGitHub()
    found.start()
    found.add_installation(INSTALLATION, [REPO])
    found.add_repo(REPO, {"k8s/pod.yaml": POD})
    found.set_permission(REPO, "alice", "write")
    found.add_issue(REPO, 1, "Scan the pod")
    yield found
    found.stop()
    assert found.server_errors == []


def test_a_job_over_its_limit_is_answered_as_timed_out_and_writes_nothing(fake, tmp_path, tools):
    slow = tmp_path / "slow-trivy"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    slowed = Tools(tools.actionlint, str(slow), tools.zizmor, sandbox=Sandbox(limits=Limits(seconds=12)))
    app = App(fake, tmp_path, tools=slowed, job_seconds=1)
    started = time.monotonic()
    status, comment_id = app.comment("/vibeops add trivy scan for k8s/pod.yaml")
    assert status == 202 and app.work() == 1
    assert time.monotonic() - started < 8  # answered at the limit, not when the slow tool gave up (12 s)
    (answer,) = replies(fake, 1)
    assert "took longer than the server's limit of 1 s per job" in answer
    assert "confused" in fake.reactions(REPO, comment_id)
    for thread in app.worker.handle.stopping:  # the job's thread stops itself at its next checkpoint
        thread.join(30)
        assert not thread.is_alive()
    assert replies(fake, 1) == [answer]  # it said nothing more
    assert [b for b in fake.branches(REPO) if b.startswith("vibeops/")] == [] and fake.pulls(REPO) == []
    with sqlite3.connect(tmp_path / "jobs.sqlite3") as db:
        assert [row[0] for row in db.execute("SELECT status FROM jobs")] == ["done"]  # not retried
    assert 'vibeops_jobs_total{kind="comment",outcome="timed-out"} 1.0' in app.worker.metrics.render()


def test_the_tools_a_job_runs_in_other_threads_stop_at_the_jobs_limit_too(fake, tmp_path, tools):
    # The preview and the checks that wait on scanners run in threads of their own; they carry the
    # job's deadline, so a scanner there is stopped at the job's limit, not at its own (60 s here).
    slow = tmp_path / "slow-trivy"
    slow.write_text("#!/bin/sh\nsleep 120\n")
    slow.chmod(0o755)
    slowed = Tools(tools.actionlint, str(slow), tools.zizmor, sandbox=Sandbox(limits=Limits(seconds=60)))
    app = App(fake, tmp_path, tools=slowed, job_seconds=1)
    app.comment("/vibeops add trivy scan for k8s/pod.yaml")
    assert app.work() == 1
    assert "took longer than the server's limit of 1 s per job" in replies(fake, 1)[0]
    for thread in app.worker.handle.stopping:
        thread.join(30)  # the tool's own limit (60 s) would keep it alive past this
        assert not thread.is_alive()
    assert [b for b in fake.branches(REPO) if b.startswith("vibeops/")] == [] and fake.pulls(REPO) == []


def test_a_job_within_its_limit_runs_as_before(fake, tmp_path, tools):
    app = App(fake, tmp_path, tools=tools, job_seconds=120)
    app.comment("/vibeops add trivy scan for k8s/pod.yaml")
    assert app.work() == 1
    assert any("Opened #" in r for r in replies(fake, 1))


def test_run_within_hands_back_results_errors_and_timeouts():
    assert run_within(lambda: 42, 5).value == 42
    assert isinstance(run_within(lambda: 1 / 0, 5).error, ZeroDivisionError)
    late = run_within(lambda: time.sleep(0.5), 0.05)
    assert late.timed_out
    late.thread.join()

    def past_its_time():
        time.sleep(0.1)
        check("write a branch")

    stopped = run_within(past_its_time, 0.05)
    stopped.thread.join()
    assert stopped.timed_out
    with deadline(10):
        assert 9 < remaining() <= 10
    assert remaining() is None
    with deadline(0), pytest.raises(JobTimedOut, match="before it could write a branch"):
        check("write a branch")


def test_a_tool_run_is_cut_to_the_jobs_remaining_time(tmp_path):
    slow = tmp_path / "slow"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    started = time.monotonic()
    with deadline(1), pytest.raises(JobTimedOut):
        Sandbox(limits=Limits(seconds=60)).run([str(slow)], "slow")
    assert time.monotonic() - started < 5


def test_the_limit_is_a_server_setting():
    env = {"WEBHOOK_SECRET": "s", "APP_ID": "1", "PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nx\n"}
    assert Settings.from_env(env).job_seconds == 300
    assert Settings.from_env({**env, "VIBEOPS_JOB_TIMEOUT": "60"}).job_seconds == 60
    with pytest.raises(SettingsError, match="VIBEOPS_JOB_TIMEOUT"):
        Settings.from_env({**env, "VIBEOPS_JOB_TIMEOUT": "0"})
