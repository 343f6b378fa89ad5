"""The files of one revision of a repository, as a value the core can query."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.globs import glob_match

ROOT = "."


def normalize(path: str) -> str:
    """Canonical repo-relative spelling: no `./`, no trailing slash, `.` for the root."""
    cleaned = posixpath.normpath(path.strip().replace("\\", "/")) if path.strip() else ROOT
    return ROOT if cleaned in ("", ".") else cleaned


def is_under(path: str, root: str) -> bool:
    return root == ROOT or path == root or path.startswith(root + "/")


@dataclass(frozen=True)
class RepoTree:
    """File paths of a snapshot plus a way to read them; built from a folder or a mapping."""

    files: tuple[str, ...]
    root: Path | None = None
    contents: Mapping[str, str] = field(default_factory=dict)
    symlinks: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, contents: Mapping[str, str]) -> "RepoTree":
        return cls(files=tuple(sorted(contents)), contents=dict(contents))

    @classmethod
    def from_directory(cls, root: Path) -> "RepoTree":
        found: list[str] = []
        links: dict[str, str] = {}
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            for name in filenames:
                rel = normalize(posixpath.join(rel_dir, name))
                found.append(rel)
                full = Path(dirpath, name)
                if full.is_symlink():
                    links[rel] = os.readlink(full)
            for name in dirnames:
                full = Path(dirpath, name)
                if full.is_symlink():
                    links[normalize(posixpath.join(rel_dir, name))] = os.readlink(full)
        return cls(files=tuple(sorted(found)), root=root, symlinks=links)

    def with_file(self, path: str, text: str) -> "RepoTree":
        """This tree plus one added or replaced file (a draft the pipeline is judging)."""
        path = normalize(path)
        overlay = dict(self.contents)
        overlay[path] = text
        files = tuple(sorted(set(self.files) | {path}))
        tree = RepoTree(files=files, root=self.root, contents=overlay, symlinks=self.symlinks)
        # What was learnt about the other files still holds; tree-wide answers do not.
        tree.__dict__["_memo"] = {k: v for k, v in self._memo.items() if k[1] not in (path, None)}
        return tree

    def memo(self, key: tuple, compute):
        """Cache a derived fact, keyed (kind, path or None), for the life of this tree value."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def _memo(self) -> dict:
        return self.__dict__.setdefault("_memo", {})

    @property
    def directories(self) -> frozenset[str]:
        dirs = {ROOT}
        for path in self.files:
            parent = posixpath.dirname(path)
            while parent and parent not in dirs:
                dirs.add(parent)
                parent = posixpath.dirname(parent)
        return frozenset(dirs)

    def is_file(self, path: str) -> bool:
        return normalize(path) in self._file_set

    def is_dir(self, path: str) -> bool:
        return normalize(path) in self.directories

    def exists(self, path: str) -> bool:
        return self.is_file(path) or self.is_dir(path)

    def files_under(self, path: str) -> tuple[str, ...]:
        path = normalize(path)
        if self.is_file(path):
            return (path,)
        return tuple(f for f in self.files if is_under(f, path))

    def glob(self, pattern: str) -> tuple[str, ...]:
        pattern = normalize(pattern)
        return tuple(f for f in self.files if glob_match(pattern, f))

    def escapes_root(self, path: str) -> bool:
        """True when following the symlinks on the way to `path` leads outside the repository."""
        pending = normalize(path).split("/")
        resolved: list[str] = []
        hops = 0
        while pending:
            part = pending.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if not resolved:
                    return True
                resolved.pop()
                continue
            candidate = "/".join(resolved + [part])
            target = self.symlinks.get(candidate)
            if target is None:
                resolved.append(part)
                continue
            hops += 1
            if target.startswith("/") or hops > 40:
                return True
            pending = target.split("/") + pending  # resolved relative to the link's folder
        return False

    def read_text(self, path: str) -> str | None:
        """The file's text, or None when it is missing, binary or not readable."""
        path = normalize(path)
        if path in self.contents:
            return self.contents[path]
        if self.root is None or path not in self._file_set or self.escapes_root(path):
            return None
        full = (self.root / path).resolve()
        if not full.is_relative_to(self.root.resolve()):
            return None
        try:
            return full.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    @property
    def _file_set(self) -> frozenset[str]:
        cached = self.__dict__.get("_file_set_cache")
        if cached is None:
            cached = frozenset(self.files)
            object.__setattr__(self, "_file_set_cache", cached)
        return cached


def all_paths(tree: RepoTree) -> Iterable[str]:
    yield from tree.files
    yield from sorted(tree.directories - {ROOT})
