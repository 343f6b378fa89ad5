"""A repository's `.github/vibeops.yml`: checked with exact key and line, bounded by server limits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources

from bot.globs import glob_match
from bot.workflow import WorkflowError, line_of, load_yaml

CONFIG_PATHS = (".github/vibeops.yml", ".github/vibeops.yaml")
ROLES = ("read", "triage", "write", "maintain", "admin")
GENERATORS = ("recipe", "auto", "llm")  # from strictest (no model) to loosest
LEVELS = ("none", "read", "write")  # token permission levels, weakest first


class ConfigError(ValueError):
    """The config is invalid; says which key, on which line, and why."""

    def __init__(self, source: str, key: str, line: int | None, message: str):
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: `{key}`: {message}")
        self.source, self.key, self.line = source, key, line


@dataclass(frozen=True)
class RepoConfig:
    enabled: bool = True
    commands: tuple[str, ...] = ("add", "help", "explain", "check", "retry", "revise")
    min_permission: str = "write"
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    paths_allow: tuple[str, ...] = ("**",)
    paths_deny: tuple[str, ...] = ()
    actions_allow: tuple[str, ...] = ()  # empty: every action of the catalog
    run_deny: tuple[str, ...] = ()
    secrets_allow: tuple[str, ...] = ()
    permissions_max: Mapping[str, str] = field(default_factory=dict)
    workflow_dir: str = ".github/workflows"
    branch_prefix: str = "vibeops/"
    labels: tuple[str, ...] = ("vibeops",)
    reviewers: tuple[str, ...] = ()
    draft: bool = False
    llm_model: str | None = None
    llm_max_rounds: int = 3
    llm_generator: str = "auto"
    context: str | None = None
    fail_on: tuple[str, ...] | None = None  # None: the request's own default
    preview: bool = True
    zizmor: bool = True
    recheck_all_pulls: bool = False  # check every pull request that changes a workflow, not only vibeops'
    delete_closed_branches: bool = False  # delete the bot's branch when its pull request is closed unmerged
    source: str = "built-in defaults"
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)  # dotted key -> line
    explicit: frozenset[str] = frozenset()  # dotted keys the file set
    limits: "RepoConfig | None" = field(default=None, compare=False)  # the server's, kept for pattern checks

    def where(self, key: str) -> str:
        """`key` with where it was set, for messages: `.github/vibeops.yml:7 paths.deny`."""
        for config in (self, self.limits):
            if config is not None and key in config.explicit:
                line = config.lines.get(key)
                return f"`{key}` ({config.source}" + (f":{line}" if line else "") + ")"
        return f"`{key}` (default)"

    def path_allowed(self, path: str) -> str | None:
        """None when the bot may target `path`, else which setting forbids it, and where it is set."""
        for config in (self.limits, self):  # the server's word first: it is the one a repo cannot undo
            if config is None:
                continue
            if any(glob_match(p, path) or glob_match(p.rstrip("/") + "/**", path) for p in config.paths_deny):
                return _located(config, "paths.deny")
            if "paths.allow" in config.explicit or config is self:
                if not any(glob_match(p, path) or glob_match(p.rstrip("/") + "/**", path) for p in config.paths_allow):
                    return _located(config, "paths.allow")
        return None

    def action_allowed(self, action: str) -> bool:
        owner_repo = "/".join(action.split("/")[:2]).lower()
        for config in (self, self.limits):
            if config is not None and config.actions_allow and not any(
                    glob_match(p.lower(), owner_repo) for p in config.actions_allow):
                return False
        return True


def _located(config: RepoConfig, key: str) -> str:
    line = config.lines.get(key)
    where = f"{config.source}:{line}" if line else config.source
    return f"`{key}` ({where})"


# Dotted key -> RepoConfig field, and how the server's value bounds the repository's.
_KEYS = {
    "enabled": ("enabled", "and"), "commands": ("commands", "subset"),
    "trigger.min_permission": ("min_permission", "max_role"), "trigger.users": ("users", "subset"),
    "trigger.teams": ("teams", "subset"), "paths.allow": ("paths_allow", "pattern"),
    "paths.deny": ("paths_deny", "union"), "actions.allow": ("actions_allow", "pattern"),
    "run.deny": ("run_deny", "union"), "secrets.allow": ("secrets_allow", "subset"),
    "permissions.max": ("permissions_max", "min_levels"), "workflow_dir": ("workflow_dir", "repo"),
    "branch_prefix": ("branch_prefix", "repo"), "labels": ("labels", "repo"), "reviewers": ("reviewers", "repo"),
    "draft": ("draft", "repo"), "llm.model": ("llm_model", "server"), "llm.max_rounds": ("llm_max_rounds", "min"),
    "llm.generator": ("llm_generator", "min_generator"), "context": ("context", "repo"),
    "scan.fail_on": ("fail_on", "repo"), "preview": ("preview", "repo"), "zizmor.enabled": ("zizmor", "or"),
    "recheck.all_pulls": ("recheck_all_pulls", "or"),
    "delete_closed_branches": ("delete_closed_branches", "repo"),
}


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(resources.files("bot").joinpath("config_schema.json").read_text("utf-8"))


def parse_config(text: str, source: str = CONFIG_PATHS[0]) -> RepoConfig:
    try:
        data = load_yaml(text)
    except WorkflowError as exc:
        raise ConfigError(source, "(file)", exc.line, str(exc)) from exc
    if data is None:
        return RepoConfig(source=source)
    problems = _validate(data, schema())
    if problems:
        key, line, message = problems[0]
        raise ConfigError(source, key or "(top level)", line, message)
    for key, parent, name, message in _semantic_problems(data):
        raise ConfigError(source, key, line_of(parent, name), message)
    values, lines = {}, {}
    for dotted, (attr, _) in _KEYS.items():
        node, parent, last = data, None, None
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                break
            parent, last, node = node, part, node[part]
        else:
            values[attr] = _frozen(node)
            lines[dotted] = line_of(parent, last)
    return RepoConfig(**values, source=source, lines=lines, explicit=frozenset(lines))


def server_limits(env: Mapping[str, str]) -> RepoConfig | None:
    """The server's limits from VIBEOPS_SERVER_CONFIG (a file in the same format), if set."""
    path = env.get("VIBEOPS_SERVER_CONFIG", "")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()  # bytes that are not UTF-8 are refused by the YAML reader, with their line
    except OSError as exc:
        raise ConfigError(path, "(file)", None, f"cannot read: {exc.strerror}") from exc
    return parse_config(text, path)


