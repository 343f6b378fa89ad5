"""Render the vetted workflow templates in `workflows/` for an Intent, pinned from the catalog."""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot import __version__
from bot.catalog import Catalog
from bot.intent import WORKFLOWS_DIR, Intent
from bot.repotree import ROOT, RepoTree
from bot.workflow import dump_yaml, load_yaml

TARGET = "__TARGET__"
_SLUG_LIMIT = 48


@dataclass(frozen=True)
class Draft:
    """A generated workflow and where it goes."""

    path: str
    text: str
    generator: str
    slug: str
    title: str


def recipe_name(intent: Intent) -> str:
    if not intent.request.recipe:  # written by a model: named after what was asked
        if intent.tool != "custom":
            return intent.tool
        words = re.sub(r"^(?:/vibeops\s+)?(?:add|create|set\s+up)\s+(?:an?\s+)?", "", intent.request.text, flags=re.I)
        return _slugify(" ".join(words.split()[:4]))
    if intent.tool in ("actionlint", "vibeops"):
        return {"actionlint": "actionlint", "vibeops": "vibeops-gate"}[intent.tool]
    return f"trivy-{intent.mode}"


def slug_for(intent: Intent) -> str:
    parts = ["repo" if t == ROOT else t for t in intent.targets]
    base = "-".join(_slugify(re.sub(r"\.(ya?ml|json|tf)$", "", p)) for p in parts) if intent.targets else ""
    whole_folder = intent.tool in ("actionlint", "vibeops") and intent.targets == (WORKFLOWS_DIR,)
    name = recipe_name(intent) if whole_folder or not base else f"{recipe_name(intent)}-{base}"
    if len(name) > _SLUG_LIMIT:
        digest = hashlib.sha256("\n".join(intent.targets).encode()).hexdigest()[:8]
        name = name[: _SLUG_LIMIT - 9].rstrip("-") + "-" + digest
    return name


def render(intent: Intent, tree: RepoTree, default_branch: str, catalog: Catalog,
           workflow_dir: str = WORKFLOWS_DIR) -> Draft:
    name = recipe_name(intent)
    doc = load_yaml(_template(f"{name}.yml"))
    slug = slug_for(intent)
    path = workflow_path(slug, workflow_dir)
    job = next(iter(doc["jobs"].values()))
    _set_triggers(doc, intent, tree, default_branch, path)
    if intent.tool == "actionlint":
        _fill_actionlint(job, intent)
    elif intent.tool == "vibeops":
        _substitute(job, {"__VERSION__": __version__})
    else:
        _fill_trivy(job, intent, slug, catalog)
    _pin_actions(doc, catalog)
    title = title_for(intent)
    if len(title) <= 72:
        doc["name"] = _describe(intent)
    return Draft(path=path, text=dump_yaml(doc), generator=f"recipe:{name}", slug=slug, title=title)


def workflow_path(slug: str, workflow_dir: str = WORKFLOWS_DIR) -> str:
    return f"{workflow_dir}/{slug if slug.startswith('vibeops') else 'vibeops-' + slug}.yml"


def title_for(intent: Intent) -> str:
    if intent.tool == "custom":
        text = re.sub(r"^/vibeops\s+", "", intent.request.text)
        return text[:1].upper() + text[1:70] + ("…" if len(text) > 70 else "")
    return f"Add {_describe(intent)}"


def _describe(intent: Intent) -> str:
    if not intent.request.recipe:
        shown = ", ".join("the repository" if t == ROOT else t for t in intent.targets[:3])
        return f"{intent.tool} workflow" + (f" for {shown}" if shown else "")
    if intent.tool == "vibeops":
        return "vibeops gate for every workflow"
    what = "actionlint check" if intent.tool == "actionlint" else f"trivy {intent.mode} scan"
    shown = ", ".join("the repository" if t == ROOT else t for t in intent.targets[:3])
    more = f" and {len(intent.targets) - 3} more" if len(intent.targets) > 3 else ""
    return f"{what} for {shown}{more}"


def _template(name: str) -> str:
    return resources.files("bot.workflows").joinpath(name).read_text("utf-8")


