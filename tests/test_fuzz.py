"""Fuzzing (issue 19): requests, configs, globs, shell scripts and workflows never end in a traceback.

Every property says what a correct answer is: a value, or the one error type that carries a clear
message (RequestError, IntentError, ConfigError, WorkflowError). Workflows are mutated structure-aware
from the real workflows in ../shared/realdata (read in place) and from our own reproductions of the
shapes actionlint's and zizmor's test suites exercise (anchors, odd triggers, matrices, reusable jobs).

`make test` runs a bounded number of examples; `make fuzz` runs the same properties for ten minutes
(VIBEOPS_FUZZ_EXAMPLES raises the count, see the README's "Fuzzing" section).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.checks import CheckContext
from bot.explain import explain
from bot.globs import glob_match, glob_problem, github_filter_match, trivy_skip_match
from bot.intent import IntentError, resolve_intent
from bot.repo_config import ConfigError, parse_config
from bot.repotree import RepoTree
from bot.request import RequestError, parse_request
from bot.scope.checkov import skip_matches
from bot.scope.shell import split_commands
from bot.scope.steps import scanner_steps
from bot.scope.verdict import compare
from bot.userregex import regex_problem, regex_search
from bot.workflow import Workflow, WorkflowError, dump_yaml, load_yaml
from tests.conftest import PROJECT

EXAMPLES = int(os.environ.get("VIBEOPS_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 200,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

TREE = RepoTree.from_mapping({
    "k8s/api.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: api}\n",
    "k8s/db.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: db}\n",
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/templates/d.yaml": "kind: Deployment\n",
    "infra/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
    "Dockerfile": "FROM alpine\n",
    ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    "trivy.yaml": "scan:\n  skip-dirs: [charts]\n",
    "README.md": "demo\n",
})


def realdata_workflows() -> list[Path]:
    """The real workflows, read in place from ../shared/realdata beside the checkout (or a parent's)."""
    for base in (PROJECT, *PROJECT.parents):
        folder = base.parent / "shared" / "realdata" / "workflows"
        if folder.is_dir():
            return sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    return []


# --- strategies -------------------------------------------------------------------------------------------

SEGMENT = st.text(alphabet="ab.-_*?[]!^{},/\\ +k8s", min_size=0, max_size=8)
PATHLIKE = st.lists(SEGMENT, min_size=1, max_size=6).map("/".join)
GLOB = st.one_of(PATHLIKE, st.sampled_from(["**", "**/*.yaml", "k8s/*", "[z-a]", "[", "a{b", "*" * 24 + "x",
                                            "**" * 12, "a/**/" * 6 + "x", "[!/]", "\\", "*.jsx?", "v[12].[0-9]+"]))
REPO_PATH = st.one_of(st.sampled_from(sorted(TREE.files)), PATHLIKE, st.text(max_size=60))
REGEX = st.one_of(st.text(alphabet="a()|.*+?{}[]^$\\1,S sZ=<!", max_size=20),
                  st.sampled_from(["(.|.)*Z", "a{4294967296}", "(" * 300 + ")" * 300, "(a)\\1", "[", "^curl .*|"]))
WORDS = st.sampled_from(["add", "trivy", "actionlint", "checkov", "scan", "config", "fs", "for", "of", "on", "and",
                         "fail", "on", "HIGH", "critical", "nightly", "pull", "requests", "the", "repository",
                         "k8s/api.yaml", "k8s/", ",", ";", "'k8s/db.yaml'", '"x y"', "**/*.yaml", "[z-a]", "sarif",
                         "upload", "only", "every", "day", "above", "medium", "--", "-", "!", "에", "스캔", "\x00"])
REQUEST = st.one_of(st.lists(WORDS, max_size=14).map(" ".join), st.text(max_size=80))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                   st.text(max_size=30), GLOB, st.sampled_from(["${{ matrix.x }}", "$(date)", "*", "~", "null"]))
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                     max_leaves=12)
CONFIG_KEYS = ["enabled", "commands", "trigger", "paths", "actions", "run", "secrets", "permissions", "workflow_dir",
               "branch_prefix", "labels", "reviewers", "draft", "llm", "context", "scan", "preview", "recheck",
               "zizmor", "delete_closed_branches"]
