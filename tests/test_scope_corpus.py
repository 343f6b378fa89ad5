"""Every hand-labelled question of the scope corpus (tests/scope_corpus, see its RULES.md) is answered right.

Synthetic cases are in tests/scope_corpus/cases/; real-world cases (a `source` in labels.json) are public
workflows read in place from the shared real-data corpus (tests/realdata.py: skipped without it, a failure
under CI).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench.scope_eval import CORPUS, answer, tree_for
from bot.repotree import RepoTree
from tests.realdata import realdata

QUESTIONS = json.loads((CORPUS / "labels.json").read_text())
REAL_WORLD = [q for q in QUESTIONS if q.get("source")]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q['case']}[{q['tool']}]")
def test_labelled_question(question):
    if question.get("source"):
        realdata(*question["source"].split("/"))
    verdict, scanned = answer(question, tree_for(question))
    assert verdict == question["verdict"], question["why"]
    expected = sorted(question["scanned"]) if question["scanned"] is not None else None
    assert (sorted(scanned) if scanned is not None else None) == expected, question["why"]


def test_the_corpus_is_big_enough_and_covers_every_verdict():
    assert len({q["case"] for q in QUESTIONS}) >= 40
    assert {q["verdict"] for q in QUESTIONS} == {"exact", "broader", "narrower", "mismatch", "unknown"}


def test_synthetic_cases_are_here_and_real_world_cases_are_only_referenced():
    here = {p.name for p in (CORPUS / "cases").iterdir()}
    for question in QUESTIONS:
        if question.get("source"):
            assert question["case"] not in here, f"{question['case']} is third-party: read it from its source"
            assert question["source"].startswith("workflows/") and ".." not in question["source"].split("/")
        else:
            assert question["case"] in here
    assert here <= {q["case"] for q in QUESTIONS}, "every synthetic case is labelled"


def test_the_evaluation_command_prints_its_figures():
    result = subprocess.run([sys.executable, "bench/scope_eval.py", "--json"], capture_output=True, text=True,
                            check=True, cwd=CORPUS.parents[1])
    figures = json.loads(result.stdout)
    assert figures["synthetic_questions"] == len(QUESTIONS) - len(REAL_WORLD)
    assert figures["verdicts_right"] == figures["questions"] and figures["false_exact"] == 0
    if figures["not_scored"]:
        realdata("workflows")  # the real-world cases were not scored: skip (fail under CI) with the reason
    assert figures["questions"] == len(QUESTIONS) and figures["real_world_questions"] == len(REAL_WORLD)
