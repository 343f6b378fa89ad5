"""Find the scanner steps of a workflow and the repository files each one reads."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping
from dataclasses import replace

from bot.globs import glob_match, is_glob, re2_compile, trivy_skip_match
from bot.repotree import ROOT, RepoTree, normalize
from bot.scope import actionlint, checkov, hadolint, helm, kubeconform, kubelinter, trivy, vibeops
from bot.scope.context import WORKSPACE as WORKSPACE_DIR, StepContext, resolve_expressions, resolve_value, step_contexts
from bot.scope.filetypes import EXPLICIT, checkov_frameworks, helm_chart_roots, reads_file, unvendored_charts
from bot.scope.matrix import combinations
from bot.scope.model import ANY_TOOL, Invocation, ScannerStep
from bot.scope.pipes import expand_xargs
from bot.scope.shell import Command, Unresolved, expand_vars, split_commands
from bot.scope.wrappers import follow_make, unwrap
from bot.workflow import Step, Workflow, WorkflowError, line_of, load_yaml

# Each recogniser module: TOOL, ACTIONS (a `uses:` pattern or None), from_action() and from_command().
RECOGNISERS = (trivy, actionlint, checkov, hadolint, kubeconform, helm, kubelinter, vibeops)
# Scanners we recognise but do not analyse: reported as unknown, never as exact.
_OTHER_ACTIONS = {
    re.compile(r"^zizmorcore/zizmor-action@", re.I): "zizmor",
    re.compile(r"^aquasecurity/tfsec[\w.-]*@", re.I): "tfsec",
    re.compile(r"^kubescape/github-action@", re.I): "kubescape",
    re.compile(r"^kubevious/cli@", re.I): "kubevious",
}
_OTHER_COMMANDS = {"kubevious": "kubevious", "zizmor": "zizmor", "tfsec": "tfsec", "kubescape": "kubescape",
                   "flux": "flux", "kubeval": "kubeval", "kube-score": "kube-score", "polaris": "polaris",
                   "terrascan": "terrascan", "kics": "kics", "datree": "datree"}
_CONTAINER_TOOLS = ("trivy", "actionlint", "checkov", "hadolint", "kubeconform", "kube-linter", "yamllint")
# Words that name a scanner in an action, image, Makefile target or workflow name (longest first).
_SCANNER_WORDS = (("kube-linter", "kube-linter"), ("kubelinter", "kube-linter"), ("kubeconform", "kubeconform"),
                  ("chart-testing", "chart-testing"), ("actionlint", "actionlint"), ("hadolint", "hadolint"),
                  ("yamllint", "yamllint"), ("checkov", "checkov"), ("trivy", "trivy"), ("kubeval", "kubeval"),
                  ("kubescape", "kubescape"), ("tfsec", "tfsec"), ("zizmor", "zizmor"), ("terrascan", "terrascan"),
                  ("kics", "kics"))
# Actions that only install a scanner (they read no file).
_INSTALLERS = re.compile(r"(^|[/-])(setup|install|installer|cache|download)([/-]|@|$)|^helm/(kind|chart-testing|chart-releaser)-action@", re.I)
_HADOLINT_IMAGE = re.compile(r"^(?:(?:docker\.io|ghcr\.io)/)?hadolint/hadolint(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$",
                             re.I)
_DOCKER_RUN_VALUES = frozenset({"-v", "--volume", "-e", "--env", "-w", "--workdir", "--name", "--entrypoint", "-u",
                                "--user", "--network", "--net", "--platform", "--mount", "-p", "--publish",
                                "--env-file", "--pull", "-l", "--label", "--hostname", "-h", "--cpus", "-m",
                                "--memory", "--add-host", "--cap-add", "--cap-drop", "--security-opt",
                                "--tmpfs", "--ulimit", "--log-driver", "--restart", "--shm-size", "--device",
                                "--group-add", "--ipc", "--pid", "--runtime", "--stop-signal", "--cidfile"})
_MAX_REUSE_DEPTH = 4
_MAX_REUSE_COMBOS = 64
_REUSABLE_LOCAL = re.compile(r"^\./(.+\.ya?ml)$")
_MAX_MAKE_NESTING = 3


def scanner_steps(workflow: Workflow, tree: RepoTree) -> tuple[ScannerStep, ...]:
    return tuple(_workflow_steps(workflow, tree, None, "", 0, ()))


def _workflow_steps(workflow: Workflow, tree: RepoTree, inputs: Mapping[str, str] | None, prefix: str,
                    depth: int, seen: tuple[str, ...]) -> list[ScannerStep]:
    found: list[ScannerStep] = []
    for step in workflow.steps():
        for combo, ctx in step_contexts(workflow, step, inputs):
            for invocation in _invocations(step, ctx, tree):
                if ctx.unknown:
                    invocation = replace(invocation, mode="unknown", unresolved=ctx.unknown)
                found.append(_locate(step, ctx, invocation, tree, combo, prefix))
    jobs = workflow.doc.get("jobs") if isinstance(workflow.doc.get("jobs"), Mapping) else {}
    for job_id, job in jobs.items():
        if isinstance(job, Mapping) and job.get("uses") is not None:
            found.extend(_reusable(workflow, str(job_id), job, line_of(jobs, job_id), tree, inputs, prefix,
                                   depth, seen))
    return found


def _unknown_step(job_id: str, line: int | None, name: str, tool: str, reason: str) -> ScannerStep:
    return ScannerStep(job_id=job_id, step_index=0, step_name=name, line=line, tool=tool, mode="unknown",
                       scanners=(), roots=(), files=frozenset(), resolved=False, reason=reason)


def _reusable(workflow: Workflow, job_id: str, job: Mapping, line: int | None, tree: RepoTree,
              inputs: Mapping[str, str] | None, prefix: str, depth: int, seen: tuple[str, ...]) -> list[ScannerStep]:
    """A job that calls a reusable workflow: followed when it is in this repository, else unknown."""
    uses = str(job.get("uses"))
    name = f"{prefix}{job_id}"
    local = _REUSABLE_LOCAL.match(uses.strip())
    if not local:
        tool = scanner_named(uses) or ANY_TOOL
        return [_unknown_step(name, line, uses, tool,
                              f"calls the reusable workflow {uses}, which is not in this repository")]
    path = normalize(local.group(1))
    if depth >= _MAX_REUSE_DEPTH or path in seen:
        return [_unknown_step(name, line, uses, ANY_TOOL, f"reusable workflows nest too deep at {path}")]
    text = tree.read_text(path)
    if text is None:
        # GitHub refuses to start a workflow whose called workflow is missing: nothing runs.
        return [ScannerStep(job_id=name, step_index=0, step_name=uses, line=line, tool=ANY_TOOL, mode="none",
                            scanners=(), roots=(), files=frozenset(), resolved=True,
                            reason=f"the reusable workflow {path} is not in the repository, so GitHub runs nothing")]
    try:
        called = Workflow.parse(path, text)
    except WorkflowError as exc:
        return [_unknown_step(name, line, uses, ANY_TOOL, f"cannot read the reusable workflow {path}: {exc}")]
    declared = _declared_inputs(called)
    caller_combos = combinations(job) if "matrix." in str(job.get("with", "")) else []
    if caller_combos is None:
        return [_unknown_step(name, line, uses, ANY_TOOL, "its inputs come from a matrix only known at run time")]
    if len(caller_combos) > _MAX_REUSE_COMBOS:
        return [_unknown_step(name, line, uses, ANY_TOOL, f"its matrix has {len(caller_combos)} combinations, "
                                                          f"more than the {_MAX_REUSE_COMBOS} followed")]
    found: list[ScannerStep] = []
    for combo in caller_combos or [{}]:
        values = dict(declared)
        env = {f"matrix.{k}": v for k, v in combo.items()}
        env.update({f"inputs.{k}": v for k, v in (inputs or {}).items()})
        given = job.get("with") if isinstance(job.get("with"), Mapping) else {}
        for key, value in given.items():
            try:
                values[str(key)] = resolve_value(value, env)
            except Unresolved:
                values[str(key)] = "${{ unresolved }}"
        label = f"{name}" + (" (" + ", ".join(f"{k}={v}" for k, v in combo.items()) + ")" if combo else "")
        found.extend(_workflow_steps(called, tree, values, f"{label} → ", depth + 1, (*seen, path)))
    return found


def _declared_inputs(workflow: Workflow) -> dict[str, str]:
    """The defaults of `on.workflow_call.inputs`; an input without one is empty, as GitHub passes it."""
    call = workflow.triggers.get("workflow_call")
    declared = call.get("inputs") if isinstance(call, Mapping) else None
    values: dict[str, str] = {}
    for name, spec in (declared.items() if isinstance(declared, Mapping) else ()):
        default = spec.get("default") if isinstance(spec, Mapping) else None
        if isinstance(default, bool):
            default = "true" if default else "false"
        values[str(name)] = "" if default is None else str(default)
    return values


def scanner_named(text: str) -> str | None:
    """The scanner a name mentions (an action, image, Makefile target, workflow file), if any."""
    lowered = text.lower()
    for word, tool in _SCANNER_WORDS:
        if word in lowered:
            return tool
    return None


def _invocations(step: Step, ctx: StepContext, tree: RepoTree) -> list[Invocation]:
    uses = step.uses
    if uses:
        for recogniser in RECOGNISERS:
            if recogniser.ACTIONS is not None and recogniser.ACTIONS.match(uses):
                return [recogniser.from_action(uses, step.with_, ctx, tree)]
        for pattern, tool in _OTHER_ACTIONS.items():
            if pattern.match(uses):
                return [Invocation(tool, "unknown", unresolved=f"{tool} steps are not analysed")]
        if uses.lower().startswith("docker://"):
            docker = _docker_action(uses, step.with_, ctx, tree)
            if docker is not None:
                return docker
        tool = scanner_named(uses)
        if tool and not _INSTALLERS.search(uses):
            return [Invocation(tool, "unknown", unresolved=f"the action {uses.split('@')[0]} is not modelled")]
        if uses.startswith("./"):
            return _local_action(uses, ctx, tree)
        if re.match(r"^pre-commit/action@", uses, re.I):
            return _pre_commit(ctx, tree, uses)
        return []
    script = step.data.get("run")
    if script is None:
        return []
    if "${{ unresolved }}" in ctx.working_directory:
        tool = scanner_named(str(script))
        return [Invocation(tool, "unknown", unresolved="working-directory is only known at run time")] if tool else []
    text = resolve_expressions(str(script), ctx.env, lenient=True)
    # The same run twice in one step (`flux push …; flux tag …` both unknown) is reported once.
    return list(dict.fromkeys(_script_invocations(text, ctx, tree, ctx.working_directory, 0)))


# Images whose entrypoint is the scanner (so `with.args` are its arguments); hadolint's image only has a CMD.
_IMAGE_ENTRYPOINTS = {"aquasec/trivy": "trivy", "bridgecrew/checkov": "checkov", "bridgecrewio/checkov": "checkov",
                      "cytopia/yamllint": "yamllint", "pipelinecomponents/yamllint": None,
                      "stackrox/kube-linter": "kube-linter", "hadolint/hadolint": None}


def _docker_action(uses: str, inputs: Mapping, ctx: StepContext, tree: RepoTree) -> list[Invocation] | None:
    """`uses: docker://IMAGE` runs IMAGE in the workspace with `with.args` (and `with.entrypoint`)."""
    image = uses[len("docker://"):].split("@")[0]
    name = re.sub(r"^(?:docker\.io|ghcr\.io|quay\.io)/", "", image.split(":")[0].lower())
    tool = scanner_named(name)
    if tool is None:
        return None
    try:
        args = shlex.split(resolve_value(inputs.get("args") or "", ctx.env))
        entrypoint = resolve_value(inputs.get("entrypoint") or "", ctx.env)
    except (Unresolved, ValueError) as exc:
        return [Invocation(tool, "unknown", unresolved=str(exc))]
    if entrypoint:
        argv = [entrypoint, *args]
    elif _IMAGE_ENTRYPOINTS.get(name):
        argv = [_IMAGE_ENTRYPOINTS[name], *args]
    elif name in _IMAGE_ENTRYPOINTS and not args and tool == "hadolint":
        return [Invocation("hadolint", "lint", note="the image's `hadolint -` gets no input in a docker:// step")]
    else:
        argv = args
    if not argv or posixpath.basename(argv[0]) not in _SCANNER_COMMANDS | {"kube-linter"}:
        return [Invocation(tool, "unknown", unresolved=f"the image {image} runs `{' '.join(argv)[:60]}`, "
                                                       "which is not followed")]
    command = Command(tuple(argv), WORKSPACE_DIR, ctx.env)  # GitHub runs it with --workdir /github/workspace
    found = _recognise(command, ctx, tree)
    return [found] if found is not None else [Invocation(tool, "unknown", unresolved=f"the image {image} is not modelled")]


def _local_action(uses: str, ctx: StepContext, tree: RepoTree) -> list[Invocation]:
    """A local action (`uses: ./path`) whose action.yml names a scanner is unknown; it is not followed."""
    if ctx.checkout_root is None:
        return []
    folder = normalize(posixpath.relpath(posixpath.join(ctx.checkout_root, uses[2:]), ctx.checkout_root))
    for name in ("action.yml", "action.yaml"):
        text = tree.read_text(posixpath.join(folder, name) if folder != ROOT else name)
        if text is not None:
            tool = scanner_named(text)
            return [Invocation(tool, "unknown", unresolved=f"the local action {uses} runs {tool}; "
                                                           "local actions are not followed")] if tool else []
    return []


def _script_invocations(text: str, ctx: StepContext, tree: RepoTree, cwd: str, nesting: int) -> list[Invocation]:
    found: list[Invocation] = []
    for command in split_commands(text, ctx.env, cwd):
        if not command.argv and command.problem:
            # A script bash's grammar (or our bounds) cannot read: unknown for any scanner it names, never
            # "scans nothing".
            tool = scanner_named(text[:100_000])
            if tool:
                found.append(Invocation(tool, "unknown", unresolved=command.problem))
            continue
        runs = [command]
        if command.argv and command.argv[0] == "xargs":
            expanded = expand_xargs(command, tree, ctx.checkout_root)
            if isinstance(expanded, str):
                tool = _tool_named(command.argv[1:])
                if tool:
                    found.append(Invocation(tool, "unknown", unresolved=expanded))
                continue
            runs = expanded
        for run in runs:
            found.extend(_command_invocations(run, ctx, tree, nesting))
    return found


def _command_invocations(command: Command, ctx: StepContext, tree: RepoTree, nesting: int) -> list[Invocation]:
    """A command's scanner runs: a wrapper is unwrapped, a make target followed, else recognised."""
    for _ in range(4):  # `uv run python -m yamllint` unwraps twice
        inner = unwrap(command)
        if inner is None:
            break
        if isinstance(inner, str):
            tool = _tool_named(command.argv)
            return [Invocation(tool, "unknown", unresolved=inner)] if tool else []
        command = inner
    argv = command.argv
    if argv and posixpath.basename(argv[0]) in ("make", "gmake") and "${{" not in argv[0]:
        return _make_invocations(command, ctx, tree, nesting)
    if argv[:1] == ("find",) and any(w in ("-exec", "-execdir") for w in argv):
        return _find_exec(command, ctx, tree, nesting)
    if len(argv) > 2 and posixpath.basename(argv[0]) in _SHELLS and argv[1] in ("-c", "-ec", "-ce", "-xc", "-exc"):
        return _script_invocations(argv[2], ctx, tree, command.cwd, nesting + 1) if nesting < _MAX_MAKE_NESTING else []
    if argv[:2] == ("pre-commit", "run") or argv[:1] == ("prek",):
        return _pre_commit(ctx, tree, " ".join(argv))
    invocation = _recognise(command, ctx, tree)
    if invocation is None:
        invocation = _script_or_runner(command, ctx, tree)
    return [invocation] if invocation is not None else []


