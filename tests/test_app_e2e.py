"""The GitHub App end to end: signed webhooks in, PyGithub against a stateful fake GitHub on loopback."""

from __future__ import annotations

import threading
import time
import urllib.request

import pytest
from werkzeug.serving import make_server

from tests import payloads
from tests.appkit import BRANCH, INSTALLATION, REPO, SECRET, SEED, WORKFLOW, App, comment_ids, bot_pulls, replies


@pytest.fixture
def app(github, tmp_path):
    return App(github, tmp_path)


def test_seed_request_on_an_issue_opens_a_validated_pull_request(app, github):
    status, comment_id = app.comment(SEED)
    assert status == 202
    assert app.work() == 1
    # The branch holds exactly one new commit on main, adding the workflow that scans exactly api.yaml.
    assert BRANCH in github.branches(REPO)
    workflow = github.file_at(REPO, BRANCH, WORKFLOW)
    assert "scan-ref: k8s-manifests/api.yaml" in workflow and "scan-ref: k8s-manifests/\n" not in workflow
    commits = github.commits_on(REPO, BRANCH)
    assert commits[1] == github.branches(REPO)["main"]
    (pull,) = bot_pulls(github)
    assert pull["head"] == BRANCH and pull["base"] == "main" and pull["state"] == "open"
    assert pull["labels"] == ["vibeops"]
    assert pull["title"] == "Add trivy config scan for k8s-manifests/api.yaml"
    body = pull["body"]
    assert "> add trivy scan for k8s-manifests/api.yaml" in body
    assert f"issuecomment-{comment_id}" in body  # the request links to its comment
    assert "| `k8s-manifests/api.yaml` | ✓ | ✓ |" in body and "`exact`" in body
    assert "| `actionlint` | ✅ pass |" in body and "### Preview" in body and "KSV" in body
    assert "/vibeops <what to change>" in body
    (reply,) = replies(github, 1)
    assert f"#{pull['number']}" in reply and pull["html_url"] in reply
    assert github.reactions(REPO, comment_id) == ["eyes", "rocket"]


def test_seed_request_on_a_pull_request_conversation(app, github):
    status, comment_id = app.comment(SEED, number=2, on_pull_request=True)
    assert status == 202 and app.work() == 1
    assert [p["head"] for p in bot_pulls(github)] == [BRANCH]
    assert any("Opened #" in r for r in replies(github, 2))
    assert github.reactions(REPO, comment_id) == ["eyes", "rocket"]


def test_review_comment_is_answered_in_its_thread(app, github):
    status, comment_id = app.comment(SEED, number=2, review=True)
    assert status == 202 and app.work() == 1
    (reply,) = [r["body"] for r in github.review_replies(REPO, 2)]
    assert "Opened #" in reply
    assert github.reactions(REPO, comment_id) == ["eyes", "rocket"]


def test_maintainers_may_run_it_too(app, github):
    app.comment(SEED, user="maude")
    app.work()
    assert BRANCH in github.branches(REPO)


def test_bad_signature_changes_nothing(app, github):
    before = len(github.requests)
    status, _ = app.comment(SEED, secret="wrong-secret")
    assert status == 401 and app.work() == 0
    assert len(github.requests) == before and BRANCH not in github.branches(REPO)


def test_missing_signature_changes_nothing(app, github):
    payload = payloads.issue_comment_created(REPO, 1, 1, SEED, user="alice", installation_id=INSTALLATION)
    body = payloads.dumps(payload)
    headers = payloads.headers("issue_comment", "d-x", body, SECRET)
    del headers["X-Hub-Signature-256"]
    assert app.client.post("/api/github/webhooks", data=body, headers=headers).status_code == 401
    assert app.store.jobs() == []


def test_replayed_delivery_changes_nothing(app, github):
    status, comment_id = app.comment(SEED, delivery="replayed")
    app.work()
    state = (github.branches(REPO), bot_pulls(github), replies(github, 1), github.reactions(REPO, comment_id))
    payload = payloads.issue_comment_created(REPO, 1, comment_id, SEED, user="alice", installation_id=INSTALLATION,
                                             base_url=github.base_url)
    assert app.deliver("issue_comment", payload, "replayed") == 200
    assert app.last_answer.get_json() == {"duplicate": "replayed"}
    assert app.work() == 0
    assert (github.branches(REPO), bot_pulls(github), replies(github, 1),
            github.reactions(REPO, comment_id)) == state


