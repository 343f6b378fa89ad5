"""The scanners the scope engine reads, what each one reads, and which one a `--requested` check means."""

from __future__ import annotations

from collections.abc import Iterable

from bot.repotree import RepoTree, normalize
from bot.scope.filetypes import EXPLICIT, helm_chart_roots, reads_file
from bot.scope.model import ANY_TOOL, ScannerStep

# tool → (mode, scanner kinds whose files a request for that tool means)
TOOLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "trivy": ("config", ("misconfig",)),
    "actionlint": ("lint", ("workflow-lint",)),
    "checkov": ("scan", ("checkov",)),
    "hadolint": ("lint", ("dockerfile-lint",)),
    "kubeconform": ("validate", ("k8s-schema",)),
    "kube-linter": ("lint", ("k8s-lint",)),
    "yamllint": ("lint", ("yaml-lint",)),
    "helm": ("lint", ("helm-chart",)),
    "chart-testing": ("lint", ("helm-chart",)),
    "vibeops": ("gate", ("workflow-gate",)),
}


def mode_and_scanners(tool: str) -> tuple[str, tuple[str, ...]]:
    return TOOLS.get(tool, ("scan", ()))


def requested_files(paths: Iterable[str], tool: str, tree: RepoTree) -> frozenset[str]:
    """The files `tool` reads among the requested paths (a file named outright counts when the tool takes names)."""
    scanners = mode_and_scanners(tool)[1]
    charts = helm_chart_roots(tree)
    found: set[str] = set()
    for raw in paths:
        target = normalize(raw)
        named = tree.is_file(target)
        for path in tree.files_under(target):
            if any((named and s in EXPLICIT) or reads_file(s, path, tree, charts) for s in scanners):
                found.add(path)
    return frozenset(found)


def infer_tool(paths: tuple[str, ...], steps: Iterable[ScannerStep], tree: RepoTree) -> tuple[str, str]:
    """(tool, why): the tool whose steps and the requested paths share the most files.

    Candidates are the tools of the workflows' scanner steps. A candidate that reads none of the
    requested paths loses to one that does; among those, the one whose steps already scan more of the
    requested files wins; ties go to the order of TOOLS. Without any step of a known tool, the first
    tool (in TOOLS order) that reads the requested paths is used, and the reason says so.
    """
    steps = [s for s in steps if s.tool in TOOLS]
    candidates = list(dict.fromkeys(s.tool for s in steps))
    if not candidates:
        for tool in TOOLS:
            if tool != "vibeops" and requested_files(paths, tool, tree):
                return tool, f"no step of a known scanner; compared as {tool}, which reads the requested paths"
        return "trivy", "no step of a known scanner, and no scanner reads the requested paths; compared as trivy"
    order = list(TOOLS)

    def score(tool: str) -> tuple[int, int, int]:
        wanted = requested_files(paths, tool, tree)
        scanned: set[str] = set()
        for step in steps:
            if step.tool == tool:
                scanned |= step.files
        return (1 if wanted else 0, len(wanted & scanned), -order.index(tool))

    ranked = sorted(candidates, key=score, reverse=True)
    best = ranked[0]
    others = [t for t in ranked[1:] if score(t)[:2] == score(best)[:2]]
    why = f"the workflow's {best} steps and the requested paths share {score(best)[1]} file(s)"
    if not score(best)[0]:
        why = f"the workflow's only scanner steps are {', '.join(ranked)}'s; {best} reads none of the requested paths"
    if others:
        why += f" (as many as {', '.join(others)}: pass --tool to choose)"
    return best, why
