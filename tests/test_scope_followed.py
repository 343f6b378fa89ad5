"""What the scope engine follows beyond a scanner's own command line (issue 16).

Reusable workflows, package-runner wrappers, Makefile targets, hadolint fed through `docker run`,
third-party scanner actions, and the tools' own selection rules (checkov config files and
frameworks, .helmignore, values files, unvendored chart dependencies, kube-linter, kubeconform -v,
matrices of objects). Each test builds its repository with RepoTree.from_mapping.
"""

from __future__ import annotations

import json

import pytest

from bot.audit import audit_workflow, requested_intent
from bot.cli import main
from bot.repotree import RepoTree
from bot.scope.steps import scanner_steps
from bot.scope.tools import TOOLS, infer_tool
from bot.scope.verdict import compare
from bot.workflow import Workflow

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
FILES = {
    "docker/api/Dockerfile": "FROM alpine:3.20\n", "docker/worker/Dockerfile": "FROM alpine:3.20\n",
    "k8s/api.yaml": POD, "k8s/db.yml": POD, "k8s/cm.json": json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                                                                      "metadata": {"name": "c"}}),
    "k8s/legacy/old.yaml": POD, "infra/main.tf": 'resource "aws_s3_bucket" "b" {}\n', "infra/ns.yaml": POD,
    "infra/.checkov.yaml": "framework: [terraform]\n",
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n", "charts/web/values.yaml": "a: 1\n",
    "charts/web/templates/deploy.yaml": "kind: {{ .Values.a }}\n", "charts/web/README.md": "# web\n",
    "charts/web/ci/lint-values.yaml": "a: 2\n", "charts/web/.helmignore": "*.md\nci/\n",
    "values/prod.yaml": "a: 3\n",
    "Makefile": ("FILES := docker/api/Dockerfile docker/worker/Dockerfile\n.PHONY: lint hadolint yaml scan test\n"
                 "lint: hadolint yaml\nhadolint:\n\thadolint $(FILES)\nyaml:\n\t@yamllint k8s\n"
                 "scan:\n\ttrivy config $(shell ls k8s)\ntest:\n\tpytest -q\n"),
    ".github/workflows/reusable.yml": ("on:\n  workflow_call:\n    inputs:\n      path:\n        type: string\n"
                                       "        default: k8s/legacy\njobs:\n  s:\n    runs-on: ubuntu-latest\n"
                                       "    steps:\n      - uses: actions/checkout@v5\n"
                                       "      - run: trivy config ${{ inputs.path }}\n"),
}
TREE = RepoTree.from_mapping(FILES)


def steps(body: str, tree: RepoTree = TREE, jobs: str = ""):
    text = ("on: push\njobs:\n" + jobs + ("  j:\n    runs-on: ubuntu-latest\n    steps:\n"
                                          "      - uses: actions/checkout@v5\n" + body if body else ""))
    return scanner_steps(Workflow.parse(".github/workflows/t.yml", text), tree)


def run(script: str) -> str:
    return "      - run: |\n" + "".join(f"          {line}\n" for line in script.splitlines())


def files_of(found, tool: str) -> set[str] | None:
    mine = [s for s in found if s.tool == tool]
    assert mine, f"no {tool} step"
    if not all(s.resolved for s in mine):
        return None
    return set().union(*(s.files for s in mine))


@pytest.mark.parametrize("script, tool, expected", [
    ("pipenv run yamllint k8s", "yamllint", {"k8s/api.yaml", "k8s/db.yml", "k8s/legacy/old.yaml"}),
    ("poetry run yamllint k8s/api.yaml", "yamllint", {"k8s/api.yaml"}),
    ("poetry -C k8s run yamllint api.yaml", "yamllint", None),  # `poetry -C` before `run` is not the wrapper form
    ("uv run --with yamllint yamllint k8s/legacy", "yamllint", {"k8s/legacy/old.yaml"}),
    ("uv run --directory k8s yamllint legacy", "yamllint", {"k8s/legacy/old.yaml"}),
    ("uvx yamllint k8s/db.yml", "yamllint", {"k8s/db.yml"}),
    ("pipx run yamllint k8s/db.yml", "yamllint", {"k8s/db.yml"}),
    ("python3 -m yamllint k8s/legacy", "yamllint", {"k8s/legacy/old.yaml"}),
    ("uv run python -m yamllint k8s/legacy", "yamllint", {"k8s/legacy/old.yaml"}),
    ("pipx run checkov -d infra", "checkov", {"infra/main.tf"}),
    ("npx --yes hadolint docker/api/Dockerfile", "hadolint", {"docker/api/Dockerfile"}),
])
def test_wrappers_are_unwrapped_to_the_scanner_they_run(script, tool, expected):
    found = steps(run(script))
    if expected is None:
        assert not [s for s in found if s.tool == tool]
    else:
        assert files_of(found, tool) == expected


