"""Third-party data read in place from the shared real-data corpus beside the checkout.

The project commits only what it wrote (see README → Tests). GitHub's webhook and API examples, the
public workflow corpus and the other real-world material live in `../shared/realdata/`, next to this
checkout, on every developer machine and in CI (`VIBEOPS_REALDATA` names another place). Tests that
need them call `realdata(...)`: outside CI a missing corpus skips the test with `ABSENT`; under
`CI=true` it fails, never skips.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
# A git worktree elsewhere can point at the corpus with VIBEOPS_REALDATA=/path/to/shared/realdata.
REALDATA = Path(os.environ.get("VIBEOPS_REALDATA") or PROJECT.parent / "shared" / "realdata")
ABSENT = "the shared real-data corpus is not beside this checkout; see README → Tests"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(reason: str) -> None:
    """Skip the calling test with `reason`, or fail it under CI (where nothing may be missing)."""
    if under_ci():
        pytest.fail(f"{reason} (CI=true: a missing prerequisite is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def realdata(*parts: str) -> Path:
    """The path of a shared real-data file or folder; skips (fails under CI) when it is not there."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        missing(ABSENT if not REALDATA.is_dir() else f"{ABSENT} ({'/'.join(parts)} is missing from it)")
    return path


def workflow(name: str) -> str:
    """The text of one workflow of the shared public-workflow corpus (`realdata/workflows/<name>`)."""
    return realdata("workflows", name).read_text()


def params(folder: str, suffixes: tuple[str, ...] = (".yml", ".yaml")) -> list:
    """pytest parameters for every file of a shared folder (recursively), named by their relative path.

    Collection cannot skip, so an absent folder gives one `None` parameter: the test then calls
    `realdata(folder)`, which skips it (fails it under CI) with the usual reason.
    """
    root = REALDATA / folder
    if not root.is_dir():
        return [pytest.param(None, id="absent")]
    found = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes)
    return [pytest.param(p, id=str(p.relative_to(root))) for p in found]
