"""Mutation testing for the modules that keep users safe: `make mutation` (not part of `make test`).

    python tests/mutate.py bot/app/delivery.py [--tests tests/test_webhook.py ...] [--jobs 2]
    python tests/mutate.py --all

For one module it:
1. runs the given tests once under coverage with per-test contexts (pytest-cov), to learn which tests
   run each line;
2. makes mutants of the module with a small AST mutator of our own: comparison, boolean and arithmetic
   operators swapped, `not` dropped, conditions negated, constants changed, returns emptied, and statements
   (calls, raises, `continue`/`break`) removed; docstrings, annotations and log calls are left alone;
3. runs, for each mutant, only the tests that cover its line, in a copy of the project (two copies side by
   side with `--jobs 2`), with a time limit (a mutant that hangs counts as killed);
4. reports the score: killed / (mutants - equivalent). A mutant no test notices is listed by line, with the
   original and the mutated code. `tests/mutation_equivalents.txt` lists the mutants that cannot be told
   apart by any test (with the reason); they are left out of the score.

Results go to bench/out/mutation-<module>.json as well.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.txt"
OUT = ROOT / "bench" / "out"

# The modules issue #20 names, with the tests that exercise them.
MODULES: dict[str, list[str]] = {
    "bot/app/delivery.py": ["tests/test_webhook.py", "tests/test_delivery.py", "tests/test_intake.py",
                            "tests/test_mutants_intake.py"],
    "bot/app/web.py": ["tests/test_webhook.py", "tests/test_intake.py", "tests/test_metrics_logs.py",
                       "tests/test_mutants_intake.py"],
    "bot/repo_config.py": ["tests/test_repo_config.py", "tests/test_app_config.py", "tests/test_config_layering.py",
                           "tests/test_mutants_layering.py"],
    "bot/scope/verdict.py": ["tests/test_scope.py", "tests/test_scope_corpus.py", "tests/test_check_cli.py",
                             "tests/test_mutants_scope.py"],
    # (test_scope_corpus imports bench/, which the mutants' copies leave out: it cannot run there.)
    "bot/scope/trivy.py": ["tests/test_scope.py", "tests/test_scope_scanners.py", "tests/test_mutants_scope.py",
                           "tests/test_mutants_scanners.py"],
    "bot/scope/checkov.py": ["tests/test_scope_scanners.py", "tests/test_scope_followed.py", "tests/test_bounds.py",
                             "tests/test_globs_dialects.py", "tests/test_mutants_scanners.py"],
    "bot/scope/hadolint.py": ["tests/test_scope_scanners.py", "tests/test_scope_followed.py",
                              "tests/test_mutants_scanners.py"],
    "bot/scope/helm.py": ["tests/test_scope_scanners.py", "tests/test_scope_followed.py",
                          "tests/test_mutants_scanners.py"],
    # the model-output allowlist's commands and scripts (issue 20, mutguard1)
    "bot/checks/guardrails/commands.py": ["tests/test_allowlist.py", "tests/test_allowlist_gate.py",
                                          "tests/test_mutants_allowlist_commands.py",
                                          "tests/test_mutants_allowlist_scripts.py", "tests/test_release_recipes.py"],
    "bot/checks/guardrails/scripts.py": ["tests/test_allowlist.py", "tests/test_allowlist_gate.py",
                                         "tests/test_mutants_allowlist_commands.py",
                                         "tests/test_mutants_allowlist_scripts.py", "tests/test_release_recipes.py"],
    # the verified release downloads (issue 15's release-pinned recipes)
    "bot/checks/guardrails/downloads.py": ["tests/test_mutants_downloads.py", "tests/test_release_recipes.py",
        "tests/test_allowlist.py",
        "--deselect=tests/test_allowlist.py::test_a_malicious_model_draft_is_rejected_end_to_end_and_nothing_is_written"],
    # The model-output allowlist's policy rules (issue 20, part 2). The end-to-end model draft (30-50 s, the real
    # tools) runs every line, so every survivor would pay for it: left out; the fast tests assert its rules.
    **{f"bot/checks/guardrails/{name}.py": [
        "tests/test_allowlist.py", "tests/test_allowlist_gate.py", "tests/test_mutants_allowlist_policy.py",
        "--deselect=tests/test_allowlist.py::test_a_malicious_model_draft_is_rejected_end_to_end_and_nothing_is_written"]
       for name in ("secrets", "permissions", "danger", "environment", "jobs", "actions", "__init__")},
}

_LOGGERS = {"log", "logger", "logging"}
_SWAPS = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
          ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_ARITH = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult,
          ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}


@dataclass(frozen=True)
class Mutant:
    line: int
    kind: str
    original: str
    mutated: str
    source: str  # the whole mutated module

    @property
    def key(self) -> str:
        """How tests/mutation_equivalents.txt names it: `line:kind:mutated code`."""
        return f"{self.line}:{self.kind}:{self.mutated}"


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                found.add(id(first))
                found.add(id(first.value))
    return found


def _annotation_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        parts = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parts = [node.returns, *(a.annotation for a in (*node.args.args, *node.args.kwonlyargs,
                                                            *node.args.posonlyargs))]
        elif isinstance(node, ast.AnnAssign):
            parts = [node.annotation]
        for part in parts:
            if part is not None:
                found.update(id(sub) for sub in ast.walk(part))
    return found


def _is_log_call(node: ast.AST) -> bool:
    call = node.value if isinstance(node, ast.Expr) else node
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    while isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in _LOGGERS:
            return True
        func = func.value
    return False


def _alternatives(node: ast.AST) -> list[tuple[str, ast.AST]]:
    """(kind, replacement node) for each mutation of `node`."""
    out: list[tuple[str, ast.AST]] = []
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            if type(op) in _SWAPS:
                changed = copy.deepcopy(node)
                changed.ops[index] = _SWAPS[type(op)]()
                out.append(("compare", changed))
    elif isinstance(node, ast.BoolOp):
        changed = copy.deepcopy(node)
        changed.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        out.append(("boolean", changed))
        if len(node.values) == 2:  # `a or b` → `a`, and → `b`: a default or a guard dropped
            out.append(("operand", copy.deepcopy(node.values[0])))
            out.append(("operand", copy.deepcopy(node.values[1])))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(("not", copy.deepcopy(node.operand)))
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH and not _is_string_format(node):
        changed = copy.deepcopy(node)
        changed.op = _ARITH[type(node.op)]()
        out.append(("arithmetic", changed))
    elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
        value = node.value
        if isinstance(value, bool):
            out.append(("constant", ast.Constant(not value)))
        elif isinstance(value, int):
            out.append(("constant", ast.Constant(value + 1)))
            if value != 0:
                out.append(("constant", ast.Constant(0)))
        elif isinstance(value, float):
            out.append(("constant", ast.Constant(value * 2 + 1)))
    return out


def _is_string_format(node: ast.BinOp) -> bool:
    return isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)


def _statement_alternatives(node: ast.stmt) -> list[tuple[str, str]]:
    """(kind, replacement text) for statement-level mutations."""
    out: list[tuple[str, str]] = []
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and not _is_log_call(node):
        out.append(("remove-call", "pass"))
    elif isinstance(node, ast.Raise):
        out.append(("remove-raise", "pass"))
    elif isinstance(node, (ast.Continue, ast.Break)):
        out.append(("remove-" + type(node).__name__.lower(), "pass"))
    elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None):
        out.append(("return-none", "return None"))
    return out


def _segment_offsets(source: str) -> list[int]:
    offsets, total = [0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        offsets.append(total)
    return offsets


def mutants(source: str) -> list[Mutant]:
    tree = ast.parse(source)
    skipped = _docstring_nodes(tree) | _annotation_nodes(tree)
    log_calls = {id(sub) for node in ast.walk(tree) if _is_log_call(node) for sub in ast.walk(node)}
    offsets = _segment_offsets(source)
    found: list[Mutant] = []

    def splice(node: ast.AST, text: str, kind: str) -> None:
        start = offsets[node.lineno - 1] + _col(source, offsets, node.lineno, node.col_offset)
        end = offsets[node.end_lineno - 1] + _col(source, offsets, node.end_lineno, node.end_col_offset)
        original = source[start:end]
        new_source = source[:start] + text + source[end:]
        try:
            compile(new_source, "<mutant>", "exec")
        except SyntaxError:
            return
        found.append(Mutant(node.lineno, kind, " ".join(original.split())[:120], " ".join(text.split())[:120],
                            new_source))

    for node in ast.walk(tree):
        if id(node) in skipped or id(node) in log_calls:
            continue
        if isinstance(node, ast.stmt):
            for kind, text in _statement_alternatives(node):
                splice(node, text, kind)
            if isinstance(node, (ast.If, ast.While)) and id(node.test) not in skipped:
                splice(node.test, f"not ({ast.unparse(node.test)})", "negate-condition")
        elif isinstance(node, ast.expr):
            if isinstance(node, ast.JoinedStr) or _inside_fstring(node, tree):
                continue
            for kind, replacement in _alternatives(node):
                splice(node, f"({ast.unparse(replacement)})", kind)
    found.sort(key=lambda m: (m.line, m.kind, m.mutated))
    return _distinct(found)


def _distinct(found: list[Mutant]) -> list[Mutant]:
    """Two mutants that read the same on one line (`4` → `5` twice) get `#2`, `#3` on their kind (the walk order of the AST, which is fixed)."""
    seen: dict[str, int] = {}
    out = []
    for mutant in found:
        count = seen[mutant.key] = seen.get(mutant.key, 0) + 1
        out.append(mutant if count == 1 else Mutant(mutant.line, f"{mutant.kind}#{count}", mutant.original,
                                                     mutant.mutated, mutant.source))
    return out


_FSTRING_PARTS: dict[int, set[int]] = {}


def _inside_fstring(node: ast.AST, tree: ast.AST) -> bool:
    parts = _FSTRING_PARTS.get(id(tree))
    if parts is None:
        parts = {id(sub) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for sub in ast.walk(n)}
        _FSTRING_PARTS[id(tree)] = parts
    return id(node) in parts


def _col(source: str, offsets: list[int], lineno: int, byte_col: int) -> int:
    """ast's column offsets count UTF-8 bytes; turn one into a character offset within its line."""
    line = source[offsets[lineno - 1]:offsets[lineno]]
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


