"""Issue 19: every input gets an answer. One regression test per class of input that used to hang,
blow up memory or raise; inputs are sized so the old behaviour would take minutes or gigabytes, and the
tests assert what the answer is, never how long it took (timings live in bench/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.checks import CheckContext
from bot.checks.trigger_scope import triggers_on
from bot.explain import explain
from bot.repo_config import ConfigError, parse_config
from bot.repotree import RepoTree
from bot.request import RequestError, parse_request
from bot.scope.steps import scanner_steps
from bot.scope.verdict import compare
from bot.workflow import Workflow, WorkflowError, load_yaml
from tests.conftest import git, make_repo, vibeops

TREE = RepoTree.from_mapping({
    "k8s/api.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: api}\n",
    "k8s/db.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: db}\n",
    "main.tf": 'resource "aws_s3_bucket" "b" {}\n',
    "README.md": "demo\n",
})
STARS = "*" * 24 + "x"  # 24 `*` then x: minutes for a backtracking matcher on a 60-character name
DOUBLE_STARS = "**" * 12  # twelve `**` against a 36-character path: over 40 s before


def workflow(steps: str, on: str = "push", job_extra: str = "") -> str:
    return (f"on: {on}\njobs:\n  scan:\n    runs-on: ubuntu-latest\n{job_extra}    steps:\n"
            f"      - uses: actions/checkout@v4\n{steps}")


def steps_of(text: str):
    return scanner_steps(Workflow.parse(".github/workflows/w.yml", text), TREE)


def nested_block(levels: int, leaf: str = "x: 1") -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + leaf + "\n"


BOMB = ("a: &a [l,l,l,l,l,l,l,l,l]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n")


# --- hangs: globs and regexes ---------------------------------------------------------------------------

def test_hostile_glob_in_a_paths_filter():
    assert not triggers_on("a" * 60, {"paths": [STARS]})
    assert triggers_on("a" * 60 + "x", {"paths": [STARS]})
    assert not triggers_on("ab/" * 12, {"paths": [DOUBLE_STARS + "x"]})


def test_hostile_globs_in_trivy_skip_flags():
    text = workflow(f"      - run: trivy config --skip-files '{STARS}' --skip-dirs '{DOUBLE_STARS}x' .\n")
    (step,) = steps_of(text)
    assert step.resolved and "k8s/api.yaml" in step.files


def test_hostile_glob_in_a_request_path_and_in_requested():
    from bot.audit import requested_intent
    from bot.intent import IntentError, resolve_intent

    request = parse_request(f"add trivy scan for k8s/{STARS}")
    with pytest.raises(IntentError):
        resolve_intent(request, TREE)  # matches nothing: a clear refusal
    with pytest.raises(IntentError):
        requested_intent((DOUBLE_STARS + "x",), "trivy", TREE)


def test_hostile_glob_in_config_paths():
    config = parse_config(f"paths:\n  deny: ['{STARS}', '{DOUBLE_STARS}x']\n")
    assert config.path_allowed("a" * 60) is None
    assert config.path_allowed("a" * 60 + "x") is not None


def test_catastrophic_checkov_skip_path_is_matched_in_linear_time():
    (step,) = steps_of(workflow("      - run: checkov -d . --skip-path '(.|.)*Z'\n"))
    assert step.resolved and "main.tf" in step.files


def test_catastrophic_run_deny_regex_is_matched_in_linear_time():
    from bot.checks import guardrails

    config = parse_config("run:\n  deny: ['(.|.)*Z', '^(\\S+\\s?)+!$']\n")
    text = workflow(f"      - run: echo {'a ' * 20000}\n")
    wf = Workflow.parse(".github/workflows/w.yml", text)
    ctx = CheckContext(workflow=wf, tree=TREE, scope=compare(None, ()), tools=None, generated=True, config=config)
    assert not [f for f in guardrails.run(ctx) if "run.deny" in f.message]
    wf = Workflow.parse(".github/workflows/w.yml", workflow("      - run: echo aZ\n"))
    ctx = CheckContext(workflow=wf, tree=TREE, scope=compare(None, ()), tools=None, generated=True, config=config)
    assert [f for f in guardrails.run(ctx) if "run.deny" in f.message]


# --- memory: alias bombs and expansion ------------------------------------------------------------------

def test_alias_bomb_in_a_step_env_is_refused_with_its_line():
    text = workflow("      - run: echo hi\n        env:\n" + "".join(
        "          " + line + "\n" for line in BOMB.splitlines()))
    with pytest.raises(WorkflowError, match="alias bomb") as caught:
        Workflow.parse("w.yml", text)
    assert caught.value.line and caught.value.line > 8


def test_alias_bomb_in_the_config_is_refused():
    with pytest.raises(ConfigError, match="alias bomb"):
        parse_config(BOMB + "enabled: *i\n")


def test_modest_anchors_still_load():
    data = load_yaml("base: &b {runs-on: ubuntu-latest}\njob: *b\nlist: &l [1, 2]\nagain: *l\n")
    assert data["job"]["runs-on"] == "ubuntu-latest" and list(data["again"]) == [1, 2]


def test_anchors_merge_keys_and_reused_run_blocks_are_followed():
    # The shapes zizmor's anchor tests exercise (written here): an anchored `with:`, a `<<:` merge that
    # overrides one input, and a `run:` block reused by alias in another job.
    text = ("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - uses: aquasecurity/trivy-action@0.28.0\n        with: &t {scan-type: config, scan-ref: k8s/api.yaml}\n"
            "  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - uses: aquasecurity/trivy-action@0.28.0\n        with:\n          <<: *t\n          scan-ref: k8s/db.yaml\n"
            "      - run: &run |\n          trivy config k8s/api.yaml\n"
            "  c:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: *run\n")
    found = [(s.job_id, sorted(s.files)) for s in steps_of(text)]
    assert found == [("a", ["k8s/api.yaml"]), ("b", ["k8s/db.yaml"]), ("b", ["k8s/api.yaml"]), ("c", ["k8s/api.yaml"])]


def test_matrix_of_seven_axes_of_ten_values_through_aliases_is_unknown_with_the_reason():
    matrix = ("    strategy:\n      matrix:\n        a: &v [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
              + "".join(f"        {axis}: *v\n" for axis in "bcdefg"))
    (step,) = steps_of(workflow("      - run: trivy config k8s/${{ matrix.a }}.yaml\n", job_extra=matrix))
    assert not step.resolved and "expansion limit" in step.reason and "10000000" in step.reason


def test_small_matrix_is_still_expanded():
    matrix = "    strategy:\n      matrix:\n        f: [api, db]\n"
    found = steps_of(workflow("      - run: trivy config k8s/${{ matrix.f }}.yaml\n", job_extra=matrix))
    assert {f for s in found for f in s.files} == {"k8s/api.yaml", "k8s/db.yaml"}


def test_eight_nested_for_loops_are_unknown_with_the_reason():
    loops = "".join(f"          for v{i} in a b c d e f g h i j; do\n" for i in range(8))
    script = "      - run: |\n" + loops + "          trivy config k8s/$v0.yaml\n" + "          done\n" * 8
    (step,) = steps_of(workflow(script))
    assert not step.resolved and "expansion limit" in step.reason


def test_a_variable_doubled_forty_times_is_unknown_with_the_reason():
    script = "      - run: |\n          A=x\n" + "          A=$A$A\n" * 40 + "          trivy config $A\n"
    (step,) = steps_of(workflow(script))
    assert not step.resolved and "expansion limit" in step.reason


# --- tracebacks: invalid patterns -----------------------------------------------------------------------

def test_bad_glob_range_in_a_paths_filter_matches_nothing():
    assert not triggers_on("k8s/api.yaml", {"paths": ["[z-a]"]})
    assert triggers_on("k8s/api.yaml", {"paths-ignore": ["[z-a]"]})


def test_bad_glob_range_in_skip_dirs_and_requests():
    from bot.intent import IntentError, resolve_intent

    (step,) = steps_of(workflow("      - run: trivy config --skip-dirs '[z-a]' --skip-files '[' .\n"))
    assert step.resolved and "k8s/api.yaml" in step.files  # trivy: a bad pattern skips nothing
    with pytest.raises(IntentError):
        resolve_intent(parse_request("add trivy scan for k8s/[z-a].yaml"), TREE)


@pytest.mark.parametrize("key", ["paths:\n  allow", "paths:\n  deny", "actions:\n  allow"])
def test_config_validate_rejects_bad_globs(key):
    with pytest.raises(ConfigError, match="reversed"):
        parse_config(f"{key}: ['[z-a]']\n")


@pytest.mark.parametrize("skip", ["[", "**/.terraform/**/*"])
def test_a_checkov_skip_path_that_is_not_a_regex_is_read_as_checkov_reads_it(skip):
    # checkov accepts such a value: it cannot compile it, so it only skips paths that contain it as text.
    for body in (f"      - run: checkov -d . --skip-path '{skip}'\n",
                 f"      - uses: bridgecrewio/checkov-action@v12\n        with:\n          skip_path: '{skip}'\n"):
        (step,) = steps_of(workflow(body))
        assert step.resolved and "main.tf" in step.files, step.reason


@pytest.mark.parametrize("text", ["add trivy scan for ,k8s/api.yaml", "add trivy scan for ;k8s/api.yaml"])
def test_stray_separator_before_a_request_path(text):
    assert parse_request(text).paths == ("k8s/api.yaml",)


@pytest.mark.parametrize("text", ["add trivy scan for ,", "add trivy scan for ;", "add trivy scan for " + ",;" * 5000])
def test_only_separators_is_a_clear_refusal(text):
    with pytest.raises(RequestError, match="Say what trivy should scan"):
        parse_request(text)


# --- tracebacks: YAML ------------------------------------------------------------------------------------

def test_248_nesting_levels_in_a_workflow_config_and_trivy_yaml():
    deep = nested_block(248)
    with pytest.raises(WorkflowError, match="nests deeper") as caught:
        Workflow.parse("w.yml", "on: push\n" + deep)
    assert caught.value.line
    with pytest.raises(ConfigError, match="nests deeper"):
        parse_config(deep)
    tree = RepoTree.from_mapping({**TREE.contents, "trivy.yaml": deep})
    (step,) = scanner_steps(Workflow.parse("w.yml", workflow("      - run: trivy config .\n")), tree)
    assert not step.resolved and "cannot read trivy.yaml" in step.reason and "nests deeper" in step.reason


def test_flow_nesting_is_limited_too():
    with pytest.raises(WorkflowError, match="nests deeper"):
        load_yaml("a: " + "[" * 300 + "]" * 300)


@pytest.mark.parametrize("text, words", [
    ("on: !!int x\n", "`!!int`"), ("on: !!bool x\n", "`!!bool`"), ("on: !!set {a, b}\n", "`!!set`"),
    ("? a: {}\n: 1\n", "mapping key"), ("? [a]\n: 1\n", "mapping key"),
    ("n: " + "9" * 5000 + "\n", "5000 digits"), ("a: !Ref x\n", "`!Ref`"),
])
def test_odd_tags_keys_and_numbers_are_refused_with_the_line(text, words):
    with pytest.raises(WorkflowError) as caught:
        load_yaml("name: x\n" + text)
    assert words in str(caught.value) and caught.value.line == 2


def test_latin1_config_is_refused_with_the_line(tmp_path):
    path = tmp_path / "vibeops.yml"
    path.write_bytes("enabled: true\n# café\n".encode("latin-1"))
    result = vibeops("config", "validate", str(path), "--json")
    answer = json.loads(result.stdout)
    assert result.returncode == 1 and answer["line"] == 2 and "not UTF-8" in answer["message"]


def test_size_limit():
    with pytest.raises(WorkflowError, match="limit is"):
        load_yaml("a: " + "x" * 1_000_001)


# --- tracebacks: regexes in the config -------------------------------------------------------------------

@pytest.mark.parametrize("pattern, words", [
    ("a{4294967296}", "counted repetition"), ("(" * 1000 + "a" + ")" * 1000, "characters long"),
    ("(" * 400 + "a" + ")" * 400, None), (r"(a)\1", "backreferences"), ("(?<=a)b", "lookaround"), ("[", "RE2"),
])
def test_config_regexes_are_validated_for_re2(pattern, words):
    text = "run:\n  deny: ['" + pattern.replace("'", "''") + "']\n"
    if words is None:
        assert parse_config(text).run_deny == (pattern,)
    else:
        with pytest.raises(ConfigError, match="run.deny") as caught:
            parse_config(text)
        assert words in str(caught.value) and caught.value.line == 2


@pytest.mark.parametrize("text, key", [
    ("workflow_dir: .github/workflows/../..\n", "workflow_dir"), ("branch_prefix: '../'\n", "branch_prefix"),
    ("branch_prefix: '.x/'\n", "branch_prefix"), ("workflow_dir: .github/workflows/./x\n", "workflow_dir"),
])
def test_config_paths_that_climb_out_are_refused(text, key):
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert caught.value.key == key and caught.value.line == 1


# --- tracebacks: shapes ----------------------------------------------------------------------------------

def test_checkout_with_a_scalar_with():
    text = "on: push\njobs:\n  s:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n" \
           "        with: foo\n      - run: trivy config k8s/api.yaml\n"
    (step,) = steps_of(text)
    assert step.files == frozenset({"k8s/api.yaml"})


def test_paths_filter_that_is_a_number_is_a_finding_on_the_key():
    from bot.checks import trigger_scope

    text = workflow("      - run: trivy config k8s/api.yaml\n", on="\n  pull_request:\n    paths: 5")
    wf = Workflow.parse("w.yml", text)
    scope = compare(None, scanner_steps(wf, TREE))
    findings = trigger_scope.run(CheckContext(workflow=wf, tree=TREE, scope=scope, tools=None))
    (shape,) = [f for f in findings if f.rule == "filter-shape"]
    assert "on.pull_request.paths" in shape.message and shape.line == 3


@pytest.mark.parametrize("text, words", [
    ("on: push\npermissions: true\njobs:\n  s:\n    runs-on: x\n    steps: []\n", "not a valid permissions value"),
    ("on:\n  push:\n    branches: 5\n    paths: {a: 1}\njobs: {}\n", "to `5`"),
    ("on: push\njobs:\n  s:\n    runs-on: [a, {b: c}]\n    steps: 1.5\n", "`steps:` that is not a list"),
    ("on: push\njobs:\n  s:\n    timeout-minutes: [1]\n    steps: {a: 1}\n", "`steps:` that is not a list"),
])
def test_explain_tolerates_any_shape(text, words):
    assert words in explain(Workflow.parse("w.yml", text), TREE)


def test_nul_byte_in_a_scanner_target_is_unknown_and_never_starts_a_process():
    from bot.adapters.tools import ToolError, Tools

    (step,) = steps_of(workflow('      - run: "trivy config k8s/a\\0b.yaml"\n'))
    assert not step.resolved and "NUL" in step.reason
    with pytest.raises(ToolError, match="NUL byte"):
        Tools.from_environment().trivy_scan("config", "k8s/a\0b.yaml", ("misconfig",), str(Path.cwd()))


# --- the command line's contract -------------------------------------------------------------------------

def small_repo(tmp_path: Path) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    return make_repo(tmp_path / "repo", {"k8s/api.yaml": TREE.contents["k8s/api.yaml"]}, source=empty)


@pytest.mark.parametrize("args", [["check", "--bogus"], ["run"], ["config", "validate", "--nope"],
                                  ["check", "--format", "json", "--tool", "nmap", "x.yml"]])
def test_usage_errors_under_json_are_one_json_object(args):
    result = vibeops(*args, "--json")
    answer = json.loads(result.stdout)
    assert result.returncode == 2 and answer["ok"] is False and answer["error"].startswith("usage:")


@pytest.mark.parametrize("where", ["dir", "missing"])
def test_check_output_that_cannot_be_written_is_caught_first(tmp_path, where):
    repo = small_repo(tmp_path)
    target = tmp_path if where == "dir" else tmp_path / "no" / "such" / "out.json"
    (repo / "w.yml").write_text(workflow("      - run: trivy config k8s/api.yaml\n"))
    result = vibeops("check", str(repo / "w.yml"), "--repo", str(repo), "--json", "--output", str(target))
    answer = json.loads(result.stdout)
    assert result.returncode == 2 and "--output" in answer["error"]


def test_pr_body_that_is_a_directory_is_refused_before_any_branch(tmp_path):
    repo = small_repo(tmp_path)
    result = vibeops("run", "add trivy scan for k8s/api.yaml", "--repo", str(repo), "--json",
                     "--pr-body", str(tmp_path))
    answer = json.loads(result.stdout)
    assert result.returncode == 2 and answer["status"] == "error" and "--pr-body" in answer["message"]
    assert git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/") == "main"


def test_check_answers_a_bomb_with_a_finding_and_exit_1(tmp_path):
    repo = small_repo(tmp_path)
    bomb = workflow("      - run: echo hi\n        env:\n" + "".join("          " + l + "\n" for l in BOMB.splitlines()))
    (repo / "bomb.yml").write_text(bomb)
    result = vibeops("check", str(repo / "bomb.yml"), "--repo", str(repo), "--json")
    answer = json.loads(result.stdout)
    assert result.returncode == 1
    messages = [f["message"] for c in answer["files"][0]["checks"] for f in c["findings"]]
    assert any("alias bomb" in m for m in messages)


def test_check_answers_a_workflow_that_is_not_utf8_with_a_finding(tmp_path):
    repo = small_repo(tmp_path)
    (repo / "latin.yml").write_bytes(workflow("      - run: echo café\n").encode("latin-1"))
    result = vibeops("check", str(repo / "latin.yml"), "--repo", str(repo), "--json")
    answer = json.loads(result.stdout)
    assert result.returncode == 1
    (finding,) = [f for c in answer["files"][0]["checks"] for f in c["findings"] if c["id"] == "scope"]
    assert "not UTF-8" in finding["message"] and finding["line"] == 7
