"""Fuzz the scope engine's step readers: any workflow (and any repository config it reads) gives steps, never
a traceback or a hang, and `vibeops check --json` always prints one JSON object.

The strategies build workflows from the pieces the readers interpret: scanner command lines with
wrappers, pipes, loops, redirections and expressions; scanner actions with arbitrary inputs; matrices
(also of objects); job-level `uses:`; and repository files the readers follow (Makefile, reusable
workflows, .checkov.yaml, .helmignore, Chart.yaml, trivy.yaml) with arbitrary content.
"""

from __future__ import annotations

import contextlib
import io
import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.repotree import RepoTree
from bot.scope.model import ScannerStep
from bot.scope.steps import scanner_steps
from bot.scope.tools import TOOLS, infer_tool
from bot.scope.verdict import compare
from bot.workflow import Workflow, WorkflowError, dump_yaml

WORDS = ["trivy", "config", "fs", "hadolint", "checkov", "-d", "-f", "--skip-path", "--framework", "kubeconform",
         "-v", "kube-linter", "lint", "yamllint", "helm", "ct", "--all", "--charts", "make", "-C", "pipenv", "run",
         "poetry", "uv", "uvx", "npx", "pipx", "python", "-m", "docker", "-i", "hadolint/hadolint", "xargs", "-n1",
         "find", "-name", "'*.yaml'", ".", "k8s", "k8s/api.yaml", "Dockerfile", "charts/web", "infra", "-", "<",
         "|", "&&", ";", "||", "(", ")", "$X", "${Y:-k8s}", "$(ls)", "`pwd`", "for", "f", "in", "do", "done",
         "${{ matrix.dir }}", "${{ inputs.path }}", "${{ matrix.image.path }}", "\\", "\n", "'", '"', "cd", "..",
         "**/.terraform/**/*", "*.yml", "(", "[", "{", "}", "=", "X=k8s", "export", "--config-file", ".checkov.yaml",
         "-ignore-filename-pattern", "*(", "\x00", "é", "#", "$$", "$(shell ls)", "%"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
WORD_LINES = st.lists(st.sampled_from(WORDS) | TEXT, max_size=18).map(" ".join)
SCALAR = st.one_of(TEXT, WORD_LINES, st.integers(-5, 5), st.booleans(), st.none())
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                     max_leaves=8)
ACTIONS = st.sampled_from([
    "aquasecurity/trivy-action@0.33.1", "bridgecrewio/checkov-action@v12", "hadolint/hadolint-action@v3",
    "stackrox/kube-linter-action@v1", "ibiqlik/action-yamllint@v3", "docker://ghcr.io/yannh/kubeconform:v0.6",
    "docker://rhysd/actionlint:latest", "reviewdog/action-hadolint@v1", "actions/checkout@v5", "./",
    "aquasecurity/setup-trivy@v0.2", "./.github/workflows/reusable.yml",
]) | TEXT
INPUT_KEYS = st.sampled_from(["scan-type", "scan-ref", "image-ref", "skip-dirs", "skip-files", "scanners",
                              "trivy-config", "directory", "file", "skip_path", "framework", "config_file",
                              "dockerfile", "recursive", "args", "file_or_dir", "path", "files", "flags"]) | TEXT


@st.composite
def steps_strategy(draw):
    if draw(st.booleans()):
        return {"run": draw(st.lists(WORD_LINES, min_size=1, max_size=4).map("\n".join)),
                **draw(st.dictionaries(st.sampled_from(["working-directory", "env", "name", "shell"]), VALUE,
                                       max_size=2))}
    return {"uses": draw(ACTIONS), "with": draw(st.dictionaries(INPUT_KEYS, SCALAR, max_size=5))}


