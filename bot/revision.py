"""Follow-ups on a bot PR ("also fail on MEDIUM"): update the request, then edit the workflow in place."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.catalog import Catalog
from bot.globs import is_glob
from bot.intent import Intent
from bot.repotree import ROOT, RepoTree, normalize
from bot.request import (DEFAULT_TRIGGERS, Request, RequestError, parse_options, severities, QUOTED, SEVERITY_LIST)
from bot.scope.trivy import ACTIONS as TRIVY_ACTION
from bot.workflow import dump_yaml, load_yaml

_ALSO_FAIL = re.compile(rf"^(?:and\s+)?also\s+fail(?:ing)?\s+(?:the\s+build\s+)?on\s+(?P<sevs>{SEVERITY_LIST})\s*$", re.I)
_ADD = re.compile(r"^(?:also\s+)?(?:scan|check|add)\s+(?P<paths>.+?)(?:\s+too|\s+as\s+well)?\s*$", re.I)
_REMOVE = re.compile(r"^(?:stop\s+scanning|don'?t\s+scan|do\s+not\s+scan|remove|drop)\s+(?P<paths>.+?)\s*$", re.I)


@dataclass(frozen=True)
class Change:
    """What a follow-up asks for; fields left None are unchanged."""

    text: str
    add_targets: tuple[str, ...] = ()
    remove_targets: tuple[str, ...] = ()
    fail_on: tuple[str, ...] | None = None
    triggers: tuple[str, ...] | None = None
    schedule: str | None = None
    upload_sarif: bool | None = None


def parse_change(text: str) -> Change:
    """A follow-up in plain words, or RequestError saying what is understood."""
    cleaned = " ".join(text.strip().rstrip(".").split())
    if match := _ALSO_FAIL.match(cleaned):
        return Change(cleaned, fail_on=("+",) + severities(match["sevs"]))
    if match := _REMOVE.match(cleaned):
        return Change(cleaned, remove_targets=_paths(match["paths"]))
    if (match := _ADD.match(cleaned)) and not cleaned.lower().startswith("add trivy"):
        return Change(cleaned, add_targets=_paths(match["paths"]))
    try:
        options, leftover = parse_options(cleaned, lenient=True)
    except RequestError:
        options, leftover = {}, cleaned
    if leftover or not options:
        raise RequestError(
            f"I did not understand {leftover or cleaned!r} as a change to this pull request. Try `also fail on "
            "MEDIUM`, `fail on HIGH,CRITICAL`, `report only`, `scan k8s-manifests/db.yaml too`, `stop scanning "
            "k8s-manifests/db.yaml`, `only on pull requests`, `nightly`, or `upload results to code scanning`.")
    return Change(cleaned, fail_on=options.get("fail_on"), triggers=options.get("triggers"),
                  schedule=options.get("schedule"), upload_sarif=options.get("sarif"))


def _paths(text: str) -> tuple[str, ...]:
    quoted = [next(g for g in m.groups() if g) for m in QUOTED.finditer(text)]
    if quoted:
        return tuple(quoted)
    return tuple(p.strip(" ,") for p in re.split(r",|\s+and\s+|\s+", text) if p.strip(" ,"))


def updated_request(request: Request, change: Change) -> Request:
    """The request as it reads after the follow-up, so the scope is checked against what is asked now."""
    paths = [p for p in request.paths if normalize(p) not in {normalize(r) for r in change.remove_targets}]
    paths += [p for p in change.add_targets if normalize(p) not in {normalize(x) for x in paths}]
    fail_on = request.fail_on
    if change.fail_on is not None:
        fail_on = (_union(request.fail_on, change.fail_on[1:]) if change.fail_on[:1] == ("+",) else change.fail_on)
    return replace(
        request, text=f"{request.text}; then: {change.text}", paths=tuple(paths), fail_on=fail_on,
        fail_on_given=request.fail_on_given or change.fail_on is not None,
        triggers=change.triggers or request.triggers, schedule=change.schedule or request.schedule,
        upload_sarif=request.upload_sarif if change.upload_sarif is None else change.upload_sarif)


def _union(current: tuple[str, ...], extra: tuple[str, ...]) -> tuple[str, ...]:
    order = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
    return tuple(s for s in order if s in current or s in extra)


def describe_change(before: Intent, after: Intent) -> str:
    """What a revision changes, in words (its commit subject and its reply); "" when nothing."""
    parts = []
    added = [t for t in after.targets if t not in before.targets]
    removed = [t for t in before.targets if t not in after.targets]
    if added:
        parts.append("scan " + ", ".join(added) + " too")
    if removed:
        parts.append("stop scanning " + ", ".join(removed))
    if tuple(after.fail_on) != tuple(before.fail_on):
        was = f"fail on {', '.join(before.fail_on)}" if before.fail_on else "report only"
        parts.append((f"fail on {', '.join(after.fail_on)}" if after.fail_on else "report only") + f" (was {was})")
    if tuple(after.triggers) != tuple(before.triggers):
        parts.append("run on " + ", ".join(after.triggers) + f" (was {', '.join(before.triggers)})")
    if after.schedule != before.schedule and after.schedule:
        parts.append(f"run on the schedule `{after.schedule}`")
    if after.upload_sarif and not before.upload_sarif:
        parts.append("upload the results to code scanning")
    return "; ".join(parts)


def finding_key(finding) -> tuple:
    """A finding as it reads whatever lines moved: check, rule, file and message with its numbers blanked."""
    return (finding.check_id, finding.rule, finding.path, re.sub(r"\d+", "#", finding.message))


class RevisionError(ValueError):
    """The workflow on the branch is not one vibeops can edit in place for this change."""


def revise(text: str, before: Intent, after: Intent, tree: RepoTree, catalog: Catalog) -> str:
    """Apply the difference between two intents to the workflow text, keeping everything else as it is."""
    doc = load_yaml(text)
    jobs = doc.get("jobs") or {}
    scans = [(job, step) for job in jobs.values() if isinstance(job, CommentedMap)
             for step in job.get("steps") or [] if TRIVY_ACTION.match(str(step.get("uses", "")))]
    if not scans:
        raise RevisionError("the workflow has no trivy-action step to revise; ask for a new workflow instead")
    job = scans[0][0]
    steps = job["steps"]
    added = [t for t in after.targets if t not in before.targets]
    if any(is_glob(t) for t in added):
        raise RevisionError("a glob is scanned by trivy's command line looping over the pattern, not by "
                            "trivy-action (it takes one path); ask for a new workflow with every target instead")
    for target in [t for t in before.targets if t not in after.targets]:
        for step in [s for s in steps if _scan_ref(s) == target]:
            steps.remove(step)
        for step in [s for s in steps if _is_upload_of(s, target)]:
            steps.remove(step)
        _drop_path_filter(doc, target, tree)
    template = next((s for _, s in scans if s in steps), None)
    if template is None and after.targets:
        raise RevisionError("every scan step would be removed; close the pull request instead")
    for target in [t for t in after.targets if t not in before.targets]:
        step = copy.deepcopy(template)
        step["name"] = f"Scan {target}"
        step["with"]["scan-ref"] = target
        step["with"]["skip-setup-trivy"] = True
        if "if" not in step:
            step.insert(1, "if", "${{ !cancelled() }}")
        last = max(i for i, s in enumerate(steps) if TRIVY_ACTION.match(str(s.get("uses", ""))) or
                   str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@"))
        steps.insert(last + 1, step)
        _add_path_filter(doc, target, tree)
    for step in [s for s in steps if TRIVY_ACTION.match(str(s.get("uses", "")))]:
        inputs = step["with"]
        if after.fail_on:
            inputs["severity"] = ",".join(after.fail_on)
            inputs["exit-code"] = "1"
        else:
            inputs["exit-code"] = "0"
            inputs.pop("severity", None)
    if after.upload_sarif and not before.upload_sarif:
        _add_sarif(job, steps, catalog)
    _set_triggers(doc, after)
    return dump_yaml(doc)


def _scan_ref(step) -> str | None:
    inputs = step.get("with") or {}
    return normalize(str(inputs.get("scan-ref", "."))) if TRIVY_ACTION.match(str(step.get("uses", ""))) else None


def _is_upload_of(step, target: str) -> bool:
    return (str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif@")
            and target in str(step.get("name", "")))


def _filter_entry(target: str, tree: RepoTree) -> str:
    return f"{target}/**" if tree.is_dir(target) else target


def _add_path_filter(doc, target: str, tree: RepoTree) -> None:
    for trigger in ("pull_request", "push"):
        spec = (doc.get("on") or {}).get(trigger)
        if isinstance(spec, CommentedMap) and isinstance(spec.get("paths"), list):
            entry = _filter_entry(target, tree)
            if entry not in spec["paths"]:
                spec["paths"].insert(len(spec["paths"]) - 1 if spec["paths"] else 0, entry)


def _drop_path_filter(doc, target: str, tree: RepoTree) -> None:
    for trigger in ("pull_request", "push"):
        spec = (doc.get("on") or {}).get(trigger)
        if isinstance(spec, CommentedMap) and isinstance(spec.get("paths"), list):
            entry = _filter_entry(target, tree)
            while entry in spec["paths"]:
                spec["paths"].remove(entry)


def _set_triggers(doc, after: Intent) -> None:
    on = doc.get("on")
    if not isinstance(on, CommentedMap):
        return
    if tuple(after.triggers) != DEFAULT_TRIGGERS:
        for trigger in [t for t in on if t in DEFAULT_TRIGGERS and t not in after.triggers]:
            del on[trigger]
    if after.schedule:
        on["schedule"] = CommentedSeq([CommentedMap(cron=after.schedule)])


def _add_sarif(job, steps, catalog: Catalog) -> None:
    if "permissions" not in job:
        job.insert(list(job).index("steps"), "permissions", CommentedMap([("contents", "read")]))
    job["permissions"]["security-events"] = "write"
    job["permissions"]["actions"] = "read"
    uses, pin = catalog.latest("github/codeql-action/upload-sarif")
    for step in [s for s in list(steps) if TRIVY_ACTION.match(str(s.get("uses", "")))]:
        target = _scan_ref(step) or ROOT
        slug = re.sub(r"[^a-z0-9]+", "-", ("repo" if target == ROOT else target).lower()).strip("-")
        inputs = step["with"]
        inputs["format"], inputs["output"], inputs["limit-severities-for-sarif"] = "sarif", f"trivy-{slug}.sarif", True
        upload = CommentedMap([("name", f"Upload {target} results to code scanning"),
                               ("if", "${{ !cancelled() }}"), ("uses", uses),
                               ("with", CommentedMap([("sarif_file", f"trivy-{slug}.sarif"),
                                                      ("category", f"trivy-{slug}")]))])
        upload.yaml_add_eol_comment(f"# {pin.tag}", "uses")
        steps.insert(steps.index(step) + 1, upload)
