"""Every scanner the scope engine follows, and the shell forms that hide targets (loops, pipes, matrix)."""

from __future__ import annotations

import pytest

from bot.repotree import RepoTree
from bot.scope.steps import scanner_steps
from bot.workflow import Workflow

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
TREE = RepoTree.from_mapping({
    "k8s/api.yaml": POD, "k8s/db.yaml": POD, "k8s/README.md": "# k8s\n", "k8s/notes.json": "{}\n",
    "api/Dockerfile": "FROM alpine\n", "web/Dockerfile": "FROM alpine\n", "web/Dockerfile.dev": "FROM alpine\n",
    "charts/app/Chart.yaml": "name: app\nversion: 1.0.0\n", "charts/app/values.yaml": "x: 1\n",
    "charts/app/templates/deploy.yaml": "kind: {{ .Values.x }}\n", "charts/other/Chart.yaml": "name: other\n",
    "terraform/main.tf": 'resource "aws_s3_bucket" "b" {}\n', "kustomization.yaml": "resources: []\n",
    ".github/workflows/ci.yml": "on: push\n", "docs/notes.yaml": "a: 1\n", ".yamllint": "extends: default\n",
    "ct.yaml": "chart-dirs:\n  - charts\n",
})
CHARTS = {"charts/app/Chart.yaml", "charts/app/values.yaml", "charts/app/templates/deploy.yaml"}


def steps_of(step_yaml: str, job_extra: str = ""):
    text = ("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n" + job_extra +
            "    steps:\n      - uses: actions/checkout@v4\n" + step_yaml)
    return scanner_steps(Workflow.parse(".github/workflows/t.yml", text), TREE)


def files(step_yaml: str, job_extra: str = "") -> set[str] | None:
    """The union of files read, or None when any step is unresolved."""
    found = steps_of(step_yaml, job_extra)
    assert found, "no scanner step recognised"
    if not all(s.resolved for s in found):
        return None
    return set().union(*(s.files for s in found))


def run(script: str) -> str:
    body = "\n".join("          " + line for line in script.splitlines())
    return f"      - run: |\n{body}\n"


@pytest.mark.parametrize("script, expected", [
    ("checkov -d k8s", {"k8s/api.yaml", "k8s/db.yaml"}),
    ("checkov -d . --skip-path charts --skip-path terraform",
     {"k8s/api.yaml", "k8s/db.yaml", "api/Dockerfile", "web/Dockerfile", "web/Dockerfile.dev", "kustomization.yaml",
      ".github/workflows/ci.yml"}),
    ("checkov -f k8s/api.yaml k8s/README.md", {"k8s/api.yaml", "k8s/README.md"}),
    ("checkov --directory charts", CHARTS | {"charts/other/Chart.yaml"}),
    ("hadolint api/Dockerfile web/Dockerfile.dev", {"api/Dockerfile", "web/Dockerfile.dev"}),
    ("hadolint --ignore DL3018 - < web/Dockerfile", {"web/Dockerfile"}),
    ("cd web && hadolint Dockerfile", {"web/Dockerfile"}),
    ("kubeconform -summary -output json k8s", {"k8s/api.yaml", "k8s/db.yaml", "k8s/notes.json"}),
    ("kubeconform -ignore-filename-pattern 'notes' k8s", {"k8s/api.yaml", "k8s/db.yaml"}),
    ("helm lint charts/app", CHARTS),
    ("cd charts/app && helm lint --strict", CHARTS),
    ("ct lint --all --config ct.yaml", CHARTS | {"charts/other/Chart.yaml"}),
    ("ct lint --charts charts/app", CHARTS),
    ("docker run --rm -i hadolint/hadolint hadolint - < api/Dockerfile", {"api/Dockerfile"}),
    ("docker run --rm -i hadolint/hadolint < web/Dockerfile.dev", {"web/Dockerfile.dev"}),
    ("cd web && docker run --rm -i hadolint/hadolint:v2.12.0 < Dockerfile", {"web/Dockerfile"}),
    ("cat api/Dockerfile | docker run --rm -i hadolint/hadolint", {"api/Dockerfile"}),
    ("kube-linter lint k8s charts", {"k8s/api.yaml", "k8s/db.yaml"} | CHARTS
     | {"charts/other/Chart.yaml"}),
    ("yamllint docs k8s", {"docs/notes.yaml", "k8s/api.yaml", "k8s/db.yaml"}),
    ("yamllint -c .yamllint .", {p for p in TREE.files if p.endswith((".yaml", ".yml"))} | {".yamllint"}),
    ("actionlint", {".github/workflows/ci.yml"}),
    ("for f in k8s/api.yaml api/Dockerfile; do\n  trivy config \"$f\"\ndone", {"k8s/api.yaml", "api/Dockerfile"}),
    ("find k8s -name '*.yaml' | xargs -n1 trivy config", {"k8s/api.yaml", "k8s/db.yaml"}),
    ("find . -name Dockerfile -type f | xargs -I{} hadolint {}", {"api/Dockerfile", "web/Dockerfile"}),
    ("find k8s -name 'api.*' | xargs trivy config", {"k8s/api.yaml"}),
])
def test_command_lines(script, expected):
    assert files(run(script)) == expected