def with_min_permission(limits: RepoConfig | None, role: str, source: str) -> RepoConfig:
    """The server limits with a lowest role folded in (the stricter of the two wins)."""
    base = limits or RepoConfig(source=source)
    strictest = max(role, base.min_permission, key=ROLES.index) if "trigger.min_permission" in base.explicit else role
    return replace(base, min_permission=strictest, explicit=base.explicit | {"trigger.min_permission"},
                   lines=dict(base.lines), source=base.source if limits else source)


def layered(server: RepoConfig | None, repo: RepoConfig) -> RepoConfig:
    """The repository's config bounded by the server's explicit settings: tightened, never loosened."""
    if server is None:
        return repo
    merged = {}
    for dotted, (attr, rule) in _KEYS.items():
        mine, theirs = getattr(repo, attr), getattr(server, attr)
        if dotted not in server.explicit:
            continue
        if dotted not in repo.explicit:
            merged[attr] = theirs
        elif rule == "and":
            merged[attr] = mine and theirs
        elif rule == "or":  # a check the server requires stays on
            merged[attr] = mine or theirs
        elif rule == "subset":
            merged[attr] = tuple(x for x in mine if x in theirs)
        elif rule == "union":
            merged[attr] = tuple(dict.fromkeys(mine + theirs))
        elif rule == "max_role":
            merged[attr] = max(mine, theirs, key=ROLES.index)
        elif rule == "min":
            merged[attr] = min(mine, theirs)
        elif rule == "min_generator":
            merged[attr] = min(mine, theirs, key=GENERATORS.index)
        elif rule == "min_levels":
            scopes = set(mine) | set(theirs)
            merged[attr] = {s: min(mine.get(s, "read"), theirs.get(s, "read"), key=LEVELS.index) for s in scopes}
        elif rule == "server":
            merged[attr] = theirs
        # "pattern" keys stay the repository's; path_allowed/action_allowed also apply the server's.
    return replace(repo, **merged, limits=server, explicit=repo.explicit)


