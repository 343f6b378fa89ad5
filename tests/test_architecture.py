"""The shape the project promises: a pure core, lazy heavy imports, README and CI in step."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT

CORE = ["bot/request.py", "bot/intent.py", "bot/recipes.py", "bot/validation.py", "bot/llm_prompt.py",
        "bot/model_generation.py", "bot/catalog.py", "bot/workflow.py",
        "bot/repotree.py", "bot/globs.py", "bot/findings.py", "bot/preview.py", "bot/report.py",
        "bot/audit.py", "bot/forge.py", "bot/app/delivery.py", "bot/app/comment_job.py", *sorted(str(p.relative_to(PROJECT)) for p in (PROJECT / "bot").glob(
            "scope/*.py")), *sorted(str(p.relative_to(PROJECT)) for p in (PROJECT / "bot").glob("checks/**/*.py")),
        *sorted(str(p.relative_to(PROJECT)) for p in (PROJECT / "bot").glob("render/*.py"))]
WORLD = {"subprocess", "socket", "github", "litellm", "flask", "requests", "urllib", "http", "shutil"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", CORE)
def test_core_modules_touch_no_processes_network_or_forges(module):
    assert not imported_modules(PROJECT / module) & WORLD


@pytest.mark.parametrize("module", sorted(str(p.relative_to(PROJECT)) for p in (PROJECT / "bot").rglob("*.py")))
def test_every_module_opens_with_a_one_line_docstring(module):
    doc = ast.get_docstring(ast.parse((PROJECT / module).read_text()))
    assert doc and len(doc.splitlines()[0]) <= 100


def test_cli_imports_nothing_heavy_for_help():
    code = ("import sys, bot.cli; heavy = {'github', 'litellm', 'flask', 'ruamel', 'bot.pipeline'} & "
            "set(m.split('.')[0] if m.split('.')[0] != 'bot' else m for m in sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_readme_quick_start_is_two_commands_and_ci_runs_the_test_one():
    readme = (PROJECT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)\s*$", quick, re.MULTILINE)
    assert commands == ["make demo", "make test"]
    assert re.search(r"^make test$", (PROJECT / ".ci/run").read_text(), re.MULTILINE)


def test_make_demo_runs_the_seed_request_on_a_throwaway_copy(tmp_path):
    import os

    # TMPDIR: the throwaway copy goes into this test's folder, so test runs leave no vibeops-demo-* behind.
    result = subprocess.run(["make", "--no-print-directory", "demo"], cwd=PROJECT, capture_output=True,
                            text=True, timeout=600, check=False, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "OPENED" in result.stdout and "scope     exact" in result.stdout
    assert "scan-ref: k8s-manifests/api.yaml" in result.stdout
    (copy,) = tmp_path.glob("vibeops-demo-*")
    assert f"git -C {copy} show vibeops/" in result.stdout  # the hint works from wherever the user is
    assert not (PROJECT / "fixtures" / "demo" / ".git").exists()
