"""A trivy glob keeps its meaning (issue 15 §4): the pattern is scanned on the runner, triggers the workflow,
and the scope check proves the pattern, not today's list of the files it matches.

The workflows' scripts run here with bash and the real trivy binary (offline, embedded checks) where it
matters: what the loop scans, the table, the merged SARIF, an empty match.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.adapters.tools import Tools
from bot.catalog import default_catalog
from bot.intent import IntentError, resolve_intent
from bot.recipes import render
from bot.repotree import RepoTree
from bot.request import parse_request
from bot.scope.later import LATER, later_files, witnesses
from bot.workflow import Workflow
from tests.conftest import git, make_repo, vibeops_json

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: nginx:latest
"""
FILES = {
    "k8s/api.yaml": DEPLOYMENT.format(name="api"),
    "k8s/db.yaml": DEPLOYMENT.format(name="db"),
    "k8s/README.md": "manifests\n",
    "infra/web.yaml": DEPLOYMENT.format(name="web"),
    "docker/api/Dockerfile": "FROM ubuntu\nRUN apt-get update\n",
}
TOOLS = Tools.from_environment()
SETUP = """      - uses: aquasecurity/setup-trivy@81e514348e19b6112ce2a7e3ecbafe19c1e1f567  # v0.3.1
        with:
          version: v0.76.0
"""


@pytest.fixture
def repo(tmp_path) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    return make_repo(tmp_path / "repo", files=FILES, source=empty)


def _workflow(run: str, setup: str = SETUP, paths: str = "'k8s/**', 'infra/**'") -> str:
    body = "\n".join("          " + line for line in run.strip().splitlines())
    return f"""name: scan
on:
  pull_request:
    paths: [{paths}, '.github/workflows/scan.yml']
permissions:
  contents: read
jobs:
  scan:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1
        with:
          persist-credentials: false
{setup}      - name: Scan
        shell: bash
        run: |
{body}
"""


def check(repo: Path, text: str, *requested: str, tool: str = "trivy") -> dict:
    path = repo / ".github/workflows/scan.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    args = ["check", str(path), "--repo", str(repo), "--tool", tool]
    for item in requested:
        args += ["--requested", item]
    code, result = vibeops_json(*args)
    assert code in (0, 1), result
    return result["files"][0]["scope"]


def loop(pattern: str) -> str:
    return (f"shopt -s globstar nullglob\nfor target in {pattern}; do\n"
            '  trivy config --exit-code 1 "$target"\ndone\n')


# --- the scope check proves the pattern ------------------------------------------------------


def test_a_loop_over_the_requested_pattern_is_exact(repo):
    scope = check(repo, _workflow(loop("k8s/*.yaml")), "k8s/*.yaml")
    assert scope["verdict"] == "exact" and scope["scanned"] == ["k8s/api.yaml", "k8s/db.yaml"]
    assert scope["later"] == []
    (repo / "k8s/sub").mkdir()
    (repo / "k8s/sub/cache.yaml").write_text(DEPLOYMENT.format(name="cache"))
    scope = check(repo, _workflow(loop("k8s/**/*.yaml")), "k8s/**/*.yaml")
    assert scope["verdict"] == "exact"
    assert scope["scanned"] == ["k8s/api.yaml", "k8s/db.yaml", "k8s/sub/cache.yaml"]


@pytest.mark.parametrize("pattern, requested, verdict, later", [
    # wider: today the same two files, but a manifest added in a subfolder would be scanned too
    ("k8s/**/*.yaml", "k8s/*.yaml", "broader", f"k8s/{LATER}/{LATER}.yaml"),
    # narrower: the request reaches into subfolders, the loop does not
    ("k8s/*.yaml", "k8s/**/*.yaml", "narrower", f"k8s/{LATER}/{LATER}.yaml"),
    # the same folder, a narrower name
    ("k8s/a*.yaml", "k8s/*.yaml", "narrower", None),
    ("k8s/*.yaml", "k8s/a*.yaml", "broader", None),
])
def test_a_loop_over_another_pattern_is_not_exact_even_when_today_it_scans_the_same_files(
        repo, pattern, requested, verdict, later):
    scope = check(repo, _workflow(loop(pattern)), requested)
    assert scope["verdict"] == verdict, scope
    if later is not None:
        assert later in scope["later"] and later in scope["extra"] + scope["missing"]


