"""Read a shell script as bash does, through tree-sitter-bash: commands, words, redirections, tokens.

One parser serves the scope engine (`tokenize`, the token stream bot.scope.shell splits into
commands) and the model-output allowlist (`parse`, every simple command with its words and
redirections, and every construct the script uses). A script the grammar cannot read, or one over
the size and nesting limits, raises ShellSyntaxError: callers treat it as unknown or reject it.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

SUBSTITUTION = "__command_substitution__"
MAX_SCRIPT_BYTES = 32 * 1024  # a `run:` script larger than this is not read (parse cost is linear in it)
PARSE_SECONDS = 0.5  # a CPU-time budget for tree-sitter's error recovery, checked as it makes progress
# tree-sitter's error recovery is quadratic in a pipeline's length (`a | ` × 8000 and a trailing
# pipe: 14 s) and checks no budget meanwhile, so the pipes are counted first.
MAX_PIPES = 512
MAX_DEPTH = 200  # nesting of the syntax tree, so walking it stays within Python's stack
_EXPRESSION = re.compile(r"\$\{\{[^\n]{0,500}?\}\}")  # GitHub's `${{ … }}`, not shell syntax
_PLACEHOLDER = "__vibeops_expression_{}__"
# tree-sitter reads a shadow of the script in which every byte of a non-ASCII character is an `x`: byte offsets
# stay the same (all text is cut from the real bytes), bash's metacharacters are all ASCII, so bash splits the
# script exactly as before, and tree-sitter-bash 0.25.1 can crash (SIGSEGV) on `{` before a character from
# U+E0000 up, which a stranger's workflow could hold. It also keeps Unicode spaces (U+00A0, ...) words, as bash does.
_ASCII_SHADOW = bytes(range(128)) + b"x" * 128
_PLACEHOLDER_RE = re.compile(r"__vibeops_expression_(\d+)__")
# Leaves that separate commands; the scope engine splits on them.
_OPERATORS = {"&&", "||", ";", ";;", ";&", ";;&", "|", "|&", "&", "(", ")", "\n"}
# Words of compound commands, kept as words in the token stream like the shell's reserved words.
_RESERVED = {"if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until", "case", "esac",
             "select", "function", "{", "}", "!", "[", "]", "[[", "]]", "export", "declare", "typeset",
             "local", "readonly", "unset"}
_WORDS = {"word", "string", "raw_string", "concatenation", "simple_expansion", "expansion", "number",
          "command_substitution", "process_substitution", "arithmetic_expansion", "ansi_c_string",
          "translated_string", "brace_expression", "special_variable_name", "variable_name", "test_operator",
          "extglob_pattern", "regex"}
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_DELIMITER = re.compile(rf"^(?:({_NAME})|'({_NAME})'|\"({_NAME})\"|\\({_NAME}))$")  # EOF 'EOF' "EOF" \EOF
_ONE_LINE = {"command", "redirected_statement", "file_redirect", "herestring_redirect", "declaration_command",
             "unset_command", "variable_assignments"}
_GLOB = re.compile(r"[*?\[]")
_SUBSTITUTIONS = {"command_substitution", "process_substitution", "arithmetic_expansion"}


class ShellSyntaxError(ValueError):
    """The script cannot be read (an unclosed quote or substitution, or it is over the limits)."""


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "op", or "stdin" (the file of a `< file` redirection)
    text: str


@dataclass(frozen=True)
class Word:
    """One shell word after quote removal: `$X` stays as written, substitutions become SUBSTITUTION."""

    value: str
    raw: str
    expansions: tuple[str, ...] = ()  # parameter expansions in it, as written: `$X`, `${X:-d}`
    substituted: bool = False  # it holds `$(…)`, backquotes, `<(…)`, `>(…)` or `$((…))`
    expressions: tuple[str, ...] = ()  # GitHub `${{ … }}` expressions in it
    glob: bool = False  # an unquoted `*`, `?` or `[` that bash expands to file names

    @property
    def literal(self) -> bool:
        return not (self.expansions or self.substituted or self.expressions)


@dataclass(frozen=True)
class Redirect:
    op: str  # `>`, `>>`, `<`, `>&`, `&>`, `<<`, `<<-`, `<<<`, …
    fd: str | None
    target: Word | None
    heredoc_expands: bool = False  # an unquoted heredoc delimiter: the body is expanded


@dataclass(frozen=True)
class SimpleCommand:
    words: tuple[Word, ...]
    assignments: tuple[tuple[str, Word], ...] = ()
    redirects: tuple[Redirect, ...] = ()
    line: int = 1  # 1-based, in the script
    pipe_in: bool = False  # reads the previous pipeline stage
    pipe_out: bool = False  # writes into the next pipeline stage
    declaration: str | None = None  # `export`, `declare`, `local`, `readonly`, `unset`

    @property
    def argv(self) -> tuple[str, ...]:
        return tuple(w.value for w in self.words)


@dataclass(frozen=True)
class Script:
    commands: tuple[SimpleCommand, ...]
    constructs: frozenset[str] = field(default_factory=frozenset)  # every syntax node type the script uses
    expressions: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _language():
    import tree_sitter_bash
    from tree_sitter import Language

    return Language(tree_sitter_bash.language())


_local = threading.local()


def _parser():
    """One tree-sitter parser per thread (a parser is not safe to share between threads)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        from tree_sitter import Parser

        parser = _local.parser = Parser(_language())
    return parser


