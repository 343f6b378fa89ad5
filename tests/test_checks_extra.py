"""The trivy-action lint, trigger-scope and dynamic-scope checks."""

from __future__ import annotations

import pytest

from bot.adapters.errors import ToolError
from bot.checks import CheckContext, dynamic_scope, trigger_scope, trivy_action
from bot.intent import resolve_intent
from bot.repotree import RepoTree
from bot.request import parse_request
from bot.scope.steps import scanner_steps
from bot.scope.verdict import compare
from bot.workflow import Workflow
from tests.conftest import DEMO

SHA = "ed142fd0673e97e23eac54620cfb913e5ce36c25"


def context(text: str, tree: RepoTree, tools=None, request: str | None = None) -> CheckContext:
    workflow = Workflow.parse(".github/workflows/scan.yml", text)
    tree = tree.with_file(workflow.path, text)
    intent = resolve_intent(parse_request(request), tree) if request else None
    steps = scanner_steps(workflow, tree)
    scope = (compare(intent.requested_files(tree), steps, tool=intent.tool, scanners=intent.scanners)
             if intent else compare(None, steps))
    return CheckContext(workflow, tree, scope, tools, intent)


def scan_workflow(with_: str, on: str = "pull_request:", permissions: str = "permissions:\n  contents: read\n",
                  extra_steps: str = "") -> str:
    inputs = "\n".join(f"          {line}" for line in with_.splitlines())
    return f"""on:
  {on}
{permissions}jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aquasecurity/trivy-action@{SHA}
        with:
{inputs}
{extra_steps}"""


def rules(findings) -> list[tuple[str, str]]:
    return [(f.rule, f.severity.value) for f in findings]


# --- trivy-action --------------------------------------------------------------------------------


def test_exit_code_zero_is_an_error_when_the_request_asks_to_fail(demo_tree):
    text = scan_workflow("scan-type: config\nscan-ref: k8s-manifests/api.yaml\nseverity: HIGH,CRITICAL")
    asked = context(text, demo_tree, request="add trivy scan for k8s-manifests/api.yaml fail on high")
    (finding,) = trivy_action.run(asked)
    assert (finding.rule, finding.severity.value) == ("exit-code-zero", "error")
    assert "HIGH" in finding.message and finding.line == 10  # the step: there is no exit-code key
    assert rules(trivy_action.run(context(text, demo_tree))) == [("exit-code-zero", "warning")]
    report_only = context(text, demo_tree, request="add trivy scan for k8s-manifests/api.yaml report only")
    assert trivy_action.run(report_only) == []


def test_sarif_with_severity_but_no_limit_and_upload_without_permission(demo_tree):
    upload = ("      - uses: github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e\n"
              "        with:\n          sarif_file: out.sarif\n")
    text = scan_workflow("scan-type: config\nexit-code: '1'\nformat: sarif\noutput: out.sarif\nseverity: HIGH",
                         extra_steps=upload)
    assert rules(trivy_action.run(context(text, demo_tree))) == [
        ("sarif-ignores-severity", "warning"), ("sarif-upload-permission", "error")]
    fixed = text.replace("severity: HIGH", "severity: HIGH\n          limit-severities-for-sarif: true").replace(
        "  contents: read\n", "  contents: read\n  security-events: write\n")
    assert trivy_action.run(context(fixed, demo_tree)) == []
    no_permissions = scan_workflow("scan-type: config\nexit-code: '1'", permissions="", extra_steps=upload)
    assert rules(trivy_action.run(context(no_permissions, demo_tree))) == [("sarif-upload-permission", "warning")]


def test_default_scan_type_without_image_ref_is_an_error(demo_tree):
    text = scan_workflow("scan-ref: k8s-manifests\nexit-code: '1'")
    (finding,) = trivy_action.run(context(text, demo_tree))
    assert finding.rule == "image-scan-without-image" and "`k8s-manifests`" in finding.message


# --- trigger-scope -------------------------------------------------------------------------------


