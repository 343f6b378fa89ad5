"""Path globs in each tool's dialect, compiled for RE2 so matching is linear in the name's length.

Dialects:
- `glob_match` (ours: request paths, `--requested`, config `paths.*`/`actions.allow`, trivy skips):
  `*` and `?` stay inside one segment, `**` spans segments (`a/**/b` also matches `a/b`), `[...]`
  classes (`[!x]`/`[^x]` negate, never match `/`), an unclosed `[` is literal.
- `github_filter_match`: GitHub's `paths`/`paths-ignore`/`branches` filter cheat sheet: `*` (not `/`),
  `**` (anything), `?` zero or one of the preceding character, `+` one or more of it, `[]` a class,
  `\\` escapes.
- `trivy_skip_match`: trivy's --skip-files/--skip-dirs (doublestar): a bad pattern ends the list,
  skipping nothing, as trivy's `SkipPath` returns early on `ErrBadPattern`.
- `re2_search`: a user's regex (checkov's --skip-path, read by bot/scope/checkov.py as checkov reads it)
  searched on RE2.

Every pattern compiles to an RE2 program (no backtracking); a class RE2 cannot read (`[z-a]`) matches
nothing, never raises. `glob_problem` tells `config validate` what is wrong with a pattern.
"""

from __future__ import annotations

import re
from functools import lru_cache

import re2

GLOB_CHARS = frozenset("*?[")
MAX_PATTERN = 1000  # characters in one glob; longer ones are refused by config validate and match nothing
_OPTIONS = re2.Options()
_OPTIONS.max_mem = 8 << 20
_NEVER = re2.compile(r"[^\x00-\x{10FFFF}]", _OPTIONS)


def is_glob(pattern: str) -> bool:
    return any(ch in GLOB_CHARS for ch in pattern)


class _Class:
    """A `[...]` class at pattern[i]: its RE2 text, where it ends (-1: unclosed), and what is wrong with it."""

    def __init__(self, pattern: str, i: int):
        self.end = pattern.find("]", i + 1)
        self.regex: str | None = None
        self.problem: str | None = None
        if self.end == -1:
            return
        body = pattern[i + 1 : self.end]
        negate = body[:1] in ("!", "^")
        if negate:
            body = body[1:]
        if not body:
            self.problem = "`[]` is an empty character class"
            self.regex = "[^\\x00-\\x{10FFFF}]"
            return
        parts, k = [], 0
        while k < len(body):
            if k + 2 < len(body) and body[k + 1] == "-":
                lo, hi = body[k], body[k + 2]
                if lo > hi:
                    self.problem = f"the range `{lo}-{hi}` in `[{body}]` is reversed"
                parts.append(_esc(lo) + "-" + _esc(hi))
                k += 3
            else:
                parts.append(_esc(body[k]))
                k += 1
        self.regex = ("[^/" if negate else "[") + "".join(parts) + "]"


def _esc(ch: str) -> str:
    return "\\" + ch if ch in "\\]-^[" else ch


def _translate(pattern: str) -> tuple[str, str | None]:
    """Our dialect as an RE2 regex (anchored), and what is wrong with it, if anything."""
    out: list[str] = []
    problem = None
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if pattern.startswith("**", i):
            while pattern.startswith("*", i):
                i += 1  # `***` is `**`
            if i < n and pattern[i] == "/":
                i += 1
                out.append("(?:.*/)?")  # `a/**/b` also matches `a/b`
            else:
                out.append(".*")
            continue
        if ch == "*":
            while pattern.startswith("*", i + 1) and not pattern.startswith("**", i + 1):
                i += 1
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            cls = _Class(pattern, i)
            if cls.regex is None:
                out.append(re.escape(ch))
            else:
                out.append(cls.regex)
                problem = problem or cls.problem
                i = cls.end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out), problem


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> "re2._Regexp":
    """The RE2 program for one of our globs; one that cannot be compiled matches nothing."""
    if len(pattern) > MAX_PATTERN:
        return _NEVER
    regex, problem = _translate(pattern)
    if problem:
        return _NEVER
    try:
        return re2.compile("(?s)" + regex + r"\z", _OPTIONS)
    except re2.error:
        return _NEVER


