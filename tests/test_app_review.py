"""Reviewing vibeops pull requests: follow-ups revise the branch, commands answer in one status comment."""

from __future__ import annotations

import pytest

from bot.render.markdown import read_marker
from tests.appkit import BRANCH, INSTALLATION, REPO, SEED, WORKFLOW, App, bot_pulls


@pytest.fixture
def opened(github, tmp_path):
    """The App with the seed request already answered by a pull request."""
    app = App(github, tmp_path)
    app.comment(SEED)
    app.work()
    (pull,) = bot_pulls(github)
    app.pull = pull["number"]
    return app


def status_comments(github, number: int) -> list[str]:
    return [c["body"] for c in github.comments(REPO, number) if c["user"] == github.bot_login]


def test_a_follow_up_revises_the_branch_and_the_request(opened, github):
    head = github.branches(REPO)[BRANCH]
    _, comment_id = opened.comment("/vibeops also fail on MEDIUM", number=opened.pull, on_pull_request=True)
    opened.work()
    assert github.commits_on(REPO, BRANCH)[1] == head  # one new commit on top
    workflow = github.file_at(REPO, BRANCH, WORKFLOW)
    assert "severity: CRITICAL,HIGH,MEDIUM" in workflow
    (pull,) = bot_pulls(github)
    marker = read_marker(pull["body"])
    assert marker == {"request": "add trivy scan for k8s-manifests/api.yaml", "changes": ["also fail on MEDIUM"],
                      "workflow": WORKFLOW}
    (status,) = status_comments(github, opened.pull)
    assert "Revised" in status and "`exact`" in status
    assert github.reactions(REPO, comment_id) == ["eyes", "rocket"]


def test_a_human_commit_is_kept_and_the_revision_builds_on_it(opened, github):
    edited = github.file_at(REPO, BRANCH, WORKFLOW).replace("timeout-minutes: 10",
                                                             "timeout-minutes: 12  # our runners are slow")
    human = github.push_file(REPO, BRANCH, WORKFLOW, edited, message="a human tweak")
    opened.comment("/vibeops scan k8s-manifests/db.yaml too", number=opened.pull, on_pull_request=True)
    opened.work()
    assert github.commits_on(REPO, BRANCH)[1] == human
    workflow = github.file_at(REPO, BRANCH, WORKFLOW)
    assert "timeout-minutes: 12  # our runners are slow" in workflow
    assert "scan-ref: k8s-manifests/db.yaml" in workflow and "scan-ref: k8s-manifests/api.yaml" in workflow
    assert "k8s-manifests/db.yaml" in workflow.split("jobs:")[0]  # the paths filter follows
    (status,) = status_comments(github, opened.pull)
    assert "`k8s-manifests/api.yaml`, `k8s-manifests/db.yaml`" in status


def test_a_follow_up_that_is_not_understood_changes_nothing(opened, github):
    head = github.branches(REPO)[BRANCH]
    _, comment_id = opened.comment("/vibeops make it better", number=opened.pull, on_pull_request=True)
    opened.work()
    assert github.branches(REPO)[BRANCH] == head
    (status,) = status_comments(github, opened.pull)
    assert "as a change to this pull request" in status and "also fail on" in status
    assert github.reactions(REPO, comment_id) == ["eyes", "confused"]


def test_commands_answer_in_one_status_comment_edited_in_place(opened, github):
    opened.comment("/vibeops explain", number=opened.pull, on_pull_request=True)
    opened.work()
    (status,) = status_comments(github, opened.pull)
    assert f"**`{WORKFLOW}`**" in status and "runs trivy config on `k8s-manifests/api.yaml`: 1 file(s)" in status
    assert "on pull requests to" not in status and "that change `k8s-manifests/api.yaml`" in status
    opened.comment("/vibeops check", number=opened.pull, on_pull_request=True)
    opened.work()
    (status,) = status_comments(github, opened.pull)
    assert f"`{WORKFLOW}`: ✅ passes; scans 1 file(s)" in status
    opened.comment("/vibeops help", number=opened.pull, on_pull_request=True)
    opened.work()
    (status,) = status_comments(github, opened.pull)
    # The examples name the repository's own files: its first file trivy reads as a manifest (here the Helm
    # chart's template) and its first Dockerfile.
    assert "/vibeops add trivy scan for k8s-manifests/api.yaml" in status
    assert "/vibeops add trivy scan for api/Dockerfile" in status
    opened.comment("/vibeops retry", number=opened.pull, on_pull_request=True)
    opened.work()
    (status,) = status_comments(github, opened.pull)
    assert "Nothing changed in #" in status
    assert len(bot_pulls(github)) == 1


