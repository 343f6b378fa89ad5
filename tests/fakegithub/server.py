"""The FakeGitHub server: lifecycle, test setup and inspection helpers, faults, request dispatch."""

from __future__ import annotations

import copy
import json
import re
import secrets
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.fakegithub.handling import DOCS, Ctx, Reply
from tests.fakegithub.objects import EMPTY_TREE
from tests.fakegithub.responses import Responses
from tests.fakegithub.routes import route_table
from tests.fakegithub.routes_apps import AppRoutes
from tests.fakegithub.routes_git import GitRoutes
from tests.fakegithub.routes_issues import IssueRoutes
from tests.fakegithub.routes_pulls import PullRoutes
from tests.fakegithub.routes_repos import RepoRoutes
from tests.fakegithub.state import ROLES, Comment, Installation, Issue, Pull, Repo, person


@dataclass
class Fault:
    """A planned answer or delay for the next `times` requests that match."""

    method: str
    pattern: re.Pattern
    times: int
    status: int = 0
    body: dict | None = None
    headers: dict | None = None
    seconds: float = 0.0
    applied: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method in (method, "*") and bool(self.pattern.search(path))


class _QuietHandler(WSGIRequestHandler):
    """Keep the test output clean: no access log line per request."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class FakeGitHub(AppRoutes, RepoRoutes, GitRoutes, IssueRoutes, PullRoutes, Responses):
    """A small, stateful GitHub that PyGithub can talk to through `base_url`.

    Covers what a GitHub App that answers comments with pull requests needs: App JWT -> installation
    token, repository/collaborator lookups, git data (blobs, trees, commits, refs), contents, tarballs,
    issues, comments, reactions, labels, pulls and review-comment replies. Responses have the shapes of
    GitHub's documented examples (tests/fakegithub/templates.py); every `*url` field points at this
    server. All items come on one page (no Link header). Differences from github.com worth knowing:

    * The collaborator-permission endpoint answers 200 `{"permission": "none", "role_name": "none"}`
      for users it does not know; real GitHub answers 404 for non-collaborators on some plans.
    * Access tokens are `ghs_…` strings valid for one hour (or until `expire_tokens()`).
    * A refused workflow write (see `deny_workflow_writes`) answers 403 with GitHub's message.
    """

    def __init__(self, app_id: int = 4242, private_key_pem: bytes | None = None, app_slug: str = "vibeops"):
        if private_key_pem is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            private_key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption())
        self.app_id = app_id
        self.app_slug = app_slug
        self.bot_login = f"{app_slug}[bot]"
        self.private_key_pem = private_key_pem
        self._public_key = serialization.load_pem_private_key(private_key_pem, password=None).public_key()
        self._lock = threading.RLock()
        self._repos: dict[str, Repo] = {}
        self._installations: dict[int, Installation] = {}
        self._teams: dict[str, set[str]] = {}  # "org/slug" -> member logins
        self._check_runs: dict[str, list[dict]] = {}
        self._tokens: dict[str, tuple[int, float]] = {}  # token -> (installation id, expiry epoch)
        self._faults: list[Fault] = []
        self._delays: list[Fault] = []
        self._next_id = 1_000_000
        self._reset_at = int(time.time()) + 3600
        self.tokens_issued = 0
        self.archive_token = "ARCHIVE" + secrets.token_hex(12)  # in every tarball redirect's query, like codeload's
        self.requests: list[tuple[str, str, int]] = []
        self.server_errors: list[str] = []  # tracebacks of handler crashes (answered with 500)
        self.base_url = ""
        self._server = None
        self._thread: threading.Thread | None = None
        self._routes = route_table(self)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> str:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll interval keeps stop() quick (shutdown waits for the serve loop to notice).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name="fakegithub", daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ setup

    def add_installation(self, installation_id: int, repos: list[str], permissions: dict | None = None) -> None:
        perms = permissions or {"contents": "write", "pull_requests": "write", "issues": "write",
                                "workflows": "write", "metadata": "read"}
        with self._lock:
            self._installations[installation_id] = Installation(installation_id, [r.lower() for r in repos],
                                                                 dict(perms))

    def add_repo(self, full_name: str, files: dict[str, str | bytes | tuple[str, str | bytes]],
                 default_branch: str = "main") -> None:
        """One initial commit. A file value may be `(mode, content)`: "100755" executable, "120000" symlink."""
        owner, name = full_name.split("/")
        with self._lock:
            repo = Repo(owner, name, self._new_id(), default_branch)
            flat = {}
            for path, value in files.items():
                mode, content = value if isinstance(value, tuple) else ("100644", value)
                flat[path] = (mode, repo.put_blob(content.encode() if isinstance(content, str) else content))
            who = person(owner)
            sha = repo.put_commit(repo.build(flat), [], "Initial commit", who, who)
            repo.refs[f"refs/heads/{default_branch}"] = sha
            self._repos[full_name.lower()] = repo

    def set_permission(self, full_name: str, login: str, role: str) -> None:
        assert role in ROLES, role
        with self._lock:
            self._repo(full_name).roles[login.lower()] = role

    def add_issue(self, full_name: str, number: int, title: str = "An issue", user: str = "octocat") -> None:
        with self._lock:
            self._repo(full_name).issues[number] = Issue(number, title, user)

    def add_pull(self, full_name: str, number: int, head: str, base: str = "main", user: str = "octocat",
                 body: str | None = None) -> None:
        """A pull request from branch `head`; the branch need not exist (then head.sha is the base's)."""
        with self._lock:
            repo = self._repo(full_name)
            sha = repo.refs.get(f"refs/heads/{head}") or repo.refs.get(f"refs/heads/{base}") or EMPTY_TREE
            repo.issues[number] = Issue(number, f"Pull request from {head}", user, body=body, is_pull=True)
            repo.pulls[number] = Pull(number, self._new_id(), head, base, user, sha)

    def add_fork_pull(self, full_name: str, number: int, fork_owner: str, head: str, files: dict[str, str],
                      base: str = "main", body: str | None = None, author: str | None = None) -> str:
        """A pull request from branch `head` of `fork_owner`'s fork, one commit on `base` changing `files`.

        As on GitHub, the fork's commits are readable here and its head is `refs/pull/N/head`; the
        fork's branch is no branch of this repository, even when a branch here has the same name.
        """
        with self._lock:
            repo = self._repo(full_name)
            parent = repo.refs[f"refs/heads/{base}"]
            flat = repo.flat(repo.tree_of(parent))
            for path, text in files.items():
                flat[path] = ("100644", repo.put_blob(text.encode()))
            who = person(author or fork_owner)
            sha = repo.put_commit(repo.build(flat), [parent], "a change from a fork", who, who)
            repo.refs[f"refs/pull/{number}/head"] = sha
            repo.issues[number] = Issue(number, f"Pull request from {fork_owner}:{head}", fork_owner, body=body,
                                        is_pull=True)
            repo.pulls[number] = Pull(number, self._new_id(), head, base, fork_owner, sha,
                                      head_repo=f"{fork_owner}/{repo.name}")
            return sha

    def add_issue_comment(self, full_name: str, issue_number: int, comment_id: int, body: str,
                          user: str = "octocat") -> None:
        with self._lock:
            repo = self._repo(full_name)
            assert issue_number in repo.issues, f"add_issue/add_pull {issue_number} first"
            repo.issue_comments[comment_id] = Comment(comment_id, issue_number, body, user)

    def add_review_comment(self, full_name: str, pull_number: int, comment_id: int, body: str,
                           user: str = "octocat") -> None:
        with self._lock:
            repo = self._repo(full_name)
            pull = repo.pulls[pull_number]
            repo.review_comments[comment_id] = Comment(comment_id, pull_number, body, user,
                                                        commit_id=repo.pull_head_sha(pull))

    def create_branch(self, full_name: str, branch: str, from_ref: str = "main") -> str:
        """A new branch at `from_ref`, as `git push origin main:branch` would make it."""
        with self._lock:
            repo = self._repo(full_name)
            sha = repo.resolve(from_ref)
            repo.refs[f"refs/heads/{branch}"] = sha
            return sha

    def push_file(self, full_name: str, branch: str, path: str, text: str | bytes, message: str = "human edit",
                  author: str = "human") -> str:
        """A new commit on an existing branch, as a person would push it (no permission checks)."""
        with self._lock:
            repo = self._repo(full_name)
            parent = repo.refs[f"refs/heads/{branch}"]
            flat = repo.flat(repo.tree_of(parent))
            flat[path] = (flat.get(path, ("100644", ""))[0],
                          repo.put_blob(text.encode() if isinstance(text, str) else text))
            who = person(author)
            sha = repo.put_commit(repo.build(flat), [parent], message, who, who)
            repo.refs[f"refs/heads/{branch}"] = sha
            return sha

    # ------------------------------------------------------------------ inspection

    def branches(self, full_name: str) -> dict[str, str]:
        with self._lock:
            return {ref[len("refs/heads/"):]: sha for ref, sha in self._repo(full_name).refs.items()
                    if ref.startswith("refs/heads/")}

    def file_at(self, full_name: str, ref: str, path: str) -> str | None:
        with self._lock:
            repo = self._repo(full_name)
            sha = repo.resolve(ref)
            entry = repo.flat(repo.tree_of(sha)).get(path) if sha else None
            return repo.objects[entry[1]][1].decode("utf-8", "replace") if entry else None

    def commits_on(self, full_name: str, branch: str) -> list[str]:
        with self._lock:
            repo = self._repo(full_name)
            out, sha = [], repo.refs.get(f"refs/heads/{branch}")
            while sha:
                out.append(sha)
                parents = repo.commit(sha)["parents"]
                sha = parents[0] if parents else None
            return out

    def commit_info(self, full_name: str, sha: str) -> dict:
        """message, parents, tree, author and committer of a commit object."""
        with self._lock:
            return copy.deepcopy(self._repo(full_name).commit(sha))

    def close_pull(self, full_name: str, number: int) -> None:
        """Close a pull request as a person would on github.com (not merged)."""
        with self._lock:
            repo = self._repo(full_name)
            repo.pulls[number].last_head_sha = repo.pull_head_sha(repo.pulls[number])
            repo.issues[number].state = "closed"

    def check_runs(self, full_name: str) -> list[dict]:
        with self._lock:
            return [dict(run) for run in self._check_runs.get(full_name, [])]

    def add_team(self, team: str, members: list[str]) -> None:
        """An organisation team ("org/slug") and its active members."""
        with self._lock:
            self._teams[team.lower()] = {m.lower() for m in members}

    def pulls(self, full_name: str) -> list[dict]:
        with self._lock:
            repo = self._repo(full_name)
            return [{"number": n, "title": repo.issues[n].title, "body": repo.issues[n].body, "head": p.head,
                     "base": p.base, "state": repo.issues[n].state, "labels": list(repo.issues[n].labels),
                     "user": p.user, "draft": p.draft, "reviewers": list(p.reviewers),
                     "html_url": f"{self.base_url}/{full_name}/pull/{n}"} for n, p in sorted(repo.pulls.items())]

    def comments(self, full_name: str, issue_number: int) -> list[dict]:
        with self._lock:
            return [{"id": c.id, "body": c.body, "user": c.user}
                    for c in self._repo(full_name).issue_comments.values() if c.number == issue_number]

    def review_replies(self, full_name: str, pull_number: int) -> list[dict]:
        with self._lock:
            return [{"id": c.id, "body": c.body, "user": c.user, "in_reply_to_id": c.in_reply_to}
                    for c in self._repo(full_name).review_comments.values()
                    if c.number == pull_number and c.in_reply_to is not None]

    def reactions(self, full_name: str, comment_id: int) -> list[str]:
        """Reaction contents on an issue comment and/or review comment with this id, oldest first."""
        with self._lock:
            repo = self._repo(full_name)
            found = repo.reactions.get(("issue", comment_id), []) + repo.reactions.get(("pull", comment_id), [])
            return [content for _, _, content, _ in sorted(found)]

    # ------------------------------------------------------------------ faults

    def fail_next(self, method: str, path_regex: str, status: int, times: int = 1, body: dict | None = None,
                  headers: dict | None = None, applied: bool = False) -> None:
        """The next `times` requests matching (method or "*", re.search on the path) get this answer.

        By default the request is refused before any other handling. With `applied=True` it is carried
        out first and only the answer is lost, as when GitHub creates a pull request and then times out.
        """
        with self._lock:
            self._faults.append(Fault(method.upper(), re.compile(path_regex), times, status,
                                       body if body is not None else {"message": "Server Error"}, headers,
                                       applied=applied))

    def clear_faults(self) -> None:
        """Forget pending fail_next and delay entries."""
        with self._lock:
            self._faults.clear()
            self._delays.clear()

    def deny_workflow_writes(self, full_name: str) -> None:
        """Act as if the App lacks the `workflows` permission on this repository."""
        with self._lock:
            self._repo(full_name).deny_workflows = True

    def delay(self, seconds: float, method: str = "GET", path_regex: str = ".*", times: int = 1) -> None:
        with self._lock:
            self._delays.append(Fault(method.upper(), re.compile(path_regex), times, seconds=seconds))

    def expire_tokens(self) -> None:
        """Every installation token issued so far now answers 401 Bad credentials."""
        with self._lock:
            self._tokens = {token: (inst, 0.0) for token, (inst, _) in self._tokens.items()}

    # ------------------------------------------------------------------ plumbing

    def _new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _repo(self, full_name: str) -> Repo:
        return self._repos[full_name.lower()]

    def _rate_headers(self) -> dict[str, str]:
        used = len(self.requests) + 1
        return {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(max(0, 5000 - used)),
                "X-RateLimit-Reset": str(self._reset_at), "X-RateLimit-Used": str(used),
                "X-RateLimit-Resource": "core", "X-GitHub-Media-Type": "github.v3; format=json",
                "X-GitHub-Api-Version-Selected": "2022-11-28", "X-GitHub-Request-Id": f"FAKE:{used:08d}"}

    def _take(self, queue: list[Fault], method: str, path: str) -> Fault | None:
        for fault in queue:
            if fault.matches(method, path):
                fault.times -= 1
                return fault
        return None

    def _wsgi(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        method, path = request.method.upper(), request.path
        with self._lock:
            slow = self._take(self._delays, method, path)
        if slow:
            time.sleep(slow.seconds)  # outside the lock, so other requests are not held up
        with self._lock:
            fault = self._take(self._faults, method, path)
            if fault and fault.applied:
                self._dispatch(request, method, path)
            if fault:
                response = self._json(fault.status, fault.body, fault.headers or {})
            else:
                response = self._dispatch(request, method, path)
            self.requests.append((method, path, response.status_code))
        return response(environ, start_response)

    def _json(self, status: int, body: Any, headers: dict | None = None) -> Response:
        headers = {**self._rate_headers(), **(headers or {})}
        if status in (204, 302) or body is None:
            return Response(b"", status=status, headers=headers)
        return Response(json.dumps(body), status=status, headers=headers,
                        content_type="application/json; charset=utf-8")

    def _dispatch(self, request: Request, method: str, path: str) -> Response:
        for verb, pattern, auth, handler in self._routes:
            match = pattern.fullmatch(path)
            if not match or verb != method:
                continue
            try:
                raw = request.get_data()
                # werkzeug has already percent-decoded the path, so %2F in a ref arrives as "/".
                ctx = Ctx(request, match.groupdict(), json.loads(raw) if raw.strip() else None)
                self._authorize(ctx, auth)
                result = handler(ctx)
                if isinstance(result, Response):
                    result.headers.update(self._rate_headers())
                    return result
                status, body, *extra = result
                return self._json(status, body, extra[0] if extra else None)
            except Reply as reply:
                return self._json(reply.status, reply.body)
            except json.JSONDecodeError:
                return self._json(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
            except Exception:  # a bug in the fake: answer 500 and keep the traceback for the test
                self.server_errors.append(traceback.format_exc())
                print(self.server_errors[-1], file=sys.stderr)
                return self._json(500, {"message": "fakegithub crashed; see server_errors"})
        return self._json(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
