"""Check a Request against the repository: real, safe targets the tool can read, or a clear error."""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass

from bot.globs import is_glob
from bot.repotree import ROOT, RepoTree, all_paths, normalize
from bot.request import TOOL_RECIPES, Request, part_for
from bot.scope.filetypes import (EXPLICIT, SCANNER_LABELS, helm_chart_roots, is_dockerfile, is_terraform,
                                  is_workflow_file, reads_file)

WORKFLOWS_DIR = ".github/workflows"
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_SHELL_SAFE_GLOB = re.compile(r"[A-Za-z0-9_./*?-]+")


class IntentError(ValueError):
    """The request names paths that cannot be used; one line per problem."""

    def __init__(self, problems: list[str], choices: tuple[str, ...] = ()):
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)
        self.choices = choices  # real alternatives the user should choose between (a name in two folders)


@dataclass(frozen=True)
class Intent:
    """What will be built: a tool, checked repo-relative targets, and how the workflow behaves."""

    request: Request
    targets: tuple[str, ...]

    tool = property(lambda self: self.request.tool)
    mode = property(lambda self: self.request.mode)
    scanners = property(lambda self: self.request.scanners)
    fail_on = property(lambda self: self.request.fail_on)
    triggers = property(lambda self: self.request.triggers)
    schedule = property(lambda self: self.request.schedule)
    upload_sarif = property(lambda self: self.request.upload_sarif)

    @property
    def tools(self) -> tuple[str, ...]:
        """Every tool asked for (`scan k8s with trivy and checkov`), the first one first."""
        return self.request.tools or (self.request.tool,)

    def parts(self) -> tuple["Intent", ...]:
        """One Intent per tool, each with that tool's mode and scanners over the same targets."""
        if len(self.tools) == 1:
            return (self,)
        return tuple(Intent(part_for(self.request, tool), self.targets) for tool in self.tools)

    def requested_files(self, tree: RepoTree) -> frozenset[str]:
        """The files the requested tool reads inside the targets: the scope a workflow must match.

        A glob target means the files it matches, given to the tool by name (today's and later ones); for
        trivy, the matching files it reads.
        """
        if len(self.tools) > 1:
            return frozenset().union(*(part.requested_files(tree) for part in self.parts()))
        charts = helm_chart_roots(tree)
        found: set[str] = set()
        for target in self.targets:
            pattern = is_glob(target)
            named = tree.is_file(target) or pattern  # a file asked for by name is read by tools that take names
            for path in (tree.glob(target) if pattern else tree.files_under(target)):
                if any((named and s in EXPLICIT) or reads_file(s, path, tree, charts) for s in self.scanners):
                    found.add(path)
        return frozenset(found)

    def to_dict(self) -> dict:
        return {
            "tool": self.tool, "mode": self.mode, "scanners": list(self.scanners),
            "targets": list(self.targets), "fail_on": list(self.fail_on),
            "triggers": list(self.triggers), "schedule": self.schedule, "upload_sarif": self.upload_sarif,
            "tools": list(self.tools), "framework": list(self.request.framework),
            "required_check": self.request.required_check,
        }