@pytest.mark.parametrize("script, reason", [
    ("ct lint --config ct.yaml", "changes"),
    ("find k8s -name '*.yaml' | xargs trivy config", "2 targets"),
    ("git ls-files '*.yaml' | xargs -n1 trivy config", "git"),
    ("docker run --rm -v \"$PWD:/w\" hadolint/hadolint hadolint /w/api/Dockerfile", "docker run"),
    ("docker run --rm -i ghcr.io/hadolint/hadolint < \"$DOCKERFILE\"", "docker run"),
    ("checkov --config-file .checkov.yaml", "without -d or -f"),
    ("kubeconform -ignore-filename-pattern '*.json' k8s", "cannot use the pattern"),
    ("for f in $(ls k8s); do trivy config \"k8s/$f\"; done", ""),
    ("kubeconform -", "standard input"),
])
def test_command_lines_that_cannot_be_known(script, reason):
    found = steps_of(run(script))
    assert found and not all(s.resolved for s in found)
    assert any(reason in (s.reason or "") for s in found if not s.resolved)


@pytest.mark.parametrize("uses, inputs, expected", [
    ("bridgecrewio/checkov-action@v12", "directory: k8s", {"k8s/api.yaml", "k8s/db.yaml"}),
    ("bridgecrewio/checkov-action@v12", "directory: k8s\n          file: api/Dockerfile", {"api/Dockerfile"}),
    ("bridgecrewio/checkov-action@v12", "directory: .\n          skip_path: charts,terraform,.github,kustomization",
     {"k8s/api.yaml", "k8s/db.yaml", "api/Dockerfile", "web/Dockerfile", "web/Dockerfile.dev"}),
    ("hadolint/hadolint-action@v3", "dockerfile: api/Dockerfile", {"api/Dockerfile"}),
    ("hadolint/hadolint-action@v3", "dockerfile: 'Dockerfile*'\n          recursive: true",
     {"api/Dockerfile", "web/Dockerfile", "web/Dockerfile.dev"}),
    ("docker://ghcr.io/yannh/kubeconform:latest", "args: -summary k8s", {"k8s/api.yaml", "k8s/db.yaml", "k8s/notes.json"}),
    ("stackrox/kube-linter-action@v1", "directory: k8s", {"k8s/api.yaml", "k8s/db.yaml"}),
    ("ibiqlik/action-yamllint@v3", "file_or_dir: docs", {"docs/notes.yaml"}),
    ("raven-actions/actionlint@v2", "files: '.github/workflows/*.yml'", {".github/workflows/ci.yml"}),
])
def test_actions(uses, inputs, expected):
    assert files(f"      - uses: {uses}\n        with:\n          {inputs}\n") == expected


def test_hadolint_action_default_is_the_root_dockerfile_which_may_not_exist():
    (step,) = steps_of("      - uses: hadolint/hadolint-action@v3\n")
    assert step.resolved and step.files == frozenset() and "does not exist" in step.reason


MATRIX = """    strategy:
      matrix:
        target: [k8s/api.yaml, web/Dockerfile]
        include:
          - target: terraform
"""


def test_matrix_values_expand_to_every_combination():
    found = steps_of("      - run: trivy config ${{ matrix.target }}\n", MATRIX)
    assert [s.files for s in found] == [{"k8s/api.yaml"}, {"web/Dockerfile"}, {"terraform/main.tf"}]
    assert [s.step_name.rsplit("(", 1)[1] for s in found] == ["target=k8s/api.yaml)", "target=web/Dockerfile)",
                                                               "target=terraform)"]


def test_matrix_from_an_expression_is_unknown():
    found = steps_of("      - run: trivy config ${{ matrix.target }}\n",
                     "    strategy:\n      matrix: ${{ fromJSON(needs.plan.outputs.m) }}\n")
    assert not found[0].resolved


def test_matrix_exclude_removes_combinations():
    extra = ("    strategy:\n      matrix:\n        dir: [k8s, web]\n        os: [linux, mac]\n"
             "        exclude:\n          - os: mac\n")
    found = steps_of("      - run: trivy config ${{ matrix.dir }}\n", extra)
    assert len(found) == 2