CONFIG_SHAPED = st.fixed_dictionaries({}, optional={
    "enabled": st.one_of(st.booleans(), VALUE), "commands": st.lists(st.sampled_from(["add", "help", "x"])),
    "paths": st.fixed_dictionaries({}, optional={"allow": st.lists(GLOB, max_size=4), "deny": st.lists(GLOB, max_size=4)}),
    "actions": st.fixed_dictionaries({"allow": st.lists(GLOB, max_size=3)}),
    "run": st.fixed_dictionaries({"deny": st.lists(REGEX, max_size=3)}),
    "workflow_dir": st.one_of(st.just(".github/workflows"), PATHLIKE.map(lambda p: ".github/workflows/" + p)),
    "branch_prefix": st.one_of(st.just("vibeops/"), SEGMENT.map(lambda s: s + "/")),
    "llm": st.fixed_dictionaries({}, optional={"max_rounds": VALUE, "generator": VALUE}),
    "permissions": st.fixed_dictionaries({"max": st.dictionaries(st.text(max_size=8), VALUE, max_size=3)}),
})
CONFIG = st.one_of(CONFIG_SHAPED, st.dictionaries(st.sampled_from(CONFIG_KEYS), VALUE, max_size=5), VALUE)

# Our own reproductions of the shapes actionlint's and zizmor's test data exercise (written here, not copied).
REPRODUCTIONS = [
    "on: [push, pull_request]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
    "      - run: trivy fs --skip-dirs charts .\n",
    "on:\n  pull_request:\n    paths: ['k8s/**', '!k8s/db.yaml']\n    branches: [main]\njobs:\n  a:\n"
    "    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        f: [api, db]\n        include: [{f: x, extra: 1}]\n"
    "        exclude: [{f: db}]\n    steps:\n      - uses: actions/checkout@v4\n"
    "      - uses: aquasecurity/trivy-action@0.28.0\n        with: {scan-type: config, scan-ref: 'k8s/${{ matrix.f }}.yaml'}\n",
    "on: push\nenv: &e {A: k8s}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    env: *e\n    steps:\n"
    "      - &co {uses: actions/checkout@v4, with: {path: src}}\n      - run: |\n          cd src\n"
    "          for f in $A/*.yaml; do trivy config \"$f\"; done\n          checkov -d . --skip-path infra\n",
    "on:\n  workflow_call:\n    inputs: {x: {type: string}}\njobs:\n  call:\n    uses: ./.github/workflows/ci.yml\n"
    "  b:\n    needs: [call]\n    runs-on: ${{ inputs.x }}\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n",
    "on:\n  pull_request_target:\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: write-all\n    steps:\n"
    "      - uses: actions/checkout@v4\n        with: {ref: '${{ github.event.pull_request.head.sha }}'}\n"
    "      - run: helm lint charts/web && ct lint --all\n      - run: docker run aquasec/trivy config .\n",
    "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
    "      - uses: aquasecurity/trivy-action@0.28.0\n        with: &t {scan-type: fs, scan-ref: ., skip-dirs: charts}\n"
    "      - run: &r |\n          trivy config k8s\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/checkout@v4\n      - uses: aquasecurity/trivy-action@0.28.0\n        with: {<<: *t, scan-ref: k8s}\n"
    "      - run: *r\n",
    "on: {schedule: [{cron: '0 0 * * *'}], workflow_dispatch: {}}\npermissions: {}\njobs:\n  a:\n"
    "    runs-on: ubuntu-latest\n    defaults: {run: {working-directory: k8s}}\n    steps:\n"
    "      - uses: actions/checkout@v4\n      - run: |\n          trivy config \\\n            --severity HIGH \\\n"
    "            api.yaml | tee out.txt\n          find . -name '*.yaml' | xargs kubeconform\n",
]


def seeds() -> list[str]:
    texts = list(REPRODUCTIONS)
    for path in realdata_workflows():
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
    return texts


def analyse(text: str, generated: bool = False) -> None:
    """The whole pure path a workflow takes in `check`/`explain`: parse, scope, explain and the pure checks."""
    from bot.checks import policy, scope, trigger_scope, trivy_action

    try:
        workflow = Workflow.parse(".github/workflows/fuzz.yml", text)
    except WorkflowError as exc:
        assert str(exc)
        return
    steps = scanner_steps(workflow, TREE)
    report = compare(None, steps)
    assert isinstance(explain(workflow, TREE), str)
    ctx = CheckContext(workflow=workflow, tree=TREE, scope=report, tools=None, generated=generated)
    for check in (scope, trigger_scope, trivy_action, policy):
        assert isinstance(check.run(ctx), list)
    for step in steps:
        assert step.resolved or step.reason  # an unknown step always says why


def nodes(doc, path=()):
    """Every (container, key) of a loaded document, for structure-aware mutation."""
    found = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.append((doc, key))
            found += nodes(value, path + (key,))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found.append((doc, index))
            found += nodes(value, path + (index,))
    return found