def test_read_only_commenter_gets_one_polite_reply_and_nothing_else(app, github):
    status, comment_id = app.comment(SEED, user="bob")
    assert status == 202 and app.work() == 1
    (reply,) = replies(github, 1)
    assert "@bob" in reply and "write" in reply and "read" in reply
    assert github.reactions(REPO, comment_id) == []
    assert set(github.branches(REPO)) == {"main"} and bot_pulls(github) == []


def test_comments_by_bots_are_ignored(app, github):
    status, _ = app.comment(SEED, user="dependabot[bot]", user_type="Bot")
    assert status == 200 and app.work() == 0
    assert replies(github, 1) == []


def test_unknown_path_gets_an_error_reply_and_no_branch(app, github):
    status, comment_id = app.comment("/vibeops add trivy scan for k8s-manifest/api.yaml")
    app.work()
    (reply,) = replies(github, 1)
    assert "does not exist" in reply and "Did you mean `k8s-manifests/api.yaml`" in reply
    assert "Nothing was written" in reply
    assert github.reactions(REPO, comment_id) == ["eyes", "confused"]
    assert set(github.branches(REPO)) == {"main"} and bot_pulls(github) == []


def test_server_errors_are_retried_until_success(app, github):
    github.fail_next("POST", r"/git/refs$", 502, times=2)
    github.fail_next("GET", r"/collaborators/.*/permission$", 503, times=1)
    app.comment(SEED)
    app.work()
    assert BRANCH in github.branches(REPO) and len(bot_pulls(github)) == 1
    statuses = [s for _, path, s in github.requests if path.endswith("/git/refs")]
    assert statuses[:3] == [502, 502, 201]


def test_a_reply_answered_with_502_after_it_was_posted_is_not_posted_twice(app, github):
    github.fail_next("POST", r"/issues/1/comments$", 502, times=1, applied=True)
    app.comment(SEED)
    app.work()
    assert len(replies(github, 1)) == 1


def test_branch_already_there_is_reused(app, github):
    github.create_branch(REPO, BRANCH)
    github.push_file(REPO, BRANCH, "NOTES.md", "a human started this branch\n")
    app.comment(SEED)
    app.work()
    assert github.file_at(REPO, BRANCH, "NOTES.md") == "a human started this branch\n"
    assert github.file_at(REPO, BRANCH, WORKFLOW) is not None
    (pull,) = bot_pulls(github)
    assert pull["head"] == BRANCH


def test_same_request_twice_updates_the_open_pull_request(app, github):
    app.comment(SEED)
    app.work()
    first_head = github.branches(REPO)[BRANCH]
    app.comment(SEED)  # the same request again, in the same thread
    app.work()
    (pull,) = bot_pulls(github)
    assert github.branches(REPO)[BRANCH] == first_head  # nothing to change
    second = replies(github, 1)[-1]
    assert f"#{pull['number']}" in second and "Nothing changed" in second
    app.comment(SEED + " fail on medium and above")
    app.work()
    (pull,) = bot_pulls(github)
    assert github.commits_on(REPO, BRANCH)[1] == first_head
    assert "CRITICAL,HIGH,MEDIUM" in github.file_at(REPO, BRANCH, WORKFLOW)
    assert "Updated #" in replies(github, 1)[-1]


def test_missing_workflows_permission_says_which_permission_to_grant(app, github):
    github.deny_workflow_writes(REPO)
    _, comment_id = app.comment(SEED)
    app.work()
    (reply,) = replies(github, 1)
    assert "**Workflows** permission" in reply
    assert github.reactions(REPO, comment_id) == ["eyes", "confused"]
    assert set(github.branches(REPO)) == {"main"}