def test_a_wrapper_that_runs_a_shell_string_is_unknown_when_it_names_a_scanner():
    found = steps(run("poetry run -c 'yamllint k8s'"))
    assert found and not found[0].resolved


@pytest.mark.parametrize("script, tool, expected", [
    ("make hadolint", "hadolint", {"docker/api/Dockerfile", "docker/worker/Dockerfile"}),
    ("make lint", "yamllint", {"k8s/api.yaml", "k8s/db.yml", "k8s/legacy/old.yaml"}),
    ("make lint", "hadolint", {"docker/api/Dockerfile", "docker/worker/Dockerfile"}),
    ("make FILES=docker/worker/Dockerfile hadolint", "hadolint", {"docker/worker/Dockerfile"}),
    ("make scan", "trivy", None),  # $(shell …) is only known when make runs
    ("make -C build hadolint", "hadolint", None),  # no Makefile there: generated at run time, maybe
    ("make kubeconform", "kubeconform", None),  # no such target, but it names a scanner
])
def test_makefile_targets_with_plain_recipes_are_followed(script, tool, expected):
    assert files_of(steps(run(script)), tool) == expected


def test_a_make_target_that_runs_no_scanner_is_no_scanner_step():
    assert steps(run("make test")) == ()
    assert steps(run("make build")) == ()  # no such target, and it names no scanner


def test_makefile_recursion_and_nesting_are_bounded():
    loop = RepoTree.from_mapping({**FILES, "Makefile": "a: b\n\tmake b\nb: a\n\tmake a\n\thadolint x\n"})
    found = steps(run("make a"), tree=loop)
    assert all(not s.resolved or not s.files for s in found)


def test_a_local_reusable_workflow_is_followed_with_its_inputs():
    found = steps("", jobs="  call:\n    uses: ./.github/workflows/reusable.yml\n    with:\n      path: k8s\n")
    assert files_of(found, "trivy") == {"k8s/api.yaml", "k8s/db.yml", "k8s/cm.json", "k8s/legacy/old.yaml"}
    assert found[0].job_id.startswith("call → ")


def test_a_local_reusable_workflow_uses_its_declared_defaults():
    found = steps("", jobs="  call:\n    uses: ./.github/workflows/reusable.yml\n")
    assert files_of(found, "trivy") == {"k8s/legacy/old.yaml"}


def test_a_caller_matrix_is_expanded_into_the_inputs():
    jobs = ("  call:\n    strategy:\n      matrix:\n        dir: [k8s/legacy, infra]\n"
            "    uses: ./.github/workflows/reusable.yml\n    with:\n      path: ${{ matrix.dir }}\n")
    assert files_of(steps("", jobs=jobs), "trivy") == {"k8s/legacy/old.yaml", "infra/main.tf", "infra/ns.yaml"}


def test_a_remote_reusable_workflow_is_unknown_for_every_tool():
    jobs = "  call:\n    uses: example/ci/.github/workflows/build.yml@v1\n"
    found = steps(run("hadolint docker/api/Dockerfile"), jobs=jobs)
    report = compare({"docker/api/Dockerfile"}, found, tool="hadolint", scanners=("dockerfile-lint",))
    assert report.verdict == "unknown" and "example/ci" in report.problems[0]
    named = steps("", jobs="  call:\n    uses: example/sec/.github/workflows/trivy.yml@v1\n")
    assert named[0].tool == "trivy" and not named[0].resolved


def test_a_missing_local_reusable_workflow_runs_nothing():
    found = steps("", jobs="  call:\n    uses: ./.github/workflows/absent.yml\n")
    report = compare({"k8s/api.yaml"}, found, tool="trivy", scanners=("misconfig",))
    assert report.verdict == "narrower" and found[0].resolved and "runs nothing" in found[0].reason


def test_reusable_workflows_that_call_each_other_stop():
    cyclic = RepoTree.from_mapping({**FILES, ".github/workflows/a.yml": "on: workflow_call\njobs:\n  x:\n"
                                    "    uses: ./.github/workflows/a.yml\n"})
    found = steps("", tree=cyclic, jobs="  call:\n    uses: ./.github/workflows/a.yml\n")
    assert found and not found[-1].resolved and "too deep" in found[-1].reason


