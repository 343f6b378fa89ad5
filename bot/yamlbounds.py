"""YAML bounded by construction: size, depth, alias expansion, tags and keys checked before loading."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The documented limits (README "Limits"). A real workflow or config is far inside every one of them.
MAX_BYTES = 1_000_000  # characters of YAML text
MAX_DEPTH = 64  # nested mappings/sequences
MAX_NODES = 100_000  # nodes once every alias is expanded (a billion-laughs bomb counts in full)
MAX_SCALAR_DIGITS = 1000  # a plain scalar that would be read as a number
# Explicit tags that change nothing a reader sees: anything else (`!!int x`, `!!set`, `!Ref`) is refused.
_HARMLESS_TAGS = {"!"}
_SURROGATE = re.compile("[\udc80-\udcff]")
_NUMBER = re.compile(r"^[-+]?(?:0[xob])?[0-9a-fA-F_.:eE+-]+$")


class YAMLLimitError(ValueError):
    """The YAML is refused before it is built; says why and on which 1-based line."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_nodes: int = MAX_NODES


DEFAULT_LIMITS = Limits()


def decode(data: bytes, what: str = "the file") -> str:
    """UTF-8 text of `data`, or a YAMLLimitError naming the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YAMLLimitError(f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})", line) from None


def check(text: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Walk the parser's events (no tree is built) and refuse what would cost too much or read oddly."""
    if len(text) > limits.max_bytes:
        raise YAMLLimitError(f"the YAML is {len(text)} characters long; the limit is {limits.max_bytes}", None)
    bad = _SURROGATE.search(text)
    if bad:  # bytes that were not UTF-8, kept by a surrogateescape decode
        line = text[: bad.start()].count("\n") + 1
        raise YAMLLimitError(f"the file is not UTF-8 text (byte 0x{ord(bad.group()) - 0xDC00:02x} on line {line})", line)
    if "\x00" in text:
        raise YAMLLimitError("the YAML contains a NUL character", text[: text.index("\x00")].count("\n") + 1)
    from ruamel.yaml import YAML
    from ruamel.yaml.events import (AliasEvent, CollectionEndEvent, MappingStartEvent, ScalarEvent,
                                    SequenceStartEvent)

    sizes: dict[str, int] = {}  # anchor -> expanded node count of the node it names
    kinds: dict[str, str] = {}  # anchor -> scalar / mapping / sequence
    # One frame per open collection: [kind, anchor, expanded size so far, items seen (mappings: keys+values)]
    stack: list[list] = []
    total = 0

    def add(size: int, line: int | None, counted: bool = True) -> None:
        nonlocal total
        if counted:
            total += size
            if total > limits.max_nodes:
                raise YAMLLimitError(f"the YAML expands to more than {limits.max_nodes} nodes (an alias bomb?)",
                                     line)
        if stack:
            stack[-1][2] += size
            stack[-1][3] += 1

    def in_key_position() -> bool:
        return bool(stack) and stack[-1][0] == "mapping" and stack[-1][3] % 2 == 0

    try:
        events = YAML(typ="rt").parse(text)
        for event in events:
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            if isinstance(event, AliasEvent):
                if event.anchor not in sizes:
                    continue  # the composer reports an undefined alias with its own message
                if in_key_position() and kinds[event.anchor] != "scalar":
                    raise YAMLLimitError("a mapping key must be a plain value, not a mapping or list", line)
                add(sizes[event.anchor], line)
            elif isinstance(event, ScalarEvent):
                _check_tag(event, line)
                if event.style is None and len(event.value) > MAX_SCALAR_DIGITS and _NUMBER.match(event.value):
                    raise YAMLLimitError(f"a number of {len(event.value)} digits (the limit is {MAX_SCALAR_DIGITS})",
                                         line)
                if event.anchor:
                    sizes[event.anchor], kinds[event.anchor] = 1, "scalar"
                add(1, line)
            elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                kind = "mapping" if isinstance(event, MappingStartEvent) else "sequence"
                _check_tag(event, line)
                if in_key_position():
                    raise YAMLLimitError("a mapping key must be a plain value, not a mapping or list", line)
                if len(stack) >= limits.max_depth:
                    raise YAMLLimitError(f"the YAML nests deeper than {limits.max_depth} levels", line)
                total += 1
                stack.append([kind, event.anchor, 1, 0])
            elif isinstance(event, CollectionEndEvent) and stack:
                kind, anchor, size, _items = stack.pop()
                if anchor:
                    sizes[anchor], kinds[anchor] = size, kind
                add(size, line, counted=False)  # its nodes were counted as they came
    except YAMLLimitError:
        raise
    except Exception:  # noqa: BLE001 - a syntax error: the real loader reports it with its own message
        return


def _check_tag(event, line: int | None) -> None:
    tag = getattr(event, "tag", None)
    if tag is None:
        return
    tag = str(getattr(tag, "value", tag))
    if tag in _HARMLESS_TAGS:
        return
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    raise YAMLLimitError(f"the YAML tag `{shown}` is not supported here (write the plain value)", line)