_DURATIONS_ENV = "VIBEOPS_MUTATION_DURATIONS"


def pytest_runtest_logreport(report) -> None:
    """A pytest hook (`-p tests.mutate`): each test's duration, so mutant runs can try the fastest first."""
    target = os.environ.get(_DURATIONS_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps([report.nodeid, report.duration, report.failed]) + "\n")


def coverage_map(copy_root: Path, module: str, tests: list[str]) -> tuple[dict[int, set[str]], float]:
    """line → test node IDs that ran it, and how long the whole set of tests took."""
    data_file = copy_root / ".mutation-coverage"
    durations_file = copy_root / ".mutation-durations"
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-p", "tests.mutate", f"--cov={Path(module).parent.as_posix()}", "--cov-context=test",
                             "--cov-report=", *tests], cwd=copy_root, capture_output=True, text=True,
                            env={**os.environ, "COVERAGE_FILE": str(data_file), _DURATIONS_ENV: str(durations_file)})
    took = time.perf_counter() - start
    DURATIONS.clear()
    failing: set[str] = set()
    if durations_file.exists():
        for raw in durations_file.read_text().splitlines():
            nodeid, seconds, failed = json.loads(raw)
            DURATIONS[nodeid] = DURATIONS.get(nodeid, 0.0) + seconds
            if failed:
                failing.add(nodeid)
    if result.returncode not in (0, 1) or (result.returncode == 1 and not failing):
        raise SystemExit(f"mutation: the tests cannot run:\n{result.stdout[-3000:]}")
    if failing:  # a test that fails on the original module would "kill" every mutant: leave it out, loudly
        print(f"mutation: {len(failing)} test(s) fail before any mutation and are left out:", file=sys.stderr)
        for nodeid in sorted(failing):
            print(f"  {nodeid}", file=sys.stderr)
    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    target = str((copy_root / module).resolve())
    by_line: dict[int, set[str]] = {}
    at_import: set[int] = set()  # lines run only while the module is imported (constants, decorators, defaults)
    for measured in data.measured_files():
        if Path(measured).resolve() == Path(target):
            for line, contexts in data.contexts_by_lineno(measured).items():
                tests_here = {c.rsplit("|", 1)[0] for c in contexts if c} - failing
                if tests_here:
                    by_line[line] = tests_here
                elif "" in contexts:
                    at_import.add(line)
    # What runs at import time shapes every later call: any test that runs this module may notice it.
    users = set().union(*by_line.values()) if by_line else set()
    for line in at_import:
        by_line[line] = users
    return by_line, took


