"""A stateful fake GitHub REST API served over loopback HTTP, for driving PyGithub in tests."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import io
import json
import re
import sys
import tarfile
import threading
import time
import traceback
import urllib.parse
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "api"
SPEC = FIXTURES / "spec-examples"
RECORDED = FIXTURES / "recorded-octokit-fixtures"

DOCS = "https://docs.github.com/rest"
ROLES = ("admin", "maintain", "write", "triage", "read", "none")
# GitHub's legacy `permission` field folds the five roles into admin/write/read/none.
LEGACY_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read",
                     "none": "none"}
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
WORKFLOWS_DIR = ".github/workflows/"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
# Keys GitHub leaves out of the pull request items of `GET /pulls` (pulls__list vs pulls__create).
PULL_DETAIL_KEYS = ("merged", "mergeable", "rebaseable", "mergeable_state", "merged_by", "comments",
                    "review_comments", "maintainer_can_modify", "commits", "additions", "deletions", "changed_files")


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


_TEMPLATES: dict[str, Any] = {}


def _template(name: str) -> Any:
    """A fresh copy of a spec example (or a recorded response), loaded once."""
    if name not in _TEMPLATES:
        if name == "issue":
            _TEMPLATES[name] = _load(RECORDED / "add-labels-to-issue.normalized-fixture.json")[0]["response"]
        elif name == "review-comment":
            # The REST API returns review comments in the same shape as the webhook's `comment`.
            webhook = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "webhooks"
            _TEMPLATES[name] = _load(webhook / "pull_request_review_comment" / "created.payload.json")["comment"]
        else:
            _TEMPLATES[name] = _load(SPEC / f"{name}.json")
    return copy.deepcopy(_TEMPLATES[name])


def _swap(obj: Any, pairs: list[tuple[str, str]]) -> Any:
    """Replace substrings in every string of a template (never applied to user content)."""
    if isinstance(obj, dict):
        return {k: _swap(v, pairs) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_swap(v, pairs) for v in obj]
    if isinstance(obj, str):
        for old, new in pairs:
            obj = obj.replace(old, new)
    return obj


def node_id(kind: str, ident: object) -> str:
    """GitHub's legacy global node id: base64 of `0<len>:<Type><id>` (e.g. MDQ6VXNlcjE= for user 1)."""
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _git_hash(kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


class _Reply(Exception):
    """Raised by handlers to answer with an error status."""

    def __init__(self, status: int, message: str, docs: str = DOCS, **extra: Any):
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "documentation_url": docs, "status": str(status), **extra}


def _not_found(docs: str = DOCS) -> _Reply:
    return _Reply(404, "Not Found", docs)


def _validation(errors: list[dict], docs: str) -> _Reply:
    return _Reply(422, "Validation Failed", docs, errors=errors)


# --------------------------------------------------------------------------- state


@dataclass
class _Issue:
    number: int
    title: str
    user: str
    body: str | None = None
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    is_pull: bool = False
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)
    closed_at: str | None = None


@dataclass
class _Pull:
    number: int
    id: int
    head: str
    base: str
    user: str
    last_head_sha: str
    draft: bool = False


@dataclass
class _Comment:
    id: int
    number: int  # issue or pull request number
    body: str
    user: str
    created_at: str = field(default_factory=_now)
    in_reply_to: int | None = None
    path: str = "README.md"
    commit_id: str = ""


@dataclass
class _Installation:
    id: int
    repos: list[str]
    permissions: dict[str, str]