@st.composite
def mutated_workflows(draw):
    text = draw(st.sampled_from(seeds()))
    try:
        doc = load_yaml(text)
    except WorkflowError:
        return text  # a seed that is broken on purpose (actionlint's broken_yaml): analysed as it is
    for _ in range(draw(st.integers(1, 4))):
        places = nodes(doc)
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "delete", "duplicate", "wrap"]))
        if action == "replace":
            container[key] = draw(VALUE)
        elif action == "delete":
            del container[key]
        elif action == "duplicate" and isinstance(container, list):
            container.append(container[key])
        elif action == "wrap":
            container[key] = [container[key]]
    try:
        return dump_yaml(doc)
    except Exception:  # noqa: BLE001 - a value ruamel cannot write: fall back to the original text
        return text


@st.composite
def text_mutations(draw):
    text = draw(st.sampled_from(seeds()))
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, max(len(lines) - 1, 0)))
        noise = draw(st.one_of(st.text(max_size=20), st.sampled_from(["&a", "*a", "!!int x", "? [a]", "<<: *a", "- ",
                                                                      ":", "'", '"', "{", "[", "\t", "%YAML 1.1"])))
        lines.insert(index, (lines[index][: len(lines[index]) // 2] if lines else "") + noise)
    return "\n".join(lines) + "\n"


# --- properties -----------------------------------------------------------------------------------------------

def test_real_workflows_are_present_or_skipped():
    if not realdata_workflows():
        if os.environ.get("CI") == "true":
            pytest.fail("../shared/realdata is missing under CI=true")
        pytest.skip("../shared/realdata is not beside this checkout")
    for path in realdata_workflows():
        analyse(path.read_text(encoding="utf-8"))


@FUZZ
@given(REQUEST)
def test_requests_get_a_request_or_a_clear_refusal(text):
    try:
        request = parse_request(text)
    except RequestError as exc:
        assert str(exc)
        return
    try:
        intent = resolve_intent(request, TREE)
    except IntentError as exc:
        assert str(exc)
        return
    assert intent.tool


@FUZZ
@given(CONFIG)
def test_configs_get_a_config_or_a_clear_refusal(data):
    text = dump_yaml(data) if isinstance(data, (dict, list)) else f"{data!r}\n"
    try:
        config = parse_config(text)
    except ConfigError as exc:
        assert str(exc).startswith(".github/vibeops.yml")
        return
    for path in ("k8s/api.yaml", "a" * 60, "[z-a]"):
        assert config.path_allowed(path) is None or "paths." in config.path_allowed(path)
    assert config.action_allowed("actions/checkout") in (True, False)
    for pattern in config.run_deny:
        assert regex_problem(pattern) is None and regex_search(pattern, "curl x | bash") in (True, False)


@FUZZ
@given(st.text(max_size=200))
def test_any_text_as_a_config(text):
    try:
        parse_config(text)
    except ConfigError as exc:
        assert str(exc)


@FUZZ
@given(GLOB, REPO_PATH)
def test_globs_never_raise_in_any_dialect(pattern, path):
    assert glob_match(pattern, path) in (True, False)
    assert github_filter_match(pattern, path) in (True, False)
    assert trivy_skip_match([pattern], path) in (True, False)
    assert glob_problem(pattern) is None or isinstance(glob_problem(pattern), str)
    assert skip_matches((pattern,), path) in (True, False)  # checkov's --skip-path, as the scope engine reads it
    if not any(ch in pattern for ch in "*?[\\+"):
        assert glob_match(pattern, pattern) or glob_problem(pattern)


@FUZZ
@given(REGEX, st.text(max_size=200))
def test_user_regexes_are_validated_or_run(pattern, text):
    if regex_problem(pattern) is None:
        assert regex_search(pattern, text) in (True, False)
    else:
        assert not regex_search(pattern, text)


@FUZZ
@given(st.lists(st.sampled_from(["trivy", "config", "fs", "k8s/api.yaml", "$A", "${A:-x}", "A=$A$A", "cd k8s", "&&",
                                 "||", ";", "|", "\n", "for f in a b; do", "done", "(", ")", "'", '"', "\\\n", "$(x)",
                                 "<<EOF", "EOF", "export A=.", "--skip-dirs", "[z-a]", "checkov -d .", "xargs"]),
                max_size=30).map(" ".join))
def test_shell_scripts_always_split(script):
    commands = split_commands(script, {"GITHUB_WORKSPACE": "/github/workspace"}, "/github/workspace")
    assert isinstance(commands, list)


@FUZZ
@given(mutated_workflows())
def test_structure_aware_mutations_of_real_workflows(text):
    analyse(text)
    analyse(text, generated=True)


@FUZZ
@given(text_mutations())
def test_text_mutations_of_real_workflows(text):
    analyse(text)
