"""Benchmark: issue 19's hostile inputs, answered by vibeops, beside what a backtracking engine takes.

Each row runs one hostile input through vibeops (time and peak memory of the answer) and, where there
is one, the same input through the backtracking engine it replaced (Python `re` on the old glob
translation, on pathspec's own regex as its Python-`re` backend runs it, on the old .helmignore
translation, or on the raw regex), in a child process stopped after CUTOFF seconds. Target: every
vibeops answer within TARGET_SECONDS and 2 GiB.
"""

from __future__ import annotations

import multiprocessing
import re
import resource
import sys
import time

CUTOFF = 10.0
TARGET_SECONDS = 2.0


def _old_glob(pattern: str) -> str:
    """The hand-written translation vibeops used before RE2 (`**` -> `.*`, `*` -> `[^/]*`)."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append("[^/]*" if pattern[i] == "*" else re.escape(pattern[i]))
        i += 1
    return "".join(out) + r"\Z"


def _old_go(pattern: str) -> str:
    """The Python-`re` translation bot/scope/helm.py used for .helmignore rules before bot.globs.HelmIgnore."""
    return "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in pattern) + r"\Z"


def _backtrack(regex: str, text: str, search: bool) -> None:
    compiled = re.compile(regex)
    (compiled.search if search else compiled.match)(text)


def backtracking_seconds(regex: str, text: str, search: bool = False) -> str:
    child = multiprocessing.Process(target=_backtrack, args=(regex, text, search))
    start = time.perf_counter()
    child.start()
    child.join(CUTOFF)
    if child.is_alive():
        child.kill()
        child.join()
        return f"> {CUTOFF:.0f} s (stopped)"
    return f"{time.perf_counter() - start:.3f} s"


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main() -> int:
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

    from bot.globs import HelmIgnore, glob_match, github_filter_match, trivy_skip_match
    from bot.scope import gitignore
    from bot.scope.checkov import skip_matches
    from bot.repo_config import ConfigError, parse_config
    from bot.repotree import RepoTree
    from bot.scope.steps import scanner_steps
    from bot.userregex import regex_search
    from bot.workflow import Workflow, WorkflowError, load_yaml

    tree = RepoTree.from_mapping({"k8s/api.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"})
    stars, path60 = "*" * 24 + "x", "a" * 60
    double, path36 = "**" * 12 + "x", "ab/" * 12
    star_a = "*a" * 24 + "x"
    bomb = "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 9 if p else ["l"] * 9) + "]\n"
                   for p, c in zip([None, *"abcdefgh"], "abcdefghi"))
    deep = "".join("  " * i + f"k{i}:\n" for i in range(248)) + "  " * 248 + "x: 1\n"
    head = "on: push\njobs:\n  s:\n    runs-on: ubuntu-latest\n"
    matrix = head + "    strategy:\n      matrix:\n        a: &v [0,1,2,3,4,5,6,7,8,9]\n" + "".join(
        f"        {x}: *v\n" for x in "bcdefg") + "    steps:\n      - uses: actions/checkout@v4\n" \
        "      - run: trivy config k8s/${{ matrix.a }}.yaml\n"
    doubling = head + "    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          A=x\n" + \
        "          A=$A$A\n" * 40 + "          trivy config $A\n"

    def yaml_answer(text):
        try:
            load_yaml(text)
            return "loaded"
        except WorkflowError as exc:
            return f"refused (line {exc.line})"

    def config_answer(text):
        try:
            parse_config(text)
            return "valid"
        except ConfigError:
            return "refused"

    rows = [
        ("glob: 24 `*` then x, 60-char name", lambda: glob_match(stars, path60), _old_glob(stars), path60, False),
        ("GitHub filter: twelve `**`, 36-char path", lambda: github_filter_match(double, path36),
         _old_glob(double), path36, False),
        ("trivy --skip-dirs: twelve `**`, 36-char path", lambda: trivy_skip_match([double], path36),
         _old_glob(double), path36, False),
        ("yamllint ignore `*a` x24 then x (pathspec)", lambda: gitignore.ignored(gitignore.compile_patterns([star_a]),
                                                                                  path60),
         GitIgnoreSpecPattern(star_a).regex.pattern, path60, False),
        (".helmignore `*a` x24 then x, 60-char name", lambda: HelmIgnore(star_a).ignores(path60),
         _old_go(star_a), path60, False),
        ("checkov --skip-path '(.|.)*Z', 30-char path", lambda: skip_matches(("(.|.)*Z",), "a" * 30),
         "(.|.)*Z", "a" * 30, True),
        ("run.deny '^(\\S+\\s?)+!$', 40-char line", lambda: regex_search(r"^(\S+\s?)+!$", "a" * 40),
         r"^(\S+\s?)+!$", "a" * 40, True),
        ("YAML alias bomb (9^9 nodes)", lambda: yaml_answer(bomb), None, None, False),
        ("config `enabled: *i` on a bomb", lambda: config_answer(bomb + "enabled: *i\n"), None, None, False),
        ("YAML nested 248 levels", lambda: yaml_answer(deep), None, None, False),
        ("matrix 7 axes x 10 values", lambda: scanner_steps(Workflow.parse("w.yml", matrix), tree)[0].reason,
         None, None, False),
        ("40 x A=$A$A", lambda: scanner_steps(Workflow.parse("w.yml", doubling), tree)[0].reason, None, None, False),
    ]
    print(f"{'input':46} {'vibeops':>10}  {'backtracking engine':>22}  answer")
    worst = 0.0
    for name, work, regex, text, search in rows:
        seconds, answer = timed(work)
        worst = max(worst, seconds)
        before = backtracking_seconds(regex, text, search) if regex else "n/a"
        print(f"{name:46} {seconds:>8.4f} s  {before:>22}  {str(answer)[:60]}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nslowest answer {worst:.4f} s (target {TARGET_SECONDS} s); peak memory {peak:.0f} MiB (target 2048 MiB)")
    return 0 if worst <= TARGET_SECONDS and peak <= 2048 else 1


if __name__ == "__main__":
    sys.exit(main())
