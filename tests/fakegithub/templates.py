"""GitHub's spec examples and recorded responses, loaded once and handed out as fresh copies."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

GITHUB_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "github"
FIXTURES = GITHUB_FIXTURES / "api"
SPEC = FIXTURES / "spec-examples"
RECORDED = FIXTURES / "recorded-octokit-fixtures"

_TEMPLATES: dict[str, Any] = {}


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def template(name: str) -> Any:
    """A fresh copy of a spec example (or a recorded response), loaded once."""
    if name not in _TEMPLATES:
        if name == "issue":
            _TEMPLATES[name] = _load(RECORDED / "add-labels-to-issue.normalized-fixture.json")[0]["response"]
        elif name == "review-comment":
            # The REST API returns review comments in the same shape as the webhook's `comment`.
            webhook = GITHUB_FIXTURES / "webhooks"
            _TEMPLATES[name] = _load(webhook / "pull_request_review_comment" / "created.payload.json")["comment"]
        else:
            _TEMPLATES[name] = _load(SPEC / f"{name}.json")
    return copy.deepcopy(_TEMPLATES[name])


def swap(obj: Any, pairs: list[tuple[str, str]]) -> Any:
    """Replace substrings in every string of a template (never applied to user content)."""
    if isinstance(obj, dict):
        return {k: swap(v, pairs) for k, v in obj.items()}
    if isinstance(obj, list):
        return [swap(v, pairs) for v in obj]
    if isinstance(obj, str):
        for old, new in pairs:
            obj = obj.replace(old, new)
    return obj