def test_another_folder_is_a_mismatch(repo):
    scope = check(repo, _workflow(loop("infra/*.yaml")), "k8s/*.yaml")
    assert scope["verdict"] == "mismatch"
    assert "infra/web.yaml" in scope["extra"] and "k8s/api.yaml" in scope["missing"]


def test_todays_files_one_by_one_do_not_prove_a_glob(repo):
    # The old trivy recipe: one scan per file the glob matched when the workflow was written.
    run = "trivy config --exit-code 1 k8s/api.yaml\ntrivy config --exit-code 1 k8s/db.yaml\n"
    assert check(repo, _workflow(run), "k8s/api.yaml", "k8s/db.yaml")["verdict"] == "exact"
    scope = check(repo, _workflow(run), "k8s/*.yaml")
    assert scope["verdict"] == "narrower" and scope["missing"] == [f"k8s/{LATER}.yaml"]
    assert scope["later"] == [f"k8s/{LATER}.yaml"]


def test_a_folder_scan_is_wider_than_a_pattern_in_it(repo):
    scope = check(repo, _workflow("trivy config --exit-code 1 k8s\n"), "k8s/*.yaml")
    assert scope["verdict"] == "broader" and f"k8s/{LATER}/{LATER}.yaml" in scope["extra"]
    assert f"k8s/{LATER}.yml" in scope["extra"]  # a .yml beside them: the folder reads it, the pattern does not


def test_the_scope_finding_names_a_later_file_as_such(repo):
    path = repo / ".github/workflows/scan.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_workflow(loop("k8s/**/*.yaml")))
    code, result = vibeops_json("check", str(path), "--repo", str(repo), "--tool", "trivy", "--requested", "k8s/*.yaml")
    assert code == 1
    (scope,) = [c for c in result["files"][0]["checks"] if c["id"] == "scope"]
    (finding,) = [f for f in scope["findings"] if f["rule"] == "scans-extra-files"]
    assert "a file that does not exist yet, standing for one added later" in finding["message"]


def test_a_trigger_on_todays_files_leaves_out_a_file_added_later(repo):
    path = repo / ".github/workflows/scan.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    for paths, rules in (("'k8s/api.yaml', 'k8s/db.yaml'", ["later-file-not-triggered"]), ("'k8s/*.yaml'", [])):
        path.write_text(_workflow(loop("k8s/*.yaml"), paths=paths))
        code, result = vibeops_json("check", str(path), "--repo", str(repo), "--tool", "trivy",
                                    "--requested", "k8s/*.yaml")
        (trigger,) = [c for c in result["files"][0]["checks"] if c["id"] == "trigger-scope"]
        assert [f["rule"] for f in trigger["findings"]] == rules, trigger
        assert code == (1 if rules else 0)


def test_witnesses_match_their_pattern_and_are_fresh():
    from bot.globs import glob_match

    for pattern in ("k8s/*.yaml", "k8s/**/*.yaml", "**/Dockerfile", "a/?.yml", "x/**/y/**/*.tf"):
        found = witnesses(pattern)
        assert found and all(glob_match(pattern, w) for w in found), (pattern, found)
    assert witnesses("k8s/[ab].yaml") == [] and witnesses("k8s/api.yaml") == []
    tree = RepoTree.from_mapping({"k8s/api.yaml": DEPLOYMENT.format(name="a"), f"k8s/{LATER}.yaml": "x: 1\n"})
    made = later_files(tree, ["k8s/*.yaml"], [], lambda p, t: True)
    assert f"k8s/{LATER}.yaml" not in made  # an existing file is never replaced
    assert made == {} or all(text == DEPLOYMENT.format(name="a") for text in made.values())