@pytest.mark.parametrize("uses, tool", [
    ("reviewdog/action-hadolint@v1", "hadolint"), ("reviewdog/action-yamllint@v1", "yamllint"),
    ("jbergstroem/hadolint-gh-action@v1", "hadolint"), ("instrumenta/kubeval-action@master", "kubeval"),
    ("example/checkov-scan@v2", "checkov"),
])
def test_third_party_scanner_actions_are_unknown_steps(uses, tool):
    found = steps(f"      - uses: {uses}\n")
    assert [(s.tool, s.resolved) for s in found] == [(tool, False)]


@pytest.mark.parametrize("uses", ["aquasecurity/setup-trivy@v0.2.3", "bmuschko/setup-kubeconform@v1",
                                  "helm/chart-testing-action@v2.7.0", "azure/setup-helm@v4",
                                  "hadolint/hadolint-installer@v1"])
def test_actions_that_only_install_a_scanner_are_not_scanner_steps(uses):
    assert steps(f"      - uses: {uses}\n") == ()


@pytest.mark.parametrize("body, expected", [
    ("      - uses: bridgecrewio/checkov-action@v12\n        with:\n          directory: infra\n", {"infra/main.tf"}),
    ("      - uses: bridgecrewio/checkov-action@v12\n        with:\n          directory: infra\n"
     "          framework: all\n", {"infra/main.tf", "infra/ns.yaml"}),  # the command line beats the file
    ("      - uses: bridgecrewio/checkov-action@v12\n        with:\n          directory: k8s\n"
     "          framework: kubernetes\n          skip_path: \"**/legacy/**\"\n",
     {"k8s/api.yaml", "k8s/db.yml", "k8s/cm.json", "k8s/legacy/old.yaml"}),  # not a regex: only as plain text
    ("      - uses: bridgecrewio/checkov-action@v12\n        with:\n          directory: k8s\n"
     "          skip_path: legacy,cm\\.json\n", {"k8s/api.yaml", "k8s/db.yml"}),
    ("      - uses: bridgecrewio/checkov-action@v12\n        with:\n          file: infra/main.tf\n"
     "          skip_path: infra\n", {"infra/main.tf"}),  # --skip-path is ignored with -f
])
def test_checkov_reads_its_config_frameworks_and_skip_paths_as_checkov_does(body, expected):
    assert files_of(steps(body), "checkov") == expected


def test_checkov_config_file_settings_and_their_precedence():
    tree = RepoTree.from_mapping({**FILES, "ck.yaml": "directory: [k8s]\nskip-path: [legacy]\nframework: kubernetes\n",
                                  ".checkov.yml": "framework: [dockerfile]\n"})
    # --config-file beats the working directory's .checkov.yml; the file's directory is used without -d.
    assert files_of(steps(run("checkov --config-file ck.yaml"), tree=tree), "checkov") == {
        "k8s/api.yaml", "k8s/db.yml", "k8s/cm.json"}
    # The action always passes -d (default .), which beats the file's `directory`.
    found = steps("      - uses: bridgecrewio/checkov-action@v12\n        with:\n          config_file: ck.yaml\n",
                  tree=tree)
    assert files_of(found, "checkov") == {"k8s/api.yaml", "k8s/db.yml", "k8s/cm.json", "infra/ns.yaml"}
    # Without a config file given, ./.checkov.yml applies.
    assert files_of(steps(run("checkov -d docker"), tree=tree), "checkov") == {
        "docker/api/Dockerfile", "docker/worker/Dockerfile"}


def test_a_checkov_config_that_is_not_yaml_is_reported_not_raised():
    tree = RepoTree.from_mapping({**FILES, "ck.yaml": "directory: [k8s\n"})
    found = steps(run("checkov --config-file ck.yaml -d k8s"), tree=tree)
    assert not found[0].resolved and "ck.yaml" in found[0].reason


def test_an_invalid_framework_stops_checkov():
    found = steps(run("checkov -d k8s --framework kubernets"))
    assert found[0].resolved and not found[0].files and "invalid framework" in found[0].reason


