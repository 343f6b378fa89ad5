"""Scale-out throughput: recipe requests per minute through 1 and 2 `vibeops worker`s on Redis, and worker peak memory."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.redis_queue import RedisQueue  # noqa: E402
from bot.app.settings import Settings  # noqa: E402
from bot.app.web import create_app  # noqa: E402
from tests import payloads  # noqa: E402
from tests.appkit import INSTALLATION, SECRET, SEED, wordsmith_files  # noqa: E402
from tests.fakegithub import FakeGitHub  # noqa: E402
from tests.scaleout import RedisServer, app_env, kill_group, start_worker  # noqa: E402

RATE_TARGET = 60.0  # recipe requests per minute with 2 workers
MEMORY_TARGET_MB = 250.0  # peak RSS of one `vibeops worker`
# RQ logs "... job in 0:00:01.234567s on worker ..." (a timedelta) when a job succeeds.
COMPLETED = re.compile(r"Successfully completed .* in (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)s")
SCHEDULER = re.compile(r"Scheduler for .* started with PID (\d+)")


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version()}


def proc_status(pid: int) -> dict[str, str]:
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    except OSError:
        pass
    return fields


def kib_to_mb(value: str | None) -> float | None:
    # /proc reports "123456 kB" (KiB); MB here means MiB, as container memory limits do.
    return round(int(value.split()[0]) / 1024, 1) if value else None


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid`, found by scanning /proc (no psutil)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and proc_status(int(entry)).get("PPid") == str(pid):
            found.append(int(entry))
    return found


def memory_of(pid: int, log_text: str) -> dict:
    status = proc_status(pid)
    scheduler_pids = {int(p) for p in SCHEDULER.findall(log_text)}
    kids = []
    for child in children(pid):
        child_status = proc_status(child)
        kids.append({"pid": child, "role": "rq scheduler" if child in scheduler_pids else child_status.get("Name"),
                     "peak_rss_mb": kib_to_mb(child_status.get("VmHWM")),
                     "rss_mb": kib_to_mb(child_status.get("VmRSS"))})
    return {"pid": pid, "peak_rss_mb": kib_to_mb(status.get("VmHWM")), "rss_mb": kib_to_mb(status.get("VmRSS")),
            "children": kids}


def job_seconds(log_text: str) -> list[float]:
    times = []
    for hours, minutes, seconds in COMPLETED.findall(log_text):
        times.append(int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds))
    return times


class Deployment:
    """redis-server on a unix socket, the fake GitHub in this process, a web app on the queue, and workers."""

    def __init__(self, scratch: Path, repos: int):
        self.scratch = scratch
        self.redis = RedisServer(scratch)
        self.github = FakeGitHub()
        self.github.start()
        files = wordsmith_files()
        self.repos = [f"acme/wordsmith-{n}" for n in range(repos)]
        for repo in self.repos:
            self.github.add_repo(repo, files)
            self.github.set_permission(repo, "alice", "write")
            self.github.add_issue(repo, 1, "Scan the API manifest")
        self.github.add_installation(INSTALLATION, self.repos)
        # Every job is of one installation: lift the per-installation limit (default 2) above the request count,
        # so the queue's fairness limit is not what gets measured.
        self.env = app_env(self.github, self.redis.url, scratch, VIBEOPS_PER_INSTALLATION_JOBS=str(repos))
        settings = Settings.from_env(self.env)
        self.client = create_app(settings, start_worker=False).test_client()
        self.queue = RedisQueue(self.redis.url)
        self.workers: list = []
        self.logs: list[Path] = []
        self.comment_id = 700_000

    def delivery(self, repo: str) -> tuple[str, bytes]:
        self.comment_id += 1
        self.github.add_issue_comment(repo, 1, self.comment_id, SEED, user="alice")
        body = payloads.dumps(payloads.issue_comment_created(repo, 1, self.comment_id, SEED, user="alice",
                                                             installation_id=INSTALLATION,
                                                             base_url=self.github.base_url))
        return f"bench-{self.comment_id}", body

    def post(self, delivery: str, body: bytes) -> None:
        answer = self.client.post("/api/github/webhooks", data=body,
                                  headers=payloads.headers("issue_comment", delivery, body, SECRET))
        if answer.status_code != 202:
            raise SystemExit(f"bench: delivery {delivery} answered {answer.status_code}: {answer.get_data()[:300]!r}")

    def start_workers(self, count: int, timeout: float = 60) -> float:
        start = time.perf_counter()
        for n in range(count):
            log = self.scratch / f"worker-{n}.log"
            self.logs.append(log)
            self.workers.append(start_worker(self.env, log))
        deadline = time.time() + timeout
        while not all("Listening on" in self.log_text(n) for n in range(count)):
            for n, worker in enumerate(self.workers):
                if worker.poll() is not None:
                    raise SystemExit(f"bench: worker {n} exited {worker.returncode}:\n{self.log_text(n)[-2000:]}")
            if time.time() > deadline:
                raise SystemExit(f"bench: workers not listening after {timeout} s")
            time.sleep(0.05)
        return time.perf_counter() - start

    def log_text(self, n: int) -> str:
        try:
            return self.logs[n].read_text(errors="replace")
        except OSError:
            return ""

    def wait_done(self, total: int, timeout: float) -> dict:
        deadline = time.time() + timeout
        while True:
            counts = self.queue.counts()
            if counts["done"] + counts["failed"] >= total:
                return counts
            if time.time() > deadline:
                raise SystemExit(f"bench: only {counts} of {total} jobs after {timeout:.0f} s")
            for n, worker in enumerate(self.workers):
                if worker.poll() is not None:
                    raise SystemExit(f"bench: worker {n} exited {worker.returncode}:\n{self.log_text(n)[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        for worker in self.workers:
            kill_group(worker, signal.SIGTERM)
        self.github.stop()
        self.redis.stop()


def measure(workers: int, requests: int, warmup: bool) -> dict:
    """One deployment with `workers` workers: warm-up (one job per worker), then `requests` jobs timed together."""
    warm = workers if warmup else 0
    with tempfile.TemporaryDirectory(prefix="vibeops-throughput-") as tmp:
        deployment = Deployment(Path(tmp), warm + requests)
        try:
            startup = deployment.start_workers(workers)
            if warm:
                for repo in deployment.repos[:warm]:
                    deployment.post(*deployment.delivery(repo))
                deployment.wait_done(warm, 300)
            warm_jobs = [len(job_seconds(deployment.log_text(n))) for n in range(workers)]
            timed_repos = deployment.repos[warm:]
            # Comments exist in the fake before the clock starts; only posting and running the jobs are timed.
            deliveries = [deployment.delivery(repo) for repo in timed_repos]
            github_before = len(deployment.github.requests)
            start = time.perf_counter()
            for delivery in deliveries:
                deployment.post(*delivery)
            enqueued = time.perf_counter() - start
            counts = deployment.wait_done(warm + requests, max(300.0, 20.0 * requests))
            elapsed = time.perf_counter() - start
            calls = deployment.github.requests[github_before:]
            texts = [deployment.log_text(n) for n in range(workers)]
            memory = [memory_of(worker.pid, texts[n]) for n, worker in enumerate(deployment.workers)]
        finally:
            deployment.stop()
        texts = [deployment.log_text(n) for n in range(workers)]
        per_worker_jobs = [len(job_seconds(text)) - before for text, before in zip(texts, warm_jobs)]
        durations = [s for text, before in zip(texts, warm_jobs) for s in job_seconds(text)[before:]]
        problems = []
        if counts["failed"] or counts["done"] != warm + requests:
            problems.append(f"queue counts {counts}, expected {warm + requests} done and 0 failed")
        for repo in deployment.repos:
            bot_pulls = [p for p in deployment.github.pulls(repo) if p["head"].startswith("vibeops/")]
            if len(bot_pulls) != 1:
                problems.append(f"{repo}: {len(bot_pulls)} bot pull requests, expected 1")
        if deployment.github.server_errors:
            problems.append(f"fake GitHub crashed {len(deployment.github.server_errors)} times")
        retried = sum(text.count('"retry') + text.count("Retrying") for text in texts)
        writes = [c for c in calls if c[0] != "GET"]
        failed_calls = [c for c in calls if c[2] >= 400]
        return {
            "workers": workers, "requests": requests, "warmup_jobs": warm,
            "worker_startup_s": round(startup, 2), "enqueue_s": round(enqueued, 3), "elapsed_s": round(elapsed, 2),
            "per_minute": round(requests / elapsed * 60, 1),
            "jobs_per_worker": per_worker_jobs,
            "job_s": {"median": round(statistics.median(durations), 3), "min": round(min(durations), 3),
                      "max": round(max(durations), 3)} if durations else None,
            "github_requests_per_job": round(len(calls) / requests, 1),
            "github_writes_per_job": round(len(writes) / requests, 1),
            "github_errors": len(failed_calls), "retries_logged": retried,
            "memory": memory, "problems": problems,
        }


def pacing_floor(run: dict) -> float:
    """Seconds of PyGithub pacing per job at production defaults (0.25 s between requests, 1 s between writes)."""
    return max(run["github_writes_per_job"] * 1.0, run["github_requests_per_job"] * 0.25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=60, help="timed requests for the 2-worker run (default 60)")
    parser.add_argument("--requests-1", type=int, default=40, dest="requests_1",
                        help="timed requests for the 1-worker run (default 40)")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the untimed warm-up job per worker (first-job imports then count)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.requests_1 < 1:
        parser.error("--requests and --requests-1 must be at least 1")

    wall = time.perf_counter()
    host = machine()
    runs = {"1": measure(1, args.requests_1, not args.no_warmup), "2": measure(2, args.requests, not args.no_warmup)}
    wall = time.perf_counter() - wall
    one, two = runs["1"], runs["2"]
    scaling = two["per_minute"] / one["per_minute"]
    peak = max(m["peak_rss_mb"] or 0 for run in runs.values() for m in run["memory"])
    problems = [f"{n} worker(s): {p}" for n, run in runs.items() for p in run["problems"]]
    verdicts = {
        "requests_per_minute_2_workers": {"value": two["per_minute"], "target": f">= {RATE_TARGET:.0f}",
                                          "verdict": "PASS" if two["per_minute"] >= RATE_TARGET else "MISS"},
        "worker_peak_rss_mb": {"value": peak, "target": f"< {MEMORY_TARGET_MB:.0f}",
                               "verdict": "PASS" if peak < MEMORY_TARGET_MB else "MISS"},
    }
    if args.json:
        print(json.dumps({"machine": host, "runs": runs, "scaling_2_over_1": round(scaling, 2),
                          "verdicts": verdicts, "problems": problems, "total_s": round(wall, 1),
                          "conditions": {"github_pacing": "off", "per_installation_jobs": "raised to the job count",
                                         "fake_github": "in the bench process"}}, indent=2))
        return 1 if problems else 0

    print(f"machine: {host['cpus']} CPUs, {host['cpu_model']}, Python {host['python']}")
    print("conditions: redis-server on a unix socket; the fake GitHub serves from threads of this bench process,")
    print("  sharing the same cores as the workers; GitHub pacing off (VIBEOPS_GITHUB_WRITE_INTERVAL=0,")
    print("  VIBEOPS_GITHUB_REQUEST_INTERVAL=0: the fake has no secondary rate limits); one installation, with")
    print("  VIBEOPS_PER_INSTALLATION_JOBS raised to the job count so the fairness limit is not what is measured;")
    print(f"  one repository per request (a fresh branch and pull request each); "
          f"{'one untimed warm-up job per worker' if not args.no_warmup else 'no warm-up'}; the clock starts")
    print("  when the first delivery is posted (workers already listening) and stops when the last job is done.")
    print()
    print(f"{'':<34}{'1 worker':>12}{'2 workers':>12}{'2 / 1':>9}")

    def row(label: str, a, b, ratio: bool = False, fmt: str = "{}") -> None:
        cells = f"{fmt.format(a):>12}{fmt.format(b):>12}"
        print(f"{label:<34}{cells}{(f'{b / a:>9.2f}' if ratio and a else ''):}")

    row("timed requests", one["requests"], two["requests"])
    row("requests per minute", one["per_minute"], two["per_minute"], ratio=True, fmt="{:.1f}")
    row("wall time, s", one["elapsed_s"], two["elapsed_s"], fmt="{:.1f}")
    row("posting all deliveries, s", one["enqueue_s"], two["enqueue_s"], fmt="{:.2f}")
    row("job time median (RQ log), s", one["job_s"]["median"], two["job_s"]["median"], ratio=True, fmt="{:.2f}")
    row("job time min, s", one["job_s"]["min"], two["job_s"]["min"], fmt="{:.2f}")
    row("job time max, s", one["job_s"]["max"], two["job_s"]["max"], fmt="{:.2f}")
    row("jobs per worker", "/".join(map(str, one["jobs_per_worker"])), "/".join(map(str, two["jobs_per_worker"])))
    row("GitHub requests per job", one["github_requests_per_job"], two["github_requests_per_job"])
    row("  of which writes", one["github_writes_per_job"], two["github_writes_per_job"])
    row("worker startup (excluded), s", one["worker_startup_s"], two["worker_startup_s"], fmt="{:.1f}")
    for n, run in runs.items():
        for index, mem in enumerate(run["memory"]):
            kids = "; ".join(f"{k['role']} pid {k['pid']}: peak {k['peak_rss_mb']} MB" for k in run["memory"][index]
                             ["children"]) or "no child process"
            print(f"{n}-worker run, worker {index} (pid {mem['pid']}): peak RSS (VmHWM) {mem['peak_rss_mb']} MB, "
                  f"now {mem['rss_mb']} MB; {kids}")
    floor = pacing_floor(two)
    print(f"At production pacing (0.25 s between requests, 1 s between writes, per worker and installation), "
          f"{two['github_requests_per_job']} requests / {two['github_writes_per_job']} writes per job would add a "
          f"floor of about {floor:.0f} s per job, i.e. at most {60 / floor:.1f} jobs per minute per worker for one "
          f"installation." if floor else "")
    print("Worker memory excludes its scanner subprocesses (trivy, actionlint, zizmor), which have their own RSS.")
    print(f"total bench time {wall:.0f} s")
    for verdict_name, verdict in verdicts.items():
        print(f"{verdict['verdict']}  {verdict_name} = {verdict['value']} (target {verdict['target']})")
    if problems:
        print("FAILED JOBS OR MISSING PULL REQUESTS:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