def resolve_intent(request: Request, tree: RepoTree, config=None) -> Intent:
    """`config` (a RepoConfig) limits which paths may be targeted (paths.allow / paths.deny)."""
    problems: list[str] = []
    targets: list[str] = []
    for raw in request.paths:
        if not request.recipe and not tree.exists(normalize(raw)) and not any(c in raw for c in "/.*"):
            continue  # a plain word in a free-form request, not a path; the model reads it in the request
        problem, resolved = _check_path(raw, request, tree)
        if problem:
            problems.append(problem)
        if request.tool in ("trivy", "actionlint") and len(request.tools) <= 1 and is_glob(raw) and resolved:
            # A glob stays a pattern: trivy's recipe loops over what it matches on the runner, actionlint's
            # action takes it as its `files` pattern, so a file added later is scanned too. For trivy it
            # means the matching files trivy reads (others are given to trivy, which finds nothing in them),
            # so it must match one today.
            if not any(Intent(request, (t,)).requested_files(tree) for t in resolved):
                problems.append(f"`{raw}` matches {len(resolved)} file(s), but trivy {request.mode} reads none of them.")
                continue
            if request.recipe and not _SHELL_SAFE_GLOB.fullmatch(raw.strip()):
                problems.append(f"`{raw}`: the shell expands this pattern on the runner, so it may use only "
                                "letters, digits, `._-/` and the wildcards `*`, `**` and `?`.")
                continue
            resolved = [normalize(raw.strip())]
        elif _recipe_tools(request) and is_glob(raw) and resolved:
            # The recipe passes the pattern itself, so a file added later that matches is scanned too;
            # every match is given to each tool by name, so each must be a file the tool reads.
            if not _SHELL_SAFE_GLOB.fullmatch(raw.strip()):
                problems.append(f"`{raw}`: the shell expands this pattern on the runner, so it may use only "
                                "letters, digits, `._-/` and the wildcards `*`, `**` and `?`.")
                continue
            for part in Intent(request, ()).parts():
                unread = [t for t in resolved if not reads_file_named(part, t, tree)]
                if unread:
                    problems.append(f"`{raw}` matches {_some(unread)}, which {part.tool} does not read; "
                                    "narrow the pattern.")
            resolved = [normalize(raw.strip())]
        elif request.recipe and resolved and any(t in _CHART_TOOLS for t in request.tools):
            problem, resolved = _helm_chart_targets(raw, resolved, tree, alone=len(request.tools) <= 1,
                                                    label=_chart_label(request.tools))
            if problem:
                problems.append(problem)
        elif request.tool == "hadolint" and len(request.tools) <= 1 and resolved:
            # hadolint takes files: a folder means the Dockerfiles in it today, one step each.
            expanded = [f for t in resolved for f in
                        (sorted(Intent(request, (t,)).requested_files(tree)) if tree.is_dir(t) else [t])]
            if not expanded:
                where = "the repository" if resolved == [ROOT] else f"`{raw}`"
                problems.append(f"hadolint would find nothing to check in {where}: it contains no Dockerfile.")
            resolved = expanded
        targets.extend(t for t in resolved if t not in targets)
    for kind in request.targets:
        if kind.kind in ("path", "glob"):
            continue
        problem, resolved = _resolve_kind(kind, request, tree)
        if problem:
            problems.append(problem)
        targets.extend(t for t in resolved if t not in targets)
    if problems:
        raise IntentError(problems, _choices(problems, request, tree))
    intent = Intent(request, tuple(targets))
    if config is not None:
        for path in sorted(set(targets) | intent.requested_files(tree)):
            denied_by = config.path_allowed(path)
            if denied_by:
                problems.append(f"`{path}` may not be targeted: denied by {denied_by}.")
        if problems:
            raise IntentError(problems)
    if request.tool == "trivy" and len(intent.tools) <= 1:
        problems.extend(_chart_parts(intent, tree))
    if request.recipe and "checkov" in intent.tools:
        problems.extend(f"`{name}` sets checkov's options for the whole repository (skip paths, frameworks, "
                        "external checks), so the recipe could not prove what checkov scans; remove it or ask "
                        "for a model-written workflow." for name in (".checkov.yaml", ".checkov.yml")
                        if tree.is_file(name))
    if request.recipe and "hadolint" in intent.tools and len(intent.tools) > 1:
        problems.extend(f"hadolint takes Dockerfiles, not folders: name the Dockerfiles in `{t}`, or ask for "
                        "hadolint on its own (it then lints each Dockerfile in the folder)."
                        for t in intent.targets if tree.is_dir(t))
    if request.recipe and any(t in _CHART_TOOLS for t in intent.tools):
        label = _chart_label(intent.tools)
        problems.extend(f"`{t}`: {label} takes chart folders, not patterns; name the charts, or the folder that "
                        "holds them (e.g. `charts`)." for t in intent.targets if is_glob(t))
    if request.recipe and "kube-linter" in intent.tools:
        problems.extend(f"`{name}` configures kube-linter for the whole repository (its checks and ignored paths), "
                        "so the recipe could not prove what kube-linter lints; remove it or ask for a model-written "
                        "workflow." for name in (".kube-linter.yaml", ".kube-linter.yml") if tree.is_file(name))
    if request.recipe and "chart-testing" in intent.tools:
        problems.extend(f"`{name}` configures chart-testing for the whole repository (chart dirs, excluded charts), "
                        "so the recipe could not prove which charts ct lints; remove it or ask for a model-written "
                        "workflow." for name in ("ct.yaml", "ct.yml", "ct.json", "ct.toml") if tree.is_file(name))
    if _recipe_tools(request):
        for part in intent.parts():
            problems.extend(_unreadable_targets(part, tree))
    if problems:
        raise IntentError(problems)
    return intent


