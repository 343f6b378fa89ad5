"""Split a `run:` script into simple commands, tracking `cd`, `export` and inline variables."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.scope.shlexer import SUBSTITUTION, ShellSyntaxError, Token, tokenize

# Words that open or close compound commands: the command proper follows them.
_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac"}
_COMPOUND = {"for", "case", "select", "function"}
_WRAPPERS = {"sudo", "time", "exec", "command", "nohup", "builtin"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_VAR = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<default>:?-[^}]*)?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


class Unresolved(ValueError):
    """A value that depends on something only known when the workflow runs."""


@dataclass(frozen=True)
class Command:
    """One simple command: its words after expansion, its directory and its environment."""

    argv: tuple[str, ...]
    cwd: str
    env: Mapping[str, str]
    problem: str | None = None


def expand_vars(word: str, env: Mapping[str, str]) -> str:
    """Expand `$X`, `${X}` and `${X:-default}`; a variable we cannot know raises Unresolved."""

    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        if name in env:
            if "${{" in env[name]:
                raise Unresolved(f"${name} comes from an expression only known when the workflow runs")
            return env[name]
        if match["default"]:
            return match["default"].lstrip(":")[1:]
        raise Unresolved(f"${name} is not set in the workflow's env")

    if SUBSTITUTION in word or "$(" in word or "`" in word:
        raise Unresolved("a command substitution decides the value only at run time")
    if "${{" in word:
        raise Unresolved(f"`{word}` is only known when the workflow runs")
    return _VAR.sub(replace, word)


def split_commands(script: str, env: Mapping[str, str], cwd: str) -> list[Command]:
    """Simple commands in order; `cd` and `export` carry over to later commands like bash."""
    try:
        tokens = tokenize(script)
    except ShellSyntaxError as exc:
        return [Command((), cwd, dict(env), problem=f"cannot split the script: {exc}")]
    commands: list[Command] = []
    shell_env = dict(env)
    subshells: list[str] = []
    current: list[str] = []
    for token in tokens + [Token("op", "\n")]:
        if token.kind == "word":
            current.append(token.text)
            continue
        if current:
            command, cwd = _interpret(current, shell_env, cwd)
            if command is not None:
                commands.append(command)
        current = []
        if token.text == "(":
            subshells.append(cwd)
        elif token.text == ")" and subshells:
            cwd = subshells.pop()  # a `cd` inside ( … ) ends with the subshell
    return commands


def _interpret(words: list[str], shell_env: dict[str, str], cwd: str) -> tuple[Command | None, str]:
    while words and words[0] in _KEYWORDS:
        words.pop(0)
    if not words or words[0] in _COMPOUND:
        return None, cwd
    inline: dict[str, str] = {}
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        inline[name] = value
    if not words:  # a bare assignment sets a shell variable for later commands
        for name, value in inline.items():
            shell_env[name] = _safe_expand(value, shell_env)
        return None, cwd
    while words and words[0] in _WRAPPERS:
        words.pop(0)
    if words and words[0] == "env":
        words.pop(0)
        while words and _ASSIGNMENT.match(words[0]):
            name, _, value = words.pop(0).partition("=")
            inline[name] = value
    if not words:
        return None, cwd
    if words[0] == "export":
        for item in words[1:]:
            name, sep, value = item.partition("=")
            if sep:
                shell_env[name] = _safe_expand(value, shell_env)
        return None, cwd
    if words[0] == "cd":
        target = words[1] if len(words) > 1 else "$GITHUB_WORKSPACE"
        try:
            target = expand_vars(target, shell_env)
        except Unresolved as exc:
            return Command(tuple(words), cwd, dict(shell_env), problem=f"cd to an unknown directory: {exc}"), cwd
        return None, posixpath.normpath(posixpath.join(cwd, target))
    env = dict(shell_env)
    env.update({name: _safe_expand(value, shell_env) for name, value in inline.items()})
    return Command(tuple(words), cwd, env), cwd


def _safe_expand(value: str, env: Mapping[str, str]) -> str:
    try:
        return expand_vars(value, env)
    except Unresolved:
        return "${{ unresolved }}"
