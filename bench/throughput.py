"""Scale-out throughput: recipe requests per minute with 1 and 2 `vibeops worker`s on Redis, and worker peak RSS."""

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
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.redis_queue import RedisQueue  # noqa: E402
from bot.app.settings import Settings  # noqa: E402
from bot.app.web import create_app  # noqa: E402
from tests import payloads  # noqa: E402
from tests.appkit import INSTALLATION, SECRET, SEED, demo_files  # noqa: E402
from tests.fakegithub import FakeGitHub  # noqa: E402
from tests.scaleout import RedisServer, app_env, kill_group, start_worker  # noqa: E402

RATE_TARGET = 60.0  # recipe requests per minute with 2 workers
MEMORY_TARGET_MB = 250.0  # peak RSS of one `vibeops worker`
# RQ logs "... job in 0:00:01.234567s on worker ..." (a timedelta) when a job succeeds.
COMPLETED = re.compile(r"Successfully completed .* in (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)s")
SCHEDULER = re.compile(r"Scheduler for .* started with PID (\d+)")
TICK = os.sysconf("SC_CLK_TCK")


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



def process_cpu(pid: int) -> tuple[float, float]:
    """(own CPU seconds, CPU seconds of its reaped children) from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return (utime + stime) / TICK, (cutime + cstime) / TICK


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already inside user
    return (total - idle) / TICK, total / TICK


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


class CpuClock:
    """CPU seconds spent by each part of the deployment between start() and stop()."""

    def __init__(self, workers: list[int], redis_pid: int, scheduler_pids):
        self.workers, self.redis_pid, self.scheduler_pids = workers, redis_pid, scheduler_pids

    def snapshot(self) -> dict[str, float]:
        own = [process_cpu(pid) for pid in self.workers]
        busy, total = machine_cpu()
        return {"worker python": sum(o for o, _ in own), "scanner subprocesses": sum(c for _, c in own),
                "rq scheduler": sum(process_cpu(pid)[0] for pid in self.scheduler_pids()),
                "redis-server": process_cpu(self.redis_pid)[0], "bench (fake GitHub, posting)": own_cpu(),
                "busy": busy, "total": total}

    def start(self) -> None:
        self.begin = self.snapshot()

    def stop(self) -> dict[str, float]:
        end = self.snapshot()
        spent = {key: end[key] - self.begin[key] for key in end}
        ours = sum(v for k, v in spent.items() if k not in ("busy", "total"))
        spent["other processes"] = max(0.0, spent["busy"] - ours)
        return spent


def pss_mb(pid: int) -> float:
    """Proportional set size: shared pages split among their sharers, so a sum over processes counts each once."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


class TreeSampler(threading.Thread):
    """Polls each worker and its child processes (scanners, scheduler): roughly what a container limit sees."""

    def __init__(self, workers: list[int], scheduler_pids, interval: float = 0.1):
        super().__init__(name="rss-sampler", daemon=True)
        self.workers, self.scheduler_pids, self.interval = workers, scheduler_pids, interval
        self.done = threading.Event()
        self.tree_peak_mb = {pid: 0.0 for pid in workers}  # worker + descendants, PSS summed at one instant
        self.child_peak_mb: dict[str, float] = {}  # by program, from each child's own VmHWM

    def run(self) -> None:
        while not self.done.wait(self.interval):
            schedulers = set(self.scheduler_pids())
            for pid in self.workers:
                name_of_worker = proc_status(pid).get("Name")
                total = pss_mb(pid)
                for child in self.descendants(pid):
                    status = proc_status(child)
                    if not status:
                        continue  # gone already
                    total += pss_mb(child)
                    name = "rq scheduler" if child in schedulers else status.get("Name", "?")
                    if name == name_of_worker:
                        continue  # a subprocess between fork and exec: the worker's own pages, not a program yet
                    peak = kib_to_mb(status.get("VmHWM")) or 0.0
                    self.child_peak_mb[name] = max(self.child_peak_mb.get(name, 0.0), peak)
                self.tree_peak_mb[pid] = max(self.tree_peak_mb[pid], round(total, 1))

    @staticmethod
    def descendants(pid: int) -> list[int]:
        found, stack = [], [pid]
        while stack:
            parent = stack.pop()
            try:
                tasks = os.listdir(f"/proc/{parent}/task")
            except OSError:
                continue
            for task in tasks:
                try:
                    kids = [int(k) for k in Path(f"/proc/{parent}/task/{task}/children").read_text().split()]
                except OSError:
                    continue
                found.extend(kids)
                stack.extend(kids)
        return found

    def stop(self) -> None:
        self.done.set()
        self.join()


