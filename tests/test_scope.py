"""The scope engine: what each scanner step reads, and the verdict against a request."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.repotree import RepoTree
from bot.scope.steps import scanner_steps
from bot.scope.verdict import compare
from bot.workflow import Workflow, WorkflowError
from tests.conftest import DEMO
from tests.realdata import params, realdata
from tests.realdata import workflow as shared_workflow

K8S = {"k8s-manifests/api.yaml", "k8s-manifests/db.yaml", "k8s-manifests/web.yaml"}
CHART = {"charts/shop/templates/deployment.yaml", "charts/shop/templates/service.yaml"}  # trivy renders the chart
DEMO_WORKFLOWS = {".github/workflows/images.yml", ".github/workflows/unit-tests.yml"}
WHOLE_REPO_CONFIG = K8S | CHART | {"api/Dockerfile", "web/Dockerfile"}


def workflow(steps: str, head: str = "", job_head: str = "") -> Workflow:
    text = f"""on: push
{head}jobs:
  scan:
    runs-on: ubuntu-latest
{job_head}    steps:
      - uses: actions/checkout@v4
{steps}"""
    return Workflow.parse(".github/workflows/scan.yml", text)


def scope_of(wf: Workflow, tree: RepoTree, requested=None, tool="trivy"):
    return compare(requested, scanner_steps(wf, tree), tool=tool, scanners=("misconfig",) if requested else None)


def test_seed_trap_directory_scan_is_broader_with_the_other_manifests(demo_tree):
    wf = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-type: config
          scan-ref: k8s-manifests/
""")
    report = scope_of(wf, demo_tree, {"k8s-manifests/api.yaml"})
    assert report.verdict == "broader"
    assert report.extra == ("k8s-manifests/db.yaml", "k8s-manifests/web.yaml")
    assert report.missing == ()


def test_single_file_scan_is_exact(demo_tree):
    wf = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-type: config
          scan-ref: k8s-manifests/api.yaml
""")
    report = scope_of(wf, demo_tree, {"k8s-manifests/api.yaml"})
    assert report.verdict == "exact"
    assert report.scanned == ("k8s-manifests/api.yaml",)


def test_readme_iac_example_without_scan_ref_scans_the_whole_repository(demo_tree):
    text = shared_workflow("aquasecurity__trivy-action__README-iac-config-scan.yml")
    steps = scanner_steps(Workflow.parse(".github/workflows/iac.yml", text), demo_tree)
    trivy = [s for s in steps if s.tool == "trivy"]
    assert len(trivy) == 1
    assert trivy[0].roots == (".",)
    assert trivy[0].files == WHOLE_REPO_CONFIG
    report = compare({"k8s-manifests/api.yaml"}, steps, tool="trivy", scanners=("misconfig",))
    assert report.verdict == "broader"
    assert set(report.extra) == WHOLE_REPO_CONFIG - {"k8s-manifests/api.yaml"}


def test_narrower_and_mismatch(demo_tree):
    wf = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-type: config
          scan-ref: k8s-manifests/api.yaml
""")
    assert scope_of(wf, demo_tree, K8S).verdict == "narrower"
    mismatch = scope_of(wf, demo_tree, {"k8s-manifests/db.yaml"})
    assert mismatch.verdict == "mismatch"
    assert mismatch.extra == ("k8s-manifests/api.yaml",)
    assert mismatch.missing == ("k8s-manifests/db.yaml",)


def test_action_default_scan_type_is_image_and_scans_no_files(demo_tree):
    wf = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-ref: k8s-manifests/api.yaml
""")
    report = scope_of(wf, demo_tree, {"k8s-manifests/api.yaml"})
    assert report.verdict == "narrower"
    assert report.steps[0].mode == "image"


def test_image_ref_overrides_scan_ref(demo_tree):
    wf = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-type: fs
          scan-ref: .
          image-ref: ghcr.io/acme/api:1.0
""")
    (step,) = scanner_steps(wf, demo_tree)
    assert step.files == frozenset()
    assert "ghcr.io/acme/api:1.0" in step.reason


def test_skip_dirs_and_skip_files_are_relative_to_the_scan_root(demo_tree):
    wf = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-type: config
          scan-ref: .
          skip-dirs: web,api,charts
          skip-files: k8s-manifests/db.yaml,k8s-manifests/web.yaml
