"""What a checkov step (CLI or bridgecrewio/checkov-action) scans, as an Invocation.

Facts from checkov 3.3 (checkov/main.py, common/util/config_utils.py, common/runners/base_runner.py)
and the action's entrypoint (checkov/github_action_resources/entrypoint.sh):

- `-d DIR` (repeatable) walks DIR; `-f FILE…` reads the files. `--skip-path` is a regular expression
  searched in each walked path (the directory as written joined with the entry's name); a value that
  is not a valid regular expression is not compiled, and then only skips paths that contain it as
  plain text. A value starting with `.` and a non-dot is taken literally. `--skip-path` is ignored
  with `-f`.
- Settings also come from YAML config files, read as data: `--config-file`, then `.checkov.yml` /
  `.checkov.yaml` in the working directory, then in each `-d` directory. A key given on the command
  line (or by an earlier file) wins; keys are the long option names (`directory`, `file`,
  `skip-path`, `framework`, `skip-framework`). A `--config-file` that does not exist is ignored.
- `--framework` (comma list or several words) restricts the runners, so the files read;
  `--skip-framework` removes runners.
- The action passes `file` as `-f`, else `directory` (default `.`) as `-d`; `skip_path` and
  `external_checks_dirs` are split at commas/spaces into one flag each; `framework`, `skip_framework`
  and `config_file` are passed as they are. It runs in the workspace root.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from bot.repotree import RepoTree
from bot.scope.context import WORKSPACE, StepContext, absolute, resolve_value
from bot.scope.model import Invocation
from bot.scope.shell import Command, Unresolved, expand_vars
from bot.workflow import WorkflowError, load_yaml

TOOL = "checkov"
ACTIONS = re.compile(r"^bridgecrewio/checkov-action@", re.IGNORECASE)
# checkov's CKV_IGNORED_DIRECTORIES default: these folders are never scanned.
IGNORED_DIRECTORIES = r"(^|/)(node_modules|\.terraform|\.serverless)/"
FRAMEWORKS = frozenset({
    "ansible", "argo_workflows", "arm", "azure_pipelines", "bicep", "bitbucket_pipelines", "cdk",
    "circleci_pipelines", "cloudformation", "dockerfile", "github_configuration", "github_actions",
    "gitlab_configuration", "gitlab_ci", "bitbucket_configuration", "helm", "json", "yaml", "kubernetes",
    "kustomize", "openapi", "sca_package", "sca_image", "secrets", "serverless", "terraform", "terraform_json",
    "terraform_plan", "sast", "sast_python", "sast_java", "sast_javascript", "sast_typescript", "sast_golang",
    "3d_policy", "all",
})
_VALUE_FLAGS = {"-d", "--directory", "--skip-path", "--config-file", "--framework", "--skip-framework", "-c",
                "--check", "--skip-check", "-o", "--output", "--output-file-path", "--external-checks-dir",
                "--external-checks-git", "--baseline", "--var-file", "--soft-fail-on", "--hard-fail-on",
                "--repo-id", "--branch", "--bc-api-key", "--download-external-modules", "--prisma-api-url",
                "--docker-image", "--image", "--dockerfile-path", "--repo-root-for-plan-enrichment",
                "--policy-metadata-filter", "--policy-metadata-filter-exception", "--skip-cve-package",
                "--ca-certificate", "--external-modules-download-path", "--evaluate-variables", "--secrets-scan-file-type",
                "--block-list-secret-scan", "--summary-position", "--deep-analysis", "--openai-api-key", "--level",
                "--create-config", "--var-file", "--custom-tool-name", "--secrets-history-timeout",
                "--max-file-size"}
_MULTI = {"-f", "--file", "--framework", "--skip-framework"}  # nargs="+"
_MAX_PATTERN = 1000


def from_action(uses: str, inputs: Mapping, ctx: StepContext, tree: RepoTree) -> Invocation:
    try:
        values = {key: resolve_value(inputs.get(key) if inputs.get(key) is not None else default, ctx.env)
                  for key, default in (("file", ""), ("directory", "."), ("skip_path", ""), ("config_file", ""),
                                       ("framework", ""), ("skip_framework", ""))}
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    argv: list[str] = []
    if values["file"]:
        argv += ["-f", *values["file"].split()]
    elif values["directory"]:
        words = values["directory"].split()
        if len(words) > 1:  # `-d $INPUT_DIRECTORY`, unquoted: the second word is an argument checkov refuses
            return Invocation(TOOL, "scan", note=f"checkov stops: unrecognized arguments: {' '.join(words[1:])}")
        argv += ["-d", *words]
    for skip in re.split(r"[, ]+", values["skip_path"]):
        if skip:
            argv += ["--skip-path", skip]
    if values["framework"]:
        argv += ["--framework", *values["framework"].split()]
    if values["skip_framework"]:
        argv += ["--skip-framework", *values["skip_framework"].split()]
    if values["config_file"]:
        argv += ["--config-file", values["config_file"]]
    return _from_argv(argv, WORKSPACE, ctx, tree)


def from_command(command: Command, ctx: StepContext, tree: RepoTree) -> Invocation | None:
    if not command.argv or posixpath.basename(command.argv[0]) != TOOL:
        return None
    try:
        words = [expand_vars(w, command.env) for w in command.argv[1:]]
    except Unresolved as exc:
        return Invocation(TOOL, "unknown", unresolved=str(exc))
    return _from_argv(words, command.cwd, ctx, tree)


def _parse(words: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current = None
    for word in words:
        if word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            name = {"-d": "--directory", "-f": "--file"}.get(name, name)
            current = None
            if eq:
                found.setdefault(name, []).append(value)
            elif name in _MULTI or name in ("--directory", "--file") or name in _VALUE_FLAGS:
                found.setdefault(name, [])
                current = name
            else:
                found.setdefault(name, []).append("true")
            continue
        if current is not None:
            found[current].append(word)
            if current not in _MULTI:
                current = None
    return found


def _from_argv(words: list[str], cwd: str, ctx: StepContext, tree: RepoTree) -> Invocation:
    given = _parse(words)
    settings = dict(given)
    root = ctx.checkout_root  # without a checkout no repository file is there to be read
    sources = []
    explicit = (given.get("--config-file") or [""])[-1]
    if explicit:
        sources.append(explicit)
    sources += [".checkov.yml", ".checkov.yaml"]
    sources += [posixpath.join(d, name) for d in given.get("--directory", []) for name in (".checkov.yml", ".checkov.yaml")]
    notes = []
    for source in sources:
        path = posixpath.relpath(absolute(cwd, source), root) if root else ".."
        if path == ".." or path.startswith("../") or not tree.is_file(path):  # `..ck.yaml` is inside
            if source == explicit:
                notes.append(f"config file {explicit} is not in the repository (checkov runs without it)")
            continue
        data = _config(path, tree)
        if isinstance(data, str):
            return Invocation(TOOL, "unknown", unresolved=data)
        for key, option in (("directory", "--directory"), ("file", "--file"), ("skip-path", "--skip-path"),
                            ("framework", "--framework"), ("skip-framework", "--skip-framework")):
            if key in data and option not in settings:
                settings[option] = data[key]
        other = sorted(k for k in data if k in ("repo-root-for-plan-enrichment", "external-modules-download-path"))
        if other:
            notes.append(f"{path} also sets {', '.join(other)}")
    dirs, files = settings.get("--directory", []), settings.get("--file", [])
    if dirs and files:
        return Invocation(TOOL, "unknown", unresolved="checkov with both --directory and --file")
    if not dirs and not files:
        return Invocation(TOOL, "unknown", unresolved="checkov without -d or -f scans nothing")
    frameworks = _frameworks(settings.get("--framework", []))
    skipped = set(_frameworks(settings.get("--skip-framework", [])))
    invalid = [f for f in set(frameworks) | skipped if f not in FRAMEWORKS]
    if invalid:
        # checkov refuses to start: "Invalid frameworks specified"
        return Invocation(TOOL, "scan", note=f"checkov stops: invalid framework {', '.join(sorted(invalid))}")
    if "all" in frameworks or not frameworks:
        frameworks = ["all"]
    skips = tuple(p for p in settings.get("--skip-path", []) if p)
    costly = [p for p in skips if risky(p) and not _linear(p)]  # RE2 runs any other pattern in linear time
    if costly or len(skips) > 100:
        return Invocation(TOOL, "unknown", unresolved=f"--skip-path `{(costly or skips)[0][:80]}` is too costly to "
                                                      "evaluate here (nested repetition or too many patterns)")
    chosen = tuple(sorted(set(frameworks) - skipped)) if frameworks != ["all"] else (
        ("all",) if not skipped else tuple(sorted(FRAMEWORKS - skipped - {"all"})))
    targets = tuple(absolute(cwd, t) for t in dirs + files)
    return Invocation(TOOL, "scan", targets=targets, scanners=(TOOL,),
                      skip_regex=(IGNORED_DIRECTORIES, *skips) if dirs else (IGNORED_DIRECTORIES,), cwd=cwd,
                      note="; ".join(notes) or None, frameworks=chosen,
                      walk_names=tuple(dirs) if dirs else ())


def _frameworks(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _config(path: str, tree: RepoTree) -> dict[str, list[str]] | str:
    """The scope settings of a checkov YAML config file, as lists of words (read as data only)."""
    text = tree.read_text(path)
    if text is None:  # checkov: "Couldn't parse config file: 'utf-8' codec can't decode ...", and it stops
        return f"cannot read the checkov config {path}: it is not UTF-8 text"
    try:
        data = load_yaml(text) or {}
    except WorkflowError as exc:
        return f"cannot read the checkov config {path}: {exc}"
    if not isinstance(data, Mapping):
        return {}
    found: dict[str, list[str]] = {}
    for key in ("directory", "file", "skip-path", "framework", "skip-framework", "repo-root-for-plan-enrichment",
                "external-modules-download-path"):
        value = data.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        found[key] = [str(v) for v in items if not isinstance(v, (Mapping, list))]
    return found


def skip_matches(patterns: tuple[str, ...], walked: str) -> bool:
    """checkov's filter_ignored_paths for one walked path: regex search, or plain containment when not a regex."""
    for pattern in patterns:
        if pattern == IGNORED_DIRECTORIES:
            if re.search(pattern, walked + "/"):
                return True
            continue
        if pattern in walked:
            return True
        if _search(pattern, walked):
            return True
    return False