def test_helm_lint_reads_the_chart_as_helm_loads_it_plus_values_files():
    chart = {"charts/web/Chart.yaml", "charts/web/values.yaml", "charts/web/templates/deploy.yaml",
             "charts/web/.helmignore"}
    assert files_of(steps(run("helm lint charts/web")), "helm") == chart
    assert files_of(steps(run("helm lint charts/web -f values/prod.yaml --set-file x=values/prod.yaml")),
                    "helm") == chart | {"values/prod.yaml"}
    assert files_of(steps(run("ct lint --charts charts/web")), "chart-testing") == chart | {
        "charts/web/ci/lint-values.yaml"}


@pytest.mark.parametrize("helmignore, kept", [
    ("", {"Chart.yaml", "values.yaml", "templates/deploy.yaml", "templates/.hidden", "README.md"}),
    ("README.md\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml"}),
    ("templates/\n", {"Chart.yaml", "values.yaml", "README.md"}),
    ("/values.yaml\n", {"Chart.yaml", "templates/deploy.yaml", "README.md"}),
    ("*.yaml\n", {"README.md"}),
    ("!*.yaml\n", {"Chart.yaml", "values.yaml"}),  # helm's quirk: a negated rule ignores what it does not match
    ("**/*.md\n", set()),  # helm rejects `**`: the chart does not load
])
def test_helmignore_rules_follow_helm(helmignore, kept):
    files = {"c/Chart.yaml": "name: c\n", "c/values.yaml": "a: 1\n", "c/templates/deploy.yaml": "kind: X\n",
             "c/templates/.hidden": "x\n", "c/README.md": "# c\n", "c/.helmignore": helmignore}
    if not helmignore:
        del files["c/.helmignore"]
    found = steps(run("helm lint c"), tree=RepoTree.from_mapping(files))
    assert {p[2:] for p in files_of(found, "helm")} - {".helmignore"} == kept - {"templates/.hidden"}


def test_trivy_skips_a_chart_with_unvendored_dependencies_and_says_so():
    tree = RepoTree.from_mapping({
        "c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n",
        "c/templates/a.yaml": "kind: {{ .Values.k }}\n", "c/templates/svc.yaml": POD,
        "v/Chart.yaml": "apiVersion: v2\nname: v\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n",
        "v/charts/redis-1.0.0.tgz": "binary", "v/templates/a.yaml": "kind: {{ .Values.k }}\n"})
    found = steps(run("trivy config ."), tree=tree)
    assert files_of(found, "trivy") == {"c/templates/svc.yaml", "v/templates/a.yaml"}
    assert "trivy skips the Helm chart c" in found[0].reason


def test_kube_linter_reads_only_yaml_from_a_folder_and_any_named_file():
    assert files_of(steps(run("kube-linter lint k8s")), "kube-linter") == {"k8s/api.yaml", "k8s/db.yml",
                                                                           "k8s/legacy/old.yaml"}
    assert files_of(steps(run("kube-linter lint k8s/cm.json")), "kube-linter") == {"k8s/cm.json"}


def test_kubeconform_version_and_help_read_nothing_and_named_files_keep_the_extension_rule():
    found = steps(run("kubeconform -v\nkubeconform -h"))
    assert all(s.resolved and not s.files for s in found)
    assert files_of(steps(run("kubeconform infra/main.tf k8s/cm.json")), "kubeconform") == {"k8s/cm.json"}


def test_a_matrix_of_objects_resolves_dotted_values():
    job = ("    strategy:\n      matrix:\n        image:\n          - {name: api, path: docker/api/Dockerfile}\n"
           "          - {name: worker, path: docker/worker/Dockerfile}\n        include:\n"
           "          - image: {name: extra, path: docker/api/Dockerfile}\n")
    text = ("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n" + job + "    steps:\n"
            "      - uses: actions/checkout@v5\n      - run: hadolint ${{ matrix.image.path }}\n")
    found = scanner_steps(Workflow.parse(".github/workflows/t.yml", text), TREE)
    assert files_of(found, "hadolint") == {"docker/api/Dockerfile", "docker/worker/Dockerfile"}
    assert len(found) == 3


@pytest.mark.parametrize("step, requested, tool", [
    ("hadolint docker/api/Dockerfile", ["docker/api/Dockerfile"], "hadolint"),
    ("checkov -d infra", ["infra/main.tf"], "checkov"),
    ("kubeconform k8s", ["k8s/api.yaml"], "kubeconform"),
    ("kube-linter lint k8s", ["k8s/api.yaml"], "kube-linter"),
    ("yamllint k8s", ["k8s/api.yaml"], "yamllint"),
    ("helm lint charts/web", ["charts/web/values.yaml"], "helm"),
    ("ct lint --charts charts/web", ["charts/web/values.yaml"], "chart-testing"),
    ("trivy config k8s", ["k8s/api.yaml"], "trivy"),
    ("actionlint", [".github/workflows/reusable.yml"], "actionlint"),
])
def test_inference_picks_the_tool_the_steps_and_paths_share(step, requested, tool):
    found = steps(run(step) + run("hadolint docker/worker/Dockerfile" if tool != "hadolint" else "yamllint k8s"))
    chosen, why = infer_tool(tuple(requested), found, TREE)
    assert chosen == tool, why


