"""The fake GitHub answers real PyGithub calls the way github.com does, App JWT included."""

from __future__ import annotations

import hashlib
import hmac
import io
import subprocess
import tarfile
import threading
import time

import pytest
import requests
from github import (Auth, BadCredentialsException, Github, GithubException, GithubIntegration, InputGitAuthor,
                    InputGitTreeElement, UnknownObjectException)

from tests import payloads
from tests.fakegithub import FakeGitHub
from tests.fakegithub.templates import template

REPO = "acme/shop"
INSTALLATION = 77
FILES = {
    "README.md": "# shop\n",
    "k8s-manifests/api.yaml": "kind: Deployment\n",
    "k8s-manifests/db.yaml": "kind: StatefulSet\n",
    "scripts/build.sh": ("100755", "#!/bin/sh\necho build\n"),
    "docs/readme-link": ("120000", "../README.md"),
}
WORKFLOW = ".github/workflows/trivy.yml"
REFUSAL = f"refusing to allow a GitHub App to create or update workflow `{WORKFLOW}` without `workflows` permission"


@pytest.fixture(scope="module")
def key_pem() -> bytes:
    # RSA key generation is the slowest step of a fresh fake; one key serves every test here.
    return FakeGitHub().private_key_pem


@pytest.fixture
def fake(key_pem):
    with FakeGitHub(private_key_pem=key_pem) as server:
        server.add_installation(INSTALLATION, [REPO])
        server.add_repo(REPO, FILES)
        yield server
        assert server.server_errors == []


def app_client(fake: FakeGitHub, installation: int = INSTALLATION, **kwargs) -> Github:
    """How the App builds its client: App JWT -> installation token, against the fake's base URL."""
    auth = Auth.AppAuth(fake.app_id, fake.private_key_pem.decode()).get_installation_auth(installation)
    # PyGithub throttles writes to one a second by default; tests must turn that off to stay fast.
    kwargs = {"seconds_between_requests": 0, "seconds_between_writes": 0, **kwargs}
    return Github(auth=auth, base_url=fake.base_url, **kwargs)


def head_commit(repo, branch: str = "main"):
    return repo.get_git_commit(repo.get_git_ref(f"heads/{branch}").object.sha)


def commit_files(repo, parent, files: dict[str, str | None], message: str = "vibeops change"):
    """A commit on top of `parent` that writes (or, for None, deletes) files, through the git data API."""
    elements = []
    for path, text in files.items():
        if text is None:
            elements.append(InputGitTreeElement(path, "100644", "blob", sha=None))
        else:
            blob = repo.create_git_blob(text, "utf-8")
            elements.append(InputGitTreeElement(path, "100644", "blob", sha=blob.sha))
    tree = repo.create_git_tree(elements, base_tree=repo.get_git_tree(parent.tree.sha))
    return repo.create_git_commit(message, tree, [parent])


# ----------------------------------------------------------------------------- authentication


def test_app_jwt_is_exchanged_for_one_installation_token(fake):
    gh = app_client(fake)
    repo = gh.get_repo(REPO)
    assert (repo.full_name, repo.name, repo.owner.login, repo.default_branch) == (REPO, "shop", "acme", "main")
    assert repo.url == f"{fake.base_url}/repos/{REPO}" and repo.html_url == f"{fake.base_url}/{REPO}"
    gh.get_repo(REPO)
    assert fake.tokens_issued == 1  # PyGithub caches the token for its hour
    assert fake.requests[0] == ("POST", f"/app/installations/{INSTALLATION}/access_tokens", 201)
    assert fake.requests[1:] == [("GET", f"/repos/{REPO}", 200)] * 2


def test_repository_installation_is_found_with_the_app_jwt(fake):
    integration = GithubIntegration(auth=Auth.AppAuth(fake.app_id, fake.private_key_pem.decode()),
                                    base_url=fake.base_url)
    installation = integration.get_repo_installation("acme", "shop")
    assert installation.id == INSTALLATION and installation.app_id == fake.app_id
    token = integration.get_access_token(INSTALLATION)
    assert token.token.startswith("ghs_") and token.expires_at.timestamp() > time.time() + 3500


