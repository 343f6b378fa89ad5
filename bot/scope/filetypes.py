"""Which repository files a scanner reads, following each scanner's own detection rules.

The misconfiguration rules follow trivy 0.76's analyzers: a file counts only when its name passes
the analyzer's test and its content is recognised, since only those files become scan targets.
"""

from __future__ import annotations

import json
import posixpath
import re

from bot.repotree import RepoTree

_K8S_EXT = (".yaml", ".yml", ".json")  # lower case only, as trivy compares them
_DOC_SPLIT = re.compile(r"\r?\n---[ \t]*\r?\n")
_ARM_SCHEMA = "https://schema.management.azure.com/schemas"
_TERRAFORM_EXT = (".tf", ".tf.json", ".tofu", ".tofu.json")
_LOCKFILES = frozenset({
    "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json", "go.mod", "go.sum",
    "Cargo.lock", "Gemfile.lock", "composer.lock", "poetry.lock", "Pipfile.lock", "requirements.txt",
    "uv.lock", "pom.xml", "build.gradle", "build.gradle.kts", "gradle.lockfile", "packages.lock.json",
    "packages.config", "Podfile.lock", "Package.resolved", "mix.lock", "pubspec.lock", "conan.lock",
})
_HELM_NOT_RENDERED = ("_helpers.tpl", "NOTES.txt")


def is_dockerfile(path: str) -> bool:
    name = posixpath.basename(path)
    stem, dot, ext = name.rpartition(".")
    if name in ("Dockerfile", "Containerfile"):
        return True
    return bool(dot) and (stem in ("Dockerfile", "Containerfile") or ext.lower() in ("dockerfile", "containerfile"))


def is_terraform(path: str) -> bool:
    return path.endswith(_TERRAFORM_EXT)


def helm_chart_roots(tree: RepoTree) -> frozenset[str]:
    return tree.memo(("helm-charts", None), lambda: frozenset(
        posixpath.dirname(f) or "." for f in tree.files if posixpath.basename(f) == "Chart.yaml"))


def unvendored_charts(tree: RepoTree) -> frozenset[str]:
    """Charts whose Chart.yaml (or v1 requirements.yaml) lists a dependency missing from their charts/ folder.

    trivy renders a chart with helm's own loader, which refuses such a chart ("found in Chart.yaml, but
    missing in charts/ directory"); trivy logs "Skipping chart" and reads none of its templates as a chart.
    A dependency counts as vendored when charts/ holds a folder or a .tgz whose name starts with it.
    """
    return tree.memo(("helm-unvendored", None), lambda: frozenset(
        chart for chart in helm_chart_roots(tree) if _missing_dependencies(chart, tree)))


def _missing_dependencies(chart: str, tree: RepoTree) -> list[str]:
    prefix = "" if chart == "." else chart + "/"
    names: list[str] = []
    for meta in ("Chart.yaml", "requirements.yaml"):
        docs = _load_documents(tree.read_text(prefix + meta) or "", False) or []
        for doc in docs[:1]:
            deps = doc.get("dependencies") if isinstance(doc, dict) else None
            for dep in deps if isinstance(deps, list) else []:
                if isinstance(dep, dict) and dep.get("name"):
                    names.append(str(dep["name"]))
    vendored = {p[len(prefix) + len("charts/"):].split("/")[0] for p in tree.files_under(prefix + "charts")} \
        if tree.is_dir(prefix + "charts") else set()
    return [n for n in names if not any(v == n or v.startswith(n + "-") and v.endswith(".tgz") for v in vendored)]


def _is_helm_template(path: str, charts: frozenset[str]) -> bool:
    for chart in charts:
        prefix = "" if chart == "." else chart + "/"
        if path.startswith(prefix + "templates/") and posixpath.basename(path) not in _HELM_NOT_RENDERED:
            return True
    return False