def test_inference_without_any_known_step_says_so():
    chosen, why = infer_tool(("docker/api/Dockerfile",), (), TREE)
    assert chosen == "trivy" and "no step of a known scanner" in why


def test_check_accepts_every_tool_and_reports_which_was_compared(tmp_path, capsys):
    for path, text in FILES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    workflow = tmp_path / ".github/workflows/lint.yml"
    workflow.write_text("on: push\npermissions: {}\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n"
                        "      - uses: actions/checkout@v5\n      - uses: hadolint/hadolint-action@v3.1.0\n"
                        "        with:\n          dockerfile: docker/api/Dockerfile\n")
    main(["check", str(workflow), "--repo", str(tmp_path), "--requested", "docker/api/Dockerfile", "--json"])
    scope = json.loads(capsys.readouterr().out)["files"][0]["scope"]
    assert (scope["tool"], scope["verdict"]) == ("hadolint", "exact")
    assert scope["tool_basis"].startswith("inferred: the workflow's hadolint steps")
    for tool in TOOLS:
        main(["check", str(workflow), "--repo", str(tmp_path), "--requested", "docker/api/Dockerfile",
              "--tool", tool, "--json"])
        out = json.loads(capsys.readouterr().out)
        assert "error" in out or out["files"][0]["scope"]["tool"] == tool


def test_the_apps_recheck_comparison_holds_a_hadolint_request(tmp_path):
    """recheck_pull_request compares through audit_workflow; a hadolint request is held to hadolint steps."""
    text = ("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n"
            "      - run: hadolint docker/api/Dockerfile docker/worker/Dockerfile\n")
    intent = requested_intent(("docker/api/Dockerfile",), "hadolint", TREE)
    from bot.adapters.tools import Tools

    audit = audit_workflow(".github/workflows/t.yml", text, TREE, Tools.from_environment(), intent)
    assert audit.scope.verdict == "broader" and audit.scope.extra == ("docker/worker/Dockerfile",)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(x|xx)*y", ".*.*.*.*.*z"])
def test_a_costly_user_pattern_runs_on_re2_or_is_unknown_never_backtracks(pattern):
    (checkov,) = steps(run(f"checkov -d k8s --skip-path '{pattern}'"))
    assert checkov.resolved  # checkov's skip paths run on RE2: linear time, whatever the pattern
    (kubeconform,) = steps(run(f"kubeconform -ignore-filename-pattern '{pattern}' k8s"))
    assert kubeconform.resolved  # kubeconform runs its patterns on Go's regexp (RE2): so do we, in linear time


def test_kubeconform_ignore_patterns_are_go_regexps_on_re2():
    (kept,) = steps(run("kubeconform -ignore-filename-pattern 'api' -ignore-filename-pattern '\\.yml$' k8s"))
    assert kept.resolved and all("api" not in f and not f.endswith(".yml") for f in kept.files)
    (refused,) = steps(run("kubeconform -ignore-filename-pattern '(?=x)' k8s"))  # Go's regexp has no lookahead
    assert not refused.resolved and "cannot use the pattern" in refused.reason


def test_a_step_in_an_unknown_directory_counts_only_when_it_names_a_scanner():
    body = "      - run: make build\n        working-directory: ${{ inputs.dir }}\n"
    assert steps(body) == ()
    body = "      - run: hadolint Dockerfile\n        working-directory: ${{ inputs.dir }}\n"
    assert [(s.tool, s.resolved) for s in steps(body)] == [("hadolint", False)]


def test_a_local_action_that_names_a_scanner_is_unknown():
    tree = RepoTree.from_mapping({**FILES, ".github/actions/lint/action.yml":
                                  "runs:\n  using: composite\n  steps:\n    - run: hadolint Dockerfile\n      shell: bash\n",
                                  ".github/actions/build/action.yml": "runs:\n  using: node20\n  main: x.js\n"})
    assert [(s.tool, s.resolved) for s in steps("      - uses: ./.github/actions/lint\n", tree=tree)] == [
        ("hadolint", False)]
    assert steps("      - uses: ./.github/actions/build\n", tree=tree) == ()