def test_jwt_signed_with_another_key_or_for_another_app_is_refused(fake):
    stranger = FakeGitHub().private_key_pem.decode()
    for auth in (Auth.AppAuth(fake.app_id, stranger), Auth.AppAuth(fake.app_id + 1, fake.private_key_pem.decode())):
        gh = Github(auth=auth.get_installation_auth(INSTALLATION), base_url=fake.base_url, retry=None)
        with pytest.raises(GithubException) as caught:
            gh.get_repo(REPO)
        assert caught.value.status == 401
    assert fake.tokens_issued == 0


def test_unknown_token_gets_401_bad_credentials(fake):
    gh = Github(auth=Auth.Token("ghs_not_a_token_the_fake_issued"), base_url=fake.base_url, retry=None)
    with pytest.raises(BadCredentialsException) as caught:
        gh.get_repo(REPO)
    assert caught.value.status == 401 and caught.value.data["message"] == "Bad credentials"


def test_expired_tokens_get_401(fake):
    gh = app_client(fake, retry=None)
    gh.get_repo(REPO)
    fake.expire_tokens()
    with pytest.raises(BadCredentialsException):
        gh.get_repo(REPO)


def test_repository_outside_the_installation_is_404(fake):
    fake.add_repo("acme/secret", {"a.txt": "a"})
    with pytest.raises(UnknownObjectException):
        app_client(fake).get_repo("acme/secret")


# ----------------------------------------------------------------------------- collaborators


@pytest.mark.parametrize(("role", "legacy"), [("admin", "admin"), ("maintain", "write"), ("write", "write"),
                                              ("triage", "read"), ("read", "read"), ("none", "none")])
def test_collaborator_role_and_legacy_permission(fake, role, legacy):
    fake.set_permission(REPO, "alice", role)
    repo = app_client(fake).get_repo(REPO)
    assert repo.get_collaborator_permission("alice") == legacy
    assert repo.get_collaborator_role_name("alice") == role


def test_unknown_user_has_no_permission(fake):
    repo = app_client(fake).get_repo(REPO)
    assert repo.get_collaborator_permission("mallory") == "none"
    assert repo.get_collaborator_role_name("mallory") == "none"


# ----------------------------------------------------------------------------- issues, comments, reactions


def test_issue_comment_reactions_and_bot_reply(fake):
    fake.add_issue(REPO, 5, title="Please scan the API manifest", user="alice")
    fake.add_issue_comment(REPO, 5, 101, "/vibeops add trivy scan for k8s-manifests/api.yaml", user="alice")
    issue = app_client(fake).get_repo(REPO).get_issue(5)
    assert issue.pull_request is None and issue.html_url == f"{fake.base_url}/{REPO}/issues/5"
    comment = issue.get_comment(101)
    assert (comment.body, comment.user.login) == ("/vibeops add trivy scan for k8s-manifests/api.yaml", "alice")
    eyes = comment.create_reaction("eyes")
    assert comment.create_reaction("eyes").id == eyes.id  # a repeated reaction is answered 200 with the same one
    comment.create_reaction("rocket")
    assert fake.reactions(REPO, 101) == ["eyes", "rocket"]
    assert [status for method, path, status in fake.requests if path.endswith("/reactions")] == [201, 200, 201]

    reply = issue.create_comment("Opened a pull request.")
    assert reply.user.login == fake.bot_login and reply.user.type == "Bot"
    assert reply.html_url == f"{fake.base_url}/{REPO}/issues/5#issuecomment-{reply.id}"
    assert [c["body"] for c in fake.comments(REPO, 5)] == [comment.body, "Opened a pull request."]
    assert [c.id for c in issue.get_comments()] == [101, reply.id]


def test_pull_request_review_comment_reaction_and_reply(fake):
    fake.add_pull(REPO, 7, head="feature/missing-branch", user="bob")
    fake.add_issue_comment(REPO, 7, 301, "/vibeops add actionlint check", user="bob")
    fake.add_review_comment(REPO, 7, 201, "/vibeops add trivy scan for k8s-manifests/db.yaml", user="bob")
    repo = app_client(fake).get_repo(REPO)

    as_issue = repo.get_issue(7)
    assert as_issue.pull_request is not None and as_issue.html_url == f"{fake.base_url}/{REPO}/pull/7"
    assert as_issue.get_comment(301).html_url == f"{fake.base_url}/{REPO}/pull/7#issuecomment-301"

    pull = repo.get_pull(7)
    assert (pull.head.ref, pull.base.ref, pull.user.login) == ("feature/missing-branch", "main", "bob")
    review_comment = pull.get_review_comment(201)
    assert review_comment.body.startswith("/vibeops") and review_comment.user.login == "bob"
    review_comment.create_reaction("eyes")
    reply = pull.create_review_comment_reply(201, "Done: see the new commit.")
    assert reply.in_reply_to_id == 201 and reply.user.login == fake.bot_login
    assert fake.reactions(REPO, 201) == ["eyes"]
    assert fake.review_replies(REPO, 7) == [{"id": reply.id, "body": "Done: see the new commit.",
                                              "user": fake.bot_login, "in_reply_to_id": 201}]


