"""`vibeops run` end to end on a local git repository, with the real binaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.workflow import Workflow
from tests.conftest import git, make_repo, vibeops, vibeops_json

SEED = "add trivy scan for k8s-manifests/api.yaml"
BRANCH = "vibeops/trivy-config-k8s-manifests-api-99997fb9"
WORKFLOW = ".github/workflows/vibeops-trivy-config-k8s-manifests-api.yml"


def state(repo: Path) -> dict:
    """Everything of the user's that vibeops must not touch."""
    return {
        "head": git(repo, "rev-parse", "HEAD"),
        "symbolic": git(repo, "symbolic-ref", "HEAD"),
        "status": git(repo, "status", "--porcelain", "--untracked-files=all"),
        "index": git(repo, "ls-files", "--stage"),
        "branches": git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"),
    }


def vibeops_branches(repo: Path) -> list[str]:
    out = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/vibeops")
    return out.split() if out else []


def test_seed_request_opens_a_branch_with_an_exact_scope(demo_repo):
    (demo_repo / "notes.txt").write_text("uncommitted user work\n")
    git(demo_repo, "add", "notes.txt")
    before = state(demo_repo)
    code, report = vibeops_json("run", SEED, "--repo", str(demo_repo))
    assert code == 0, report["message"]
    assert report["status"] == "opened"
    assert report["workflow"] == WORKFLOW
    assert report["branch"] == BRANCH
    assert report["scope"]["verdict"] == "exact"
    assert report["scope"]["requested"] == ["k8s-manifests/api.yaml"]
    assert report["scope"]["scanned"] == ["k8s-manifests/api.yaml"]
    assert report["scope"]["extra"] == [] and report["scope"]["missing"] == []
    assert {c["id"]: c["ok"] for c in report["checks"]} == {
        "actionlint": True, "scope": True, "dynamic-scope": True, "trigger-scope": True, "trivy-action": True,
        "policy": True, "guardrails": True, "zizmor": True, "intent": True}
    # The user's checkout, index, HEAD and branches are exactly as they were, plus one new branch.
    after = state(demo_repo)
    assert {k: v for k, v in after.items() if k != "branches"} == {k: v for k, v in before.items() if k != "branches"}
    assert set(after["branches"].splitlines()) - set(before["branches"].splitlines()) == {
        f"refs/heads/{BRANCH} {report['commit']}"}
    # One commit on top of main, adding exactly the workflow.
    assert git(demo_repo, "rev-parse", f"{BRANCH}^") == git(demo_repo, "rev-parse", "main")
    assert git(demo_repo, "diff", "--name-status", "main", BRANCH) == f"A\t{WORKFLOW}"
    committed = git(demo_repo, "show", f"{BRANCH}:{WORKFLOW}")
    assert committed.strip() == report["workflow_text"].strip()
    wf = Workflow.parse(WORKFLOW, committed)
    scan = [s for s in wf.steps() if "trivy-action" in (s.uses or "")]
    assert [s.with_["scan-ref"] for s in scan] == ["k8s-manifests/api.yaml"]


def test_report_carries_the_preview_and_a_pr_description(demo_repo, tmp_path):
    body_file = tmp_path / "body.md"
    code, report = vibeops_json("run", SEED, "--repo", str(demo_repo), "--pr-body", str(body_file))
    assert code == 0
    preview = report["preview"]
    assert preview["ran"] and preview["tool"] == "trivy"
    assert [f["path"] for f in preview["files"]] == ["k8s-manifests/api.yaml"]
    counts = preview["files"][0]["counts"]
    assert counts["HIGH"] >= 1 and sum(counts.values()) == len(preview["files"][0]["findings"])
    assert preview["would_fail"] == counts["CRITICAL"] + counts["HIGH"]
    body = report["pr"]["body"]
    assert report["pr"]["title"] == "Add trivy config scan for k8s-manifests/api.yaml"
    assert "> add trivy scan for k8s-manifests/api.yaml" in body
    assert "`exact`" in body and "| `k8s-manifests/api.yaml` | ✓ | ✓ |" in body
    assert "| `actionlint` | ✅ pass |" in body
    assert "KSV" in body  # the preview's top findings
    assert body_file.read_text() == body


def test_several_files_and_a_directory(demo_repo):
    code, report = vibeops_json("run", "add trivy scan for k8s-manifests/api.yaml and k8s-manifests/db.yaml",
                                "--repo", str(demo_repo))
    assert code == 0
    assert report["scope"]["scanned"] == ["k8s-manifests/api.yaml", "k8s-manifests/db.yaml"]
    code, report = vibeops_json("run", "add trivy config scan for k8s-manifests/", "--repo", str(demo_repo))
    assert code == 0 and report["scope"]["verdict"] == "exact"
    assert len(report["scope"]["scanned"]) == 3
    assert len(report["preview"]["files"]) == 3


