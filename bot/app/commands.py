"""The App's `help`, `explain` and `check` commands: answers built from the repository itself."""

from __future__ import annotations

from bot.adapters.errors import ToolError
from bot.app.delivery import CommentCommand
from bot.audit import audit_workflow
from bot.explain import explain
from bot.request import phrasing_help
from bot.render import comments
from bot.render.markdown import inert
from bot.scope.filetypes import helm_chart_roots, is_dockerfile, is_misconfig_target
from bot.workflow import Workflow, WorkflowError

_MAX_FILES = 5
# Checks that run a tool on the repository's files; a fork's pull request gets the others only.
TOOL_CHECKS = ("actionlint", "zizmor", "dynamic-scope")


class StaticOnly:
    """Scanners that run nothing: for code from a fork, no tool process is started on the server."""

    def _refuse(self, *args, **kwargs):
        raise ToolError("not run on a pull request from a fork (static checks only)")

    lint_workflow = trivy_scan = audit_workflow = _refuse


def without_tool_checks(audit):
    """The audit without the checks that need a tool (they did not run, so they are not reported)."""
    from dataclasses import replace

    return replace(audit, checks=tuple(c for c in audit.checks if c.check_id not in TOOL_CHECKS))


def help_reply(repo) -> str:
    """The grammar, with examples that name real files of this repository."""
    with repo.snapshot(repo.default_branch()) as snapshot:
        tree = snapshot.tree
        charts = helm_chart_roots(tree)  # a chart's template is scanned with its chart, never alone
        manifest = next((f for f in sorted(tree.files) if f.endswith((".yaml", ".yml")) and not f.startswith(".github/")
                         and not any(c == "." or f.startswith(c + "/") for c in charts)
                         and is_misconfig_target(f, tree)), None)
        dockerfile = next((f for f in tree.files if is_dockerfile(f)), None)
    examples = [f"/vibeops add trivy scan for {p}" for p in (manifest, dockerfile) if p]
    examples += ["/vibeops add actionlint check", "/vibeops explain", "/vibeops check"]
    follow_ups = ["also fail on MEDIUM", "scan <another file> too", "only on pull requests",
                  "upload results to code scanning", "retry"]
    phrasings = phrasing_help({k: v for k, v in (("manifest", manifest), ("dockerfile", dockerfile)) if v})
    return (comments.help_text() + "\n\n" + phrasings
            + "\n\nFor this repository:\n" + "\n".join(f"- `{e}`" for e in examples)
            + "\n\nOn a vibeops pull request, follow-ups revise it: "
            + ", ".join(f"`/vibeops {f}`" for f in follow_ups) + ".")


def _workflows(repo, cmd: CommentCommand, pull: dict | None, marker: dict | None) -> tuple[str, list[str]]:
    """(ref, paths): the workflows a command is about: named ones, the PR's, or the repository's.

    On a pull request the ref is its head commit: a branch name could be the base repository's
    branch of the same name as a fork's."""
    named = [w for w in cmd.text.split()[1:] if w.endswith((".yml", ".yaml"))]
    if pull is not None:
        paths = named or ([marker["workflow"]] if marker and marker.get("workflow") else
                          [f for f in repo.changed_files(cmd.number) if f.startswith(".github/workflows/")
                           and f.endswith((".yml", ".yaml"))])
        return pull["head_sha"], paths
    return repo.default_branch(), named


def _shown(ref: str, pull: dict | None) -> str:
    return f"{inert(pull['head'])} @ {ref[:12]}" if pull is not None else ref


def explain_reply(repo, cmd: CommentCommand, pull: dict | None, marker: dict | None) -> str:
    ref, paths = _workflows(repo, cmd, pull, marker)
    with repo.snapshot(ref) as snapshot:
        tree = snapshot.tree
        paths = paths or [f for f in tree.files if f.startswith(".github/workflows/") and f.count("/") == 2
                          and f.endswith((".yml", ".yaml"))]
        parts = []
        for path in paths[:_MAX_FILES]:
            text = tree.read_text(path)
            if text is None:
                parts.append(f"**`{path}`** is not on `{_shown(ref, pull)}`.")
                continue
            try:
                parts.append(explain(Workflow.parse(path, text), tree))
            except WorkflowError as exc:
                parts.append(f"**`{path}`** cannot be read: {exc}")
    return inert("\n\n".join(parts)) or "There are no workflows to explain here."


def check_reply(repo, cmd: CommentCommand, pull: dict | None, marker: dict | None, ctx,
                static_only: bool = False) -> str:
    """`static_only` (a fork's pull request): no tool runs on its code, and the reply says so."""
    ref, paths = _workflows(repo, cmd, pull, marker)
    if not paths:
        return "This pull request changes no workflow; name one: `/vibeops check .github/workflows/x.yml`."
    lines = [f"Checked {len(paths)} workflow file(s) on `{_shown(ref, pull)}`"
             + (" with static checks only: it comes from a fork, so actionlint, zizmor and trivy did not run"
                if static_only else "") + ":", ""]
    with repo.snapshot(ref) as snapshot:
        for path in paths[:_MAX_FILES]:
            text = snapshot.tree.read_text(path)
            if text is None:
                lines.append(f"- `{path}`: not on `{_shown(ref, pull)}`")
                continue
            if static_only:
                audit = without_tool_checks(audit_workflow(path, text, snapshot.tree, StaticOnly(), None))
            else:
                audit = audit_workflow(path, text, snapshot.tree, ctx.tools, None)
            blocking = [f for c in audit.checks for f in c.findings if f.blocking]
            scope = audit.scope
            scans = f"; scans {len(scope.scanned)} file(s)" if scope and scope.steps else ""
            lines.append(f"- `{path}`: {'✅ passes' if audit.ok else f'❌ {len(blocking)} blocking finding(s)'}{scans}")
            lines += [f"  - `{f.check_id}/{f.rule}` line {f.line}: {f.message}" for f in blocking[:8]]
    return inert("\n".join(lines))
