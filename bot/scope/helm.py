"""What `helm lint` and chart-testing's `ct lint` check, as Invocations."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from bot.repotree import RepoTree
from bot.scope.argv import parse
from bot.scope.context import StepContext, absolute
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars
from bot.workflow import WorkflowError, load_yaml

TOOL = "helm"
ACTIONS = None  # helm and ct run from scripts; their actions only install them
_HELM_VALUES = {"-f", "--values", "--set", "--set-string", "--set-file", "--kube-version", "--namespace", "-n"}
_CT_VALUES = {"--config", "--chart-dirs", "--charts", "--target-branch", "--remote", "--lint-conf",
              "--chart-yaml-schema", "--excluded-charts", "--helm-extra-args", "--since"}


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    argv = command.argv
    name = posixpath.basename(argv[0]) if argv else ""
    if name == "helm" and argv[1:2] == ("lint",):
        return _helm_lint(command)
    if name == "ct" and argv[1:2] in (("lint",), ("lint-and-install",)):
        return _ct_lint(command, ctx, tree)
    return None


def _helm_lint(command: Command) -> Invocation:
    try:
        args = parse([expand_vars(w, command.env) for w in command.argv[2:]], _HELM_VALUES)
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    charts = args.positional or (".",)
    return Invocation(TOOL, "lint", targets=tuple(absolute(command.cwd, c) for c in charts),
                      scanners=("helm-chart",))


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
        return Invocation("chart-testing", "lint", targets=tuple(absolute(command.cwd, c) for c in charts),
                          scanners=("helm-chart",))
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
    return Invocation("chart-testing", "lint", targets=tuple(found), scanners=("helm-chart",))


def _config(paths: list[str], cwd: str, ctx: StepContext, tree: RepoTree) -> dict | str:
    if not paths:
        return {}
    repo_path = posixpath.relpath(absolute(cwd, paths[-1]), ctx.checkout_root or cwd)
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


