"""Score the scope engine against the hand-labelled corpus: verdicts right, and no false `exact`."""

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

_TREES: dict[str, RepoTree] = {}


def tree_for(question: dict) -> RepoTree:
    """The synthetic repository a question is asked against: `repo/` unless its label names another."""
    name = question.get("repo", "repo")
    if name not in _TREES:
        _TREES[name] = RepoTree.from_directory(CORPUS / name)
    return _TREES[name]


def answer(question: dict, tree: RepoTree) -> tuple[str, list[str] | None]:
    """(verdict, scanned files or None when unknown) for one labelled question."""
    text = (CORPUS / "cases" / question["case"]).read_text()
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
        verdict, scanned = answer(question, tree_for(question))
        expected = sorted(question["scanned"]) if question["scanned"] is not None else None
        rows.append({**question, "got_verdict": verdict, "got_scanned": scanned,
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
    figures = {
        "questions": total,
        "cases": len({r["case"] for r in rows}),
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
    print(f"scope corpus: {figures['cases']} workflows, {total} labelled questions")
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
