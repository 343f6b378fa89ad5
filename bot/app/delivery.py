"""Webhook protocol without I/O: verify a delivery's signature and turn it into a command event."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import asdict, dataclass

COMMAND_PREFIX = "/vibeops"
MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


def signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    """X-Hub-Signature-256 is `sha256=` + HMAC-SHA256(secret, raw body); compared in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    try:  # a header is text of any kind: anything but ASCII hex cannot be the signature
        given = header.encode("ascii")
    except UnicodeEncodeError:
        return False
    expected = b"sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, given)


@dataclass(frozen=True)
class CommentCommand:
    """A `/vibeops …` comment, with what the worker needs to answer it. Never a token."""

    delivery_id: str
    event: str  # issue_comment | pull_request_review_comment
    installation_id: int
    repo: str
    number: int  # the issue or pull request the comment is on
    is_pull_request: bool
    comment_id: int
    comment_url: str
    author: str
    text: str  # everything after `/vibeops` on the first line, plus any following lines

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> "CommentCommand":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def command_text(body: str | None) -> str | None:
    """The command when the first non-empty line starts with `/vibeops`, else None.

    As Markdown reads it: a line indented by four spaces or a tab is code, not a command (and a
    fenced block or a quote starts with its fence or `>`, so neither is one either)."""
    lines = (body or "").replace("\r\n", "\n").split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    if "\t" in indent or len(indent.expandtabs(4)) >= 4:
        return None
    head = lines[first].strip()
    if head[:1] == "@":  # `@vibeops …` starts a command as `/vibeops …` does
        head = "/" + head[1:]
    if head != COMMAND_PREFIX and not head.startswith(COMMAND_PREFIX + " "):
        return None
    rest = [head[len(COMMAND_PREFIX):].strip()] + [l.rstrip() for l in lines[first + 1:]]
    return "\n".join(rest).strip()


def parse_command(event: str, delivery_id: str, payload: Mapping, bot_login: str) -> tuple[CommentCommand | None, str]:
    """(command, "") for a comment we must act on, else (None, why it is ignored)."""
    if event not in ("issue_comment", "pull_request_review_comment"):
        return None, f"event {event} is not handled"
    if payload.get("action") != "created":
        return None, f"{event}.{payload.get('action')} is not handled"
    comment = payload.get("comment") or {}
    user = comment.get("user") or {}
    sender = payload.get("sender") or {}
    login = str(user.get("login", ""))
    if user.get("type") == "Bot" or sender.get("type") == "Bot" or login.endswith("[bot]") or login == bot_login:
        return None, "comments by bots are ignored"
    text = command_text(comment.get("body"))
    if text is None:
        return None, "not a /vibeops command"
    installation = (payload.get("installation") or {}).get("id")
    repo = (payload.get("repository") or {}).get("full_name")
    if not installation or not repo:
        return None, "delivery has no installation or repository"
    if event == "issue_comment":
        issue = payload.get("issue") or {}
        number, is_pr = issue.get("number"), bool(issue.get("pull_request"))
    else:
        number, is_pr = (payload.get("pull_request") or {}).get("number"), True
    if not number:
        return None, "delivery has no issue or pull request number"
    return CommentCommand(
        delivery_id=delivery_id, event=event, installation_id=int(installation), repo=str(repo),
        number=int(number), is_pull_request=is_pr, comment_id=int(comment.get("id", 0)),
        comment_url=str(comment.get("html_url", "")), author=login, text=text,
    ), ""


@dataclass(frozen=True)
class PullRequestChange:
    """A pull request opened or pushed to: its workflows are checked again. Never a token."""

    delivery_id: str
    installation_id: int
    repo: str
    number: int
    head_sha: str
    head_ref: str
    closed_unmerged: bool = False  # closed without merging: only the branch clean-up applies

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> "PullRequestChange":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def parse_pull_request(delivery_id: str, payload: Mapping) -> tuple[PullRequestChange | None, str]:
    pull = payload.get("pull_request") or {}
    closed_unmerged = payload.get("action") == "closed" and not pull.get("merged")
    if payload.get("action") not in ("opened", "synchronize", "reopened") and not closed_unmerged:
        return None, f"pull_request.{payload.get('action')} is not handled"
    installation = (payload.get("installation") or {}).get("id")
    repo = (payload.get("repository") or {}).get("full_name")
    head = pull.get("head") or {}
    if not installation or not repo or not pull.get("number") or not head.get("sha"):
        return None, "delivery has no installation, repository or head commit"
    return PullRequestChange(delivery_id, int(installation), str(repo), int(pull["number"]), str(head["sha"]),
                             str(head.get("ref", "")), closed_unmerged), ""