def _frozen(value):
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, Mapping):
        return {str(k): _frozen(v) for k, v in value.items()}
    return value


def _validate(data, spec: dict) -> list[tuple[str, int | None, str]]:
    """JSON Schema (Draft 2020-12) problems as (dotted key, YAML line, message), in document order."""
    from jsonschema import Draft202012Validator

    problems = []
    for error in Draft202012Validator(spec).iter_errors(data):
        parent, name, node, parts = None, None, data, []
        for step in error.absolute_path:
            if isinstance(node, Mapping):
                parts.append(str(step))
            parent, name = node, step
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                break
        key = ".".join(parts)
        line = line_of(parent, name) if parent is not None else None
        value = error.instance
        kind = error.validator
        if kind == "additionalProperties" and isinstance(value, Mapping):
            known = ", ".join(error.schema.get("properties", {}))
            for extra in value:
                if extra not in error.schema.get("properties", {}):
                    dotted = f"{key}.{extra}" if key else str(extra)
                    problems.append((dotted, line_of(value, extra), f"unknown key (known here: {known})"))
            continue
        if kind == "type":
            wanted = error.validator_value
            message = f"must be {'an' if wanted[0] in 'aeio' else 'a'} {wanted}, not {_kind(value)} ({_short(value)})"
        elif kind == "enum":
            message = f"{_short(value)} is not one of {', '.join(map(str, error.validator_value))}"
        elif kind == "pattern":
            message = f"{_short(value)} does not match {error.validator_value}"
        elif kind in ("minimum", "maximum"):
            message = f"{_short(value)} is out of range ({kind} {error.validator_value})"
        elif kind == "uniqueItems":
            message = "has repeated items"
        else:
            message = error.message[:200]
        problems.append((key, line, message))
    return sorted(problems, key=lambda p: (p[1] or 0))


def _kind(value) -> str:
    """The YAML reader's word for a value's type (`list`, not ruamel's `CommentedSeq`)."""
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str"), (Mapping, "mapping"),
                       (list, "list")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _semantic_problems(data: Mapping) -> list[tuple[str, object, object, str]]:
    """What the schema cannot say: globs and regexes that would not work, paths that climb out."""
    from bot.globs import glob_problem
    from bot.userregex import regex_problem

    problems = []
    for section, key, check in (("paths", "allow", glob_problem), ("paths", "deny", glob_problem),
                                ("actions", "allow", glob_problem), ("run", "deny", regex_problem)):
        block = data.get(section)
        items = block.get(key) if isinstance(block, Mapping) else None
        for index, item in enumerate(items if isinstance(items, list) else []):
            problem = check(item)
            if problem:
                what = "regular expression" if check is regex_problem else "glob"
                problems.append((f"{section}.{key}", items, index, f"the {what} {_short(item)}: {problem}"))
    workflow_dir = data.get("workflow_dir")
    if isinstance(workflow_dir, str) and any(part in (".", "..") for part in workflow_dir.split("/")):
        problems.append(("workflow_dir", data, "workflow_dir",
                         f"{_short(workflow_dir)} must stay inside .github/workflows (no `.` or `..` parts)"))
    prefix = data.get("branch_prefix")
    if isinstance(prefix, str) and (".." in prefix or any(p.startswith(".") for p in prefix.split("/"))):
        problems.append(("branch_prefix", data, "branch_prefix",
                         f"{_short(prefix)} is not a usable branch name prefix (no `..`, no part starting with `.`)"))
    return problems
