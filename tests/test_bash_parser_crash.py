"""A stranger's script cannot crash the process that reads it.

tree-sitter-bash 0.25.1 (the newest on the package index) dies with SIGSEGV on `{` followed by a character
from U+E0000 up (found by the scope fuzz suite). Every script vibeops reads -- the scope engine, the
allowlist, `vibeops check` on a fork's workflow -- goes through bot.scope.bash, so each test runs the real
reader in a child process: a crash is a negative return code there, not a dead test run.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import make_repo, vibeops_json

CRASHERS = ["{\U000e4ae6", "{\U000e4ae6}", "x{\U000e0000", "{\U0010ffff", "echo {\U000e4ae6,a}",
            "trivy config k8s/ && {\U000e0001\n"]

CHILD = r"""
import json, sys
from bot.scope.bash import ShellSyntaxError, parse, tokenize
answers = []
for script in json.loads(sys.stdin.read()):
    for _ in range(40):  # the crash depends on memory layout: ask many times
        try:
            answer = [c.argv for c in parse(script).commands]
            tokens = [t.text for t in tokenize(script)]
        except ShellSyntaxError as exc:
            answer, tokens = str(exc), None
    answers.append([answer, tokens])
print(json.dumps(answers))
"""


def test_scripts_with_characters_past_u_e0000_are_read_without_a_crash():
    import json

    result = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(CRASHERS), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, f"the reader died ({result.returncode}): {result.stderr[-2000:]}"
    answers = json.loads(result.stdout)
    assert len(answers) == len(CRASHERS)
    # the shadow parse reads the script as bash does: a brace word stays one word with its real characters
    assert answers[4] == [[["echo", "{\U000e4ae6,a}"]], ["echo", "{\U000e4ae6,a}", "\n"]]


@pytest.mark.parametrize("text, argv", [
    ("echo \u00a0x", ("echo", "\u00a0x")),  # bash does not split on a no-break space
    ("trivy config k8s/\u00e9t\u00e9.yaml", ("trivy", "config", "k8s/\u00e9t\u00e9.yaml")),
    ("echo '\U0001f600' \u4e2d", ("echo", "\U0001f600", "\u4e2d")),
])
def test_non_ascii_words_keep_their_text_and_bash_s_word_splitting(text, argv):
    from bot.scope.bash import parse

    (command,) = parse(text).commands
    assert command.argv == argv


def test_vibeops_check_on_a_workflow_holding_the_crashing_script_answers(tmp_path):
    crashing = "".join(f"      - run: |\n          trivy config k8s/api.yaml\n          echo {{\U000e4ae6{n}\n"
                       for n in range(40))  # the crash depends on memory layout: many scripts
    workflow = ("name: scan\non: push\npermissions:\n  contents: read\njobs:\n  scan:\n    runs-on: ubuntu-24.04\n"
                "    steps:\n      - uses: actions/checkout@v5\n" + crashing)
    repo = make_repo(tmp_path / "repo", files={".github/workflows/scan.yml": workflow,
                                               "k8s/api.yaml": "apiVersion: v1\nkind: Pod\n"})
    code, report = vibeops_json("check", ".github/workflows/scan.yml", "--repo", str(repo), cwd=repo)
    assert code >= 0 and isinstance(report, dict)  # an answer, not a process killed by a signal