@st.composite
def workflows(draw):
    jobs = {}
    for index in range(draw(st.integers(0, 3))):
        job: dict = {"runs-on": "ubuntu-latest"}
        if draw(st.booleans()):
            job["uses"] = draw(ACTIONS)
            job["with"] = draw(st.dictionaries(INPUT_KEYS, SCALAR, max_size=3))
        else:
            job["steps"] = [{"uses": "actions/checkout@v5"}] + draw(st.lists(steps_strategy(), max_size=4))
        if draw(st.booleans()):
            job["strategy"] = {"matrix": draw(st.dictionaries(st.sampled_from(["dir", "image", "include", "exclude"])
                                                              | TEXT, VALUE, max_size=3))}
        if draw(st.booleans()):
            job["env"] = draw(st.dictionaries(TEXT, SCALAR, max_size=3))
        jobs[f"j{index}"] = job
    doc = {"on": draw(st.sampled_from(["push", ["push"], {"workflow_call": {"inputs": {"path": {"default": "k8s"}}}}])),
           "jobs": jobs}
    if draw(st.booleans()):
        doc["env"] = draw(st.dictionaries(TEXT, SCALAR, max_size=2))
    return doc


@st.composite
def trees(draw):
    files = {"k8s/api.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n", "Dockerfile": "FROM alpine\n",
             "charts/web/Chart.yaml": "name: web\n", "charts/web/templates/a.yaml": "kind: x\n", "infra/main.tf": "\n"}
    for name in draw(st.lists(st.sampled_from(["Makefile", ".checkov.yaml", "charts/web/.helmignore",
                                                "charts/web/Chart.yaml", "trivy.yaml", "ct.yaml",
                                                ".yamllint", "charts/web/ci/x-values.yaml",
                                                ".github/workflows/reusable.yml"]), max_size=4, unique=True)):
        files[name] = draw(st.lists(WORD_LINES | TEXT, max_size=6).map("\n".join))
        if name == ".github/workflows/reusable.yml" and draw(st.booleans()):
            files[name] = dump_yaml(draw(workflows()))
    return RepoTree.from_mapping(files)


def _parse(doc) -> Workflow | None:
    try:
        return Workflow.parse(".github/workflows/fuzz.yml", dump_yaml(doc))
    except WorkflowError:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workflows(), trees())
def test_any_workflow_gives_steps_without_a_traceback_or_a_hang(doc, tree):
    workflow = _parse(doc)
    if workflow is None:
        return
    started = time.monotonic()
    found = scanner_steps(workflow, tree)
    assert time.monotonic() - started < 5, "the step readers took too long"
    assert all(isinstance(s, ScannerStep) for s in found)
    for step in found:
        json.dumps(step.to_dict())
        assert step.resolved or step.reason, "an unknown step always says why"
    for tool in TOOLS:
        report = compare(("k8s/api.yaml",), found, tool=tool, scanners=TOOLS[tool][1])
        json.dumps(report.to_dict())
        assert report.verdict != "exact" or not report.problems
    infer_tool(("k8s/api.yaml",), found, tree)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400) | st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join))
def test_any_run_script_is_read_without_a_traceback(script):
    doc = {"on": "push", "jobs": {"j": {"runs-on": "x", "steps": [{"uses": "actions/checkout@v5"}, {"run": script}]}}}
    workflow = _parse(doc)
    if workflow is not None:
        for step in scanner_steps(workflow, RepoTree.from_mapping({"Makefile": script, "k8s/a.yaml": "a: 1\n"})):
            assert step.resolved or step.reason


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300) | workflows().map(dump_yaml), tool=st.sampled_from([None, *TOOLS]))
def test_check_json_always_prints_one_json_object(tmp_path_factory, text, tool):
    repo = tmp_path_factory.mktemp("repo")
    (repo / "k8s").mkdir()
    (repo / "k8s/api.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n")
    path = repo / "fuzz.yml"
    path.write_text(text, encoding="utf-8")
    argv = ["check", str(path), "--repo", str(repo), "--requested", "k8s/api.yaml", "--json"]
    argv += ["--tool", tool] if tool else []
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    result = json.loads(out.getvalue())
    assert code in (0, 1, 2)
    assert "Traceback" not in err.getvalue()
    if code != 2:
        (audit,) = result["files"]
        if audit["scope"] is None:  # unreadable: a clear finding says why
            assert any(f["rule"] == "unreadable-workflow" for c in audit["checks"] for f in c["findings"])