def _load_documents(text: str, is_json: bool) -> list | None:
    if is_json:
        try:
            return [json.loads(text)]
        except ValueError:
            return None
    from bot.workflow import WorkflowError, load_plain_yaml
    from bot.yamlbounds import Limits

    limits = Limits(max_bytes=5_000_000)  # manifests (CRDs) run larger than workflows
    docs = []
    for part in _DOC_SPLIT.split(text):
        try:
            docs.append(load_plain_yaml(part, limits))
        except WorkflowError:
            return None  # trivy drops the whole file when one document does not parse (or is a bomb)
    return docs


def _is_kubernetes(doc: object) -> bool:
    return isinstance(doc, dict) and {"apiVersion", "kind", "metadata"} <= doc.keys()


def _is_cloudformation(doc: object) -> bool:
    resources = doc.get("Resources") if isinstance(doc, dict) else None
    return isinstance(resources, dict) and bool(resources) and all(isinstance(v, dict) for v in resources.values())


def _is_arm(doc: object) -> bool:
    return (
        isinstance(doc, dict)
        and str(doc.get("$schema", "")).startswith(_ARM_SCHEMA)
        and "handler" not in doc
        and bool(doc.get("resources"))
    )


def _is_terraform_plan(doc: object) -> bool:
    return isinstance(doc, dict) and {"terraform_version", "format_version"} <= doc.keys()


def is_misconfig_target(path: str, tree: RepoTree, charts: frozenset[str] | None = None) -> bool:
    """True when trivy's misconfiguration scanner would report on this file."""
    return tree.memo(("misconfig", path), lambda: _is_misconfig_target(path, tree, charts))


def _is_misconfig_target(path: str, tree: RepoTree, charts: frozenset[str] | None) -> bool:
    if is_dockerfile(path):
        return bool((tree.read_text(path) or "").strip())
    if is_terraform(path):
        return True
    charts = helm_chart_roots(tree) if charts is None else charts
    if _is_helm_template(path, charts - unvendored_charts(tree)):
        return True
    if not path.endswith(_K8S_EXT) or posixpath.basename(path).lower() == "createuidefinition.json":
        return False
    docs = _load_documents(tree.read_text(path) or "", path.endswith(".json"))
    if not docs:
        return False
    checks = [_is_kubernetes, _is_cloudformation]
    if path.endswith(".json"):
        checks += [_is_arm, _is_terraform_plan]
    return any(check(doc) for doc in docs for check in checks)


def is_workflow_file(path: str) -> bool:
    return path.startswith(".github/workflows/") and path.endswith((".yml", ".yaml"))


def is_dependency_file(path: str) -> bool:
    name = posixpath.basename(path)
    return name in _LOCKFILES or name.endswith((".jar", ".war", ".ear", ".csproj", ".gemspec"))


def in_chart(path: str, charts: frozenset[str]) -> bool:
    return any(chart == "." or path.startswith(chart + "/") for chart in charts)


def checkov_frameworks(path: str, tree: RepoTree, charts: frozenset[str] | None = None) -> frozenset[str]:
    """The checkov frameworks (its --framework names) whose runner reads `path`; empty for none we count."""
    charts = helm_chart_roots(tree) if charts is None else charts
    name = posixpath.basename(path)
    found: set[str] = set()
    if is_dockerfile(path):
        found.add("dockerfile")
    if path.endswith((".tf", ".tofu")):
        found.add("terraform")
    if path.endswith((".tf.json", ".tofu.json")):
        found.add("terraform_json")
    if path.endswith(".bicep"):
        found.add("bicep")
    if is_workflow_file(path):
        found.add("github_actions")
    if name in ("kustomization.yaml", "kustomization.yml"):
        found.add("kustomize")
    if in_chart(path, charts):
        found.add("helm")
    if path.endswith(_K8S_EXT) and name.lower() != "createuidefinition.json":  # a plain manifest in a chart too
        docs = _load_documents(tree.read_text(path) or "", path.endswith(".json"))
        for doc in docs or ():
            if _is_kubernetes(doc):
                found.add("kubernetes")
            if _is_cloudformation(doc):
                found.add("cloudformation")
            if path.endswith(".json") and _is_arm(doc):
                found.add("arm")
            if path.endswith(".json") and _is_terraform_plan(doc):
                found.add("terraform_plan")
    return frozenset(found)