# --- the request path ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "add trivy scan for k8s/*.yaml",
    "create github action for security check by trivy @k8s/*.yaml",
    "trivy로 k8s/*.yaml 보안 점검하는 깃허브 액션 만들어줘",
])
def test_the_request_keeps_the_glob_and_the_workflow_loops_over_it(repo, text):
    code, report = vibeops_json("run", text, "--repo", str(repo))
    assert code == 0, report["message"]
    assert report["generator"] == "recipe:trivy-config" and report["llm"] is None
    assert report["intent"]["targets"] == ["k8s/*.yaml"]
    workflow = Workflow.parse("w.yml", report["workflow_text"])
    steps = [s.data for s in workflow.steps()]
    assert any(str(s.get("uses", "")).startswith("aquasecurity/setup-trivy@81e514348e19b6112ce2a7e3ecbafe19c1e1f567")
               and s["with"]["version"] == "v0.76.0" for s in steps)
    assert not any("trivy-action" in str(s.get("uses", "")) for s in steps)
    scan = next(s for s in steps if s.get("name") == "Scan k8s/*.yaml")
    assert "shopt -s globstar nullglob" in scan["run"] and "for target in k8s/*.yaml; do" in scan["run"]
    assert "k8s/*.yaml" in workflow.triggers["pull_request"]["paths"]
    assert all(c["ok"] for c in report["checks"]), [c for c in report["checks"] if not c["ok"]]
    assert report["scope"]["verdict"] == "exact" and report["scope"]["scanned"] == ["k8s/api.yaml", "k8s/db.yaml"]
    understood = {row["field"]: row for row in report["understood"]["settings"]}
    assert understood["fail_on"]["ok"] and "CRITICAL, HIGH" in understood["fail_on"]["found"]
    assert understood["targets"]["ok"]


def test_a_glob_trivy_reads_nothing_in_is_refused(repo):
    code, report = vibeops_json("run", "add trivy scan for k8s/*.md", "--repo", str(repo))
    assert code == 2 and "matches 1 file(s), but trivy config reads none of them" in report["message"]


def test_a_glob_the_shell_would_read_otherwise_is_refused(repo):
    tree = RepoTree.from_directory(repo)
    with pytest.raises(IntentError, match="may use only letters, digits"):
        resolve_intent(parse_request("add trivy scan for `k8s/[ad]*.yaml`"), tree)


