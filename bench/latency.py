"""Comment → pull request, and comment → final reaction, for the seed request against the loopback fake GitHub.

Side by side: the production default (a per-installation rate budget under GitHub's secondary limits, which
lets a job's few writes go out at once) and the fixed pauses of earlier versions (0.25 s before every
request, 1 s before every write). The App runs as `vibeops serve` does: the web app with its embedded
worker thread on the SQLite queue, the real actionlint, trivy and zizmor.

Targets: comment → pull request under 3 s (p50) and comment → final reaction under 4 s (p50).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throughput import TimedRequests, machine  # noqa: E402
from bot.app.settings import Settings  # noqa: E402
from bot.app.web import create_app  # noqa: E402
from tests import payloads  # noqa: E402
from tests.appkit import INSTALLATION, SECRET, SEED, demo_files  # noqa: E402
from tests.fakegithub import FakeGitHub  # noqa: E402

PR_TARGET, REACTION_TARGET = 3.0, 4.0


def measure(requests: int, fixed_pauses: bool) -> dict:
    github = FakeGitHub()
    github.requests = TimedRequests()
    github.start()
    repos = [f"acme/shop-{n}" for n in range(requests + 1)]  # one more: an untimed warm-up
    for n, repo in enumerate(repos):
        github.add_repo(repo, demo_files())
        github.set_permission(repo, "alice", "write")
        github.add_issue(repo, 1, "Scan the API manifest")
        github.add_installation(INSTALLATION + n, [repo])
    env = {"APP_ID": str(github.app_id), "PRIVATE_KEY": github.private_key_pem.decode(), "WEBHOOK_SECRET": SECRET,
           "GITHUB_API_URL": github.base_url}
    if fixed_pauses:
        env.update(VIBEOPS_GITHUB_REQUEST_INTERVAL="0.25", VIBEOPS_GITHUB_WRITE_INTERVAL="1.0")
    pr_seconds, reaction_seconds = [], []
    with tempfile.TemporaryDirectory(prefix="vibeops-latency-") as data:
        settings = Settings.from_env({**env, "VIBEOPS_DATA_DIR": data})
        app = create_app(settings)  # the embedded worker thread starts here, as under `vibeops serve`
        client = app.test_client()
        try:
            for n, repo in enumerate(repos):
                comment_id = 900_000 + n
                github.add_issue_comment(repo, 1, comment_id, SEED, user="alice")
                body = payloads.dumps(payloads.issue_comment_created(repo, 1, comment_id, SEED, user="alice",
                                                                     installation_id=INSTALLATION + n,
                                                                     base_url=github.base_url))
                seen = len(github.requests)
                start = time.monotonic()
                answer = client.post("/api/github/webhooks", data=body,
                                     headers=payloads.headers("issue_comment", f"lat-{n}", body, SECRET))
                if answer.status_code != 202:
                    raise SystemExit(f"bench: delivery answered {answer.status_code}")
                deadline = start + 120
                while "rocket" not in github.reactions(repo, comment_id) and "confused" not in \
                        github.reactions(repo, comment_id):
                    if time.monotonic() > deadline:
                        raise SystemExit(f"bench: no final reaction on {repo} after 120 s")
                    time.sleep(0.01)
                calls = list(zip(github.requests[seen:], github.requests.times[seen:]))
                opened = [at for (method, path, status), at in calls
                          if method == "POST" and path.endswith(f"/{repo}/pulls") and status == 201]
                reacted = [at for (method, path, _), at in calls if method == "POST" and path.endswith("/reactions")]
                if not opened or "confused" in github.reactions(repo, comment_id):
                    raise SystemExit(f"bench: {repo} did not open a pull request")
                if n == 0:
                    continue  # the warm-up: imports and first tool runs
                pr_seconds.append(opened[0] - start)
                reaction_seconds.append(max(reacted) - start)
        finally:
            worker = app.extensions["vibeops"]["worker"]
            if worker is not None:
                worker.stop()
            github.stop()

    def summary(values: list[float]) -> dict:
        ordered = sorted(values)
        return {"p50": round(statistics.median(ordered), 2), "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 2),
                "max": round(ordered[-1], 2)}

    return {"comment_to_pull_request_s": summary(pr_seconds), "comment_to_final_reaction_s": summary(reaction_seconds)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=8, help="timed requests per mode (default 8)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    runs = {"rate budget (default)": measure(args.requests, False),
            "fixed pauses (earlier versions)": measure(args.requests, True)}
    budget = runs["rate budget (default)"]
    verdicts = {
        "comment_to_pull_request_p50": {"value": budget["comment_to_pull_request_s"]["p50"],
                                        "target": f"< {PR_TARGET}",
                                        "verdict": "PASS" if budget["comment_to_pull_request_s"]["p50"] < PR_TARGET
                                        else "MISS"},
        "comment_to_final_reaction_p50": {"value": budget["comment_to_final_reaction_s"]["p50"],
                                          "target": f"< {REACTION_TARGET}",
                                          "verdict": "PASS" if budget["comment_to_final_reaction_s"]["p50"]
                                          < REACTION_TARGET else "MISS"},
    }
    if args.json:
        print(json.dumps({"machine": machine(), "runs": runs, "verdicts": verdicts}, indent=2))
        return 0
    print(f"machine: {machine()}")
    print(f"{'mode':34} {'comment → PR p50/p90':>22} {'comment → final reaction p50/p90':>34}")
    for mode, run in runs.items():
        pr, done = run["comment_to_pull_request_s"], run["comment_to_final_reaction_s"]
        print(f"{mode:34} {pr['p50']:>10.2f} / {pr['p90']:<9.2f} {done['p50']:>18.2f} / {done['p90']:<9.2f}")
    for name, verdict in verdicts.items():
        print(f"{name}: {verdict['value']} s (target {verdict['target']} s) {verdict['verdict']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
