"""Path globs in each tool's dialect, compiled for RE2 so matching is linear in the name's length.

Dialects (gitignore's, for yamllint, is pathspec's own on its RE2 backend: bot/scope/gitignore.py):
- `glob_match` (ours: request paths, `--requested`, config `paths.*`/`actions.allow`):
  `*` and `?` stay inside one segment, `**` spans segments (`a/**/b` also matches `a/b`), `[...]`
  classes (`[!x]`/`[^x]` negate, never match `/`), an unclosed `[` is literal.
- `github_filter_match`: GitHub's `paths`/`paths-ignore`/`branches` filter cheat sheet: `*` (not `/`),
  `**` (anything), `?` zero or one of the preceding character, `+` one or more of it, `[]` a class,
  `\\` escapes.
- `trivy_skip_match`: trivy's --skip-files/--skip-dirs, doublestar v4's `Match`: `**` only as a whole
  segment, a final `/**` matching the folder too, `{a,b}` alternatives, `\\` escapes; a bad pattern
  ends the list, skipping nothing, as trivy's `SkipPath` returns early on `ErrBadPattern`.
- `HelmIgnore`: a chart's `.helmignore`, as helm's pkg/ignore reads it (Go's `filepath.Match` per rule).
- `re2_search`: a user's regex (checkov's --skip-path, read by bot/scope/checkov.py as checkov reads it)
  searched on RE2.

No library reproduces these dialects on a linear-time engine (README, "Globs are matched in linear
time"), so each is a small translation to RE2 syntax here. Every pattern compiles to an RE2 program
(no backtracking); a class RE2 cannot read (`[z-a]`) matches nothing, never raises. `glob_problem`
tells `config validate` what is wrong with a pattern.
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


# --- trivy's skip patterns (Go's doublestar v4, `doublestar.Match`) -------------------------------------------

def trivy_bad_pattern(pattern: str) -> bool:
    """doublestar's ValidatePattern fails: an unclosed `[` or `{`, an empty class, a stray `}`, a trailing `\\`."""
    return not _doublestar_valid(pattern, stray_close_ok=False)


def _doublestar_valid(pattern: str, stray_close_ok: bool) -> bool:
    depth, i, n = 0, 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            if i > n:
                return False
            continue
        if ch == "[":
            i += 1
            if i < n and pattern[i] in "^!":
                i += 1
            if i >= n or pattern[i] == "]":
                return False  # unclosed or empty class
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            if i >= n:
                return False
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0 and not stray_close_ok:
                return False
            depth = max(depth - 1, 0)
        i += 1
    return depth == 0


