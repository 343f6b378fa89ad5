"""The labelled phrasing corpus (tests/phrasings.yaml): each request read into its expected typed request or refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.request import DEFAULT_FAIL_ON, DEFAULT_TRIGGERS, NOT_UNDERSTOOD, RequestError, parse_request

CORPUS = YAML(typ="safe", pure=True).load((Path(__file__).parent / "phrasings.yaml").read_text("utf-8"))
SCHEDULES = {"nightly": "0 3 * * *", "weekly": "0 3 * * 1", None: None}


def _id(entry: dict) -> str:
    return f"{entry['group']}:{entry['text'][:60]}"


def _targets(request) -> list[str]:
    return [t.path if t.kind in ("path", "glob") else f"{t.kind}:{t.path}" for t in request.targets]


def test_the_corpus_is_big_and_covers_every_group():
    groups = {e["group"] for e in CORPUS}
    assert len(CORPUS) >= 150
    assert groups == {"seed", "en", "ko", "typo", "refusal", "model"}
    assert sum(1 for e in CORPUS if e["group"] == "ko") >= 20
    assert sum(1 for e in CORPUS if "refused" in e) >= 20
    assert sum(1 for e in CORPUS if e.get("forbidden")) == 7
    assert len({e["text"] for e in CORPUS}) == len(CORPUS)  # no duplicate phrasings


@pytest.mark.parametrize("entry", [e for e in CORPUS if "refused" not in e], ids=_id)
def test_phrasing_reads_into_its_typed_request(entry):
    # free_form: read as with a model configured, so tools without a recipe yet still read (their own test
    # below checks the message without one); what is left unmapped must be exactly the labelled clauses.
    request = parse_request(entry["text"], free_form=True)
    if "unmapped" not in entry and set(request.tools) <= {"trivy", "actionlint", "vibeops"}:
        assert parse_request(entry["text"]) == request
    tools = entry.get("tools", ["trivy"])
    assert list(request.tools) == tools
    assert request.tool == tools[0]
    assert _targets(request) == [str(t) for t in entry["targets"]]
    assert request.fail_on == tuple(entry.get("fail_on", DEFAULT_FAIL_ON))
    assert request.fail_on_given == ("fail_on" in entry)
    assert request.triggers == tuple(entry.get("triggers", DEFAULT_TRIGGERS))
    assert request.schedule == SCHEDULES[entry.get("schedule")]
    assert request.upload_sarif == entry.get("sarif", False)
    assert request.required_check == entry.get("required", False)
    if tools[0] == "trivy":
        assert request.mode == entry.get("mode", "config")
        assert request.scanners == tuple(entry.get("scanners", ["misconfig"]))
    assert list(request.unmapped) == entry.get("unmapped", [])
    for note in entry.get("notes", []):
        assert note in request.notes
    if "notes" not in entry:
        assert not request.notes
    # Every clause is accounted for: each word of the request is in some clause.
    covered = " ".join(c.text for c in request.clauses)
    assert [c.text for c in request.clauses if c.field == NOT_UNDERSTOOD] == entry.get("unmapped", [])
    for target in request.targets:
        assert target.text and target.text in covered or target.path == ".github/workflows"


@pytest.mark.parametrize("entry", [e for e in CORPUS if "refused" in e], ids=_id)
def test_phrasing_is_refused_with_a_specific_message(entry):
    with pytest.raises(RequestError) as err:
        parse_request(entry["text"])
    message = str(err.value)
    for part in entry["refused"]:
        assert part in message
    if "clauses" in entry:
        assert list(err.value.clauses) == entry["clauses"]
    # A word that is not a path is never reported as a missing file.
    assert "does not exist" not in message


FORBIDDEN = [e for e in CORPUS if e.get("forbidden")]


@pytest.mark.parametrize("entry", FORBIDDEN, ids=_id)
def test_a_clause_vibeops_never_does_is_refused_even_with_a_model(entry):
    with pytest.raises(RequestError) as err:
        parse_request(entry["text"], free_form=True)
    assert "never deletes, deploys, changes or sends anything" in str(err.value)


def test_a_clause_that_is_merely_not_understood_goes_to_the_model_when_there_is_one():
    request = parse_request("add trivy scan for k8s nightly and make coffee", free_form=True)
    assert request.unmapped == ("make coffee",) and request.recipe is False
