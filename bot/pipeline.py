"""One request end to end: parse, resolve, generate, validate, preview, publish."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from bot import preview as previews
from bot.adapters.errors import ToolError
from bot.catalog import Catalog
from bot.checks import CheckContext, run_checks
from bot.forge import Forge, ForgeError, ForgeUnavailable
from bot.intent import Intent, IntentError, resolve_intent
from bot.recipes import Draft, render
from bot.render.markdown import pr_body
from bot.repotree import RepoTree
from bot.report import ERROR, OPENED, REJECTED, Report
from bot.request import RequestError, parse_request
from bot.scope.steps import scanner_steps
from bot.scope.verdict import compare
from bot.workflow import Workflow, WorkflowError

BRANCH_PREFIX = "vibeops/"


@dataclass(frozen=True)
class Services:
    """The adapters a run needs, passed in so tests and the GitHub App choose their own."""

    forge: Forge
    tools: object  # bot.adapters.tools.Tools or anything with the same methods
    catalog: Catalog


def run_request(text: str, services: Services, base: str | None = None, overwrite: bool = False,
                comment_url: str | None = None) -> Report:
    report = Report(status=ERROR, message="", request=" ".join(text.split()))
    try:
        request = parse_request(text)
    except RequestError as exc:
        return report.but(message=str(exc))
    try:
        base = base or services.forge.default_branch()
        with services.forge.snapshot(base) as snapshot:
            report = report.but(base=base)
            try:
                intent = resolve_intent(request, snapshot.tree)
            except IntentError as exc:
                return report.but(message=str(exc))
            # A trivy preview is the slowest part and needs only the intent: start it first.
            # (actionlint's preview lints the draft too, so it runs once the draft exists.)
            with ThreadPoolExecutor(max_workers=1) as pool:
                preview = (pool.submit(run_preview, intent, snapshot.tree, services.tools)
                           if intent.tool == "trivy" else None)
                draft = render(intent, snapshot.tree, base, services.catalog)
                branch = BRANCH_PREFIX + draft.slug
                clash = _overwrite_problem(draft, snapshot.tree, overwrite)
                if clash:
                    if preview is not None:
                        preview.cancel()
                    return report.but(intent=intent, draft=draft, message=clash)
                report = validate(report.but(intent=intent, draft=draft), snapshot.tree, services, preview)
            if report.status != OPENED:
                return report
            title = draft.title
            body = pr_body(report.but(pr_title=title), comment_url)
            published = services.forge.publish(branch, snapshot.commit, draft.path, draft.text,
                                               f"{title}\n\n{_commit_summary(report)}")
    except ForgeUnavailable:
        raise  # not the user's fault: the job runs again later
    except ForgeError as exc:
        return report.but(status=ERROR, message=str(exc))
    verb = "created" if published.created else ("updated" if published.changed else "already up to date on")
    return report.but(branch=published.branch, commit=published.commit, pr_title=title, pr_body=body,
                      branch_created=published.created,
                      message=f"{verb} branch {published.branch} with {report.draft.path}")


def validate(report: Report, tree: RepoTree, services: Services, preview: Future | None = None) -> Report:
    """Run every check on the draft and collect the preview; OPENED only when nothing blocks."""
    intent, draft = report.intent, report.draft
    with_draft = tree.with_file(draft.path, draft.text)
    try:
        workflow = Workflow.parse(draft.path, draft.text)
    except WorkflowError as exc:
        return report.but(status=REJECTED, message=f"the generated workflow is not valid YAML: {exc}")
    steps = scanner_steps(workflow, with_draft)
    scope = compare(intent.requested_files(with_draft), steps, tool=intent.tool, scanners=intent.scanners)
    ctx = CheckContext(workflow=workflow, tree=with_draft, scope=scope, tools=services.tools, intent=intent)
    checks = run_checks(ctx)
    result = preview.result() if preview is not None else run_preview(intent, with_draft, services.tools)
    report = report.but(checks=checks, scope=scope, preview=result)
    blocking = report.blocking
    if blocking:
        first = blocking[0]
        return report.but(status=REJECTED, message=(
            f"the workflow did not pass its checks ({len(blocking)} blocking finding(s); first: "
            f"{first.check_id}/{first.rule}: {first.message}); nothing was written"))
    return report.but(status=OPENED)


def run_preview(intent: Intent, tree: RepoTree, tools) -> previews.Preview:
    """The scan the workflow will run, on exactly the requested targets, in the snapshot."""
    if tree.root is None:
        return previews.Preview(intent.tool, fail_on=intent.fail_on, error="no checkout to scan")
    root = str(tree.root)
    try:
        if intent.tool == "actionlint":
            paths = sorted(p for p in intent.requested_files(tree) if tree.read_text(p) is not None)
            files = _lint_with_draft(paths, tree, tools)
            return previews.merge("actionlint", files, ())
        if intent.tool == "vibeops":
            return _gate_preview(intent, tree, tools)
        def scan(target: str) -> dict:
            return tools.trivy_scan(intent.mode, target, intent.scanners, root)  # as the recipe's step runs it

        with ThreadPoolExecutor(max_workers=2) as pool:
            outputs = list(pool.map(scan, intent.targets))
        parts = [part for target, output in zip(intent.targets, outputs)
                 for part in previews.from_trivy(target, tree.is_file(target), output)]
        return previews.merge("trivy", parts, intent.fail_on, previews.trivy_version(outputs[0]))
    except ToolError as exc:
        return previews.Preview(intent.tool, fail_on=intent.fail_on, error=str(exc))


def _gate_preview(intent: Intent, tree: RepoTree, tools) -> previews.Preview:
    """What the gate will report today: every check on every workflow it covers."""
    from bot.audit import audit_workflow

    files = []
    for path in sorted(intent.requested_files(tree)):
        text = tree.read_text(path)
        if text is None:
            continue
        audit = audit_workflow(path, text, tree, tools, None)
        files.append(previews.PreviewFile(path, tuple(
            previews.PreviewFinding(f"{f.check_id}/{f.rule}", "ERROR" if f.blocking else "WARNING", f.message, f.line)
            for c in audit.checks for f in c.findings)))
    return previews.Preview("vibeops", tuple(files), ())


def _lint_with_draft(paths: list[str], tree: RepoTree, tools) -> list[previews.PreviewFile]:
    on_disk = [p for p in paths if p not in tree.contents]
    errors = tools.lint_files(on_disk, str(tree.root)) if on_disk else []
    for path in paths:
        if path in tree.contents:  # the draft exists only in memory
            errors += tools.lint_workflow(tree.contents[path], path, str(tree.root))
    return previews.from_actionlint(errors, paths)


def _overwrite_problem(draft: Draft, tree: RepoTree, overwrite: bool) -> str | None:
    if not tree.is_file(draft.path) or overwrite:
        return None
    return (f"{draft.path} already exists on the default branch; vibeops never replaces a workflow "
            "silently. Remove or rename it, or run again with --overwrite.")


def _commit_summary(report: Report) -> str:
    scope = report.scope
    lines = [f"Requested: {report.request}",
             f"Scope: {scope.verdict} ({len(scope.scanned)} file(s): {', '.join(scope.scanned)})"]
    lines += [f"Check {c.check_id}: {'pass' if c.ok else 'fail'}" for c in report.checks]
    return "\n".join(lines) + "\n"


