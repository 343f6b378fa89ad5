"""The vetted actions a workflow may use, each pinned to a verified commit SHA."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Pin:
    action: str
    tag: str
    commit: str
    tag_date: str

    @property
    def uses(self) -> str:
        return f"{self.action}@{self.commit}"


class UnknownAction(LookupError):
    """An action that is not in the catalog, so no verified SHA exists for it."""


@dataclass(frozen=True)
class Catalog:
    pins: tuple[Pin, ...]
    paths: tuple[tuple[str, str], ...] = ()  # (owner/repo, path) of the actions inside a catalogued repository

    @classmethod
    def from_json(cls, text: str) -> "Catalog":
        data = json.loads(text)
        paths = tuple((repo.lower(), path) for repo, listed in (data.get("paths") or {}).items() for path in listed)
        return cls(tuple(Pin(e["action"], e["tag"], e["commit"], e["tag_date"]) for e in data["actions"]), paths)

    def allows(self, uses: str) -> bool:
        """`owner/repo[/path]@sha` exactly as catalogued: a listed pin, and a path the catalog lists."""
        action, at, commit = uses.partition("@")
        parts = action.split("/")
        if not at or len(parts) < 2 or any(not p or p in (".", "..") for p in parts):
            return False
        owner_repo, path = "/".join(parts[:2]), "/".join(parts[2:])
        if path and (owner_repo.lower(), path) not in self.paths:
            return False
        return any(p.action.lower() == owner_repo.lower() and p.commit == commit for p in self.pins)

    def latest(self, uses: str) -> tuple[str, Pin]:
        """`owner/repo[/path]` → (`owner/repo[/path]@sha`, pin) for the newest catalogued tag."""
        owner_repo = "/".join(uses.split("/")[:2])
        candidates = [p for p in self.pins if p.action.lower() == owner_repo.lower()]
        if not candidates:
            raise UnknownAction(f"{owner_repo} is not in the action catalog")
        newest = max(candidates, key=lambda p: p.tag_date)
        return f"{uses}@{newest.commit}", newest

    def knows(self, action: str, commit: str) -> bool:
        owner_repo = "/".join(action.split("/")[:2]).lower()
        return any(p.action.lower() == owner_repo and p.commit == commit for p in self.pins)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return Catalog.from_json(resources.files("bot.workflows").joinpath("actions.json").read_text("utf-8"))