def test_persistent_outage_is_retried_then_answered_and_leaves_no_branch(app, github):
    github.fail_next("POST", r"/git/commits$", 500, times=1000)
    _, comment_id = app.comment(SEED)
    app.work()
    (job,) = app.store.jobs()
    assert job["status"] == "failed" and job["attempts"] == 3
    (reply,) = replies(github, 1)
    assert "nothing was written" in reply.lower()
    assert github.reactions(REPO, comment_id)[-1] == "confused"
    assert set(github.branches(REPO)) == {"main"}


def test_installation_token_is_reused_across_jobs(app, github):
    app.comment(SEED)
    app.comment("/vibeops add actionlint check")
    app.work()
    assert github.tokens_issued == 1
    assert len(bot_pulls(github)) == 2


def test_help_command(app, github):
    app.comment("/vibeops help")
    app.work()
    (reply,) = replies(github, 1)
    assert "add <tool>" in reply and bot_pulls(github) == []


def test_real_http_with_the_worker_in_the_background(github, tmp_path):
    """The same flow over a real socket, with the worker thread running as `vibeops serve` runs it."""
    app = App(github, tmp_path)
    server = make_server("127.0.0.1", 0, app.web, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.worker.poll_seconds = 0.05
    app.worker.start()
    try:
        comment_id = next(comment_ids)
        github.add_issue_comment(REPO, 1, comment_id, SEED, user="alice")
        payload = payloads.issue_comment_created(REPO, 1, comment_id, SEED, user="alice",
                                                 installation_id=INSTALLATION, base_url=github.base_url)
        body = payloads.dumps(payload)
        request = urllib.request.Request(f"http://127.0.0.1:{server.server_port}/api/github/webhooks", data=body,
                                         headers=payloads.headers("issue_comment", "real-1", body, SECRET))
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 202
        deadline = time.time() + 60
        while "rocket" not in github.reactions(REPO, comment_id):
            assert time.time() < deadline, github.reactions(REPO, comment_id)
            time.sleep(0.1)
        assert len(bot_pulls(github)) == 1
    finally:
        app.worker.stop()
        server.shutdown()


def test_a_pull_request_that_cannot_be_opened_leaves_no_branch(app, github):
    github.fail_next("POST", r"/pulls$", 422, times=1,
                     body={"message": "Validation Failed", "errors": [{"message": "base branch is protected"}]})
    _, comment_id = app.comment(SEED)
    app.work()
    assert set(github.branches(REPO)) == {"main"}
    assert "could not do that" in replies(github, 1)[0]
    assert github.reactions(REPO, comment_id) == ["eyes", "confused"]


def test_branch_created_but_answered_502_then_422_reference_exists_is_reused(app, github):
    github.fail_next("POST", r"/git/refs$", 502, times=1, applied=True)
    _, comment_id = app.comment(SEED)
    app.work()
    statuses = [s for method, path, s in github.requests if method == "POST" and path.endswith("/git/refs")]
    assert statuses == [502, 422]
    assert [p["head"] for p in bot_pulls(github)] == [BRANCH]
    assert github.file_at(REPO, BRANCH, WORKFLOW) is not None
    assert github.reactions(REPO, comment_id) == ["eyes", "rocket"]


def test_rate_limits_and_slow_answers_are_waited_out(app, github):
    github.fail_next("POST", r"/pulls$", 429, times=1, body={"message": "API rate limit exceeded"},
                     headers={"Retry-After": "1"})
    github.fail_next("POST", r"/git/blobs$", 403, times=1,
                     body={"message": "You have exceeded a secondary rate limit"}, headers={"Retry-After": "1"})
    github.delay(0.5, "GET", r"/collaborators/.*/permission$")
    _, comment_id = app.comment(SEED)
    start = time.perf_counter()
    app.work()
    assert time.perf_counter() - start >= 2  # both Retry-After waits were honoured
    assert [p["head"] for p in bot_pulls(github)] == [BRANCH]
    assert github.reactions(REPO, comment_id) == ["eyes", "rocket"]
    pulls = [s for method, path, s in github.requests if method == "POST" and path.endswith("/pulls")]
    assert pulls == [429, 201]