_CHART_TOOLS = ("helm", "chart-testing")  # they take chart folders


def _chart_label(tools) -> str:
    return "helm lint" if "helm" in tools else "ct lint"


def _helm_chart_targets(raw: str, resolved: list[str], tree: RepoTree, alone: bool,
                        label: str = "helm lint") -> tuple[str | None, list[str]]:
    """`helm lint` and `ct lint` take chart folders: a folder that holds charts means each chart in it."""
    charts = sorted(helm_chart_roots(tree))
    found: list[str] = []
    for target in resolved:
        if target in charts:
            found.append(target)
            continue
        inside = [c for c in charts if target == ROOT or c.startswith(target + "/")] if tree.is_dir(target) else []
        where = "the repository" if target == ROOT else f"`{target}`"
        if not inside:
            return (f"{label} takes a chart folder (one with Chart.yaml), and {where} is not one"
                    + (f"; charts here: {', '.join(f'`{c}`' for c in charts[:5])}." if charts else
                       "; there is no Helm chart in the repository.")), []
        if not alone:
            return (f"{label} takes chart folders: name the charts in {where} "
                    f"({', '.join(f'`{c}`' for c in inside[:5])}), or ask for it on its own."), []
        found += inside
    return None, found


def _recipe_tools(request: Request) -> bool:
    """A recipe covers it and the tool filters files by kind: targets it cannot read are an error."""
    return request.recipe and all(t == "trivy" or t in TOOL_RECIPES for t in (request.tools or (request.tool,)))


def reads_file_named(part: Intent, path: str, tree: RepoTree) -> bool:
    """Whether the tool reads `path` when given it by name (hadolint and yamllint would fail on others)."""
    if part.tool == "checkov":
        return reads_file("checkov", path, tree) or any(
            reads_file(s, path, tree) for s in part.scanners)
    return any(reads_file(s, path, tree) for s in part.scanners)


