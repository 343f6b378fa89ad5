"""The policy rules on small workflow texts: rule id, severity and the line they point at."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest

from bot.checks import policy
from bot.checks.policy import (
    dangerous_triggers,
    excessive_permissions,
    persisted_credentials,
    template_injection,
    unpinned_uses,
)
from bot.findings import Severity
from bot.workflow import Workflow

PATH = ".github/workflows/test.yml"
SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"
DIGEST = "sha256:" + "a" * 64


def wf(text: str) -> Workflow:
    return Workflow.parse(PATH, textwrap.dedent(text).lstrip("\n"))


def line(workflow: Workflow, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line containing needle."""
    hits = [n for n, text in enumerate(workflow.text.splitlines(), 1) if needle in text]
    assert len(hits) >= occurrence, f"{needle!r} not in the workflow"
    return hits[occurrence - 1]


def only(findings: list, rule: str):
    assert len(findings) == 1, findings
    (finding,) = findings
    assert finding.check_id == "policy"
    assert finding.rule == rule
    assert finding.path == PATH
    return finding


CLEAN = """
name: clean
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  scan:
    runs-on: ubuntu-24.04
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
        with:
          persist-credentials: false
      - uses: ./.github/actions/local
      - uses: docker://alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
      - run: echo "${{ github.sha }} ${{ env.SAFE }}"
        env:
          TITLE: ${{ github.event.issue.title }}
      - uses: github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e  # v4.36.2
        with:
          sarif_file: out.sarif
"""


def test_clean_workflow_has_no_findings():
    workflow = wf(CLEAN)
    for rule in policy.RULES:
        assert rule.audit(workflow) == [], rule.RULE


def test_rule_ids():
    assert [r.RULE for r in policy.RULES] == [
        "unpinned-uses", "excessive-permissions", "template-injection", "dangerous-triggers",
        "persisted-credentials"]


# --- unpinned-uses ------------------------------------------------------------------------------


STEPS = """
on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: one
        uses: {uses}
        with:
          persist-credentials: false
"""


@pytest.mark.parametrize("uses, ref", [
    ("actions/checkout@v4", "v4"),
    ("actions/checkout@main", "main"),
    ("actions/checkout@11bd719", "11bd719"),
    ("actions/checkout", "(no ref)"),
    ("github/codeql-action/upload-sarif@v3", "v3"),
    ("actions/checkout@" + SHA[:39], SHA[:39]),
])
def test_unpinned_step(uses, ref):
    workflow = wf(STEPS.format(uses=uses))
    finding = only(unpinned_uses.audit(workflow), "unpinned-uses")
    assert finding.severity is Severity.ERROR
    assert finding.blocking
    assert finding.line == line(workflow, "uses:")
    assert f"`{ref}`" in finding.message
    assert "job `build` step 1" in finding.message


@pytest.mark.parametrize("uses", [
    "actions/checkout@" + SHA,
    "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e",
    "./.github/actions/build",
    "./",
    "docker://ghcr.io/owner/image@" + DIGEST,
])
def test_pinned_or_local_step(uses):
    assert unpinned_uses.audit(wf(STEPS.format(uses=uses))) == []


@pytest.mark.parametrize("uses", ["docker://alpine:3.19", "docker://alpine", "docker://ghcr.io/o/i:latest"])
def test_docker_by_tag(uses):
    workflow = wf(STEPS.format(uses=uses))
    finding = only(unpinned_uses.audit(workflow), "unpinned-uses")
    assert finding.severity is Severity.ERROR
    assert finding.line == line(workflow, "uses:")
    assert "by tag, not by digest" in finding.message
    assert "@sha256:" in finding.hint


def test_docker_short_digest_is_not_a_digest():
    workflow = wf(STEPS.format(uses="docker://alpine@sha256:abc123"))
    assert only(unpinned_uses.audit(workflow), "unpinned-uses").line == line(workflow, "uses:")


