"""`vibeops check --all` as a CI gate: the table, GitHub annotations, SARIF, and the gate recipe."""

from __future__ import annotations

import json

import pytest

from bot.findings import Finding, Severity
from bot.render.annotations import annotation
from bot.workflow import Workflow
from tests.conftest import git, make_repo, vibeops, vibeops_json
from tests.test_check_cli import TRAP

CLEAN = TRAP.replace("scan-ref: k8s-manifests/", "scan-ref: k8s-manifests/api.yaml\n          exit-code: '1'")
NOT_TRIGGERED = CLEAN.replace("  pull_request:\n", "  pull_request:\n    paths: ['api/**']\n")


@pytest.fixture
def gated_repo(tmp_path):
    return make_repo(tmp_path / "repo", files={
        ".github/workflows/trap.yml": TRAP,
        ".github/workflows/clean.yml": CLEAN,
        ".github/workflows/untriggered.yml": NOT_TRIGGERED,
    })


def test_all_checks_every_workflow_and_prints_a_readable_table(gated_repo):
    result = vibeops("check", "--all", "--repo", str(gated_repo))
    assert result.returncode == 1
    out = result.stdout
    assert "5 workflow(s) checked" in out  # the demo's two plus ours
    assert ".github/workflows/clean.yml: ok" in out
    sections = {block.split(":", 1)[0]: block for block in out.split("\n\n")}
    trap = sections[".github/workflows/trap.yml"]
    assert "trivy" in trap and "k8s-manifests" in trap and "[trivy-action/exit-code-zero]" in trap
    assert "[trigger-scope/scan-not-triggered]" in sections[".github/workflows/untriggered.yml"]


def test_github_format_prints_workflow_commands(gated_repo):
    result = vibeops("check", "--all", "--repo", str(gated_repo), "--format", "github")
    commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert any(line.startswith("::error file=.github/workflows/untriggered.yml,line=3,"
                               "title=vibeops trigger-scope/scan-not-triggered::") for line in commands)
    assert any(line.startswith("::warning file=.github/workflows/trap.yml,line=14,") for line in commands)


def test_sarif_output_file(gated_repo, tmp_path):
    out = tmp_path / "vibeops.sarif"
    result = vibeops("check", "--all", "--repo", str(gated_repo), "--format", "sarif", "--output", str(out))
    assert result.returncode == 1 and result.stdout == ""
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert "trigger-scope/scan-not-triggered" in rules
    hit = next(r for r in results if r["ruleId"] == "trigger-scope/scan-not-triggered")
    assert hit["level"] == "error" and rules[hit["ruleIndex"]] == hit["ruleId"]
    assert hit["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": ".github/workflows/untriggered.yml"}, "region": {"startLine": 3}}


def test_all_on_a_repository_without_workflows_checks_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    result = vibeops("check", "--all", "--repo", str(tmp_path / "empty"))
    assert result.returncode == 0 and "0 workflow(s) checked" in result.stdout
    assert vibeops("check", "--repo", str(tmp_path / "empty")).returncode == 2


def test_annotation_escaping():
    finding = Finding("scope", "scans-extra-files", Severity.ERROR, "50% of files,\nsee: a:b", "a,b:c.yml", 3, 7)
    assert annotation(finding) == ("::error file=a%2Cb%3Ac.yml,line=3,col=7,title=vibeops scope/scans-extra-files"
                                   "::50%25 of files,%0Asee: a:b")


GATE_SOURCE = "git+https://github.com/example-org/vibeops@" + "0123456789abcdef" * 2 + "01234567"


def test_the_gate_is_refused_until_the_server_sets_an_install_source_that_cannot_be_taken_over(demo_repo):
    before = git(demo_repo, "for-each-ref", "refs/heads")
    for source in ("", "vibeops==0.1.0", "git+https://github.com/example-org/vibeops@main",
                   "git+https://github.com/example-org/vibeops@v1.2.3", "https://github.com/x/vibeops@" + "a" * 40):
        code, report = vibeops_json("run", "add vibeops gate", "--repo", str(demo_repo),
                                    env={"VIBEOPS_GATE_SOURCE": source})
        assert code == 2 and report["status"] == "error", source
        assert "VIBEOPS_GATE_SOURCE" in report["message"]
        if not source:
            assert "unrelated project" in report["message"] and "check run" in report["message"]
    assert git(demo_repo, "for-each-ref", "refs/heads") == before  # nothing was written


def test_the_gate_recipe_runs_vibeops_on_every_workflow_and_proves_its_own_scope(demo_repo):
    code, report = vibeops_json("run", "add vibeops gate", "--repo", str(demo_repo),
                                env={"VIBEOPS_GATE_SOURCE": GATE_SOURCE})
    assert code == 0, report["message"]
    assert report["workflow"] == ".github/workflows/vibeops-gate.yml"
    assert report["scope"]["verdict"] == "exact"
    assert report["scope"]["scanned"] == [".github/workflows/images.yml",
                                          ".github/workflows/unit-tests.yml",
                                          ".github/workflows/vibeops-gate.yml"]
    preview = report["preview"]
    assert preview["tool"] == "vibeops"
    # The demo's image build calls a shared workflow at @main: policy and zizmor both block on it; its unit
    # tests workflow (pinned checkout, read-only token, no persisted credentials) passes.
    blocking = [(f["path"], g["id"]) for f in preview["files"] for g in f["findings"] if g["severity"] == "ERROR"]
    assert sorted(blocking) == [(".github/workflows/images.yml", "policy/unpinned-uses"),
                                (".github/workflows/images.yml", "zizmor/unpinned-uses")]
    assert preview["would_fail"] == 2
    text = git(demo_repo, "show", f"{report['branch']}:{report['workflow']}")
    step = next(s for s in Workflow.parse("g.yml", text).steps() if "run" in s.data)
    assert step.data["run"] == f'pipx run --spec "{GATE_SOURCE}" vibeops check --all --repo . --format github'
