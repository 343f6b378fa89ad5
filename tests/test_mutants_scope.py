"""The scope verdict and the scanners' file selection, pinned down where mutants survived (tests/mutate.py, issue 20).

Verdict tests build ScannerStep values directly (the verdict is a pure function of them); file-selection
tests run real workflow text over RepoTree-built repositories through the scope engine.
"""

from __future__ import annotations

import pytest

from bot.repotree import RepoTree
from bot.scope.model import ANY_TOOL, ScannerStep
from bot.scope.steps import scanner_steps
from bot.scope.verdict import compare
from bot.workflow import Workflow


def step(tool: str, files: set[str], resolved: bool = True, index: int = 0, by_scanner: dict | None = None,
         reason: str | None = None) -> ScannerStep:
    return ScannerStep("scan", index, f"step {index}", None, tool, "config", ("misconfig",), (".",), frozenset(files),
                       resolved, reason, files_by_scanner=by_scanner or {})


# --- the verdict ---------------------------------------------------------------------------------------------


def test_each_verdict_from_requested_and_scanned():
    trivy = (step("trivy", {"a.yaml", "b.yaml"}),)
    assert compare({"a.yaml", "b.yaml"}, trivy).verdict == "exact"
    broader = compare({"a.yaml"}, trivy)
    assert (broader.verdict, broader.extra, broader.missing) == ("broader", ("b.yaml",), ())
    narrower = compare({"a.yaml", "b.yaml", "c.yaml"}, trivy)
    assert (narrower.verdict, narrower.extra, narrower.missing) == ("narrower", (), ("c.yaml",))
    mismatch = compare({"a.yaml", "c.yaml"}, trivy)
    assert (mismatch.verdict, mismatch.extra, mismatch.missing) == ("mismatch", ("b.yaml",), ("c.yaml",))
    assert mismatch.requested == ("a.yaml", "c.yaml") and mismatch.scanned == ("a.yaml", "b.yaml")


def test_without_a_request_there_is_no_verdict_but_the_scanned_files():
    report = compare(None, (step("trivy", {"b", "a"}),), tool="trivy", basis="given")
    assert (report.verdict, report.requested, report.scanned, report.extra, report.missing) == (None, (), ("a", "b"), (), ())
    assert report.tool == "trivy" and report.basis == "given"


def test_only_the_named_tools_steps_count_but_an_unknown_scanner_counts_for_every_tool():
    steps = (step("trivy", {"a"}), step("checkov", {"b"}, index=1))
    assert compare({"a"}, steps, tool="trivy").verdict == "exact"
    assert compare({"a"}, steps).verdict == "broader"  # every tool's steps
    unknown = step(ANY_TOOL, set(), resolved=False, index=2, reason="a remote reusable workflow")
    report = compare({"a"}, steps + (unknown,), tool="trivy")
    assert report.verdict == "unknown" and report.steps == (steps[0], unknown)
    assert report.problems == ("job `scan` step 3 (step 2): a remote reusable workflow",)
    unresolved_checkov = step("checkov", set(), resolved=False, index=4, reason="a matrix value")
    assert compare({"a"}, steps + (unresolved_checkov,), tool="trivy").verdict == "exact"  # another tool's problem
    resolved_other = step(ANY_TOOL, {"z"}, resolved=True, index=3)
    assert compare({"a"}, steps + (resolved_other,), tool="trivy").verdict == "exact"


def test_unknown_beats_every_other_verdict():
    steps = (step("trivy", {"a"}), step("trivy", {"b"}, resolved=False, index=1, reason="a matrix value"))
    assert compare({"a", "b"}, steps).verdict == "unknown"
    assert compare({"a"}, steps).verdict == "unknown"
    assert compare({"c"}, steps).verdict == "unknown"


def test_scanners_narrow_the_files_to_what_those_scanners_read():
    both = step("trivy", {"a.yaml", "go.sum"}, by_scanner={"misconfig": frozenset({"a.yaml"}),
                                                           "vuln": frozenset({"go.sum"})})
    assert compare({"a.yaml"}, (both,), scanners=("misconfig",)).verdict == "exact"
    assert compare({"a.yaml", "go.sum"}, (both,), scanners=("misconfig", "vuln")).verdict == "exact"
    assert compare({"a.yaml"}, (both,)).verdict == "broader"


# --- trivy's file selection ----------------------------------------------------------------------------------

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
BASE = {"k8s/api.yaml": POD, "k8s/db.yaml": POD, "ops/web.yaml": POD, "Dockerfile": "FROM alpine\n"}
EVERY_CONFIG = {"Dockerfile", "k8s/api.yaml", "k8s/db.yaml", "ops/web.yaml"}


