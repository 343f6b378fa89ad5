"""bot.scope.bash: tree-sitter-bash read as bash reads scripts, checked against bash itself where it matters."""

from __future__ import annotations

import itertools
import shutil
import subprocess

import pytest

from bot.scope.bash import MAX_DEPTH, MAX_PIPES, MAX_SCRIPT_BYTES, SUBSTITUTION, ShellSyntaxError, parse, tokenize

BASH = shutil.which("bash")


def commands(script: str) -> list[tuple[str, ...]]:
    return [c.argv for c in parse(script).commands]


def test_words_lose_their_quotes_as_in_bash():
    (command,) = parse("""echo 'a b' "c $X d" e\\ f $'g\\th' "h\\"i" 'j'"k"l""").commands
    assert command.argv == ("echo", "a b", "c $X d", "e f", "g\th", 'h"i', "jkl")
    literal = [w.literal for w in command.words]
    assert literal == [True, True, False, True, True, True, True]
    assert command.words[2].expansions == ("$X",)


def test_substitutions_are_marked_and_their_commands_listed():
    script = parse('trivy config "$(git ls-files)" <(curl x) `id` $((1+2))')
    first = script.commands[0]
    assert [w.substituted for w in first.words] == [False, False, True, True, True, True]
    assert first.argv[2] == SUBSTITUTION
    assert {("git", "ls-files"), ("curl", "x"), ("id",)} <= {c.argv for c in script.commands}
    assert {"command_substitution", "process_substitution", "arithmetic_expansion"} <= script.constructs


def test_pipes_and_heredoc_pipes_are_linked():
    flags = {c.argv[0]: (c.pipe_in, c.pipe_out) for c in parse("a | b |& c\nd").commands}
    assert flags == {"a": (False, True), "b": (True, True), "c": (True, False), "d": (False, False)}
    flags = {c.argv[0]: (c.pipe_in, c.pipe_out) for c in parse("cat <<EOF | sh\nbody\nEOF").commands}
    assert flags == {"cat": (False, True), "sh": (True, False)}


def test_a_line_tree_sitter_would_join_to_the_previous_command_is_an_error():
    # tree-sitter-bash reads `echo MARKER` as more arguments of `true`; bash runs it as a command.
    with pytest.raises(ShellSyntaxError, match="join two lines"):
        parse("true | true | true\necho MARKER <<'EOF' | cat\nbody\nEOF\n")
    assert commands("trivy config \\\n  k8s") == [("trivy", "config", "k8s")]  # a continuation is one line


def test_redirections_belong_to_their_command():
    (command,) = parse('cat <<\'EOF\' >> "$GITHUB_STEP_SUMMARY" 2>&1\nx $(id)\nEOF').commands
    ops = [(r.op, r.fd, r.target.value if r.target else None) for r in command.redirects]
    assert ("<<", None, None) in ops and (">>", None, "$GITHUB_STEP_SUMMARY") in ops and (">&", "2", "1") in ops
    assert not command.redirects[0].heredoc_expands  # quoted delimiter: the body is not expanded
    assert commands('cat <<EOF\n$(id)\nEOF') == [("cat",), ("id",)]  # unquoted: it is


def test_assignments_and_declarations():
    script = parse("X=1 trivy fs .\nY=$(id)\nexport A=1 B\nunset C")
    first, bare, _, export, unset = script.commands
    assert first.assignments[0][0] == "X" and first.argv == ("trivy", "fs", ".")
    assert bare.argv == () and bare.assignments[0][1].substituted
    assert export.declaration == "export" and export.argv == ("A=1", "B")
    assert unset.declaration == "unset"


def test_github_expressions_stay_whole_words():
    (command,) = parse("trivy config ${{ matrix.file }}/x '${{ inputs.a }}'").commands
    assert command.argv == ("trivy", "config", "${{ matrix.file }}/x", "${{ inputs.a }}")
    assert command.words[2].expressions == ("${{ matrix.file }}",)
    assert parse("echo ${{ a }} ${{ b }}").expressions == ("${{ a }}", "${{ b }}")


@pytest.mark.parametrize("script", ["echo 'unterminated", 'echo "a', "echo $(", "if true; then", "a &&",
                                    "cat <<EOF; >/dev/null\nEOF", "cat <<E\"O\"F\nEOF", "cat <<EOF\nx\nEOF2\necho"])
def test_what_bash_would_not_read_alike_is_an_error(script):
    with pytest.raises(ShellSyntaxError):
        parse(script)
    with pytest.raises(ShellSyntaxError):
        tokenize(script)