def test_a_file_added_later_is_scanned_and_triggers_the_workflow(repo):
    code, report = vibeops_json("run", "add trivy scan for k8s/*.yaml", "--repo", str(repo))
    assert code == 0, report["message"]
    text = git(repo, "show", f"{report['branch']}:{report['workflow']}")
    (repo / "k8s/cache.yaml").write_text(DEPLOYMENT.format(name="cache"))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qm", "later")
    path = repo / report["workflow"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    code, result = vibeops_json("check", str(path), "--repo", str(repo), "--tool", "trivy", "--requested", "k8s/*.yaml")
    assert code == 0, result
    audit = result["files"][0]
    assert audit["scope"]["verdict"] == "exact"
    assert audit["scope"]["scanned"] == ["k8s/api.yaml", "k8s/cache.yaml", "k8s/db.yaml"]
    assert all(c["ok"] for c in audit["checks"])  # trigger-scope: the new file starts the workflow
    from bot.checks.trigger_scope import triggers_on

    on = Workflow.parse("w.yml", text).triggers
    assert triggers_on("k8s/cache.yaml", on["pull_request"]) and triggers_on("k8s/cache.yaml", on["push"])
    assert not triggers_on("k8s/sub/cache.yaml", on["pull_request"])


# --- what the step does on the runner ---------------------------------------------------------------

needs_trivy = pytest.mark.skipif(TOOLS.trivy is None, reason="trivy is not installed (make test installs it)")


def run_steps(repo: Path, tmp_path: Path, text: str) -> tuple[list[subprocess.CompletedProcess], str]:
    """The workflow's bash steps in order, with trivy where setup-trivy puts it (on PATH), offline."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    wrapper = bindir / "trivy"
    # Offline: the embedded checks; a version check would go to the network.
    wrapper.write_text(f'#!/bin/sh\nsub="$1"\nshift\n'
                       f'exec "{TOOLS.trivy}" "$sub" --skip-check-update --skip-version-check -q "$@"\n')
    wrapper.chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary = tmp_path / "summary.md"
    env = {"RUNNER_TEMP": str(temp), "GITHUB_STEP_SUMMARY": str(summary), "PATH": f"{bindir}:/usr/bin:/bin",
           "HOME": str(tmp_path)}
    results = []
    for step in Workflow.parse("w.yml", text).steps():
        if "run" in step.data:
            results.append(subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.data["run"]],
                                          cwd=repo, env=env, capture_output=True, text=True, timeout=300))
    return results, summary.read_text() if summary.exists() else ""


def draft(repo: Path, text: str) -> str:
    tree = RepoTree.from_directory(repo)
    return render(resolve_intent(parse_request(text), tree), tree, "main", default_catalog()).text


@needs_trivy
def test_the_loop_fails_on_findings_and_writes_each_files_table(repo, tmp_path):
    (scan, summary_step), summary = run_steps(repo, tmp_path, draft(repo, "add trivy scan for k8s/*.yaml fail on medium"))
    assert scan.returncode == 1, scan.stderr  # findings at MEDIUM and above
    assert summary_step.returncode == 0
    assert summary.startswith("### trivy findings")
    assert "k8s/api.yaml:" in summary and "k8s/db.yaml:" in summary and "KSV" in summary
    assert "infra/web.yaml" not in summary


@needs_trivy
def test_report_only_passes_with_findings(repo, tmp_path):
    (scan, _), summary = run_steps(repo, tmp_path, draft(repo, "add trivy scan for k8s/*.yaml report only"))
    assert scan.returncode == 0 and "KSV" in summary


@needs_trivy
def test_sarif_mode_merges_one_run_with_repository_paths(repo, tmp_path):
    text = draft(repo, "add trivy scan for k8s/*.yaml with sarif upload fail on medium")
    steps = [s.data for s in Workflow.parse("w.yml", text).steps()]
    upload = next(s for s in steps if "upload-sarif" in str(s.get("uses", "")))
    (scan, summary_step), summary = run_steps(repo, tmp_path, text)
    assert scan.returncode == 1 and summary_step.returncode == 0
    sarif = json.loads((repo / upload["with"]["sarif_file"]).read_text())
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1  # one run per category, as code scanning wants
    run = sarif["runs"][0]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for loc in r["locations"]}
    assert uris == {"k8s/api.yaml", "k8s/db.yaml"}
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and {r["ruleId"] for r in run["results"]} <= set(rule_ids)
    assert not any("ruleIndex" in r for r in run["results"])
    assert "| k8s/api.yaml | " in summary and "| k8s/db.yaml | " in summary  # the table, in the log too
    assert "| k8s/api.yaml | " in scan.stdout + summary_step.stdout


@needs_trivy
def test_an_empty_match_is_a_notice_not_a_failure(repo, tmp_path):
    text = draft(repo, "add trivy scan for k8s/*.yaml with sarif upload")
    for name in ("api.yaml", "db.yaml"):
        (repo / "k8s" / name).unlink()  # on the runner, the pattern now matches nothing
    (scan, summary_step), summary = run_steps(repo, tmp_path, text)
    assert scan.returncode == 0 and summary_step.returncode == 0, scan.stderr
    assert "::notice::k8s/*.yaml matches no file: nothing to scan." in scan.stdout
    assert "k8s/*.yaml matches no file: nothing to scan." in summary
    sarif = json.loads((repo / "trivy-k8s-yaml.sarif").read_text())
    assert sarif["runs"][0]["results"] == [] and sarif["runs"][0]["tool"]["driver"]["name"] == "Trivy"


@needs_trivy
def test_a_file_added_later_is_scanned_on_the_runner(repo, tmp_path):
    text = draft(repo, "add trivy fs misconfig scan for k8s/*.yaml fail on medium")
    (repo / "k8s/cache.yaml").write_text(DEPLOYMENT.format(name="cache"))
    (scan, _), summary = run_steps(repo, tmp_path, text)
    assert "k8s/cache.yaml:" in summary and "trivy fs --scanners misconfig" in text
    assert scan.returncode == 1


def test_trivy_action_takes_scan_ref_as_one_path_not_a_pattern(repo):
    # trivy-action's entrypoint passes "$scanRef" quoted: a glob there names no file, and trivy fails.
    action = """      - uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25  # v0.36.0
        with:
          scan-type: config
          scan-ref: k8s/*.yaml
"""
    text = _workflow("echo done", setup=action)
    scope = check(repo, text, "k8s/*.yaml")
    assert scope["verdict"] == "narrower" and scope["scanned"] == []
    (step,) = scope["steps"]
    assert "as one path, not a pattern" in step["reason"]


def test_a_follow_up_cannot_put_a_glob_into_trivy_action_and_says_so(repo):
    from bot.revision import RevisionError, revise

    tree = RepoTree.from_directory(repo)
    before = resolve_intent(parse_request("add trivy scan for k8s/api.yaml"), tree)
    after = resolve_intent(parse_request("add trivy scan for k8s/api.yaml and `infra/*.yaml`"), tree)
    with pytest.raises(RevisionError, match="a glob is scanned by trivy's command line"):
        revise(draft(repo, "add trivy scan for k8s/api.yaml"), before, after, tree, default_catalog())
    globbed = resolve_intent(parse_request("add trivy scan for `k8s/*.yaml`"), tree)
    with pytest.raises(RevisionError, match="no trivy-action step to revise"):
        revise(draft(repo, "add trivy scan for `k8s/*.yaml`"), globbed, after, tree, default_catalog())


@needs_trivy
def test_a_file_named_like_a_flag_is_only_a_target(tmp_path):
    # A fork's pull request adds `--exit-code=0.yaml`: without `--` trivy would read it as an option.
    empty = tmp_path / "empty"
    empty.mkdir()
    repo = make_repo(tmp_path / "repo", files={"app.yaml": DEPLOYMENT.format(name="app")}, source=empty)
    text = draft(repo, "add trivy scan for `*.yaml` fail on medium")
    assert '-- "$target"' in text
    (repo / "--exit-code=0.yaml").write_text(DEPLOYMENT.format(name="sneaky"))
    (scan, _), summary = run_steps(repo, tmp_path, text)
    assert scan.returncode == 1  # findings in both files: still fails
    assert "--exit-code=0.yaml:" in summary and "app.yaml:" in summary
    assert summary.count("KSV") >= 2


def test_as_a_required_check_a_glob_decides_with_gits_glob_magic(repo, tmp_path):
    # A plain pathspec `k8s/**/*.yaml` misses k8s/api.yaml (git's `*` needs the `/` after `**`): the scan
    # would be skipped on a pull request that changes it.
    text = draft(repo, "add trivy scan for `k8s/**/*.yaml` as a required check")
    changed = next(s.data for s in Workflow.parse("w.yml", text).steps() if s.data.get("id") == "changed")
    assert "':(glob)k8s/**/*.yaml'" in changed["run"]

    def decide(name: str) -> str:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(DEPLOYMENT.format(name="changed") + f"# {name}\n")
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qm", f"change {name}")
        output = tmp_path / "output"
        output.write_text("")
        env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(tmp_path / "s.md"), "PATH": "/usr/bin:/bin"}
        subprocess.run(["bash", "-eo", "pipefail", "-c", changed["run"]], cwd=repo, env=env, check=True)
        return output.read_text().strip()

    assert decide("k8s/api.yaml") == "any=true"
    assert decide("k8s/sub/new.yaml") == "any=true"
    assert decide("infra/web.yaml") == "any=false"
    assert decide("k8s/README.md") == "any=false"