def _some(paths: list[str]) -> str:
    shown = ", ".join(f"`{p}`" for p in paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def _check_path(raw: str, request: Request, tree: RepoTree) -> tuple[str | None, list[str]]:
    text = raw.strip()
    if text.startswith(("/", "~")) or _WINDOWS_DRIVE.match(text):
        return (f"`{raw}` is an absolute path; write it relative to the repository root "
                f"(e.g. `{_suggest_relative(text, tree)}`)."), []
    if ".." in text.replace("\\", "/").split("/"):
        return f"`{raw}` uses `..`; paths must stay inside the repository.", []
    path = normalize(text)
    if tree.escapes_root(path):
        return f"`{raw}` is a symbolic link that points outside the repository.", []
    if is_glob(path):
        matched = tree.glob(path)
        if not matched:
            return f"`{raw}` matches no file in the repository.{_did_you_mean(path, tree)}", []
        return None, list(matched)
    if tree.exists(path):
        return None, [path]
    if request.tool in ("actionlint", "vibeops") and path == WORKFLOWS_DIR:
        return None, [path]  # the workflow being added will be its first file
    return f"`{raw}` does not exist in the repository.{_did_you_mean(path, tree)}", []


_KIND_NAMES = {"dockerfile": "Dockerfile", "manifest": "Kubernetes manifest", "chart": "Helm chart",
               "workflow": "workflow", "terraform": "Terraform file"}


def _resolve_kind(target, request: Request, tree: RepoTree) -> tuple[str | None, list[str]]:
    """Every file of a kind under a folder (`the Dockerfiles`, `all manifests in k8s`, `the chart charts/shop`)."""
    where = target.path
    if where != ROOT:
        problem, found = _check_path(where, request, tree)
        if problem:
            return problem, []
        if target.kind != "chart" and not tree.is_dir(normalize(where)) and not any(tree.is_dir(f) for f in found):
            return f"`{where}` is not a folder, so it holds no {_KIND_NAMES[target.kind]}s.", []
    where = normalize(where)
    label = "the repository" if where == ROOT else f"`{where}`"
    if target.kind == "chart":
        charts = sorted(helm_chart_roots(tree))
        if where == ROOT:
            found = charts
        elif where in charts:
            found = [where]
        else:
            inside = [c for c in charts if c.startswith(where + "/")]
            if not inside:
                return (f"`{where}` is not a Helm chart (it has no Chart.yaml)."
                        + (" Charts here: " + ", ".join(f"`{c}`" for c in charts[:5]) + "." if charts else "")), []
            found = inside
        if not found:
            return "There is no Helm chart (a folder with Chart.yaml) in the repository.", []
        return None, found
    files = tree.files_under(where) if where != ROOT else tuple(sorted(tree.files))
    if target.kind == "dockerfile":
        found = [f for f in files if is_dockerfile(f)]
    elif target.kind == "terraform":
        found = [f for f in files if is_terraform(f)]
    elif target.kind == "workflow":
        found = [f for f in files if is_workflow_file(f)]
    else:
        found = [f for f in files if _is_manifest(f, tree)]
    if not found:
        return f"There is no {_KIND_NAMES[target.kind]} in {label}.", []
    return None, found


def _is_manifest(path: str, tree: RepoTree) -> bool:
    from bot.scope.filetypes import _is_kubernetes, _load_documents

    if not path.endswith((".yaml", ".yml", ".json")) or path.startswith(".github/"):
        return False
    text = tree.read_text(path)
    if text is None:
        return False
    docs = _load_documents(text, path.endswith(".json")) or []
    return any(_is_kubernetes(d) for d in docs)


def _choices(problems: list[str], request: Request, tree: RepoTree) -> tuple[str, ...]:
    names = [p for p in request.paths if "/" not in p and not tree.exists(normalize(p))]
    found: list[str] = []
    for name in names:
        found += [c for c in all_paths(tree) if posixpath.basename(c) == name]
    return tuple(found) if len(found) > 1 else ()


def _chart_parts(intent: Intent, tree: RepoTree) -> list[str]:
    """A file inside a Helm chart: trivy renders a chart whole, never one template, so the chart is the target."""
    charts = sorted(helm_chart_roots(tree), key=len, reverse=True)
    named = {normalize(p) for p in intent.request.paths if not is_glob(p)}  # asked for by name, not by a glob
    problems = []
    for target in (t for t in intent.targets if t in named):
        chart = next((c for c in charts if c != target and (c == ROOT or target.startswith(c + "/"))), None)
        if chart is not None and tree.is_file(target):
            where = "the repository root" if chart == ROOT else f"`{chart}`"
            problems.append(f"`{target}` is part of the Helm chart {where}: trivy renders a chart as a whole "
                            f"(templates with their values), never one file of it. Scan the chart folder "
                            f"{where} instead, e.g. `add trivy scan for {chart}`.")
    return problems


def _unreadable_targets(intent: Intent, tree: RepoTree) -> list[str]:
    problems = []
    label = " or ".join(SCANNER_LABELS.get(s) or f"a {s.partition(':')[2]} file" for s in intent.scanners)
    named = intent.tool != "trivy"  # the other tools read a file given by name whatever it is
    what = f"trivy {intent.mode}" if intent.tool == "trivy" else intent.tool
    for target in intent.targets:
        single = Intent(intent.request, (target,))
        if is_glob(target) or (single.requested_files(tree) and not (named and tree.is_file(target))):
            continue
        if named and tree.is_file(target) and reads_file_named(intent, target, tree):
            continue
        where = "the repository" if target == ROOT else f"`{target}`"
        kind = "is not" if tree.is_file(target) else f"contains no file that {intent.tool} reads as"
        problems.append(f"{what} would find nothing to check in {where}: it {kind} {label}.")
    return problems


def _did_you_mean(path: str, tree: RepoTree) -> str:
    candidates = list(all_paths(tree))
    same_name = [c for c in candidates if posixpath.basename(c) == posixpath.basename(path)]
    if "/" not in path and len(same_name) > 1:  # a real alternative: ask, do not guess
        return (f" There are {len(same_name)} files named `{path}`: "
                + ", ".join(f"`{c}`" for c in same_name[:5]) + ". Which one? Name it by its path, or name several.")
    close = difflib.get_close_matches(path, candidates, n=3, cutoff=0.6)
    suggestions = list(dict.fromkeys(same_name + close))[:3]
    if not suggestions:
        return ""
    return " Did you mean " + " or ".join(f"`{s}`" for s in suggestions) + "?"


def _suggest_relative(text: str, tree: RepoTree) -> str:
    parts = [p for p in text.replace("\\", "/").split("/") if p and p != "~"]
    for start in range(len(parts)):
        candidate = "/".join(parts[start:])
        if tree.exists(candidate):
            return candidate
    return parts[-1] if parts else "path/in/repo"
