"""The project holds only what it wrote: no tracked file is a copy of the shared real-data corpus.

Third-party material (GitHub's examples, public workflows, sample repositories) stays in
`../shared/realdata/` and is read in place (tests/realdata.py). This compares every file `git ls-files`
lists with every file of that corpus, whitespace aside, so a copy can never come back unnoticed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import git
from tests.realdata import PROJECT, realdata

WHITESPACE = re.compile(rb"\s+")


def _normalised(data: bytes) -> bytes:
    return WHITESPACE.sub(b"", data)


def copies(checkout: Path, corpus: Path) -> list[str]:
    """Tracked files of `checkout` whose content, whitespace aside, equals a file of `corpus`."""
    shared = {}
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and (text := _normalised(path.read_bytes())):
            shared.setdefault(text, path.relative_to(corpus))
    listed = subprocess.run(["git", "-C", str(checkout), "ls-files", "-z"], capture_output=True, check=True).stdout
    found = []
    for name in filter(None, listed.decode().split("\0")):
        path = checkout / name
        if path.is_file() and not path.is_symlink() and (source := shared.get(_normalised(path.read_bytes()))):
            found.append(f"{name} is a copy of ../shared/realdata/{source}")
    return found


def test_no_tracked_file_is_a_copy_of_shared_real_data():
    assert copies(PROJECT, realdata()) == []


def test_a_copy_with_its_whitespace_changed_is_still_found(tmp_path):
    corpus = realdata()
    original = realdata("webhooks", "ping", "payload.json").read_bytes()
    (tmp_path / "ours.json").write_text('{"zen": "written here"}\n')
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "ping.json").write_bytes(b"\n  ".join(original.split()) + b"\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    assert copies(tmp_path, corpus) == ["hooks/ping.json is a copy of ../shared/realdata/webhooks/ping/payload.json"]