# Scanners that read a file they are given by name whatever it is called; the others filter by kind.
EXPLICIT = frozenset({"workflow-lint", "checkov", "dockerfile-lint", "k8s-lint", "yaml-lint",
                      "helm-chart"})


def reads_file(scanner: str, path: str, tree: RepoTree, charts: frozenset[str] | None = None) -> bool:
    """Whether `scanner` reads `path` when it walks a directory that contains it."""
    charts = helm_chart_roots(tree) if charts is None else charts
    name = posixpath.basename(path)
    if scanner == "misconfig":
        return is_misconfig_target(path, tree, charts)
    if scanner == "secret":
        return True
    if scanner in ("vuln", "license"):
        return is_dependency_file(path)
    if scanner == "workflow-lint":
        return path.endswith((".yml", ".yaml"))
    if scanner == "workflow-gate":  # only the files GitHub runs: directly in .github/workflows
        return posixpath.dirname(path) == ".github/workflows" and path.endswith((".yml", ".yaml"))
    if scanner == "checkov":  # its IaC frameworks; secrets scanning (every file) is not counted
        return (is_misconfig_target(path, tree, charts) or name in ("kustomization.yaml", "kustomization.yml")
                or is_workflow_file(path) or in_chart(path, charts) or path.endswith(".bicep"))
    if scanner.startswith("checkov:"):  # checkov --framework NAME: only that framework's files
        return _checkov_framework(scanner.partition(":")[2], path, tree, charts)
    if scanner == "k8s-schema":  # kubeconform filters every walked path by extension, named files too
        return path.lower().endswith((".yaml", ".yml", ".json"))
    if scanner == "k8s-lint":  # kube-linter: .yaml/.yml (any case) and .tgz charts from a folder, and chart dirs
        return path.lower().endswith((".yaml", ".yml", ".tgz")) or in_chart(path, charts)
    if scanner == "yaml-lint":
        return path.endswith((".yaml", ".yml")) or name == ".yamllint"
    if scanner == "helm-chart":  # a chart's files as helm loads them (after .helmignore); others as named
        chart = max((c for c in charts if c == "." or path.startswith(c + "/")), key=len, default=None)
        if chart is None:
            return True
        from bot.scope.helm import chart_files

        def load():
            loaded = chart_files(chart, tree)
            return loaded if isinstance(loaded, str) else frozenset(loaded)

        kept = tree.memo(("helm-kept", chart), load)
        return not isinstance(kept, str) and path in kept
    if scanner == "dockerfile-lint":  # a folder asked for means the Dockerfiles in it
        return is_dockerfile(path)
    return False


def _checkov_framework(framework: str, path: str, tree: RepoTree, charts: frozenset[str]) -> bool:
    if framework == "dockerfile":
        return is_dockerfile(path)
    if framework == "terraform":
        return is_terraform(path)
    if framework == "helm":
        return in_chart(path, charts)
    if framework == "github_actions":
        return is_workflow_file(path)
    if not path.endswith(_K8S_EXT):
        return False
    docs = _load_documents(tree.read_text(path) or "", path.endswith(".json")) or []
    test = {"kubernetes": _is_kubernetes, "cloudformation": _is_cloudformation, "arm": _is_arm}.get(framework)
    return test is not None and any(test(doc) for doc in docs)


SCANNER_LABELS = {
    "misconfig": "a Kubernetes manifest, Dockerfile, Terraform, CloudFormation, Helm template or ARM template",
    "secret": "a file",
    "vuln": "a dependency manifest or lock file",
    "license": "a dependency manifest or lock file",
    "workflow-lint": "a workflow YAML file",
    "workflow-gate": "a workflow file",
    "checkov": "an infrastructure-as-code file",
    "dockerfile-lint": "a Dockerfile",
    "k8s-schema": "a YAML or JSON file",
    "k8s-lint": "a YAML or JSON file or Helm chart",
    "yaml-lint": "a YAML file",
    "helm-chart": "a file of a Helm chart",
}
