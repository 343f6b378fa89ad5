"""Answer one `/vibeops` comment: check who asked, run the pipeline on GitHub, report back."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.delivery import CommentCommand
from bot.catalog import Catalog
from bot.forge import ForgeError, ForgeUnavailable
from bot.pipeline import Services, run_request
from bot.render import comments
from bot.report import OPENED

ROLE_RANK = {role: rank for rank, role in enumerate(("none", "read", "triage", "write", "maintain", "admin"))}
LABELS = ("vibeops",)


@dataclass(frozen=True)
class JobContext:
    tools: object
    catalog: Catalog
    min_permission: str = "write"
    llm: object | None = None  # the model for requests no recipe covers
    max_rounds: int = 3


def handle_comment(cmd: CommentCommand, repo, ctx: JobContext) -> str:
    """Returns the outcome: not-allowed, help, opened, or the failed report's status."""
    review = cmd.event == "pull_request_review_comment"

    def reply(body: str) -> None:
        repo.reply(cmd.number, cmd.comment_id, review, body)

    def react(content: str) -> None:
        repo.react(cmd.number, cmd.comment_id, review, content)

    # author_association is not enough (private org members show as CONTRIBUTOR): ask GitHub.
    role = repo.permission(cmd.author)
    if ROLE_RANK.get(role, 0) < ROLE_RANK[ctx.min_permission]:
        reply(comments.not_allowed(cmd.author, cmd.repo, role, ctx.min_permission))
        return "not-allowed"
    react("eyes")
    if cmd.text.strip().lower() in ("", "help"):
        reply(comments.help_text())
        return "help"
    services = Services(repo, ctx.tools, ctx.catalog, llm=ctx.llm, max_rounds=ctx.max_rounds)
    report = run_request(cmd.text, services, comment_url=cmd.comment_url)
    if report.status != OPENED:
        reply(comments.failed(report))
        react("confused")
        return report.status
    try:
        number, url, created = repo.open_or_update_pull(report.branch, report.base, report.pr_title,
                                                        report.pr_body, LABELS)
    except ForgeError as exc:
        if report.branch_created:
            repo.delete_branch(report.branch)  # no half-made branch without its pull request
        if isinstance(exc, ForgeUnavailable):
            raise  # GitHub is down: the worker runs the job again later
        reply(comments.failed(report.but(status="error", message=str(exc))))
        react("confused")
        return "error"
    changed = "already up to date" not in report.message
    reply(comments.opened(report, number, url, created, changed))
    react("rocket")
    return "opened"