# ----------------------------------------------------------------------------- tarball


def test_tarball_of_a_commit_holds_its_tree_with_modes_and_symlinks(fake, tmp_path):
    repo = app_client(fake).get_repo(REPO)
    sha = fake.branches(REPO)["main"]
    link = repo.get_archive_link("tarball", sha)
    assert link == f"{fake.base_url}/_codeload/{REPO}/legacy.tar.gz/{sha}?token={fake.archive_token}"
    assert repo.get_archive_link("tarball", "main") == link  # branch names resolve to their commit
    response = requests.get(link, timeout=5)
    assert response.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as tar:
        assert tar.pax_headers.get("comment") == sha  # git archive records the commit id there
        members = {m.name: m for m in tar.getmembers()}
        top = f"acme-shop-{sha[:7]}"
        assert {name.split("/")[0] for name in members} == {top}
        assert tar.extractfile(members[f"{top}/k8s-manifests/api.yaml"]).read() == b"kind: Deployment\n"
        assert members[f"{top}/scripts/build.sh"].mode & 0o111
        assert not members[f"{top}/README.md"].mode & 0o111
        assert members[f"{top}/docs/readme-link"].issym()
        assert members[f"{top}/docs/readme-link"].linkname == "../README.md"
        tar.extractall(tmp_path, filter="tar")
    # The fake uses real git object ids: git computes the same tree id from the extracted files.
    work = tmp_path / top
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(["git", "add", "-A"], cwd=work, check=True)
    tree = subprocess.run(["git", "write-tree"], cwd=work, check=True, capture_output=True, text=True).stdout.strip()
    assert tree == repo.get_git_commit(sha).tree.sha


def test_tarball_of_an_unknown_ref_is_404(fake):
    with pytest.raises(UnknownObjectException):
        app_client(fake).get_repo(REPO).get_archive_link("tarball", "no-such-branch")


# ----------------------------------------------------------------------------- git data


def test_blob_tree_commit_and_ref_round_trip(fake):
    repo = app_client(fake).get_repo(REPO)
    parent = head_commit(repo)
    assert parent.message == "Initial commit" and parent.parents == []

    blob = repo.create_git_blob("name: trivy\n", "utf-8")
    assert blob.sha == hashlib.sha1(b"blob 12\0name: trivy\n").hexdigest()
    assert repo.get_git_blob(blob.sha).content.replace("\n", "") == "bmFtZTogdHJpdnkK"
    tree = repo.create_git_tree([InputGitTreeElement(WORKFLOW, "100644", "blob", sha=blob.sha),
                                 InputGitTreeElement("README.md", "100644", "blob", sha=None),
                                 InputGitTreeElement("NOTES.md", "100644", "blob", content="notes\n")],
                                base_tree=repo.get_git_tree(parent.tree.sha))
    assert {e.path for e in tree.tree} == {".github", "NOTES.md", "docs", "k8s-manifests", "scripts"}
    recursive = {e.path for e in repo.get_git_tree(tree.sha, recursive=True).tree}
    assert {".github/workflows", WORKFLOW, "k8s-manifests/api.yaml"} <= recursive

    author = InputGitAuthor("vibeops", "vibeops@example.invalid", "2024-05-01T12:00:00Z")
    commit = repo.create_git_commit("Add trivy scan", tree, [parent], author=author)
    assert commit.tree.sha == tree.sha and [p.sha for p in commit.parents] == [parent.sha]
    assert repo.get_git_commit(commit.sha).author.name == "vibeops"

    ref = repo.create_git_ref("refs/heads/vibeops/trivy", commit.sha)
    assert ref.ref == "refs/heads/vibeops/trivy" and ref.object.sha == commit.sha
    with pytest.raises(GithubException) as caught:
        repo.create_git_ref("refs/heads/vibeops/trivy", commit.sha)
    assert caught.value.status == 422 and caught.value.data["message"] == "Reference already exists"

    assert fake.file_at(REPO, "vibeops/trivy", WORKFLOW) == "name: trivy\n"
    assert fake.file_at(REPO, "vibeops/trivy", "README.md") is None
    assert fake.commits_on(REPO, "vibeops/trivy") == [commit.sha, parent.sha]
    assert [r.ref for r in repo.get_git_matching_refs("heads/vibeops/")] == ["refs/heads/vibeops/trivy"]

    content = repo.get_contents(WORKFLOW, ref="vibeops/trivy")
    assert content.decoded_content == b"name: trivy\n" and content.sha == blob.sha
    with pytest.raises(UnknownObjectException):
        repo.get_contents(WORKFLOW, ref="main")


