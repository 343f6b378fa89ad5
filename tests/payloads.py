"""Webhook deliveries as GitHub sends them, built on the fake's own shapes (tests/fakegithub/templates.py)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import urllib.parse
import zlib
from typing import Any

from tests.fakegithub.responses import node_id
from tests.fakegithub.templates import FULL, swap, template


GITHUB_HOSTS = re.compile(r"https?://(?:[\w-]+\.)*(?:github\.com|githubusercontent\.com)")


def _swap_hosts(obj: Any, base_url: str) -> Any:
    if isinstance(obj, dict):
        return {k: _swap_hosts(v, base_url) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_swap_hosts(v, base_url) for v in obj]
    return GITHUB_HOSTS.sub(base_url, obj) if isinstance(obj, str) else obj


def _hosts(base_url: str | None) -> tuple[str, str]:
    """(API root, web root): github.com's, or both at the fake's base URL."""
    if base_url:
        return base_url.rstrip("/"), base_url.rstrip("/")
    return "https://api.github.com", "https://github.com"


def _user(template: dict, login: str, user_type: str, base_url: str | None) -> dict:
    """A user object in the template's shape, for `login`, at the same id the fake gives that login."""
    api, web = _hosts(base_url)
    old = template["login"]
    quoted = urllib.parse.quote(login)
    user = swap(copy.deepcopy(template), [(f"https://api.github.com/users/{old}", f"{api}/users/{quoted}"),
                                           (f"https://github.com/{old}", f"{web}/{quoted}")])
    uid = zlib.crc32(login.lower().encode()) % 90_000_000 + 1000  # same formula as tests.fakegithub
    user.update(login=login, id=uid, node_id=node_id("Bot" if user_type == "Bot" else "User", uid), type=user_type,
                avatar_url=f"{web}/avatars/u/{uid}" if base_url
                else f"https://avatars.githubusercontent.com/u/{uid}?v=4")
    return user


def _retarget_repo(payload: dict, template_full: str, repo_full_name: str, base_url: str | None) -> dict:
    """Rename the example repository everywhere (URLs included) and point URLs at `base_url` if given."""
    api, web = _hosts(base_url)
    pairs = [(f"https://api.github.com/repos/{template_full}", f"{api}/repos/{repo_full_name}"),
             (f"https://github.com/{template_full}", f"{web}/{repo_full_name}"),
             (f"git://github.com/{template_full}", f"git://{web.split('://', 1)[1]}/{repo_full_name}"),
             (f"git@github.com:{template_full}", f"git@{web.split('://', 1)[1]}:{repo_full_name}")]
    payload = swap(payload, pairs)
    if base_url:
        # Every other github.com host in the example (api., avatars, http:// leftovers) -> the fake.
        payload = _swap_hosts(payload, api)
    owner, name = repo_full_name.split("/")
    repository = payload["repository"]
    repository.update(name=name, full_name=repo_full_name,
                      owner=_user(repository["owner"], owner, repository["owner"]["type"], base_url))
    if "organization" in payload:
        # The example repo belongs to an organization; keep the block but name the owner.
        org = payload["organization"]
        payload["organization"] = swap(org, [(f"/orgs/{org['login']}", f"/orgs/{owner}")])
        payload["organization"]["login"] = owner
    return payload


def _installation(installation_id: int) -> dict:
    return {"id": installation_id, "node_id": node_id("IntegrationInstallation", installation_id)}


def issue_comment(action: str, repo_full_name: str, issue_number: int, comment_id: int, body: str,
                  user: str = "octocat", user_type: str = "User", installation_id: int = 1,
                  on_pull_request: bool = False, base_url: str | None = None, previous_body: str | None = None,
                  author_association: str = "NONE") -> dict:
    """An `issue_comment` delivery (created, edited or deleted) as a GitHub App receives it.

    Shaped like GitHub's `issue_comment` `created` delivery to an App (with `installation`); `edited` adds
    `changes.body.from`. For comments on a pull request the issue gets the `pull_request` block and
    `/pull/` HTML URLs, as GitHub sends them.
    """
    assert action in ("created", "edited", "deleted"), action
    payload = template("webhook:issue_comment")
    payload = _retarget_repo(payload, FULL, repo_full_name, base_url)
    api, web = _hosts(base_url)
    repo_api, repo_web = f"{api}/repos/{repo_full_name}", f"{web}/{repo_full_name}"
    commenter = _user(payload["comment"]["user"], user, user_type, base_url)

    issue = payload["issue"]
    kind = "pull" if on_pull_request else "issues"
    issue.update(url=f"{repo_api}/issues/{issue_number}",
                 labels_url=f"{repo_api}/issues/{issue_number}/labels{{/name}}",
                 comments_url=f"{repo_api}/issues/{issue_number}/comments",
                 events_url=f"{repo_api}/issues/{issue_number}/events", html_url=f"{repo_web}/{kind}/{issue_number}",
                 number=issue_number, user=_user(issue["user"], repo_full_name.split("/")[0], "User", base_url))
    issue["reactions"]["url"] = f"{repo_api}/issues/{issue_number}/reactions"
    if "timeline_url" in issue:
        issue["timeline_url"] = f"{repo_api}/issues/{issue_number}/timeline"
    if on_pull_request:
        # GitHub puts `pull_request` just before `body` in the issue object.
        html = f"{repo_web}/pull/{issue_number}"
        pull_request = {"url": f"{repo_api}/pulls/{issue_number}", "html_url": html, "diff_url": f"{html}.diff",
                        "patch_url": f"{html}.patch"}
        payload["issue"] = {}
        for key, value in issue.items():
            if key == "body":
                payload["issue"]["pull_request"] = pull_request
            payload["issue"][key] = value

    comment = payload["comment"]
    comment.update(url=f"{repo_api}/issues/comments/{comment_id}",
                   html_url=f"{repo_web}/{kind}/{issue_number}#issuecomment-{comment_id}",
                   issue_url=f"{repo_api}/issues/{issue_number}", id=comment_id,
                   node_id=node_id("IssueComment", comment_id), user=commenter, body=body,
                   author_association=author_association)
    comment["reactions"]["url"] = f"{repo_api}/issues/comments/{comment_id}/reactions"

    result = {"action": action}
    if action == "edited":
        result["changes"] = {"body": {"from": previous_body if previous_body is not None else ""}}
    result.update({k: v for k, v in payload.items() if k != "action"})
    result["sender"] = copy.deepcopy(commenter)
    result["installation"] = _installation(installation_id)
    return result


