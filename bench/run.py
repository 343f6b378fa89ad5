"""Benchmark: `vibeops run` against the bare scanner invocations it wraps, and `vibeops --help` startup."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.adapters.tools import trivy_environment

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "demo"
REQUEST = "add trivy scan for k8s-manifests/api.yaml"
TARGET = "k8s-manifests/api.yaml"
RATIO_TARGET = 1.3
HELP_TARGET = 0.3
# The venv's bin, not PATH: `make bench` runs .venv/bin/python, and vibeops finds its scanners the same way.
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    # Same lookup order as bot.adapters.tools.find_binary, so the floor runs the very binaries vibeops runs.
    return os.environ.get(f"VIBEOPS_{name.upper()}") or str(BIN / name)


def fresh_repo(parent: Path) -> Path:
    repo = Path(tempfile.mkdtemp(prefix="repo-", dir=parent))
    shutil.copytree(FIXTURE, repo, dirs_exist_ok=True)
    git = ["git", "-C", str(repo)]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
                  "commit", "-q", "-m", "demo snapshot"]):
        subprocess.run(git + args, check=True, capture_output=True)
    return repo


def timed(argv: list[str], cwd: Path | None = None, stdin: str | None = None,
          ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None) -> float:
    # capture_output and text=True as in bot.adapters.tools._run, so both sides pay the same pipe costs.
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, text=True, check=False, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode not in ok:
        # A failing run is usually a fast run; timing it would flatter vibeops, so stop instead.
        sys.exit(f"bench: {' '.join(argv[:3])}... exited {result.returncode}:\n{result.stderr[-2000:]}")
    return elapsed


def draft_of(scratch: Path) -> tuple[str, str]:
    """The workflow path and text vibeops generates, so the floor lints exactly the same input."""
    repo = fresh_repo(scratch)
    out = subprocess.run([str(BIN / "vibeops"), "run", REQUEST, "--repo", str(repo), "--json"],
                         capture_output=True, text=True, check=False)
    shutil.rmtree(repo)
    try:
        report = json.loads(out.stdout)
    except ValueError:
        sys.exit(f"bench: vibeops run printed no JSON (exit {out.returncode}):\n{out.stderr[-2000:]}")
    if report.get("status") != "opened":
        sys.exit(f"bench: vibeops run did not open a branch: {report.get('message')}")
    return report["workflow"], report["workflow_text"]


def run_vibeops(scratch: Path, _path: str, _text: str) -> float:
    repo = fresh_repo(scratch)
    try:
        return timed([str(BIN / "vibeops"), "run", REQUEST, "--repo", str(repo)])
    finally:
        shutil.rmtree(repo)


def run_floor(scratch: Path, path: str, text: str) -> float:
    repo = fresh_repo(scratch)
    # vibeops puts trivy's cache beside its fresh snapshot, so it starts empty every run; so does the floor.
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=scratch)) / ".trivy-cache"
    try:
        lint = timed([tool("actionlint"), "-format", "{{json .}}", "-no-color", "-stdin-filename", path, "-"],
                     cwd=repo, stdin=text, ok=(0, 1))
        # The same settings vibeops gives trivy (its garbage-collector setting), so only vibeops is compared;
        # vibeops also runs it in its sandbox (bot/adapters/sandbox.py), which the floor does not.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cache.parent), **trivy_environment()}
        scan = timed([tool("trivy"), "config", "--skip-check-update", "--skip-version-check", "-q",
                      "--format", "json", "--cache-dir", str(cache), TARGET], cwd=repo, env=env)
        return lint + scan
    finally:
        shutil.rmtree(repo)
        shutil.rmtree(cache.parent)


def has_bytecode() -> bool:
    """Whether vibeops' modules have bytecode: without it (an editable install under PYTHONDONTWRITEBYTECODE)
    every start compiles them again, about 0.1 s that an installed wheel does not pay."""
    import importlib.util

    return Path(importlib.util.cache_from_source(str(ROOT / "bot" / "cli.py"))).exists()


def run_help(*_args) -> float:
    return timed([str(BIN / "vibeops"), "--help"])


def run_python(*_args) -> float:
    return timed([sys.executable, "-c", "pass"])


def interleave(variants: dict, iterations: int, scratch: Path, path: str, text: str) -> dict[str, list[float]]:
    # One untimed round first: the first exec of each binary pays page-cache misses the rest do not.
    for fn in variants.values():
        fn(scratch, path, text)
    # A,B,A,B: a burst of machine noise lands on both variants instead of skewing one of them.
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(iterations):
        for name, fn in variants.items():
            samples[name].append(fn(scratch, path, text))
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(samples), 4), "min": round(min(samples), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=7, help="timed runs per variant (default 7)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")

    load_before = os.getloadavg()[0]  # a shared machine: the figures are read with its load
    with tempfile.TemporaryDirectory(prefix="vibeops-bench-") as tmp:
        scratch = Path(tmp)
        path, text = draft_of(scratch)
        samples = interleave({"vibeops run": run_vibeops, "floor": run_floor}, args.iterations, scratch, path, text)
        samples |= interleave({"vibeops --help": run_help, "python -c pass": run_python},
                              args.iterations, scratch, path, text)

    load = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    figures = {name: summary(s) for name, s in samples.items()}
    ratio = figures["vibeops run"]["median"] / figures["floor"]["median"]
    help_median = figures["vibeops --help"]["median"]
    verdicts = {
        "run/floor": {"value": round(ratio, 3), "target": f"<= {RATIO_TARGET}",
                      "verdict": "PASS" if ratio <= RATIO_TARGET else "MISS"},
        "vibeops --help": {"value": help_median, "target": f"< {HELP_TARGET} s",
                           "verdict": "PASS" if help_median < HELP_TARGET else "MISS"},
    }
    if args.json:
        print(json.dumps({"iterations": args.iterations, "load_average": load, "bytecode": has_bytecode(),
                          "seconds": figures,
                          "ratio_run_floor": round(ratio, 3),
                          "ratio_help_python": round(help_median / figures["python -c pass"]["median"], 3),
                          "verdicts": verdicts}, indent=2))
        return 0

    print(f"{'variant':<22}{'median s':>10}{'min s':>10}   ({args.iterations} interleaved runs each)")
    for name, fig in figures.items():
        print(f"{name:<22}{fig['median']:>10.3f}{fig['min']:>10.3f}")
    print(f"{'ratio run/floor':<22}{ratio:>10.2f}{figures['vibeops run']['min'] / figures['floor']['min']:>10.2f}")
    print(f"{'ratio help/python':<22}{help_median / figures['python -c pass']['median']:>10.2f}")
    print()
    print(f"load average (1 min) {load[0]} before, {load[1]} after; {os.cpu_count()} cores; "
          f"vibeops bytecode {'written' if has_bytecode() else 'missing (`make bytecode`)'}")
    print(f"{verdicts['run/floor']['verdict']}  vibeops run / floor = {ratio:.2f} (target <= {RATIO_TARGET})")
    print(f"{verdicts['vibeops --help']['verdict']}  vibeops --help = {help_median:.3f} s (target < {HELP_TARGET} s)")
    # A MISS is a figure to read, not a failure: `make bench` is not a test.
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