YAML_TREE = {"a.yaml": "a: 1\n", "deploy/x.yaml": "a: 1\n", "deploy/legacy/old.yaml": "a: 1\n", "deploy/c.json": "{}\n",
             "deploy/notes.txt": "x\n", "charts/w/ci/t-values.yaml": "a: 1\n", "charts/w/values.yaml": "a: 1\n",
             "ci.yml": "ignore: |\n  deploy/legacy/\n  charts/*/ci/\nyaml-files: ['*.yaml', '*.json']\n",
             "base.yml": "ignore:\n  - '*.json'\n", "child.yml": "extends: base.yml\n",
             "both.yml": "ignore: x\nignore-from-file: y\n", ".ignore-list": "deploy/\n", "from.yml": "ignore-from-file: .ignore-list\n"}


@pytest.mark.parametrize("script, expected", [
    ("yamllint -c ci.yml deploy charts", {"deploy/x.yaml", "deploy/c.json", "charts/w/values.yaml"}),
    ("yamllint -c child.yml deploy", {"deploy/x.yaml", "deploy/legacy/old.yaml"}),
    ("yamllint -c from.yml .", {"a.yaml", "ci.yml", "base.yml", "child.yml", "both.yml", "from.yml",
                                "charts/w/ci/t-values.yaml", "charts/w/values.yaml"}),
    ("yamllint -d '{ignore: [deploy/x.yaml]}' deploy/x.yaml a.yaml", {"a.yaml"}),
    ("yamllint -d relaxed deploy", {"deploy/x.yaml", "deploy/legacy/old.yaml"}),
    ("cd deploy && yamllint -c ../ci.yml .", {"deploy/x.yaml", "deploy/c.json", "deploy/legacy/old.yaml"}),
])
def test_yamllint_reads_its_config_as_data(script, expected):
    assert files_of(steps(run(script), tree=RepoTree.from_mapping(YAML_TREE)), "yamllint") == expected


def test_a_yamllint_project_config_is_found_upwards_and_a_bad_one_is_reported():
    # Patterns match paths as yamllint walks them from its working directory (verified with yamllint 1.38).
    for pattern, expected in (("legacy", {"deploy/x.yaml"}), ("deploy/legacy", {"deploy/x.yaml", "deploy/legacy/old.yaml"})):
        tree = RepoTree.from_mapping({**YAML_TREE, ".yamllint.yaml": f"ignore: {pattern}\n"})
        found = steps("      - run: yamllint .\n        working-directory: deploy\n", tree=tree)
        assert files_of(found, "yamllint") == expected
    bad = steps(run("yamllint -c both.yml deploy"), tree=RepoTree.from_mapping(YAML_TREE))
    assert not bad[0].resolved and "ignore-from-file" in bad[0].reason


