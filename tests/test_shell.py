"""bot.scope.shell: splitting `run:` scripts into simple commands and expanding variables."""

from __future__ import annotations

import pytest

from bot.scope.shell import Command, Unresolved, expand_vars, split_commands


def argvs(script: str, env: dict | None = None, cwd: str = ".") -> list[tuple[str, ...]]:
    return [c.argv for c in split_commands(script, env or {}, cwd)]


def one(script: str, env: dict | None = None, cwd: str = ".") -> Command:
    commands = split_commands(script, env or {}, cwd)
    assert len(commands) == 1, commands
    return commands[0]


# --- splitting --------------------------------------------------------------------------------


def test_single_command():
    command = one("trivy config k8s", cwd="repo")
    assert command.argv == ("trivy", "config", "k8s")
    assert command.cwd == "repo"
    assert command.problem is None


def test_line_continuations():
    assert argvs("trivy config \\\n  --severity HIGH \\\n  --exit-code 1 \\\n  k8s\necho done") == [
        ("trivy", "config", "--severity", "HIGH", "--exit-code", "1", "k8s"),
        ("echo", "done"),
    ]


def test_crlf_line_continuation():
    assert argvs("trivy fs \\\r\n  .") == [("trivy", "fs", ".")]


@pytest.mark.parametrize("script", [
    "a 1 && b 2 && c 3",
    "a 1; b 2; c 3",
    "a 1 || b 2 | c 3",
    "a 1 | b 2 |& c 3",
    "a 1\nb 2\nc 3\n",
    "a 1 & b 2 ; c 3",
    "a 1&&b 2;c 3",
])
def test_separators(script):
    assert argvs(script) == [("a", "1"), ("b", "2"), ("c", "3")]


@pytest.mark.parametrize("script", [
    "a 1\n\nb 2\nc 3",
    "a 1;\nb 2\nc 3",
    "a 1 &&\n  b 2\nc 3",
    "a 1 |\n  b 2\nc 3",
])
def test_separator_runs(script):
    assert argvs(script) == [("a", "1"), ("b", "2"), ("c", "3")]


def test_blank_line_after_cd():
    commands = split_commands("cd k8s\n\ntrivy config .", {}, ".")
    assert [(c.argv, c.cwd) for c in commands] == [(("trivy", "config", "."), "k8s")]


def test_quoted_words_are_one_argument():
    assert argvs("""trivy config "my dir/x.yaml" 'a b' "c;d" 'e && f'""") == [
        ("trivy", "config", "my dir/x.yaml", "a b", "c;d", "e && f")]


def test_comments_are_dropped():
    assert argvs("# setup\ntrivy fs . # trailing comment\n  # indented comment\necho done") == [
        ("trivy", "fs", "."), ("echo", "done")]


def test_hash_inside_quotes_or_words_is_kept():
    assert argvs("""echo '# not a comment' "nor #this" x#y # but this is""") == [
        ("echo", "# not a comment", "nor #this", "x#y")]


def test_comment_after_separator():
    assert argvs("a; # comment && b\nc") == [("a",), ("c",)]


def test_unbalanced_quote_is_a_problem_not_an_exception():
    (command,) = split_commands("echo 'unterminated", {}, "ci")
    assert command.argv == ()
    assert command.cwd == "ci"
    assert command.problem.startswith("cannot split the script")


# --- cd ---------------------------------------------------------------------------------------


def test_cd_changes_cwd_for_later_commands():
    commands = split_commands("trivy fs .\ncd k8s && trivy config .\necho done", {}, ".")
    assert [(c.argv[0], c.cwd) for c in commands] == [("trivy", "."), ("trivy", "k8s"), ("echo", "k8s")]


def test_cd_is_not_reported_as_a_command():
    assert argvs("cd k8s; ls") == [("ls",)]


def test_cd_is_relative_to_the_current_cwd():
    commands = split_commands("cd sub\ncd deeper\nls\ncd ..\nls\ncd ../other && ls", {}, "base")
    assert [c.cwd for c in commands] == ["base/sub/deeper", "base/sub", "base/other"]


def test_cd_expands_known_variables():
    env = {"DIR": "k8s"}
    assert one('cd "$DIR" && ls', env).cwd == "k8s"
    assert one("cd ${MISSING:-fallback}/x && ls").cwd == "fallback/x"


def test_cd_without_argument_goes_to_the_workspace():
    env = {"GITHUB_WORKSPACE": "/github/workspace"}
    assert one("cd\nls", env, cwd="/github/workspace/sub").cwd == "/github/workspace"


def test_cd_to_an_unknown_directory_is_a_problem():
    commands = split_commands("cd $SOMEWHERE && trivy fs .", {}, ".")
    assert commands[0].argv == ("cd", "$SOMEWHERE")
    assert commands[0].problem.startswith("cd to an unknown directory")
    assert "$SOMEWHERE" in commands[0].problem
    assert commands[1].argv == ("trivy", "fs", ".")
    assert commands[1].cwd == "."  # unchanged: we could not follow the cd


def test_cd_to_command_substitution_is_a_problem():
    command = split_commands("cd $(mktemp -d) && trivy fs .", {}, ".")[0]
    assert command.problem is not None and command.problem.startswith("cd to an unknown directory")


