"""Unpack a repository archive into a folder: bounded, inside the folder, and cleaned up afterwards.

A repository's archive is untrusted: it may be huge, expand to far more than its size, hold
100k files, or name paths outside the folder. The headers are checked before anything is written
(bytes, expanded bytes, file count; a name that leaves the folder or a device file refuses the
whole archive), so a refused archive leaves nothing half-written. A symbolic link that points
outside the tree (git allows those) is left out but remembered, so a request for it can be refused
as "outside the repository" rather than "not found".
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.forge import ForgeError
from bot.repotree import RepoTree

log = logging.getLogger("vibeops.snapshot")

SNAPSHOT_PREFIX = "vibeops-snapshot-"
# Folders vibeops makes under the temporary folder (`owned_folder`); what a killed process left is
# removed when the next one starts.
KINDS = ("snapshot", "tool", "trivy", "zizmor", "index", "actionlint")
_OWNED = re.compile(r"vibeops-(?:%s)-(\d+)\.([0-9a-f]+)-" % "|".join(KINDS))
_STALE_SECONDS = 6 * 3600
# This process's incarnation: after a restart a new process may have the old one's PID.
_INCARNATION = secrets.token_hex(4)


class SnapshotTooLarge(ForgeError):
    """The repository's archive is over one of the server's snapshot limits; nothing was unpacked."""


@dataclass(frozen=True)
class SnapshotLimits:
    """What one snapshot may cost (server settings VIBEOPS_SNAPSHOT_MAX_*)."""

    archive_bytes: int = 200 << 20  # the archive as downloaded (compressed)
    expanded_bytes: int = 1 << 30  # the files' sizes added up
    files: int = 50_000  # files, links and folders
    export_ignored: int = 300  # files hidden by export-ignore, fetched one by one from the commit's tree

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "SnapshotLimits":
        env = os.environ if env is None else env
        values = {}
        for attr, name, scale in (("archive_bytes", "VIBEOPS_SNAPSHOT_MAX_ARCHIVE_MB", 1 << 20),
                                  ("expanded_bytes", "VIBEOPS_SNAPSHOT_MAX_EXPANDED_MB", 1 << 20),
                                  ("files", "VIBEOPS_SNAPSHOT_MAX_FILES", 1),
                                  ("export_ignored", "VIBEOPS_SNAPSHOT_MAX_EXPORT_IGNORED", 1)):
            raw = env.get(name, "").strip()
            if not raw:
                continue
            if not raw.isdigit() or int(raw) < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, not {raw!r}")
            values[attr] = int(raw) * scale
        return cls(**values)

    def too_big_archive(self, size: int | None = None) -> str:
        got = f" ({size >> 20} MB)" if size is not None else ""
        return (f"the repository's archive is over the server's limit of {self.archive_bytes >> 20} MB{got}; "
                "vibeops did not read it (VIBEOPS_SNAPSHOT_MAX_ARCHIVE_MB)")


def unpack(tar: tarfile.TarFile, root: Path, members: Iterable[tarfile.TarInfo] | None = None,
           limits: SnapshotLimits | None = None) -> RepoTree:
    """The archive's files as a RepoTree, unpacked under `root` once every header passed the limits.

    Raises SnapshotTooLarge or ForgeError (and `root` is left empty) when the archive is refused.
    """
    limits = limits or SnapshotLimits()
    chosen = _checked(tar if members is None else members, limits)
    escaping: dict[str, str] = {}

    def keep_inside(member: tarfile.TarInfo, dest: str):
        try:
            return tarfile.data_filter(member, dest)
        except (tarfile.AbsoluteLinkError, tarfile.LinkOutsideDestinationError):
            escaping[member.name] = member.linkname
            return None

    try:
        tar.extractall(root, members=chosen, filter=keep_inside)
    except (tarfile.FilterError, tarfile.TarError, OSError) as exc:
        _empty(root)
        raise ForgeError(f"the repository's archive could not be unpacked: {_plain(exc)}") from None
    tree = RepoTree.from_directory(root)
    if escaping:
        tree = RepoTree(tree.files, tree.root, tree.contents, {**tree.symlinks, **escaping})
    return tree


def _checked(members: Iterable[tarfile.TarInfo], limits: SnapshotLimits) -> list[tarfile.TarInfo]:
    """The members, read header by header: refused at the first one over a limit or out of place."""
    chosen, expanded = [], 0
    try:
        for member in members:
            name = member.name
            if name.startswith("/") or ".." in name.split("/") or "\0" in name:
                raise ForgeError(f"the repository's archive names a path outside the repository ({name[:100]!r}); "
                                 "vibeops refused it")
            if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
                raise ForgeError(f"the repository's archive holds a device or special file ({name[:100]!r}); "
                                 "vibeops refused it")
            if member.issparse():
                raise ForgeError(f"the repository's archive holds a sparse file ({name[:100]!r}); vibeops refused it")
            chosen.append(member)
            if len(chosen) > limits.files:
                raise SnapshotTooLarge(f"the repository has more than {limits.files} files, the server's limit "
                                       "(VIBEOPS_SNAPSHOT_MAX_FILES); vibeops did not read it")
            expanded += member.size if member.isreg() else 0
            if expanded > limits.expanded_bytes:
                raise SnapshotTooLarge(f"the repository's files add up to more than {limits.expanded_bytes >> 20} MB, "
                                       "the server's limit (VIBEOPS_SNAPSHOT_MAX_EXPANDED_MB); vibeops did not read it")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ForgeError(f"the repository's archive is not a readable tar file: {_plain(exc)}") from None
    return chosen


def _empty(root: Path) -> None:
    for child in root.iterdir() if root.is_dir() else ():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _plain(exc: BaseException) -> str:
    return re.sub(r"\s+", " ", str(exc))[:200] or type(exc).__name__


def owned_folder(kind: str) -> tempfile.TemporaryDirectory:
    """A temporary folder named after this process, so that a later start can remove it if the process dies."""
    assert kind in KINDS, kind
    return tempfile.TemporaryDirectory(prefix=f"vibeops-{kind}-{os.getpid()}.{_INCARNATION}-")


def snapshot_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder for one snapshot (removed when the block ends, or at the next start)."""
    return owned_folder("snapshot")


def clean_stale_snapshots(folder: str | None = None, now: float | None = None,
                          stale_seconds: float = _STALE_SECONDS) -> list[str]:
    """Remove what killed vibeops processes left in the temporary folder; returns the removed paths.

    A folder is stale when the process named in it is gone, or has this process's PID but an
    earlier incarnation (a restarted container), or when it is older than `stale_seconds`.
    """
    folder = folder or tempfile.gettempdir()
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        owner = _OWNED.match(entry.name)
        if not owner or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        pid, incarnation = int(owner.group(1)), owner.group(2)
        if not _alive(pid) or (pid == os.getpid() and incarnation != _INCARNATION) or age > stale_seconds:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    if removed:
        log.info("removed %d folder(s) that stopped vibeops processes left in %s", len(removed), folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
