"""The App wired for tests: production wiring with fast retries, and helpers to drive and inspect it."""

from __future__ import annotations

import itertools


from bot.adapters.github import GitHubApp
from bot.adapters.github_retry import RetryPolicy
from bot.adapters.tools import Tools
from bot.app.comment_job import JobContext
from bot.app.jobs import JobHandler
from bot.app.jobstore import JobStore
from bot.app.settings import Settings
from bot.app.web import create_app
from bot.app.worker import Worker
from bot.catalog import default_catalog
from bot.render.markdown import marker_key
from tests import payloads
from tests.conftest import DEMO
from tests.fakegithub import FakeGitHub

REPO = "acme/shop"
SECRET = "e2e-secret"
INSTALLATION = 31
SEED = "/vibeops add trivy scan for k8s-manifests/api.yaml"
BRANCH = "vibeops/trivy-config-k8s-manifests-api-99997fb9"
WORKFLOW = ".github/workflows/vibeops-trivy-config-k8s-manifests-api.yml"
comment_ids = itertools.count(5000)  # comment ids, unique across the whole test session


def demo_files() -> dict[str, bytes]:
    return {str(p.relative_to(DEMO)): p.read_bytes() for p in DEMO.rglob("*") if p.is_file()}


class App:
    """The App under test, wired like production but with fast retries and no pacing."""

    def __init__(self, fake: FakeGitHub, data_dir, tools=None, job_seconds: float | None = None):
        self.fake = fake
        self.settings = Settings(app_id=fake.app_id, private_key=fake.private_key_pem.decode(),
                                 webhook_secret=SECRET, api_url=fake.base_url, data_dir=data_dir)
        github_app = GitHubApp(fake.app_id, self.settings.private_key, fake.base_url,
                               retry=RetryPolicy(attempts=4, base_seconds=0.01),
                               seconds_between_requests=0, seconds_between_writes=0)
        handler = JobHandler(github_app, JobContext(tools or Tools.from_environment(), default_catalog(),
                                                    bot_login=fake.bot_login, marker_key=marker_key(SECRET)),
                             time_limit=job_seconds)
        self.store = JobStore(data_dir / "jobs.sqlite3")
        self.worker = Worker(self.store, handler, retry_base_seconds=0, give_up=handler.give_up)
        self.web = create_app(self.settings, store=self.store, worker=self.worker, start_worker=False)
        self.client = self.web.test_client()

    def comment(self, body: str, user="alice", number=1, on_pull_request=False, review=False,
                delivery: str | None = None, user_type="User", secret=SECRET) -> tuple[int, int]:
        comment_id = next(comment_ids)
        if review:
            self.fake.add_review_comment(REPO, number, comment_id, body, user=user)
            payload = payloads.review_comment_created(REPO, number, comment_id, body, user=user,
                                                      installation_id=INSTALLATION, base_url=self.fake.base_url)
            event = "pull_request_review_comment"
        else:
            self.fake.add_issue_comment(REPO, number, comment_id, body, user=user)
            payload = payloads.issue_comment_created(REPO, number, comment_id, body, user=user, user_type=user_type,
                                                     installation_id=INSTALLATION, on_pull_request=on_pull_request,
                                                     base_url=self.fake.base_url)
            event = "issue_comment"
        status = self.deliver(event, payload, delivery or f"delivery-{comment_id}", secret)
        return status, comment_id

    def deliver(self, event: str, payload: dict, delivery: str, secret=SECRET) -> int:
        body = payloads.dumps(payload)
        answer = self.client.post("/api/github/webhooks", data=body,
                                  headers=payloads.headers(event, delivery, body, secret))
        self.last_answer = answer
        return answer.status_code

    def work(self) -> int:
        return self.worker.run_until_idle()


def bot_pulls(fake: FakeGitHub) -> list[dict]:
    return [p for p in fake.pulls(REPO) if p["head"].startswith("vibeops/")]


def replies(fake: FakeGitHub, number: int) -> list[str]:
    return [c["body"] for c in fake.comments(REPO, number) if c["user"] == fake.bot_login]


def started_github():
    """A started fake GitHub with the demo shop repository, an installation and a few people."""
    fake = FakeGitHub()
    fake.start()
    fake.add_installation(INSTALLATION, [REPO])
    fake.add_repo(REPO, demo_files())
    fake.set_permission(REPO, "alice", "write")
    fake.set_permission(REPO, "maude", "maintain")
    fake.set_permission(REPO, "bob", "read")
    fake.add_issue(REPO, 1, "Scan the API manifest")
    fake.add_pull(REPO, 2, head="main")
    return fake