def test_cd_inside_a_subshell_does_not_leak():
    commands = split_commands("(cd sub && make) && ls", {}, ".")
    assert [(c.argv, c.cwd) for c in commands] == [(("make",), "sub"), (("ls",), ".")]


# --- variables --------------------------------------------------------------------------------


def test_export_sets_env_for_later_commands():
    commands = split_commands("trivy fs .\nexport DIR=k8s TARGET=$DIR/api.yaml\ntrivy config $TARGET", {}, ".")
    assert [c.argv for c in commands] == [("trivy", "fs", "."), ("trivy", "config", "$TARGET")]
    assert "DIR" not in commands[0].env
    assert commands[1].env["DIR"] == "k8s"
    assert commands[1].env["TARGET"] == "k8s/api.yaml"
    assert expand_vars(commands[1].argv[2], commands[1].env) == "k8s/api.yaml"


def test_bare_assignment_sets_a_shell_variable():
    commands = split_commands("X=a\nY=$X/b\necho $Y", {}, ".")
    assert commands[0].argv == ("echo", "$Y")
    assert commands[0].env["Y"] == "a/b"


def test_inline_assignment_applies_to_that_command_only():
    commands = split_commands("X=1 Y=two trivy config ${X}\necho $X", {"BASE": "b"}, ".")
    assert commands[0].argv == ("trivy", "config", "${X}")
    assert commands[0].env == {"BASE": "b", "X": "1", "Y": "two"}
    assert commands[1].env == {"BASE": "b"}


def test_unresolvable_exported_value_is_marked():
    command = one("export DIR=$(pwd)\ntrivy fs $DIR")
    with pytest.raises(Unresolved):
        expand_vars(command.argv[2], command.env)


def test_workflow_env_is_passed_and_not_mutated():
    env = {"A": "1"}
    command = one("export B=2\necho", env)
    assert command.env == {"A": "1", "B": "2"}
    assert env == {"A": "1"}


# --- wrappers and redirections --------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["sudo", "time", "exec", "nohup", "command", "sudo time"])
def test_wrappers_are_removed(prefix):
    assert argvs(f"{prefix} trivy fs /src") == [("trivy", "fs", "/src")]


def test_env_wrapper_sets_variables():
    command = one("sudo env FOO=bar trivy fs .")
    assert command.argv == ("trivy", "fs", ".")
    assert command.env["FOO"] == "bar"


@pytest.mark.parametrize("script", [
    "trivy fs . 2>&1",
    "trivy fs . > out.txt",
    "trivy fs . >out.txt",
    "trivy fs . >> out.txt 2> err.txt",
    "trivy fs . &>/dev/null",
    "trivy fs . 2>/dev/null >&2",
    "trivy fs . < /dev/null",
    'trivy fs . > "my report.txt"',
])
def test_redirections_are_removed(script):
    assert argvs(script) == [("trivy", "fs", ".")]


def test_redirection_before_a_pipe():
    assert argvs("trivy fs . 2>&1 | tee log.txt") == [("trivy", "fs", "."), ("tee", "log.txt")]


def test_greater_than_inside_quotes_is_not_a_redirection():
    assert argvs("echo 'a > b' && trivy fs .") == [("echo", "a > b"), ("trivy", "fs", ".")]


# --- expand_vars ------------------------------------------------------------------------------


@pytest.mark.parametrize("word, env, expected", [
    ("$X", {"X": "1"}, "1"),
    ("${X}", {"X": "1"}, "1"),
    ("pre${X}post", {"X": "v"}, "prevpost"),
    ("$X/$Y.yaml", {"X": "a", "Y": "b"}, "a/b.yaml"),
    ("${X:-default}", {}, "default"),
    ("${X:-default}", {"X": "set"}, "set"),
    ("${X-default}", {}, "default"),
    ("${X:-}", {}, ""),
    ("${X:-a b}", {}, "a b"),
    ("plain/path", {}, "plain/path"),
    ("", {}, ""),
])
def test_expand_vars(word, env, expected):
    assert expand_vars(word, env) == expected


@pytest.mark.parametrize("word", ["$NOPE", "${NOPE}", "k8s/$NOPE/x", "${A}${NOPE}"])
def test_unknown_variable_raises(word):
    with pytest.raises(Unresolved, match="NOPE"):
        expand_vars(word, {"A": "a"})


@pytest.mark.parametrize("word", ["$(pwd)", "$(git rev-parse --show-toplevel)/k8s", "`pwd`", "a`b`c"])
def test_command_substitution_raises(word):
    with pytest.raises(Unresolved):
        expand_vars(word, {})


def test_command_substitution_in_a_script_is_unresolved_at_expansion():
    command = one("trivy config $(git ls-files '*.yaml')")
    assert command.argv[:2] == ("trivy", "config")
    with pytest.raises(Unresolved):
        expand_vars(command.argv[-1], command.env)


def test_github_expressions_raise():
    with pytest.raises(Unresolved):
        expand_vars("${{ inputs.path }}", {})
    with pytest.raises(Unresolved, match="X"):
        expand_vars("$X", {"X": "${{ inputs.path }}"})


def test_unresolved_is_a_value_error():
    assert issubclass(Unresolved, ValueError)