def issue_comment_created(repo_full_name: str, issue_number: int, comment_id: int, body: str,
                          user: str = "octocat", user_type: str = "User", installation_id: int = 1,
                          on_pull_request: bool = False, base_url: str | None = None,
                          author_association: str = "NONE") -> dict:
    return issue_comment("created", repo_full_name, issue_number, comment_id, body, user=user, user_type=user_type,
                         installation_id=installation_id, on_pull_request=on_pull_request, base_url=base_url,
                         author_association=author_association)


def review_comment_created(repo_full_name: str, pull_number: int, comment_id: int, body: str,
                           user: str = "octocat", user_type: str = "User", installation_id: int = 1,
                           base_url: str | None = None, head: str = "changes", base: str = "master",
                           author_association: str = "NONE") -> dict:
    """A `pull_request_review_comment` `created` delivery (the fake's shape, for this repository)."""
    payload = template("webhook:pull_request_review_comment")
    payload = _retarget_repo(payload, FULL, repo_full_name, base_url)
    api, web = _hosts(base_url)
    repo_api, repo_web = f"{api}/repos/{repo_full_name}", f"{web}/{repo_full_name}"
    commenter = _user(payload["comment"]["user"], user, user_type, base_url)
    pull_api, pull_html = f"{repo_api}/pulls/{pull_number}", f"{repo_web}/pull/{pull_number}"

    comment = payload["comment"]
    url = f"{repo_api}/pulls/comments/{comment_id}"
    comment.update(url=url, id=comment_id, node_id=node_id("PullRequestReviewComment", comment_id),
                   user=commenter, body=body, html_url=f"{pull_html}#discussion_r{comment_id}",
                   pull_request_url=pull_api, author_association=author_association,
                   _links={"self": {"href": url}, "html": {"href": f"{pull_html}#discussion_r{comment_id}"},
                           "pull_request": {"href": pull_api}})
    comment["reactions"]["url"] = f"{url}/reactions"

    pull = payload["pull_request"]
    statuses = pull["statuses_url"].rsplit("/", 1)[-1]
    pull.update(url=pull_api, html_url=pull_html, diff_url=f"{pull_html}.diff", patch_url=f"{pull_html}.patch",
                issue_url=f"{repo_api}/issues/{pull_number}", number=pull_number,
                commits_url=f"{pull_api}/commits", review_comments_url=f"{pull_api}/comments",
                comments_url=f"{repo_api}/issues/{pull_number}/comments")
    pull["_links"] = {"self": {"href": pull_api}, "html": {"href": pull_html},
                      "issue": {"href": f"{repo_api}/issues/{pull_number}"},
                      "comments": {"href": f"{repo_api}/issues/{pull_number}/comments"},
                      "review_comments": {"href": f"{pull_api}/comments"},
                      "review_comment": {"href": f"{repo_api}/pulls/comments{{/number}}"},
                      "commits": {"href": f"{pull_api}/commits"},
                      "statuses": {"href": f"{repo_api}/statuses/{statuses}"}}
    owner = repo_full_name.split("/")[0]
    for part, branch in (("head", head), ("base", base)):
        pull[part].update(label=f"{owner}:{branch}", ref=branch,
                          user=_user(pull[part]["user"], owner, "User", base_url),
                          repo=copy.deepcopy(payload["repository"]))
    payload["sender"] = copy.deepcopy(commenter)
    payload["installation"] = _installation(installation_id)
    return payload


def ping(app_id: int | None = None, hook_id: int = 109948940) -> dict:
    """A `ping` delivery to an App's webhook, optionally for another App id."""
    payload = template("webhook:ping")
    old = payload["hook_id"]
    payload = swap(payload, [(f"/hooks/{old}", f"/hooks/{hook_id}")])
    payload["hook_id"] = payload["hook"]["id"] = hook_id
    if app_id is not None:
        payload["hook"]["app_id"] = app_id
    return payload


def dumps(payload: dict) -> bytes:
    """The delivery body bytes (sign exactly these)."""
    return json.dumps(payload).encode()


def sign(body: bytes, secret: str) -> str:
    """The X-Hub-Signature-256 header value for a delivery body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers(event: str, delivery_id: str, body: bytes, secret: str) -> dict[str, str]:
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery_id, "X-Hub-Signature-256": sign(body, secret),
            "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/fake"}
