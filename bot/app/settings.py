"""The App's settings, read Probot-style from the environment, checked before anything starts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.repo_config import ROLES

DEFAULT_API_URL = "https://api.github.com"
QUEUE_SCHEMES = ("redis://", "rediss://", "unix://")


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    app_id: int
    private_key: str
    webhook_secret: str
    api_url: str = DEFAULT_API_URL
    data_dir: Path = Path(".vibeops")
    min_permission: str = "write"
    bot_login: str = "vibeops[bot]"
    per_installation_jobs: int = 2  # jobs of one installation running at once, across all workers
    worker_heartbeat_seconds: int = 10  # a job whose worker missed three beats is given to another worker
    # Optional fixed pauses between one installation's requests and writes (PyGithub's pacing); off by
    # default: the rate budget (bot.adapters.github_budget) keeps each installation under GitHub's limits.
    github_request_interval: float = 0.0
    github_write_interval: float = 0.0
    # The budget's limits per installation: content-creating requests a minute and an hour, points a minute.
    github_writes_per_minute: int = 60
    github_writes_per_hour: int = 375
    github_points_per_minute: int = 675
    github_rate_budget: bool = True  # off only where GitHub sets no secondary limits (an Enterprise Server so set)
    embedded_worker: bool = True  # SQLite queue only: the web processes run jobs too (False: `vibeops worker` does)
    queue_url: str = ""  # empty: the embedded SQLite queue; redis://…: the shared Redis queue (RQ)
    job_seconds: int = 300  # each job's wall-clock limit; over it the job is answered as timed out

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, receives_webhooks: bool = True) -> "Settings":
        """The settings of a web process; `receives_webhooks=False` (a `vibeops worker`) needs no webhook secret."""
        env = os.environ if env is None else env
        secret = env.get("WEBHOOK_SECRET", "")
        if not secret and receives_webhooks:
            raise SettingsError("WEBHOOK_SECRET is not set: refusing to accept unsigned webhooks")
        app_id = env.get("APP_ID", "")
        if not app_id.isdigit():
            raise SettingsError("APP_ID must be the GitHub App's numeric ID")
        key = env.get("PRIVATE_KEY", "").replace("\\n", "\n")
        if not key and env.get("PRIVATE_KEY_PATH"):
            try:
                key = Path(env["PRIVATE_KEY_PATH"]).read_text()
            except OSError as exc:
                raise SettingsError(f"PRIVATE_KEY_PATH {env['PRIVATE_KEY_PATH']}: {exc.strerror}") from exc
        if "PRIVATE KEY" not in key:
            raise SettingsError("set PRIVATE_KEY (the PEM text) or PRIVATE_KEY_PATH (the .pem file)")
        role = env.get("VIBEOPS_MIN_PERMISSION", "write")
        if role not in ROLES:
            raise SettingsError(f"VIBEOPS_MIN_PERMISSION must be one of {', '.join(ROLES)}")
        queue_url = env.get("VIBEOPS_QUEUE", "").strip()
        if queue_url and not queue_url.startswith(QUEUE_SCHEMES):
            raise SettingsError(f"VIBEOPS_QUEUE must be a Redis URL ({', '.join(QUEUE_SCHEMES)}...) or unset "
                                f"for the embedded SQLite queue, not {queue_url.split('://')[0]}://...")
        jobs = env.get("VIBEOPS_PER_INSTALLATION_JOBS", "2")
        if not jobs.isdigit() or int(jobs) < 1:
            raise SettingsError("VIBEOPS_PER_INSTALLATION_JOBS must be a whole number of at least 1")
        embedded = env.get("VIBEOPS_EMBEDDED_WORKER", "1").strip().lower()
        if embedded not in ("1", "0", "true", "false", "yes", "no"):
            raise SettingsError("VIBEOPS_EMBEDDED_WORKER must be 1 or 0 (true or false)")
        heartbeat = env.get("VIBEOPS_WORKER_HEARTBEAT_SECONDS", "10")
        if not heartbeat.isdigit() or int(heartbeat) < 1:
            raise SettingsError("VIBEOPS_WORKER_HEARTBEAT_SECONDS must be a whole number of seconds, at least 1")
        job_seconds = env.get("VIBEOPS_JOB_TIMEOUT", "300").strip()
        if not job_seconds.isdigit() or int(job_seconds) < 1:
            raise SettingsError("VIBEOPS_JOB_TIMEOUT must be a whole number of seconds, at least 1")
        intervals = {}
        for name, default in (("VIBEOPS_GITHUB_REQUEST_INTERVAL", "0"), ("VIBEOPS_GITHUB_WRITE_INTERVAL", "0")):
            try:
                intervals[name] = float(env.get(name, default))
            except ValueError:
                intervals[name] = -1.0
            if not 0 <= intervals[name] <= 60:
                raise SettingsError(f"{name} must be a number of seconds from 0 to 60")
        budget = {}
        for name, default, ceiling in (("VIBEOPS_GITHUB_WRITES_PER_MINUTE", 60, 80),
                                       ("VIBEOPS_GITHUB_WRITES_PER_HOUR", 375, 500),
                                       ("VIBEOPS_GITHUB_POINTS_PER_MINUTE", 675, 900)):
            value = env.get(name, str(default)).strip()
            if not value.isdigit() or not 1 <= int(value) <= ceiling:
                raise SettingsError(f"{name} must be a whole number from 1 to {ceiling} (GitHub's own limit)")
            budget[name] = int(value)
        rate_budget = env.get("VIBEOPS_GITHUB_RATE_BUDGET", "on").strip().lower()
        if rate_budget not in ("on", "off"):
            raise SettingsError("VIBEOPS_GITHUB_RATE_BUDGET must be on or off")
        return cls(
            app_id=int(app_id),
            private_key=key,
            webhook_secret=secret,
            api_url=env.get("GITHUB_API_URL", DEFAULT_API_URL).rstrip("/"),
            data_dir=Path(env.get("VIBEOPS_DATA_DIR", ".vibeops")),
            min_permission=role,
            bot_login=env.get("VIBEOPS_BOT_LOGIN", "vibeops[bot]"),
            per_installation_jobs=int(jobs),
            queue_url=queue_url,
            embedded_worker=embedded in ("1", "true", "yes"),
            worker_heartbeat_seconds=int(heartbeat),
            github_request_interval=intervals["VIBEOPS_GITHUB_REQUEST_INTERVAL"],
            github_write_interval=intervals["VIBEOPS_GITHUB_WRITE_INTERVAL"],
            github_writes_per_minute=budget["VIBEOPS_GITHUB_WRITES_PER_MINUTE"],
            github_writes_per_hour=budget["VIBEOPS_GITHUB_WRITES_PER_HOUR"],
            github_points_per_minute=budget["VIBEOPS_GITHUB_POINTS_PER_MINUTE"],
            github_rate_budget=rate_budget == "on",
            job_seconds=int(job_seconds),
        )