def _ds_closing(pattern: str, i: int) -> int:
    """Index of the `}` closing the `{` at pattern[i-1] (nested braces and escapes skipped), or -1."""
    depth = 1
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _ds_alternatives(body: str) -> list[str]:
    """A brace body split at its top-level commas."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    return parts + [body[start:]]


def _ds_class(pattern: str, i: int) -> tuple[str, int]:
    """The class at pattern[i] (`[` already validated) as RE2, and the index after its `]`.

    doublestar: `^`/`!` negate (a negated class matches `/` too), `\\` escapes, `lo-hi` ranges; a
    reversed range matches nothing.
    """
    i += 1
    negate = pattern[i] in "^!"
    i += negate
    items: list[str] = []
    last: str | None = None
    while pattern[i] != "]":
        ch = pattern[i]
        i += 1
        if last is not None and ch == "-" and pattern[i] != "]":
            if pattern[i] == "\\":
                i += 1
            hi = pattern[i]
            i += 1
            items.pop()
            if last <= hi:
                items.append(_esc(last) + "-" + _esc(hi))
            last = None
            continue
        if ch == "\\":
            ch = pattern[i]
            i += 1
        items.append(_esc(ch))
        last = ch
    body = "".join(items)
    if negate:
        return ("[^" + body + "]" if body else "(?s:.)"), i + 1
    return ("[" + body + "]" if body else "[^\\x00-\\x{10FFFF}]"), i + 1


def _translate_doublestar(pattern: str, segment_start: bool = True, final: bool = True) -> tuple[str, bool]:
    """doublestar's Match as RE2 (pattern already valid); returns the regex and whether it ends a segment.

    `**` is a globstar only as a whole segment (`**/` zero or more folders, a final `**` everything);
    elsewhere it is `*`. A final `/**` or `/**/` also matches the folder itself. `{a,b}` alternatives
    may hold `/` and nest; each starts as a new segment, as doublestar re-reads the pattern there.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        rest = pattern[i:]
        if ch == "*":
            if rest.startswith("**") and segment_start and (i + 2 == n or pattern[i + 2] == "/"):
                if i + 2 == n:
                    out.append(".*" if final else "[^/]*")
                    i += 2
                else:
                    out.append("(?:.*/)?")
                    i += 3
                    continue
                segment_start = False
                continue
            i += 2 if rest.startswith("**") else 1
            out.append("[^/]*")
            segment_start = False
            continue
        if final and rest in ("/**", "/**/"):
            out.append("(?:/.*)?" if rest == "/**" else "(?:/(?:.*/)?)?")
            return "".join(out), True
        if ch == "?":
            out.append("[^/]")
            i += 1
            segment_start = False
        elif ch == "[":
            regex, i = _ds_class(pattern, i)
            out.append(regex)
            segment_start = False
        elif ch == "{":
            close = _ds_closing(pattern, i + 1)
            if close == -1:  # only a stray `}` case reaches here unbalanced: the `{` is then literal
                out.append("\\{")
                i += 1
                segment_start = False
                continue
            ends = []
            alternatives = []
            for alt in _ds_alternatives(pattern[i + 1:close]):
                regex, ended = _translate_doublestar(alt, True, final and close == n - 1)
                alternatives.append(regex)
                ends.append(ended)
            out.append("(?:" + "|".join(alternatives) + ")")
            segment_start = all(ends) if ends else False
            i = close + 1
        else:
            if ch == "\\":
                i += 1
                ch = pattern[i]
            out.append(re.escape(ch))
            segment_start = ch == "/"
            i += 1
    return "".join(out), segment_start


@lru_cache(maxsize=4096)
def _compile_doublestar(pattern: str) -> "re2._Regexp":
    if len(pattern) > MAX_PATTERN:
        return _NEVER
    try:
        return re2.compile("(?s)" + _translate_doublestar(pattern)[0] + r"\z", _OPTIONS)
    except (re2.error, IndexError, RecursionError):
        return _NEVER


def trivy_skip_match(patterns: list[str] | tuple[str, ...], path: str) -> bool:
    """Whether trivy skips `path` (relative to the scan root) for this --skip-files/--skip-dirs list.

    trivy's SkipPath tries `doublestar.Match(pattern, path)` in order; the first pattern doublestar calls
    bad ends the list, skipping nothing. doublestar only notices a stray `}` when the match fails.
    """
    path = path.lstrip("/")
    for pattern in patterns:
        if not _doublestar_valid(pattern, stray_close_ok=True):
            return False
        matched = _compile_doublestar(pattern).fullmatch(path) is not None
        if matched:
            return True
        if trivy_bad_pattern(pattern):
            return False
    return False


# --- regexes a tool takes from the user (checkov's --skip-path: bot/scope/checkov.py) -----------------------

def re2_search(pattern: str, text: str) -> bool:
    """`pattern` searched in `text` on RE2; ValueError when RE2 cannot run it."""
    try:
        compiled = _re2_compiled(pattern)
    except re2.error as exc:
        raise ValueError(str(exc)) from None
    return compiled.search(text) is not None


