"""The JSON shapes the fake GitHub starts from, written here and handed out as fresh copies.

Each template has the keys GitHub's REST API (or webhook) puts in that object, with placeholder values for
`octocat/Hello-World` at github.com; the fake fills in its own state and rebases the URLs onto its server.
The field names follow GitHub's documented examples, which stay in the shared real-data corpus and are
read in place only by tests/test_fakegithub_shapes.py, which checks that no documented key is missing here.
"""

from __future__ import annotations

import copy
from typing import Any

API = "https://api.github.com"
WEB = "https://github.com"
OWNER, NAME = "octocat", "Hello-World"
FULL = f"{OWNER}/{NAME}"
STAMP = "2024-01-01T00:00:00Z"


def _user(login: str = OWNER, uid: int = 1, kind: str = "User") -> dict:
    base = f"{API}/users/{login}"
    return {"login": login, "id": uid, "node_id": "MDQ6VXNlcjE=", "avatar_url": f"{WEB}/images/error/{login}.gif",
            "gravatar_id": "", "url": base, "html_url": f"{WEB}/{login}", "followers_url": f"{base}/followers",
            "following_url": f"{base}/following{{/other_user}}", "gists_url": f"{base}/gists{{/gist_id}}",
            "starred_url": f"{base}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{base}/subscriptions",
            "organizations_url": f"{base}/orgs", "repos_url": f"{base}/repos",
            "events_url": f"{base}/events{{/privacy}}",
            "received_events_url": f"{base}/received_events", "type": kind, "site_admin": False}


# The repository's API links: (key, path under /repos/{owner}/{name}).
_REPO_LINKS = (
    ("archive_url", "/{archive_format}{/ref}"), ("assignees_url", "/assignees{/user}"),
    ("blobs_url", "/git/blobs{/sha}"), ("branches_url", "/branches{/branch}"),
    ("collaborators_url", "/collaborators{/collaborator}"), ("comments_url", "/comments{/number}"),
    ("commits_url", "/commits{/sha}"), ("compare_url", "/compare/{base}...{head}"),
    ("contents_url", "/contents/{+path}"), ("contributors_url", "/contributors"),
    ("deployments_url", "/deployments"), ("downloads_url", "/downloads"), ("events_url", "/events"),
    ("forks_url", "/forks"), ("git_commits_url", "/git/commits{/sha}"), ("git_refs_url", "/git/refs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"), ("issue_comment_url", "/issues/comments{/number}"),
    ("issue_events_url", "/issues/events{/number}"), ("issues_url", "/issues{/number}"),
    ("keys_url", "/keys{/key_id}"), ("labels_url", "/labels{/name}"), ("languages_url", "/languages"),
    ("merges_url", "/merges"), ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"), ("pulls_url", "/pulls{/number}"),
    ("releases_url", "/releases{/id}"), ("stargazers_url", "/stargazers"), ("statuses_url", "/statuses/{sha}"),
    ("subscribers_url", "/subscribers"), ("subscription_url", "/subscription"), ("tags_url", "/tags"),
    ("teams_url", "/teams"), ("trees_url", "/git/trees{/sha}"), ("hooks_url", "/hooks"),
)