def job_seconds(log_text: str) -> list[float]:
    times = []
    for hours, minutes, seconds in COMPLETED.findall(log_text):
        times.append(int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds))
    return times


class TimedRequests(list):
    """The fake's request log, with the moment each request was answered beside it."""

    def __init__(self):
        super().__init__()
        self.times: list[float] = []

    def append(self, item) -> None:
        self.times.append(time.monotonic())
        super().append(item)


def paced_extra_seconds(calls: list[tuple[str, float]], between_requests: float = 0.25,
                        between_writes: float = 1.0) -> float:
    """How much longer one job's run of GitHub calls takes under PyGithub's pacing than it took without.

    Replays the job's calls with the gaps measured unpaced: each call starts no sooner than its measured gap
    after the previous one, `between_requests` after any previous call, and (a write) `between_writes` after
    the previous write, as github.Requester defers them.
    """
    (_, first), clock = calls[0], calls[0][1]
    last_any, last_write = clock, clock if calls[0][0] != "GET" else float("-inf")
    for (_, before), (method, at) in zip(calls, calls[1:]):
        start = max(clock + (at - before), last_any + between_requests)
        if method != "GET":
            start = max(start, last_write + between_writes)
            last_write = start
        clock = last_any = start
    return (clock - first) - (calls[-1][1] - first)


class Deployment:
    """redis-server on a unix socket, the fake GitHub in this process, a web app on the queue, and workers."""

    def __init__(self, scratch: Path, repos: int, pacing: bool = False):
        self.scratch = scratch
        self.redis = RedisServer(scratch)
        self.github = FakeGitHub()
        self.github.requests = TimedRequests()
        self.github.start()
        files = demo_files()
        self.repos = [f"acme/shop-{n}" for n in range(repos)]
        # Load comes from many installations, one repository each: GitHub's secondary limits (and vibeops's
        # rate budget, shared by the workers through Redis) are per installation.
        self.installations = {repo: INSTALLATION + n for n, repo in enumerate(self.repos)}
        for repo in self.repos:
            self.github.add_repo(repo, files)
            self.github.set_permission(repo, "alice", "write")
            self.github.add_issue(repo, 1, "Scan the API manifest")
            self.github.add_installation(self.installations[repo], [repo])
        self.env = app_env(self.github, self.redis.url, scratch)
        self.env.pop("VIBEOPS_GITHUB_REQUEST_INTERVAL")  # production defaults: the rate budget, no fixed pauses
        self.env.pop("VIBEOPS_GITHUB_WRITE_INTERVAL")
        self.env.pop("VIBEOPS_GITHUB_RATE_BUDGET")
        if pacing:  # the fixed pauses of earlier versions, for comparison
            self.env.update(VIBEOPS_GITHUB_REQUEST_INTERVAL="0.25", VIBEOPS_GITHUB_WRITE_INTERVAL="1.0")
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
                                                             installation_id=self.installations[repo],
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
            time.sleep(0.1)

    def stop(self) -> None:
        for worker in self.workers:
            kill_group(worker, signal.SIGTERM)
        self.github.stop()
        self.redis.stop()