def test_reusable_workflow_at_job_level():
    workflow = wf(f"""
        on: push
        permissions:
          contents: read
        jobs:
          pinned:
            uses: org/repo/.github/workflows/build.yml@{SHA}
          local:
            uses: ./.github/workflows/local.yml
          floating:
            uses: org/repo/.github/workflows/build.yml@main
    """)
    finding = only(unpinned_uses.audit(workflow), "unpinned-uses")
    assert finding.severity is Severity.ERROR
    assert finding.line == line(workflow, "@main")
    assert "job `floating`" in finding.message
    assert "`main`" in finding.message


def test_several_unpinned_steps_each_reported_on_their_line():
    workflow = wf("""
        on: push
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: echo first
              - uses: actions/setup-node@v4
              - name: cache
                uses: actions/cache@v4
    """)
    findings = unpinned_uses.audit(workflow)
    assert [f.line for f in findings] == [line(workflow, "setup-node"), line(workflow, "actions/cache")]
    assert ["step 2" in findings[0].message, "step 3" in findings[1].message] == [True, True]


# --- excessive-permissions ----------------------------------------------------------------------


def test_missing_top_level_permissions():
    workflow = wf("""
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo hi
          test:
            runs-on: ubuntu-latest
            steps:
              - run: echo hi
    """)
    finding = only(excessive_permissions.audit(workflow), "excessive-permissions")
    assert finding.severity is Severity.ERROR
    assert finding.line == 1
    assert "`build`, `test`" in finding.message
    assert "contents: read" in finding.hint


def test_missing_top_level_is_fine_when_every_job_sets_permissions():
    workflow = wf("""
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            permissions:
              contents: read
            steps:
              - run: echo hi
    """)
    assert excessive_permissions.audit(workflow) == []


def test_missing_top_level_names_only_bare_jobs():
    workflow = wf("""
        on: push
        jobs:
          ok:
            runs-on: ubuntu-latest
            permissions: {}
            steps: [{run: echo}]
          bare:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """)
    finding = only(excessive_permissions.audit(workflow), "excessive-permissions")
    assert "`bare`" in finding.message and "`ok`" not in finding.message


def test_top_level_write_all():
    workflow = wf("""
        name: w
        on: push
        permissions: write-all
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo hi
    """)
    finding = only(excessive_permissions.audit(workflow), "excessive-permissions")
    assert finding.severity is Severity.ERROR
    assert finding.line == line(workflow, "permissions: write-all") == 3
    assert "the workflow grants `write-all`" in finding.message


def test_job_level_write_all():
    workflow = wf("""
        on: push
        permissions:
          contents: read
        jobs:
          build:
            runs-on: ubuntu-latest
            permissions: write-all
            steps:
              - run: echo hi
    """)
    finding = only(excessive_permissions.audit(workflow), "excessive-permissions")
    assert finding.severity is Severity.ERROR
    assert finding.line == line(workflow, "permissions: write-all")
    assert "job `build` grants `write-all`" in finding.message


def test_top_level_write_scopes_each_reported_on_their_line():
    workflow = wf("""
        on: push
        permissions:
          contents: write
          issues: read
          pull-requests: write
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo hi
    """)
    findings = excessive_permissions.audit(workflow)
    assert [(f.rule, f.severity, f.line) for f in findings] == [
        ("excessive-permissions", Severity.ERROR, line(workflow, "contents: write")),
        ("excessive-permissions", Severity.ERROR, line(workflow, "pull-requests: write")),
    ]
    assert "`contents: write` at the top level" in findings[0].message


def test_top_level_read_all_and_read_scopes_are_fine():
    for perms in ("permissions: read-all", "permissions: {}", "permissions:\n  contents: read\n  packages: read"):
        workflow = wf(f"on: push\n{perms}\njobs:\n  a:\n    runs-on: x\n    steps: [{{run: echo}}]\n")
        assert excessive_permissions.audit(workflow) == [], perms


def test_job_level_security_events_justified_by_upload_sarif():
    workflow = wf(CLEAN)
    assert excessive_permissions.audit(workflow) == []


