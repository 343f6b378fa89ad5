"""Findings as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

from collections.abc import Iterable

from bot import __version__
from bot.findings import Finding, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def sarif(findings: Iterable[Finding]) -> dict:
    findings = list(findings)
    rule_ids = sorted({f"{f.check_id}/{f.rule}" for f in findings})
    index = {rule: i for i, rule in enumerate(rule_ids)}
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "vibeops",
                "version": __version__,
                "rules": [{"id": rule, "name": rule.replace("/", "-"),
                           "shortDescription": {"text": f"vibeops {rule}"}} for rule in rule_ids],
            }},
            "results": [_result(f, index) for f in findings],
        }],
    }


def _result(finding: Finding, index: dict[str, int]) -> dict:
    rule = f"{finding.check_id}/{finding.rule}"
    result = {
        "ruleId": rule,
        "ruleIndex": index[rule],
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message + (f" ({finding.hint})" if finding.hint else "")},
    }
    if finding.path:
        location = {"artifactLocation": {"uri": finding.path}}
        if finding.line:
            location["region"] = {"startLine": finding.line, **({"startColumn": finding.column}
                                                               if finding.column else {})}
        result["locations"] = [{"physicalLocation": location}]
    return result
