"""Split a scanner's command-line words into options and positional arguments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Args:
    flags: dict[str, list[str]] = field(default_factory=dict)
    positional: tuple[str, ...] = ()

    def values(self, *names: str) -> list[str]:
        """Every value given for any of `names`, comma lists split, in order."""
        found: list[str] = []
        for name in names:
            for value in self.flags.get(name, []):
                found.extend(part.strip() for part in value.split(",") if part.strip())
        return found

    def raw(self, *names: str) -> list[str]:
        return [value for name in names for value in self.flags.get(name, [])]

    def has(self, *names: str) -> bool:
        return any(name in self.flags for name in names)


def parse(words: Sequence[str], value_flags: Iterable[str]) -> Args:
    """`--name=value`, `--name value` (for known value flags), bare switches, and `--` ends options."""
    takes_value = frozenset(value_flags)
    flags: dict[str, list[str]] = {}
    positional: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            positional.extend(words[i + 1:])
            break
        if word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            if eq:
                flags.setdefault(name, []).append(value)
            elif name in takes_value and i + 1 < len(words):
                flags.setdefault(name, []).append(words[i + 1])
                i += 1
            else:
                flags.setdefault(name, []).append("true")
        else:
            positional.append(word)
        i += 1
    return Args(flags, tuple(positional))