DURATIONS: dict[str, float] = {}  # test node ID → seconds (setup + call + teardown) in the coverage run


def run_mutant(copy_root: Path, module: str, mutant: Mutant, tests: set[str], timeout: float) -> str:
    target = copy_root / module
    original = target.read_text()
    target.write_text(mutant.source)
    try:
        result = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                                 *sorted(tests, key=lambda t: (DURATIONS.get(t, 0.0), t))], cwd=copy_root, capture_output=True, text=True, timeout=timeout)
        return "survived" if result.returncode == 0 else "killed"
    except subprocess.TimeoutExpired:
        return "killed (timeout)"
    finally:
        target.write_text(original)


def make_copy(destination: Path) -> Path:
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache", "bench", "*.egg-info")
    shutil.copytree(ROOT, destination, ignore=ignore, symlinks=True)
    return destination


def equivalents(module: str) -> dict[str, str]:
    """`module:line:kind:mutated code  # reason` lines of tests/mutation_equivalents.txt, for `module`."""
    found = {}
    if EQUIVALENTS.exists():
        for raw in EQUIVALENTS.read_text().splitlines():
            if not raw.strip() or raw.startswith("#"):
                continue
            spec, _, reason = raw.partition("  # ")
            name, _, key = spec.partition(":")
            if name == module:
                found[key.strip()] = reason.strip()
    return found