def re2_compile(pattern: str):
    """`pattern` compiled on RE2 (the syntax of Go's regexp, which kubeconform uses); ValueError when RE2 refuses it."""
    try:
        return _re2_compiled(pattern)
    except re2.error as exc:
        raise ValueError(str(exc)) from None


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
            # a negated class matches `/` too (Go checks no separator there)
            out.append(("[^" + body + "]" if body else "(?s:.)") if negate
                       else ("[" + body + "]" if body else "[^\\x00-\\x{10FFFF}]"))
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
    regex = _translate_go(pattern)
    try:
        return re2.compile("(?s)" + regex + r"\z", _OPTIONS)
    except re2.error as exc:
        raise Unevaluable(f"the rule {pattern[:60]!r} is too large to match here ({exc})") from None


class Unevaluable(ValueError):
    """A pattern the tool accepts but that is past our budgets: the answer is unknown, not "no match"."""


# Go's unicode.IsSpace (what strings.TrimSpace strips); Python's str.strip also strips \x1c-\x1f.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"
_HELM_MAX_LINE = 64 * 1024  # bufio.Scanner's token limit: a longer line makes helm's Parse fail
_HELM_MAX_RULES = 2000  # our budget (rules x paths matched); helm has none


class HelmIgnore:
    """The rules of a chart's `.helmignore`, read and applied as helm's `pkg/ignore` does.

    Differences from .gitignore that helm documents: no `**` (helm refuses the file), Go's
    `filepath.Match` per rule, a pattern with a `/` matches the path from the chart root and one
    without matches the base name, `name/` only directories. A `!` rule is helm's own: a path it
    does not match is ignored. helm also ignores hidden files in `templates/` (its default rule).
    Lines are read as Go's bufio.Scanner reads them (split at `\\n`, one trailing `\\r` dropped) and
    trimmed as strings.TrimSpace trims them; a byte-order mark is not removed.
    """

    DEFAULT = "templates/.?*"

    def __init__(self, text: str):
        """Raises BadPattern with helm's reason when helm would refuse the file, Unevaluable past our budgets."""
        self.rules: list[tuple[bool, bool, bool, str]] = []  # (negate, must_dir, whole_path, pattern)
        lines = text.split("\n")
        if len(lines) > _HELM_MAX_RULES:
            lines = [line for line in lines if line.strip(_GO_SPACE) and not line.strip(_GO_SPACE).startswith("#")]
            if len(lines) > _HELM_MAX_RULES:
                raise Unevaluable(f"more than {_HELM_MAX_RULES} rules")
        for line in [*lines, self.DEFAULT]:
            if len(line.encode("utf-8", "surrogatepass")) >= _HELM_MAX_LINE:
                raise BadPattern("a line longer than 64 KiB (bufio.Scanner: token too long)")
            rule = line.removesuffix("\r").strip(_GO_SPACE)
            if not rule or rule.startswith("#"):
                continue
            if "**" in rule:
                raise BadPattern(f"double-star (**) syntax is not supported ({rule[:60]!r})")
            _compile_go(rule)  # helm checks each rule with filepath.Match before use
            negate = rule.startswith("!")
            rule = rule[1:] if negate else rule
            must_dir = rule.endswith("/")
            rule = rule[:-1] if must_dir else rule
            whole = "/" in rule
            rule = rule.lstrip("/")
            try:
                _compile_go(rule)  # `x\/` is valid whole, `x\` is not: helm's matcher then matches nothing
            except BadPattern:
                pass
            self.rules.append((negate, must_dir, whole, rule))

    def ignores(self, path: str, is_dir: bool = False) -> bool:
        if path in ("", ".", "./"):
            return False
        for negate, must_dir, whole, rule in self.rules:
            try:
                matched = _compile_go(rule).fullmatch(path if whole else path.rsplit("/", 1)[-1]) is not None
            except BadPattern:
                matched = False  # helm logs "Failed to compile" and the rule matches nothing
            if negate:
                if (must_dir and not is_dir) or not matched:
                    return True
                continue
            if must_dir and not is_dir:
                continue
            if matched:
                return True
        return False