def _parse(data: bytes):
    """The syntax tree, or ShellSyntaxError when tree-sitter's error recovery runs over the time budget."""
    parser = _parser()
    deadline = time.thread_time() + PARSE_SECONDS  # this thread's CPU time: a loaded machine does not refuse a script
    try:
        tree = parser.parse(lambda byte, point: data[byte:byte + 65536],
                            progress_callback=lambda *state: time.thread_time() > deadline)
    except ValueError:  # cancelled by the progress callback
        parser.reset()
        raise ShellSyntaxError(f"the parser gave up after {PARSE_SECONDS} s of CPU time") from None
    return tree.root_node


class _Source:
    """The script with `${{ … }}` swapped for placeholder words, and the tree-sitter tree of it."""

    def __init__(self, script: str):
        script = script.replace("\r\n", "\n")
        self.expressions: list[str] = []

        def hide(match: re.Match[str]) -> str:
            self.expressions.append(match.group(0))
            return _PLACEHOLDER.format(len(self.expressions) - 1)

        text = _EXPRESSION.sub(hide, script)
        try:
            self.data = text.encode("utf-8")
        except UnicodeEncodeError:
            raise ShellSyntaxError("the script is not valid UTF-8 text") from None
        if b"\0" in self.data:
            raise ShellSyntaxError("the script holds a NUL character")
        if len(self.data) > MAX_SCRIPT_BYTES:
            raise ShellSyntaxError(f"the script is {len(self.data)} bytes, over the {MAX_SCRIPT_BYTES}-byte limit")
        if self.data.count(b"|") > MAX_PIPES:
            raise ShellSyntaxError(f"the script has more than {MAX_PIPES} `|` characters")
        self.root = _parse(self.data.translate(_ASCII_SHADOW))
        if self.root.has_error:
            raise ShellSyntaxError(_error_message(self.root))
        _check_depth(self.root)
        for node in _descendants(self.root):
            if node.type == "heredoc_redirect":
                self._check_heredoc(node)
            elif node.type in _ONE_LINE:
                self._check_one_line(node)

    def _check_one_line(self, node) -> None:
        """A simple command ends at a newline unless it is escaped; tree-sitter sometimes reads on."""
        children = node.children
        for before, after in zip(children, children[1:]):
            gap = self.data[before.end_byte:after.start_byte]
            if b"\n" in gap.replace(b"\\\n", b""):
                raise ShellSyntaxError(f"line {after.start_point[0] + 1}: the parser would join two lines "
                                       "into one command")

    def _check_heredoc(self, node) -> None:
        """Only heredocs read exactly as bash reads them: a plain delimiter, ended by that very line."""
        start = next((c for c in node.children if c.type == "heredoc_start"), None)
        end = next((c for c in node.children if c.type == "heredoc_end"), None)
        raw = self.text(start) if start is not None else ""
        match = _DELIMITER.match(raw)
        line = node.start_point[0] + 1
        if match is None:
            raise ShellSyntaxError(f"line {line}: the heredoc delimiter `{raw}` is not a plain word")
        delimiter = next(g for g in match.groups() if g)
        if end is None:
            if node.end_byte < len(self.data.rstrip()):
                raise ShellSyntaxError(f"line {line}: the heredoc `{delimiter}` has no end line")
            return
        closing = self.text(end).rstrip("\n")
        if closing.lstrip("\t") != delimiter or (closing != delimiter and self.text(node).startswith("<<") and
                                                 not self.text(node).startswith("<<-")):
            raise ShellSyntaxError(f"line {line}: the heredoc `{delimiter}` does not end where bash ends it")

    def text(self, node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def restore(self, text: str) -> str:
        return _PLACEHOLDER_RE.sub(lambda m: self.expressions[int(m.group(1))], text)

    def word(self, node) -> Word:
        parts: list[str] = []
        expansions: list[str] = []
        flags = {"substituted": False, "glob": False}
        self._value(node, parts, expansions, flags, quoted=False)
        raw = self.text(node)
        value = self.restore("".join(parts))
        expressions = tuple(self.expressions[int(n)] for n in _PLACEHOLDER_RE.findall(raw))
        return Word(value, self.restore(raw), tuple(self.restore(e) for e in expansions), flags["substituted"],
                    expressions, flags["glob"])

    def _value(self, node, parts: list[str], expansions: list[str], flags: dict, quoted: bool) -> None:
        kind = node.type
        if kind in _SUBSTITUTIONS:
            flags["substituted"] = True
            parts.append(SUBSTITUTION)
        elif kind in ("simple_expansion", "expansion"):
            text = self.text(node)
            if any(c.type in _SUBSTITUTIONS for c in _descendants(node)):
                flags["substituted"] = True
            expansions.append(text)
            parts.append(text)
        elif kind == "raw_string":
            parts.append(self.text(node)[1:-1])
        elif kind == "ansi_c_string":
            parts.append(_ansi_c(self.text(node)[2:-1]))
        elif kind in ("string", "translated_string"):
            start = node.start_byte + (2 if kind == "translated_string" else 1)
            end = node.end_byte - 1
            position = start
            for child in node.named_children:
                if child.type == "string_content":
                    continue
                parts.append(_unescape_double(self.data[position:child.start_byte].decode("utf-8", "replace")))
                self._value(child, parts, expansions, flags, quoted=True)
                position = child.end_byte
            parts.append(_unescape_double(self.data[position:end].decode("utf-8", "replace")))
        elif kind == "concatenation" or (node.named_child_count and kind not in ("word", "number")):
            position = node.start_byte
            for child in node.children:
                if child.start_byte > position:
                    parts.append(self._bare(self.data[position:child.start_byte], flags, quoted))
                self._value(child, parts, expansions, flags, quoted)
                position = child.end_byte
            if node.end_byte > position:
                parts.append(self._bare(self.data[position:node.end_byte], flags, quoted))
        else:
            parts.append(self._bare(self.data[node.start_byte:node.end_byte], flags, quoted))

    @staticmethod
    def _bare(data: bytes, flags: dict, quoted: bool) -> str:
        text = data.decode("utf-8", "replace")
        if quoted:
            return _unescape_double(text)
        if _GLOB.search(text):
            flags["glob"] = True  # an unquoted, unescaped `*`, `?` or `[`: bash expands it to file names
        return _unescape_bare(text)


def parse(script: str) -> Script:
    """Every simple command of the script (in substitutions and heredoc bodies too), and its constructs."""
    source = _Source(script)
    commands: list[SimpleCommand] = []
    constructs: set[str] = set()
    for node in _descendants(source.root):
        if node.is_named:
            constructs.add(node.type)
        if node.type in ("command", "declaration_command", "unset_command"):
            commands.append(_simple_command(source, node))
        elif node.type == "variable_assignment" and node.parent is not None and node.parent.type not in (
                "command", "declaration_command", "c_style_for_statement"):
            # `X=value` on its own sets a shell variable: a command with no words
            commands.append(SimpleCommand((), (_assignment(source, node),), (), node.start_point[0] + 1))
    return Script(tuple(commands), frozenset(constructs), tuple(source.expressions))


def tokenize(script: str) -> list[Token]:
    """Words and control operators in order, redirections dropped (`< file` kept as a stdin token).

    Substitutions are single SUBSTITUTION words whose commands are not listed; heredoc bodies are
    skipped; reserved words (`for`, `do`, `then`, …) stay words, as the scope engine expects.
    """
    source = _Source(script)
    tokens: list[Token] = []
    _emit(source, source.root, tokens)
    return tokens


def _emit(source: _Source, node, tokens: list[Token]) -> None:
    kind = node.type
    if kind == "comment":
        return
    if kind in ("command", "declaration_command", "unset_command"):
        command = _simple_command(source, node)
        tokens.extend(Token("word", f"{name}={value.value}") for name, value in command.assignments)
        if command.declaration:
            tokens.append(Token("word", command.declaration))
        tokens.extend(Token("word", w.value) for w in command.words)
        tokens.extend(Token("stdin", r.target.value) for r in command.redirects if r.op == "<" and r.target)
        return
    if kind in ("variable_assignment", "variable_assignments"):
        for assignment in ([node] if kind == "variable_assignment" else node.named_children):
            name, value = _assignment(source, assignment)
            tokens.append(Token("word", f"{name}={value.value}"))
        return
    if kind == "redirected_statement":
        body = node.child_by_field_name("body")
        if body is not None:
            _emit(source, body, tokens)
        # A command's own redirections were read with it; a pipeline's or a group's are read here.
        own = body is None or body.type not in ("command", "declaration_command", "unset_command")
        for child in node.children:
            if child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                _emit_redirect(source, child, tokens, own)
        return
    if kind in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
        _emit_redirect(source, node, tokens, True)
        return
    if kind in _WORDS:
        tokens.append(Token("word", source.word(node).value))
        return
    if kind == "test_command":
        for child in _leaves(node):
            tokens.append(Token("word", source.word(child).value if child.is_named else source.text(child)))
        return
    if kind in ("c_style_for_statement",):
        tokens.extend([Token("word", "for"), Token("word", "(("), Token("op", "\n")])
        body = node.child_by_field_name("body")
        if body is not None:
            _emit(source, body, tokens)
        return
    if not node.is_named:
        text = source.text(node)
        if text in _OPERATORS:
            tokens.append(Token("op", text))
        elif text in _RESERVED:
            tokens.append(Token("word", text))
        return
    if kind in ("for_statement", "select_statement"):
        for child in node.children:
            if child.type == "do_group":
                tokens.append(Token("op", "\n"))
            _emit(source, child, tokens)
        return
    statements = kind in ("program", "do_group", "compound_statement", "subshell", "if_statement", "elif_clause",
                          "else_clause", "case_item", "while_statement", "function_definition")
    for child in node.children:
        _emit(source, child, tokens)
        if statements and child.is_named and child.type not in _WORDS and child.type != "comment":
            tokens.append(Token("op", "\n"))


def _emit_redirect(source: _Source, node, tokens: list[Token], own: bool) -> None:
    """A redirection adds no words, except `< file`; a heredoc's line may go on (`<<EOF | cmd`)."""
    if own:
        redirect, extra = _redirect(source, node)
        if redirect.op == "<" and redirect.target is not None:
            tokens.append(Token("stdin", redirect.target.value))
        tokens.extend(Token("word", w.value) for w in extra)
    for child in node.children:
        if child.type in ("file_redirect", "herestring_redirect"):
            _emit_redirect(source, child, tokens, own)
        elif child.type in ("pipeline", "list", "command", "redirected_statement", "subshell",
                            "compound_statement") or (not child.is_named and source.text(child) in _OPERATORS):
            _emit(source, child, tokens)


def _simple_command(source: _Source, node) -> SimpleCommand:
    words: list[Word] = []
    assignments: list[tuple[str, Word]] = []
    redirects: list[Redirect] = []
    declaration = None
    for child in node.children:
        kind = child.type
        if kind == "variable_assignment":
            assignments.append(_assignment(source, child))
        elif kind == "command_name":
            words.extend(source.word(c) for c in child.named_children)
        elif kind in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
            redirect, extra = _redirect(source, child)
            redirects.append(redirect)
            words.extend(extra)
        elif kind in _WORDS:
            words.append(source.word(child))
        elif not child.is_named and source.text(child) in ("export", "declare", "typeset", "local", "readonly",
                                                             "unset"):
            declaration = source.text(child)
    parent = node.parent
    # `cmd > f` is a redirected_statement around the command: its redirections belong to it.
    holder = node
    if parent is not None and parent.type == "redirected_statement" and parent.child_by_field_name("body") == node:
        for child in parent.children:
            if child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                redirect, extra = _redirect(source, child)
                redirects.append(redirect)
                words.extend(extra)
                redirects.extend(_nested_redirects(source, child))
        holder = parent
    pipe_in, pipe_out = _pipe_position(source, holder)
    if holder is not node and any(c.type == "heredoc_redirect" and any(g.type == "pipeline" for g in c.children)
                                  for c in holder.children):
        pipe_out = True  # `cat <<EOF | cmd`
    if declaration:  # `export A=1 B`: the assignments are its arguments, in order
        words = []
        for child in node.children:
            if child.type == "variable_assignment":
                name, value = _assignment(source, child)
                words.append(Word(f"{name}={value.value}", f"{name}={value.raw}", value.expansions,
                                  value.substituted, value.expressions))
            elif child.type in _WORDS:
                words.append(source.word(child))
        assignments = []
    return SimpleCommand(tuple(words), tuple(assignments), tuple(redirects), node.start_point[0] + 1,
                         pipe_in, pipe_out, declaration)


def _nested_redirects(source: _Source, node) -> list[Redirect]:
    found = []
    for child in node.children:
        if child.type in ("file_redirect", "herestring_redirect"):
            found.append(_redirect(source, child)[0])
            found.extend(_nested_redirects(source, child))
    return found


def _pipe_position(source: _Source, node) -> tuple[bool, bool]:
    parent = node.parent
    if parent is None:
        return False, False
    if parent.type == "pipeline":
        siblings = [c for c in parent.children if c.is_named]
        index = next(i for i, c in enumerate(siblings) if c == node)
        before = parent.children[0] != siblings[0] or index > 0  # a pipeline continuing a heredoc line
        return before, index < len(siblings) - 1
    if parent.type == "heredoc_redirect":  # `cat <<EOF | cmd`: the pipe is inside the heredoc's node
        return True, False
    return False, False


def _redirect(source: _Source, node) -> tuple[Redirect, list[Word]]:
    """The redirection, and any words after its target (tree-sitter attaches `> f b`'s `b` to it)."""
    op, fd, targets, expands = "", None, [], False
    for child in node.children:
        kind = child.type
        if kind == "file_descriptor":
            fd = source.text(child)
        elif kind == "heredoc_start":
            text = source.text(child)
            expands = not any(q in text for q in "'\"\\")
        elif not child.is_named and not op:
            op = source.text(child)
        elif child.is_named and kind in _WORDS and (node.type != "heredoc_redirect"):
            targets.append(source.word(child))
    if node.type == "heredoc_redirect":
        op = op or "<<"
    target = targets[0] if targets else None
    return Redirect(op, fd, target, expands), targets[1:]


def _assignment(source: _Source, node) -> tuple[str, Word]:
    name_node = node.child_by_field_name("name")
    value_node = node.child_by_field_name("value")
    name = source.text(name_node) if name_node is not None else ""
    if value_node is None:
        return name, Word("", "")
    return name, source.word(value_node)


def _descendants(node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _leaves(node):
    """The words and bare leaves under a node, not descending into words."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current is not node and (current.child_count == 0 or current.type in _WORDS):
            found.append(current)
        else:
            stack.extend(reversed(current.children))
    return found


def _check_depth(root) -> None:
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ShellSyntaxError(f"the script nests deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in node.children)


def _error_message(root) -> str:
    for node in _descendants(root):
        if node.is_missing:
            return f"line {node.start_point[0] + 1}: `{node.type}` is missing (an unclosed quote or bracket?)"
        if node.type == "ERROR":
            return f"line {node.start_point[0] + 1}: bash cannot read this (an unclosed quote or substitution?)"
    return "bash cannot read this script"


def _unescape_bare(text: str) -> str:
    """Outside quotes a backslash keeps the next character; backslash-newline is nothing."""
    return re.sub(r"\\(.)", lambda m: m.group(1), text.replace("\\\n", ""), flags=re.DOTALL)


def _unescape_double(text: str) -> str:
    """Inside double quotes a backslash only escapes `$`, backquote, `"`, backslash and newline."""
    return re.sub(r'\\([$`"\\\n])', lambda m: "" if m.group(1) == "\n" else m.group(1), text)


def _ansi_c(text: str) -> str:
    simple = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "e": "\x1b",
              "E": "\x1b", "f": "\f", "r": "\r", "v": "\v"}
    return re.sub(r"\\(.)", lambda m: simple.get(m.group(1), "\\" + m.group(1)), text, flags=re.DOTALL)
