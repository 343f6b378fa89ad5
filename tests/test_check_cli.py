"""`vibeops check` on existing workflow files, with the real actionlint."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_repo, vibeops, vibeops_json
from tests.realdata import realdata

TRAP = """name: trivy
on:
  pull_request:
permissions:
  contents: read
jobs:
  scan:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - name: Scan the API manifest
        uses: aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0
        with:
          scan-type: config
          scan-ref: k8s-manifests/
"""


@pytest.fixture
def trap_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", files={".github/workflows/trivy.yml": TRAP})


def test_seed_trap_is_judged_broader_with_the_extra_files(trap_repo):
    code, out = vibeops_json("check", str(trap_repo / ".github/workflows/trivy.yml"), "--repo", str(trap_repo),
                             "--requested", "k8s-manifests/api.yaml")
    assert code == 1 and out["ok"] is False
    (file,) = out["files"]
    assert file["path"] == ".github/workflows/trivy.yml"
    assert file["scope"]["verdict"] == "broader"
    assert file["scope"]["extra"] == ["k8s-manifests/db.yaml", "k8s-manifests/web.yaml"]
    scope_check = next(c for c in file["checks"] if c["id"] == "scope")
    assert not scope_check["ok"]
    assert scope_check["findings"][0]["rule"] == "scans-extra-files"
    assert scope_check["findings"][0]["line"] == 14  # the scanner step
    assert {c["id"]: c["ok"] for c in file["checks"]}["policy"] is True


def test_exact_request_is_clean(trap_repo):
    code, out = vibeops_json("check", str(trap_repo / ".github/workflows/trivy.yml"), "--repo", str(trap_repo),
                             "--requested", "k8s-manifests/")
    assert code == 0 and out["ok"] is True
    assert out["files"][0]["scope"]["verdict"] == "exact"


def test_without_requested_it_still_reports_what_each_step_scans(trap_repo):
    code, out = vibeops_json("check", str(trap_repo / ".github/workflows/trivy.yml"), "--repo", str(trap_repo))
    assert code == 0
    scope = out["files"][0]["scope"]
    assert scope["verdict"] is None
    (step,) = scope["steps"]
    assert step["roots"] == ["k8s-manifests"] and len(step["files"]) == 3
    human = vibeops("check", str(trap_repo / ".github/workflows/trivy.yml"), "--repo", str(trap_repo))
    row = next(line for line in human.stdout.splitlines() if "Scan the API manifest" in line)
    assert row.split()[-3:] == ["trivy", "k8s-manifests", "3"]


def test_actionlint_findings_come_with_line_numbers(demo_repo):
    broken = realdata("workflows", "actionlint-testdata", "permissions.yaml")
    code, out = vibeops_json("check", str(broken), "--repo", str(demo_repo))
    assert code == 1
    lint = next(c for c in out["files"][0]["checks"] if c["id"] == "actionlint")
    expected = [line.split(":")[1] for line in broken.with_suffix(".out").read_text().splitlines()]
    assert [str(f["line"]) for f in lint["findings"]] == expected
    assert all(f["rule"] == "permissions" for f in lint["findings"])


def test_invalid_yaml_is_a_finding_not_a_crash(demo_repo):
    code, out = vibeops_json("check", str(realdata("workflows", "actionlint-testdata", "broken_yaml.yaml")),
                             "--repo", str(demo_repo))
    assert code == 1
    checks = {c["id"]: c for c in out["files"][0]["checks"]}
    assert checks["actionlint"]["findings"][0]["line"] == 6
    assert "not valid YAML" in checks["scope"]["findings"][0]["message"]


def test_policy_findings_on_a_real_workflow(demo_repo):
    readme_example = realdata("workflows", "aquasecurity__trivy-action__README-iac-config-scan.yml")
    code, out = vibeops_json("check", str(readme_example), "--repo", str(demo_repo))
    assert code == 1
    policy = next(c for c in out["files"][0]["checks"] if c["id"] == "policy")
    rules = {f["rule"] for f in policy["findings"]}
    assert {"unpinned-uses", "persisted-credentials"} <= rules
    assert out["files"][0]["scope"]["steps"][0]["roots"] == ["."]


def test_all_corpus_workflows_in_one_call(demo_repo):
    files = sorted(str(p) for p in realdata("workflows").glob("*.y*ml"))
    code, out = vibeops_json("check", *files, "--repo", str(demo_repo))
    assert code == 1 and len(out["files"]) == len(files)


@pytest.mark.parametrize("args, expected", [
    (["missing.yml"], "cannot read"),
    ([".github/workflows/trivy.yml", "--requested", "k8s-manifests/nope.yaml"], "does not exist"),
])
def test_bad_input_exit_2(trap_repo, args, expected):
    result = vibeops("check", *args, "--repo", str(trap_repo), cwd=trap_repo)
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_fail_closed_when_actionlint_is_missing(trap_repo):
    code, out = vibeops_json("check", str(trap_repo / ".github/workflows/trivy.yml"), "--repo", str(trap_repo),
                             env={"VIBEOPS_ACTIONLINT": "/nonexistent"})
    assert code == 1
    lint = next(c for c in out["files"][0]["checks"] if c["id"] == "actionlint")
    assert lint["findings"][0]["rule"] == "tool-unavailable"


def test_check_reads_a_relative_workflow_name_in_the_repository_as_run_does(tmp_path):
    from tests.conftest import make_repo

    repo = make_repo(tmp_path / "repo", files={".github/workflows/lint.yml": (
        "on: push\npermissions: {}\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n"
        "    steps:\n      - run: echo lint\n")})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = vibeops("check", ".github/workflows/lint.yml", "--repo", str(repo), cwd=elsewhere)
    assert result.returncode in (0, 1), result.stderr
    assert ".github/workflows/lint.yml" in result.stdout and "cannot read" not in result.stderr
