"""gitignore-style patterns, as pathspec's GitIgnoreSpec (1.x) reads them for yamllint's `ignore`.

Each line becomes one regular expression over a `/`-separated relative path. A pattern without a `/`
(other than a trailing one) matches at any depth; a leading `/` or an inner `/` anchors it to the
root; a trailing `/` matches a folder's contents; `**` spans folders; a last segment without `/`
also matches everything under a folder of that name. A pattern that matched the path itself beats
one that matched it as a folder's content; among equals the later line wins (`!` un-ignores).
An invalid `[` range drops the line, as git does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MAX_PATTERNS = 500
_MAX_LENGTH = 500
_DIR_MARK = "(?P<ps_d>/)"


class _RangeError(Exception):
    pass


def compile_patterns(lines: Iterable[str]) -> list[tuple[re.Pattern[str], bool]] | str:
    """(regex, ignores) per usable line, or why the patterns cannot be used."""
    compiled: list[tuple[re.Pattern[str], bool]] = []
    for count, raw in enumerate(lines):
        if count >= _MAX_PATTERNS or len(raw) > _MAX_LENGTH:
            return "too many or too long ignore patterns"
        try:
            translated = _translate(raw)
        except ValueError:
            return f"the ignore pattern `{raw[:60]}` is invalid (the tool stops)"
        if translated is None:
            continue
        try:
            compiled.append((re.compile(translated[0]), translated[1]))
        except re.error:
            continue
    return compiled


def ignored(patterns: list[tuple[re.Pattern[str], bool]], path: str) -> bool:
    path = path[2:] if path.startswith("./") else path
    result, best = False, 0
    for regex, include in patterns:
        match = regex.search(path)
        if match is None:
            continue
        priority = 1 if match.groupdict().get("ps_d") else 2
        if priority >= best:
            result, best = include, priority
    return result


def _translate(pattern: str) -> tuple[str, bool] | None:
    if not pattern.endswith("\\ "):
        pattern = pattern.rstrip()
    if not pattern or pattern.startswith("#") or pattern == "/":
        return None
    include = not pattern.startswith("!")
    pattern = pattern if include else pattern[1:]
    segments = pattern.split("/")
    is_dir = not segments[-1]
    if not segments[0]:
        del segments[0]
    elif len(segments) == 1 or (len(segments) == 2 and not segments[1]):
        if segments[0] != "**":
            segments.insert(0, "**")
    if not segments:
        raise ValueError("the pattern normalizes to nothing")
    if not segments[-1]:
        segments[-1] = "**"
    for i in range(len(segments) - 1, 0, -1):
        if segments[i - 1] == "**" and segments[i] == "**":
            del segments[i]
    if segments == ["**"]:
        return (_DIR_MARK if is_dir else "."), include
    if segments == ["**", "*"]:
        return ".", include
    if segments == ["**", "*", "**"]:
        return (_DIR_MARK if is_dir else "/"), include
    out: list[str] = []
    need_slash = False
    end = len(segments) - 1
    try:
        for i, segment in enumerate(segments):
            if segment == "**":
                if i == 0:
                    out.append("^(?:.+/)?")
                elif i < end:
                    out.append("(?:/.+)?")
                    need_slash = True
                else:
                    out.append(_DIR_MARK if is_dir else "/")
                continue
            if i == 0:
                out.append("^")
            if need_slash:
                out.append("/")
            out.append("[^/]+" if segment == "*" else _segment(segment))
            if i == end:
                out.append(f"(?:{_DIR_MARK}|$)")
            need_slash = True
    except _RangeError:
        return None
    return "".join(out), include


def _segment(segment: str) -> str:
    out: list[str] = []
    escape = False
    i, end = 0, len(segment)
    while i < end:
        ch = segment[i]
        i += 1
        if escape:
            escape = False
            out.append(re.escape(ch))
        elif ch == "\\":
            escape = True
        elif ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            j = i
            if j < end and segment[j] in "!^":
                j += 1
            if j < end and segment[j] == "]":
                j += 1
            while j < end and segment[j] != "]":
                j += 1
            if j >= end:
                raise _RangeError(segment)
            expr = "["
            if segment[i] in "!^":
                expr += "^"
                i += 1
            out.append(expr + segment[i:j + 1].replace("\\", "\\\\"))
            i = j + 1
        else:
            out.append(re.escape(ch))
    return "".join(out)