def measure(workers: int, requests: int, warmup: bool, pacing: bool = False) -> dict:
    """One deployment with `workers` workers: warm-up (one job per worker), then `requests` jobs timed together."""
    warm = workers if warmup else 0
    with tempfile.TemporaryDirectory(prefix="vibeops-throughput-") as tmp:
        deployment = Deployment(Path(tmp), warm + requests, pacing)
        sampler = None

        def schedulers() -> list[int]:
            return [int(p) for n in range(workers) for p in SCHEDULER.findall(deployment.log_text(n))]

        try:
            startup = deployment.start_workers(workers)
            pids = [worker.pid for worker in deployment.workers]
            sampler = TreeSampler(pids, schedulers)
            sampler.start()
            if warm:
                for repo in deployment.repos[:warm]:
                    deployment.post(*deployment.delivery(repo))
                deployment.wait_done(warm, 300)
            warm_jobs = [len(job_seconds(deployment.log_text(n))) for n in range(workers)]
            timed_repos = deployment.repos[warm:]
            # Comments exist in the fake before the clock starts; only posting and running the jobs are timed.
            deliveries = [deployment.delivery(repo) for repo in timed_repos]
            github_before = len(deployment.github.requests)
            clock = CpuClock(pids, deployment.redis.process.pid, schedulers)
            clock.start()
            start = time.perf_counter()
            for delivery in deliveries:
                deployment.post(*delivery)
            enqueued = time.perf_counter() - start
            counts = deployment.wait_done(warm + requests, max(300.0, 20.0 * requests))
            elapsed = time.perf_counter() - start
            cpu = clock.stop()
            calls = deployment.github.requests[github_before:]
            call_times = deployment.github.requests.times[github_before:]
            texts = [deployment.log_text(n) for n in range(workers)]
            memory = [memory_of(pid, texts[n]) for n, pid in enumerate(pids)]
            for mem in memory:
                mem["tree_peak_rss_mb"] = sampler.tree_peak_mb[mem["pid"]]
        finally:
            if sampler is not None:
                sampler.stop()
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
        writes = [c for c in calls if c[0] != "GET"]
        by_repo: dict[str, list[tuple[str, float]]] = {}
        for (method, path, _), at in zip(calls, call_times):
            match = re.match(r"/repos/([^/]+/[^/]+)/", path)
            if match:
                by_repo.setdefault(match.group(1), []).append((method, at))
        pacing_extra = [paced_extra_seconds(job) for job in by_repo.values()] if not pacing else []
        # The rate budget's promise: no installation (here one per repository) ever passes GitHub's limits.
        busiest = max((most_in_a_minute([at for method, at in job if method != "GET"]) for job in by_repo.values()),
                      default=0)
        if busiest > 80:
            problems.append(f"an installation made {busiest} content-creating requests in one minute (GitHub: 80)")
        # 404s are expected: the optional .github/vibeops.yml and .yaml, and the not-yet-existing branch.
        failed_calls = [c for c in calls if c[2] >= 400 and c[2] != 404]
        return {
            "workers": workers, "requests": requests, "warmup_jobs": warm,
            "worker_startup_s": round(startup, 2), "enqueue_s": round(enqueued, 3), "elapsed_s": round(elapsed, 2),
            "per_minute": round(requests / elapsed * 60, 1),
            "jobs_per_worker": per_worker_jobs,
            "job_s": {"median": round(statistics.median(durations), 3), "min": round(min(durations), 3),
                      "max": round(max(durations), 3)} if durations else None,
            "github_requests_per_job": round(len(calls) / requests, 1),
            "github_writes_per_job": round(len(writes) / requests, 1),
            "github_errors": len(failed_calls),
            "most_writes_in_a_minute_per_installation": busiest,
            "production_pacing_extra_s_per_job": round(statistics.median(pacing_extra), 2) if pacing_extra else None,
            "cpu_s_per_job": {k: round(v / requests, 3) for k, v in cpu.items() if k not in ("busy", "total")},
            "machine_busy": round(cpu["busy"] / cpu["total"], 3) if cpu["total"] else None,
            "memory": memory, "child_peak_rss_mb": sampler.child_peak_mb, "problems": problems,
        }


def most_in_a_minute(times: list[float]) -> int:
    """The most events inside any 60 s window."""
    times, most, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 60:
            first += 1
        most = max(most, last - first + 1)
    return most