def test_the_parser_is_bounded_in_size_and_depth():
    with pytest.raises(ShellSyntaxError, match="byte limit"):
        parse("echo x\n" * (MAX_SCRIPT_BYTES // 7 + 1))
    assert len(parse("echo x\n" * (MAX_SCRIPT_BYTES // 8)).commands) == MAX_SCRIPT_BYTES // 8
    with pytest.raises(ShellSyntaxError, match="nests deeper"):
        parse("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))
    # tree-sitter's error recovery is quadratic in a pipeline's length: the pipes are counted first
    with pytest.raises(ShellSyntaxError, match=f"more than {MAX_PIPES}"):
        parse("a | " * (MAX_PIPES + 1) + "b")
    assert len(parse("a | " * (MAX_PIPES // 2) + "b").commands) == MAX_PIPES // 2 + 1
    with pytest.raises(ShellSyntaxError):  # over the parse-time budget, or unreadable: never a hang
        parse("${" * (MAX_SCRIPT_BYTES // 2 - 8))
    assert commands("echo after") == [("echo", "after")]  # a cancelled parse leaves the parser usable


# --- against bash itself ----------------------------------------------------------------------

DELIMITERS = ["EOF", "'EOF'", '"EOF"', "\\EOF", "E\\OF", "EOF;", "EOF&&", "EOF|", "E'O'F", "'E O F'", "$X", "EOF-1"]
OPERATORS = ["<<", "<<-", "<< "]
ENDS = ["EOF", "\tEOF", " EOF", "EOF ", "'EOF'", "E O F", "$X", "EOF;", "\\EOF", ""]


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_heredocs_end_where_bash_ends_them():
    """A command bash runs after a heredoc is never hidden in the heredoc's body by the parser."""
    hidden = []
    for op, delimiter, end in itertools.product(OPERATORS, DELIMITERS, ENDS):
        script = f"cat {op}{delimiter} >/dev/null\nbody\n{end}\necho MARKER\nEOF\nE O F\n"
        ran = "MARKER" in subprocess.run([BASH, "-c", script], capture_output=True, text=True, timeout=10,
                                         stdin=subprocess.DEVNULL).stdout.split("\n")
        try:
            seen = ("echo", "MARKER") in commands(script)
        except ShellSyntaxError:
            seen = True  # rejected: nothing is hidden
        if ran and not seen:
            hidden.append(script)
    assert hidden == []


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
@pytest.mark.parametrize("prefix", [
    "echo a # comment \\", "echo 'a\\'", 'echo "a\\"" b', "echo $'a\\'' b", "x=1 #\\", "echo a\\\\",
    ": <<'EOF'\nEOF", "case a in a) echo ;; esac", "echo ${x:-}}", "echo a; #", "{ echo; }", "echo 'x' \\\n  y",
])
def test_a_command_after_tricky_quoting_is_seen(prefix):
    script = prefix + "\necho MARKER\n"
    result = subprocess.run([BASH, "-c", script], capture_output=True, text=True, timeout=10,
                            stdin=subprocess.DEVNULL)
    ran = "MARKER" in result.stdout.split("\n")
    try:
        seen = ("echo", "MARKER") in commands(script)
    except ShellSyntaxError:
        seen = True
    assert seen or not ran


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_no_command_bash_runs_is_hidden_from_the_parser():
    """A seeded differential run: pipelines, lists, continuations and heredocs, against bash itself."""
    import random

    rng = random.Random(20)
    simple = [":", "true", "cat >/dev/null", "x=1", "true 2>&1", "{ :; }", "( : )", "[ -n x ]", "! false"]
    ops = [" | ", " |& ", " && ", " || ", " ; ", " & ", "\n", " |\n", " &&\n", " \\\n | "]
    tails = ["", " <<EOF\nbody\nEOF", " <<'EOF' | cat >/dev/null\nbody\nEOF", " <<EOF && :\nb\nEOF", " <<<x", " # c",
             " <<-EOF\n\tb\n\tEOF"]

    def line() -> str:
        text = rng.choice(simple)
        for _ in range(rng.randint(0, 3)):
            text += rng.choice(ops) + rng.choice(simple)
        return text + rng.choice(tails)

    hidden = []
    for _ in range(300):
        lines = [line() for _ in range(rng.randint(0, 3))]
        lines.insert(rng.randint(0, len(lines)), "echo MARKER" + rng.choice(tails).replace("cat >/dev/null", "cat"))
        script = rng.choice(["\n", " ; ", " && "]).join(lines) + "\n"
        out = subprocess.run([BASH, "-c", script], capture_output=True, text=True, errors="replace", timeout=10,
                             stdin=subprocess.DEVNULL).stdout
        try:
            seen = any(c.argv[:2] == ("echo", "MARKER") for c in parse(script).commands)
        except ShellSyntaxError:
            seen = True
        if "MARKER" in out.split("\n") and not seen:
            hidden.append(script)
    assert hidden == []


@pytest.mark.parametrize("script", ["echo \ud800", "echo a\x00b"])
def test_text_bash_cannot_hold_is_an_error_not_a_crash(script):
    with pytest.raises(ShellSyntaxError):
        parse(script)
