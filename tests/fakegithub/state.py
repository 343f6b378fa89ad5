"""What the fake GitHub remembers: repositories, issues, pulls, comments and App installations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tests.fakegithub.objects import GitObjects

ROLES = ("admin", "maintain", "write", "triage", "read", "none")
# GitHub's legacy `permission` field folds the five roles into admin/write/read/none.
LEGACY_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read",
                     "none": "none"}
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
WORKFLOWS_DIR = ".github/workflows/"


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def person(name: str) -> dict:
    """Author/committer of a commit a person pushed outside the API."""
    return {"name": name, "email": f"{name}@users.noreply.example", "date": now()}


@dataclass
class Issue:
    number: int
    title: str
    user: str
    body: str | None = None
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    is_pull: bool = False
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    closed_at: str | None = None


@dataclass
class Pull:
    number: int
    id: int
    head: str
    base: str
    user: str
    last_head_sha: str
    draft: bool = False
    reviewers: list = field(default_factory=list)
    head_repo: str | None = None  # "owner/name" of the fork the head branch lives in; None: this repository


@dataclass
class Comment:
    id: int
    number: int  # issue or pull request number
    body: str
    user: str
    created_at: str = field(default_factory=now)
    in_reply_to: int | None = None
    path: str = "README.md"
    commit_id: str = ""


@dataclass
class Installation:
    id: int
    repos: list[str]
    permissions: dict[str, str]


@dataclass
class Repo(GitObjects):
    owner: str
    name: str
    id: int
    default_branch: str
    objects: dict[str, tuple[str, Any]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # "refs/heads/main" -> commit sha
    roles: dict[str, str] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    issue_comments: dict[int, Comment] = field(default_factory=dict)
    review_comments: dict[int, Comment] = field(default_factory=dict)
    # (kind, comment id) -> [(reaction id, user, content, created_at)], kind "issue" or "pull"
    reactions: dict[tuple[str, int], list[tuple[int, str, str, str]]] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    deny_workflows: bool = False
    created_at: str = field(default_factory=now)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def pull_head_sha(self, pull: Pull) -> str:
        # Without its head branch (deleted, or never pushed) a pull request keeps the sha it last saw.
        if pull.head_repo is not None:  # a fork's branch: GitHub keeps its head as refs/pull/N/head here
            return self.refs.get(f"refs/pull/{pull.number}/head", pull.last_head_sha)
        return self.refs.get(f"refs/heads/{pull.head}", pull.last_head_sha)

    def head_owner(self, pull: Pull) -> str:
        return pull.head_repo.split("/")[0] if pull.head_repo else self.owner

    def workflow_violation(self, new_sha: str) -> str | None:
        """First workflow file changed by a commit that no branch contains yet (when writes are denied)."""
        if not self.deny_workflows:
            return None
        known: set[str] = set()
        for sha in self.refs.values():
            known |= self.ancestors(sha)
        for sha in sorted(self.ancestors(new_sha) - known):
            commit = self.commit(sha)
            before = self.flat(self.tree_of(commit["parents"][0])) if commit["parents"] else {}
            after = self.flat(commit["tree"])
            changed = sorted(p for p in before.keys() | after.keys()
                             if p.startswith(WORKFLOWS_DIR) and before.get(p) != after.get(p))
            if changed:
                return changed[0]
        return None
