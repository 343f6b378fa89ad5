"""Summarise what the scan will report (per file, by severity) from the scanner's own output."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SEVERITY_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
_TOP_FINDINGS = 5


@dataclass(frozen=True)
class PreviewFinding:
    id: str
    severity: str
    title: str
    line: int | None = None


@dataclass(frozen=True)
class PreviewFile:
    path: str
    findings: tuple[PreviewFinding, ...]
    checked: int = 0

    @property
    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in SEVERITY_ORDER}
        for finding in self.findings:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
        return counts


@dataclass(frozen=True)
class Preview:
    """The scan run on exactly the requested targets, before the workflow exists."""

    tool: str
    files: tuple[PreviewFile, ...] = ()
    fail_on: tuple[str, ...] = ()
    error: str | None = None
    version: str | None = None

    @property
    def totals(self) -> dict[str, int]:
        totals = {s: 0 for s in SEVERITY_ORDER}
        for f in self.files:
            for severity, count in f.counts.items():
                totals[severity] = totals.get(severity, 0) + count
        return totals

    @property
    def failing(self) -> int:
        """How many findings would fail the build under the workflow's settings."""
        if self.tool == "actionlint":
            return sum(len(f.findings) for f in self.files)
        if self.tool == "vibeops":
            return sum(1 for f in self.files for x in f.findings if x.severity == "ERROR")
        if self.tool == "checkov":  # offline checkov has no severities: every failed check fails the build
            return sum(len(f.findings) for f in self.files) if self.fail_on else 0
        return sum(self.totals.get(s, 0) for s in self.fail_on)

    def to_dict(self) -> dict:
        return {
            "tool": self.tool,
            "ran": self.error is None,
            "error": self.error,
            "fail_on": list(self.fail_on),
            "totals": self.totals,
            "would_fail": self.failing,
            "files": [
                {"path": f.path, "counts": f.counts,
                 "findings": [vars(x) for x in f.findings]}
                for f in self.files
            ],
            "version": self.version,
        }

    def top_findings(self, file: PreviewFile) -> tuple[PreviewFinding, ...]:
        ordered = sorted(file.findings, key=lambda f: SEVERITY_ORDER.index(f.severity)
                         if f.severity in SEVERITY_ORDER else len(SEVERITY_ORDER))
        return tuple(ordered[:_TOP_FINDINGS])


def from_trivy(target: str, target_is_file: bool, report: Mapping) -> list[PreviewFile]:
    """trivy names results relative to the scan root (a file scan gives its basename)."""
    files = []
    for result in report.get("Results") or []:
        if result.get("Class") not in (None, "config", "secret"):
            continue
        name = str(result.get("Target", ""))
        path = target if target_is_file else posixpath.normpath(posixpath.join(target, name))
        findings = [
            PreviewFinding(str(m.get("ID", "")), str(m.get("Severity", "UNKNOWN")).upper(),
                           str(m.get("Title") or m.get("Message") or ""),
                           (m.get("CauseMetadata") or {}).get("StartLine") or m.get("StartLine"))
            for m in (result.get("Misconfigurations") or []) + (result.get("Secrets") or [])
            if m.get("Status", "FAIL") == "FAIL"
        ]
        summary = result.get("MisconfSummary") or {}
        files.append(PreviewFile(path, tuple(findings), int(summary.get("Successes", 0)) + len(findings)))
    return files


def from_actionlint(errors: Iterable[Mapping], paths: Iterable[str]) -> list[PreviewFile]:
    by_path: dict[str, list[PreviewFinding]] = {p: [] for p in paths}
    for error in errors:
        path = posixpath.normpath(str(error.get("filepath", "")))
        by_path.setdefault(path, []).append(
            PreviewFinding(str(error.get("kind", "")), "ERROR", str(error.get("message", "")), error.get("line")))
    return [PreviewFile(path, tuple(found)) for path, found in sorted(by_path.items())]


