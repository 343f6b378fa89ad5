"""Unpack a repository archive into a folder, dropping links that would point outside it."""

from __future__ import annotations

import tarfile
from collections.abc import Iterable
from pathlib import Path

from bot.repotree import RepoTree


def unpack(tar: tarfile.TarFile, root: Path, members: Iterable[tarfile.TarInfo] | None = None) -> RepoTree:
    """The archive's files as a RepoTree; a link that leaves the tree is left out but remembered,
    so a request for it can be refused as "outside the repository" rather than "not found"."""
    escaping: dict[str, str] = {}

    def keep_inside(member: tarfile.TarInfo, dest: str):
        try:
            return tarfile.data_filter(member, dest)
        except tarfile.FilterError:
            escaping[member.name] = member.linkname
            return None

    tar.extractall(root, members=members, filter=keep_inside)
    tree = RepoTree.from_directory(root)
    if escaping:
        tree = RepoTree(tree.files, tree.root, tree.contents, {**tree.symlinks, **escaping})
    return tree
