"""Files added later: a glob is proven as a pattern, not as today's list of the files it matches.

A request for `k8s/*.yaml` is met only by a workflow that will also scan `k8s/new.yaml` once someone adds
it, and that will not scan `k8s/sub/new.yaml`. Today's tree cannot tell `for f in k8s/*.yaml` from
`for f in k8s/**/*.yaml` (or from a step per file that exists today) when no such file exists yet, so the
scope is computed once more on the tree plus a few hypothetical files: paths that match a requested
pattern, or that a step's own pattern or folder would reach, each with the content of a file of the same
pattern today (so the tool reads it as it reads its neighbours). The verdict holds for the pattern only
when it holds on that tree too.

Witnesses fill `*` with a fresh name, `?` with one letter, and `**` with no folder, one and two folders; a
folder a step scans gets one beside and one below it for each requested file name, in `.yaml` and `.yml`.
A pattern with a `[...]` class gives no witness (its matches are still compared today).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable

from bot.globs import is_glob
from bot.repotree import RepoTree, normalize

LATER = "vibeops-later"  # the fresh name a witness uses for what a wildcard matches
_MAX_WITNESSES = 64  # hypothetical files per comparison: each one is scanned statically, once


def witnesses(pattern: str) -> list[str]:
    """Paths that match `pattern` (bash globstar reading), none hidden; [] for a class or a plain path."""
    pattern = normalize(pattern)
    if not is_glob(pattern) or "[" in pattern:
        return []
    paths = [""]
    for segment in pattern.split("/"):
        if segment == "**":
            options = ["", LATER, f"{LATER}/{LATER}"]
        else:
            options = [segment.replace("*", LATER).replace("?", "v")]
        paths = [posixpath.join(p, o) if o else p for p in paths for o in options]
    return list(dict.fromkeys(p for p in paths if p))


def later_files(tree: RepoTree, patterns: Iterable[str], roots: Iterable[str],
                reads: Callable[[str, RepoTree], bool]) -> dict[str, str]:
    """Hypothetical files (path → content) for the requested `patterns` and the steps' `roots`.

    `reads(path, tree)` tells whether the compared tool reads a file, to pick the content to copy.
    """
    patterns = [normalize(p) for p in patterns]
    sample: dict[str, str] = {}  # witness → the file today whose content it takes
    fallback = _source(tree, patterns, reads)
    if fallback is None:
        return {}
    for pattern in patterns:
        source = _source(tree, [pattern], reads) or fallback
        for path in witnesses(pattern):
            sample.setdefault(path, source)
    names = {posixpath.basename(p) for p in sample}
    names |= {n[:-5] + ".yml" for n in names if n.endswith(".yaml")} | {n[:-4] + ".yaml" for n in names
                                                                        if n.endswith(".yml")}
    for root in dict.fromkeys(normalize(r) for r in roots):
        if is_glob(root):
            source = _source(tree, [root], reads) or fallback
            for path in witnesses(root):
                sample.setdefault(path, source)
        elif tree.is_dir(root):  # a folder scan reaches what is added beside and below its files
            for name in sorted(names):
                for path in (posixpath.join(root, name), posixpath.join(root, LATER, name)):
                    sample.setdefault(normalize(path), fallback)
    found: dict[str, str] = {}
    for path, source in sample.items():
        if len(found) >= _MAX_WITNESSES:
            break
        if tree.exists(path) or _blocked(tree, path):
            continue
        text = tree.read_text(source)
        if text is not None:
            found[path] = text
    return found


def with_later(tree: RepoTree, files: dict[str, str]) -> RepoTree:
    """The tree plus the hypothetical files, built once (their content held in memory)."""
    if not files:
        return tree
    return RepoTree(files=tuple(sorted(set(tree.files) | set(files))), root=tree.root,
                    contents={**tree.contents, **files}, symlinks=tree.symlinks)


def _source(tree: RepoTree, patterns: list[str], reads: Callable[[str, RepoTree], bool]) -> str | None:
    """A file one of the patterns matches today, preferably one the tool reads."""
    matched = sorted({f for p in patterns for f in (tree.glob(p) if is_glob(p) else tree.files_under(p))})
    return next((f for f in matched if reads(f, tree)), matched[0] if matched else None)


def _blocked(tree: RepoTree, path: str) -> bool:
    """A witness below an existing file (`a.yaml/x`) cannot be added."""
    parent = posixpath.dirname(path)
    while parent:
        if tree.is_file(parent):
            return True
        parent = posixpath.dirname(parent)
    return False