""")
    report = scope_of(wf, demo_tree, {"k8s-manifests/api.yaml"})
    assert report.verdict == "exact"


def test_skip_files_name_without_directory_does_not_match_nested_file(demo_tree):
    # trivy matches the whole root-relative path: `db.yaml` does not skip k8s-manifests/db.yaml.
    wf = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-type: config
          scan-ref: k8s-manifests
          skip-files: db.yaml,web.yaml
""")
    assert scope_of(wf, demo_tree, {"k8s-manifests/api.yaml"}).verdict == "exact"
    wf2 = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-type: config
          scan-ref: .
          skip-files: db.yaml
""")
    assert "k8s-manifests/db.yaml" in scope_of(wf2, demo_tree, None).scanned


def test_run_step_with_continuations_env_and_working_directory(demo_tree):
    wf = workflow("""      - name: scan
        working-directory: k8s-manifests
        env:
          TARGET: api.yaml
        run: |
          echo scanning
          trivy config \\
            --severity HIGH,CRITICAL \\
            --exit-code 1 "$TARGET" | tee trivy.txt
""", head="env:\n  UNUSED: x\n")
    report = scope_of(wf, demo_tree, {"k8s-manifests/api.yaml"})
    assert report.verdict == "exact"


def test_job_and_workflow_defaults_working_directory_and_expression_env(demo_tree):
    wf = workflow("""      - run: cd .. && trivy fs --scanners misconfig ${{ env.DIR }}
""", head="defaults:\n  run:\n    working-directory: api\nenv:\n  DIR: k8s-manifests\n")
    report = scope_of(wf, demo_tree, K8S)
    assert report.verdict == "exact"
    job_default = workflow("""      - run: trivy config .
""", job_head="    defaults:\n      run:\n        working-directory: k8s-manifests\n")
    assert scope_of(job_default, demo_tree, K8S).verdict == "exact"


def test_several_commands_in_one_script_are_all_counted(demo_tree):
    wf = workflow("""      - run: trivy config k8s-manifests/api.yaml && trivy config k8s-manifests/db.yaml; trivy config api/Dockerfile
""")
    report = scope_of(wf, demo_tree, {"k8s-manifests/api.yaml", "k8s-manifests/db.yaml"})
    assert report.verdict == "broader"
    assert report.extra == ("api/Dockerfile",)


def test_fs_without_misconfig_scanner_misses_a_config_request(demo_tree):
    wf = workflow("""      - run: trivy fs k8s-manifests/api.yaml
""")
    report = scope_of(wf, demo_tree, {"k8s-manifests/api.yaml"})
    assert report.verdict == "narrower"  # vuln+secret by default: no misconfiguration checks run


@pytest.mark.parametrize("run", [
    "trivy config ${{ inputs.path }}",
    "trivy config $SOMETHING_UNSET",
    "trivy config $(ls k8s-manifests | head -1)",
    "trivy config a.yaml b.yaml",
])
def test_unresolvable_steps_are_unknown_never_exact(demo_tree, run):
    wf = workflow(f"      - run: {run}\n      - run: trivy config k8s-manifests/api.yaml\n")
    report = scope_of(wf, demo_tree, {"k8s-manifests/api.yaml"})
    assert report.verdict == "unknown"
    assert report.problems


def test_matrix_value_is_unknown_for_now(demo_tree):
    wf = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-type: config
          scan-ref: ${{ matrix.dir }}
""")
    assert scope_of(wf, demo_tree, {"k8s-manifests/api.yaml"}).verdict == "unknown"


def test_checkout_path_shifts_the_repository_root(demo_tree):
    text = """on: push
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          path: src
      - run: trivy config src/k8s-manifests/api.yaml
"""
    report = compare({"k8s-manifests/api.yaml"}, scanner_steps(Workflow.parse("w.yml", text), demo_tree),
                     tool="trivy", scanners=("misconfig",))
    assert report.verdict == "exact"


def test_job_without_checkout_scans_nothing_and_says_why(demo_tree):
    text = """on: push
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - run: trivy config k8s-manifests/api.yaml
"""
    (step,) = scanner_steps(Workflow.parse("w.yml", text), demo_tree)
    assert step.files == frozenset()
    assert "does not check out" in step.reason