def test_ref_moves_only_forward_unless_forced_and_can_be_deleted(fake):
    repo = app_client(fake).get_repo(REPO)
    base = head_commit(repo)
    first = commit_files(repo, base, {"a.txt": "1\n"})
    ref = repo.create_git_ref("refs/heads/work", first.sha)
    second = commit_files(repo, first, {"a.txt": "2\n"})
    ref.edit(second.sha)
    assert fake.branches(REPO)["work"] == second.sha

    sideways = commit_files(repo, base, {"b.txt": "x\n"})
    with pytest.raises(GithubException) as caught:
        ref.edit(sideways.sha)
    assert caught.value.status == 422 and caught.value.data["message"] == "Update is not a fast forward"
    ref.edit(sideways.sha, force=True)
    assert fake.commits_on(REPO, "work") == [sideways.sha, base.sha]

    ref.delete()
    assert "work" not in fake.branches(REPO)
    with pytest.raises(UnknownObjectException) as caught:
        repo.get_git_ref("heads/work").object
    assert caught.value.data["message"] == "Not Found"


def test_contents_api_creates_and_updates_files_on_a_branch(fake):
    repo = app_client(fake).get_repo(REPO)
    created = repo.create_file("notes/hello.txt", "add hello", "hello\n", branch="main")
    assert created["content"].path == "notes/hello.txt"
    updated = repo.update_file("notes/hello.txt", "edit hello", "hello again\n", created["content"].sha, branch="main")
    assert fake.file_at(REPO, "main", "notes/hello.txt") == "hello again\n"
    assert fake.commits_on(REPO, "main")[:2] == [updated["commit"].sha, created["commit"].sha]
    with pytest.raises(GithubException) as caught:
        repo.update_file("notes/hello.txt", "stale", "x\n", created["content"].sha, branch="main")
    assert caught.value.status == 409


def test_human_push_is_visible_through_the_api(fake):
    sha = fake.push_file(REPO, "main", "k8s-manifests/web.yaml", "kind: Service\n", author="carol")
    repo = app_client(fake).get_repo(REPO)
    assert repo.get_git_ref("heads/main").object.sha == sha
    assert repo.get_contents("k8s-manifests/web.yaml").decoded_content == b"kind: Service\n"
    assert sorted(c.name for c in repo.get_contents("k8s-manifests")) == ["api.yaml", "db.yaml", "web.yaml"]
    assert fake.commit_info(REPO, sha)["author"]["name"] == "carol"
    branch = repo.get_branch("main")
    assert branch.commit.sha == sha and branch.commit.commit.message == "human edit"
    assert repo.get_commit("main").parents[0].sha == fake.commits_on(REPO, "main")[1]
    with pytest.raises(UnknownObjectException):
        repo.get_branch("nope")


# ----------------------------------------------------------------------------- pull requests


