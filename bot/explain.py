"""A workflow in plain words: when it runs, its jobs, and exactly what each scanner step scans."""

from __future__ import annotations

from collections.abc import Mapping

from bot.repotree import RepoTree
from bot.scope.steps import scanner_steps
from bot.workflow import Workflow


def explain(workflow: Workflow, tree: RepoTree) -> str:
    lines = [f"**`{workflow.path}`**" + (f" ({workflow.doc.get('name')})" if workflow.doc.get("name") else ""), ""]
    lines.append("Runs " + _when(workflow.triggers) + ".")
    permissions = workflow.doc.get("permissions")
    lines.append(f"Token permissions: {_permissions(permissions)}.")
    scans = scanner_steps(workflow, tree)
    for job_id, job in workflow.jobs.items():
        if not isinstance(job, Mapping):
            continue
        if job.get("uses"):
            lines.append(f"- Job `{job_id}` calls the reusable workflow `{job['uses']}`.")
        else:
            steps = job.get("steps")
            count = f"{len(steps)} step(s)" if isinstance(steps, list) else f"`steps:` that is not a list ({_shown(steps)})"
            lines.append(f"- Job `{job_id}` runs on `{_shown(job.get('runs-on', '?'))}` with {count}"
                         + (f", at most {_shown(job['timeout-minutes'])} minutes" if job.get("timeout-minutes") else "")
                         + ".")
        # A called workflow's steps carry the caller's job id as a prefix (`call → scan`).
        for scan in [s for s in scans if s.job_id == job_id or s.job_id.startswith(f"{job_id} → ")
                     or s.job_id.startswith(f"{job_id} (")]:
            if not scan.resolved:
                lines.append(f"  - Step {scan.step_index + 1} runs {scan.tool}; what it scans is only known at run "
                             f"time ({scan.reason}).")
                continue
            where = "the whole repository" if scan.roots == (".",) else ", ".join(f"`{r}`" for r in scan.roots)
            files = ", ".join(f"`{f}`" for f in sorted(scan.files)[:8]) + (" …" if len(scan.files) > 8 else "")
            lines.append(f"  - Step {scan.step_index + 1} runs {scan.tool} {scan.mode} on {where or 'nothing'}: "
                         f"{len(scan.files)} file(s)" + (f" ({files})" if files else "")
                         + (f"; {scan.reason}" if scan.reason else "") + ".")
    return "\n".join(lines)


def _when(triggers: Mapping) -> str:
    parts = []
    for name, spec in triggers.items():
        text = {"pull_request": "on pull requests", "push": "on pushes", "workflow_dispatch": "when started by hand",
                "schedule": "on a schedule", "pull_request_target": "on pull requests from forks, with a privileged token",
                "workflow_call": "when another workflow calls it"}.get(str(name), f"on `{name}`")
        if isinstance(spec, Mapping):
            if spec.get("branches"):
                text += " to " + ", ".join(f"`{_shown(b)}`" for b in _listed(spec["branches"]))
            if spec.get("paths"):
                text += " that change " + ", ".join(f"`{_shown(p)}`" for p in _listed(spec["paths"]))
        if name == "schedule" and isinstance(spec, list):
            text += " (" + ", ".join(f"`{_shown(e.get('cron'))}`" for e in spec if isinstance(e, Mapping)) + ")"
        parts.append(text)
    return "; ".join(parts) or "never (no triggers)"


def _permissions(permissions: object) -> str:
    if permissions is None:
        return "the repository's default (not set in the workflow)"
    if isinstance(permissions, str):
        return f"`{_shown(permissions)}`"
    if not isinstance(permissions, Mapping):
        return f"`{_shown(permissions)}` (not a valid permissions value: write `read-all`, `write-all` or a mapping)"
    return ", ".join(f"`{_shown(k)}: {_shown(v)}`" for k, v in permissions.items()) or "none"


def _listed(value: object) -> list:
    """A filter's items whatever its shape (`branches: 5` is shown as it is written)."""
    return list(value) if isinstance(value, list) else [value]


def _shown(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
