"""`run:` scripts: parsed by bash's grammar, every command on the allowlist with literal arguments.

Each script is read with tree-sitter-bash (bot.scope.bash), so line continuations, pipes,
substitutions, heredocs and redirections are seen as bash sees them. A script the parser cannot
read is rejected; so is any construct, command, flag, expansion or write target not listed here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.checks.guardrails import commands, danger, downloads, environment
from bot.findings import Finding, Severity
from bot.scope.bash import Redirect, Script, ShellSyntaxError, Word, parse
from bot.userregex import regex_search
from bot.workflow import line_of

ID = "guardrails"
# Syntax a written script may use: commands joined by && || ; | and newlines, simple `for` loops,
# `if`/`test`, groups, assignments and `export`, comments, quotes, redirections and heredocs.
CONSTRUCTS = {"program", "comment", "command", "command_name", "word", "string", "string_content", "raw_string",
              "concatenation", "simple_expansion", "expansion", "variable_name", "special_variable_name", "number",
              "list", "pipeline", "redirected_statement", "file_redirect", "file_descriptor", "heredoc_redirect",
              "heredoc_start", "heredoc_body", "heredoc_content", "heredoc_end", "herestring_redirect",
              "variable_assignment", "variable_assignments", "declaration_command", "for_statement", "do_group",
              "if_statement", "elif_clause", "else_clause", "test_command", "unary_expression", "binary_expression",
              "test_operator", "compound_statement", "subshell", "negated_command", "parenthesized_expression"}
SUBSTITUTIONS = {"command_substitution", "process_substitution", "arithmetic_expansion"}
# `$NAME`, `${NAME}` and `${NAME:-literal}`: nothing that runs code or reads indirectly.
_SAFE_EXPANSION = re.compile(r"^\$(?:[A-Za-z_][A-Za-z0-9_]*|[?#0-9]|\{[A-Za-z_][A-Za-z0-9_]*(?::?-[^$`{}()]*)?\})$")
# `${{ … }}` a written script may hold: values fixed by the workflow itself or by the runner.
_SAFE_EXPRESSION = re.compile(
    r"^(?:matrix\.[\w.-]+|env\.\w+|runner\.(?:temp|os|arch|workspace)|github\.(?:workspace|sha|repository|run_id|"
    r"run_number|run_attempt|workflow|job|event_name|server_url)|steps\.[\w-]+\.(?:outcome|conclusion)|job\.status|"
    r"strategy\.[\w-]+)$")
_ENV_WRITES = {"GITHUB_ENV", "GITHUB_PATH"}
_SUMMARY = {"GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"}  # outputs reach no script: see _SAFE_EXPRESSION
_DEVICES = {"/dev/null", "/dev/stdout", "/dev/stderr"}
_ELSEWHERE = re.compile(r"^\$\{?(?:HOME|OLDPWD|RUNNER_WORKSPACE|RUNNER_TOOL_CACHE|AGENT_TOOLSDIRECTORY)\b")
_PRINTERS = {"echo", "printf", "test", "[", ":", "true", "false", "exit", "set", "shopt"}  # print, never open
_TEMP_PREFIX = re.compile(r"^(?:\$RUNNER_TEMP|\$\{RUNNER_TEMP\}|\$\{\{ *runner\.temp *\}\})/")
_VARIABLE = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")
_WRITES = {">", ">>", ">|", "&>", "&>>", "<>", ">&"}
# The folder a verified release download extracts its binary into ($RUNNER_TEMP/TOOL-bin): protected like a venv.
_RELEASE_BIN = re.compile(r"-bin(?:/|$)")


def audit(ctx) -> list[Finding]:
    workflow = ctx.workflow
    severity = Severity.ERROR if ctx.generated else Severity.WARNING
    deny = tuple(ctx.config.run_deny) if ctx.config is not None else ()
    findings = []
    for step in workflow.steps():
        script = step.data.get("run")
        if script is None:
            continue
        where = f"job `{step.job_id}` step {step.index + 1}"
        line = line_of(step.data, "run")

        def add(rule: str, message: str, hint: str | None = None) -> None:
            findings.append(Finding(ID, rule, severity, f"{where} {message}", workflow.path, line, hint=hint))

        for pattern in deny:  # the config's patterns run on RE2: linear time, whatever the pattern
            if regex_search(pattern, str(script)):
                add("forbidden-run", f"runs shell denied by {ctx.config.where('run.deny')} (/{pattern}/)",
                    "Remove it; vibeops never writes such a step.")
        try:
            parsed = parse(str(script))
        except ShellSyntaxError as exc:
            if ctx.generated:
                add("unreadable-run", f"has a script bash's grammar cannot read ({exc}); it is rejected")
            continue
        if not ctx.generated:
            for message in dict.fromkeys(filter(None, (danger.classic(c, parsed) for c in parsed.commands))):
                add("forbidden-run", message, "Remove it; vibeops never writes such a step.")
            continue
        trusted = (ctx.gate_source,) if getattr(ctx, "gate_source", None) else ()
        verified = _verified_download(parsed, str(script))
        if isinstance(verified, list):
            for reason in verified:
                add("unverified-download", f"downloads without a verified pin: {reason}",
                    "Download only a release vibeops pins: to a file, `sha256sum --check` of its sha256, then "
                    "`tar -xzf` of the one binary.")
            verified = False
        for rule, message in dict.fromkeys(_problems(parsed, _literal_sources(workflow, step), trusted, verified)):
            add(rule, message, "Use only the scanners and setup commands of the allowlist, with literal arguments.")
    return findings


def _literal_sources(workflow, step) -> dict[str, bool]:
    """Whether `matrix.*` and each `env.X` a script may name hold only values written in the workflow."""
    job = workflow.jobs[step.job_id]  # steps() only walks jobs that are mappings
    literal = {"matrix": "${{" not in str(job.get("strategy", ""))}
    for node in (workflow.doc, job, step.data):  # step env wins over job env over workflow env
        env = node.get("env") if isinstance(node, Mapping) else None
        for name, value in (env.items() if isinstance(env, Mapping) else ()):
            literal[f"env.{name}"] = "${{" not in str(value)
    return literal


def _expression_allowed(body: str, literal: dict[str, bool]) -> bool:
    if not _SAFE_EXPRESSION.match(body):
        return False
    if body.startswith("matrix."):
        return literal["matrix"]  # a matrix built from an expression may carry event text
    if body.startswith("env."):
        return literal.get(body, True)  # an unset env.X is empty
    return True


def _verified_download(script: Script, text: str) -> bool | list[str]:
    """True for a verified release download (bot.checks.guardrails.downloads), the reasons it is not one when
    it tries to be (it checks a digest or extracts an archive), else False."""
    names = {c.argv[0] for c in script.commands if c.argv}
    if not names & downloads.DOWNLOADERS:
        return False
    reasons = downloads.problems(text)
    if not reasons:
        return True
    return reasons if names & {"sha256sum", "tar", "install"} else False


def _problems(script: Script, literal: dict[str, bool], trusted: tuple[str, ...] = (),
              verified_download: bool = False) -> list[tuple[str, str]]:
    """`verified_download`: the whole script is a verified release download, checked line by line."""
    problems: list[tuple[str, str]] = []
    for construct in sorted(script.constructs - CONSTRUCTS):
        if construct in SUBSTITUTIONS:
            problems.append(("substitution", f"uses a {construct.replace('_', ' ')}, whose output is only known "
                                             "at run time"))
        else:
            problems.append(("shell-construct", f"uses `{construct}`, which the allowlist does not accept"))
    for expression in script.expressions:
        body = " ".join(expression[3:-2].split())
        if not _expression_allowed(body, literal):
            problems.append(("run-expression", f"puts `{expression}` into the script; only matrix, env, runner "
                                               "and step-outcome values may appear there"))
    for command in script.commands:
        release = downloads.release_program(command.words[0].value) if command.words else None
        for name, value in command.assignments:
            if downloads.ct_path(name, value.value, release):  # ct finds helm, yamllint and yamale by name
                continue
            why = environment.problem(name)
            if why:
                problems.append(("variable-not-allowed", why))
            problems += _word(value) + _protected(value)
        if command.declaration and command.declaration not in ("export", "local"):
            problems.append(("shell-construct", f"uses `{command.declaration}`"))
        if command.declaration:
            for word in command.words:
                why = environment.problem(word.value.partition("=")[0])
                if why:
                    problems.append(("variable-not-allowed", why))
                problems += _word(word) + _protected(word)
            continue
        for word in command.words:
            problems += _word(word)
        arguments = list(command.words[1:])
        if command.argv[:3] in (("python", "-m", "venv"), ("python3", "-m", "venv")):
            arguments = []  # `python3 -m venv $RUNNER_TEMP/NAME-venv` makes the one venv (commands.VENV_DIR)
        if verified_download:  # every line is one of the download's own commands (downloads.problems)
            if command.argv[0] in downloads.DOWNLOADERS:
                continue
            arguments = [w for w in arguments if not _RELEASE_BIN.search(w.value)]
        arguments = [w for w in arguments if not downloads.ct_reads(release, w.value)]  # its own rule files
        for word in arguments:
            problems += _protected(word)
            if command.argv[0] not in _PRINTERS:
                problems += _outside(word)
        if command.argv[:1] == ("cd",):
            problems += _cd(command.words[1:])
        classic = danger.classic(command, script)
        found = [("forbidden-run", classic)] if classic else commands.check(command, trusted)
        if found and found[0][0] == "command-not-allowed":
            described = danger.describe(command, script)  # say what the unknown command would do
            found = [("forbidden-run", described)] if described else found
        problems += found
        for target in commands.write_targets(command):
            problems += _write(target)
        for redirect in command.redirects:
            problems += _redirect(redirect)
    return problems


def _word(word: Word) -> list[tuple[str, str]]:
    problems = []
    for expansion in word.expansions:
        if not _SAFE_EXPANSION.match(expansion):
            problems.append(("non-literal-argument", f"expands `{expansion}`; only `$NAME`, `${{NAME}}` and "
                                                     "`${NAME:-literal}` are allowed"))
    return problems


def _protected(word: Word) -> list[tuple[str, str]]:
    """Nothing but a venv's own program word may name a venv, and no glob may reach outside the workspace.

    A job's tools live in `$RUNNER_TEMP/NAME-venv/bin`; an argument that could name a file there (an
    output path, a glob through `..`, `~` or an absolute path) could overwrite a program a later step runs.
    """
    value = word.value
    if "venv" in value.lower():
        return [("protected-path", f"names `{word.raw}`; only the venv's own programs may use its path")]
    if _RELEASE_BIN.search(value):
        return [("protected-path", f"names `{word.raw}`; only the verified download and the tool's own program "
                                   "may use its folder")]
    parts = value.split("/")
    if word.glob and (value.startswith(("/", "~", "$")) or ".." in parts):
        return [("protected-path", f"has the glob `{word.raw}` outside the workspace")]
    return []


def _outside(word: Word) -> list[tuple[str, str]]:
    """Commands read and write in the workspace and $RUNNER_TEMP: no absolute path, `~` or `..` elsewhere."""
    value = word.value.partition("=")[2] if word.value.startswith("-") else word.value
    value = value.lstrip("@")  # trivy's `--template @FILE`
    if value in _DEVICES or value in ("/dev/stdin", "-") or value.startswith("/tmp/"):
        return []
    if value.startswith(("/", "~")) or ".." in value.split("/") or _ELSEWHERE.match(value):
        return [("path-outside-workspace", f"reaches `{word.raw}`; commands read and write only in the workspace, "
                                           "$RUNNER_TEMP and /tmp")]
    return []


def _cd(words: list[Word]) -> list[tuple[str, str]]:
    """`cd` only into the workspace: a literal relative path without `..` or globs.

    `cd` alone (or `cd --`) goes to $HOME and `cd -` to $OLDPWD: both leave the workspace."""
    if words and words[0].value == "--":
        words = words[1:]
    target = words[0] if words else None
    if target is not None and target.literal and not target.glob and target.value not in ("", "-") \
            and not target.value.startswith(("/", "~")) and ".." not in target.value.split("/"):
        return []
    where = f"`{target.raw}`" if target is not None else "$HOME (`cd` without a folder)"
    return [("protected-path", f"changes directory to {where}; only literal folders in the workspace are allowed")]


def _redirect(redirect: Redirect) -> list[tuple[str, str]]:
    """Output redirections are writes; `>&2` and friends name a descriptor, which is a plain name too."""
    return _write(redirect.target) if redirect.op in _WRITES else []


def _write(target: Word | None) -> list[tuple[str, str]]:
    """Writes go to the job summary, a device, or a plain file in the workspace or the runner's temp."""
    value, raw = (target.value, target.raw) if target is not None else ("", "")
    if target is not None and _protected(target):
        return _protected(target)
    variable = _VARIABLE.match(value)
    if variable and variable.group(1) in _ENV_WRITES:
        return [("environment-write", f"writes to `${variable.group(1)}`, which would set variables or PATH for "
                                      "later steps")]
    if variable and variable.group(1) in _SUMMARY or value in _DEVICES:
        return []
    relative = _TEMP_PREFIX.sub("", value, count=1)
    if relative and "$" not in relative and not relative.startswith("/") and not any(
            part == ".." or part.startswith(".") for part in relative.split("/") if part):
        return []
    return [("redirect-not-allowed", f"writes to `{raw}`; only $GITHUB_STEP_SUMMARY, /dev/null and "
                                     "plain files in the workspace or $RUNNER_TEMP are allowed")]