def test_pull_request_lifecycle(fake):
    repo = app_client(fake).get_repo(REPO)
    work = commit_files(repo, head_commit(repo), {WORKFLOW: "name: trivy\n"})
    repo.create_git_ref("refs/heads/vibeops/trivy", work.sha)
    assert list(repo.get_pulls(state="open", head="acme:vibeops/trivy")) == []

    pull = repo.create_pull(title="Add trivy scan", body="draft body", head="vibeops/trivy", base="main")
    assert pull.html_url == f"{fake.base_url}/{REPO}/pull/{pull.number}"
    assert (pull.head.sha, pull.commits, pull.changed_files, pull.user.login) == (work.sha, 1, 1, fake.bot_login)
    found = list(repo.get_pulls(state="open", head="acme:vibeops/trivy"))
    assert [p.number for p in found] == [pull.number]
    assert list(repo.get_pulls(state="open", head="acme:other")) == []

    with pytest.raises(GithubException) as caught:
        repo.create_pull(title="again", body="", head="vibeops/trivy", base="main")
    assert caught.value.status == 422
    assert caught.value.data["errors"][0]["message"] == "A pull request already exists for acme:vibeops/trivy."
    with pytest.raises(GithubException) as caught:
        repo.create_pull(title="x", body="", head="no-such-branch", base="main")
    assert caught.value.status == 422 and caught.value.data["errors"][0]["field"] == "head"

    pull.edit(body="final body")
    pull.add_to_labels("vibeops")
    assert repo.get_pull(pull.number).body == "final body"
    assert fake.pulls(REPO) == [{"number": pull.number, "title": "Add trivy scan", "body": "final body",
                                 "head": "vibeops/trivy", "base": "main", "state": "open", "labels": ["vibeops"],
                                 "user": fake.bot_login, "draft": False, "reviewers": [],
                                 "html_url": f"{fake.base_url}/{REPO}/pull/{pull.number}"}]
    pull.edit(state="closed")
    assert list(repo.get_pulls(state="open")) == []
    assert [p.number for p in repo.get_pulls(state="closed", head="acme:vibeops/trivy")] == [pull.number]


def test_pull_without_commits_is_refused(fake):
    repo = app_client(fake).get_repo(REPO)
    repo.create_git_ref("refs/heads/empty", fake.branches(REPO)["main"])
    with pytest.raises(GithubException) as caught:
        repo.create_pull(title="x", body="", head="empty", base="main")
    assert caught.value.data["errors"][0]["message"] == "No commits between main and empty"


# ----------------------------------------------------------------------------- workflow permission


def test_denied_workflow_writes_refuse_refs_and_contents_like_github(fake):
    fake.deny_workflow_writes(REPO)
    repo = app_client(fake).get_repo(REPO)
    main = head_commit(repo)
    with_workflow = commit_files(repo, main, {WORKFLOW: "name: trivy\n"})  # objects may be written
    with pytest.raises(GithubException) as caught:
        repo.create_git_ref("refs/heads/vibeops/trivy", with_workflow.sha)
    assert caught.value.status == 403 and caught.value.data["message"] == REFUSAL
    assert "vibeops/trivy" not in fake.branches(REPO)

    plain = commit_files(repo, main, {"k8s-manifests/extra.yaml": "kind: Pod\n"})
    ref = repo.create_git_ref("refs/heads/vibeops/plain", plain.sha)
    with pytest.raises(GithubException) as caught:
        ref.edit(commit_files(repo, plain, {WORKFLOW: "name: trivy\n"}).sha)
    assert caught.value.status == 403 and fake.branches(REPO)["vibeops/plain"] == plain.sha
    with pytest.raises(GithubException) as caught:
        repo.create_file(WORKFLOW, "add workflow", "name: trivy\n", branch="vibeops/plain")
    assert caught.value.status == 403 and caught.value.data["message"] == REFUSAL


def test_denied_workflow_writes_allow_commits_some_branch_already_has(fake):
    # GitHub only checks commits that are new to the repository: a person's workflow commit may be reused.
    fake.deny_workflow_writes(REPO)
    human = fake.push_file(REPO, "main", WORKFLOW, "name: human\n")
    repo = app_client(fake).get_repo(REPO)
    repo.create_git_ref("refs/heads/copy-of-main", human)
    assert fake.branches(REPO)["copy-of-main"] == human


# ----------------------------------------------------------------------------- faults


def test_injected_5xx_surfaces_as_github_exception_without_retry(fake):
    gh = app_client(fake, retry=None)
    fake.fail_next("GET", rf"^/repos/{REPO}$", 502)
    with pytest.raises(GithubException) as caught:
        gh.get_repo(REPO)
    assert caught.value.status == 502 and caught.value.data == {"message": "Server Error"}
    assert gh.get_repo(REPO).full_name == REPO  # the fault was used up