def trivy_steps(steps_yaml: str, extra: dict[str, str] | None = None):
    text = "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n" + steps_yaml
    found = scanner_steps(Workflow.parse(".github/workflows/t.yml", text), RepoTree.from_mapping({**BASE, **(extra or {})}))
    assert len(found) == 1 and found[0].tool in ("trivy", ANY_TOOL)
    return found[0]


def run(line: str, extra: dict[str, str] | None = None):
    return trivy_steps(f"      - run: {line}\n", extra)


def action(extra: dict[str, str] | None = None, **inputs: str):
    body = "".join(f"          {k.replace('_', '-')}: {v}\n" for k, v in inputs.items())
    return trivy_steps("      - uses: aquasecurity/trivy-action@0.28.0\n        with:\n" + body, extra)


@pytest.mark.parametrize("line, reason", [
    ("trivy", "no trivy subcommand"),
    ("trivy config", "no scan target"),
    ("trivy config k8s ops", "2 targets (trivy accepts one)"),
    ("trivy config -c nothere.yaml .", "trivy config file nothere.yaml is not in the repository"),
    ("trivy config --config ../trivy.yaml .", "trivy config file ../trivy.yaml is not in the repository"),
])
def test_trivy_command_lines_that_cannot_be_known(line, reason):
    found = run(line)
    assert not found.resolved and found.reason == reason and found.files == frozenset()


@pytest.mark.parametrize("line, note", [
    ("trivy image alpine:3", "scans image alpine:3, not repository files"),
    ("trivy i", "scans image (none), not repository files"),
    ("trivy k8s cluster", "scans k8s cluster, not repository files"),
    ("trivy version", None),
    ("trivy repo https://github.com/a/b", "scans the remote repository https://github.com/a/b"),
    ("trivy repo git@github.com:a/b", "scans the remote repository git@github.com:a/b"),
])
def test_trivy_commands_that_read_no_repository_file(line, note):
    found = run(line)
    assert found.resolved and found.files == frozenset()
    if note:
        assert note in (found.reason or "") or note in str(found.invocation.note)


def test_trivy_skip_lists_are_comma_separated_and_a_flag_beats_env_beats_the_config_file():
    conf = {"trivy.yaml": "scan:\n  skip-dirs: ' k8s , ,ops'\n"}
    assert run("trivy config .", conf).files == {"Dockerfile"}
    assert run("trivy config --skip-dirs k8s,,ops .").files == {"Dockerfile"}
    assert run("TRIVY_SKIP_DIRS=k8s trivy config .", conf).files == {"Dockerfile", "ops/web.yaml"}
    assert run("TRIVY_SKIP_DIRS=k8s trivy config --skip-dirs ops .", conf).files == {"Dockerfile", "k8s/api.yaml",
                                                                                      "k8s/db.yaml"}
    listed = {"trivy.yaml": "scan:\n  skip-files: [k8s/db.yaml, '', ' ']\n  skip-dirs: [ops]\n"}
    assert run("trivy config .", listed).files == {"Dockerfile", "k8s/api.yaml"}
    # --skip-files replaces the file's skip-files (db.yaml is scanned again); its skip-dirs still hold
    assert run("trivy config --skip-files Dockerfile .", listed).files == {"k8s/api.yaml", "k8s/db.yaml"}


def test_a_trivy_config_file_that_cannot_be_used():
    broken = run("trivy config .", {"trivy.yaml": "scan: [\n"})
    assert not broken.resolved and broken.reason.startswith("cannot read trivy.yaml:")
    assert run("trivy config .", {"trivy.yaml": "scan: [1]\n"}).files == EVERY_CONFIG  # no scan settings
    assert run("trivy config .", {"trivy.yaml": ""}).files == EVERY_CONFIG
    assert run("trivy config .", {"trivy.yaml": "- a\n"}).files == EVERY_CONFIG
    named = run("trivy config -c conf/t.yaml .", {"conf/t.yaml": "scan:\n  skip-dirs: [k8s]\n"})
    assert named.files == {"Dockerfile", "ops/web.yaml"} and named.invocation.config_file.endswith("/conf/t.yaml")
    assert run("trivy config .").invocation.config_file is None


