"""What every route handler shares: the request context and GitHub-shaped error answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

from tests.fakegithub.state import Repo

DOCS = "https://docs.github.com/rest"


@dataclass
class Ctx:
    request: Request
    params: dict[str, str]
    body: Any
    repo: Repo | None = None
    installation: int | None = None


class Reply(Exception):
    """Raised by handlers to answer with an error status."""

    def __init__(self, status: int, message: str, docs: str = DOCS, **extra: Any):
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "documentation_url": docs, "status": str(status), **extra}


def not_found(docs: str = DOCS) -> Reply:
    return Reply(404, "Not Found", docs)


def known_number(numbered: dict[int, Any], number: str, docs: str) -> int:
    """The issue or pull request number of a path, or a 404 when the repository has none such."""
    if int(number) not in numbered:
        raise not_found(docs)
    return int(number)


def validation(errors: list[dict], docs: str) -> Reply:
    return Reply(422, "Validation Failed", docs, errors=errors)


def workflow_refused(path: str, docs: str) -> Reply:
    # Message as GitHub words it (see the report for sources); 403 like the Contents/refs APIs answer.
    return Reply(403, f"refusing to allow a GitHub App to create or update workflow `{path}` "
                      "without `workflows` permission", docs)

