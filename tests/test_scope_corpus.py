"""Every hand-labelled question of the scope corpus (tests/scope_corpus, see its RULES.md) is answered right."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench.scope_eval import CORPUS, answer, tree_for

QUESTIONS = json.loads((CORPUS / "labels.json").read_text())


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: f"{q['case']}[{q['tool']}]")
def test_labelled_question(question):
    verdict, scanned = answer(question, tree_for(question))
    assert verdict == question["verdict"], question["why"]
    expected = sorted(question["scanned"]) if question["scanned"] is not None else None
    assert (sorted(scanned) if scanned is not None else None) == expected, question["why"]


def test_the_corpus_is_big_enough_and_covers_every_verdict():
    assert len({q["case"] for q in QUESTIONS}) >= 40
    assert {q["verdict"] for q in QUESTIONS} == {"exact", "broader", "narrower", "mismatch", "unknown"}


def test_the_evaluation_command_prints_its_figures():
    result = subprocess.run([sys.executable, "bench/scope_eval.py", "--json"], capture_output=True, text=True,
                            check=True, cwd=CORPUS.parents[1])
    figures = json.loads(result.stdout)
    assert figures["questions"] == len(QUESTIONS)
    assert figures["verdicts_right"] == figures["questions"] and figures["false_exact"] == 0
