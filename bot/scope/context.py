"""What a step sees when it runs: merged env, working directory, where the repo is checked out."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.scope.matrix import MatrixTooLarge, combinations
from bot.scope.shell import Unresolved, expand_vars
from bot.workflow import Step, Workflow

WORKSPACE = "/github/workspace"
RUNNER_TEMP = "/home/runner/work/_temp"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_ENV_REF = re.compile(r"^env\.([A-Za-z_][A-Za-z0-9_]*)$|^env\[\s*'([^']+)'\s*\]$")
_LITERAL = re.compile(r"^'((?:[^']|'')*)'$")
_CHECKOUT = re.compile(r"^actions/checkout@", re.IGNORECASE)


@dataclass(frozen=True)
class StepContext:
    """The runtime facts of one step that decide what its commands touch."""

    env: Mapping[str, str]
    working_directory: str
    checkout_root: str | None
    unknown: str | None = None  # why nothing this step runs can be known (an expansion limit was hit)


def resolve_expressions(text: str, env: Mapping[str, str], lenient: bool = False) -> str:
    """Replace `${{ … }}` we can know statically; anything else raises Unresolved.

    With `lenient`, unknown expressions stay in the text as one space-free word, so a script still
    splits into commands and only the words that use them are unresolved.
    """

    def replace(match: re.Match[str]) -> str:
        try:
            return _resolve_one(match.group(1), env)
        except Unresolved:
            if lenient:
                return "${{" + "".join(match.group(1).split()) + "}}"
            raise

    return _EXPRESSION.sub(replace, text)


def _resolve_one(expr: str, env: Mapping[str, str]) -> str:
    if True:
        if expr in ("github.workspace", "runner.workspace"):
            return WORKSPACE
        if expr == "runner.temp":
            return RUNNER_TEMP
        if expr.startswith("matrix."):
            if expr in env:  # matrix values ride in env under their dotted name
                return env[expr]
            raise Unresolved(f"`${{{{ {expr} }}}}` is not a value of a literal matrix")
        if expr.startswith("inputs."):
            # known only inside a reusable workflow followed from its caller (with its `with:` values)
            if expr in env and "${{" not in env[expr]:
                return env[expr]
            raise Unresolved(f"`${{{{ {expr} }}}}` is only known when the workflow runs")
        env_ref = _ENV_REF.match(expr)
        if env_ref:
            name = env_ref.group(1) or env_ref.group(2)
            if name in env and "${{" not in env[name]:
                return env[name]
            raise Unresolved(f"env.{name} is not known before the run")
        literal = _LITERAL.match(expr)
        if literal:
            return literal.group(1).replace("''", "'")
        raise Unresolved(f"`${{{{ {expr} }}}}` is only known when the workflow runs")


def absolute(cwd: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, path))


def resolve_value(value: object, env: Mapping[str, str]) -> str:
    """An input or env value as text, with expressions and shell variables resolved."""
    text = "" if value is None else str(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return resolve_expressions(text, env)


def _merge_env(base: dict[str, str], block: object) -> dict[str, str]:
    merged = dict(base)
    if isinstance(block, Mapping):
        for name, value in block.items():
            try:
                merged[str(name)] = resolve_value(value, base)
            except Unresolved:
                merged[str(name)] = "${{ unresolved }}"  # kept so a later use says why
    return merged


def _default_working_directory(node: object) -> str | None:
    if not isinstance(node, Mapping):
        return None
    defaults = node.get("defaults")
    run = defaults.get("run") if isinstance(defaults, Mapping) else None
    value = run.get("working-directory") if isinstance(run, Mapping) else None
    return None if value is None else str(value)


def step_contexts(workflow: Workflow, step: Step,
                  inputs: Mapping[str, str] | None = None) -> list[tuple[dict[str, str], StepContext]]:
    """One context per matrix combination the step depends on (one, without a matrix).

    `inputs` are a reusable workflow's input values, when it is followed from its caller.
    """
    job = workflow.jobs.get(step.job_id) or {}
    if "matrix." not in str(step.data) and "matrix." not in str(job.get("env", "")):
        return [({}, step_context(workflow, step, None, inputs))]
    try:
        combos = combinations(job)
    except MatrixTooLarge as exc:
        return [({}, replace(step_context(workflow, step, None, inputs), unknown=str(exc)))]
    if not combos:
        return [({}, step_context(workflow, step, None, inputs))]  # unknown or empty matrix: stays unresolved
    return [(combo, step_context(workflow, step, combo, inputs)) for combo in combos]


def step_context(workflow: Workflow, step: Step, matrix: dict[str, str] | None = None,
                 inputs: Mapping[str, str] | None = None) -> StepContext:
    job = workflow.jobs.get(step.job_id) or {}
    env = {"GITHUB_WORKSPACE": WORKSPACE, "RUNNER_TEMP": RUNNER_TEMP, "HOME": "/home/runner"}
    env.update({f"inputs.{name}": value for name, value in (inputs or {}).items()})
    env.update({f"matrix.{name}": value for name, value in (matrix or {}).items()})
    env = _merge_env(env, workflow.doc.get("env"))
    env = _merge_env(env, job.get("env"))
    env = _merge_env(env, step.data.get("env"))
    directory = (
        step.data.get("working-directory")
        or _default_working_directory(job)
        or _default_working_directory(workflow.doc)
        or "."
    )
    try:
        directory = expand_vars(resolve_value(directory, env), env)
        working_directory = posixpath.normpath(posixpath.join(WORKSPACE, directory))
    except Unresolved:
        working_directory = "${{ unresolved }}"
    return StepContext(env=env, working_directory=working_directory, checkout_root=_checkout_root(job, step))


def _checkout_root(job: Mapping, step: Step) -> str | None:
    """Where the workflow's own repository sits in the workspace when `step` runs."""
    root = None
    steps = job.get("steps")
    for earlier in (steps if isinstance(steps, list) else [])[: step.index]:
        if not isinstance(earlier, Mapping) or not _CHECKOUT.match(str(earlier.get("uses", ""))):
            continue
        inputs = earlier.get("with")
        if not isinstance(inputs, Mapping):
            inputs = {}  # `with: foo`: actionlint reports the shape; the checkout takes its defaults
        repository = str(inputs.get("repository", "") or "")
        if repository and repository not in ("${{ github.repository }}",):
            continue  # another repository checked out beside ours
        path = str(inputs.get("path", "") or ".")
        root = posixpath.normpath(posixpath.join(WORKSPACE, path))
    return root
