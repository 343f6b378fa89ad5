"""The `intent` check: it reads the written workflow back and compares each setting with the typed request."""

from __future__ import annotations

import pytest

from bot.checks import CheckContext
from bot.checks import intent as intent_check
from bot.intent import resolve_intent
from bot.repotree import RepoTree
from bot.request import parse_request
from bot.scope.steps import scanner_steps
from bot.scope.verdict import compare
from bot.workflow import Workflow

K8S = "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports:\n    - port: 80\n"
TREE = RepoTree.from_mapping({"k8s/api.yaml": K8S, "k8s/db.yaml": K8S.replace("api", "db")})
TRIVY = "aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25"
UPLOAD = "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e"


def workflow(severity: str | None = "CRITICAL,HIGH", exit_code: str = "1", on: str | None = None,
             sarif: bool = False, extra_step: str = "", step_extra: str = "") -> str:
    triggers = on or """  pull_request:
    paths: ['k8s/**']
  push:
    branches: [main]
    paths: ['k8s/**']
  workflow_dispatch:
"""
    inputs = f"          scan-type: config\n          scan-ref: k8s/api.yaml\n          exit-code: \"{exit_code}\"\n"
    if severity:
        inputs += f"          severity: {severity}\n"
    if sarif:
        inputs += "          format: sarif\n          output: t.sarif\n          limit-severities-for-sarif: true\n"
    upload = f"      - uses: {UPLOAD}\n        with:\n          sarif_file: t.sarif\n" if sarif else ""
    return f"""name: t
on:
{triggers}permissions:
  contents: read
jobs:
  scan:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1
        with:
          persist-credentials: false
      - uses: {TRIVY}
{step_extra}        with:
{inputs}{upload}{extra_step}"""


def findings(request_text: str, text: str):
    intent = resolve_intent(parse_request(request_text), TREE)
    parsed = Workflow.parse(".github/workflows/t.yml", text)
    tree = TREE.with_file(parsed.path, text)
    scope = compare(intent.requested_files(tree), scanner_steps(parsed, tree), tool="trivy", scanners=intent.scanners)
    ctx = CheckContext(workflow=parsed, tree=tree, scope=scope, tools=None, intent=intent, generated=True)
    return intent_check.run(ctx), intent_check.evidence(parsed, intent, scope)


def rules(found) -> set[str]:
    return {f.rule for f in found[0] if f.blocking}


def test_a_workflow_that_does_what_was_asked_passes_and_each_setting_has_its_line():
    found, proof = findings("add trivy scan for k8s/api.yaml", workflow())
    assert found == []
    by_field = {p.field: p for p in proof}
    assert by_field["fail_on"].ok and by_field["fail_on"].found == "fails on CRITICAL, HIGH (exit-code 1)"
    severity_line = next(n for n, line in enumerate(workflow().splitlines(), 1) if "severity:" in line)
    assert by_field["fail_on"].line == severity_line
    assert by_field["targets"].found.startswith("scope `exact`")
    assert {p.expected for p in proof if p.field == "triggers"} == {"pull_request", "push"}


def test_a_draft_that_drops_fail_on_critical_fails():
    found = findings("add trivy scan for k8s/api.yaml, only fail on critical issues", workflow())
    assert rules(found) == {"fail-on-not-as-requested"}
    message = next(f.message for f in found[0])
    assert "CRITICAL" in message and "fails on CRITICAL, HIGH" in message


def test_no_severity_means_every_severity_fails_the_build():
    found = findings("add trivy scan for k8s/api.yaml fail on HIGH", workflow(severity=None))
    assert rules(found) == {"fail-on-not-as-requested"}
    assert "UNKNOWN" in found[0][0].message


