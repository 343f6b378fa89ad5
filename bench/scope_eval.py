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
from bot.scope.verdict import compare  # noqa: E402
from bot.workflow import Workflow, WorkflowError  # noqa: E402

# The requested tool's scanner kinds, so e.g. a trivy question compares misconfiguration files.
SCANNERS = {"trivy": ("misconfig",)}


def answer(question: dict, tree: RepoTree) -> tuple[str, list[str] | None]:
    """(verdict, scanned files or None when unknown) for one labelled question."""
    text = (CORPUS / "cases" / question["case"]).read_text()
    try:
        workflow = Workflow.parse(f".github/workflows/{question['case']}", text)
    except WorkflowError:
        return "unknown", None
    steps = scanner_steps(workflow, tree)
    report = compare(question["requested"], steps, tool=question["tool"], scanners=SCANNERS.get(question["tool"]))
    return report.verdict, None if report.verdict == "unknown" else list(report.scanned)


def evaluate() -> list[dict]:
    tree = RepoTree.from_directory(CORPUS / "repo")
    rows = []
    for question in json.loads((CORPUS / "labels.json").read_text()):
        verdict, scanned = answer(question, tree)
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
    }
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"scope corpus: {figures['cases']} workflows, {total} labelled questions")
    print(f"  verdicts right      {figures['verdicts_right']}/{total} ({figures['verdicts_right'] / total:.0%})")
    print(f"  scanned sets right  {figures['scanned_sets_right']}/{total}")
    print(f"  false `exact`       {figures['false_exact']}  (target 0)")
    wrong = [r for r in rows if not (r["verdict_ok"] and r["scanned_ok"])]
    for r in wrong if args.verbose else wrong[:20]:
        print(f"  WRONG {r['case']} [{r['tool']}] expected {r['verdict']} {r['scanned']}; "
              f"got {r['got_verdict']} {r['got_scanned']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
