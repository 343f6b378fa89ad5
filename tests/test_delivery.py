"""Webhook protocol without I/O: signatures, and which comments become commands."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from bot.app.delivery import CommentCommand, command_text, parse_command, signature_valid
from tests.realdata import realdata


def hook(name: str) -> Path:
    """One of GitHub's example deliveries, read in place from the shared real-data corpus."""
    return realdata("webhooks", *name.split("/"))


def real(name: str) -> dict:
    return json.loads(hook(name).read_text())


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signature_is_hmac_sha256_of_the_raw_body():
    body = hook("issue_comment/created.payload.json").read_bytes()
    assert signature_valid(body, sign(body, "s3cret"), "s3cret")
    assert not signature_valid(body, sign(body, "other"), "s3cret")
    assert not signature_valid(body + b" ", sign(body, "s3cret"), "s3cret")
    assert not signature_valid(body, None, "s3cret")
    assert not signature_valid(body, "sha1=" + hashlib.sha1(body).hexdigest(), "s3cret")


@pytest.mark.parametrize("body, expected", [
    ("/vibeops add trivy scan for a.yaml", "add trivy scan for a.yaml"),
    ("\n\n  /vibeops add trivy scan for a.yaml  \nfail on medium", "add trivy scan for a.yaml\nfail on medium"),
    ("/vibeops", ""),
    ("/vibeops help", "help"),
    ("please /vibeops add trivy", None),
    ("/vibeopsx add", None),
    ("> /vibeops quoted", None),
    ("", None),
    (None, None),
])
def test_a_command_is_a_comment_whose_first_line_starts_with_the_prefix(body, expected):
    assert command_text(body) == expected


def with_comment(payload: dict, body: str, **user) -> dict:
    payload["comment"]["body"] = body
    payload["comment"]["user"].update(user)
    payload["installation"] = {"id": 77, "node_id": "x"}
    return payload


def test_issue_comment_created_from_the_real_payload():
    payload = with_comment(real("issue_comment/created.payload.json"), "/vibeops add trivy scan for a.yaml")
    cmd, why = parse_command("issue_comment", "d-1", payload, "vibeops[bot]")
    assert why == ""
    assert cmd == CommentCommand(
        delivery_id="d-1", event="issue_comment", installation_id=77, repo=payload["repository"]["full_name"],
        number=payload["issue"]["number"], is_pull_request=False, comment_id=payload["comment"]["id"],
        comment_url=payload["comment"]["html_url"], author=payload["comment"]["user"]["login"],
        text="add trivy scan for a.yaml")
    assert CommentCommand.from_dict(json.loads(json.dumps(cmd.to_dict()))) == cmd


def test_issue_comment_on_a_pull_request_and_review_comment():
    payload = with_comment(real("issue_comment/created.payload.json"), "/vibeops help")
    payload["issue"]["pull_request"] = {"url": "https://api.github.com/repos/o/r/pulls/1"}
    cmd, _ = parse_command("issue_comment", "d", payload, "vibeops[bot]")
    assert cmd.is_pull_request
    review = with_comment(real("pull_request_review_comment/created.payload.json"), "/vibeops help")
    cmd, _ = parse_command("pull_request_review_comment", "d", review, "vibeops[bot]")
    assert cmd.is_pull_request and cmd.number == review["pull_request"]["number"]
    assert cmd.event == "pull_request_review_comment"


@pytest.mark.parametrize("event, name, change, reason", [
    ("issue_comment", "issue_comment/edited.payload.json", {}, "edited is not handled"),
    ("issue_comment", "issue_comment/deleted.payload.json", {}, "deleted is not handled"),
    ("pull_request_review_comment", "pull_request_review_comment/edited.payload.json", {}, "edited"),
    ("issue_comment", "issue_comment/created.payload.json", {"type": "Bot"}, "bots"),
    ("issue_comment", "issue_comment/created.payload.json", {"login": "vibeops[bot]"}, "bots"),
    ("issue_comment", "issue_comment/created.payload.json", {"login": "renovate[bot]"}, "bots"),
    ("push", "push/with-installation.payload.json", None, "event push"),
])
def test_ignored_deliveries_say_why(event, name, change, reason):
    payload = real(name)
    if change is not None:
        with_comment(payload, "/vibeops add trivy scan for a.yaml", **change)
    cmd, why = parse_command(event, "d", payload, "vibeops[bot]")
    assert cmd is None and reason in why


def test_plain_comments_are_not_commands():
    payload = with_comment(real("issue_comment/created.payload.json"), "LGTM, thanks!")
    assert parse_command("issue_comment", "d", payload, "vibeops[bot]") == (None, "not a /vibeops command")