def test_trivy_fs_misconfiguration_scan_of_the_repository(demo_repo):
    code, report = vibeops_json("run", "add trivy fs misconfiguration scan for the repository fail on critical",
                                "--repo", str(demo_repo))
    assert code == 0, report["message"]
    assert report["scope"]["scanned"] == ["api/Dockerfile", "charts/shop/templates/deployment.yaml",
                                          "charts/shop/templates/service.yaml", "k8s-manifests/api.yaml",
                                          "k8s-manifests/db.yaml", "k8s-manifests/web.yaml", "web/Dockerfile"]
    assert {f["path"] for f in report["preview"]["files"]} == set(report["scope"]["scanned"])
    assert report["preview"]["fail_on"] == ["CRITICAL"]


def test_actionlint_on_the_repository_workflows(demo_repo):
    code, report = vibeops_json("run", "add actionlint check", "--repo", str(demo_repo))
    assert code == 0, report["message"]
    assert report["workflow"] == ".github/workflows/vibeops-actionlint.yml"
    assert report["scope"]["verdict"] == "exact"
    assert ".github/workflows/vibeops-actionlint.yml" in report["scope"]["scanned"]
    assert ".github/workflows/images.yml" in report["scope"]["scanned"]
    assert report["preview"]["tool"] == "actionlint" and report["preview"]["ran"]


@pytest.mark.parametrize("request_text, expected", [
    ("add trivy scan for k8s-manifest/api.yaml", "did you mean `k8s-manifests/api.yaml`"),
    ("add trivy scan for /etc/passwd", "absolute path"),
    ("add trivy scan for ../outside.yaml", "`..`"),
    ("add trivy scan for k8s-manifests/*.yml", "matches no file"),
    ("add trivy scan for README.md", "would find nothing to check"),
    ("add zizmor check for k8s-manifests/api.yaml", "no built-in recipe for zizmor yet"),
    ("please do something", "did not understand `something`"),
])
def test_bad_input_is_exit_2_with_a_specific_message_and_no_branch(demo_repo, request_text, expected):
    before = state(demo_repo)
    code, report = vibeops_json("run", request_text, "--repo", str(demo_repo))
    assert code == 2
    assert report["status"] == "error"
    assert expected.lower() in report["message"].lower()
    assert state(demo_repo) == before
    human = vibeops("run", request_text, "--repo", str(demo_repo))
    assert human.returncode == 2 and "Traceback" not in human.stderr
    assert expected.lower() in human.stderr.lower()


def test_not_a_repository_and_empty_repository(tmp_path):
    code, report = vibeops_json("run", SEED, "--repo", str(tmp_path))
    assert code == 2 and "not a git repository" in report["message"]
    git(tmp_path, "init", "-q", "-b", "main")
    code, report = vibeops_json("run", SEED, "--repo", str(tmp_path))
    assert code == 2 and "no commits" in report["message"]
    code, report = vibeops_json("run", SEED, "--repo", str(tmp_path / "missing"))
    assert code == 2 and "no such directory" in report["message"]


def test_a_check_that_cannot_run_fails_closed_and_leaves_no_branch(demo_repo):
    before = state(demo_repo)
    code, report = vibeops_json("run", SEED, "--repo", str(demo_repo),
                                env={"VIBEOPS_ACTIONLINT": "/nonexistent/actionlint"})
    assert code == 1
    assert report["status"] == "rejected"
    (lint,) = [c for c in report["checks"] if c["id"] == "actionlint"]
    assert not lint["ok"] and lint["findings"][0]["rule"] == "tool-unavailable"
    assert report["branch"] is None and report["commit"] is None
    assert state(demo_repo) == before


def test_missing_trivy_fails_closed_through_the_dynamic_scope_check(demo_repo):
    before = state(demo_repo)
    code, report = vibeops_json("run", SEED, "--repo", str(demo_repo),
                                env={"VIBEOPS_TRIVY": "/nonexistent/trivy"})
    assert report["preview"]["ran"] is False
    assert "trivy not found" in report["preview"]["error"]
    (dynamic,) = [c for c in report["checks"] if c["id"] == "dynamic-scope"]
    assert not dynamic["ok"] and dynamic["findings"][0]["rule"] == "tool-unavailable"
    assert code == 1 and report["status"] == "rejected"
    assert state(demo_repo) == before


def test_running_the_same_request_again_is_idempotent(demo_repo):
    code, first = vibeops_json("run", SEED, "--repo", str(demo_repo))
    code2, second = vibeops_json("run", SEED, "--repo", str(demo_repo))
    assert code == code2 == 0
    assert second["commit"] == first["commit"]
    assert "already up to date" in second["message"]
    assert vibeops_branches(demo_repo) == [BRANCH]


def test_changed_request_on_an_existing_branch_adds_a_commit_on_its_head(demo_repo):
    _, first = vibeops_json("run", SEED, "--repo", str(demo_repo))
    code, second = vibeops_json("run", SEED + " fail on medium and above", "--repo", str(demo_repo))
    assert code == 0
    assert second["branch"] == first["branch"]
    assert git(demo_repo, "rev-parse", f"{BRANCH}^") == first["commit"]
    assert "CRITICAL,HIGH,MEDIUM" in git(demo_repo, "show", f"{BRANCH}:{WORKFLOW}")


