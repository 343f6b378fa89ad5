"""Benchmark: `vibeops run` for the hadolint and checkov recipes against running the tools directly.

The floor is what a careful person would run by hand for the same request: actionlint on the
generated workflow, then the tool itself on the requested files (hadolint's JSON, checkov offline).
vibeops also runs zizmor, the scope engine, the dynamic scope check and the preview.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import BIN, timed, tool  # noqa: E402

RATIO_TARGET = 1.3
FILES = {
    "docker/api/Dockerfile": "FROM ubuntu\nRUN apt-get update && apt-get install -y curl\n",
    "docker/web/Dockerfile": "FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n",
    "k8s/api.yaml": ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n"
                     "    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n"
                     "      containers:\n        - name: api\n          image: nginx:latest\n"),
    "k8s/db.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  ports:\n    - port: 5432\n",
}
CASES = {
    "hadolint": ("add hadolint check for docker/api/Dockerfile and docker/web/Dockerfile",
                 lambda repo: [tool("hadolint"), "--no-color", "--no-fail", "-f", "json",
                               "docker/api/Dockerfile", "docker/web/Dockerfile"]),
    "checkov": ("add checkov scan for k8s",
                lambda repo: [tool("checkov"), "--skip-download", "--compact", "-o", "json", "-d", "k8s"]),
}


def fresh_repo(parent: Path) -> Path:
    repo = Path(tempfile.mkdtemp(prefix="repo-", dir=parent))
    for name, text in FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "-m", "s"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


def draft_of(scratch: Path, request: str) -> tuple[str, str]:
    repo = fresh_repo(scratch)
    out = subprocess.run([str(BIN / "vibeops"), "run", request, "--repo", str(repo), "--json"],
                         capture_output=True, text=True, check=False)
    shutil.rmtree(repo)
    report = json.loads(out.stdout)
    if report.get("status") != "opened":
        sys.exit(f"bench: vibeops run did not open a branch: {report.get('message')}")
    return report["workflow"], report["workflow_text"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=5, help="timed runs per variant (default 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "LOG_LEVEL": "ERROR"}
    results = {}
    load_before = os.getloadavg()[0]  # a shared machine: the figures are read with its load
    with tempfile.TemporaryDirectory(prefix="vibeops-recipes-bench-") as tmp:
        scratch = Path(tmp)
        for name, (request, command) in CASES.items():
            if not Path(tool(name)).exists():
                print(f"{name}: not installed, skipped (make test installs it)")
                continue
            path, text = draft_of(scratch, request)

            def run_vibeops() -> float:
                repo = fresh_repo(scratch)
                try:
                    return timed([str(BIN / "vibeops"), "run", request, "--repo", str(repo)])
                finally:
                    shutil.rmtree(repo)

            def run_floor() -> float:
                repo = fresh_repo(scratch)
                try:
                    lint = timed([tool("actionlint"), "-format", "{{json .}}", "-no-color", "-stdin-filename",
                                  path, "-"], cwd=repo, stdin=text, ok=(0, 1))
                    return lint + timed(command(repo), cwd=repo, ok=(0, 1), env=env)
                finally:
                    shutil.rmtree(repo)

            run_vibeops(), run_floor()  # untimed: page cache
            samples = {"vibeops run": [], "floor": []}
            for _ in range(args.iterations):  # interleaved, so machine noise lands on both
                samples["vibeops run"].append(run_vibeops())
                samples["floor"].append(run_floor())
            medians = {k: round(statistics.median(v), 4) for k, v in samples.items()}
            ratio = medians["vibeops run"] / medians["floor"]
            results[name] = {"seconds": medians, "ratio_run_floor": round(ratio, 3),
                             "verdict": "PASS" if ratio <= RATIO_TARGET else "MISS"}
    load = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    if args.json:
        print(json.dumps({"iterations": args.iterations, "load_average": load, "target": f"<= {RATIO_TARGET}",
                          "cases": results}, indent=2))
        return 0
    print(f"{'recipe':<10}{'vibeops run s':>15}{'floor s':>10}{'ratio':>8}   target <= {RATIO_TARGET}")
    for name, r in results.items():
        print(f"{name:<10}{r['seconds']['vibeops run']:>15}{r['seconds']['floor']:>10}"
              f"{r['ratio_run_floor']:>8}   {r['verdict']}")
    print(f"load average (1 min) {load[0]} before, {load[1]} after; {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
