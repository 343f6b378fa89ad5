"""gitignore-style patterns as yamllint reads them (`ignore`, `ignore-from-file`, `yaml-files`).

yamllint 1.38 builds a `pathspec.GitIgnoreSpec` from the lines; so do we, with the same pathspec, so the
parsing, the translation to regular expressions and git's precedence rules (a pattern that matched the
path itself beats one that matched it as a folder's content; among equals the later line wins, `!`
un-ignores) are pathspec's, not ours. Matching runs on pathspec's RE2 backend (`backend="re2"`,
google-re2): linear in the path's length, whatever the pattern. A line pathspec refuses (a lone `\\`,
a class Python cannot compile such as `[z-a]`) makes yamllint stop, and is reported as such; a line
whose regex RE2 cannot run (rare: `[[:alpha:]]` inside a bracket expression) is reported as not
evaluable here. The budgets bound the work before pathspec sees the lines.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pathspec takes ~45 ms to import: only a yamllint step with patterns pays for it
    import pathspec

BACKEND = "re2"
_MAX_PATTERNS = 500
_MAX_LENGTH = 500


def compile_patterns(lines: Iterable[str]) -> pathspec.GitIgnoreSpec | str:
    """The patterns as yamllint's GitIgnoreSpec (matched on RE2), or why they cannot be used."""
    import pathspec

    kept: list[str] = []
    for count, raw in enumerate(lines):
        if count >= _MAX_PATTERNS or len(raw) > _MAX_LENGTH:
            return "too many or too long ignore patterns"
        kept.append(raw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # Python's "possible nested set" for `[[`
        try:
            return pathspec.GitIgnoreSpec.from_lines(kept, backend=BACKEND)
        except Exception as exc:  # noqa: BLE001 - pathspec raises ValueError, re.error or re2's error
            return _refusal(kept, exc)


def _refusal(lines: list[str], exc: Exception) -> str:
    """Which line stops yamllint (pathspec refuses it), or which one RE2 cannot run."""
    import pathspec

    for raw in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([raw], backend="simple")
        except Exception:  # noqa: BLE001 - the same exceptions, raised by yamllint's own call
            return f"the ignore pattern `{raw[:60]}` is invalid (the tool stops)"
    for raw in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([raw], backend=BACKEND)
        except Exception:  # noqa: BLE001 - re2's error
            return f"the ignore pattern `{raw[:60]}` cannot be matched in linear time here ({str(exc)[:80]})"
    return f"the ignore patterns are too large to match here ({str(exc)[:80]})"


def ignored(patterns: pathspec.GitIgnoreSpec | None, path: str) -> bool:
    """Whether the patterns (from compile_patterns; empty or None: none) match `path` (`./` dropped)."""
    if not patterns:
        return False
    return patterns.match_file(path)