def trivy_version(report: Mapping) -> str | None:
    return (report.get("Trivy") or {}).get("Version")


def merge(tool: str, parts: Iterable[PreviewFile], fail_on: tuple[str, ...], version: str | None = None) -> Preview:
    merged: dict[str, PreviewFile] = {}
    for part in parts:
        seen = merged.get(part.path)
        merged[part.path] = part if seen is None else PreviewFile(
            part.path, seen.findings + part.findings, seen.checked + part.checked)
    return Preview(tool, tuple(merged[p] for p in sorted(merged)), fail_on, version=version)


# hadolint's and yamllint's levels, as the recipes' failure thresholds read them (bot/recipes.py).
HADOLINT_LEVELS = {"error": "HIGH", "warning": "MEDIUM", "info": "LOW", "style": "UNKNOWN"}
YAMLLINT_LEVELS = {"error": "HIGH", "warning": "MEDIUM"}
_YAMLLINT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): \[(?P<level>\w+)\] (?P<message>.*?)(?: \((?P<rule>[\w-]+)\))?$")


def from_hadolint(entries: Iterable[Mapping], paths: Iterable[str]) -> list[PreviewFile]:
    """hadolint -f json: [{file, line, code, level, message}]; every named file appears, clean or not."""
    by_path: dict[str, list[PreviewFinding]] = {posixpath.normpath(p): [] for p in paths}
    for entry in entries:
        path = posixpath.normpath(str(entry.get("file", "")))
        by_path.setdefault(path, []).append(PreviewFinding(
            str(entry.get("code", "")), HADOLINT_LEVELS.get(str(entry.get("level")), "UNKNOWN"),
            str(entry.get("message", "")), entry.get("line")))
    return [PreviewFile(path, tuple(found)) for path, found in sorted(by_path.items())]


def from_yamllint(lines: Iterable[str], paths: Iterable[str]) -> list[PreviewFile]:
    """yamllint -f parsable: `file:line:col: [level] message (rule)` per problem."""
    by_path: dict[str, list[PreviewFinding]] = {posixpath.normpath(p): [] for p in paths}
    for line in lines:
        match = _YAMLLINT_LINE.match(line)
        if match is None:
            continue
        by_path.setdefault(posixpath.normpath(match["path"]), []).append(PreviewFinding(
            match["rule"] or "syntax", YAMLLINT_LEVELS.get(match["level"], "UNKNOWN"), match["message"],
            int(match["line"])))
    return [PreviewFile(path, tuple(found)) for path, found in sorted(by_path.items())]


def checkov_files(reports: Iterable[Mapping], root: str) -> dict[str, tuple[list[PreviewFinding], int]]:
    """checkov -o json: per repository file, its failed checks and how many checks ran (secrets not counted)."""
    found: dict[str, tuple[list[PreviewFinding], int]] = {}
    for report in reports:
        if not isinstance(report, Mapping) or report.get("check_type") in (None, "secrets"):
            continue
        results = report.get("results") or {}
        for key in ("passed_checks", "failed_checks", "skipped_checks"):
            for check in results.get(key) or []:
                absolute = str(check.get("file_abs_path") or "")
                path = posixpath.relpath(absolute, root) if absolute.startswith("/") else \
                    str(check.get("file_path", "")).lstrip("/")
                path = posixpath.normpath(path)
                failed, ran = found.get(path, ([], 0))
                if key == "failed_checks":
                    failed.append(PreviewFinding(str(check.get("check_id", "")), "HIGH",
                                                 str(check.get("check_name", "")),
                                                 (check.get("file_line_range") or [None])[0]))
                found[path] = (failed, ran + 1)
    return found


def from_checkov(reports: Iterable[Mapping], root: str) -> list[PreviewFile]:
    return [PreviewFile(path, tuple(failed), ran) for path, (failed, ran) in sorted(checkov_files(reports, root).items())]