def test_retry_outside_a_vibeops_pull_request_says_what_it_does(opened, github):
    opened.comment("/vibeops retry")
    opened.work()
    replies = [c["body"] for c in github.comments(REPO, 1) if c["user"] == github.bot_login]
    assert "re-runs the request of a vibeops pull request" in replies[-1]


def test_explain_on_an_issue_covers_the_repository_workflows(opened, github):
    opened.comment("/vibeops explain .github/workflows/images.yml")
    opened.work()
    reply = [c["body"] for c in github.comments(REPO, 1) if c["user"] == github.bot_login][-1]
    assert "calls the reusable workflow `example-platform/workflows/.github/workflows/container-build.yml@main`" in reply
    assert "that change `api/**`" in reply


def synchronize(app: App, github, number: int, head: str, delivery: str) -> int:
    """A pull_request.synchronize delivery shaped on the real one, for the branch's current head."""
    import json

    from tests.realdata import realdata

    payload = json.loads(realdata("webhooks", "pull_request", "synchronize.payload.json").read_text())
    payload["number"] = payload["pull_request"]["number"] = number
    payload["pull_request"]["head"].update(ref=head, sha=github.branches(REPO)[head])
    payload["repository"]["full_name"] = REPO
    payload["installation"] = {"id": INSTALLATION, "node_id": "x"}
    return app.deliver("pull_request", payload, delivery)


def test_the_check_run_passes_then_turns_red_when_a_human_widens_the_scan(opened, github):
    assert synchronize(opened, github, opened.pull, BRANCH, "sync-1") == 202
    opened.work()
    (first,) = github.check_runs(REPO)
    assert (first["name"], first["status"], first["conclusion"]) == ("vibeops", "completed", "success")
    widened = github.file_at(REPO, BRANCH, WORKFLOW).replace("scan-ref: k8s-manifests/api.yaml",
                                                             "scan-ref: k8s-manifests/")
    github.push_file(REPO, BRANCH, WORKFLOW, widened, message="scan the whole folder")
    assert synchronize(opened, github, opened.pull, BRANCH, "sync-2") == 202
    opened.work()
    second = github.check_runs(REPO)[-1]
    assert second["conclusion"] == "failure" and second["head_sha"] == github.branches(REPO)[BRANCH]
    output = second["output"]
    assert "no longer scans exactly what was asked (broader)" in output["title"]
    assert "k8s-manifests/db.yaml, k8s-manifests/web.yaml" in output["summary"]
    (annotation,) = [a for a in output["annotations"] if a["title"] == "scope/scans-extra-files"]
    assert annotation["path"] == WORKFLOW and annotation["annotation_level"] == "failure"
    assert annotation["start_line"] > 1


def test_other_pull_requests_are_checked_only_when_the_config_asks(github, tmp_path):
    github.create_branch(REPO, "feature")
    github.push_file(REPO, "feature", ".github/workflows/scan.yml",
                     "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n")
    github.add_pull(REPO, 9, head="feature")
    app = App(github, tmp_path)
    synchronize(app, github, 9, "feature", "sync-a")
    app.work()
    assert github.check_runs(REPO) == []
    github.push_file(REPO, "main", ".github/vibeops.yml", "recheck:\n  all_pulls: true\n")
    github.push_file(REPO, "feature", "README.md", "a new commit, so a new check\n")
    synchronize(app, github, 9, "feature", "sync-b")
    app.work()
    (run,) = github.check_runs(REPO)
    assert run["conclusion"] == "failure"  # no permissions, and persisted credentials are not set
    assert any(a["title"] == "policy/excessive-permissions" for a in run["output"]["annotations"])


def closed_event(app: App, github, number: int, head: str, delivery: str) -> int:
    import json

    from tests.realdata import realdata

    payload = json.loads(realdata("webhooks", "pull_request", "closed.payload.json").read_text())
    payload["number"] = payload["pull_request"]["number"] = number
    payload["pull_request"]["merged"] = False
    payload["pull_request"]["head"].update(ref=head, sha=github.branches(REPO).get(head, "0" * 40))
    payload["repository"]["full_name"] = REPO
    payload["installation"] = {"id": INSTALLATION, "node_id": "x"}
    return app.deliver("pull_request", payload, delivery)