_RUNNERS = frozenset({"just", "task", "tox", "nox", "invoke", "mage", "earthly", "rake", "npm", "yarn", "pnpm"})
_SHELLS = frozenset({"bash", "sh", "zsh", "dash"})


def _script_or_runner(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    """A repository script or a task runner that names a scanner (`./hack/run-hadolint.sh`, `just yamllint`).

    Its commands are not followed, so the step is unknown for that scanner, never left out.
    """
    argv = list(command.argv)
    if not argv:
        return None
    head = posixpath.basename(argv[0])
    if head in _SHELLS and len(argv) > 1 and not argv[1].startswith("-"):
        argv = argv[1:]
        head = posixpath.basename(argv[0])
    if head in _RUNNERS:
        if argv[1:2] and argv[1] in ("install", "add", "i", "ci", "exec", "dlx", "global"):
            return None
        tool = scanner_named(" ".join(argv[1:3]))
        return Invocation(tool, "unknown", unresolved=f"`{' '.join(argv[:3])}` runs a task that is not followed") \
            if tool else None
    if _VENV_PROGRAM.match(argv[0]):
        return None  # a program of the job's own venv ($RUNNER_TEMP/NAME-venv/bin/PROG): read by its name
    if "/" in argv[0] or argv[0].endswith((".sh", ".bash", ".py")):
        tool = scanner_named(argv[0])
        if tool is None and ctx.checkout_root and "$" not in argv[0]:
            path = posixpath.relpath(posixpath.normpath(posixpath.join(command.cwd, argv[0])), ctx.checkout_root)
            text = tree.read_text(path) if not path.startswith("..") else None
            tool = _script_scanner(text)
        return Invocation(tool, "unknown", unresolved=f"the script {argv[0]} runs {tool}; scripts are not followed") \
            if tool else None
    return None


_VENV_PROGRAM = re.compile(r"^(?:\$RUNNER_TEMP|\$\{RUNNER_TEMP\}|\$\{\{ *runner\.temp *\}\})/[A-Za-z0-9_.-]+-venv/bin/"
                           r"[A-Za-z0-9_.-]+$")


def _script_scanner(text: str | None) -> str | None:
    """The scanner a repository script runs: a line whose command word is one (comments do not count)."""
    for line in (text or "").splitlines()[:2000]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for word in line.replace(";", " ").replace("&&", " ").replace("|", " ").split()[:4]:
            tool = scanner_named(posixpath.basename(word)) if posixpath.basename(word) in _SCANNER_COMMANDS else None
            if tool:
                return tool
    return None


_SCANNER_COMMANDS = frozenset({"trivy", "checkov", "hadolint", "kubeconform", "kube-linter", "yamllint",
                               "actionlint", "kubeval", "kubescape", "tfsec", "zizmor", "terrascan", "kics"})


def _find_exec(command: Command, ctx: StepContext, tree: RepoTree, nesting: int) -> list[Invocation]:
    """`find PATH… TESTS -exec CMD {} ;|+`: CMD once per file (`;`) or once with every file (`+`)."""
    argv = list(command.argv)
    at = next(i for i, w in enumerate(argv) if w in ("-exec", "-execdir"))
    inner = argv[at + 1:]
    end = next((i for i, w in enumerate(inner) if w in (";", "+")), len(inner))
    terminator = inner[end] if end < len(inner) else ";"
    inner = inner[:end]
    tool = _tool_named(tuple(inner[:1])) or scanner_named(" ".join(inner[:1]))
    if not inner or argv[at] == "-execdir" or any(w in ("-exec", "-execdir") for w in argv[at + 1 + end:]):
        return [Invocation(tool, "unknown", unresolved="find -execdir or several -exec are not followed")] if tool else []
    from bot.scope.pipes import _find

    try:
        find_args = [expand_vars(w, command.env) for w in argv[1:at]]
    except Unresolved as exc:
        return [Invocation(tool, "unknown", unresolved=str(exc))] if tool else []
    items = _find(find_args, command.cwd, tree, ctx.checkout_root)
    if isinstance(items, str):
        return [Invocation(tool, "unknown", unresolved=items)] if tool else []
    if terminator == "+":
        groups = [[w for part in inner for w in (items if part == "{}" else [part])]]
    else:
        groups = [[w.replace("{}", item) for w in inner] for item in items]
    found: list[Invocation] = []
    for words in groups:
        found.extend(_command_invocations(Command(tuple(words), command.cwd, command.env), ctx, tree, nesting + 1))
    return found


def _pre_commit(ctx: StepContext, tree: RepoTree, what: str) -> list[Invocation]:
    """pre-commit runs the hooks of .pre-commit-config.yaml; each hook that names a scanner is an unknown step."""
    text = tree.read_text(".pre-commit-config.yaml") if ctx.checkout_root else None
    try:
        data = load_yaml(text) if text else None
    except WorkflowError as exc:
        return [Invocation(ANY_TOOL, "unknown", unresolved=f"cannot read .pre-commit-config.yaml: {exc}")]
    repos = data.get("repos") if isinstance(data, Mapping) else None
    found: list[Invocation] = []
    for repo in repos if isinstance(repos, list) else []:
        hooks = repo.get("hooks") if isinstance(repo, Mapping) else None
        for hook in hooks if isinstance(hooks, list) else []:
            if not isinstance(hook, Mapping):
                continue
            tool = scanner_named(f"{hook.get('id', '')} {hook.get('entry', '')} {repo.get('repo', '')}")
            if tool and tool not in {i.tool for i in found}:
                found.append(Invocation(tool, "unknown", unresolved=f"`{what[:60]}` runs the pre-commit hook "
                                                                    f"{hook.get('id')}, which is not followed"))
    return found


def _make_invocations(command: Command, ctx: StepContext, tree: RepoTree, nesting: int) -> list[Invocation]:
    run = follow_make(command, tree, ctx.checkout_root)
    named = scanner_named(" ".join(command.argv[1:]))
    if run.problem or nesting >= _MAX_MAKE_NESTING:
        problem = run.problem or "make calls make too deep"
        # Not followed: unknown when the target or its recipe names a scanner, else no scanner step.
        tool = named or scanner_named(" ".join(line for _, line in run.lines) + " " + run.raw)
        return [Invocation(tool, "unknown", unresolved=f"`{' '.join(command.argv)}` is not followed: {problem}")] \
            if tool else []
    found: list[Invocation] = []
    for cwd, line in run.lines:
        found.extend(_script_invocations(line, ctx, tree, cwd, nesting + 1))
    return found


def _recognise(command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    argv = command.argv
    if argv and "${{" in argv[0]:
        tool = _tool_named(argv[:1])
        # The binary is whatever an earlier step put out; its name is a guess, not a fact.
        return Invocation(tool, "unknown", unresolved=f"the program comes from `{argv[0]}`") if tool else None
    if argv[:2] in (("docker", "run"), ("podman", "run")) or argv[:3] in (("docker", "container", "run"),
                                                                         ("podman", "container", "run")):
        return _docker_run(command)
    for recogniser in RECOGNISERS:
        invocation = recogniser.from_command(command, ctx, tree)
        if invocation is not None:
            return invocation
    tool = _OTHER_COMMANDS.get(posixpath.basename(argv[0])) if argv else None
    return Invocation(tool, "unknown", unresolved=f"{tool} steps are not analysed") if tool else None


def _docker_run(command) -> Invocation | None:
    """`docker run -i hadolint/hadolint [hadolint] [OPTIONS] [-] < FILE` lints FILE, read by the host shell.

    hadolint's image runs `hadolint -` by default, so with standard input attached (`-i`) and fed from a
    file it lints that file. Anything else inside a container sees the container's paths, behind volume
    mounts that are not followed: unknown when it names a scanner.
    """
    argv = list(command.argv)
    start = 3 if argv[1:3] == ["container", "run"] else 2
    words = argv[start:]
    interactive = False
    image = None
    while words:
        word = words.pop(0)
        if word.startswith("--"):
            name, eq, _ = word.partition("=")
            if name == "--interactive":
                interactive = True
            elif name in _DOCKER_RUN_VALUES and not eq and words:
                words.pop(0)
            continue
        if word.startswith("-") and word != "-":
            letters = word[1:]
            if "i" in letters and all(c in "itd" for c in letters):
                interactive = True
            elif word in _DOCKER_RUN_VALUES and words:
                words.pop(0)
            continue
        image = word
        break
    tool = _tool_named(tuple(argv[start:]))
    if image is None:
        return None
    if _HADOLINT_IMAGE.match(image):
        hadolint_run = _hadolint_in_docker(command, words, interactive)
        if hadolint_run is not None:
            return hadolint_run
    if tool:
        # Inside a container the paths are the container's, behind volume mounts we do not follow.
        return Invocation(tool, "unknown", unresolved=f"runs {tool} inside `docker run`")
    return None


def _hadolint_in_docker(command, args: list[str], interactive: bool) -> Invocation | None:
    """The image's command is `/bin/hadolint -`; a command given after the image replaces it."""
    if args:
        if posixpath.basename(args[0]) != "hadolint":
            return None
        parsed = hadolint.parse(args[1:], hadolint.VALUE_FLAGS)
        if list(parsed.positional) != ["-"]:
            return None  # files inside the container, behind mounts: unknown
    source = command.stdin_file
    upstream = command.upstream
    if source is None and upstream is not None and len(upstream.argv) == 2 and upstream.argv[0] == "cat":
        source = upstream.argv[1]
    if source is None or "$" in source:
        return None
    if not interactive:
        return Invocation("hadolint", "lint", note="`docker run` without -i gives hadolint no input")
    return Invocation("hadolint", "lint", targets=(posixpath.normpath(posixpath.join(command.cwd, source)),),
                      scanners=("dockerfile-lint",), cwd=command.cwd)


def _tool_named(words: tuple[str, ...]) -> str | None:
    """The scanner a command line would run, for lines whose details cannot be followed."""
    for word in words:
        name = posixpath.basename(word.split(":")[0].split("@")[0])
        for tool in _CONTAINER_TOOLS:
            if tool in name:
                return tool
        if name in _OTHER_COMMANDS:
            return _OTHER_COMMANDS[name]
    return None


def _locate(step: Step, ctx: StepContext, invocation: Invocation, tree: RepoTree,
            combo: dict[str, str] | None = None, prefix: str = "") -> ScannerStep:
    """Turn workspace paths into repository files, applying skips and the scanners' file rules."""
    name = step.name + (" (" + ", ".join(f"{k}={v}" for k, v in combo.items()) + ")" if combo else "")
    base = dict(job_id=prefix + step.job_id, step_index=step.index, step_name=name, line=step.line,
                tool=invocation.tool, mode=invocation.mode, scanners=invocation.scanners,
                skips=invocation.skip_dirs + invocation.skip_files + invocation.skip_regex, invocation=invocation,
                checkout_root=ctx.checkout_root)
    if any("\x00" in t for t in invocation.targets):
        invocation = replace(invocation, unresolved="a target path contains a NUL byte, which no program can be given")
    # A --skip-path checkov cannot compile is matched as plain text, as checkov does (bot/scope/checkov.py).
    unresolved = invocation.unresolved
    if unresolved:
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=False, reason=unresolved)
    if not invocation.targets:
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=True, reason=invocation.note)
    if ctx.checkout_root is None:
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=True,
                           reason="the job does not check out the repository before this step")
    roots: list[str] = []
    notes: list[str] = [invocation.note] if invocation.note else []
    by_scanner: dict[str, set[str]] = {s: set() for s in invocation.scanners}
    charts = helm_chart_roots(tree)
    walk_names = dict(zip(invocation.targets, invocation.walk_names)) if invocation.walk_names else {}
    patterns = _compiled_patterns(invocation)
    if isinstance(patterns, str):
        return ScannerStep(**base, roots=(), files=frozenset(), resolved=False, reason=patterns)
    for target in invocation.targets:
        relative = posixpath.relpath(target, ctx.checkout_root)
        if relative == ".." or relative.startswith("../"):
            notes.append(f"{target} is outside the repository checkout")
            continue
        relative = normalize(relative)
        if is_glob(relative):
            # The shell expands a glob to files and folders; a folder is then walked like any other.
            direct = set(tree.glob(relative))
            walked = {p for d in shell_glob_dirs(tree, relative) for p in tree.files_under(d)} - direct
            matched, names = tuple(sorted(direct) + sorted(walked)), direct
        else:
            matched = tree.files_under(relative)
            names = {relative} if tree.is_file(relative) else set()
        if not matched and not tree.exists(relative):
            notes.append(f"{relative} does not exist in the repository")
        roots.append(relative)
        skip = _Skips(invocation, target, ctx.checkout_root, single_file=tree.is_file(relative))
        for path in matched:
            named = path in names  # files given by name (or by a glob), not found by a walk
            if skip.skips(path):
                continue
            if invocation.tool == "checkov":
                if target in walk_names and _checkov_skips(invocation, walk_names[target], relative, path):
                    continue
                if not _checkov_framework_reads(invocation, path, tree, charts, named):
                    continue
            elif any(pattern.search(path) for pattern in patterns):
                continue
            for scanner in invocation.scanners:
                if (named and scanner in EXPLICIT) or reads_file(scanner, path, tree, charts):
                    by_scanner[scanner].add(path)
    if invocation.tool == "trivy" and "misconfig" in invocation.scanners:
        for chart in sorted(unvendored_charts(tree)):
            if any(root == ROOT or chart == root or chart.startswith(root + "/") for root in roots):
                notes.append(f"trivy skips the Helm chart {chart} (its dependencies are not vendored under "
                             f"{'' if chart == '.' else chart + '/'}charts/) and logs it")
    frozen = {s: frozenset(v) for s, v in by_scanner.items()}
    files = frozenset().union(*frozen.values()) if frozen else frozenset()
    return ScannerStep(**base, roots=tuple(roots), files=files, resolved=True,
                       reason="; ".join(notes) or None, files_by_scanner=frozen)