def _repository(webhook: bool = False) -> dict:
    """A repository object: `GET /repos/{owner}/{repo}`'s shape, or the smaller one webhooks carry."""
    api = f"{API}/repos/{FULL}"
    repo: dict[str, Any] = {"id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": NAME, "full_name": FULL,
                            "private": False, "owner": _user(), "html_url": f"{WEB}/{FULL}", "description": None,
                            "fork": False, "url": api}
    repo.update({key: api + path for key, path in _REPO_LINKS})
    repo.update(git_url=f"git:github.com/{FULL}.git", ssh_url=f"git@github.com:{FULL}.git",
                clone_url=f"{WEB}/{FULL}.git", svn_url=f"https://svn.github.com/{FULL}", mirror_url=None,
                homepage=None, language=None, size=0, forks_count=0, forks=0, stargazers_count=0, watchers_count=0,
                watchers=0, open_issues_count=0, open_issues=0, default_branch="main", is_template=False, topics=[],
                has_issues=True, has_projects=True, has_wiki=True, has_pages=False, has_downloads=True,
                has_discussions=False, archived=False, disabled=False, visibility="public", license=None,
                pushed_at=STAMP, created_at=STAMP, updated_at=STAMP)
    if webhook:
        repo.update(web_commit_signoff_required=False, custom_properties={})
        return repo
    repo.update(permissions={"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
                allow_rebase_merge=True, allow_squash_merge=True, allow_auto_merge=False,
                delete_branch_on_merge=False, allow_merge_commit=True, allow_forking=True, template_repository=None,
                temp_clone_token=None, subscribers_count=0, network_count=0)
    return repo


def _reactions(url: str) -> dict:
    counts = dict.fromkeys(("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"), 0)
    return {"url": url, "total_count": 0, **counts}


def _issue() -> dict:
    api = f"{API}/repos/{FULL}/issues/1"
    return {"url": api, "repository_url": f"{API}/repos/{FULL}", "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments", "events_url": f"{api}/events", "html_url": f"{WEB}/{FULL}/issues/1",
            "id": 1, "node_id": "MDU6SXNzdWUx", "number": 1, "title": "", "user": _user(), "labels": [],
            "state": "open", "locked": False, "assignee": None, "assignees": [], "milestone": None, "comments": 0,
            "created_at": STAMP, "updated_at": STAMP, "closed_at": None, "author_association": "NONE",
            "active_lock_reason": None, "body": "", "closed_by": None, "reactions": _reactions(f"{api}/reactions"),
            "timeline_url": f"{api}/timeline", "performed_via_github_app": None, "state_reason": None}


def _issue_comment() -> dict:
    api = f"{API}/repos/{FULL}/issues"
    return {"id": 1, "node_id": "MDEyOklzc3VlQ29tbWVudDE=", "url": f"{api}/comments/1",
            "html_url": f"{WEB}/{FULL}/issues/1#issuecomment-1", "body": "", "user": _user(),
            "created_at": STAMP, "updated_at": STAMP, "issue_url": f"{api}/1", "author_association": "NONE",
            "performed_via_github_app": None, "reactions": _reactions(f"{api}/comments/1/reactions"),
            "pin": None, "minimized": None}


def _review_comment() -> dict:
    api = f"{API}/repos/{FULL}/pulls"
    html = f"{WEB}/{FULL}/pull/1"
    return {"url": f"{api}/comments/1", "pull_request_review_id": 1, "id": 1, "node_id": "MDI0OlB1bGxSZXF1ZXN0UkM=",
            "diff_hunk": "@@ -1 +1 @@", "path": "README.md", "position": 1, "original_position": 1,
            "commit_id": "0" * 40, "original_commit_id": "0" * 40, "user": _user(), "body": "",
            "created_at": STAMP, "updated_at": STAMP, "html_url": f"{html}#discussion_r1",
            "pull_request_url": f"{api}/1", "author_association": "NONE",
            "_links": {"self": {"href": f"{api}/comments/1"}, "html": {"href": f"{html}#discussion_r1"},
                       "pull_request": {"href": f"{api}/1"}},
            "reactions": _reactions(f"{api}/comments/1/reactions"), "start_line": None,
            "original_start_line": None, "start_side": None, "line": 1, "original_line": 1, "side": "RIGHT",
            "subject_type": "line"}


def _pull(webhook: bool = False) -> dict:
    api = f"{API}/repos/{FULL}"
    html = f"{WEB}/{FULL}/pull/1"

    def end(ref: str) -> dict:
        return {"label": f"{OWNER}:{ref}", "ref": ref, "sha": "0" * 40, "user": _user(),
                "repo": _repository(webhook)}

    pull = {"url": f"{api}/pulls/1", "id": 1, "node_id": "MDExOlB1bGxSZXF1ZXN0MQ==", "html_url": html,
            "diff_url": f"{html}.diff", "patch_url": f"{html}.patch", "issue_url": f"{api}/issues/1",
            "commits_url": f"{api}/pulls/1/commits", "review_comments_url": f"{api}/pulls/1/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}", "comments_url": f"{api}/issues/1/comments",
            "statuses_url": f"{api}/statuses/{'0' * 40}", "number": 1, "state": "open", "locked": False,
            "title": "", "user": _user(), "body": "", "labels": [], "milestone": None, "active_lock_reason": None,
            "created_at": STAMP, "updated_at": STAMP, "closed_at": None, "merged_at": None,
            "merge_commit_sha": None, "assignee": None, "assignees": [], "requested_reviewers": [],
            "requested_teams": [], "head": end("changes"), "base": end("main"),
            "_links": {name: {"href": href} for name, href in (
                ("self", f"{api}/pulls/1"), ("html", html), ("issue", f"{api}/issues/1"),
                ("comments", f"{api}/issues/1/comments"), ("review_comments", f"{api}/pulls/1/comments"),
                ("review_comment", f"{api}/pulls/comments{{/number}}"), ("commits", f"{api}/pulls/1/commits"),
                ("statuses", f"{api}/statuses/{'0' * 40}"))},
            "author_association": "NONE"}
    if not webhook:
        pull.update(auto_merge=None, draft=False, merged=False, mergeable=None, rebaseable=None,
                    mergeable_state="unknown", merged_by=None, comments=0, review_comments=0,
                    maintainer_can_modify=False, commits=1, additions=0, deletions=0, changed_files=0)
    return pull


def _installation() -> dict:
    return {"id": 1, "account": _user(), "repository_selection": "selected",
            "access_tokens_url": f"{API}/app/installations/1/access_tokens",
            "repositories_url": f"{API}/installation/repositories", "html_url": f"{WEB}/settings/installations/1",
            "app_id": 1, "client_id": "Iv1.placeholder", "target_id": 1, "target_type": "User",
            "permissions": {}, "events": [], "created_at": STAMP, "updated_at": STAMP, "single_file_name": None,
            "has_multiple_single_files": False, "single_file_paths": [], "app_slug": "placeholder",
            "suspended_at": None, "suspended_by": None}


def _check_run() -> dict:
    api = f"{API}/repos/{FULL}"
    app = {"id": 1, "slug": "placeholder", "node_id": "MDExOkludGVncmF0aW9uMQ==", "owner": _user(),
           "name": "placeholder", "description": "", "external_url": WEB, "html_url": f"{WEB}/apps/placeholder",
           "created_at": STAMP, "updated_at": STAMP, "permissions": {}, "events": []}
    return {"id": 1, "head_sha": "0" * 40, "node_id": "MDg6Q2hlY2tSdW4x", "external_id": "",
            "url": f"{api}/check-runs/1", "html_url": f"{WEB}/{FULL}/runs/1", "details_url": None,
            "status": "completed", "conclusion": "neutral", "started_at": STAMP, "completed_at": STAMP,
            "output": {"title": "", "summary": "", "text": "", "annotations_count": 0,
                       "annotations_url": f"{api}/check-runs/1/annotations"},
            "name": "", "check_suite": {"id": 1}, "app": app, "pull_requests": []}


def _webhook(body: dict) -> dict:
    return {**body, "repository": _repository(webhook=True), "sender": _user()}


def _issue_comment_delivery() -> dict:
    dropped = ("closed_by", "performed_via_github_app", "state_reason", "timeline_url")
    issue = {**{k: v for k, v in _issue().items() if k not in dropped}, "draft": False}
    comment = {k: v for k, v in _issue_comment().items() if k not in ("pin", "minimized")}
    return _webhook({"action": "created", "issue": issue, "comment": comment,
                     "installation": {"id": 1, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="}})


def _review_comment_delivery() -> dict:
    return _webhook({"action": "created", "comment": _review_comment(), "pull_request": _pull(webhook=True),
                     "installation": {"id": 1, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ=="}})


def _ping_delivery() -> dict:
    hook = f"{API}/repos/{FULL}/hooks/1"
    return _webhook({"zen": "Ship small, ship often.", "hook_id": 1,
                     "hook": {"type": "App", "id": 1, "name": "web", "active": True, "app_id": 1,
                              "events": ["issue_comment", "pull_request_review_comment"],
                              "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://example.invalid"},
                              "updated_at": STAMP, "created_at": STAMP, "url": hook, "test_url": f"{hook}/test",
                              "ping_url": f"{hook}/pings", "deliveries_url": f"{hook}/deliveries",
                              "last_response": {"code": None, "status": "unused", "message": None}}})


_BUILDERS = {
    "apps__create-installation-access-token.201": lambda: {
        "token": "", "expires_at": STAMP, "permissions": {}, "repository_selection": "selected", "repositories": []},
    "apps__get-repo-installation.200": _installation,
    "checks__create.201.example-of-completed-conclusion": _check_run,
    "issue": _issue,
    "issues__create-comment.201": _issue_comment,
    "pulls__create.201": _pull,
    "reactions__create-for-issue-comment.201": lambda: {
        "id": 1, "node_id": "MDg6UmVhY3Rpb24x", "user": _user(), "content": "+1", "created_at": STAMP},
    "repos__get.200": _repository,
    "review-comment": _review_comment,
    "webhook:issue_comment": _issue_comment_delivery,
    "webhook:pull_request_review_comment": _review_comment_delivery,
    "webhook:ping": _ping_delivery,
}
NAMES = tuple(_BUILDERS)


def template(name: str) -> Any:
    """A fresh copy of one shape (an API response, or `webhook:<event>` for a delivery body)."""
    return copy.deepcopy(_BUILDERS[name]())


def swap(obj: Any, pairs: list[tuple[str, str]]) -> Any:
    """Replace substrings in every string of a template (never applied to user content)."""
    if isinstance(obj, dict):
        return {k: swap(v, pairs) for k, v in obj.items()}
    if isinstance(obj, list):
        return [swap(v, pairs) for v in obj]
    if isinstance(obj, str):
        for old, new in pairs:
            obj = obj.replace(old, new)
    return obj
