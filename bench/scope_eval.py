"""Score the scope engine against the hand-labelled corpus: verdicts right, and no false `exact`.

Synthetic cases live in tests/scope_corpus/cases/; real-world cases (labels with a `source`) are public
workflows read in place from the shared real-data corpus beside the checkout (`../shared/realdata/`,
or VIBEOPS_REALDATA). Without it only the synthetic cases are scored, and the figures say so.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "scope_corpus"
sys.path.insert(0, str(ROOT))

from bot.repotree import RepoTree  # noqa: E402
from bot.scope.steps import scanner_steps  # noqa: E402
from bot.scope.tools import mode_and_scanners  # noqa: E402
from bot.scope.verdict import compare  # noqa: E402
from bot.workflow import Workflow, WorkflowError  # noqa: E402
from tests.realdata import ABSENT, REALDATA  # noqa: E402

_TREES: dict[str, RepoTree] = {}


def tree_for(question: dict) -> RepoTree:
    """The synthetic repository a question is asked against: `repo/` unless its label names another."""
    name = question.get("repo", "repo")
    if name not in _TREES:
        _TREES[name] = RepoTree.from_directory(CORPUS / name)
    return _TREES[name]


def case_path(question: dict) -> Path:
    """The workflow a question is about: a synthetic case here, or a real-world one in the shared corpus."""
    source = question.get("source")
    return REALDATA / source if source else CORPUS / "cases" / question["case"]


def origin(question: dict) -> str:
    return "real-world" if question.get("source") else "synthetic"


def answer(question: dict, tree: RepoTree) -> tuple[str, list[str] | None]:
    """(verdict, scanned files or None when unknown) for one labelled question."""
    text = case_path(question).read_text()
    try:
        workflow = Workflow.parse(f".github/workflows/{question['case']}", text)
    except WorkflowError:
        return "unknown", None
    steps = scanner_steps(workflow, tree)
    # The requested tool's scanner kinds, so e.g. a trivy question compares misconfiguration files.
    scanners = mode_and_scanners(question["tool"])[1] or None
    report = compare(question["requested"], steps, tool=question["tool"], scanners=scanners)
    return report.verdict, None if report.verdict == "unknown" else list(report.scanned)


def evaluate() -> list[dict]:
    rows = []
    for question in json.loads((CORPUS / "labels.json").read_text()):
        if not case_path(question).is_file():
            continue  # a real-world case without the shared corpus beside the checkout
        verdict, scanned = answer(question, tree_for(question))
        expected = sorted(question["scanned"]) if question["scanned"] is not None else None
        rows.append({**question, "origin": origin(question), "got_verdict": verdict, "got_scanned": scanned,
                     "verdict_ok": verdict == question["verdict"],
                     "scanned_ok": (scanned is None and expected is None) or (
                         scanned is not None and expected is not None and sorted(scanned) == expected),
                     "false_exact": verdict == "exact" and question["verdict"] != "exact"})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--verbose", action="store_true", help="list every wrong answer")
    args = parser.parse_args()
    rows = evaluate()
    total = len(rows)
    labelled = json.loads((CORPUS / "labels.json").read_text())
    figures = {
        "questions": total,
        "cases": len({r["case"] for r in rows}),
        "real_world_questions": sum(r["origin"] == "real-world" for r in rows),
        "synthetic_questions": sum(r["origin"] == "synthetic" for r in rows),
        "real_world_cases": len({r["case"] for r in rows if r["origin"] == "real-world"}),
        "synthetic_cases": len({r["case"] for r in rows if r["origin"] == "synthetic"}),
        "not_scored": len(labelled) - total,
        "verdicts_right": sum(r["verdict_ok"] for r in rows),
        "scanned_sets_right": sum(r["scanned_ok"] for r in rows),
        "false_exact": sum(r["false_exact"] for r in rows),
        "per_tool": {tool: {"questions": len(mine), "verdicts_right": sum(r["verdict_ok"] for r in mine),
                            "synthetic": sum(r["case"].startswith("syn-") for r in mine),
                            "false_exact": sum(r["false_exact"] for r in mine)}
                     for tool in sorted({r["tool"] for r in rows})
                     for mine in [[r for r in rows if r["tool"] == tool]]},
    }
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"scope corpus: {figures['cases']} workflows, {total} labelled questions "
          f"({figures['real_world_cases']} real-world workflows read in place with "
          f"{figures['real_world_questions']} questions, {figures['synthetic_cases']} synthetic with "
          f"{figures['synthetic_questions']})")
    if figures["not_scored"]:
        print(f"  {figures['not_scored']} real-world questions not scored: {ABSENT}")
    for kind in ("real-world", "synthetic"):
        part = [r for r in rows if r["origin"] == kind]
        if part:
            print(f"  {kind:<10} verdicts right {sum(r['verdict_ok'] for r in part)}/{len(part)}, "
                  f"false `exact` {sum(r['false_exact'] for r in part)}")
    print(f"  verdicts right      {figures['verdicts_right']}/{total} ({figures['verdicts_right'] / total:.0%})")
    print(f"  scanned sets right  {figures['scanned_sets_right']}/{total}")
    print(f"  false `exact`       {figures['false_exact']}  (target 0)")
    print(f"  {'tool':<14} {'right':>9} {'synthetic':>10}")
    for tool, row in figures["per_tool"].items():
        print(f"  {tool:<14} {row['verdicts_right']:>4}/{row['questions']:<4} {row['synthetic']:>10}")
    wrong = [r for r in rows if not (r["verdict_ok"] and r["scanned_ok"])]
    for r in wrong if args.verbose else wrong[:20]:
        print(f"  WRONG {r['case']} [{r['tool']}] expected {r['verdict']} {r['scanned']}; "
              f"got {r['got_verdict']} {r['got_scanned']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
