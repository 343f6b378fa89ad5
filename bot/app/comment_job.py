"""Answer one `/vibeops` comment: check who asked, run the pipeline on GitHub, report back."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.app import commands
from bot.app.delivery import CommentCommand
from bot.catalog import Catalog
from bot.forge import ForgeError, ForgeUnavailable
from bot.pipeline import Services, load_config, revise_pull_request, run_request
from bot.render import comments
from bot.render.markdown import read_marker
from bot.repo_config import ROLES, ConfigError, with_min_permission
from bot.report import OPENED

ROLE_RANK = {role: rank for rank, role in enumerate(("none",) + ROLES)}


@dataclass(frozen=True)
class JobContext:
    tools: object
    catalog: Catalog
    min_permission: str = "write"
    llm: object | None = None  # the model for requests no recipe covers
    max_rounds: int = 3
    server_config: object | None = None  # RepoConfig limits every repository's config stays within
    metrics: object | None = None  # bot.app.metrics.Metrics


def handle_comment(cmd: CommentCommand, repo, ctx: JobContext) -> str:
    """Returns the outcome: not-allowed, help, opened, or the failed report's status."""
    review = cmd.event == "pull_request_review_comment"

    def reply(body: str) -> None:
        if cmd.is_pull_request and not review:  # one status comment per pull request, edited in place
            repo.status_comment(cmd.number, body)
        else:
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
    services = Services(repo, ctx.tools, ctx.catalog, llm=ctx.llm, max_rounds=ctx.max_rounds,
                        server_config=ctx.server_config, config=config)
    pull = repo.pull_info(cmd.number) if cmd.is_pull_request else None
    marker = read_marker(pull["body"]) if pull and pull["head"].startswith(config.branch_prefix) else None
    if verb == "help" or not cmd.text.strip():
        reply(commands.help_reply(repo))
        return "help"
    # `/vibeops check` alone or with workflow files checks them; `/vibeops check k8s with trivy` is a request.
    if verb == "explain" or (verb == "check" and all(w.endswith((".yml", ".yaml")) for w in cmd.text.split()[1:])):
        reply(commands.explain_reply(repo, cmd, pull, marker) if verb == "explain"
              else commands.check_reply(repo, cmd, pull, marker, ctx))
        return verb
    if verb == "retry":
        if marker is None:
            reply(comments.refused("`/vibeops retry` re-runs the request of a vibeops pull request; "
                                   "comment the request again to run it."))
            return "retry-refused"
        cmd = replace(cmd, text=marker["request"])
    elif marker is not None and verb not in ("add", "create", "setup", "set"):
        report = revise_pull_request(marker, cmd.text, pull["head"], services, config)
        if report.status != OPENED:
            reply(comments.failed(report))
            react("confused")
            return report.status
        repo.update_pull_body(cmd.number, report.pr_body)
        reply(comments.revised(report))
        react("rocket")
        return "revised"
    report = run_request(cmd.text, services, comment_url=cmd.comment_url, config=config)
    _record(ctx.metrics, report)
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
    reply(comments.opened(report, number, url, created, report.branch_changed))
    react("rocket")
    return "opened"


def _record(metrics, report) -> None:
    if metrics is None:
        return
    for check in report.checks:
        metrics.count("vibeops_checks_total", check=check.check_id, result="pass" if check.ok else "fail")
    if report.llm:
        metrics.count("vibeops_llm_tokens_total", report.llm["prompt_tokens"], kind="prompt")
        metrics.count("vibeops_llm_tokens_total", report.llm["completion_tokens"], kind="completion")
        metrics.count("vibeops_llm_calls_total", report.llm["calls"])