def test_trivy_config_file_settings_are_applied():
    tree = RepoTree.from_mapping({
        "trivy.yaml": "scan:\n  skip-files:\n    - k8s/db.yaml\n",
        "k8s/api.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n",
        "k8s/db.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n",
    })
    wf = workflow("""      - uses: aquasecurity/trivy-action@v0.36.0
        with:
          scan-type: config
          scan-ref: .
          trivy-config: trivy.yaml
""")
    assert scope_of(wf, tree, {"k8s/api.yaml"}).verdict == "exact"


def test_actionlint_steps_lint_the_workflows_directory(demo_tree):
    text = shared_workflow("ArduPilot__ardupilot__actionlint.yml")
    steps = [s for s in scanner_steps(Workflow.parse(".github/workflows/lint.yml", text), demo_tree)
             if s.tool == "actionlint"]
    assert steps and all(s.resolved for s in steps)
    assert steps[0].files == DEMO_WORKFLOWS


def test_a_binary_taken_from_a_step_output_is_unknown_not_guessed(demo_tree):
    text = shared_workflow("rhysd__actionlint__docs-usage-download-script.yml")
    (step,) = scanner_steps(Workflow.parse(".github/workflows/lint.yml", text), demo_tree)
    assert step.tool == "actionlint" and not step.resolved
    assert "steps.get_actionlint.outputs.executable" in step.reason


def test_checkov_action_without_directory_scans_every_iac_file(demo_tree):
    text = shared_workflow("bridgecrewio__checkov-action__README-iac-sca.yml")
    (step,) = scanner_steps(Workflow.parse("w.yml", text), demo_tree)
    assert step.tool == "checkov" and step.roots == (".",)
    # checkov also reads the chart's Chart.yaml and values.yaml, the kustomization and the workflows.
    assert step.files == WHOLE_REPO_CONFIG | DEMO_WORKFLOWS | {"charts/shop/Chart.yaml", "charts/shop/values.yaml",
                                                               "kustomization.yaml"}


def test_scanners_we_do_not_analyse_are_reported_unknown(demo_tree):
    text = shared_workflow("GoogleCloudPlatform__microservices-demo__kubevious-manifests-ci.yaml")
    steps = scanner_steps(Workflow.parse("w.yml", text), demo_tree)
    assert {s.tool for s in steps} == {"kubevious"} and not any(s.resolved for s in steps)


CORPUS_FILES = params("workflows")


@pytest.mark.parametrize("path", CORPUS_FILES)
def test_every_corpus_workflow_gets_a_scope_report(path, demo_tree):
    path = path or realdata("workflows")
    text = path.read_text()
    try:
        wf = Workflow.parse(f".github/workflows/{path.name}", text)
    except WorkflowError as exc:
        assert path.name == "broken_yaml.yaml" and exc.line == 6
        return
    report = compare(None, scanner_steps(wf, demo_tree))
    assert report.verdict is None
    for step in report.steps:
        assert step.resolved or step.reason  # an unresolved step always says why


def test_the_shared_corpus_has_every_workflow():
    assert len([p for p in realdata("workflows").rglob("*") if p.suffix in (".yml", ".yaml")]) >= 32


@pytest.mark.parametrize("target", ["k8s-manifests", ".", "api", "k8s-manifests/api.yaml", "api/Dockerfile"])
def test_static_file_set_agrees_with_what_trivy_reports(target, tools, demo_tree):
    """Ground truth: trivy's own Results[].Target list for the same invocation."""
    out = subprocess.run([tools.trivy, "config", "--skip-check-update", "--skip-version-check", "-q",
                          "--format", "json", target], cwd=DEMO, capture_output=True, text=True, check=True)
    reported = set()
    for result in json.loads(out.stdout).get("Results") or []:
        name = result["Target"]
        reported.add(target if (DEMO / target).is_file() else str(Path(target, name)).removeprefix("./"))
    wf = workflow(f"      - run: trivy config {target}\n")
    (step,) = scanner_steps(wf, demo_tree)
    assert set(step.files) == {str(Path(p)) for p in reported}