def test_report_only_must_never_fail_the_build():
    assert rules(findings("add trivy scan for k8s/api.yaml report only", workflow())) == {"fail-on-not-as-requested"}
    assert rules(findings("add trivy scan for k8s/api.yaml report only", workflow(exit_code="0"))) == set()
    soft = workflow(step_extra="        continue-on-error: true\n")
    assert rules(findings("add trivy scan for k8s/api.yaml report only", soft)) == set()
    assert rules(findings("add trivy scan for k8s/api.yaml", soft)) == {"fail-on-not-as-requested"}


def test_a_trivy_command_line_is_read_too():
    cli = workflow().split(f"      - uses: {TRIVY}")[0] + (
        "      - run: trivy config --severity CRITICAL --exit-code 1 k8s/api.yaml\n")
    assert rules(findings("add trivy scan for k8s/api.yaml fail on critical", cli)) == set()
    assert rules(findings("add trivy scan for k8s/api.yaml fail on high", cli)) == {"fail-on-not-as-requested"}


def test_a_dropped_schedule_fails_and_any_nightly_cron_satisfies_nightly():
    assert rules(findings("add trivy scan for k8s/api.yaml every night", workflow())) == {"schedule-not-as-requested"}
    nightly = workflow(on="  pull_request:\n    paths: ['k8s/**']\n  push:\n    paths: ['k8s/**']\n"
                          "  schedule:\n    - cron: '17 2 * * *'\n")
    assert rules(findings("add trivy scan for k8s/api.yaml every night", nightly)) == set()
    assert rules(findings("add trivy scan for k8s/api.yaml weekly", nightly)) == {"schedule-not-as-requested"}


def test_triggers_asked_for_are_there_and_no_others():
    assert rules(findings("add trivy scan for k8s/api.yaml on PRs only", workflow())) == {"triggers-not-as-requested"}
    pr_only = workflow(on="  pull_request:\n    paths: ['k8s/**']\n")
    assert rules(findings("add trivy scan for k8s/api.yaml on PRs only", pr_only)) == set()
    assert rules(findings("add trivy scan for k8s/api.yaml", pr_only)) == {"triggers-not-as-requested"}


def test_a_dropped_sarif_upload_fails():
    asked = "add trivy scan for k8s/api.yaml and upload the results to code scanning"
    assert rules(findings(asked, workflow())) == {"upload-sarif-not-as-requested"}
    assert rules(findings(asked, workflow(sarif=True))) == set()
    # an upload nobody asked for is reported, not blocking
    unasked = findings("add trivy scan for k8s/api.yaml", workflow(sarif=True))
    assert rules(unasked) == set() and {f.rule for f in unasked[0]} == {"upload-sarif-not-as-requested"}


def test_a_required_check_must_run_on_every_pull_request():
    asked = "add trivy scan for k8s/api.yaml as a required check"
    assert rules(findings(asked, workflow())) == {"required-check-not-as-requested"}
    always = workflow(on="  pull_request:\n  push:\n    paths: ['k8s/**']\n  workflow_dispatch:\n")
    assert rules(findings(asked, always)) == set()


def test_a_missing_tool_fails():
    no_scan = workflow().split(f"      - uses: {TRIVY}")[0] + "      - run: echo hello\n"
    assert "tools-not-as-requested" in rules(findings("add trivy scan for k8s/api.yaml", no_scan))


@pytest.mark.parametrize("text", ["add trivy scan for k8s/api.yaml"])
def test_requests_without_clauses_are_not_judged(text):
    from dataclasses import replace

    intent = resolve_intent(replace(parse_request(text), clauses=()), TREE)
    parsed = Workflow.parse(".github/workflows/t.yml", workflow(exit_code="0"))
    ctx = CheckContext(workflow=parsed, tree=TREE, scope=None, tools=None, intent=intent, generated=True)
    assert intent_check.run(ctx) == []  # `vibeops check --requested` has no clauses to hold it to
    human = CheckContext(workflow=parsed, tree=TREE, scope=None, tools=None,
                         intent=resolve_intent(parse_request(text), TREE), generated=False)
    assert intent_check.run(human) == []  # a human's edit on the pull request is not a draft of ours
