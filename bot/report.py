"""The outcome of one request: one value rendered to JSON, the terminal and the PR body."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.findings import CheckResult, Finding
from bot.intent import Intent
from bot.preview import Preview
from bot.recipes import Draft
from bot.scope.model import ScopeReport

OPENED, REJECTED, ERROR = "opened", "rejected", "error"
EXIT_CODES = {OPENED: 0, REJECTED: 1, ERROR: 2}


@dataclass(frozen=True)
class Report:
    status: str
    message: str
    request: str
    intent: Intent | None = None
    draft: Draft | None = None
    checks: tuple[CheckResult, ...] = ()
    scope: ScopeReport | None = None
    preview: Preview | None = None
    base: str | None = None
    branch: str | None = None
    commit: str | None = None
    pr_title: str | None = None
    pr_body: str | None = None
    branch_created: bool = False  # so a failure after publishing can remove what it made
    branch_changed: bool = False  # False when the branch already held exactly this workflow
    llm: dict | None = None  # calls, tokens, cost and rounds when a model wrote the draft
    understood: dict | None = None  # the typed request and each clause with its field (and workflow line)
    # A revision: blocking findings that were already on the branch before it (people's commits there),
    # reported, not a reason to refuse; and those commits (sha, author).
    inherited: tuple[Finding, ...] = ()
    inherited_from: tuple[dict, ...] = ()
    changed: str = ""  # a revision: what it changed, in words

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for c in self.checks for f in c.findings if f.blocking)

    def but(self, **changes) -> "Report":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        scope = self.scope.to_dict() if self.scope else None
        return {
            "status": self.status,
            "message": self.message,
            "request": self.request,
            "intent": self.intent.to_dict() if self.intent else None,
            "generator": self.draft.generator if self.draft else None,
            "workflow": self.draft.path if self.draft else None,
            "workflow_text": self.draft.text if self.draft else None,
            "base": self.base,
            "branch": self.branch,
            "commit": self.commit,
            "scope": scope,
            "checks": [c.to_dict() for c in self.checks],
            "preview": self.preview.to_dict() if self.preview else None,
            "pr": {"title": self.pr_title, "body": self.pr_body} if self.pr_title else None,
            "llm": self.llm,
            "understood": self.understood,
        }
