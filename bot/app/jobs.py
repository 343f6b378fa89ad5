"""Turn a queued job into work: build the installation's client and run the job's handler."""

from __future__ import annotations

import logging

from bot import deadline
from bot.app.comment_job import JobContext, handle_comment
from bot.app.delivery import CommentCommand, PullRequestChange
from bot.app.recheck import recheck_pull_request
from bot.app.jobstore import MAX_ATTEMPTS, Job
from bot.app.worker import TIMED_OUT
from bot.render import comments

log = logging.getLogger("vibeops.jobs")


class JobHandler:
    """Runs one job for its installation; `give_up` answers a job whose workers kept dying under it."""

    def __init__(self, github_app, ctx: JobContext, time_limit: float | None = None):
        """`time_limit`: each job's wall-clock seconds (VIBEOPS_JOB_TIMEOUT); None for no limit."""
        self.github_app = github_app
        self.ctx = ctx
        self.time_limit = time_limit
        self.stopping: list = []  # threads of timed-out jobs, still winding down to their next checkpoint

    def __call__(self, job: Job) -> str | None:
        if not self.time_limit:
            return self._handle(job)
        outcome = deadline.run_within(lambda: self._handle(job), self.time_limit, name=f"vibeops-job-{job.id}")
        if outcome.timed_out:
            self.stopping = [t for t in self.stopping if t.is_alive()] + [outcome.thread]
            self.timed_out(job)
            return TIMED_OUT  # answered; running it again would only time out again
        if outcome.error is not None:
            raise outcome.error

    def timed_out(self, job: Job) -> None:
        log.error("job %s (%s) ran past its limit of %s s: answered as timed out", job.id, job.kind, self.time_limit)
        self._tell(job, "timed out", comments.timed_out(self.time_limit))

    def _tell(self, job: Job, what: str, message: str) -> None:
        """Answer in the thread of a comment job that could not finish; a pull request re-check runs again
        on the pull request's next push, so it needs no answer."""
        if job.kind != "comment":
            return
        cmd = CommentCommand.from_dict(job.payload)
        try:
            repo = self.github_app.repository(cmd.installation_id, cmd.repo)
        except Exception:
            log.exception("could not tell %s#%s that the job %s", cmd.repo, cmd.number, what)
            return
        _answer_failure(repo, cmd, message)

    def _handle(self, job: Job) -> None:
        if job.kind == "pull_request":
            change = PullRequestChange.from_dict(job.payload)
            repo = self.github_app.repository(change.installation_id, change.repo)
            outcome = recheck_pull_request(change, repo, self.ctx)
            log.info("delivery %s: %s on %s#%s", change.delivery_id, outcome, change.repo, change.number)
            return
        if job.kind != "comment":
            raise ValueError(f"unknown job kind {job.kind!r}")
        cmd = CommentCommand.from_dict(job.payload)
        repo = self.github_app.repository(cmd.installation_id, cmd.repo)
        try:
            outcome = handle_comment(cmd, repo, self.ctx)
            log.info("delivery %s: %s on %s#%s", cmd.delivery_id, outcome, cmd.repo, cmd.number)
        except Exception as exc:
            if job.attempts >= MAX_ATTEMPTS:
                _answer_failure(repo, cmd, comments.crashed(str(exc)))  # the last attempt still answers
            raise

    def give_up(self, job: Job) -> None:
        """The job's last attempt died with its worker (killed, out of memory): say so rather than stay silent."""
        log.error("job %s (%s) abandoned on attempt %s of %s: giving up", job.id, job.kind, job.attempts,
                  MAX_ATTEMPTS)
        self._tell(job, "was abandoned", comments.abandoned(job.attempts))


def default_handler(settings, metrics) -> JobHandler:
    """The production handler: the App's GitHub client, the tools and the LLM (if configured) from the environment."""
    import os

    from bot.adapters.archive import clean_stale_snapshots
    from bot.adapters.github import GitHubApp
    from bot.adapters.llm import LiteLLM, LLMSettings
    from bot.adapters.tools import Tools
    from bot.catalog import default_catalog
    from bot.render.markdown import marker_key
    from bot.repo_config import server_limits

    github_app = GitHubApp(settings.app_id, settings.private_key, settings.api_url, budget=rate_budget(settings),
                           seconds_between_requests=settings.github_request_interval,
                           seconds_between_writes=settings.github_write_interval)
    model = LLMSettings.from_env()
    ctx = JobContext(Tools.from_environment(), default_catalog(), settings.min_permission,
                     llm=LiteLLM(model) if model else None, max_rounds=model.max_rounds if model else 3,
                     server_config=server_limits(os.environ), metrics=metrics, bot_login=settings.bot_login,
                     marker_key=marker_key(settings.private_key))
    clean_stale_snapshots()  # what a killed worker left in the temporary folder
    return JobHandler(github_app, ctx, time_limit=settings.job_seconds)


def rate_budget(settings):
    """Each installation's budget under GitHub's secondary limits: shared through Redis by every worker of a
    Redis deployment, kept in the process on the embedded SQLite queue."""
    from bot.adapters.github_budget import Limits, MemoryWindows, NoWindows, RateBudget, RedisWindows

    limits = Limits(settings.github_writes_per_minute, settings.github_writes_per_hour,
                    settings.github_points_per_minute)
    if not settings.github_rate_budget:
        return RateBudget(limits, NoWindows())
    if settings.queue_url:
        from redis import Redis

        return RateBudget(limits, RedisWindows(Redis.from_url(settings.queue_url)))
    return RateBudget(limits, MemoryWindows())


def _answer_failure(repo, cmd: CommentCommand, message: str) -> None:
    review = cmd.event == "pull_request_review_comment"
    try:
        repo.reply(cmd.number, cmd.comment_id, review, message)
        repo.react(cmd.number, cmd.comment_id, review, "confused")
    except Exception:  # GitHub itself is unreachable; the log is all that is left
        log.exception("could not tell %s#%s that the job failed", cmd.repo, cmd.number)