def test_after_a_closed_pull_request_the_same_request_opens_a_new_one(opened, github):
    github.close_pull(REPO, opened.pull)
    opened.comment(SEED)
    opened.work()
    pulls = bot_pulls(github)
    assert [(p["head"], p["state"]) for p in pulls] == [(BRANCH, "closed"), (BRANCH + "-2", "open")]
    assert github.file_at(REPO, BRANCH + "-2", WORKFLOW) is not None


def test_the_bot_deletes_its_branch_of_a_closed_pull_request_only_when_asked(opened, github):
    github.close_pull(REPO, opened.pull)
    assert closed_event(opened, github, opened.pull, BRANCH, "close-1") == 202
    opened.work()
    assert BRANCH in github.branches(REPO)  # kept: the config did not ask
    github.push_file(REPO, "main", ".github/vibeops.yml", "delete_closed_branches: true\n")
    assert closed_event(opened, github, opened.pull, BRANCH, "close-2") == 200  # same event: a duplicate
    app = App(github, opened.store.path.parent / "second")
    assert closed_event(app, github, opened.pull, BRANCH, "close-3") == 202
    app.work()
    assert BRANCH not in github.branches(REPO)


def test_a_revision_builds_on_a_persons_widening_and_reports_it_instead_of_refusing(opened, github):
    widened = github.file_at(REPO, BRANCH, WORKFLOW).replace("scan-ref: k8s-manifests/api.yaml",
                                                             "scan-ref: k8s-manifests/")
    human = github.push_file(REPO, BRANCH, WORKFLOW, widened, message="scan the whole folder", author="alice")
    _, comment_id = opened.comment("/vibeops also fail on MEDIUM", number=opened.pull, on_pull_request=True)
    opened.work()
    head = github.branches(REPO)[BRANCH]
    assert github.commits_on(REPO, BRANCH)[1] == human  # the person's commit stays, the revision goes on top
    workflow = github.file_at(REPO, BRANCH, WORKFLOW)
    assert "severity: CRITICAL,HIGH,MEDIUM" in workflow and "scan-ref: k8s-manifests/" in workflow
    assert github.commit_info(REPO, head)["message"].startswith("vibeops: fail on CRITICAL, HIGH, MEDIUM (was fail on "
                                                        "CRITICAL, HIGH)")
    (status,) = status_comments(github, opened.pull)
    assert status.startswith("Revised `" + WORKFLOW + "`: fail on CRITICAL, HIGH, MEDIUM")
    assert "opened nothing" not in status
    assert f"`{human[:12]}` by alice" in status and "scope/scans-extra-files" in status
    assert "stays red" in status
    assert github.reactions(REPO, comment_id) == ["eyes", "rocket"]
    assert synchronize(opened, github, opened.pull, BRANCH, "sync-after-revision") == 202
    opened.work()
    assert github.check_runs(REPO)[-1]["conclusion"] == "failure"  # the person's widening is still reported


def test_a_revision_that_changes_nothing_says_so_and_one_that_cannot_be_made_leaves_the_branch(opened, github):
    head = github.branches(REPO)[BRANCH]
    opened.comment("/vibeops fail on HIGH,CRITICAL", number=opened.pull, on_pull_request=True)
    opened.work()
    assert github.branches(REPO)[BRANCH] == head
    (status,) = status_comments(github, opened.pull)
    assert status.startswith(f"Nothing changed on `{BRANCH}`")
    opened.comment("/vibeops scan k8s-manifests/nowhere.yaml too", number=opened.pull, on_pull_request=True)
    opened.work()
    assert github.branches(REPO)[BRANCH] == head
    (status,) = status_comments(github, opened.pull)
    assert status.startswith("I could not make that change") and "The branch is unchanged" in status
    assert "opened nothing" not in status


def test_each_revision_commit_says_what_it_changed(opened, github):
    for follow_up in ("/vibeops also fail on MEDIUM", "/vibeops scan k8s-manifests/db.yaml too"):
        opened.comment(follow_up, number=opened.pull, on_pull_request=True)
        opened.work()
    first, second = github.commits_on(REPO, BRANCH)[:2]
    assert github.commit_info(REPO, first)["message"].startswith("vibeops: scan k8s-manifests/db.yaml too")
    assert github.commit_info(REPO, second)["message"].startswith("vibeops: fail on CRITICAL, HIGH, MEDIUM")
