"""Regular expressions from a repository's config (`run.deny`), run on RE2: linear time."""

from __future__ import annotations

import re
from functools import lru_cache

import re2

MAX_REGEX = 1000  # characters in one user regex
_COUNTED = re.compile(r"(?<!\\)\{(\d+)(?:,\d*)?\}")
_OPTIONS = re2.Options()
_OPTIONS.max_mem = 8 << 20  # a program that needs more (huge counted repetition) is refused, not built
_OPTIONS.log_errors = False


def regex_problem(pattern: object) -> str | None:
    """Why `pattern` cannot be a config regex (for `config validate`), or None."""
    if not isinstance(pattern, str):
        return "must be a string"
    if len(pattern) > MAX_REGEX:
        return f"is {len(pattern)} characters long (the limit is {MAX_REGEX})"
    for count in _COUNTED.findall(pattern):
        if int(count) > 1000:
            return f"repeats {count} times (counted repetition stops at {{1000}})"
    try:
        _compiled(pattern)
    except re2.error as exc:
        arg = exc.args[0] if exc.args else ""
        reason = (arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)) or "RE2 cannot compile it"
        return (f"is not a regular expression RE2 can run in linear time ({reason}); backreferences and "
                "lookaround are not supported, counted repetition stops at {1000}")
    except (RecursionError, OverflowError, MemoryError, ValueError) as exc:
        return f"is not a usable regular expression ({type(exc).__name__})"
    return None


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> "re2._Regexp":
    return re2.compile("(?m)" + pattern, _OPTIONS)


def regex_search(pattern: str, text: str) -> bool:
    """Whether `pattern` (multi-line: `^`/`$` at each line) occurs in `text`; a bad pattern never matches."""
    if regex_problem(pattern):
        return False
    return _compiled(pattern).search(text) is not None
