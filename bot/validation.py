"""Judge a draft workflow: every check, the scope against the request, and a preview of the scan."""

from __future__ import annotations

import contextvars
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

from bot import preview as previews
from bot.adapters.errors import ToolError
from bot.checks import CheckContext, run_checks
from bot.globs import is_glob
from bot.intent import Intent, reads_file_named
from bot.releases import RELEASES
from bot.repotree import RepoTree
from bot.report import OPENED, REJECTED, Report
from bot.scope.later import later_files, with_later
from bot.scope.steps import glob_matches, scanner_steps
from bot.scope.model import EXACT, BROADER, MISMATCH, NARROWER, UNKNOWN, ScopeReport
from bot.scope.verdict import compare
from bot.workflow import Workflow, WorkflowError


def validate(report: Report, tree: RepoTree, services, preview: Future | None = None) -> Report:
    """Run every check on the draft and collect the preview; OPENED only when nothing blocks."""
    intent, draft = report.intent, report.draft
    with_draft = tree.with_file(draft.path, draft.text)
    try:
        workflow = Workflow.parse(draft.path, draft.text)
    except WorkflowError as exc:
        return report.but(status=REJECTED, message=f"the generated workflow is not valid YAML: {exc}")
    steps = scanner_steps(workflow, with_draft)
    scope = scope_for(intent, steps, with_draft, workflow)
    config = getattr(services, "config", None)
    ctx = CheckContext(workflow=workflow, tree=with_draft, scope=scope, tools=services.tools, intent=intent,
                       generated=True, catalog=services.catalog, config=config,
                       gate_source=getattr(services, "gate_source", None))
    checks = run_checks(ctx)
    if config is not None and not config.preview:
        result = previews.Preview(intent.tool, fail_on=intent.fail_on, error=f"turned off by {config.where('preview')}")
    else:
        result = preview.result() if preview is not None else run_preview(intent, with_draft, services.tools)
    report = report.but(checks=checks, scope=scope, preview=result,
                        understood=understood_with_proof(intent, workflow, scope, draft.path))
    blocking = report.blocking
    if blocking:
        first = blocking[0]
        return report.but(status=REJECTED, message=(
            f"the workflow did not pass its checks ({len(blocking)} blocking finding(s); first: "
            f"{first.check_id}/{first.rule}: {first.message}); nothing was written"))
    return report.but(status=OPENED)


def understood_with_proof(intent: Intent, workflow: Workflow, scope, path: str) -> dict:
    """The JSON `understood`: the typed request, and each clause next to the workflow line that does it."""
    from bot.checks.intent import evidence, understood_rows
    from bot.request import understood

    data = understood(intent.request)
    items = evidence(workflow, intent, scope) if intent.request.clauses else []
    data["clauses"] = understood_rows(intent.request, items, path)
    data["settings"] = [item.to_dict() for item in items]
    return data


def scope_for(intent: Intent, steps, tree: RepoTree, workflow: Workflow | None = None) -> ScopeReport:
    """The scope verdict for the request: each tool's steps against that tool's files, combined.

    With the workflow, a glob target is proven as a pattern: files added later are in scope too.
    """
    if not intent.scanners:  # a free-form request names no scanner whose files could be compared
        return compare(None, steps)
    # `checkov:kubernetes` narrows the files asked for; the steps record what checkov reads as `checkov`.
    reports = [compare_part(part, steps, tree, workflow,
                            scanners=tuple(dict.fromkeys(s.partition(":")[0] for s in part.scanners)))
               for part in intent.parts()]
    return reports[0] if len(reports) == 1 else combine(reports)


def compare_part(part: Intent, steps, tree: RepoTree, workflow: Workflow | None,
                 scanners: tuple[str, ...] | None = None, basis: str | None = None) -> ScopeReport:
    """One tool's steps against its requested files; a glob target must hold for files added later.

    When today's verdict is exact and a target is a glob, the steps are read again on the tree plus
    hypothetical later files (bot.scope.later): a step that scans today's matches one by one, or a pattern
    or folder wider or narrower than the one asked for, is not exact, and the later files are named.
    """
    scanners = scanners or part.scanners
    report = compare(part.requested_files(tree), steps, tool=part.tool, scanners=scanners, basis=basis)
    patterns = [t for t in part.targets if is_glob(t)]
    if workflow is None or not patterns or report.verdict != EXACT:
        return report
    roots = [root for step in report.steps for root in step.roots]
    files = later_files(tree, patterns, roots, lambda path, where: reads_file_named(part, path, where))
    if not files:
        return report
    bigger = with_later(tree, files)
    again = compare(part.requested_files(bigger), scanner_steps(workflow, bigger), tool=part.tool,
                    scanners=scanners, basis=basis)
    if again.verdict == EXACT:
        return report
    later = tuple(sorted(p for p in (*again.extra, *again.missing) if p in files))
    return replace(report, verdict=again.verdict, extra=again.extra, missing=again.missing,
                   problems=report.problems + again.problems, later=later)