def load_average() -> float:
    return os.getloadavg()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=60, help="timed requests for the 2-worker run (default 60)")
    parser.add_argument("--requests-1", type=int, default=40, dest="requests_1",
                        help="timed requests for the 1-worker run (default 40)")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the untimed warm-up job per worker (first-job imports then count)")
    parser.add_argument("--production-pacing", action="store_true",
                        help="add the fixed pauses of earlier versions (0.25 s between requests, 1 s between "
                             "writes) to the rate budget, for comparison; use fewer --requests")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.requests_1 < 1:
        parser.error("--requests and --requests-1 must be at least 1")

    wall = time.perf_counter()
    host = machine()
    host["load_average_1min_at_start"] = round(load_average(), 2)
    pacing = args.production_pacing
    runs = {"1": measure(1, args.requests_1, not args.no_warmup, pacing),
            "2": measure(2, args.requests, not args.no_warmup, pacing)}
    wall = time.perf_counter() - wall
    one, two = runs["1"], runs["2"]
    scaling = two["per_minute"] / one["per_minute"]
    peak = max(m["peak_rss_mb"] or 0 for run in runs.values() for m in run["memory"])
    problems = [f"{n} worker(s): {p}" for n, run in runs.items() for p in run["problems"]]
    disturbed = [n for n, run in runs.items()
                 if run["cpu_s_per_job"]["other processes"] > 0.1 * sum(run["cpu_s_per_job"].values())]
    extra = one["production_pacing_extra_s_per_job"]
    paced_job = one["job_s"]["median"] + extra if extra is not None and one["job_s"] else None
    verdicts = {
        "requests_per_minute_2_workers": {"value": two["per_minute"], "target": f">= {RATE_TARGET:.0f}",
                                          "verdict": "PASS" if two["per_minute"] >= RATE_TARGET else "MISS"},
        "worker_peak_rss_mb": {"value": peak, "target": f"< {MEMORY_TARGET_MB:.0f}",
                               "verdict": "PASS" if peak < MEMORY_TARGET_MB else "MISS"},
    }
    pacing_words = ("the rate budget plus the old fixed pauses (VIBEOPS_GITHUB_REQUEST_INTERVAL=0.25, "
                    "VIBEOPS_GITHUB_WRITE_INTERVAL=1.0)" if pacing else
                    "production defaults: the per-installation rate budget, no fixed pauses")
    if args.json:
        print(json.dumps({"machine": host, "runs": runs, "scaling_2_over_1": round(scaling, 2),
                          "verdicts": verdicts, "problems": problems, "disturbed_runs": disturbed,
                          "estimated_job_s_at_production_pacing": round(paced_job, 2) if paced_job else None,
                          "total_s": round(wall, 1),
                          "conditions": {"github_pacing": pacing_words,
                                         "installations": "one per repository (one per request)",
                                         "fake_github": "threads of the bench process, on the same cores",
                                         "warmup": "none" if args.no_warmup else "one untimed job per worker"}},
                         indent=2))
        for problem in problems:
            print(f"FAILED: {problem}", file=sys.stderr)
        return 1 if problems else 0

    print(f"machine: {host['cpus']} CPUs, {host['cpu_model']}, Python {host['python']}, "
          f"load average {host['load_average_1min_at_start']} at start")
    conditions = (
        "conditions: redis-server on a unix socket; the fake GitHub serves from threads of this bench process, on "
        f"the same cores as the workers; GitHub pacing {pacing_words}; one installation per repository, as load "
        "from many installations arrives; "
        "one repository per request, so each opens its own branch and pull request; deliveries are signed and "
        "posted through create_app's test client on the Redis queue (the web tier in this process, as in "
        "tests/test_scaleout.py); "
        f"{'no warm-up job' if args.no_warmup else 'one untimed warm-up job per worker'}; the clock starts when the "
        "first delivery is posted (workers already listening) and stops when the queue counts the last job done.")
    print(textwrap.fill(conditions, width=110, subsequent_indent="  "))
    print()
    print(f"{'':<38}{'1 worker':>12}{'2 workers':>12}{'2 / 1':>8}")

    def row(label: str, a, b, ratio: bool = False, fmt: str = "{}") -> None:
        cells = f"{fmt.format(a):>12}{fmt.format(b):>12}"
        print(f"{label:<38}{cells}{(f'{b / a:>8.2f}' if ratio and a else '')}")

    row("timed requests", one["requests"], two["requests"])
    row("requests per minute", one["per_minute"], two["per_minute"], ratio=True, fmt="{:.1f}")
    row("wall time, s", one["elapsed_s"], two["elapsed_s"], fmt="{:.1f}")
    row("  of which posting the deliveries, s", one["enqueue_s"], two["enqueue_s"], fmt="{:.2f}")
    row("job time median (RQ log), s", one["job_s"]["median"], two["job_s"]["median"], ratio=True, fmt="{:.2f}")
    row("job time min / max, s", f"{one['job_s']['min']:.2f}/{one['job_s']['max']:.2f}",
        f"{two['job_s']['min']:.2f}/{two['job_s']['max']:.2f}")
    row("jobs per worker", "/".join(map(str, one["jobs_per_worker"])), "/".join(map(str, two["jobs_per_worker"])))
    row("GitHub requests per job", one["github_requests_per_job"], two["github_requests_per_job"])
    row("  of which writes", one["github_writes_per_job"], two["github_writes_per_job"])
    row("GitHub answers other than 2xx/404", one["github_errors"], two["github_errors"])
    row("worker startup (not timed), s", one["worker_startup_s"], two["worker_startup_s"], fmt="{:.1f}")
    row("machine CPU busy in timed window", f"{one['machine_busy']:.0%}", f"{two['machine_busy']:.0%}")
    print("CPU seconds per job:")
    for part in one["cpu_s_per_job"]:
        row(f"  {part}", one["cpu_s_per_job"][part], two["cpu_s_per_job"][part], fmt="{:.3f}")
    row("  total", sum(one["cpu_s_per_job"].values()), sum(two["cpu_s_per_job"].values()), fmt="{:.3f}")
    print("Memory (MB = MiB):")
    for n, run in runs.items():
        for index, mem in enumerate(run["memory"]):
            kids = "; ".join(f"{k['role']} (pid {k['pid']}) peak {k['peak_rss_mb']}" for k in mem["children"])
            print(f"  {n}-worker run, worker {index}: peak RSS (VmHWM) {mem['peak_rss_mb']}, "
                  f"{kids or 'no child process'}")
        print("    worker + its children at one instant (PSS summed, sampled every 0.1 s): peak "
              + ", ".join(str(mem["tree_peak_rss_mb"]) for mem in run["memory"]))
        children_peaks = ", ".join(f"{name} {mb}" for name, mb in sorted(run["child_peak_rss_mb"].items()))
        print(f"    child processes' own peak RSS (VmHWM): {children_peaks}")
    print("  A worker's VmHWM is its own process only. Its scanner subprocesses and the RQ scheduler (forked by")
    print("  the one worker holding the scheduler lock) are shown apart; a container's memory limit counts them all.")
    if paced_job is None:
        print("GitHub pacing: ON at production defaults for this run (0.25 s between requests, 1 s between writes).")
    else:
        print(textwrap.fill(
            f"GitHub pacing: production defaults space one worker's calls to an installation 0.25 s apart and its "
            f"writes 1 s apart. Replaying the 1-worker run's {one['github_requests_per_job']:.0f} calls per job "
            f"({one['github_writes_per_job']:.0f} writes) with their measured gaps under that pacing adds "
            f"{one['production_pacing_extra_s_per_job']:.1f} s to a job: about {paced_job:.1f} s each, "
            f"{60 / paced_job:.1f} jobs per minute per worker (2 workers ~{120 / paced_job:.0f}, as the time is "
            f"spent waiting); --production-pacing measures it.", width=110, subsequent_indent="  "))
    for n in disturbed:
        print(f"WARNING: other processes used {runs[n]['cpu_s_per_job']['other processes']:.2f} CPU-s per job during "
              f"the {n}-worker run; its figures are disturbed", file=sys.stderr)
    print(f"total bench time {wall:.0f} s")
    for verdict_name, verdict in verdicts.items():
        print(f"{verdict['verdict']}  {verdict_name} = {verdict['value']} (target {verdict['target']})")
    if problems:
        print("FAILED: jobs failed or pull requests are missing:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