def _linear(pattern: str) -> bool:
    """Whether RE2 (no backtracking) can run the pattern as checkov would compile it."""
    compiled = _compile(pattern)
    if compiled is None:  # not a regex: checkov matches it as plain text; too long: checkov runs it, we do not
        return len(pattern) <= _MAX_PATTERN
    try:
        from bot.globs import re2_search

        re2_search(compiled.pattern, "")
        return True
    except ValueError:
        return False


def _search(pattern: str, walked: str) -> bool:
    """One --skip-path regex on one path: on RE2 (linear time) when it can run it, else on Python's `re`
    only when the pattern has no shape of catastrophic backtracking."""
    compiled = _compile(pattern)
    if compiled is None:
        return False
    try:
        from bot.globs import re2_search

        return re2_search(compiled.pattern, walked)
    except ValueError:  # backreferences or lookaround: RE2 cannot run it
        return not risky(pattern) and compiled.search(walked) is not None


# A quantified group that itself holds a quantifier or an alternation: the shape of catastrophic backtracking.
_NESTED = re.compile(r"\((?:[^()\\]|\\.)*(?:[*+}]|\|)(?:[^()\\]|\\.)*\)(?:[*+?]|\{\d)")


def risky(pattern: str) -> bool:
    """A user pattern too costly to run on our side (nested quantifiers, many repeats, or too long)."""
    if len(pattern) > _MAX_PATTERN:
        return True
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False  # not a regular expression: never run as one
    repeats = len(re.findall(r"(?<!\\)[*+]|(?<!\\)\{\d*,", pattern))
    return len(pattern) > _MAX_PATTERN or repeats > 4 or _NESTED.search(pattern) is not None


def _compile(pattern: str) -> re.Pattern[str] | None:
    if len(pattern) > _MAX_PATTERN:
        return None
    try:
        return re.compile(re.escape(pattern) if re.match(r"^\.[^.]", pattern) else pattern)
    except (re.error, RecursionError, OverflowError):
        return None  # checkov drops a value that is not a regular expression