def glob_match(pattern: str, path: str) -> bool:
    return compile_glob(pattern).fullmatch(path) is not None


def glob_problem(pattern: str) -> str | None:
    """Why `pattern` is not a usable glob (for `config validate`), or None."""
    if not isinstance(pattern, str):
        return "must be a string"
    if len(pattern) > MAX_PATTERN:
        return f"is {len(pattern)} characters long (the limit is {MAX_PATTERN})"
    if "\x00" in pattern:
        return "contains a NUL character"
    regex, problem = _translate(pattern)
    if problem:
        return problem
    try:
        re2.compile(regex, _OPTIONS)
    except re2.error as exc:
        return f"cannot be read as a glob ({exc})"
    return None


# --- GitHub's filter patterns --------------------------------------------------------------------------

def _translate_github(pattern: str) -> str | None:
    """GitHub's filter dialect as RE2, or None when a class is invalid (the pattern then matches nothing)."""
    out: list[str] = []
    repeatable = False  # whether the last item is one character (what `?` and `+` apply to)
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if pattern.startswith("**", i):
            while pattern.startswith("*", i):
                i += 1
            if i < n and pattern[i] == "/" and (not out or out[-1] == "/"):
                i += 1
                out.append("(?:.*/)?")  # `**/README.md` also matches `README.md`
            else:
                out.append(".*")
            repeatable = False
            continue
        if ch == "*":
            out.append("[^/]*")
            repeatable = False
        elif ch in "?+" and repeatable:
            out[-1] = "(?:" + out[-1] + ")" + ch
            repeatable = False
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
            repeatable = True
        elif ch == "[":
            cls = _Class(pattern, i)
            if cls.regex is None:
                out.append(re.escape(ch))
            elif cls.problem:
                return None
            else:
                out.append(cls.regex)
                i = cls.end
            repeatable = True
        else:
            out.append(re.escape(ch))
            repeatable = True
        i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def _compile_github(pattern: str) -> "re2._Regexp":
    regex = _translate_github(pattern) if len(pattern) <= MAX_PATTERN else None
    if regex is None:
        return _NEVER
    try:
        return re2.compile("(?s)" + regex + r"\z", _OPTIONS)
    except re2.error:
        return _NEVER


def github_filter_match(pattern: str, path: str) -> bool:
    """One pattern of a workflow's `paths:`/`paths-ignore:` (without its leading `!`)."""
    return _compile_github(pattern).fullmatch(path) is not None


# --- trivy's skip patterns -----------------------------------------------------------------------------

def trivy_bad_pattern(pattern: str) -> bool:
    """doublestar's ErrBadPattern: an unclosed `[` or `{`, or a trailing `\\`."""
    depth = 0
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= len(pattern):
                return True
            i += 2
            continue
        if ch == "[":
            if _Class(pattern, i).end == -1:
                return True
            i = _Class(pattern, i).end
        elif ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        i += 1
    return depth > 0


def trivy_skip_match(patterns: list[str] | tuple[str, ...], path: str) -> bool:
    """Whether trivy skips `path` for this list: the first bad pattern ends the list unmatched."""
    for pattern in patterns:
        if trivy_bad_pattern(pattern):
            return False
        if glob_match(pattern, path):
            return True
    return False


# --- regexes a tool takes from the user (checkov's --skip-path: bot/scope/checkov.py) -----------------------

def re2_search(pattern: str, text: str) -> bool:
    """`pattern` searched in `text` on RE2; ValueError when RE2 cannot run it."""
    try:
        compiled = _re2_compiled(pattern)
    except re2.error as exc:
        raise ValueError(str(exc)) from None
    return compiled.search(text) is not None