def mutate_module(module: str, tests: list[str], jobs: int, lines: set[int] | None = None) -> dict:
    source = (ROOT / module).read_text()
    all_mutants = [m for m in mutants(source) if not lines or m.line in lines]
    known = equivalents(module)
    with tempfile.TemporaryDirectory(prefix="vibeops-mutation-") as scratch:
        copies = [make_copy(Path(scratch) / f"copy-{n}") for n in range(jobs)]
        if (ROOT.parent / "shared").exists():  # the real-data corpus beside each copy, as beside the checkout
            (Path(scratch) / "shared").symlink_to(ROOT.parent / "shared")
        by_line, baseline = coverage_map(copies[0], module, tests)
        timeout = max(30.0, 3 * baseline)
        results: list[dict] = []
        queue = list(all_mutants)

        def work(copy_root: Path) -> list[dict]:
            done = []
            while queue:
                try:
                    mutant = queue.pop()
                except IndexError:
                    break
                covering = by_line.get(mutant.line, set())
                if mutant.key in known:
                    outcome = "equivalent"
                elif not covering:
                    outcome = "not covered"
                else:
                    outcome = run_mutant(copy_root, module, mutant, covering, timeout)
                entry = {k: v for k, v in asdict(mutant).items() if k != "source"}
                done.append({**entry, "outcome": outcome, "tests": len(covering),
                             "reason": known.get(mutant.key)})
                progress(done[-1])
            return done

        total = len(all_mutants)

        def progress(entry: dict) -> None:
            print(f"  [{total - len(queue):>3}/{total}] line {entry['line']:>4} {entry['kind']:<16} {entry['outcome']}",
                  file=sys.stderr, flush=True)

        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for part in pool.map(work, copies):
                results.extend(part)
    results.sort(key=lambda r: (r["line"], r["kind"], r["mutated"]))
    counted = [r for r in results if r["outcome"] != "equivalent"]
    killed = [r for r in counted if r["outcome"].startswith("killed")]
    score = 100.0 * len(killed) / len(counted) if counted else 100.0
    checked = {k for k in known if not lines or int(k.split(":", 1)[0]) in lines}
    stale = sorted(checked - {f"{r['line']}:{r['kind']}:{r['mutated']}" for r in results})
    return {"module": module, "tests": tests, "mutants": len(results), "equivalent": len(results) - len(counted),
            "killed": len(killed), "score": round(score, 1), "stale_equivalents": stale,
            "survivors": [r for r in counted if not r["outcome"].startswith("killed")], "results": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="module paths, e.g. bot/app/delivery.py")
    parser.add_argument("--all", action="store_true", help="every module of the safety list")
    parser.add_argument("--tests", nargs="+", help="the test files to draw from (default: the module's list)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--lines", help="only the mutants on these lines, e.g. 29,31,46 (to re-check survivors)")
    parser.add_argument("--min-score", type=float, default=90.0)
    args = parser.parse_args(argv)
    modules = list(MODULES) if args.all else args.modules
    if not modules:
        parser.error("name a module or pass --all")
    OUT.mkdir(parents=True, exist_ok=True)
    failing = 0
    for module in modules:
        tests = args.tests or MODULES.get(module)
        if not tests:
            parser.error(f"{module}: no default tests; pass --tests")
        start = time.perf_counter()
        lines = {int(n) for n in args.lines.split(",")} if args.lines else None
        report = mutate_module(module, tests, max(1, args.jobs), lines)
        report["seconds"] = round(time.perf_counter() - start, 1)
        (OUT / f"mutation-{module.replace('/', '_')}.json").write_text(json.dumps(report, indent=2))
        print(f"{module}: {report['score']}% ({report['killed']} of {report['mutants'] - report['equivalent']} "
              f"killed, {report['equivalent']} equivalent) in {report['seconds']} s")
        for survivor in report["survivors"]:
            print(f"  line {survivor['line']:>4} {survivor['kind']:<16} {survivor['outcome']:<12} "
                  f"{survivor['original']!r} -> {survivor['mutated']!r}")
        for key in report["stale_equivalents"]:
            print(f"  stale entry in {EQUIVALENTS.name}: {module}:{key}")
        failing += report["score"] < args.min_score
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