def test_never_overwrites_an_existing_workflow_silently(tmp_path):
    repo = make_repo(tmp_path / "r", files={WORKFLOW: "name: mine\non: push\njobs: {}\n"})
    before = state(repo)
    code, report = vibeops_json("run", SEED, "--repo", str(repo))
    assert code == 2 and "already exists" in report["message"] and "--overwrite" in report["message"]
    assert state(repo) == before
    code, report = vibeops_json("run", SEED, "--repo", str(repo), "--overwrite")
    assert code == 0 and git(repo, "diff", "--name-status", "main", BRANCH) == f"M\t{WORKFLOW}"


def test_refuses_to_move_a_branch_the_user_has_checked_out(demo_repo):
    vibeops_json("run", SEED, "--repo", str(demo_repo))
    git(demo_repo, "checkout", "-q", BRANCH)
    code, report = vibeops_json("run", SEED + " report only", "--repo", str(demo_repo))
    assert code == 2 and "checked out" in report["message"]


def test_default_branch_is_found_when_another_branch_is_checked_out(demo_repo):
    git(demo_repo, "checkout", "-q", "-b", "feature")
    (demo_repo / "k8s-manifests" / "extra.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n")
    git(demo_repo, "add", "-A")
    git(demo_repo, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", "feature work")
    code, report = vibeops_json("run", "add trivy scan for k8s-manifests/extra.yaml", "--repo", str(demo_repo))
    assert code == 2 and "does not exist" in report["message"]  # read from main, not the checkout
    code, report = vibeops_json("run", "add trivy scan for k8s-manifests/extra.yaml", "--repo",
                                str(demo_repo), "--base", "feature")
    assert code == 0 and report["base"] == "feature"


def test_json_output_is_exactly_one_object(demo_repo):
    result = vibeops("run", SEED, "--repo", str(demo_repo), "--json")
    import json

    decoded, end = json.JSONDecoder().raw_decode(result.stdout)
    assert result.stdout[end:].strip() == ""
    for key in ("status", "message", "workflow", "branch", "commit", "scope", "checks", "preview", "pr"):
        assert key in decoded


def test_human_report_is_readable(demo_repo):
    result = vibeops("run", SEED, "--repo", str(demo_repo))
    assert result.returncode == 0
    assert "OPENED" in result.stdout and "scope     exact" in result.stdout
    assert "k8s-manifests/api.yaml" in result.stdout


def test_the_terminal_report_lists_the_findings_not_only_their_counts(tmp_path):
    from tests.conftest import make_repo

    as_json, as_text = make_repo(tmp_path / "a"), make_repo(tmp_path / "b")
    code, report = vibeops_json("run", "add trivy scan for k8s-manifests/api.yaml", "--repo", str(as_json))
    assert code == 0
    expected = [(f["id"], f["severity"], f.get("line")) for file in report["preview"]["files"]
                for f in file["findings"]]
    assert expected  # the demo manifest has misconfigurations trivy reports
    result = vibeops("run", "add trivy scan for k8s-manifests/api.yaml", "--repo", str(as_text))
    listed = result.stdout.split("findings (worst first)", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert len(listed) == min(len(expected), 20)
    for line in listed:
        where, severity, rule, *_ = line.split()
        assert where.startswith("k8s-manifests/api.yaml") and (rule, severity) in {(i, s) for i, s, _ in expected}
    severities = [line.split()[1] for line in listed]
    order = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
    assert severities == sorted(severities, key=order.index)  # worst first


def test_a_file_only_in_the_working_tree_is_named_as_not_committed(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo / "k8s-manifests" / "cache.yaml").write_text((repo / "k8s-manifests" / "db.yaml").read_text())
    result = vibeops("run", "add trivy scan for k8s-manifests/cache.yaml", "--repo", str(repo))
    assert result.returncode == 2
    assert "`k8s-manifests/cache.yaml` is in your working tree but not committed on `main`" in result.stderr
    assert git(repo, "branch", "--list", "vibeops/*") == ""


def test_one_template_of_a_helm_chart_is_refused_with_the_chart_folder_to_scan(tmp_path):
    repo = make_repo(tmp_path / "repo")
    result = vibeops("run", "add trivy scan for charts/shop/templates/deployment.yaml", "--repo", str(repo))
    assert result.returncode == 2
    assert "part of the Helm chart `charts/shop`" in result.stderr and "`add trivy scan for charts/shop`" in result.stderr
    assert "dynamic-scope" not in result.stderr + result.stdout
    assert git(repo, "branch", "--list", "vibeops/*") == ""


def test_a_relative_repo_path_is_the_one_the_user_means(tmp_path):
    repo = make_repo(tmp_path / "repo")
    result = vibeops("run", "add trivy scan for k8s-manifests/api.yaml", "--repo", ".", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert git(repo, "branch", "--list", "vibeops/*").strip().startswith("vibeops/trivy-config-k8s-manifests-api")