@dataclass
class _Repo:
    owner: str
    name: str
    id: int
    default_branch: str
    objects: dict[str, tuple[str, Any]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # "refs/heads/main" -> commit sha
    roles: dict[str, str] = field(default_factory=dict)
    issues: dict[int, _Issue] = field(default_factory=dict)
    pulls: dict[int, _Pull] = field(default_factory=dict)
    issue_comments: dict[int, _Comment] = field(default_factory=dict)
    review_comments: dict[int, _Comment] = field(default_factory=dict)
    # (kind, comment id) -> [(reaction id, user, content, created_at)], kind "issue" or "pull"
    reactions: dict[tuple[str, int], list[tuple[int, str, str, str]]] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    deny_workflows: bool = False
    created_at: str = field(default_factory=_now)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    # ---- git objects, with real git object ids

    def put_blob(self, data: bytes) -> str:
        sha = _git_hash("blob", data)
        self.objects[sha] = ("blob", data)
        return sha

    def put_tree(self, entries: list[tuple[str, str, str]]) -> str:
        """entries: (mode, name, sha) with API modes (040000 for trees)."""
        def order(entry: tuple[str, str, str]) -> bytes:
            mode, name, _ = entry
            return (name + "/" if mode == "040000" else name).encode()

        entries = sorted(entries, key=order)
        raw = b"".join(f"{'40000' if m == '040000' else m} {n}".encode() + b"\0" + bytes.fromhex(s)
                       for m, n, s in entries)
        sha = _git_hash("tree", raw)
        self.objects[sha] = ("tree", entries)
        return sha

    def put_commit(self, tree: str, parents: list[str], message: str, author: dict, committer: dict) -> str:
        def sig(who: dict) -> str:
            stamp = int(datetime.strptime(who["date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())
            return f"{who['name']} <{who['email']}> {stamp} +0000"

        lines = [f"tree {tree}", *(f"parent {p}" for p in parents), f"author {sig(author)}",
                 f"committer {sig(committer)}", "", message]
        sha = _git_hash("commit", "\n".join(lines).encode())
        self.objects[sha] = ("commit", {"tree": tree, "parents": list(parents), "message": message,
                                        "author": dict(author), "committer": dict(committer)})
        return sha

    def kind(self, sha: str) -> str | None:
        entry = self.objects.get(sha)
        return entry[0] if entry else None

    def commit(self, sha: str) -> dict:
        return self.objects[sha][1]

    def flat(self, tree_sha: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """path -> (mode, sha) for every non-tree entry below a tree."""
        out: dict[str, tuple[str, str]] = {}
        if tree_sha == EMPTY_TREE and tree_sha not in self.objects:
            return out
        for mode, name, sha in self.objects[tree_sha][1]:
            if mode == "040000":
                out.update(self.flat(sha, f"{prefix}{name}/"))
            else:
                out[f"{prefix}{name}"] = (mode, sha)
        return out

    def build(self, flat: dict[str, tuple[str, str]]) -> str:
        """Write nested trees for a flat path map; returns the root tree sha."""
        here: list[tuple[str, str, str]] = []
        children: dict[str, dict[str, tuple[str, str]]] = {}
        for path, (mode, sha) in flat.items():
            head, sep, rest = path.partition("/")
            if sep:
                children.setdefault(head, {})[rest] = (mode, sha)
            else:
                here.append((mode, head, sha))
        for name, sub in children.items():
            here.append(("040000", name, self.build(sub)))
        return self.put_tree(here)

    def ancestors(self, sha: str) -> set[str]:
        seen: set[str] = set()
        todo = [sha]
        while todo:
            current = todo.pop()
            if current in seen or self.kind(current) != "commit":
                continue
            seen.add(current)
            todo.extend(self.commit(current)["parents"])
        return seen

    def resolve(self, ref: str) -> str | None:
        """A branch/tag name, `heads/x`, `refs/heads/x`, or a (short) commit sha -> commit sha."""
        for candidate in (ref, f"refs/{ref}", f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if candidate in self.refs:
                return self.refs[candidate]
        if self.kind(ref) == "commit":
            return ref
        if re.fullmatch(r"[0-9a-f]{7,39}", ref or ""):
            found = [s for s, (k, _) in self.objects.items() if k == "commit" and s.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    def tree_of(self, commit_sha: str) -> str:
        return self.commit(commit_sha)["tree"]


@dataclass
class _Fault:
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


@dataclass
class _Ctx:
    request: Request
    params: dict[str, str]
    body: Any
    repo: _Repo | None = None
    installation: int | None = None


class _QuietHandler(WSGIRequestHandler):
    """Keep the test output clean: no access log line per request."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


# --------------------------------------------------------------------------- the fake


class FakeGitHub:
    """A small, stateful GitHub that PyGithub can talk to through `base_url`.

    Covers what a GitHub App that answers comments with pull requests needs: App JWT -> installation
    token, repository/collaborator lookups, git data (blobs, trees, commits, refs), contents, tarballs,
    issues, comments, reactions, labels, pulls and review-comment replies. Responses follow the spec
    examples in fixtures/github/api; every `*url` field points at this server. All items come on one
    page (no Link header). Differences from github.com worth knowing:

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
        self._repos: dict[str, _Repo] = {}
        self._installations: dict[int, _Installation] = {}
        self._tokens: dict[str, tuple[int, float]] = {}  # token -> (installation id, expiry epoch)
        self._faults: list[_Fault] = []
        self._delays: list[_Fault] = []
        self._next_id = 1_000_000
        self._reset_at = int(time.time()) + 3600
        self.tokens_issued = 0
        self.requests: list[tuple[str, str, int]] = []
        self.server_errors: list[str] = []  # tracebacks of handler crashes (answered with 500)
        self.base_url = ""
        self._server = None
        self._thread: threading.Thread | None = None
        self._routes = self._make_routes()

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
            self._installations[installation_id] = _Installation(installation_id, [r.lower() for r in repos],
                                                                 dict(perms))

    def add_repo(self, full_name: str, files: dict[str, str | bytes | tuple[str, str | bytes]],
                 default_branch: str = "main") -> None:
        """One initial commit. A file value may be `(mode, content)`: "100755" executable, "120000" symlink."""
        owner, name = full_name.split("/")
        with self._lock:
            repo = _Repo(owner, name, self._new_id(), default_branch)
            flat = {}
            for path, value in files.items():
                mode, content = value if isinstance(value, tuple) else ("100644", value)
                flat[path] = (mode, repo.put_blob(content.encode() if isinstance(content, str) else content))
            who = {"name": owner, "email": f"{owner}@users.noreply.example", "date": _now()}
            sha = repo.put_commit(repo.build(flat), [], "Initial commit", who, who)
            repo.refs[f"refs/heads/{default_branch}"] = sha
            self._repos[full_name.lower()] = repo

    def set_permission(self, full_name: str, login: str, role: str) -> None:
        assert role in ROLES, role
        with self._lock:
            self._repo(full_name).roles[login.lower()] = role

    def add_issue(self, full_name: str, number: int, title: str = "An issue", user: str = "octocat") -> None:
        with self._lock:
            self._repo(full_name).issues[number] = _Issue(number, title, user)

    def add_pull(self, full_name: str, number: int, head: str, base: str = "main", user: str = "octocat") -> None:
        """A pull request from branch `head`; the branch need not exist (then head.sha is the base's)."""
        with self._lock:
            repo = self._repo(full_name)
            sha = repo.refs.get(f"refs/heads/{head}") or repo.refs.get(f"refs/heads/{base}") or EMPTY_TREE
            repo.issues[number] = _Issue(number, f"Pull request from {head}", user, is_pull=True)
            repo.pulls[number] = _Pull(number, self._new_id(), head, base, user, sha)

    def add_issue_comment(self, full_name: str, issue_number: int, comment_id: int, body: str,
                          user: str = "octocat") -> None:
        with self._lock:
            repo = self._repo(full_name)
            assert issue_number in repo.issues, f"add_issue/add_pull {issue_number} first"
            repo.issue_comments[comment_id] = _Comment(comment_id, issue_number, body, user)

    def add_review_comment(self, full_name: str, pull_number: int, comment_id: int, body: str,
                           user: str = "octocat") -> None:
        with self._lock:
            repo = self._repo(full_name)
            pull = repo.pulls[pull_number]
            repo.review_comments[comment_id] = _Comment(comment_id, pull_number, body, user,
                                                        commit_id=self._pull_head_sha(repo, pull))

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
            who = {"name": author, "email": f"{author}@users.noreply.example", "date": _now()}
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

    def pulls(self, full_name: str) -> list[dict]:
        with self._lock:
            repo = self._repo(full_name)
            return [{"number": n, "title": repo.issues[n].title, "body": repo.issues[n].body, "head": p.head,
                     "base": p.base, "state": repo.issues[n].state, "labels": list(repo.issues[n].labels),
                     "user": p.user, "draft": p.draft,
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
            self._faults.append(_Fault(method.upper(), re.compile(path_regex), times, status,
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
            self._delays.append(_Fault(method.upper(), re.compile(path_regex), times, seconds=seconds))

    def expire_tokens(self) -> None:
        """Every installation token issued so far now answers 401 Bad credentials."""
        with self._lock:
            self._tokens = {token: (inst, 0.0) for token, (inst, _) in self._tokens.items()}

    # ------------------------------------------------------------------ plumbing

    def _new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _repo(self, full_name: str) -> _Repo:
        return self._repos[full_name.lower()]

    def _rate_headers(self) -> dict[str, str]:
        used = len(self.requests) + 1
        return {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(max(0, 5000 - used)),
                "X-RateLimit-Reset": str(self._reset_at), "X-RateLimit-Used": str(used),
                "X-RateLimit-Resource": "core", "X-GitHub-Media-Type": "github.v3; format=json",
                "X-GitHub-Api-Version-Selected": "2022-11-28", "X-GitHub-Request-Id": f"FAKE:{used:08d}"}

    def _take(self, queue: list[_Fault], method: str, path: str) -> _Fault | None:
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
                ctx = _Ctx(request, match.groupdict(), json.loads(raw) if raw.strip() else None)
                self._authorize(ctx, auth)
                result = handler(ctx)
                if isinstance(result, Response):
                    result.headers.update(self._rate_headers())
                    return result
                status, body, *extra = result
                return self._json(status, body, extra[0] if extra else None)
            except _Reply as reply:
                return self._json(reply.status, reply.body)
            except json.JSONDecodeError:
                return self._json(400, {"message": "Problems parsing JSON", "documentation_url": DOCS})
            except Exception:  # a bug in the fake: answer 500 and keep the traceback for the test
                self.server_errors.append(traceback.format_exc())
                print(self.server_errors[-1], file=sys.stderr)
                return self._json(500, {"message": "fakegithub crashed; see server_errors"})
        return self._json(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})

    def _authorize(self, ctx: _Ctx, auth: str) -> None:
        if auth == "none":
            return
        scheme, _, credential = (ctx.request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() not in ("token", "bearer") or not credential:
            raise _Reply(401, "Requires authentication", DOCS)
        if auth == "jwt":
            self._check_jwt(credential.strip())
            return
        token = self._tokens.get(credential.strip())
        if token is None or token[1] < time.time():
            raise _Reply(401, "Bad credentials", DOCS)
        ctx.installation = token[0]
        if "owner" in ctx.params:
            full = f"{ctx.params['owner']}/{ctx.params['repo']}".lower()
            if full not in self._repos or full not in self._installations[token[0]].repos:
                raise _not_found()
            ctx.repo = self._repos[full]

    def _check_jwt(self, token: str) -> None:
        try:
            claims = jwt.decode(token, self._public_key, algorithms=["RS256"], leeway=60,
                                options={"require": ["exp", "iat", "iss"], "verify_iss": False})
        except jwt.ExpiredSignatureError:
            raise _Reply(401, "'Expiration time' claim ('exp') must be a numeric value representing the future "
                              "time at which the assertion expires", DOCS) from None
        except jwt.PyJWTError:
            raise _Reply(401, "A JSON web token could not be decoded", DOCS) from None
        if str(claims["iss"]) != str(self.app_id):
            raise _Reply(401, "A JSON web token could not be decoded", DOCS)
        # GitHub refuses App JWTs that live longer than ten minutes.
        if claims["exp"] - time.time() > 600 + 60:
            raise _Reply(401, "'Expiration time' claim ('exp') is too far in the future", DOCS)

    def _make_routes(self) -> list[tuple[str, re.Pattern, str, Callable]]:
        repo = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        table = [
            ("POST", r"/app/installations/(?P<id>\d+)/access_tokens", "jwt", self._h_access_token),
            ("GET", repo + r"/installation", "jwt", self._h_repo_installation),
            ("GET", repo, "token", self._h_repo),
            ("GET", repo + r"/collaborators/(?P<user>[^/]+)/permission", "token", self._h_permission),
            ("GET", repo + r"/tarball(?:/(?P<ref>.+))?", "token", self._h_tarball),
            ("GET", r"/_codeload/(?P<owner>[^/]+)/(?P<repo>[^/]+)/legacy\.tar\.gz/(?P<sha>[0-9a-f]{40})", "none",
             self._h_codeload),
            ("GET", r"/_raw/(?P<owner>[^/]+)/(?P<repo>[^/]+)/(?P<ref>[^/]+)/(?P<path>.+)", "none", self._h_raw),
            ("GET", repo + r"/branches/(?P<branch>.+)", "token", self._h_get_branch),
            ("GET", repo + r"/commits/(?P<ref>[^/]+)", "token", self._h_get_repo_commit),
            ("GET", repo + r"/git/ref/(?P<ref>.+)", "token", self._h_get_ref),
            ("GET", repo + r"/git/matching-refs/(?P<ref>.*)", "token", self._h_matching_refs),
            ("GET", repo + r"/git/refs", "token", self._h_matching_refs),
            ("POST", repo + r"/git/refs", "token", self._h_create_ref),
            ("PATCH", repo + r"/git/refs/(?P<ref>.+)", "token", self._h_update_ref),
            ("DELETE", repo + r"/git/refs/(?P<ref>.+)", "token", self._h_delete_ref),
            ("GET", repo + r"/git/commits/(?P<sha>[^/]+)", "token", self._h_get_commit),
            ("POST", repo + r"/git/commits", "token", self._h_create_commit),
            ("GET", repo + r"/git/trees/(?P<sha>[^/]+)", "token", self._h_get_tree),
            ("POST", repo + r"/git/trees", "token", self._h_create_tree),
            ("GET", repo + r"/git/blobs/(?P<sha>[^/]+)", "token", self._h_get_blob),
            ("POST", repo + r"/git/blobs", "token", self._h_create_blob),
            ("GET", repo + r"/contents(?:/(?P<path>.*))?", "token", self._h_get_contents),
            ("PUT", repo + r"/contents/(?P<path>.+)", "token", self._h_put_contents),
            ("GET", repo + r"/issues/comments/(?P<id>\d+)", "token", self._h_get_issue_comment),
            ("POST", repo + r"/issues/comments/(?P<id>\d+)/reactions", "token", self._h_issue_reaction),
            ("GET", repo + r"/issues/(?P<number>\d+)", "token", self._h_get_issue),
            ("GET", repo + r"/issues/(?P<number>\d+)/comments", "token", self._h_list_issue_comments),
            ("POST", repo + r"/issues/(?P<number>\d+)/comments", "token", self._h_create_issue_comment),
            ("POST", repo + r"/issues/(?P<number>\d+)/labels", "token", self._h_add_labels),
            ("GET", repo + r"/pulls", "token", self._h_list_pulls),
            ("POST", repo + r"/pulls", "token", self._h_create_pull),
            ("GET", repo + r"/pulls/comments/(?P<id>\d+)", "token", self._h_get_review_comment),
            ("POST", repo + r"/pulls/comments/(?P<id>\d+)/reactions", "token", self._h_review_reaction),
            ("GET", repo + r"/pulls/(?P<number>\d+)", "token", self._h_get_pull),
            ("PATCH", repo + r"/pulls/(?P<number>\d+)", "token", self._h_update_pull),
            ("GET", repo + r"/pulls/(?P<number>\d+)/comments", "token", self._h_list_review_comments),
            ("POST", repo + r"/pulls/(?P<number>\d+)/comments/(?P<id>\d+)/replies", "token", self._h_reply),
        ]
        return [(verb, re.compile(pattern), auth, handler) for verb, pattern, auth, handler in table]

    # ------------------------------------------------------------------ JSON shapes

    def _rebase(self, obj: Any, full_name: str | None = None, template_repo: str = "octocat/Hello-World") -> Any:
        """Point a spec template's URLs at this server (and at `full_name` instead of the example repo)."""
        host = self.base_url.split("://", 1)[1]
        pairs = []
        if full_name:
            pairs += [(f"https://api.github.com/repos/{template_repo}", f"{self.base_url}/repos/{full_name}"),
                      (f"https://github.com/{template_repo}", f"{self.base_url}/{full_name}"),
                      (f"git:github.com/{template_repo}", f"git://{host}/{full_name}"),
                      (f"git@github.com:{template_repo}", f"git@{host}:{full_name}"),
                      (f"https://svn.github.com/{template_repo}", f"{self.base_url}/{full_name}")]
        pairs += [("https://api.github.com", self.base_url), ("https://github.com", self.base_url)]
        return _swap(obj, pairs)

    def _user(self, login: str) -> dict:
        user = _template("issues__create-comment.201")["user"]
        quoted = urllib.parse.quote(login)
        user = _swap(user, [("https://api.github.com/users/octocat", f"{self.base_url}/users/{quoted}"),
                            ("https://github.com/octocat", f"{self.base_url}/{quoted}")])
        uid = zlib.crc32(login.lower().encode()) % 90_000_000 + 1000
        kind = "Bot" if login.endswith("[bot]") else "User"
        user.update(login=login, id=uid, node_id=node_id(kind, uid), type=kind,
                    avatar_url=f"{self.base_url}/avatars/u/{uid}")
        return user

    def _repo_json(self, repo: _Repo, installation: int | None = None) -> dict:
        data = self._rebase(_template("repos__get.200"), repo.full_name)
        for key in ("organization", "parent", "source"):
            data.pop(key, None)
        perms = self._installations[installation].permissions if installation in self._installations else {}
        push = perms.get("contents") == "write"
        open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
        data.update(id=repo.id, node_id=node_id("Repository", repo.id), name=repo.name, full_name=repo.full_name,
                    owner=self._user(repo.owner), description=None, homepage=None, mirror_url=None, language=None,
                    default_branch=repo.default_branch, private=False, fork=False, is_template=False,
                    template_repository=None, temp_clone_token=None, topics=[], license=None, visibility="public",
                    forks_count=0, forks=0, stargazers_count=0, watchers_count=0, watchers=0, size=0,
                    subscribers_count=0, network_count=0, open_issues_count=open_issues, open_issues=open_issues,
                    created_at=repo.created_at, updated_at=repo.created_at, pushed_at=_now(),
                    permissions={"admin": False, "maintain": False, "push": push, "triage": push, "pull": True})
        return data

    def _ref_json(self, repo: _Repo, ref: str) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"
        sha = repo.refs[ref]
        return {"ref": ref, "node_id": node_id("Ref", ref), "url": f"{api}/git/{urllib.parse.quote(ref)}",
                "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"}}

    def _commit_json(self, repo: _Repo, sha: str) -> dict:
        api, html = f"{self.base_url}/repos/{repo.full_name}", f"{self.base_url}/{repo.full_name}"
        commit = repo.commit(sha)
        return {"sha": sha, "node_id": node_id("Commit", f"{repo.id}:{sha}"), "url": f"{api}/git/commits/{sha}",
                "html_url": f"{html}/commit/{sha}", "author": dict(commit["author"]),
                "committer": dict(commit["committer"]), "message": commit["message"],
                "tree": {"sha": commit["tree"], "url": f"{api}/git/trees/{commit['tree']}"},
                "parents": [{"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{html}/commit/{p}"}
                            for p in commit["parents"]],
                "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
                                 "verified_at": None}}

    def _tree_json(self, repo: _Repo, sha: str, recursive: bool = False) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"

        def entries(tree_sha: str, prefix: str) -> list[dict]:
            out = []
            for mode, name, child in repo.objects[tree_sha][1]:
                kind = {"040000": "tree", "160000": "commit"}.get(mode, "blob")
                item = {"path": prefix + name, "mode": mode, "type": kind, "sha": child}
                if kind == "blob":
                    item.update(size=len(repo.objects[child][1]), url=f"{api}/git/blobs/{child}")
                elif kind == "tree":
                    item["url"] = f"{api}/git/trees/{child}"
                out.append(item)
                if kind == "tree" and recursive:
                    out.extend(entries(child, f"{prefix}{name}/"))
            return out

        return {"sha": sha, "url": f"{api}/git/trees/{sha}", "tree": entries(sha, ""), "truncated": False}

    def _label_json(self, repo: _Repo, name: str) -> dict:
        lid = repo.labels[name]
        return {"id": lid, "node_id": node_id("Label", lid),
                "url": f"{self.base_url}/repos/{repo.full_name}/labels/{urllib.parse.quote(name)}",
                "name": name, "color": "ededed", "default": False, "description": None}

    def _reaction_summary(self, url: str, reactions: list[tuple[int, str, str, str]]) -> dict:
        counts = {content: sum(1 for r in reactions if r[2] == content) for content in REACTIONS}
        return {"url": url, "total_count": len(reactions), **counts}

    def _issue_html(self, repo: _Repo, number: int) -> str:
        kind = "pull" if repo.issues[number].is_pull else "issues"
        return f"{self.base_url}/{repo.full_name}/{kind}/{number}"

    def _issue_json(self, repo: _Repo, number: int) -> dict:
        issue = repo.issues[number]
        api = f"{self.base_url}/repos/{repo.full_name}"
        data = _template("issue")
        data.update(url=f"{api}/issues/{number}", repository_url=api,
                    labels_url=f"{api}/issues/{number}/labels{{/name}}",
                    comments_url=f"{api}/issues/{number}/comments", events_url=f"{api}/issues/{number}/events",
                    html_url=self._issue_html(repo, number), id=number + repo.id * 1000,
                    node_id=node_id("Issue", number + repo.id * 1000), number=number, title=issue.title,
                    user=self._user(issue.user), labels=[self._label_json(repo, n) for n in issue.labels],
                    state=issue.state, comments=sum(1 for c in repo.issue_comments.values() if c.number == number),
                    created_at=issue.created_at, updated_at=issue.updated_at, closed_at=issue.closed_at,
                    author_association="NONE", body=issue.body,
                    reactions=self._reaction_summary(f"{api}/issues/{number}/reactions", []),
                    timeline_url=f"{api}/issues/{number}/timeline",
                    state_reason="completed" if issue.state == "closed" else None)
        if issue.is_pull:
            html = self._issue_html(repo, number)
            data["draft"] = repo.pulls[number].draft
            data["pull_request"] = {"url": f"{api}/pulls/{number}", "html_url": html, "diff_url": f"{html}.diff",
                                    "patch_url": f"{html}.patch", "merged_at": None}
        return data

    def _comment_json(self, repo: _Repo, comment: _Comment) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"
        data = _template("issues__create-comment.201")
        data.update(id=comment.id, node_id=node_id("IssueComment", comment.id),
                    url=f"{api}/issues/comments/{comment.id}",
                    html_url=f"{self._issue_html(repo, comment.number)}#issuecomment-{comment.id}",
                    body=comment.body, user=self._user(comment.user), created_at=comment.created_at,
                    updated_at=comment.created_at, issue_url=f"{api}/issues/{comment.number}",
                    author_association=self._association(repo, comment.user), performed_via_github_app=None,
                    reactions=self._reaction_summary(f"{api}/issues/comments/{comment.id}/reactions",
                                                     repo.reactions.get(("issue", comment.id), [])))
        return data

    def _review_comment_json(self, repo: _Repo, comment: _Comment) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"
        pull_html = f"{self.base_url}/{repo.full_name}/pull/{comment.number}"
        url = f"{api}/pulls/comments/{comment.id}"
        data = _template("review-comment")
        data.update(url=url, pull_request_review_id=comment.id + 1, id=comment.id,
                    node_id=node_id("PullRequestReviewComment", comment.id), path=comment.path,
                    commit_id=comment.commit_id, original_commit_id=comment.commit_id,
                    user=self._user(comment.user), body=comment.body, created_at=comment.created_at,
                    updated_at=comment.created_at, html_url=f"{pull_html}#discussion_r{comment.id}",
                    pull_request_url=f"{api}/pulls/{comment.number}",
                    author_association=self._association(repo, comment.user),
                    _links={"self": {"href": url}, "html": {"href": f"{pull_html}#discussion_r{comment.id}"},
                            "pull_request": {"href": f"{api}/pulls/{comment.number}"}},
                    reactions=self._reaction_summary(f"{url}/reactions", repo.reactions.get(("pull", comment.id), [])),
                    subject_type="line")
        if comment.in_reply_to is not None:
            data["in_reply_to_id"] = comment.in_reply_to
        return data

    def _association(self, repo: _Repo, login: str) -> str:
        if login.lower() == repo.owner.lower():
            return "OWNER"
        return "COLLABORATOR" if repo.roles.get(login.lower(), "none") != "none" else "NONE"

    def _pull_head_sha(self, repo: _Repo, pull: _Pull) -> str:
        return repo.refs.get(f"refs/heads/{pull.head}", pull.last_head_sha)

    def _pull_json(self, repo: _Repo, number: int, simple: bool = False) -> dict:
        pull, issue = repo.pulls[number], repo.issues[number]
        api = f"{self.base_url}/repos/{repo.full_name}"
        html = f"{self.base_url}/{repo.full_name}/pull/{number}"
        head_sha = self._pull_head_sha(repo, pull)
        base_sha = repo.refs.get(f"refs/heads/{pull.base}", head_sha)

        def part(branch: str, sha: str) -> dict:
            return {"label": f"{repo.owner}:{branch}", "ref": branch, "sha": sha, "user": self._user(repo.owner),
                    "repo": self._repo_json(repo)}

        data = self._rebase(_template("pulls__create.201"), repo.full_name)
        data.update(url=f"{api}/pulls/{number}", id=pull.id, node_id=node_id("PullRequest", pull.id), html_url=html,
                    diff_url=f"{html}.diff", patch_url=f"{html}.patch", issue_url=f"{api}/issues/{number}",
                    commits_url=f"{api}/pulls/{number}/commits", review_comments_url=f"{api}/pulls/{number}/comments",
                    review_comment_url=f"{api}/pulls/comments{{/number}}",
                    comments_url=f"{api}/issues/{number}/comments",
                    statuses_url=f"{api}/statuses/{head_sha}", number=number, state=issue.state, locked=False,
                    title=issue.title, user=self._user(pull.user), body=issue.body,
                    labels=[self._label_json(repo, n) for n in issue.labels], milestone=None,
                    active_lock_reason=None, created_at=issue.created_at, updated_at=issue.updated_at,
                    closed_at=issue.closed_at, merged_at=None, merge_commit_sha=None, assignee=None, assignees=[],
                    requested_reviewers=[], requested_teams=[], head=part(pull.head, head_sha),
                    base=part(pull.base, base_sha), author_association=self._association(repo, pull.user),
                    auto_merge=None, draft=pull.draft,
                    _links={"self": {"href": f"{api}/pulls/{number}"}, "html": {"href": html},
                            "issue": {"href": f"{api}/issues/{number}"},
                            "comments": {"href": f"{api}/issues/{number}/comments"},
                            "review_comments": {"href": f"{api}/pulls/{number}/comments"},
                            "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                            "commits": {"href": f"{api}/pulls/{number}/commits"},
                            "statuses": {"href": f"{api}/statuses/{head_sha}"}})
        if simple:
            for key in PULL_DETAIL_KEYS:
                data.pop(key, None)
            return data
        new = repo.ancestors(head_sha) - repo.ancestors(base_sha)
        old_flat = repo.flat(repo.tree_of(base_sha)) if repo.kind(base_sha) == "commit" else {}
        new_flat = repo.flat(repo.tree_of(head_sha)) if repo.kind(head_sha) == "commit" else {}
        changed = {p for p in old_flat.keys() | new_flat.keys() if old_flat.get(p) != new_flat.get(p)}
        data.update(merged=False, mergeable=True, rebaseable=True, mergeable_state="clean", merged_by=None,
                    comments=sum(1 for c in repo.issue_comments.values() if c.number == number),
                    review_comments=sum(1 for c in repo.review_comments.values() if c.number == number),
                    maintainer_can_modify=False, commits=len(new), additions=0, deletions=0,
                    changed_files=len(changed))
        return data

    def _content_json(self, repo: _Repo, ref: str, path: str, mode: str, sha: str) -> dict:
        api, html = f"{self.base_url}/repos/{repo.full_name}", f"{self.base_url}/{repo.full_name}"
        kind = {"040000": "dir", "120000": "symlink", "160000": "submodule"}.get(mode, "file")
        quoted = urllib.parse.quote(path)
        git_url = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}"
        html_url = f"{html}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{quoted}"
        data = {"type": kind, "size": 0, "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha,
                "url": f"{api}/contents/{quoted}?ref={urllib.parse.quote(ref)}", "git_url": git_url,
                "html_url": html_url, "download_url": None,
                "_links": {"self": f"{api}/contents/{quoted}?ref={urllib.parse.quote(ref)}", "git": git_url,
                           "html": html_url}}
        if kind in ("file", "symlink"):
            blob = repo.objects[sha][1]
            data.update(size=len(blob), download_url=f"{self.base_url}/_raw/{repo.full_name}/{ref}/{quoted}")
            if kind == "symlink":
                data["target"] = blob.decode("utf-8", "replace")
        return data

    def _installation_json(self, inst: _Installation) -> dict:
        data = self._rebase(_template("apps__get-repo-installation.200"))
        owner = inst.repos[0].split("/")[0] if inst.repos else "octocat"
        if inst.repos and inst.repos[0] in self._repos:
            owner = self._repos[inst.repos[0]].owner
        account = self._user(owner)
        data.update(id=inst.id, account=account, repository_selection="selected",
                    access_tokens_url=f"{self.base_url}/app/installations/{inst.id}/access_tokens",
                    repositories_url=f"{self.base_url}/installation/repositories",
                    html_url=f"{self.base_url}/settings/installations/{inst.id}", app_id=self.app_id,
                    client_id=f"Iv1.fake{self.app_id}", target_id=account["id"], target_type="User",
                    permissions=dict(inst.permissions), events=["issue_comment", "pull_request_review_comment"],
                    single_file_name=None, has_multiple_single_files=False, single_file_paths=[],
                    app_slug=self.app_slug, created_at=_now(), updated_at=_now())
        return data

    # ------------------------------------------------------------------ handlers: apps and repos

    def _h_access_token(self, ctx: _Ctx) -> tuple:
        inst = self._installations.get(int(ctx.params["id"]))
        if inst is None:
            raise _not_found(f"{DOCS}/apps/apps#create-an-installation-access-token-for-an-app")
        token = "ghs_" + hashlib.sha1(f"{inst.id}:{self.tokens_issued}:{time.time()}".encode()).hexdigest()[:36]
        expires = time.time() + 3600
        self._tokens[token] = (inst.id, expires)
        self.tokens_issued += 1
        requested = (ctx.body or {}).get("permissions") or {}
        data = _template("apps__create-installation-access-token.201")
        data.update(token=token,
                    expires_at=datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    permissions=dict(requested or inst.permissions), repository_selection="selected",
                    repositories=[self._repo_json(self._repos[r], inst.id) for r in inst.repos if r in self._repos])
        return 201, data

    def _h_repo_installation(self, ctx: _Ctx) -> tuple:
        full = f"{ctx.params['owner']}/{ctx.params['repo']}".lower()
        for inst in self._installations.values():
            if full in inst.repos and full in self._repos:
                return 200, self._installation_json(inst)
        raise _not_found(f"{DOCS}/apps/apps#get-a-repository-installation-for-the-authenticated-app")

    def _h_repo(self, ctx: _Ctx) -> tuple:
        return 200, self._repo_json(ctx.repo, ctx.installation)

    def _h_permission(self, ctx: _Ctx) -> tuple:
        login = ctx.params["user"]
        role = ctx.repo.roles.get(login.lower(), "none")
        return 200, {"permission": LEGACY_PERMISSION[role], "role_name": role, "user": self._user(login)}

    def _h_tarball(self, ctx: _Ctx) -> Response:
        repo = ctx.repo
        sha = repo.resolve(ctx.params.get("ref") or repo.default_branch)
        if sha is None:
            raise _not_found(f"{DOCS}/repos/contents#download-a-repository-archive-tar")
        location = f"{self.base_url}/_codeload/{repo.full_name}/legacy.tar.gz/{sha}"
        return Response(b"", status=302, headers={"Location": location})

    def _h_codeload(self, ctx: _Ctx) -> Response:
        full = f"{ctx.params['owner']}/{ctx.params['repo']}".lower()
        repo = self._repos.get(full)
        sha = ctx.params["sha"]
        if repo is None or repo.kind(sha) != "commit":
            return Response(b"Not Found", status=404, content_type="text/plain")
        top = f"{repo.owner}-{repo.name}-{sha[:7]}"
        buffer = io.BytesIO()
        stamp = int(datetime.strptime(repo.commit(sha)["committer"]["date"], "%Y-%m-%dT%H:%M:%SZ")
                    .replace(tzinfo=timezone.utc).timestamp())
        # Like `git archive`: a pax global header carrying the commit id, then directories and files.
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": sha}) as tar:
            self._tar_add(tar, top + "/", tarfile.DIRTYPE, 0o775, stamp)
            dirs = {top}
            for path, (mode, blob) in sorted(repo.flat(repo.tree_of(sha)).items()):
                parts = path.split("/")
                for depth in range(1, len(parts)):
                    folder = "/".join([top, *parts[:depth]])
                    if folder not in dirs:
                        dirs.add(folder)
                        self._tar_add(tar, folder + "/", tarfile.DIRTYPE, 0o775, stamp)
                if mode == "160000":
                    continue
                content = repo.objects[blob][1]
                if mode == "120000":
                    self._tar_add(tar, f"{top}/{path}", tarfile.SYMTYPE, 0o777, stamp, link=content.decode())
                else:
                    perm = 0o775 if mode == "100755" else 0o664
                    self._tar_add(tar, f"{top}/{path}", tarfile.REGTYPE, perm, stamp, data=content)
        raw = buffer.getvalue()
        return Response(gzip.compress(raw), status=200, content_type="application/x-gzip",
                        headers={"Content-Disposition": f"attachment; filename={top}.tar.gz"})

    @staticmethod
    def _tar_add(tar: tarfile.TarFile, name: str, kind: bytes, mode: int, stamp: int, data: bytes = b"",
                 link: str = "") -> None:
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.mtime, info.linkname = kind, mode, stamp, link
        info.size = len(data) if kind == tarfile.REGTYPE else 0
        tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

    def _h_raw(self, ctx: _Ctx) -> Response:
        repo = self._repos.get(f"{ctx.params['owner']}/{ctx.params['repo']}".lower())
        sha = repo.resolve(ctx.params["ref"]) if repo else None
        entry = repo.flat(repo.tree_of(sha)).get(ctx.params["path"]) if sha else None
        if not entry:
            return Response(b"404: Not Found", status=404, content_type="text/plain")
        return Response(repo.objects[entry[1]][1], status=200, content_type="text/plain; charset=utf-8")

    def _repo_commit_json(self, repo: _Repo, sha: str) -> dict:
        """The `GET /repos/{o}/{r}/commits/{ref}` shape (a git commit wrapped with GitHub users)."""
        api, html = f"{self.base_url}/repos/{repo.full_name}", f"{self.base_url}/{repo.full_name}"
        git = self._commit_json(repo, sha)
        inner = {k: git[k] for k in ("author", "committer", "message", "tree", "url", "verification")}
        inner["comment_count"] = 0
        return {"sha": sha, "node_id": git["node_id"], "commit": inner, "url": f"{api}/commits/{sha}",
                "html_url": f"{html}/commit/{sha}", "comments_url": f"{api}/commits/{sha}/comments",
                "author": None, "committer": None,
                "parents": [{"sha": p["sha"], "url": f"{api}/commits/{p['sha']}", "html_url": p["html_url"]}
                            for p in git["parents"]]}

    def _h_get_branch(self, ctx: _Ctx) -> tuple:
        repo, branch = ctx.repo, ctx.params["branch"]
        sha = repo.refs.get(f"refs/heads/{branch}")
        if sha is None:
            raise _Reply(404, "Branch not found", f"{DOCS}/branches/branches#get-a-branch")
        api, quoted = f"{self.base_url}/repos/{repo.full_name}", urllib.parse.quote(branch)
        return 200, {"name": branch, "commit": self._repo_commit_json(repo, sha),
                     "_links": {"self": f"{api}/branches/{quoted}",
                                "html": f"{self.base_url}/{repo.full_name}/tree/{quoted}"},
                     "protected": False,
                     "protection": {"enabled": False, "required_status_checks": {"enforcement_level": "off",
                                                                                 "contexts": [], "checks": []}},
                     "protection_url": f"{api}/branches/{quoted}/protection"}

    def _h_get_repo_commit(self, ctx: _Ctx) -> tuple:
        sha = ctx.repo.resolve(ctx.params["ref"])
        if sha is None:
            raise _Reply(422, f"No commit found for SHA: {ctx.params['ref']}", f"{DOCS}/commits/commits#get-a-commit")
        return 200, self._repo_commit_json(ctx.repo, sha)

    # ------------------------------------------------------------------ handlers: git data

    def _h_get_ref(self, ctx: _Ctx) -> tuple:
        ref = "refs/" + ctx.params["ref"].removeprefix("refs/")
        if ref not in ctx.repo.refs:
            raise _not_found(f"{DOCS}/git/refs#get-a-reference")
        return 200, self._ref_json(ctx.repo, ref)

    def _h_matching_refs(self, ctx: _Ctx) -> tuple:
        prefix = "refs/" + (ctx.params.get("ref") or "").removeprefix("refs/")
        return 200, [self._ref_json(ctx.repo, ref) for ref in sorted(ctx.repo.refs) if ref.startswith(prefix)]

    def _workflow_violation(self, repo: _Repo, new_sha: str) -> str | None:
        """First workflow file changed by a commit that no branch contains yet (when writes are denied)."""
        if not repo.deny_workflows:
            return None
        known: set[str] = set()
        for sha in repo.refs.values():
            known |= repo.ancestors(sha)
        for sha in sorted(repo.ancestors(new_sha) - known):
            commit = repo.commit(sha)
            before = repo.flat(repo.tree_of(commit["parents"][0])) if commit["parents"] else {}
            after = repo.flat(commit["tree"])
            changed = sorted(p for p in before.keys() | after.keys()
                             if p.startswith(WORKFLOWS_DIR) and before.get(p) != after.get(p))
            if changed:
                return changed[0]
        return None

    def _refuse_workflows(self, repo: _Repo, new_sha: str, docs: str) -> None:
        path = self._workflow_violation(repo, new_sha)
        if path:
            # Message as GitHub words it (see the report for sources); 403 like the Contents/refs APIs answer.
            raise _Reply(403, f"refusing to allow a GitHub App to create or update workflow `{path}` "
                              "without `workflows` permission", docs)

    def _h_create_ref(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/git/refs#create-a-reference"
        body, repo = ctx.body or {}, ctx.repo
        ref, sha = body.get("ref"), body.get("sha")
        if not ref or not sha:
            raise _Reply(422, f"Invalid request.\n\n\"{'ref' if not ref else 'sha'}\" wasn't supplied.", docs)
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise _Reply(422, "Reference name is invalid", docs)
        if repo.kind(sha) != "commit":
            raise _Reply(422, "Object does not exist", docs)
        if ref in repo.refs:
            raise _Reply(422, "Reference already exists", docs)
        self._refuse_workflows(repo, sha, docs)
        repo.refs[ref] = sha
        data = self._ref_json(repo, ref)
        return 201, data, {"Location": data["url"]}

    def _h_update_ref(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/git/refs#update-a-reference"
        repo, body = ctx.repo, ctx.body or {}
        ref = "refs/" + ctx.params["ref"].removeprefix("refs/")
        sha = body.get("sha")
        if ref not in repo.refs:
            raise _Reply(422, "Reference does not exist", docs)
        if repo.kind(sha) != "commit":
            raise _Reply(422, "Object does not exist", docs)
        if not body.get("force") and repo.refs[ref] not in repo.ancestors(sha):
            raise _Reply(422, "Update is not a fast forward", docs)
        self._refuse_workflows(repo, sha, docs)
        repo.refs[ref] = sha
        return 200, self._ref_json(repo, ref)

    def _h_delete_ref(self, ctx: _Ctx) -> tuple:
        ref = "refs/" + ctx.params["ref"].removeprefix("refs/")
        if ref not in ctx.repo.refs:
            raise _Reply(422, "Reference does not exist", f"{DOCS}/git/refs#delete-a-reference")
        del ctx.repo.refs[ref]
        return 204, None

    def _h_get_commit(self, ctx: _Ctx) -> tuple:
        if ctx.repo.kind(ctx.params["sha"]) != "commit":
            raise _not_found(f"{DOCS}/git/commits#get-a-commit-object")
        return 200, self._commit_json(ctx.repo, ctx.params["sha"])

    def _h_create_commit(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/git/commits#create-a-commit"
        repo, body = ctx.repo, ctx.body or {}
        if not body.get("message") or not body.get("tree"):
            raise _Reply(422, "Invalid request.\n\n\"message\" and \"tree\" are required.", docs)
        if repo.kind(body["tree"]) != "tree" and body["tree"] != EMPTY_TREE:
            raise _Reply(422, "Tree SHA does not exist", docs)
        parents = body.get("parents") or []
        if any(repo.kind(p) != "commit" for p in parents):
            raise _Reply(422, "Parent SHA does not exist or is not a commit object", docs)
        now = _now()
        # Without an author, GitHub attributes the commit to the App's bot account.
        bot = {"name": self.bot_login, "email": f"{self.app_id}+{self.bot_login}@users.noreply.github.com",
               "date": now}
        author = {**bot, **(body.get("author") or {})}
        committer = {**author, "date": now, **(body.get("committer") or {})}
        for who in (author, committer):
            who["date"] = self._normal_date(who["date"])
        if body["tree"] not in repo.objects:
            repo.put_tree([])
        sha = repo.put_commit(body["tree"], parents, body["message"], author, committer)
        data = self._commit_json(repo, sha)
        return 201, data, {"Location": data["url"]}

    @staticmethod
    def _normal_date(text: str) -> str:
        """Accept any ISO 8601 date PyGithub may send and store it as UTC with Z."""
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return _now()
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _h_get_tree(self, ctx: _Ctx) -> tuple:
        repo, sha = ctx.repo, ctx.params["sha"]
        if repo.kind(sha) == "commit":
            sha = repo.tree_of(sha)
        elif repo.kind(sha) != "tree":
            resolved = repo.resolve(sha)
            if resolved is None:
                raise _not_found(f"{DOCS}/git/trees#get-a-tree")
            sha = repo.tree_of(resolved)
        recursive = ctx.request.args.get("recursive") not in (None, "", "0", "false")
        return 200, self._tree_json(repo, sha, recursive)

    def _h_create_tree(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/git/trees#create-a-tree"
        repo, body = ctx.repo, ctx.body or {}
        entries = body.get("tree")
        if not isinstance(entries, list):
            raise _Reply(422, "Invalid request.\n\n\"tree\" wasn't supplied.", docs)
        base = body.get("base_tree")
        if base:
            if repo.kind(base) == "commit":
                base = repo.tree_of(base)
            if repo.kind(base) != "tree":
                raise _Reply(422, "Invalid request.\n\nbase_tree is not a valid tree", docs)
        flat = repo.flat(base) if base else {}
        for entry in entries:
            path, mode = (entry.get("path") or "").strip("/"), entry.get("mode") or "100644"
            if not path or mode not in ("100644", "100755", "040000", "160000", "120000"):
                raise _Reply(422, "Invalid tree info", docs)
            kind = entry.get("type") or ("tree" if mode == "040000" else "blob")
            if "sha" in entry and entry["sha"] is None:
                # sha: null deletes the path (a file, or a whole folder).
                for existing in [p for p in flat if p == path or p.startswith(path + "/")]:
                    del flat[existing]
                continue
            if "content" in entry and entry["content"] is not None:
                flat[path] = (mode, repo.put_blob(entry["content"].encode()))
                continue
            sha = entry.get("sha")
            if kind == "tree":
                if repo.kind(sha) != "tree":
                    raise _Reply(422, "Invalid tree info", docs)
                for existing in [p for p in flat if p == path or p.startswith(path + "/")]:
                    del flat[existing]
                flat.update({f"{path}/{p}": v for p, v in repo.flat(sha).items()})
            elif kind == "commit":
                flat[path] = ("160000", sha)
            elif repo.kind(sha) != "blob":
                raise _Reply(422, f"tree.sha {sha} is not a valid blob", docs)
            else:
                flat[path] = (mode, sha)
        sha = repo.build(flat)
        return 201, self._tree_json(repo, sha), {"Location": f"{self.base_url}/repos/{repo.full_name}/git/trees/{sha}"}

    def _h_get_blob(self, ctx: _Ctx) -> tuple:
        repo, sha = ctx.repo, ctx.params["sha"]
        if repo.kind(sha) != "blob":
            raise _not_found(f"{DOCS}/git/blobs#get-a-blob")
        data = repo.objects[sha][1]
        return 200, {"sha": sha, "node_id": node_id("Blob", f"{repo.id}:{sha}"), "size": len(data),
                     "url": f"{self.base_url}/repos/{repo.full_name}/git/blobs/{sha}",
                     "content": base64.encodebytes(data).decode(), "encoding": "base64"}

    def _h_create_blob(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/git/blobs#create-a-blob"
        body = ctx.body or {}
        if not isinstance(body.get("content"), str):
            raise _Reply(422, "Invalid request.\n\n\"content\" wasn't supplied.", docs)
        encoding = body.get("encoding") or "utf-8"
        if encoding not in ("utf-8", "base64"):
            raise _Reply(422, f"encoding must be utf-8 or base64, not {encoding}", docs)
        data = base64.b64decode(body["content"]) if encoding == "base64" else body["content"].encode()
        sha = ctx.repo.put_blob(data)
        url = f"{self.base_url}/repos/{ctx.repo.full_name}/git/blobs/{sha}"
        return 201, {"url": url, "sha": sha}, {"Location": url}

    # ------------------------------------------------------------------ handlers: contents

    def _h_get_contents(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/repos/contents#get-repository-content"
        repo = ctx.repo
        ref = ctx.request.args.get("ref") or repo.default_branch
        sha = repo.resolve(ref)
        if sha is None:
            raise _Reply(404, f"No commit found for the ref {ref}", docs)
        path = (ctx.params.get("path") or "").strip("/")
        flat = repo.flat(repo.tree_of(sha))
        if path in flat:
            mode, blob = flat[path]
            data = self._content_json(repo, ref, path, mode, blob)
            if data["type"] == "file":
                data.update(encoding="base64", content=base64.encodebytes(repo.objects[blob][1]).decode())
            return 200, data
        prefix = path + "/" if path else ""
        children = {p[len(prefix):].split("/", 1)[0] for p in flat if p.startswith(prefix)}
        if not children:
            raise _not_found(docs)
        tree = dict((name, (mode, child)) for mode, name, child in self._subtree(repo, sha, path))
        return 200, [self._content_json(repo, ref, prefix + name, *tree[name]) for name in sorted(children)]

    def _subtree(self, repo: _Repo, commit_sha: str, path: str) -> list[tuple[str, str, str]]:
        tree = repo.tree_of(commit_sha)
        for part in [p for p in path.split("/") if p]:
            tree = next(s for m, n, s in repo.objects[tree][1] if n == part and m == "040000")
        return repo.objects[tree][1]

    def _h_put_contents(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/repos/contents#create-or-update-file-contents"
        repo, body = ctx.repo, ctx.body or {}
        path = ctx.params["path"].strip("/")
        if not body.get("message") or body.get("content") is None:
            missing = "message" if not body.get("message") else "content"
            raise _Reply(422, f"Invalid request.\n\n\"{missing}\" wasn't supplied.", docs)
        branch = body.get("branch") or repo.default_branch
        parent = repo.refs.get(f"refs/heads/{branch}")
        if parent is None:
            raise _Reply(404, f"Branch {branch} not found", docs)
        flat = repo.flat(repo.tree_of(parent))
        existing = flat.get(path)
        if existing and not body.get("sha"):
            raise _Reply(422, "Invalid request.\n\n\"sha\" wasn't supplied.", docs)
        if existing and body["sha"] != existing[1]:
            raise _Reply(409, f"{path} does not match {body['sha']}", docs)
        if repo.deny_workflows and path.startswith(WORKFLOWS_DIR):
            raise _Reply(403, f"refusing to allow a GitHub App to create or update workflow `{path}` "
                              "without `workflows` permission", docs)
        blob = repo.put_blob(base64.b64decode(body["content"]))
        flat[path] = (existing[0] if existing else "100644", blob)
        now = _now()
        bot = {"name": self.bot_login, "email": f"{self.app_id}+{self.bot_login}@users.noreply.github.com",
               "date": now}
        committer = {**bot, **(body.get("committer") or {}), "date": now}
        author = {**committer, **(body.get("author") or {}), "date": now}
        sha = repo.put_commit(repo.build(flat), [parent], body["message"], author, committer)
        repo.refs[f"refs/heads/{branch}"] = sha
        content = self._content_json(repo, branch, path, flat[path][0], blob)
        content.pop("target", None)
        return (200 if existing else 201), {"content": content, "commit": self._commit_json(repo, sha)}

    # ------------------------------------------------------------------ handlers: issues, comments, reactions

    def _issue_or_404(self, repo: _Repo, number: str, docs: str) -> int:
        if int(number) not in repo.issues:
            raise _not_found(docs)
        return int(number)

    def _h_get_issue(self, ctx: _Ctx) -> tuple:
        number = self._issue_or_404(ctx.repo, ctx.params["number"], f"{DOCS}/issues/issues#get-an-issue")
        return 200, self._issue_json(ctx.repo, number)

    def _h_list_issue_comments(self, ctx: _Ctx) -> tuple:
        repo = ctx.repo
        number = self._issue_or_404(repo, ctx.params["number"], f"{DOCS}/issues/comments#list-issue-comments")
        return 200, [self._comment_json(repo, c) for c in sorted(repo.issue_comments.values(), key=lambda c: c.id)
                     if c.number == number]

    def _h_create_issue_comment(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/issues/comments#create-an-issue-comment"
        repo = ctx.repo
        number = self._issue_or_404(repo, ctx.params["number"], docs)
        text = (ctx.body or {}).get("body")
        if not isinstance(text, str) or not text:
            raise _validation([{"resource": "IssueComment", "code": "missing_field", "field": "body"}], docs)
        comment = _Comment(self._new_id(), number, text, self.bot_login)
        repo.issue_comments[comment.id] = comment
        data = self._comment_json(repo, comment)
        return 201, data, {"Location": data["url"]}

    def _h_get_issue_comment(self, ctx: _Ctx) -> tuple:
        comment = ctx.repo.issue_comments.get(int(ctx.params["id"]))
        if comment is None:
            raise _not_found(f"{DOCS}/issues/comments#get-an-issue-comment")
        return 200, self._comment_json(ctx.repo, comment)

    def _react(self, ctx: _Ctx, kind: str, exists: bool, docs: str) -> tuple:
        if not exists:
            raise _not_found(docs)
        content = (ctx.body or {}).get("content")
        if content not in REACTIONS:
            raise _validation([{"resource": "Reaction", "code": "invalid", "field": "content"}], docs)
        bucket = ctx.repo.reactions.setdefault((kind, int(ctx.params["id"])), [])
        for reaction in bucket:
            if reaction[1] == self.bot_login and reaction[2] == content:
                return 200, self._reaction_json(reaction)  # GitHub answers 200 for a repeat reaction
        reaction = (self._new_id(), self.bot_login, content, _now())
        bucket.append(reaction)
        return 201, self._reaction_json(reaction)

    def _reaction_json(self, reaction: tuple[int, str, str, str]) -> dict:
        data = _template("reactions__create-for-issue-comment.201")
        rid, login, content, created = reaction
        data.update(id=rid, node_id=node_id("Reaction", rid), user=self._user(login), content=content,
                    created_at=created)
        return data

    def _h_issue_reaction(self, ctx: _Ctx) -> tuple:
        return self._react(ctx, "issue", int(ctx.params["id"]) in ctx.repo.issue_comments,
                           f"{DOCS}/reactions/reactions#create-reaction-for-an-issue-comment")

    def _h_review_reaction(self, ctx: _Ctx) -> tuple:
        return self._react(ctx, "pull", int(ctx.params["id"]) in ctx.repo.review_comments,
                           f"{DOCS}/reactions/reactions#create-reaction-for-a-pull-request-review-comment")

    def _h_add_labels(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/issues/labels#add-labels-to-an-issue"
        repo = ctx.repo
        number = self._issue_or_404(repo, ctx.params["number"], docs)
        # PyGithub posts a bare list; the documented form is {"labels": [...]}; accept both.
        names = ctx.body.get("labels") if isinstance(ctx.body, dict) else ctx.body
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise _validation([{"resource": "Label", "code": "invalid", "field": "labels"}], docs)
        issue = repo.issues[number]
        for name in names:
            repo.labels.setdefault(name, self._new_id())
            if name not in issue.labels:
                issue.labels.append(name)
        issue.updated_at = _now()
        return 200, [self._label_json(repo, n) for n in issue.labels]

    # ------------------------------------------------------------------ handlers: pulls

    def _pull_or_404(self, repo: _Repo, number: str, docs: str) -> int:
        if int(number) not in repo.pulls:
            raise _not_found(docs)
        return int(number)

    def _h_list_pulls(self, ctx: _Ctx) -> tuple:
        repo, args = ctx.repo, ctx.request.args
        state = args.get("state") or "open"
        head, base = args.get("head"), args.get("base")
        found = []
        for number, pull in sorted(repo.pulls.items(), reverse=True):  # newest first, like sort=created desc
            if state != "all" and repo.issues[number].state != state:
                continue
            if head and head != f"{repo.owner}:{pull.head}" and head.lower() != f"{repo.owner}:{pull.head}".lower():
                continue
            if base and base != pull.base:
                continue
            found.append(self._pull_json(repo, number, simple=True))
        return 200, found

    def _h_create_pull(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/pulls/pulls#create-a-pull-request"
        repo, body = ctx.repo, ctx.body or {}
        head, base, title = body.get("head") or "", body.get("base") or "", body.get("title")
        owner, _, branch = head.rpartition(":")
        if owner and owner.lower() != repo.owner.lower():
            raise _validation([{"resource": "PullRequest", "field": "head", "code": "invalid"}], docs)
        if not title:
            raise _validation([{"resource": "PullRequest", "code": "missing_field", "field": "title"}], docs)
        for name, value in (("base", base), ("head", branch)):
            if f"refs/heads/{value}" not in repo.refs:
                raise _validation([{"resource": "PullRequest", "field": name, "code": "invalid"}], docs)
        for number, pull in repo.pulls.items():
            if pull.head == branch and pull.base == base and repo.issues[number].state == "open":
                raise _validation([{"resource": "PullRequest", "code": "custom",
                                    "message": f"A pull request already exists for {repo.owner}:{branch}."}], docs)
        head_sha, base_sha = repo.refs[f"refs/heads/{branch}"], repo.refs[f"refs/heads/{base}"]
        if head_sha in repo.ancestors(base_sha):
            raise _validation([{"resource": "PullRequest", "code": "custom",
                                "message": f"No commits between {base} and {branch}"}], docs)
        number = max([0, *repo.issues]) + 1
        repo.issues[number] = _Issue(number, title, self.bot_login, body=body.get("body"), is_pull=True)
        repo.pulls[number] = _Pull(number, self._new_id(), branch, base, self.bot_login, head_sha,
                                   draft=bool(body.get("draft")))
        data = self._pull_json(repo, number)
        return 201, data, {"Location": data["url"]}

    def _h_get_pull(self, ctx: _Ctx) -> tuple:
        number = self._pull_or_404(ctx.repo, ctx.params["number"], f"{DOCS}/pulls/pulls#get-a-pull-request")
        return 200, self._pull_json(ctx.repo, number)

    def _h_update_pull(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/pulls/pulls#update-a-pull-request"
        repo, body = ctx.repo, ctx.body or {}
        number = self._pull_or_404(repo, ctx.params["number"], docs)
        issue, pull = repo.issues[number], repo.pulls[number]
        if "state" in body and body["state"] not in ("open", "closed"):
            raise _validation([{"resource": "PullRequest", "code": "invalid", "field": "state"}], docs)
        if "base" in body and f"refs/heads/{body['base']}" not in repo.refs:
            raise _validation([{"resource": "PullRequest", "code": "invalid", "field": "base"}], docs)
        issue.title = body.get("title", issue.title)
        issue.body = body.get("body", issue.body)
        pull.base = body.get("base", pull.base)
        if body.get("state") and body["state"] != issue.state:
            pull.last_head_sha = self._pull_head_sha(repo, pull)
            issue.state = body["state"]
            issue.closed_at = _now() if issue.state == "closed" else None
        issue.updated_at = _now()
        return 200, self._pull_json(repo, number)

    def _h_get_review_comment(self, ctx: _Ctx) -> tuple:
        comment = ctx.repo.review_comments.get(int(ctx.params["id"]))
        if comment is None:
            raise _not_found(f"{DOCS}/pulls/comments#get-a-review-comment-for-a-pull-request")
        return 200, self._review_comment_json(ctx.repo, comment)

    def _h_list_review_comments(self, ctx: _Ctx) -> tuple:
        repo = ctx.repo
        number = self._pull_or_404(repo, ctx.params["number"], f"{DOCS}/pulls/comments")
        return 200, [self._review_comment_json(repo, c)
                     for c in sorted(repo.review_comments.values(), key=lambda c: c.id) if c.number == number]

    def _h_reply(self, ctx: _Ctx) -> tuple:
        docs = f"{DOCS}/pulls/comments#create-a-reply-for-a-review-comment"
        repo = ctx.repo
        number = self._pull_or_404(repo, ctx.params["number"], docs)
        parent = repo.review_comments.get(int(ctx.params["id"]))
        if parent is None or parent.number != number:
            raise _not_found(docs)
        text = (ctx.body or {}).get("body")
        if not isinstance(text, str) or not text:
            raise _validation([{"resource": "PullRequestReviewComment", "code": "missing_field", "field": "body"}],
                              docs)
        # Replies attach to the top of the thread, as on GitHub.
        root = parent.in_reply_to if parent.in_reply_to is not None else parent.id
        reply = _Comment(self._new_id(), number, text, self.bot_login, in_reply_to=root, path=parent.path,
                         commit_id=parent.commit_id)
        repo.review_comments[reply.id] = reply
        data = self._review_comment_json(repo, reply)
        return 201, data, {"Location": data["url"]}
