"""The GitHub App under a repository's `.github/vibeops.yml`, always read from the default branch."""

from __future__ import annotations

import pytest

from tests.appkit import BRANCH, REPO, SEED, App, bot_pulls, replies


@pytest.fixture
def configured(github, tmp_path):
    def make(config: str) -> App:
        github.push_file(REPO, "main", ".github/vibeops.yml", config, message="vibeops config")
        return App(github, tmp_path)

    return make


def test_an_invalid_config_gets_a_reply_naming_key_and_line_and_nothing_else(configured, github):
    app = configured("trigger:\n  min_permission: everyone\n")
    _, comment_id = app.comment(SEED)
    app.work()
    (reply,) = replies(github, 1)
    assert ".github/vibeops.yml:2: `trigger.min_permission`" in reply and "I did nothing" in reply
    assert github.reactions(REPO, comment_id) == ["confused"]
    assert set(github.branches(REPO)) == {"main"} and bot_pulls(github) == []


def test_below_min_permission_gets_one_reply_naming_the_key(configured, github):
    app = configured("trigger:\n  min_permission: maintain\n")
    _, comment_id = app.comment(SEED, user="alice")  # alice has write
    app.work()
    (reply,) = replies(github, 1)
    assert "@alice" in reply and "**maintain**" in reply and "`trigger.min_permission` (.github/vibeops.yml:2)" in reply
    assert github.reactions(REPO, comment_id) == [] and bot_pulls(github) == []


def test_user_and_team_allowlists(configured, github):
    app = configured("trigger:\n  users: [maude]\n")
    app.comment(SEED, user="alice")
    app.work()
    assert "only the people listed in `trigger.users`" in replies(github, 1)[-1] and bot_pulls(github) == []
    github.add_team("acme/platform", ["alice"])
    app = configured("trigger:\n  teams: [acme/platform]\n")
    app.comment(SEED, user="maude")
    app.work()
    assert "only members of acme/platform" in replies(github, 1)[-1] and bot_pulls(github) == []
    app.comment(SEED, user="alice")
    app.work()
    assert [p["head"] for p in bot_pulls(github)] == [BRANCH]


def test_disabled_and_command_list(configured, github):
    app = configured("enabled: false\n")
    app.comment(SEED)
    app.work()
    assert "turned off for this repository by `enabled` (.github/vibeops.yml:1)" in replies(github, 1)[-1]
    app = configured("commands: [add]\n")
    app.comment("/vibeops help")
    app.work()
    assert "`/vibeops help` is not allowed here" in replies(github, 1)[-1]


def test_labels_reviewers_draft_and_branch_prefix_shape_the_pull_request(configured, github):
    app = configured("labels: [ci, security]\nreviewers: [maude]\ndraft: true\nbranch_prefix: bots/\n")
    app.comment(SEED)
    app.work()
    (pull,) = [p for p in github.pulls(REPO) if p["head"].startswith("bots/")]
    assert pull["head"] == "bots/" + BRANCH.removeprefix("vibeops/")  # the prefix changes, the slug and hash do not
    assert pull["labels"] == ["ci", "security"] and pull["reviewers"] == ["maude"] and pull["draft"] is True


def test_a_pull_request_that_loosens_the_config_is_ignored(configured, github):
    app = configured("paths:\n  deny: ['k8s-manifests/**']\n")
    github.create_branch(REPO, "loosen")
    github.push_file(REPO, "loosen", ".github/vibeops.yml", "paths:\n  deny: []\n")
    github.add_pull(REPO, 7, head="loosen")
    _, comment_id = app.comment(SEED, number=7, on_pull_request=True)
    app.work()
    (reply,) = replies(github, 7)
    assert "denied by `paths.deny` (.github/vibeops.yml:2)" in reply
    assert github.reactions(REPO, comment_id) == ["eyes", "confused"] and bot_pulls(github) == []
