"""trigger-scope: the workflow runs when the files it scans change (its `paths` filters include them)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.checks import CheckContext
from bot.findings import Finding, Severity
from bot.globs import github_filter_match, is_glob
from bot.scope.later import witnesses
from bot.workflow import line_of

ID = "trigger-scope"
_CHANGE_TRIGGERS = ("pull_request", "push", "pull_request_target")
_MAX_LISTED = 8


def triggers_on(path: str, spec: object) -> bool:
    """Whether a change to `path` alone starts the workflow under this trigger's filters.

    GitHub reads `paths` in order, a `!` pattern excluding what earlier ones included; with
    `paths-ignore` the workflow is skipped when every changed file matches it.
    """
    if not isinstance(spec, Mapping):
        return True
    if "paths" in spec and _patterns(spec.get("paths")) is not None:
        return _matched(_patterns(spec.get("paths")), path)
    if "paths-ignore" in spec and _patterns(spec.get("paths-ignore")) is not None:
        return not _matched(_patterns(spec.get("paths-ignore")), path)
    return True


def _patterns(value: object) -> list | None:
    """A filter's patterns; None when it has the wrong shape (a number, a mapping), reported by run()."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return value
    return None


def _matched(patterns: list, path: str) -> bool:
    """GitHub's filter reading: the last pattern that matches decides, `!` ones un-matching."""
    matched = False
    for pattern in map(str, patterns):
        if pattern.startswith("!"):
            matched = matched and not github_filter_match(pattern[1:], path)
        elif github_filter_match(pattern, path):
            matched = True
    return matched


def run(ctx: CheckContext) -> list[Finding]:
    watched = sorted(ctx.scope.requested or ctx.scope.scanned)
    if not watched or not ctx.scope.steps:
        return []
    triggers = ctx.workflow.triggers
    on = ctx.workflow.doc.get("on", ctx.workflow.doc.get(True))
    present = [t for t in _CHANGE_TRIGGERS if t in triggers]
    if not present:
        return [Finding(ID, "no-change-trigger", Severity.WARNING,
                        f"the workflow runs only on {', '.join(triggers) or 'nothing'}: a change to the scanned "
                        "files does not start it, so it cannot gate pull requests",
                        ctx.workflow.path, line_of(ctx.workflow.doc, "on"),
                        hint="Add `pull_request` with a `paths:` filter covering the scanned files.")]
    # A glob requested is a pattern: a file added later that matches it must start the workflow too.
    later = [w for t in (ctx.intent.targets if ctx.intent is not None else ()) if is_glob(t) for w in witnesses(t)]
    findings = []
    for trigger in present:
        spec = triggers[trigger]
        for key in ("paths", "paths-ignore"):
            if isinstance(spec, Mapping) and key in spec and _patterns(spec.get(key)) is None:
                findings.append(Finding(
                    ID, "filter-shape", Severity.ERROR,
                    f"`on.{trigger}.{key}` must be a list of path patterns, not {type(spec.get(key)).__name__}",
                    ctx.workflow.path, line_of(spec, key), hint=f"Write `{key}:` as a list, e.g. `- 'k8s/**'`."))
        missed = [p for p in watched if not triggers_on(p, triggers[trigger])]
        unseen = [p for p in later if not triggers_on(p, triggers[trigger])]
        if unseen and not missed:
            findings.append(Finding(
                ID, "later-file-not-triggered", Severity.ERROR,
                f"`{trigger}` filters leave out files added later that match the requested pattern, so adding "
                f"one never runs the scan: e.g. {unseen[0]}", ctx.workflow.path,
                line_of(on, trigger) if isinstance(on, Mapping) else line_of(ctx.workflow.doc, "on"),
                hint="Put the requested pattern itself (or its folder with `/**`) in the trigger's `paths:`."))
        if missed:
            shown = ", ".join(missed[:_MAX_LISTED]) + (f" and {len(missed) - _MAX_LISTED} more"
                                                       if len(missed) > _MAX_LISTED else "")
            findings.append(Finding(
                ID, "scan-not-triggered", Severity.ERROR,
                f"`{trigger}` filters leave out {len(missed)} scanned file(s), so changing them never runs the "
                f"scan: {shown}", ctx.workflow.path,
                line_of(on, trigger) if isinstance(on, Mapping) else line_of(ctx.workflow.doc, "on"),
                hint="Add these paths (or their folder with `/**`) to the trigger's `paths:`."))
    return findings