@pytest.mark.parametrize("on, missed", [
    ("pull_request:\n    paths: ['k8s-manifests/**']", []),
    ("pull_request:\n    paths: ['k8s-manifests/api.yaml']", ["k8s-manifests/db.yaml", "k8s-manifests/web.yaml"]),
    ("pull_request:\n    paths: ['k8s-manifests/**', '!k8s-manifests/db.yaml']", ["k8s-manifests/db.yaml"]),
    ("pull_request:\n    paths: ['*.yaml']", ["k8s-manifests/api.yaml", "k8s-manifests/db.yaml",
                                              "k8s-manifests/web.yaml"]),
    ("pull_request:\n    paths: ['**.yaml']", []),
    ("pull_request:\n    paths-ignore: ['k8s-manifests/web.yaml']", ["k8s-manifests/web.yaml"]),
])
def test_files_whose_change_never_runs_the_scan(demo_tree, on, missed):
    text = scan_workflow("scan-type: config\nscan-ref: k8s-manifests\nexit-code: '1'", on=on)
    findings = trigger_scope.run(context(text, demo_tree))
    if not missed:
        assert findings == []
        return
    (finding,) = findings
    assert finding.rule == "scan-not-triggered" and finding.line == 2
    assert all(path in finding.message for path in missed) and f"{len(missed)} scanned" in finding.message


def test_a_scan_that_only_runs_on_a_schedule_cannot_gate_pull_requests(demo_tree):
    text = scan_workflow("scan-type: config\nscan-ref: k8s-manifests\nexit-code: '1'", on="schedule:\n    - cron: '0 3 * * *'")
    assert rules(trigger_scope.run(context(text, demo_tree))) == [("no-change-trigger", "warning")]


def test_the_requested_files_are_what_must_trigger(demo_tree):
    text = scan_workflow("scan-type: config\nscan-ref: k8s-manifests\nexit-code: '1'",
                         on="pull_request:\n    paths: ['k8s-manifests/api.yaml']")
    asked = context(text, demo_tree, request="add trivy scan for k8s-manifests/api.yaml")
    assert trigger_scope.run(asked) == []


# --- dynamic-scope -------------------------------------------------------------------------------


@pytest.mark.parametrize("with_", [
    "scan-type: config\nscan-ref: k8s-manifests",
    "scan-type: config\nscan-ref: .\nskip-dirs: web\nskip-files: k8s-manifests/db.yaml",
    "scan-type: fs\nscanners: misconfig\nscan-ref: api/Dockerfile",
])
def test_trivy_itself_agrees_with_the_static_answer(tools, with_):
    tree = RepoTree.from_directory(DEMO)
    assert dynamic_scope.run(context(scan_workflow(with_ + "\nexit-code: '1'"), tree, tools)) == []


def test_run_step_in_a_subdirectory_with_a_trivy_yaml_there(tools, tmp_path):
    import shutil

    shutil.copytree(DEMO, tmp_path / "repo")
    (tmp_path / "repo/k8s-manifests/trivy.yaml").write_text("scan:\n  skip-files:\n    - db.yaml\n")
    tree = RepoTree.from_directory(tmp_path / "repo")
    text = scan_workflow("scan-type: config", extra_steps="      - working-directory: k8s-manifests\n"
                                                           "        run: trivy config --exit-code 1 .\n")
    ctx = context(text, tree, tools)
    (run_step,) = [s for s in ctx.scope.steps if s.step_index == 2]
    assert run_step.files == {"k8s-manifests/api.yaml", "k8s-manifests/web.yaml"}
    assert dynamic_scope.run(ctx) == []


class CannedTrivy:
    """Stands in for the trivy adapter with a fixed report, to provoke a disagreement."""

    def __init__(self, targets=None, error=None):
        self.targets, self.error = targets, error

    def trivy_scan(self, *args, **kwargs):
        if self.error:
            raise ToolError(self.error)
        return {"Results": [{"Target": t, "Class": "config"} for t in self.targets]}


def test_a_disagreement_is_an_error_naming_both_sides(demo_tree):
    text = scan_workflow("scan-type: config\nscan-ref: k8s-manifests\nexit-code: '1'")
    (finding,) = dynamic_scope.run(context(text, demo_tree, CannedTrivy(["api.yaml", "db.yaml"])))
    assert finding.rule == "static-and-dynamic-disagree" and finding.severity.value == "error"
    assert "only static: k8s-manifests/web.yaml" in finding.message


def test_trivy_that_cannot_run_fails_closed(demo_tree):
    text = scan_workflow("scan-type: config\nscan-ref: k8s-manifests\nexit-code: '1'")
    (finding,) = dynamic_scope.run(context(text, demo_tree, CannedTrivy(error="trivy not found")))
    assert finding.rule == "tool-unavailable" and finding.blocking