_WORST = (EXACT, NARROWER, BROADER, MISMATCH, UNKNOWN)


def combine(reports: list[ScopeReport]) -> ScopeReport:
    """One report for several tools: exact only when every tool is exact; extra/missing per tool, unioned."""
    verdicts = {r.verdict for r in reports}
    if UNKNOWN in verdicts:
        verdict = UNKNOWN
    elif MISMATCH in verdicts or {BROADER, NARROWER} <= verdicts:
        verdict = MISMATCH
    else:
        verdict = max(verdicts, key=_WORST.index)
    union = lambda field: tuple(sorted(set().union(*(getattr(r, field) for r in reports))))  # noqa: E731
    steps = tuple(s for r in reports for s in r.steps)
    return ScopeReport(union("requested"), union("scanned"), verdict, union("extra"), union("missing"), steps,
                       tuple(p for r in reports for p in r.problems))


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
        if len(intent.tools) > 1:
            return _combined_preview(intent, tree, tools)
        if intent.tool in ("hadolint", "yamllint", "checkov"):
            return _tool_preview(intent, tree, tools)
        if intent.tool in RELEASES:  # no wheel to install here, and a preview never downloads a tool
            return previews.Preview(intent.tool, fail_on=intent.fail_on,
                                    error=f"no preview: {intent.tool} is not installed")
        if intent.tool != "trivy":
            return previews.Preview(intent.tool, fail_on=intent.fail_on,
                                    error=f"vibeops previews trivy and actionlint only, not {intent.tool}")
        def scan(target: str) -> dict:
            return tools.trivy_scan(intent.mode, target, intent.scanners, root)  # as the recipe's step runs it

        # A glob is scanned as the recipe's loop scans it: each match (file or folder) on its own.
        targets = [m for t in intent.targets for m in (glob_matches(tree, t) if is_glob(t) else (t,))]
        with ThreadPoolExecutor(max_workers=2) as pool:  # each with this thread's context (the job's deadline)
            contexts = [contextvars.copy_context() for _ in targets]
            outputs = list(pool.map(lambda context, target: context.run(scan, target), contexts, targets))
        parts = [part for target, output in zip(targets, outputs)
                 for part in previews.from_trivy(target, tree.is_file(target), output)]
        return previews.merge("trivy", parts, intent.fail_on, previews.trivy_version(outputs[0]))
    except ToolError as exc:
        return previews.Preview(intent.tool, fail_on=intent.fail_on, error=str(exc))


def _tool_preview(intent: Intent, tree: RepoTree, tools) -> previews.Preview:
    """hadolint, yamllint or checkov run locally, offline, as the recipe's steps run them."""
    root = str(tree.root)
    requested = sorted(intent.requested_files(tree))
    try:
        if intent.tool == "hadolint":
            files = previews.from_hadolint(tools.hadolint_lint(tuple(requested), root), requested)
        elif intent.tool == "yamllint":
            files = previews.from_yamllint(tools.yamllint_lint(tuple(requested), root), requested)
        else:
            files = [part for target in intent.targets
                     for part in previews.from_checkov(_checkov_reports(intent, target, tree, tools), root)]
    except ToolError as exc:
        if "not installed" in str(exc):
            return previews.Preview(intent.tool, fail_on=intent.fail_on, error=f"no preview: {exc}")
        raise
    return previews.merge(intent.tool, files, intent.fail_on)


def _checkov_reports(intent: Intent, target: str, tree: RepoTree, tools) -> list[dict]:
    if is_glob(target):  # the shell hands checkov every match by name
        return [r for path in tree.glob(target)
                for r in tools.checkov_scan(path, False, intent.request.framework, str(tree.root))]
    return tools.checkov_scan(target, tree.is_dir(target), intent.request.framework, str(tree.root))


def _combined_preview(intent: Intent, tree: RepoTree, tools) -> previews.Preview:
    """Several tools: each tool's preview, its findings named `tool/ID`; the first error is reported."""
    parts = [run_preview(part, tree, tools) for part in intent.parts()]
    broken = [p for p in parts if p.error]
    if broken:
        return previews.Preview(" + ".join(intent.tools), fail_on=intent.fail_on,
                                error="; ".join(f"{p.tool}: {p.error}" for p in broken))
    files = [previews.PreviewFile(f.path, tuple(replace(x, id=f"{p.tool}/{x.id}") for x in f.findings), f.checked)
             for p in parts for f in p.files]
    return previews.merge(" + ".join(intent.tools), files, intent.fail_on)


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