def test_yamllint_file_selection_matches_the_real_yamllint(tmp_path):
    """Differential: the engine's answer equals `yamllint --list-files` on the same files."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    binary = shutil.which("yamllint") or str(Path(sys.executable).parent / "yamllint")
    if not Path(binary).exists():
        pytest.skip("yamllint is not installed in this environment")
    for path, text in YAML_TREE.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    for args in (["-c", "ci.yml", "deploy", "charts"], ["-c", "child.yml", "deploy"], ["-c", "from.yml", "."],
                 ["-d", "{ignore: [deploy/x.yaml]}", "deploy/x.yaml", "a.yaml"]):
        listed = subprocess.run([binary, "--list-files", *args], cwd=tmp_path, capture_output=True, text=True,
                                check=True).stdout.split()
        quoted = " ".join(f"'{a}'" for a in args)
        found = files_of(steps(run(f"yamllint {quoted}"), tree=RepoTree.from_mapping(YAML_TREE)), "yamllint")
        assert found == {p.removeprefix("./") for p in listed}, args


def test_gitignore_patterns_match_pathspec():
    """Ours (pathspec's GitIgnoreSpec, its regexes on RE2) against pathspec on Python's `re`,
    which is what yamllint uses on a runner without google-re2."""
    import pathspec
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from bot.scope import gitignore

    parts = st.sampled_from(["*", "**", "a", "b", "x.yaml", "*.yml", "?", "[ab]", "[!a]", "d", "!", "\\#", "#", " "])
    patterns = st.lists(st.lists(parts, min_size=1, max_size=4).map("/".join).map(
        lambda p: p.replace("/!", "/").replace("!/", "!")), min_size=1, max_size=4)
    paths = st.lists(st.sampled_from(["a", "b", "d", "x.yaml", "y.yml", "ab"]), min_size=1, max_size=4).map("/".join)

    @settings(max_examples=400, deadline=None)
    @given(patterns, paths)
    def check(lines, path):
        try:
            spec = pathspec.GitIgnoreSpec.from_lines(lines, backend="simple")
        except Exception:  # pathspec rejects the pattern, and yamllint stops
            assert isinstance(gitignore.compile_patterns(lines), str), lines
            return
        assert gitignore.ignored(gitignore.compile_patterns(lines), path) == bool(spec.match_file(path)), (lines, path)

    check()


@pytest.mark.parametrize("script, tool, expected", [
    ("find k8s -name '*.yaml' -exec kubeconform -summary {} +", "kubeconform", {"k8s/api.yaml", "k8s/legacy/old.yaml"}),
    ("find docker -name Dockerfile -exec hadolint {} \\;", "hadolint", {"docker/api/Dockerfile", "docker/worker/Dockerfile"}),
    ("find k8s -name '*.yml' -exec yamllint {} ';'", "yamllint", {"k8s/db.yml"}),
    ("find k8s -newer x -exec kubeconform {} +", "kubeconform", None),
    ("bash -c 'yamllint k8s/db.yml'", "yamllint", {"k8s/db.yml"}),
    ("sh -ec \"cd k8s && yamllint db.yml\"", "yamllint", {"k8s/db.yml"}),
    ("./hack/run-hadolint.sh", "hadolint", None),
    ("bash scripts/lint.sh", "yamllint", None),
    ("just kubeconform", "kubeconform", None),
    ("tox -e yamllint", "yamllint", None),
])
def test_find_exec_shell_strings_scripts_and_task_runners(script, tool, expected):
    tree = RepoTree.from_mapping({**FILES, "scripts/lint.sh": "#!/bin/sh\n# runs trivy later\nset -e\nyamllint -s .\n"})
    assert files_of(steps(run(script), tree=tree), tool) == expected


@pytest.mark.parametrize("script", ["npm install -g hadolint", "yarn add yamllint", "./scripts/build.sh",
                                    "pip install yamllint checkov", "just build"])
def test_installs_and_scripts_that_name_no_scanner_are_no_steps(script):
    tree = RepoTree.from_mapping({**FILES, "scripts/build.sh": "#!/bin/sh\n# not trivy\ngo build ./...\n"})
    assert steps(run(script), tree=tree) == ()


def test_pre_commit_hooks_that_name_scanners_are_unknown_steps():
    config = ("repos:\n  - repo: https://github.com/adrienverge/yamllint\n    rev: v1.35.1\n    hooks:\n"
              "      - id: yamllint\n  - repo: https://github.com/hadolint/hadolint\n    rev: v2.12.0\n    hooks:\n"
              "      - id: hadolint-docker\n  - repo: local\n    hooks:\n      - id: fmt\n        entry: gofmt\n")
    tree = RepoTree.from_mapping({**FILES, ".pre-commit-config.yaml": config})
    for body in (run("pre-commit run --all-files"), "      - uses: pre-commit/action@v3.0.1\n"):
        assert sorted((s.tool, s.resolved) for s in steps(body, tree=tree)) == [("hadolint", False), ("yamllint", False)]
    assert steps(run("pre-commit run --all-files")) == ()  # no config: no hook runs


@pytest.mark.parametrize("script", ["helm lint charts/*", "for c in charts/*/; do helm lint \"$c\"; done"])
def test_a_shell_glob_expands_to_chart_folders(script):
    tree = RepoTree.from_mapping({**FILES, "charts/api/Chart.yaml": "name: api\n", "charts/notachart/x.yaml": "a: 1\n"})
    found = steps(run(script), tree=tree)
    assert files_of(found, "helm") == {"charts/api/Chart.yaml", "charts/web/Chart.yaml", "charts/web/values.yaml",
                                       "charts/web/templates/deploy.yaml", "charts/web/.helmignore"}
    assert "charts/notachart has no Chart.yaml" in found[0].reason


def test_a_glob_that_matches_folders_walks_them():
    # bash passes k8s/cm.json by name (yamllint lints a named file whatever its extension) and k8s/legacy as a folder
    assert files_of(steps(run("yamllint k8s/*")), "yamllint") == {"k8s/api.yaml", "k8s/db.yml", "k8s/cm.json",
                                                                  "k8s/legacy/old.yaml"}


@pytest.mark.parametrize("inputs, expected", [
    ("dockerfile: docker/api/Dockerfile docker/worker/Dockerfile", {"docker/api/Dockerfile", "docker/worker/Dockerfile"}),
    ("dockerfile: 'docker/*/Dockerfile'", {"docker/api/Dockerfile", "docker/worker/Dockerfile"}),
    ("dockerfile: Dockerfile\n          recursive: true", {"docker/api/Dockerfile", "docker/worker/Dockerfile"}),
])
def test_hadolint_action_words_and_globs_as_its_script_expands_them(inputs, expected):
    tree = RepoTree.from_mapping({**FILES, ".devcontainer/Dockerfile": "FROM alpine\n"})
    found = steps(f"      - uses: hadolint/hadolint-action@v3.1.0\n        with:\n          {inputs}\n", tree=tree)
    assert files_of(found, "hadolint") == expected


def test_a_huge_caller_matrix_is_not_followed():
    jobs = ("  call:\n    strategy:\n      matrix:\n        a: [" + ", ".join(str(i) for i in range(10)) + "]\n"
            "        b: [" + ", ".join(str(i) for i in range(10)) + "]\n"
            "    uses: ./.github/workflows/reusable.yml\n    with:\n      path: ${{ matrix.a }}${{ matrix.b }}\n")
    found = steps("", jobs=jobs)
    assert len(found) == 1 and not found[0].resolved and "100 combinations" in found[0].reason


def test_explain_lists_what_a_called_workflow_scans():
    from bot.explain import explain

    text = "on: push\njobs:\n  call:\n    uses: ./.github/workflows/reusable.yml\n    with:\n      path: k8s/legacy\n"
    words = explain(Workflow.parse(".github/workflows/t.yml", text), TREE)
    assert "calls the reusable workflow" in words and "`k8s/legacy/old.yaml`" in words


@pytest.mark.parametrize("script, tool, expected", [
    ("kubeconform -summary < k8s/api.yaml", "kubeconform", {"k8s/api.yaml"}),
    ("cat k8s/db.yml | kubeconform -strict -", "kubeconform", {"k8s/db.yml"}),
    ("kustomize build k8s | kubeconform -strict -summary", "kubeconform", None),
    ("yamllint - < k8s/db.yml", "yamllint", {"k8s/db.yml"}),
    ("kube-linter lint - < k8s/api.yaml", "kube-linter", {"k8s/api.yaml"}),
])
def test_standard_input_fed_from_a_repository_file(script, tool, expected):
    assert files_of(steps(run(script)), tool) == expected


def test_the_cli_offers_every_tool_the_engine_compares():
    from bot import cli

    assert set(cli._SCOPE_TOOLS) == set(TOOLS)


@pytest.mark.parametrize("uses, inputs, tool, expected", [
    ("docker://hadolint/hadolint:v2.12.0", "entrypoint: hadolint\n          args: docker/api/Dockerfile", "hadolint",
     {"docker/api/Dockerfile"}),
    ("docker://hadolint/hadolint:latest", "args: hadolint docker/worker/Dockerfile", "hadolint", {"docker/worker/Dockerfile"}),
    ("docker://cytopia/yamllint:1", "args: -s k8s/legacy", "yamllint", {"k8s/legacy/old.yaml"}),
    ("docker://bridgecrew/checkov:3", "args: -d infra", "checkov", {"infra/main.tf"}),
    ("docker://aquasec/trivy:0.69.1", "args: config k8s/legacy", "trivy", {"k8s/legacy/old.yaml"}),
    ("docker://example/hadolint-wrapper:1", "args: --all", "hadolint", None),
])
def test_docker_image_steps_run_their_entrypoint_with_args(uses, inputs, tool, expected):
    assert files_of(steps(f"      - uses: {uses}\n        with:\n          {inputs}\n"), tool) == expected


def test_a_requested_chart_means_the_files_helm_loads():
    tree = RepoTree.from_mapping(FILES)
    intent = requested_intent(("charts/web",), "helm", tree)
    assert intent.requested_files(tree) == {"charts/web/Chart.yaml", "charts/web/values.yaml",
                                            "charts/web/templates/deploy.yaml", "charts/web/.helmignore"}
    report = compare(intent.requested_files(tree), steps(run("helm lint charts/web")), tool="helm",
                     scanners=intent.scanners)
    assert report.verdict == "exact"
