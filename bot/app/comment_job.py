"""Answer one `/vibeops` comment: check who asked, run the pipeline on GitHub, report back."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.app import commands
from bot.app.delivery import CommentCommand
from bot.app.ownership import from_fork, own_marker
from bot.catalog import Catalog
from bot.forge import ForgeError, ForgeUnavailable
from bot.pipeline import Services, load_config, revise_pull_request, run_request
from bot.render import comments
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
    bot_login: str = "vibeops[bot]"  # the App's bot account: the author of the pull requests it opens
    marker_key: bytes | None = None  # signs and checks request markers (markdown.marker_key); None trusts none


ADD_VERBS = ("add", "create", "setup", "set")


def command_verb(text: str, on_own_pull: bool) -> str:
    """The `commands` entry a comment needs: help, add, explain, check, retry or revise."""
    verb = (text.split() or ["help"])[0].lower()
    if verb in ("help", "explain", "check", "retry"):
        return verb
    if verb in ADD_VERBS or not on_own_pull:
        return "add"
    return "revise"  # a follow-up on the App's own pull request


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

    # Who asks comes first: nothing of the repository is read (or answered about) for people below the
    # server's lowest role. author_association is not enough (private org members show as CONTRIBUTOR).
    limits = with_min_permission(ctx.server_config, ctx.min_permission, "VIBEOPS_MIN_PERMISSION")
    role = repo.permission(cmd.author)
    if ROLE_RANK.get(role, 0) < ROLE_RANK[limits.min_permission]:
        reply(comments.not_allowed(cmd.author, cmd.repo, role, limits.min_permission,
                                   limits.where("trigger.min_permission")))
        return "not-allowed"
    # Read from the default branch: a pull request cannot loosen its own rules.
    try:
        config = load_config(repo, repo.default_branch(), limits)
    except ConfigError as exc:
        reply(comments.bad_config(str(exc)))
        react("confused")
        return "bad-config"
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
    if not config.enabled:  # said only to people allowed to run it
        reply(comments.refused(f"vibeops is turned off for this repository by {config.where('enabled')}."))
        return "disabled"
    pull = repo.pull_info(cmd.number) if cmd.is_pull_request else None
    # Only a pull request proven to be the App's own has a request to revise or retry (see ownership).
    marker = own_marker(repo, cmd.number, pull, ctx.bot_login, config.branch_prefix, ctx.marker_key)
    verb = command_verb(cmd.text, marker is not None)
    if verb not in config.commands:
        reply(comments.refused(f"`/vibeops {verb}` is not allowed here ({config.where('commands')})."))
        return "not-allowed"
    react("eyes")
    services = Services(repo, ctx.tools, ctx.catalog, llm=ctx.llm, max_rounds=ctx.max_rounds,
                        server_config=ctx.server_config, config=config, marker_key=ctx.marker_key)
    if verb == "help":
        reply(commands.help_reply(repo))
        return "help"
    # `/vibeops check` alone or with workflow files checks them; `/vibeops check k8s with trivy` is a request.
    if verb == "explain" or (verb == "check" and all(w.endswith((".yml", ".yaml")) for w in cmd.text.split()[1:])):
        fork = pull is not None and from_fork(pull)
        reply(commands.explain_reply(repo, cmd, pull, marker) if verb == "explain"
              else commands.check_reply(repo, cmd, pull, marker, ctx, static_only=fork))
        return verb
    if verb == "retry":
        if marker is None:
            reply(comments.refused("`/vibeops retry` re-runs the request of a vibeops pull request; "
                                   "comment the request again to run it."))
            return "retry-refused"
        cmd = replace(cmd, text=marker["request"])
    elif verb == "revise":
        people = tuple(c for c in repo.pull_commits(cmd.number) if c.get("author") != ctx.bot_login)
        report = revise_pull_request(marker, cmd.text, pull["head"], services, config, people_commits=people)
        if report.status != OPENED:
            reply(comments.revision_failed(report))
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