def test_job_level_security_events_without_upload_sarif():
    workflow = wf(f"""
        on: push
        permissions:
          contents: read
        jobs:
          scan:
            runs-on: ubuntu-latest
            permissions:
              contents: read
              security-events: write
            steps:
              - uses: actions/checkout@{SHA}
                with:
                  persist-credentials: false
              - run: trivy fs .
    """)
    finding = only(excessive_permissions.audit(workflow), "excessive-permissions")
    assert finding.severity is Severity.WARNING
    assert not finding.blocking
    assert finding.line == line(workflow, "security-events: write")
    assert "job `scan` grants `security-events: write`" in finding.message


def test_job_level_write_not_needed_by_any_step():
    workflow = wf("""
        on: push
        permissions:
          contents: read
        jobs:
          scan:
            runs-on: ubuntu-latest
            permissions:
              contents: write
              security-events: write
            steps:
              - uses: github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e
    """)
    finding = only(excessive_permissions.audit(workflow), "excessive-permissions")
    assert finding.severity is Severity.WARNING
    assert finding.line == line(workflow, "contents: write")
    assert "`contents: write`" in finding.message


def test_upload_sarif_in_another_job_does_not_justify():
    workflow = wf("""
        on: push
        permissions:
          contents: read
        jobs:
          upload:
            runs-on: ubuntu-latest
            permissions:
              security-events: write
            steps:
              - uses: github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e
          other:
            runs-on: ubuntu-latest
            permissions:
              security-events: write
            steps:
              - run: echo
    """)
    finding = only(excessive_permissions.audit(workflow), "excessive-permissions")
    assert finding.line == line(workflow, "security-events: write", occurrence=2)
    assert "job `other`" in finding.message


# --- template-injection -------------------------------------------------------------------------


@pytest.mark.parametrize("expr, name", [
    ("${{ github.event.issue.title }}", "github.event.issue.title"),
    ("${{github.event.pull_request.head.ref}}", "github.event.pull_request.head.ref"),
    ("${{ github.head_ref }}", "github.head_ref"),
    ("${{ toJSON(github.event.comment.body) }}", "github.event.comment.body"),
])
def test_untrusted_expression_in_run(expr, name):
    workflow = wf(f"""
        on: pull_request
        permissions:
          contents: read
        jobs:
          greet:
            runs-on: ubuntu-latest
            steps:
              - name: safe
                run: echo ok
              - name: greet
                run: echo "{expr}"
    """)
    finding = only(template_injection.audit(workflow), "template-injection")
    assert finding.severity is Severity.ERROR
    assert finding.line == line(workflow, "run: echo \"")
    assert f"`{name}`" in finding.message
    assert "job `greet` step 2" in finding.message
    assert "env:" in finding.hint


def test_untrusted_expression_in_block_script_points_at_run_key():
    workflow = wf("""
        on: issues
        permissions:
          contents: read
        jobs:
          triage:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  echo start
                  echo "${{ github.event.issue.title }}"
                  git checkout "${{ github.head_ref }}"
    """)
    findings = template_injection.audit(workflow)
    assert [f.rule for f in findings] == ["template-injection", "template-injection"]
    assert {f.line for f in findings} == {line(workflow, "- run: |")}
    assert "github.event.issue.title" in findings[0].message
    assert "github.head_ref" in findings[1].message


def test_untrusted_expression_outside_run_is_fine():
    workflow = wf("""
        on: issues
        permissions:
          contents: read
        jobs:
          triage:
            runs-on: ubuntu-latest
            if: ${{ github.event.issue.title != '' }}
            steps:
              - name: ${{ github.event.issue.title }}
                run: echo "$TITLE" "${{ github.sha }}" "${{ github.ref }}"
                env:
                  TITLE: ${{ github.event.issue.title }}
    """)
    assert template_injection.audit(workflow) == []