def _compiled_patterns(invocation: Invocation) -> list | str:
    """kubeconform's -ignore-filename-pattern values, on RE2 as Go's regexp runs them (linear in the path's length);
    one that does not compile stops the tool."""
    if invocation.tool == "checkov":
        return []
    compiled = []
    for pattern in invocation.skip_regex:
        try:
            compiled.append(re2_compile(pattern))
        except ValueError as exc:
            return f"{invocation.tool} cannot use the pattern `{pattern[:200]}` ({exc}): it stops before scanning"
    return compiled


def _checkov_skips(invocation: Invocation, written: str, relative_root: str, path: str) -> bool:
    """Every path checkov's walk sees on the way to `path` (the -d value as written, then each name)."""
    below = path if relative_root == ROOT else path[len(relative_root) + 1:]
    parts = below.split("/")
    for depth in range(1, len(parts) + 1):
        walked = posixpath.join(written, *parts[:depth])
        if checkov.skip_matches(invocation.skip_regex, walked):
            return True
    return False


def _checkov_framework_reads(invocation: Invocation, path: str, tree: RepoTree, charts, named: bool) -> bool:
    if not invocation.frameworks or invocation.frameworks == ("all",):
        return True
    found = checkov_frameworks(path, tree, charts)
    return bool(found & set(invocation.frameworks))


