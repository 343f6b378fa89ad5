"""Split a `run:` script into simple commands, tracking `cd`, `export` and inline variables."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

_CONTINUATION = re.compile(r"\\\r?\n")
_FD_DUP = re.compile(r"(?<![^\s;|&])\d*[<>]&\d*-?(?=[\s;|&]|$)")
_REDIRECT = re.compile(r"(?<![^\s;|&])\d*(?:>>|>\||&>|>|<)\s*(?:\"[^\"]*\"|'[^']*'|[^\s;|&]+)")
_SEPARATORS = {";", "&&", "||", "|", "&", "\n", "(", ")", "{", "}", ";;", "|&"}
_WRAPPERS = {"sudo", "time", "exec", "command", "nohup", "builtin"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SUBSTITUTION = "__command_substitution__"
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
    text = _hide_substitutions(_strip_comments(_CONTINUATION.sub(" ", script)))
    text = _FD_DUP.sub(" ", text)
    text = _REDIRECT.sub(" ", text)
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()\n")
    lexer.whitespace = " \t\r"
    lexer.commenters = ""
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError as exc:  # unbalanced quotes
        return [Command((), cwd, dict(env), problem=f"cannot split the script: {exc}")]
    commands: list[Command] = []
    shell_env = dict(env)
    current: list[str] = []
    for token in tokens + ["\n"]:
        if token not in _SEPARATORS:
            current.append(token)
            continue
        if current:
            command, cwd = _interpret(current, shell_env, cwd)
            if command is not None:
                commands.append(command)
        current = []
    return commands


def _strip_comments(script: str) -> str:
    """Drop `# …` to the end of the line where bash would, leaving quoted `#` alone."""
    out: list[str] = []
    quote: str | None = None
    in_comment = False
    previous = "\n"
    for ch in script:
        if in_comment:
            if ch == "\n":
                in_comment = False
                out.append(ch)
            continue
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and previous in " \t\n;&|(":
            in_comment = True
            continue
        out.append(ch)
        previous = ch
    return "".join(out)


def _hide_substitutions(script: str) -> str:
    """Replace `$( … )` and backquoted commands by one marker word, so splitting keeps them whole."""
    out: list[str] = []
    i, n = 0, len(script)
    while i < n:
        if script.startswith("$(", i):
            depth, j = 1, i + 2
            while j < n and depth:
                depth += {"(": 1, ")": -1}.get(script[j], 0)
                j += 1
            out.append(SUBSTITUTION)
            i = j
        elif script[i] == "`":
            end = script.find("`", i + 1)
            out.append(SUBSTITUTION)
            i = n if end == -1 else end + 1
        else:
            out.append(script[i])
            i += 1
    return "".join(out)


def _interpret(words: list[str], shell_env: dict[str, str], cwd: str) -> tuple[Command | None, str]:
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
