"""The App answers a job that fails in a way nobody foresaw: in the thread, recorded, nothing written."""

from __future__ import annotations

import pytest

from bot.adapters.tools import Tools
from tests.appkit import REPO, SEED, App, replies


class BrokenTrivy(Tools):
    """The real tools, except that trivy fails with an error no code path expects (an adapter passed in)."""

    def trivy_scan(self, *args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")


@pytest.fixture
def app(github, tmp_path):
    real = Tools.from_environment()
    return App(github, tmp_path, tools=BrokenTrivy(real.actionlint, real.trivy, real.zizmor))


def test_unexpected_exception_in_a_job_is_answered_in_the_thread_and_recorded(app, github):
    _, comment_id = app.comment(SEED)
    app.work()
    (job,) = app.store.jobs()
    assert job["status"] == "failed" and job["attempts"] == 3 and "RecursionError" in job["error"]
    (reply,) = replies(github, 1)
    assert "went wrong" in reply and "nothing was written" in reply and "report it" in reply
    assert github.reactions(REPO, comment_id)[-1] == "confused"
    assert set(github.branches(REPO)) == {"main"}


@pytest.mark.parametrize("content, words", [
    ("on: push\n# caf\xe9\njobs: {}\n".encode("latin-1"), "not UTF-8"),
    (("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n        env:\n"
      + "".join(f"          {c}: &{c} [" + ",".join([f"*{p}"] * 9 if p else ["l"] * 9) + "]\n"
                for p, c in zip([None, *"abcdefgh"], "abcdefghi"))).encode(), "alias bomb"),
    (("on: push\n" + "".join("  " * i + f"k{i}:\n" for i in range(248))).encode(), "nests deeper"),
])
def test_a_pull_request_with_a_hostile_workflow_gets_a_failing_check_run(github, tmp_path, content, words):
    from tests.test_app_review import synchronize

    github.create_branch(REPO, "feature")
    github.push_file(REPO, "feature", ".github/workflows/hostile.yml", content)
    github.push_file(REPO, "main", ".github/vibeops.yml", "recheck:\n  all_pulls: true\n")
    github.add_pull(REPO, 9, head="feature")
    app = App(github, tmp_path)
    synchronize(app, github, 9, "feature", "sync-hostile")
    app.work()
    (job,) = app.store.jobs()
    assert job["status"] == "done"
    (run,) = github.check_runs(REPO)
    assert run["conclusion"] == "failure" and words in run["output"]["summary"] + str(run["output"]["annotations"])