def _slugify(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-") or "repo"


def _trigger_paths(intent: Intent, tree: RepoTree, workflow_path: str) -> list[str] | None:
    if ROOT in intent.targets:
        return None  # the whole repository: every change is relevant
    paths = [f"{t}/**" if tree.is_dir(t) or not tree.exists(t) else t for t in intent.targets]
    covered = any(workflow_path.startswith(p[:-2]) for p in paths if p.endswith("/**"))
    return paths if covered else paths + [workflow_path]


def _set_triggers(doc: CommentedMap, intent: Intent, tree: RepoTree, default_branch: str, path: str) -> None:
    on = doc["on"]
    paths = _trigger_paths(intent, tree, path)
    for trigger in list(on):
        if trigger not in intent.triggers:
            del on[trigger]
    for trigger in ("pull_request", "push"):
        if trigger not in on:
            continue
        spec = on[trigger]
        if "branches" in spec:
            spec["branches"] = CommentedSeq([default_branch])
        if paths is None:
            del spec["paths"]
        else:
            spec["paths"] = CommentedSeq(paths)
    if intent.schedule:
        on["schedule"] = CommentedSeq([CommentedMap(cron=intent.schedule)])


def _fill_trivy(job: CommentedMap, intent: Intent, slug: str, catalog: Catalog) -> None:
    steps = job["steps"]
    template = next(s for s in steps if TARGET in str(s.get("with", {}).get("scan-ref", "")))
    position = steps.index(template)
    del steps[position]
    if intent.upload_sarif:
        # Job-level permissions replace the top-level ones, so contents: read is restated.
        grants = CommentedMap([("contents", "read"), ("security-events", "write"), ("actions", "read")])
        job.insert(list(job).index("steps"), "permissions", grants,
                   comment="upload-sarif needs security-events; actions: read for private repos")
    used_slugs: set[str] = set()
    for index, target in enumerate(intent.targets):
        step = _substitute(copy.deepcopy(template), {TARGET: target})
        inputs = step["with"]
        if intent.mode == "fs":
            inputs["scanners"] = ",".join(intent.scanners)
        if intent.fail_on:
            inputs["severity"] = ",".join(intent.fail_on)
            inputs["exit-code"] = "1"
        else:
            inputs["exit-code"] = "0"
            del inputs["severity"]
        if index:
            inputs["skip-setup-trivy"] = True  # installed by the first scan of this job
            # Every target is scanned even when an earlier one fails; the job still fails.
            step.insert(1, "if", "${{ !cancelled() }}")
        new_steps = [step]
        if intent.upload_sarif:
            target_slug = _slugify(target if target != ROOT else "repo")
            if target_slug in used_slugs:  # e.g. k8s/api.yaml and k8s-api.yaml
                target_slug = f"{target_slug}-{index + 1}"
            used_slugs.add(target_slug)
            sarif = f"trivy-{target_slug}.sarif"
            inputs["format"] = "sarif"
            inputs["output"] = sarif
            inputs["limit-severities-for-sarif"] = True
            upload = load_yaml(_template("upload-sarif.yml"))
            new_steps.append(_substitute(upload, {TARGET: target, "__SARIF__": sarif,
                                                  "__CATEGORY__": f"trivy-{target_slug}"}))
        for offset, new in enumerate(new_steps):
            steps.insert(position + offset, new)
        position += len(new_steps)


def _fill_actionlint(job: CommentedMap, intent: Intent) -> None:
    step = next(s for s in job["steps"] if TARGET in str(s.get("name", "")))
    if intent.targets == (WORKFLOWS_DIR,):
        step["name"] = "Lint the workflows"
        del step["with"]["files"]
        return
    step["name"] = "Lint " + ", ".join(intent.targets)
    step["with"]["files"] = ", ".join(
        f"{t}/**/*.yml, {t}/**/*.yaml" if not re.search(r"\.ya?ml$", t) else t for t in intent.targets)


def _substitute(node, values: dict[str, str]):
    if isinstance(node, CommentedMap):
        for key in list(node):
            node[key] = _substitute(node[key], values)
        return node
    if isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            node[index] = _substitute(item, values)
        return node
    if isinstance(node, str) and any(k in node for k in values):
        for key, value in values.items():
            node = node.replace(key, value)
        return str(node)
    return node


def _pin_actions(doc: CommentedMap, catalog: Catalog) -> None:
    for job in doc["jobs"].values():
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses and "@" not in uses and not uses.startswith(("./", "docker://")):
                step["uses"], pin = catalog.latest(uses)
                step.yaml_add_eol_comment(f"# {pin.tag}", "uses")