def test_default_retry_rides_out_ten_5xx_and_gives_up_on_the_eleventh(fake):
    gh = app_client(fake)  # PyGithub's default GithubRetry: 10 retries, no backoff, GET and POST included
    gh.get_repo(REPO)
    fake.fail_next("GET", rf"^/repos/{REPO}$", 502, times=10)
    assert gh.get_repo(REPO).full_name == REPO
    assert [s for m, p, s in fake.requests if p == f"/repos/{REPO}"][-11:] == [502] * 10 + [200]

    fake.fail_next("GET", rf"^/repos/{REPO}$", 503, times=11)
    with pytest.raises(requests.exceptions.RetryError):
        gh.get_repo(REPO)


def test_default_retry_repeats_posts_so_an_applied_then_lost_answer_duplicates_the_comment(fake):
    fake.add_issue(REPO, 5)
    issue = app_client(fake).get_repo(REPO).get_issue(5)
    fake.fail_next("POST", r"/issues/5/comments$", 502, applied=True)
    issue.create_comment("Working on it.")
    assert [c["body"] for c in fake.comments(REPO, 5)] == ["Working on it.", "Working on it."]


def test_patch_is_not_retried_by_default(fake):
    fake.add_pull(REPO, 7, head="x")
    pull = app_client(fake).get_repo(REPO).get_pull(7)
    fake.fail_next("PATCH", r"/pulls/7$", 502)
    with pytest.raises(GithubException) as caught:
        pull.edit(body="new")
    assert caught.value.status == 502


def test_delay_slows_matching_answers(fake):
    gh = app_client(fake, retry=None, timeout=1)
    gh.get_repo(REPO)
    fake.delay(0.3, "GET", r"/collaborators/")
    started = time.monotonic()
    gh.get_repo(REPO).get_collaborator_permission("alice")
    assert time.monotonic() - started >= 0.3


def test_concurrent_clients_each_get_their_comment(fake):
    fake.add_issue(REPO, 9)
    errors = []

    def comment(n: int) -> None:
        try:
            app_client(fake).get_repo(REPO).get_issue(9).create_comment(f"comment {n}")
        except Exception as error:  # surfaced through the list, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=comment, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    comments = fake.comments(REPO, 9)
    assert sorted(c["body"] for c in comments) == [f"comment {n}" for n in range(8)]
    assert len({c["id"] for c in comments}) == 8 and fake.tokens_issued == 8


# ----------------------------------------------------------------------------- response shapes


