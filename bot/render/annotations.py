"""Findings as GitHub Actions workflow commands, so they appear on the pull request's diff."""

from __future__ import annotations

from collections.abc import Iterable

from bot.findings import Finding, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    props = [f"title={_property(f'vibeops {finding.check_id}/{finding.rule}')}"]
    if finding.path:
        props.insert(0, f"file={_property(finding.path)}")
        if finding.line:
            props.insert(1, f"line={finding.line}")
            if finding.column:
                props.insert(2, f"col={finding.column}")
    message = finding.message + (f" ({finding.hint})" if finding.hint else "")
    return f"::{_LEVEL[finding.severity]} {','.join(props)}::{_data(message)}"


def annotations(findings: Iterable[Finding]) -> str:
    return "".join(annotation(f) + "\n" for f in findings)
