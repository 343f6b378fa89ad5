"""Value types of the scope analysis: invocations, scanner steps and the scope report."""

from __future__ import annotations

from dataclasses import dataclass, field

EXACT, BROADER, NARROWER, MISMATCH, UNKNOWN = "exact", "broader", "narrower", "mismatch", "unknown"
ANY_TOOL = "unknown"  # the tool of a step whose scanner cannot be told: it counts for every tool


@dataclass(frozen=True)
class Invocation:
    """One scanner run as the step will perform it; paths are absolute inside the runner workspace."""

    tool: str
    mode: str
    targets: tuple[str, ...] = ()
    scanners: tuple[str, ...] = ()
    skip_dirs: tuple[str, ...] = ()
    skip_files: tuple[str, ...] = ()
    unresolved: str | None = None
    note: str | None = None
    skip_regex: tuple[str, ...] = ()  # checkov --skip-path, kubeconform -ignore-filename-pattern
    cwd: str | None = None  # where the command runs (workspace path), to run it again as it is
    config_file: str | None = None  # trivy's --config / trivy-config, workspace path
    frameworks: tuple[str, ...] = ()  # checkov's --framework minus --skip-framework; ("all",) or () for all
    walk_names: tuple[str, ...] = ()  # checkov: the -d directories as written, which its skip-path regexes see


@dataclass(frozen=True)
class ScannerStep:
    """A workflow step that runs a scanner, with the repository files it reads."""

    job_id: str
    step_index: int
    step_name: str
    line: int | None
    tool: str
    mode: str
    scanners: tuple[str, ...]
    roots: tuple[str, ...]
    files: frozenset[str]
    resolved: bool
    reason: str | None = None
    skips: tuple[str, ...] = ()
    files_by_scanner: dict = field(default_factory=dict, compare=False)
    invocation: Invocation | None = field(default=None, compare=False)
    checkout_root: str | None = field(default=None, compare=False)  # runner path of the repository

    def files_for(self, scanners: tuple[str, ...]) -> frozenset[str]:
        found: set[str] = set()
        for scanner in scanners:
            found |= self.files_by_scanner.get(scanner, frozenset())
        return frozenset(found)

    def to_dict(self) -> dict:
        return {
            "job": self.job_id,
            "step": self.step_index + 1,
            "name": self.step_name,
            "line": self.line,
            "tool": self.tool,
            "mode": self.mode,
            "scanners": list(self.scanners),
            "roots": list(self.roots),
            "files": sorted(self.files),
            "resolved": self.resolved,
            "reason": self.reason,
            "skips": list(self.skips),
        }


@dataclass(frozen=True)
class ScopeReport:
    """Requested files against scanned files, with a verdict; `requested` is empty when unknown."""

    requested: tuple[str, ...]
    scanned: tuple[str, ...]
    verdict: str | None
    extra: tuple[str, ...]
    missing: tuple[str, ...]
    steps: tuple[ScannerStep, ...]
    problems: tuple[str, ...] = ()
    tool: str | None = None  # the scanner whose steps were compared (None: every step)
    basis: str | None = None  # why that tool: given with --tool, inferred (and how), or the request's
    later: tuple[str, ...] = ()  # hypothetical files added later (bot.scope.later) among extra/missing

    def to_dict(self) -> dict:
        return {
            "tool": self.tool,
            "tool_basis": self.basis,
            "requested": list(self.requested),
            "scanned": list(self.scanned),
            "verdict": self.verdict,
            "extra": list(self.extra),
            "missing": list(self.missing),
            "steps": [s.to_dict() for s in self.steps],
            "problems": list(self.problems),
            "later": list(self.later),
        }