def glob_matches(tree: RepoTree, pattern: str) -> tuple[str, ...]:
    """What bash (globstar, nullglob) hands a command for `pattern`: the matching files and folders, sorted."""
    return tuple(sorted({*tree.glob(pattern), *shell_glob_dirs(tree, pattern)}))


def shell_glob_dirs(tree: RepoTree, pattern: str) -> list[str]:
    """The folders a shell glob matches (bash: `*` stays in one segment, hidden names need a leading dot)."""
    pattern = pattern.rstrip("/")
    return sorted(d for d in tree.directories if d != ROOT and glob_match(pattern, d)
                  and not any(part.startswith(".") and not pat.startswith(".")
                              for part, pat in zip(d.split("/"), pattern.split("/"))))


class _Skips:
    """trivy's --skip-dirs/--skip-files for one target, matched as trivy matches them.

    A pattern that names a path inside the scan root from trivy's working directory is rewritten
    relative to the root (one naming the root itself skips everything); any other pattern is used
    as written. Globs then match the whole path relative to the root. A single-file target is
    itself `.` and only --skip-files can skip it.
    """

    def __init__(self, invocation: Invocation, target: str, checkout_root: str, single_file: bool):
        self.root = target
        self.checkout_root = checkout_root
        self.single_file = single_file
        cwd = invocation.cwd or checkout_root
        self.files = [self._rewrite(p, cwd) for p in invocation.skip_files]
        self.dirs = [self._rewrite(p, cwd) for p in invocation.skip_dirs]

    def _rewrite(self, pattern: str, cwd: str) -> str:
        resolved = posixpath.normpath(pattern if pattern.startswith("/") else posixpath.join(cwd, pattern))
        if resolved == self.root:
            return ROOT
        if resolved.startswith(self.root + "/"):
            return resolved[len(self.root) + 1:]
        return normalize(pattern.lstrip("/"))

    def skips(self, path: str) -> bool:
        if not (self.files or self.dirs):
            return False
        if self.single_file:
            return trivy_skip_match(self.files, ROOT)
        relative = posixpath.relpath(posixpath.join(self.checkout_root, path), self.root)
        if trivy_skip_match(self.files, relative):
            return True
        folders = [ROOT]
        parent = posixpath.dirname(relative)
        while parent:
            folders.append(parent)
            parent = posixpath.dirname(parent)
        return any(trivy_skip_match(self.dirs, folder) for folder in folders)
