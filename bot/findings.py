"""The one finding type every check reports, and how findings decide a verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    """How much a finding matters: only errors block a workflow from being written."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Finding:
    """One problem found by one check, pointing at a file and, where known, a line."""

    check_id: str
    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        if self.path is None:
            return ""
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}" + (f":{self.column}" if self.column else "")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass(frozen=True)
class CheckResult:
    """What one check said about one workflow."""

    check_id: str
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not any(f.blocking for f in self.findings)

    def to_dict(self) -> dict:
        return {
            "id": self.check_id,
            "ok": self.ok,
            "findings": [f.to_dict() for f in self.findings],
        }
