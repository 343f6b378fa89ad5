"""Git object storage with real object ids: blobs, trees, commits, refs, and tarballs of a commit."""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import io
import re
import tarfile
from datetime import datetime, timezone
from typing import Any

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def git_hash(kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


def epoch(date: str) -> int:
    """Seconds since 1970 for the UTC `%Y-%m-%dT%H:%M:%SZ` dates the store keeps."""
    return int(datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


class GitObjects:
    """The object store of a repository; the dataclass mixing it in supplies `objects` and `refs`."""

    objects: dict[str, tuple[str, Any]]
    refs: dict[str, str]  # "refs/heads/main" -> commit sha

    def put_blob(self, data: bytes) -> str:
        sha = git_hash("blob", data)
        self.objects[sha] = ("blob", data)
        return sha

    def put_tree(self, entries: list[tuple[str, str, str]]) -> str:
        """entries: (mode, name, sha) with API modes (040000 for trees)."""
        def order(entry: tuple[str, str, str]) -> bytes:
            mode, name, _ = entry
            return (name + "/" if mode == "040000" else name).encode()

        entries = sorted(entries, key=order)
        raw = b"".join(f"{'40000' if m == '040000' else m} {n}".encode() + b"\0" + bytes.fromhex(s)
                       for m, n, s in entries)
        sha = git_hash("tree", raw)
        self.objects[sha] = ("tree", entries)
        return sha

    def put_commit(self, tree: str, parents: list[str], message: str, author: dict, committer: dict) -> str:
        def sig(who: dict) -> str:
            return f"{who['name']} <{who['email']}> {epoch(who['date'])} +0000"

        lines = [f"tree {tree}", *(f"parent {p}" for p in parents), f"author {sig(author)}",
                 f"committer {sig(committer)}", "", message]
        sha = git_hash("commit", "\n".join(lines).encode())
        self.objects[sha] = ("commit", {"tree": tree, "parents": list(parents), "message": message,
                                        "author": dict(author), "committer": dict(committer)})
        return sha

    def kind(self, sha: str) -> str | None:
        entry = self.objects.get(sha)
        return entry[0] if entry else None

    def commit(self, sha: str) -> dict:
        return self.objects[sha][1]

    def flat(self, tree_sha: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """path -> (mode, sha) for every non-tree entry below a tree."""
        out: dict[str, tuple[str, str]] = {}
        if tree_sha == EMPTY_TREE and tree_sha not in self.objects:
            return out
        for mode, name, sha in self.objects[tree_sha][1]:
            if mode == "040000":
                out.update(self.flat(sha, f"{prefix}{name}/"))
            else:
                out[f"{prefix}{name}"] = (mode, sha)
        return out

    def build(self, flat: dict[str, tuple[str, str]]) -> str:
        """Write nested trees for a flat path map; returns the root tree sha."""
        here: list[tuple[str, str, str]] = []
        children: dict[str, dict[str, tuple[str, str]]] = {}
        for path, (mode, sha) in flat.items():
            head, sep, rest = path.partition("/")
            if sep:
                children.setdefault(head, {})[rest] = (mode, sha)
            else:
                here.append((mode, head, sha))
        for name, sub in children.items():
            here.append(("040000", name, self.build(sub)))
        return self.put_tree(here)

    def ancestors(self, sha: str) -> set[str]:
        seen: set[str] = set()
        todo = [sha]
        while todo:
            current = todo.pop()
            if current in seen or self.kind(current) != "commit":
                continue
            seen.add(current)
            todo.extend(self.commit(current)["parents"])
        return seen

    def resolve(self, ref: str) -> str | None:
        """A branch/tag name, `heads/x`, `refs/heads/x`, or a (short) commit sha -> commit sha."""
        for candidate in (ref, f"refs/{ref}", f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if candidate in self.refs:
                return self.refs[candidate]
        if self.kind(ref) == "commit":
            return ref
        if re.fullmatch(r"[0-9a-f]{7,39}", ref or ""):
            found = [s for s, (k, _) in self.objects.items() if k == "commit" and s.startswith(ref)]
            if len(found) == 1:
                return found[0]
        return None

    def tree_of(self, commit_sha: str) -> str:
        return self.commit(commit_sha)["tree"]

    def tarball(self, top: str, sha: str) -> bytes:
        """The gzipped tar of a commit with every path under `top/`, as codeload serves it."""
        buffer = io.BytesIO()
        stamp = epoch(self.commit(sha)["committer"]["date"])
        # Like `git archive`: a pax global header carrying the commit id, then directories and files.
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": sha}) as tar:
            _tar_add(tar, top + "/", tarfile.DIRTYPE, 0o775, stamp)
            dirs = {top}
            flat = self.flat(self.tree_of(sha))
            ignored = _export_ignored(self.objects[flat[".gitattributes"][1]][1] if ".gitattributes" in flat else b"")
            for path, (mode, blob) in sorted(flat.items()):
                if ignored(path):
                    continue  # like `git archive`: left out of the tarball, still in the commit's tree
                parts = path.split("/")
                for depth in range(1, len(parts)):
                    folder = "/".join([top, *parts[:depth]])
                    if folder not in dirs:
                        dirs.add(folder)
                        _tar_add(tar, folder + "/", tarfile.DIRTYPE, 0o775, stamp)
                if mode == "160000":
                    continue
                content = self.objects[blob][1]
                if mode == "120000":
                    _tar_add(tar, f"{top}/{path}", tarfile.SYMTYPE, 0o777, stamp, link=content.decode())
                else:
                    perm = 0o775 if mode == "100755" else 0o664
                    _tar_add(tar, f"{top}/{path}", tarfile.REGTYPE, perm, stamp, data=content)
        return gzip.compress(buffer.getvalue())


def _export_ignored(attributes: bytes):
    """Which paths the root `.gitattributes` marks `export-ignore` (gitattributes' common pattern forms)."""
    patterns = []
    for line in attributes.decode(errors="replace").splitlines():
        words = line.split()
        if len(words) >= 2 and not words[0].startswith("#") and "export-ignore" in words[1:]:
            patterns.append(words[0].rstrip("/"))

    def ignored(path: str) -> bool:
        parts = path.split("/")
        for pattern in patterns:
            anchored = pattern.lstrip("/")
            if "/" in anchored:  # relative to the root: the path or a folder above it
                if any(fnmatch.fnmatchcase("/".join(parts[:n]), anchored) for n in range(1, len(parts) + 1)):
                    return True
            elif any(fnmatch.fnmatchcase(part, anchored) for part in parts):  # a name at any depth
                return True
        return False

    return ignored


def _tar_add(tar: tarfile.TarFile, name: str, kind: bytes, mode: int, stamp: int, data: bytes = b"",
             link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime, info.linkname = kind, mode, stamp, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