def test_trivy_scanners_by_flag_env_alias_or_config_file():
    assert run("trivy fs --scanners config,secrets,Vulnerability,vuln k8s").scanners == ("misconfig", "secret", "vuln")
    assert run("TRIVY_SECURITY_CHECKS=config trivy fs k8s").scanners == ("misconfig",)
    assert run("TRIVY_SCANNERS=secret trivy fs --security-checks vuln k8s").scanners == ("secret",)
    assert run("trivy fs k8s", {"trivy.yaml": "scan:\n  scanners: [misconfig]\n"}).scanners == ("misconfig",)
    assert run("trivy fs k8s").scanners == ("vuln", "secret")
    assert run("trivy config --scanners vuln k8s").scanners == ("misconfig",)  # config mode: misconfig only


def test_trivy_action_inputs_become_its_settings():
    found = action(scan_type="fs", scan_ref="k8s", scanners="misconfig", skip_files="k8s/db.yaml")
    assert found.scanners == ("misconfig",) and found.files == {"k8s/api.yaml"}
    assert action(scan_type="config", scan_ref=".", skip_dirs="k8s,ops").files == {"Dockerfile"}
    conf = {"conf.yaml": "scan:\n  skip-dirs: [ops]\n"}
    assert action(conf, scan_type="config", trivy_config="conf.yaml").files == {"Dockerfile", "k8s/api.yaml",
                                                                                "k8s/db.yaml"}
    assert action(scan_type="config", scan_ref="k8s", skip_dirs="''").files == {"k8s/api.yaml", "k8s/db.yaml"}
    image = action(scan_type="image", image_ref="alpine:3")
    assert image.resolved and image.files == frozenset()
    assert action().files == frozenset()  # the action's default scan type is image
    unknown = action(scan_type="${{ steps.x.outputs.t }}")
    assert not unknown.resolved and "steps.x.outputs.t" in unknown.reason
    unknown_ref = action(scan_type="config", scan_ref="${{ steps.x.outputs.t }}")
    assert not unknown_ref.resolved and "steps.x.outputs.t" in unknown_ref.reason


def test_a_trivy_config_file_whose_name_starts_with_two_dots_is_still_in_the_repository():
    named = run("trivy config -c ..conf.yaml .", {"..conf.yaml": "scan:\n  skip-dirs: [k8s]\n"})
    assert named.resolved and named.files == {"Dockerfile", "ops/web.yaml"}
    outside = run("cd k8s && trivy config -c ../../up.yaml .")
    assert not outside.resolved and outside.reason == "trivy config file ../../up.yaml is not in the repository"


def test_trivy_yaml_is_looked_up_in_the_checkout_not_the_workspace_root():
    tree = RepoTree.from_mapping({**BASE, "trivy.yaml": "scan:\n  skip-dirs: [k8s]\n"})

    def scanned(run_step: str) -> frozenset[str]:
        text = ("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
                "        with:\n          path: src\n" + run_step)
        (found,) = scanner_steps(Workflow.parse(".github/workflows/t.yml", text), tree)
        assert found.resolved, found.reason
        return found.files

    # From the workspace root there is no trivy.yaml (the repository is under src/): nothing is skipped.
    assert scanned("      - run: trivy config src\n") == EVERY_CONFIG
    # From inside the checkout, its trivy.yaml applies.
    assert scanned("      - run: trivy config .\n        working-directory: src\n") == {"Dockerfile", "ops/web.yaml"}


def test_the_last_trivy_config_option_wins_and_trivy_config_env_names_one_too():
    confs = {"a.yaml": "scan:\n  skip-dirs: [k8s]\n", "b.yaml": "scan:\n  skip-dirs: [ops]\n"}
    last = run("trivy config -c a.yaml -c b.yaml .", confs)
    assert last.files == {"Dockerfile", "k8s/api.yaml", "k8s/db.yaml"}
    assert last.invocation.config_file.endswith("/b.yaml")
    assert run("trivy config --config a.yaml .", confs).files == {"Dockerfile", "ops/web.yaml"}
    from_env = run("TRIVY_CONFIG=b.yaml trivy config .", confs)
    assert from_env.files == {"Dockerfile", "k8s/api.yaml", "k8s/db.yaml"} and from_env.invocation.config_file.endswith("/b.yaml")


def test_only_trivy_repo_reads_a_url_like_target_as_remote():
    found = run("trivy config git@ops", {"git@ops/web.yaml": POD})
    assert found.resolved and found.files == {"git@ops/web.yaml"}
    local = run("trivy repo --scanners misconfig k8s")  # a local folder: trivy repo reads its files
    assert local.resolved and local.files == {"k8s/api.yaml", "k8s/db.yaml"}
