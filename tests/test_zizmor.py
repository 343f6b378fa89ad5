"""The zizmor check, run with the real zizmor binary the wheel installs (always --offline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.errors import ToolError
from bot.adapters.sandbox import Sandbox
from bot.adapters.tools import Tools
from bot.checks import zizmor
from tests.conftest import make_repo, vibeops_json
from tests.test_checks_extra import context

CHECKOUT_SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"  # actions/checkout v7.0.1, workflows/actions.json


@pytest.fixture(scope="module")
def real() -> Tools:
    found = Tools.from_environment()
    assert found.zizmor, "zizmor must be installed (pip install -e .)"
    return found


def line_of(text: str, fragment: str) -> int:
    (number,) = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return number


def rules(findings) -> list[tuple[str, str, int | None]]:
    return sorted((f.rule, f.severity.value, f.line) for f in findings)


INJECTION = f"""name: greet
on:
  issues:
    types: [opened]
permissions:
  contents: read
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@{CHECKOUT_SHA}  # v7.0.1
        with:
          persist-credentials: false
      - name: Echo the title
        run: echo "${{{{ github.event.issue.title }}}}"
"""

UNPINNED = """name: build
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""


def test_issue_title_in_a_run_step_is_a_template_injection_at_its_line(real, demo_tree):
    (finding,) = zizmor.run(context(INJECTION, demo_tree, real))
    assert (finding.check_id, finding.rule, finding.severity.value) == ("zizmor", "template-injection", "error")
    assert finding.path == ".github/workflows/scan.yml"
    line = line_of(INJECTION, "github.event.issue.title")
    assert (finding.line, finding.column) == (line, INJECTION.splitlines()[line - 1].index("github.event") + 1)
    assert finding.message == "code injection via template expansion: may expand into attacker-controllable code"
    assert finding.hint == "https://docs.zizmor.sh/audits/#template-injection"


def test_unpinned_checkout_with_persisted_credentials_and_default_permissions(real, demo_tree):
    findings = zizmor.run(context(UNPINNED, demo_tree, real))
    uses = line_of(UNPINNED, "actions/checkout@v4")
    # What zizmor 1.32.0's regular persona reports: unpinned-uses is High (its default policy wants a
    # SHA pin for every action), artipacked and the missing permissions block are Medium.
    assert rules(findings) == [("artipacked", "warning", uses), ("excessive-permissions", "warning", line_of(UNPINNED, "  build:")),
                               ("unpinned-uses", "error", uses)]
    by_rule = {f.rule: f for f in findings}
    assert by_rule["artipacked"].message.endswith("does not set persist-credentials: false")
    assert by_rule["unpinned-uses"].column == UNPINNED.splitlines()[uses - 1].index("actions/") + 1


@pytest.fixture(scope="module")
def recipe_workflow(tmp_path_factory) -> str:
    repo = make_repo(tmp_path_factory.mktemp("zizmor") / "demo")
    code, report = vibeops_json("run", "add trivy scan for k8s-manifests/api.yaml", "--repo", str(repo))
    assert code == 0, report
    return report["workflow_text"]


def test_the_vibeops_trivy_recipe_output_has_no_findings_at_all(real, demo_tree, recipe_workflow):
    assert "persist-credentials: false" in recipe_workflow and CHECKOUT_SHA in recipe_workflow
    assert zizmor.run(context(recipe_workflow, demo_tree, real)) == []


@pytest.mark.parametrize("tools", [Tools(actionlint=None, trivy=None, zizmor="/nonexistent"),
                                   Tools("actionlint", "trivy"), None], ids=["bad-path", "not-installed", "no-tools"])
def test_a_zizmor_that_cannot_run_fails_closed(tools, demo_tree):
    (finding,) = zizmor.run(context(UNPINNED, demo_tree, tools))
    assert (finding.rule, finding.severity.value, finding.path) == ("tool-unavailable", "error",
                                                                    ".github/workflows/scan.yml")
    assert finding.message.startswith("zizmor could not run: ")


def test_a_workflow_zizmor_cannot_read_is_an_error_not_a_clean_pass(real, demo_tree):
    with pytest.raises(ToolError, match="exited 1.*invalid YAML syntax"):
        real.audit_workflow("on: push\njobs: [\n", ".github/workflows/broken.yml")
    (finding,) = zizmor.run(context("on: push\njobs:\n  a:\n    stepz: 1\n", demo_tree, real))
    assert (finding.rule, finding.severity.value) == ("tool-unavailable", "error")
    assert "validation schema" in finding.message


def test_inherited_zizmor_environment_changes_nothing(real, monkeypatch, tmp_path):
    config = tmp_path / "zizmor.yml"
    config.write_text("rules:\n  template-injection:\n    disable: true\n")
    monkeypatch.setenv("ZIZMOR_CONFIG", str(config))  # our explicit --config wins over it
    monkeypatch.setenv("GH_TOKEN", "not-a-token")  # --offline: never used
    found = real.audit_workflow(INJECTION, "greet.yml")  # any path lands under .github/workflows/
    assert [(f["rule"], f["severity"], f["confidence"]) for f in found] == [("template-injection", "error", "high")]


def test_it_needs_no_network(real):
    sandbox = Sandbox(mode="require")  # bubblewrap's network namespace, or the test cannot say anything
    if not sandbox.isolated():
        pytest.skip("bubblewrap cannot make a sandbox here")
    found = Tools(None, None, real.zizmor, sandbox=sandbox).audit_workflow(UNPINNED, ".github/workflows/build.yml")
    assert sorted(f["rule"] for f in found) == ["artipacked", "excessive-permissions", "unpinned-uses"]
    assert Path(real.zizmor).name == "zizmor"
