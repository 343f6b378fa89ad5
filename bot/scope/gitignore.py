"""gitignore-style patterns as yamllint reads them (`ignore`, `ignore-from-file`, `yaml-files`).

yamllint 1.38 builds a `pathspec.GitIgnoreSpec` from the lines; so do we, with the same pathspec, so the
parsing, the translation to regular expressions and the precedence rules are pathspec's, not ours: each
line becomes pathspec's own `GitIgnoreSpecPattern`, and the spec decides with pathspec's default
("simple") backend, the one yamllint uses on a runner without google-re2 (the last pattern that matched
the path itself wins, else the last that matched a folder of it; `!` un-ignores). Only the engine
differs: each pattern's regex is compiled on RE2 (google-re2), so matching is linear in the path's
length whatever the pattern. (pathspec's own `backend="re2"` is not used: in pathspec 1.1.1 it breaks
some ties differently from the default backend, e.g. `!*` then `?` for `ab/a/c]`.)

A line pathspec refuses (a lone `\\`, a class Python cannot compile such as `[z-a]`) makes yamllint
stop, and is reported as such; a line whose regex RE2 cannot run (rare: `[[:alpha:]]` inside a bracket
expression) is reported as not evaluable here. The budgets bound the work before pathspec sees the lines.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

import re2

if TYPE_CHECKING:  # pathspec takes ~45 ms to import: only a yamllint step with patterns pays for it
    import pathspec

ENGINE = "re2"
_MAX_PATTERNS = 500
_MAX_LENGTH = 500
_OPTIONS = re2.Options()
_OPTIONS.max_mem = 8 << 20


class _NotLinear(Exception):
    pass


def _on_re2(line: str):
    """pathspec's GitIgnoreSpecPattern for `line` (it raises as yamllint's call would), its regex run by RE2."""
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

    pattern = GitIgnoreSpecPattern(line)
    if pattern.regex is not None:
        try:
            pattern.regex = re2.compile(pattern.regex.pattern, _OPTIONS)
        except re2.error as exc:
            raise _NotLinear(line, str(exc)) from None
    return pattern


def compile_patterns(lines: Iterable[str]) -> pathspec.GitIgnoreSpec | str:
    """The patterns as yamllint's GitIgnoreSpec (regexes on RE2), or why they cannot be used."""
    import pathspec

    compiled = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # Python's "possible nested set" for `[[`
        for count, raw in enumerate(lines):
            if count >= _MAX_PATTERNS or len(raw) > _MAX_LENGTH:
                return "too many or too long ignore patterns"
            if not raw:
                continue  # as GitIgnoreSpec.from_lines skips empty lines
            try:
                compiled.append(_on_re2(raw))
            except _NotLinear as exc:
                return f"the ignore pattern `{raw[:60]}` cannot be matched in linear time here ({exc.args[1][:80]})"
            except Exception:  # noqa: BLE001 - pathspec raises ValueError or re.error, and yamllint stops
                return f"the ignore pattern `{raw[:60]}` is invalid (the tool stops)"
    return pathspec.GitIgnoreSpec(compiled, backend="simple")


def ignored(patterns: pathspec.GitIgnoreSpec | None, path: str) -> bool:
    """Whether the patterns (from compile_patterns; empty or None: none) match `path` (`./` dropped)."""
    if not patterns:
        return False
    return patterns.match_file(path)
