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
