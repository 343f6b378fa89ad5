"""Tokenise a shell script as bash reads it: words, control operators, redirections dropped."""

from __future__ import annotations

from dataclasses import dataclass

SUBSTITUTION = "__command_substitution__"
_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "(", ")")
_REDIRECTS = ("&>>", "&>", "<<<", "<<-", "<<", "<&", "<>", ">>", ">|", ">&", "<", ">")


class ShellSyntaxError(ValueError):
    """The script cannot be read (an unclosed quote or substitution)."""


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "op", or "stdin" (the file of a `< file` redirection)
    text: str


def tokenize(script: str) -> list[Token]:
    return _Lexer(script.replace("\r\n", "\n")).run()


class _Lexer:
    def __init__(self, script: str):
        self.s = script
        self.i = 0
        self.tokens: list[Token] = []
        self.word: list[str] = []
        self.in_word = False
        self.quoted = False
        self.heredocs: list[tuple[str, bool]] = []

    def run(self) -> list[Token]:
        s = self.s
        while self.i < len(s):
            ch = s[self.i]
            if ch == "\\" and s.startswith("\n", self.i + 1):
                self.i += 2  # line continuation
            elif ch in " \t\r":
                self._end_word()
                self.i += 1
            elif ch == "\n":
                self._end_word()
                self.tokens.append(Token("op", "\n"))
                self.i += 1
                self._skip_heredocs()
            elif ch == "#" and not self.in_word:
                end = s.find("\n", self.i)
                self.i = len(s) if end == -1 else end
            elif ch == "'":
                end = s.find("'", self.i + 1)
                if end == -1:
                    raise ShellSyntaxError("unclosed single quote")
                self._add(s[self.i + 1:end], quoted=True)
                self.i = end + 1
            elif ch == '"':
                self._double_quoted()
            elif ch == "\\":
                self._add(s[self.i + 1:self.i + 2], quoted=True)
                self.i += 2
            elif s.startswith("$(", self.i) or ch == "`":
                self._substitution()
            elif self._redirect():
                continue
            elif any(s.startswith(op, self.i) for op in _OPERATORS):
                op = next(op for op in _OPERATORS if s.startswith(op, self.i))
                self._end_word()
                self.tokens.append(Token("op", op))
                self.i += len(op)
            else:
                self._add(ch)
                self.i += 1
        self._end_word()
        return self.tokens

    def _add(self, text: str, quoted: bool = False) -> None:
        self.word.append(text)
        self.in_word = True
        self.quoted = self.quoted or quoted

    def _end_word(self) -> None:
        if self.in_word:
            self.tokens.append(Token("word", "".join(self.word)))
        self.word, self.in_word, self.quoted = [], False, False

    def _double_quoted(self) -> None:
        s, i = self.s, self.i + 1
        parts: list[str] = []
        while i < len(s) and s[i] != '"':
            if s[i] == "\\" and i + 1 < len(s) and s[i + 1] in '$`"\\\n':
                parts.append("" if s[i + 1] == "\n" else s[i + 1])
                i += 2
            elif s.startswith("$(", i) or s[i] == "`":
                i = self._skip_substitution(i)
                parts.append(SUBSTITUTION)
            else:
                parts.append(s[i])
                i += 1
        if i >= len(s):
            raise ShellSyntaxError("unclosed double quote")
        self._add("".join(parts), quoted=True)
        self.i = i + 1

    def _substitution(self) -> None:
        self.i = self._skip_substitution(self.i)
        self._add(SUBSTITUTION)

    def _skip_substitution(self, i: int) -> int:
        s = self.s
        if s[i] == "`":
            end = s.find("`", i + 1)
            if end == -1:
                raise ShellSyntaxError("unclosed backquote")
            return end + 1
        depth, i, quote = 1, i + 2, None
        while i < len(s) and depth:
            ch = s[i]
            if quote:
                quote = None if ch == quote else quote
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            i += 1
        if depth:
            raise ShellSyntaxError("unclosed $(")
        return i

    def _redirect(self) -> bool:
        """Drop a redirection and its target; a bare number glued before it is its fd."""
        s = self.s
        op = next((r for r in _REDIRECTS if s.startswith(r, self.i)), None)
        if op is None:
            return False
        if self.in_word:
            if self.quoted or not "".join(self.word).isdigit():
                self._end_word()
            else:
                self.word, self.in_word = [], False  # `2>`: the fd, not an argument
        self.i += len(op)
        while self.i < len(s) and s[self.i] in " \t":
            self.i += 1
        target = _Lexer(s[self.i:])
        end = target._read_one_word()
        if op in ("<<", "<<-"):
            self.heredocs.append((end[1].strip("'\""), op == "<<-"))
        elif op == "<":
            self.tokens.append(Token("stdin", end[1].strip("'\"")))
        self.i += end[0]
        return True

    def _read_one_word(self) -> tuple[int, str]:
        s, i, out = self.s, 0, []
        while i < len(s) and s[i] not in " \t\r\n;&|()<>":
            if s[i] in "'\"":
                end = s.find(s[i], i + 1)
                end = len(s) - 1 if end == -1 else end
                out.append(s[i:end + 1])
                i = end + 1
            else:
                out.append(s[i])
                i += 1
        return i, "".join(out)

    def _skip_heredocs(self) -> None:
        while self.heredocs:
            delimiter, strip_tabs = self.heredocs.pop(0)
            while self.i < len(self.s):
                end = self.s.find("\n", self.i)
                end = len(self.s) if end == -1 else end
                line = self.s[self.i:end]
                self.i = min(end + 1, len(self.s))
                if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                    break
