"""The fake GitHub's own shapes (tests/fakegithub/templates.py) have every key of GitHub's real examples.

The examples are third-party data and stay in the shared real-data corpus; they are read in place here
(tests/realdata.py: skipped when the corpus is absent, a failure under CI).
"""

from __future__ import annotations

import json

import pytest

from tests.fakegithub.templates import NAMES, template
from tests.realdata import realdata

# Each shape and the real example it follows: (path under realdata/, key inside the file or None).
EXAMPLES = {
    "apps__create-installation-access-token.201":
        ("github-api/spec-examples/apps__create-installation-access-token.201.json", None),
    "apps__get-repo-installation.200": ("github-api/spec-examples/apps__get-repo-installation.200.json", None),
    "checks__create.201.example-of-completed-conclusion":
        ("github-api/spec-examples/checks__create.201.example-of-completed-conclusion.json", None),
    "issue": ("github-api/recorded-octokit-fixtures/add-labels-to-issue.normalized-fixture.json", "response"),
    "issues__create-comment.201": ("github-api/spec-examples/issues__create-comment.201.json", None),
    "pulls__create.201": ("github-api/spec-examples/pulls__create.201.json", None),
    "reactions__create-for-issue-comment.201":
        ("github-api/spec-examples/reactions__create-for-issue-comment.201.json", None),
    "repos__get.200": ("github-api/spec-examples/repos__get.200.json", None),
    "review-comment": ("webhooks/pull_request_review_comment/created.payload.json", "comment"),
    "webhook:issue_comment": ("webhooks/issue_comment/created.with-installation.payload.json", None),
    "webhook:pull_request_review_comment": ("webhooks/pull_request_review_comment/created.payload.json", None),
    "webhook:ping": ("webhooks/ping/with-app_id.payload.json", None),
}
# Keys the fake leaves out on purpose: its repositories are user-owned and never forks, and permission
# maps are filled from the fake's state, so the example's particular permissions do not apply.
LEFT_OUT = {"repos__get.200": {".organization", ".parent", ".source"}, "webhook:issue_comment": {".organization"}}


def missing_keys(ours, real, path: str = "") -> list[str]:
    if isinstance(real, list) and isinstance(ours, list) and real and ours:
        return missing_keys(ours[0], real[0], f"{path}[0]")
    if not (isinstance(real, dict) and isinstance(ours, dict)) or path.endswith(".permissions"):
        return []
    found = [f"{path}.{key}" for key in real if key not in ours]
    for key in real.keys() & ours.keys():
        found += missing_keys(ours[key], real[key], f"{path}.{key}")
    return found


def test_every_shape_names_its_example():
    assert set(EXAMPLES) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_shape_has_every_key_of_the_real_example(name):
    relative, key = EXAMPLES[name]
    real = json.loads(realdata(*relative.split("/")).read_text())
    if isinstance(real, list):  # a recorded exchange: the first response
        real = real[0]
    if key:
        real = real[key]
    assert sorted(set(missing_keys(template(name), real)) - LEFT_OUT.get(name, set())) == []


def test_the_comparison_notices_a_missing_key():
    ours = template("repos__get.200")
    del ours["owner"]["login"], ours["topics"]
    assert set(missing_keys(ours, template("repos__get.200"))) == {".owner.login", ".topics"}
