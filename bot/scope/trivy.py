"""What a trivy-action step or a `trivy` command line scans, as an Invocation."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence

from bot.globs import is_glob
from bot.repotree import RepoTree
from bot.scope.context import WORKSPACE, StepContext, resolve_value
from bot.scope.argv import parse
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars
from bot.workflow import load_yaml, WorkflowError

TOOL = "trivy"
ACTIONS = re.compile(r"^[\w.-]+/trivy-action@", re.IGNORECASE)
# trivy-action v0.36.0: scan-type defaults to image, scan-ref to "."; image-ref wins when set.
ACTION_DEFAULT_SCAN_TYPE = "image"
PATH_MODES = {"config": "config", "conf": "config", "fs": "fs", "filesystem": "fs",
              "repo": "repo", "repository": "repo", "rootfs": "rootfs"}
OTHER_MODES = {"image": "image", "i": "image", "k8s": "k8s", "kubernetes": "k8s", "sbom": "sbom",
               "vm": "vm", "aws": "aws"}
DEFAULT_SCANNERS = {"config": ("misconfig",), "fs": ("vuln", "secret"), "repo": ("vuln", "secret"),
                    "rootfs": ("vuln", "secret")}
_SCANNER_ALIASES = {"config": "misconfig", "misconfiguration": "misconfig", "vulnerability": "vuln",
                    "secrets": "secret", "licence": "license"}
# Options that take a value (the next word) on trivy's command line.
_VALUE_FLAGS = frozenset("""
-f --format -o --output -s --severity --exit-code --skip-dirs --skip-files --scanners --security-checks
-c --config --cache-dir --timeout -t --template --ignorefile --ignore-policy --config-policy --policy
--config-check --config-data --check-namespaces --policy-namespaces --namespaces --tf-vars --helm-values
--helm-set --helm-set-file --helm-set-string --helm-api-versions --helm-kube-version --file-patterns
--compliance --k8s-version --checks-bundle-repository --registry-token --username --password
--misconfig-scanners --db-repository --java-db-repository --parallel --platform --vex --pkg-types
--vuln-type --cf-params --report --output-plugin-arg --module-dir --enable-modules --ignored-licenses
--secret-config --license-confidence-level --sbom-sources --rekor-url --cache-backend --cache-ttl
--redis-ca --redis-cert --redis-key --token --token-header --server --custom-headers --trace-rego
--distro --detection-priority --tf-exclude-downloaded-modules --raw-config-scanners --image-src
--docker-host --podman-host --input --pkg-relationships --max-image-size --log-level
""".split())


def from_action(uses: str, inputs: Mapping, ctx: StepContext, tree: RepoTree) -> Invocation:
    """trivy-action passes scan-type and scan-ref as arguments and every other input as TRIVY_* env."""
    try:
        scan_type = resolve_value(inputs.get("scan-type") or ACTION_DEFAULT_SCAN_TYPE, ctx.env).strip().lower()
    except Unresolved as exc:
        return Invocation("trivy", "unknown", unresolved=str(exc))
    if scan_type in OTHER_MODES:  # an image (or cluster) scan reads no repository file, whatever its name
        named = inputs.get("image-ref") or inputs.get("scan-ref") or "."
        return Invocation("trivy", OTHER_MODES[scan_type], note=f"scans {OTHER_MODES[scan_type]} {named}, "
                                                                 "not repository files")
    try:
        # image-ref is simply the positional argument when set, whatever the scan type.
        target = resolve_value(inputs.get("image-ref") or inputs.get("scan-ref") or ".", ctx.env).strip()
        env = dict(ctx.env)
        for name, var in (("skip-dirs", "TRIVY_SKIP_DIRS"), ("skip-files", "TRIVY_SKIP_FILES"),
                          ("scanners", "TRIVY_SCANNERS"), ("trivy-config", "TRIVY_CONFIG")):
            value = inputs.get(name)
            if value not in (None, ""):
                env[var] = resolve_value(value, ctx.env)
    except Unresolved as exc:
        return Invocation("trivy", "unknown", unresolved=str(exc))
    if is_glob(target) and scan_type in PATH_MODES:
        # entrypoint.sh passes scan-ref quoted ("$scanRef"): trivy gets the pattern as one path and finds no
        # such file. A glob needs trivy's command line in a loop (what the recipes write).
        return Invocation("trivy", PATH_MODES[scan_type],
                          note=f"trivy-action gives scan-ref `{target}` to trivy as one path, not a pattern, so "
                               "trivy finds no such file and scans nothing")
    argv = ["trivy", scan_type, target]
    # The action runs in the workspace root, whatever `working-directory` says for run steps.
    return _from_argv(argv, WORKSPACE, env, ctx, tree)


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    if not command.argv or "trivy" not in posixpath.basename(command.argv[0]):
        return None
    if command.problem:
        return Invocation("trivy", "unknown", unresolved=command.problem)
    try:
        argv = [command.argv[0]] + [expand_vars(word, command.env) for word in command.argv[1:]]
    except Unresolved as exc:
        return Invocation("trivy", "unknown", unresolved=str(exc))
    return _from_argv(argv, command.cwd, command.env, ctx, tree)


def _from_argv(argv: Sequence[str], cwd: str, env: Mapping[str, str], ctx: StepContext,
               tree: RepoTree) -> Invocation:
    args = parse(argv[1:], _VALUE_FLAGS)
    flags, positional = args.flags, list(args.positional)
    if not positional:
        return Invocation("trivy", "unknown", unresolved="no trivy subcommand")
    subcommand, targets = positional[0].lower(), positional[1:]
    if subcommand in OTHER_MODES:
        mode = OTHER_MODES.get(subcommand, subcommand)
        what = targets[0] if targets else "(none)"
        return Invocation("trivy", mode, note=f"scans {mode} {what}, not repository files")
    mode = PATH_MODES.get(subcommand)
    if mode is None:
        return Invocation("trivy", subcommand, note=f"`trivy {subcommand}` scans no files")
    if len(targets) != 1:
        reason = "no scan target" if not targets else f"{len(targets)} targets (trivy accepts one)"
        return Invocation("trivy", mode, unresolved=reason)
    target = targets[0]
    if mode == "repo" and re.match(r"^[a-z]+://|^git@", target):
        return Invocation("trivy", mode, note=f"scans the remote repository {target}")
    settings = _config_file_settings(flags, env, cwd, ctx, tree)
    if isinstance(settings, str):
        return Invocation("trivy", mode, unresolved=settings)
    scanners = _scanners(mode, flags, env, settings)
    # A flag beats TRIVY_* env, which beats the config file: each replaces, never adds to, the next.
    skip_dirs = _list_option("--skip-dirs", "TRIVY_SKIP_DIRS", flags, env) or settings.get("skip-dirs", ())
    skip_files = _list_option("--skip-files", "TRIVY_SKIP_FILES", flags, env) or settings.get("skip-files", ())
    absolute = posixpath.normpath(posixpath.join(cwd, target))
    explicit = (flags.get("-c") or flags.get("--config") or [env.get("TRIVY_CONFIG", "")])[-1]
    return Invocation("trivy", mode, targets=(absolute,), scanners=scanners, skip_dirs=skip_dirs,
                      skip_files=skip_files, cwd=cwd,
                      config_file=posixpath.normpath(posixpath.join(cwd, explicit)) if explicit else None)


def _list_option(flag: str, var: str, flags: Mapping[str, list[str]], env: Mapping[str, str]) -> tuple[str, ...]:
    values = flags.get(flag) or ([env[var]] if env.get(var) else [])
    items: list[str] = []
    for value in values:
        items.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(items)


def _scanners(mode: str, flags: Mapping[str, list[str]], env: Mapping[str, str], settings: Mapping) -> tuple[str, ...]:
    if mode == "config":
        return ("misconfig",)
    named = _list_option("--scanners", "TRIVY_SCANNERS", flags, env) or _list_option(
        "--security-checks", "TRIVY_SECURITY_CHECKS", flags, env) or settings.get("scanners", ())
    if not named:
        return DEFAULT_SCANNERS[mode]
    return tuple(dict.fromkeys(_SCANNER_ALIASES.get(s.lower(), s.lower()) for s in named))


def _config_file_settings(flags: Mapping[str, list[str]], env: Mapping[str, str], cwd: str,
                          ctx: StepContext, tree: RepoTree) -> dict | str:
    """Scan settings from trivy.yaml (given with --config, TRIVY_CONFIG, or trivy.yaml in the cwd)."""
    explicit = (flags.get("-c") or flags.get("--config") or [env.get("TRIVY_CONFIG", "")])[-1]
    path = posixpath.normpath(posixpath.join(cwd, explicit or "trivy.yaml"))
    # Without a checkout no repository file is there: trivy finds no trivy.yaml (a named one is missing).
    repo_path = posixpath.relpath(path, ctx.checkout_root) if ctx.checkout_root else ".."
    if repo_path == ".." or repo_path.startswith("../") or not tree.is_file(repo_path):  # `..x.yaml` is inside
        return f"trivy config file {explicit} is not in the repository" if explicit else {}
    text = tree.read_text(repo_path)
    if text is None:  # trivy: `config file "trivy.yaml" loading error: While parsing config: yaml: ...`, FATAL
        return f"cannot read {repo_path}: it is not UTF-8 text"
    try:
        data = load_yaml(text) or {}
    except WorkflowError as exc:
        return f"cannot read {repo_path}: {exc}"
    scan = data.get("scan", {}) if isinstance(data, Mapping) else {}
    if not isinstance(scan, Mapping):
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for key in ("skip-dirs", "skip-files", "scanners"):
        value = scan.get(key)
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            found[key] = tuple(str(v).strip() for v in value if str(v).strip())
    return found
