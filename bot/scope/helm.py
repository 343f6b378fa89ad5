"""What `helm lint` and chart-testing's `ct lint` check, as Invocations."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from bot.globs import BadPattern, HelmIgnore, Unevaluable
from bot.repotree import RepoTree
from bot.scope.argv import parse
from bot.scope.context import StepContext, absolute
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars
from bot.workflow import WorkflowError, load_yaml

TOOL = "helm"
ACTIONS = None  # helm and ct run from scripts; their actions only install them
_HELM_VALUES = {"-f", "--values", "--set", "--set-string", "--set-file", "--set-json", "--set-literal",
                "--kube-version", "--namespace", "-n"}
_CT_VALUES = {"--config", "--chart-dirs", "--charts", "--target-branch", "--remote", "--lint-conf",
              "--chart-yaml-schema", "--excluded-charts", "--helm-extra-args", "--since"}


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    argv = command.argv
    name = posixpath.basename(argv[0]) if argv else ""
    if name == "helm" and argv[1:2] == ("lint",):
        return _helm_lint(command, ctx, tree)
    if name == "ct" and argv[1:2] in (("lint",), ("lint-and-install",)):
        return _ct_lint(command, ctx, tree)
    return None


def _helm_lint(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation:
    """`helm lint [CHART…] [-f VALUES…]`: the chart files its loader keeps, plus every values file given."""
    try:
        args = parse([expand_vars(w, command.env) for w in command.argv[2:]], _HELM_VALUES)
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    charts = [absolute(command.cwd, c) for c in (args.positional or (".",))]
    values = [absolute(command.cwd, v) for v in args.values("-f", "--values") + _set_files(args.raw("--set-file"))]
    return _with_loaded_files(TOOL, charts, values, ctx, tree)


def _set_files(raw: list[str]) -> list[str]:
    return [item.split("=", 1)[1] for value in raw for item in value.split(",") if "=" in item]


def _with_loaded_files(tool: str, charts: list[str], values: list[str], ctx: StepContext,
                       tree: RepoTree) -> Invocation:
    """chart-testing also lints each chart once per `ci/*-values.yaml` file (even one .helmignore drops)."""
    targets: list[str] = []
    notes: list[str] = []
    root = ctx.checkout_root
    expanded: list[str] = []
    for chart in charts:
        relative = posixpath.relpath(chart, root) if root else None
        if relative is not None and not relative.startswith("..") and any(c in relative for c in "*?["):
            from bot.scope.steps import shell_glob_dirs

            folders = shell_glob_dirs(tree, relative)
            expanded += [absolute(root, d) for d in folders] if folders else [chart]
        else:
            expanded.append(chart)
    for chart in expanded:
        relative = posixpath.relpath(chart, root) if root else None
        if relative is None or relative.startswith("..") or not tree.is_dir(relative):
            targets.append(chart)  # not a chart folder of this repository: located (and reported) as it is
            continue
        if not tree.is_file(posixpath.join(relative, "Chart.yaml")):
            notes.append(f"{relative} has no Chart.yaml: helm lint fails there")
            continue
        loaded = chart_files(relative, tree)
        if isinstance(loaded, Unknown):
            return Invocation(tool, "unknown", unresolved=str(loaded))
        if isinstance(loaded, str):
            notes.append(loaded)
            continue
        targets += [absolute(root, f) for f in loaded]
        if tool == "chart-testing":
            targets += [absolute(root, f) for f in tree.files_under(posixpath.join(relative, "ci"))
                        if posixpath.dirname(f) == posixpath.join(relative, "ci") and f.endswith("-values.yaml")
                        and absolute(root, f) not in targets]
    return Invocation(tool, "lint", targets=tuple(targets + values), scanners=("helm-chart",),
                      note="; ".join(notes) or None)


class Unknown(str):
    """chart_files' answer when the files helm loads cannot be worked out here (past our budgets)."""


def chart_files(chart: str, tree: RepoTree) -> list[str] | str:
    """The files helm's directory loader reads from `chart`, after `.helmignore` and its default rule.

    The rules are read and applied by bot.globs.HelmIgnore (helm's pkg/ignore, on RE2); as in helm's
    pkg/chart/loader/directory.go, an ignored folder is skipped whole. A file helm refuses (`**`, a
    malformed pattern) means helm loads nothing; one past our budgets is an Unknown (a str).
    """
    prefix = "" if chart == "." else chart + "/"
    try:
        rules = HelmIgnore(tree.read_text(prefix + ".helmignore") or "")
    except BadPattern as exc:
        return f"{prefix}.helmignore: {exc}: helm loads nothing from {chart}"
    except Unevaluable as exc:
        return Unknown(f"{prefix}.helmignore cannot be evaluated here ({exc}): the files helm loads from {chart} "
                       "are unknown")
    kept = []
    for path in tree.files_under(chart):
        below = path[len(prefix):]
        parts = below.split("/")
        if any(rules.ignores("/".join(parts[:i]), True) for i in range(1, len(parts))):
            continue
        if not rules.ignores(below, False):
            kept.append(path)
    return kept


def _ct_lint(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation:
    """`--all` lints every chart under chart-dirs, `--charts` the named ones; otherwise the diff decides."""
    try:
        args = parse([expand_vars(w, command.env) for w in command.argv[2:]], _CT_VALUES)
    except Unresolved as exc:
        return Invocation("chart-testing", "unknown", unresolved=str(exc))
    config = _config(args.raw("--config"), command.cwd, ctx, tree)
    if isinstance(config, str):
        return Invocation("chart-testing", "unknown", unresolved=config)
    charts = args.values("--charts") or _listed(config.get("charts"))
    if charts:
        return _with_loaded_files("chart-testing", [absolute(command.cwd, c) for c in charts], [], ctx, tree)
    if not (args.has("--all") or config.get("all") is True):
        return Invocation("chart-testing", "unknown",
                          unresolved="ct lint without --all or --charts lints the charts the pull request changes")
    dirs = args.values("--chart-dirs") or _listed(config.get("chart-dirs")) or ["charts"]
    root = ctx.checkout_root or command.cwd
    found = []
    for directory in dirs:
        base = posixpath.normpath(posixpath.relpath(absolute(command.cwd, directory), root))
        found += [absolute(root, posixpath.dirname(f)) for f in tree.files
                  if posixpath.basename(f) == "Chart.yaml" and posixpath.dirname(posixpath.dirname(f)) == base]
    return _with_loaded_files("chart-testing", found, [], ctx, tree)


def _config(paths: list[str], cwd: str, ctx: StepContext, tree: RepoTree) -> dict | str:
    if not paths:
        return {}
    repo_path = posixpath.relpath(absolute(cwd, paths[-1]), ctx.checkout_root) if ctx.checkout_root else ".."
    text = tree.read_text(repo_path)
    if text is None:
        return f"ct config {paths[-1]} is not in the repository"
    try:
        data = load_yaml(text)
    except WorkflowError as exc:
        return f"cannot read {repo_path}: {exc}"
    return dict(data) if isinstance(data, Mapping) else {}


def _listed(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value] if isinstance(value, list) else []