@lru_cache(maxsize=1024)
def _re2_compiled(pattern: str):
    return re2.compile(pattern, _OPTIONS)


# --- helm's .helmignore (Go's filepath.Match per rule) ---------------------------------------------------

class BadPattern(ValueError):
    """Go's filepath.ErrBadPattern: the tool refuses the pattern."""


def _translate_go(pattern: str) -> str:
    """Go's `filepath.Match` as RE2: `*`/`?` never match `/`, `[^…]` negates, `\\` escapes; raises BadPattern."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            while i + 1 < n and pattern[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i + 1 >= n:
                raise BadPattern("a trailing `\\`")
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            i += 1
            negate = i < n and pattern[i] == "^"
            i += negate
            parts = []
            while True:
                if i >= n:
                    raise BadPattern("an unclosed `[`")
                if pattern[i] == "]" and parts:
                    break
                lo, i = _go_class_char(pattern, i)
                hi = lo
                if i < n and pattern[i] == "-":
                    hi, i = _go_class_char(pattern, i + 1)
                parts.append(_esc(lo) + ("-" + _esc(hi) if hi != lo else "") if lo <= hi else "")
            body = "".join(parts)
            # a class of reversed ranges only matches nothing, as in Go
            out.append(("[^/" + body + "]") if negate else ("[" + body + "]" if body else "[^\\x00-\\x{10FFFF}]"))
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _go_class_char(pattern: str, i: int) -> tuple[str, int]:
    if i >= len(pattern) or pattern[i] in "-]":
        raise BadPattern("a bad character class")
    if pattern[i] == "\\":
        if i + 1 >= len(pattern):
            raise BadPattern("a trailing `\\`")
        return pattern[i + 1], i + 2
    return pattern[i], i + 1


@lru_cache(maxsize=1024)
def _compile_go(pattern: str) -> "re2._Regexp":
    if len(pattern) > MAX_PATTERN:
        raise BadPattern("a pattern too long to read")
    return re2.compile("(?s)" + _translate_go(pattern) + r"\z", _OPTIONS)


class HelmIgnore:
    """The rules of a chart's `.helmignore`, read and applied as helm's `pkg/ignore` does.

    Differences from .gitignore that helm documents: no `**` (helm refuses the file), Go's
    `filepath.Match` per rule, a pattern with a `/` matches the path from the chart root and one
    without matches the base name, `name/` only directories. A `!` rule is helm's own: a path it
    does not match is ignored. helm also ignores hidden files in `templates/`.
    """

    DEFAULT = "templates/.?*"

    def __init__(self, text: str):
        """Raises BadPattern with helm's reason when helm would refuse the file."""
        self.rules: list[tuple[bool, bool, bool, str]] = []  # (negate, must_dir, whole_path, pattern)
        for line in [*text.lstrip("\ufeff").splitlines(), self.DEFAULT]:
            rule = line.strip()
            if not rule or rule.startswith("#"):
                continue
            if "**" in rule:
                raise BadPattern(f"double-star (**) syntax is not supported ({rule!r})")
            _compile_go(rule)  # helm checks each rule with filepath.Match before use
            negate = rule.startswith("!")
            rule = rule[1:] if negate else rule
            must_dir = rule.endswith("/")
            rule = rule[:-1] if must_dir else rule
            whole = "/" in rule
            self.rules.append((negate, must_dir, whole, rule.lstrip("/")))

    def ignores(self, path: str, is_dir: bool = False) -> bool:
        if path in ("", ".", "./"):
            return False
        for negate, must_dir, whole, rule in self.rules:
            try:
                matched = _compile_go(rule).fullmatch(path if whole else path.rsplit("/", 1)[-1]) is not None
            except BadPattern:
                matched = False
            if negate:
                if (must_dir and not is_dir) or not matched:
                    return True
                continue
            if must_dir and not is_dir:
                continue
            if matched:
                return True
        return False
