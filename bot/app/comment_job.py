"""Answer one `/vibeops` comment: check who asked, run the pipeline on GitHub, report back."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.delivery import CommentCommand
from bot.catalog import Catalog
from bot.forge import ForgeError, ForgeUnavailable
from bot.pipeline import Services, load_config, run_request
from bot.repo_config import ConfigError, with_min_permission
from bot.render import comments
from bot.report import OPENED

ROLE_RANK = {role: rank for rank, role in enumerate(("none", "read", "triage", "write", "maintain", "admin"))}


@dataclass(frozen=True)
class JobContext:
    tools: object
    catalog: Catalog
    min_permission: str = "write"
    llm: object | None = None  # the model for requests no recipe covers
    max_rounds: int = 3
    server_config: object | None = None  # RepoConfig limits every repository's config stays within


def handle_comment(cmd: CommentCommand, repo, ctx: JobContext) -> str:
    """Returns the outcome: not-allowed, help, opened, or the failed report's status."""
    review = cmd.event == "pull_request_review_comment"

    def reply(body: str) -> None:
        repo.reply(cmd.number, cmd.comment_id, review, body)

    def react(content: str) -> None:
        repo.react(cmd.number, cmd.comment_id, review, content)

    # Read from the default branch: a pull request cannot loosen its own rules.
    limits = with_min_permission(ctx.server_config, ctx.min_permission, "VIBEOPS_MIN_PERMISSION")
    try:
        config = load_config(repo, repo.default_branch(), limits)
    except ConfigError as exc:
        reply(comments.bad_config(str(exc)))
        react("confused")
        return "bad-config"
    if not config.enabled:
        reply(comments.refused(f"vibeops is turned off for this repository by {config.where('enabled')}."))
        return "disabled"
    # author_association is not enough (private org members show as CONTRIBUTOR): ask GitHub.
    role = repo.permission(cmd.author)
    if ROLE_RANK.get(role, 0) < ROLE_RANK[config.min_permission]:
        reply(comments.not_allowed(cmd.author, cmd.repo, role, config.min_permission,
                                   config.where("trigger.min_permission")))
        return "not-allowed"
    if config.users and cmd.author not in config.users:
        reply(comments.refused(f"@{cmd.author}, only the people listed in {config.where('trigger.users')} "
                               "may run vibeops here."))
        return "not-allowed"
    if config.teams and not any(repo.in_team(team, cmd.author) for team in config.teams):
        reply(comments.refused(f"@{cmd.author}, only members of {', '.join(config.teams)} "
                               f"({config.where('trigger.teams')}) may run vibeops here."))
        return "not-allowed"
    verb = (cmd.text.split() or ["help"])[0].lower()
    if verb in ("help", "add") and verb not in config.commands:
        reply(comments.refused(f"`/vibeops {verb}` is not allowed here ({config.where('commands')})."))
        return "not-allowed"
    react("eyes")
    if cmd.text.strip().lower() in ("", "help"):
        reply(comments.help_text())
        return "help"
    services = Services(repo, ctx.tools, ctx.catalog, llm=ctx.llm, max_rounds=ctx.max_rounds,
                        server_config=ctx.server_config)
    report = run_request(cmd.text, services, comment_url=cmd.comment_url, config=config)
    if report.status != OPENED:
        reply(comments.failed(report))
        react("confused")
        return report.status
    try:
        number, url, created = repo.open_or_update_pull(report.branch, report.base, report.pr_title,
                                                        report.pr_body, config.labels, config.reviewers,
                                                        config.draft)
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