def url_fields(value, key: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from url_fields(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from url_fields(v, key)
    elif isinstance(value, str) and (key.endswith("url") or key in ("href", "self", "git", "html")):
        yield key, value


def test_every_url_field_points_at_the_fake(fake):
    fake.add_issue(REPO, 5)
    fake.add_issue_comment(REPO, 5, 101, "hi")
    fake.add_pull(REPO, 7, head="main-copy")
    fake.add_review_comment(REPO, 7, 201, "hi")
    auth = Auth.AppAuth(fake.app_id, fake.private_key_pem.decode()).get_installation_auth(INSTALLATION)
    app_client_ = Github(auth=auth, base_url=fake.base_url)
    app_client_.get_repo(REPO)
    headers = {"Authorization": f"token {auth.token}"}
    api = f"{fake.base_url}/repos/{REPO}"
    sha = fake.branches(REPO)["main"]
    tree = requests.get(f"{api}/git/commits/{sha}", headers=headers, timeout=5).json()["tree"]["sha"]
    paths = ["", "/git/ref/heads/main", "/git/matching-refs/heads", f"/git/commits/{sha}", f"/git/trees/{tree}",
             "/contents/README.md", "/contents/k8s-manifests", "/issues/5", "/issues/5/comments",
             "/issues/comments/101", "/issues/7", "/pulls/7", "/pulls?state=all", "/pulls/comments/201",
             "/pulls/7/comments", "/collaborators/alice/permission"]
    checked = 0
    for path in paths:
        response = requests.get(api + path, headers=headers, timeout=5)
        assert response.status_code == 200, path
        assert int(response.headers["X-RateLimit-Remaining"]) < int(response.headers["X-RateLimit-Limit"])
        for key, value in url_fields(response.json()):
            if key == "documentation_url":
                continue
            if value.startswith(("git://", "git@")):  # the repository's git-protocol and SSH clone URLs
                assert fake.base_url.split("://")[1] in value, (path, key, value)
            else:
                assert value.startswith(fake.base_url), (path, key, value)
            checked += 1
    assert checked > 200


# ----------------------------------------------------------------------------- webhook payloads


def test_issue_comment_payload_keeps_the_real_structure():
    # The shape's keys are GitHub's (tests/test_fakegithub_shapes.py); the builder keeps every one of them.
    real = template("webhook:issue_comment")
    built = payloads.issue_comment_created(REPO, 5, 101, "/vibeops add actionlint check", user="alice",
                                           installation_id=INSTALLATION)
    assert built.keys() == real.keys() and built["issue"].keys() == real["issue"].keys()
    assert built["comment"].keys() == real["comment"].keys()
    assert built["action"] == "created"
    assert built["installation"] == {"id": 77, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc="}
    assert (built["repository"]["full_name"], built["repository"]["name"],
            built["repository"]["owner"]["login"]) == (REPO, "shop", "acme")
    comment = built["comment"]
    assert (comment["id"], comment["body"], comment["user"]["login"], comment["user"]["type"]) == (
        101, "/vibeops add actionlint check", "alice", "User")
    assert comment["html_url"] == f"https://github.com/{REPO}/issues/5#issuecomment-101"
    assert comment["url"] == f"https://api.github.com/repos/{REPO}/issues/comments/101"
    assert built["issue"]["number"] == 5 and "pull_request" not in built["issue"]
    assert built["sender"]["login"] == "alice"


def test_pull_request_comment_payload_points_at_the_fake(fake):
    fake.add_pull(REPO, 7, head="feature")
    fake.add_issue_comment(REPO, 7, 301, "/vibeops add actionlint check", user="bob")
    built = payloads.issue_comment_created(REPO, 7, 301, "/vibeops add actionlint check", user="bob",
                                           installation_id=INSTALLATION, on_pull_request=True,
                                           base_url=fake.base_url)
    html = f"{fake.base_url}/{REPO}/pull/7"
    assert built["issue"]["pull_request"] == {"url": f"{fake.base_url}/repos/{REPO}/pulls/7", "html_url": html,
                                              "diff_url": f"{html}.diff", "patch_url": f"{html}.patch"}
    assert list(built["issue"])[list(built["issue"]).index("pull_request") + 1] == "body"
    assert all(v.startswith(fake.base_url) for k, v in url_fields(built) if v.startswith("http"))
    # The App follows the payload's comment URL with PyGithub; the fake serves that very comment.
    gh = app_client(fake)
    comment = gh.get_repo(REPO).get_issue(7).get_comment(built["comment"]["id"])
    assert comment.url == built["comment"]["url"] and comment.html_url == built["comment"]["html_url"]


def test_edited_deleted_review_comment_and_ping_payloads():
    edited = payloads.issue_comment("edited", REPO, 5, 101, "new text", previous_body="old text")
    assert edited["action"] == "edited" and edited["changes"] == {"body": {"from": "old text"}}
    assert list(edited)[:2] == ["action", "changes"]
    assert payloads.issue_comment("deleted", REPO, 5, 101, "gone")["action"] == "deleted"
    bot = payloads.issue_comment_created(REPO, 5, 102, "Opened", user="vibeops[bot]", user_type="Bot")
    assert bot["comment"]["user"]["type"] == "Bot" and bot["sender"]["login"] == "vibeops[bot]"

    review = payloads.review_comment_created(REPO, 7, 201, "/vibeops add trivy scan", user="bob",
                                             installation_id=INSTALLATION)
    assert review["action"] == "created" and review["installation"]["id"] == INSTALLATION
    assert review["comment"]["id"] == 201 and review["comment"]["user"]["login"] == "bob"
    assert review["comment"]["html_url"] == f"https://github.com/{REPO}/pull/7#discussion_r201"
    assert review["pull_request"]["number"] == 7 and review["repository"]["full_name"] == REPO

    ping = payloads.ping(app_id=4242)
    assert ping["hook"]["app_id"] == 4242 and "zen" in ping


def test_signature_headers_verify_with_hmac():
    body = payloads.dumps(payloads.ping())
    headers = payloads.headers("ping", "d-1", body, "s3cret")
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers == {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": expected,
                       "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/fake"}
    assert payloads.sign(body, "other") != expected