def test_untrusted_expression_inside_format():
    workflow = wf("""
        on: issues
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ format('{0}', github.event.issue.title) }}"
    """)
    finding = only(template_injection.audit(workflow), "template-injection")
    assert finding.line == line(workflow, "run:")


# --- dangerous-triggers -------------------------------------------------------------------------


def test_pull_request_target_scalar():
    workflow = wf("""
        name: t
        on: pull_request_target
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """)
    finding = only(dangerous_triggers.audit(workflow), "dangerous-triggers")
    assert finding.severity is Severity.ERROR
    assert finding.line == 2
    assert "`pull_request_target`" in finding.message
    assert finding.hint == "Use `pull_request`."


def test_pull_request_target_in_list():
    workflow = wf("""
        name: t
        on: [push, pull_request_target]
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """)
    finding = only(dangerous_triggers.audit(workflow), "dangerous-triggers")
    assert finding.severity is Severity.ERROR
    assert finding.line == 2


def test_pull_request_target_as_only_mapping_key():
    workflow = wf("""
        name: t
        on:
          pull_request_target:
            types: [opened]
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """)
    finding = only(dangerous_triggers.audit(workflow), "dangerous-triggers")
    assert finding.line == line(workflow, "pull_request_target:") == 3


def test_pull_request_target_after_other_triggers_points_at_its_key():
    workflow = wf("""
        on:
          push:
            branches: [main]
          pull_request_target:
            types: [opened]
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """)
    finding = only(dangerous_triggers.audit(workflow), "dangerous-triggers")
    assert finding.line == line(workflow, "pull_request_target:")


def test_workflow_run_is_a_warning():
    workflow = wf("""
        on:
          workflow_run:
            workflows: [ci]
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: echo}]
    """)
    finding = only(dangerous_triggers.audit(workflow), "dangerous-triggers")
    assert finding.severity is Severity.WARNING
    assert finding.line == line(workflow, "workflow_run:")


@pytest.mark.parametrize("on", ["pull_request", "[push, pull_request]", "\n  pull_request:\n  push:"])
def test_safe_triggers(on):
    workflow = Workflow.parse(PATH, f"on: {on}\njobs:\n  a:\n    runs-on: x\n    steps: [{{run: echo}}]\n")
    assert dangerous_triggers.audit(workflow) == []


# --- persisted-credentials ----------------------------------------------------------------------


def test_checkout_without_persist_credentials():
    workflow = wf(f"""
        on: push
        permissions:
          contents: read
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo first
              - name: checkout
                uses: actions/checkout@{SHA}
    """)
    finding = only(persisted_credentials.audit(workflow), "persisted-credentials")
    assert finding.severity is Severity.ERROR
    assert finding.line == line(workflow, "uses: actions/checkout")
    assert "job `build` step 2" in finding.message
    assert "persist-credentials: false" in finding.hint


@pytest.mark.parametrize("value, flagged", [
    ("false", False), ("'false'", False), ("False", False), ("true", True), ("'true'", True),
])
def test_checkout_persist_credentials_values(value, flagged):
    workflow = wf(f"""
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: Actions/Checkout@{SHA}
                with:
                  fetch-depth: 0
                  persist-credentials: {value}
    """)
    findings = persisted_credentials.audit(workflow)
    assert [f.line for f in findings] == ([line(workflow, "uses:")] if flagged else [])


def test_other_actions_are_not_checkouts():
    workflow = wf(f"""
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout-extra@{SHA}
              - uses: someone/actions/checkout@{SHA}
              - run: git clone https://example.invalid/x
    """)
    assert persisted_credentials.audit(workflow) == []


def test_policy_run_collects_all_rules():
    workflow = wf("""
        on: pull_request_target
        permissions: write-all
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: echo "${{ github.head_ref }}"
    """)
    found = sorted(f.rule for f in policy.run(SimpleNamespace(workflow=workflow)))
    assert found == ["dangerous-triggers", "excessive-permissions", "persisted-credentials",
                     "template-injection", "unpinned-uses"]
