"""Parse a plain-language request ("add trivy scan for k8s/api.yaml …") into a typed Request."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
DEFAULT_FAIL_ON = ("CRITICAL", "HIGH")
DEFAULT_TRIGGERS = ("pull_request", "push", "workflow_dispatch")

# Tools without a built-in recipe, and what their steps read (for the scope check); an LLM writes them.
TOOL_ALIASES = {"kubelinter": "kube-linter", "ct": "chart-testing", "chart-testing": "chart-testing"}
# Tools with a vetted recipe beyond trivy/actionlint/the gate: (mode, scanners). See bot/recipes.py.
RECIPE_TOOLS = {"checkov": ("scan", ("checkov",)), "hadolint": ("lint", ("dockerfile-lint",)),
                "yamllint": ("lint", ("yaml-lint",))}
# Tools the scope engine reads but no recipe installs: no binary with an honest pin could be found
# (no wheel on the package index, and no checksum vibeops could read from the tool's own release).
NO_HONEST_PIN = {
    "kubeconform": "kubeconform has no wheel on the package index to pin by hash",
    "kube-linter": "kube-linter has no wheel on the package index to pin by hash",
    "helm": "helm has no wheel on the package index to pin by hash",
    "chart-testing": "chart-testing (ct) has no wheel on the package index to pin by hash",
}
# checkov --framework values whose files the scope engine knows (bot/scope/filetypes.py).
CHECKOV_FRAMEWORKS = ("kubernetes", "dockerfile", "terraform", "helm", "github_actions", "cloudformation", "arm")
TOOL_SCANNERS = {
    "checkov": ("checkov",), "hadolint": ("dockerfile-lint",), "kubeconform": ("k8s-schema",),
    "kube-linter": ("k8s-lint",), "yamllint": ("yaml-lint",), "helm": ("helm-chart",),
    "chart-testing": ("helm-chart",), "zizmor": (), "tfsec": (), "kubescape": (), "kics": (), "snyk": (),
    "grype": (),
}
MODEL_HELP = ("To have a model write it, set VIBEOPS_MODEL to a litellm model (e.g. `openai/gpt-4o-mini`; "
              "VIBEOPS_API_BASE for a self-hosted endpoint) and the provider's key.")
RECIPES_HELP = (
    "Built-in recipes: `add trivy scan for PATH…` (trivy config), "
    "`add trivy fs scan for PATH…` (trivy fs, misconfiguration scanner), "
    "`add checkov scan for PATH…`, `add hadolint check for PATH…`, `add yamllint check for PATH…`, "
    "`add actionlint check` (the repository's workflows), "
    "`add vibeops gate` (vibeops checks every workflow change)."
)
GRAMMAR_HELP = (
    "Write `add <tool> [config|fs] scan for <paths> [options]`, e.g. "
    "`add trivy scan for k8s-manifests/api.yaml fail on HIGH,CRITICAL`. " + RECIPES_HELP
)


class RequestError(ValueError):
    """A request that cannot be understood; the message says what to write instead."""


@dataclass(frozen=True)
class Request:
    """What the user asked for, before it is checked against a repository."""

    text: str
    tool: str
    mode: str
    scanners: tuple[str, ...]
    paths: tuple[str, ...]
    fail_on: tuple[str, ...]
    triggers: tuple[str, ...]
    schedule: str | None
    upload_sarif: bool
    recipe: bool = True  # a vetted recipe covers it; otherwise only a model can write it
    fail_on_given: bool = False  # the request said what fails the build (else the repo's scan.fail_on)
    details: str = ""  # what the grammar did not cover, passed to the model as the user's words
    tools: tuple[str, ...] = ()  # every tool asked for, `tool` first (empty: just `tool`)
    framework: tuple[str, ...] = ()  # checkov --framework values
    required_check: bool = False  # always runs (no paths filter on pull requests), quick when nothing changed


_HEAD = re.compile(
    r"""^(?:/vibeops\s+)?(?P<verb>add|create|set\s+up|setup)\s+(?:an?\s+)?
        (?P<tool>[A-Za-z][\w.-]*)(?P<more>(?:\s*(?:,|\band\b|\+)\s*(?!scan\b|check\b|lint\b)[A-Za-z][\w.-]*)*)\s*
        (?P<words>(?:(?:config|configuration|iac|fs|filesystem|misconfig|misconfiguration|
                        misconfigurations|secret|secrets)\s+)*)
        (?P<noun>scan|scanning|scanner|check|checks|lint|linting|job|workflow|gate)\b""",
    re.IGNORECASE | re.VERBOSE,
)
_PREPOSITION = re.compile(r"^\s*(?:for|of|on|to|against)\b", re.IGNORECASE)
_ROOT_WORDS = re.compile(
    r"^(?:the\s+)?(?:whole\s+|entire\s+)?(?:repo|repository|project|codebase)(?![\w/.-])|^everything(?![\w/.-])",
    re.IGNORECASE,
)
_WORKFLOW_WORDS = re.compile(
    r"^(?:all\s+)?(?:the\s+|our\s+|my\s+)?(?:github\s+)?(?:workflows|workflow\s+files|actions\s+workflows)\b",
    re.IGNORECASE,
)
_SEV = r"(?:unknown|low|medium|high|critical)\b"
SEVERITY_LIST = rf"{_SEV}(?:\s*(?:,|/|\band\b|\bor\b)\s*{_SEV})*(?:\s*(?:\+|and\s+above|or\s+(?:above|higher|worse)))?"
_OPTIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("fail_on", rf"(?:that\s+|which\s+)?(?:fail|fails|failing)\s+(?:the\s+build\s+|ci\s+)?(?:on|for|at)\s+(?P<sevs>{SEVERITY_LIST})(?:\s+(?:findings|issues|severity|severities))?"),
        ("fail_on", rf"(?:with\s+|at\s+)?severit(?:y|ies)\s+(?P<sevs>{SEVERITY_LIST})"),
        ("report_only", r"report[\s-]only|without\s+failing(?:\s+the\s+build)?|(?:do\s+not|don't|never)\s+fail(?:\s+the\s+build)?"),
        ("only_triggers", r"only\s+on\s+(?P<triggers>pull[\s-]requests?|prs?|pushe?s?)(?:\s+(?:and|or)\s+(?P<more>pull[\s-]requests?|prs?|pushe?s?))?"),
        ("only_triggers", r"on\s+(?P<triggers>pull[\s-]requests?|prs?|pushe?s?)(?:\s+(?:and|or)\s+(?P<more>pull[\s-]requests?|prs?|pushe?s?))?\s+only"),
        ("schedule", r"(?:run\s+)?(?:also\s+)?(?P<when>nightly|daily|every\s+day|weekly|every\s+week)"),
        ("framework", r"(?:with\s+|using\s+|for\s+)?(?:the\s+)?(?:checkov\s+)?frameworks?\s+(?P<fw>[a-z_]+(?:\s*,\s*[a-z_]+)*)"),
        ("required", r"(?:as\s+)?an?\s+required\s+(?:status\s+)?check"),
        ("sarif", r"(?:with\s+)?(?:a\s+)?sarif(?:\s+upload)?|(?:and\s+)?upload(?:ing)?\s+(?:the\s+)?(?:results\s+|findings\s+)?to\s+(?:github\s+)?(?:code\s+scanning|the\s+security\s+tab)"),
    )
)
_SEPARATOR = re.compile(r"^(?:\s+|,|;|\.(?=\s|$)|\band\b|\bwith\b)+", re.IGNORECASE)
QUOTED = re.compile(r"""`([^`]+)`|"([^"]+)"|'([^']+)'""")
_SCHEDULES = {"nightly": "0 3 * * *", "daily": "0 3 * * *", "every day": "0 3 * * *",
              "weekly": "0 3 * * 1", "every week": "0 3 * * 1"}


def parse_request(text: str, free_form: bool = False) -> Request:
    """Turn request text into a Request, or raise RequestError naming what was not understood.

    With `free_form` (a model is configured) a request no recipe covers still parses: its tool,
    the paths it names and the options we recognise are kept, and the rest goes to the model.
    """
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        raise RequestError("The request is empty. " + GRAMMAR_HELP)
    head = _HEAD.match(cleaned)
    if head is None:
        if free_form:
            return _free_form(cleaned)
        raise RequestError(f"I could not read {cleaned!r} as a request. " + GRAMMAR_HELP + " " + MODEL_HELP)
    tool = TOOL_ALIASES.get(head["tool"].lower(), head["tool"].lower())
    words = {w.lower() for w in head["words"].split()}
    tools = _more_tools(tool, head["more"], free_form)
    if tool in NO_HONEST_PIN and not free_form:
        raise RequestError(f"There is no built-in recipe for {tool}: no honest pin ({NO_HONEST_PIN[tool]}). "
                           f"{RECIPES_HELP} {MODEL_HELP}")
    if tool in RECIPE_TOOLS:
        if words:
            raise RequestError(f"{tool} takes no scan mode (got {' '.join(sorted(words))!r}). " + RECIPES_HELP)
        mode, scanners = RECIPE_TOOLS[tool]
    elif tool not in ("trivy", "actionlint", "vibeops"):
        if free_form:
            if tool not in TOOL_SCANNERS:
                return _free_form(cleaned)  # "add a deploy job …": not a tool name, just words
        elif tool in TOOL_SCANNERS:
            raise RequestError(f"There is no built-in recipe for {tool} yet. {RECIPES_HELP} {MODEL_HELP}")
        else:
            raise RequestError(f"I don't know the tool {tool!r}. {RECIPES_HELP} {MODEL_HELP}")
        mode, scanners = "llm", TOOL_SCANNERS[tool]
    else:
        mode, scanners = _tool_mode(tool, words)
    rest = cleaned[head.end():]
    paths, rest = _take_paths(rest, tool, lenient=free_form)
    options, details = parse_options(rest, lenient=free_form)
    if (tool == "trivy" or tool in RECIPE_TOOLS) and not paths:
        raise RequestError(
            f"Say what {tool} should scan, e.g. `add {tool} scan for k8s-manifests/api.yaml` "
            "(or `for the repository`)."
        )
    if options.get("sarif") and any(t != "trivy" for t in tools) and tool in ("trivy", *RECIPE_TOOLS):
        raise RequestError("Uploading to code scanning is built into the trivy recipes only; ask without "
                           "`upload to code scanning` (the findings go to the job summary and log).")
    if options.get("framework") and "checkov" not in tools:
        raise RequestError("`framework` is a checkov option; this request does not ask for checkov.")
    if tool == "checkov" and options.get("framework"):
        scanners = checkov_scanners(options["framework"])
    return Request(
        text=cleaned,
        tool=tool,
        mode=mode,
        scanners=scanners,
        paths=paths or (".github/workflows",),
        fail_on=options.get("fail_on", DEFAULT_FAIL_ON),
        triggers=options.get("triggers", DEFAULT_TRIGGERS),
        schedule=options.get("schedule"),
        upload_sarif=options.get("sarif", False),
        recipe=mode != "llm",
        details=details,
        fail_on_given="fail_on" in options,
        tools=tools if len(tools) > 1 else (),
        framework=options.get("framework", ()),
        required_check=options.get("required", False),
    )


def _more_tools(tool: str, more: str | None, free_form: bool) -> tuple[str, ...]:
    """`add trivy and checkov scan …`: every tool named, each with a recipe (or none when the model writes it)."""
    named = [TOOL_ALIASES.get(w.lower(), w.lower()) for w in re.split(r"\s*(?:,|\band\b|\+)\s*", more or "") if w]
    tools = tuple(dict.fromkeys([tool, *named]))
    if len(tools) > 1:
        with_recipe = ("trivy", *RECIPE_TOOLS)
        lacking = [t for t in tools if t not in with_recipe]
        if lacking and not free_form:
            raise RequestError(f"No built-in recipe combines {', '.join(lacking)} with other tools; "
                               f"combinations take {', '.join(with_recipe)}. {MODEL_HELP}")
    return tools


def part_for(request: Request, tool: str) -> Request:
    """One tool's share of a multi-tool request: the same targets and options, that tool's mode."""
    if tool == request.tool:
        return replace(request, tools=(), framework=request.framework if tool == "checkov" else ())
    mode, scanners = RECIPE_TOOLS.get(tool, ("config", ("misconfig",)))
    if tool == "checkov" and request.framework:
        scanners = checkov_scanners(request.framework)
    return replace(request, tool=tool, tools=(), mode=mode, scanners=scanners,
                   framework=request.framework if tool == "checkov" else ())


def checkov_scanners(frameworks: tuple[str, ...]) -> tuple[str, ...]:
    """checkov limited by --framework reads only those frameworks' files (bot/scope/filetypes.py)."""
    return tuple(f"checkov:{f}" for f in frameworks)


def _free_form(text: str) -> Request:
    """A request outside the grammar: the paths it quotes or names are its targets; the model reads the rest."""
    quoted = [next(g for g in m.groups() if g) for m in QUOTED.finditer(text)]
    named = [w.rstrip(".,;:") for w in text.split() if "/" in w and "://" not in w and not w.startswith("/")]
    tool = next((t for t in TOOL_SCANNERS if re.search(rf"\b{re.escape(t)}\b", text, re.IGNORECASE)), "custom")
    return Request(text=text, tool=tool, mode="llm", scanners=TOOL_SCANNERS.get(tool, ()),
                   paths=tuple(dict.fromkeys(quoted + named)), fail_on=DEFAULT_FAIL_ON, triggers=DEFAULT_TRIGGERS,
                   schedule=None, upload_sarif=False, recipe=False, details=text)


def _tool_mode(tool: str, words: set[str]) -> tuple[str, tuple[str, ...]]:
    if tool == "trivy":
        mode = "fs" if words & {"fs", "filesystem"} else "config"
        scanners = ["misconfig"]
        if mode == "fs" and words & {"secret", "secrets"}:
            scanners.append("secret")
        return mode, tuple(scanners)
    if tool == "vibeops":
        if words:
            raise RequestError(f"the vibeops gate takes no scan mode (got {' '.join(sorted(words))!r}).")
        return "gate", ("workflow-gate",)
    if tool == "actionlint":
        if words:
            raise RequestError(f"actionlint takes no scan mode (got {' '.join(sorted(words))!r}). " + RECIPES_HELP)
        return "lint", ("workflow-lint",)
    raise RequestError(f"I don't know the tool {tool!r}. " + RECIPES_HELP)


_PATH_LIKE = re.compile(r"[/.*]|^(?:Dockerfile|Containerfile|Makefile|Chart\.yaml)$")


def _take_paths(rest: str, tool: str, lenient: bool = False) -> tuple[tuple[str, ...], str]:
    """Read the path list after `for`/`of`/`on`; stop at the first option phrase.

    Leniently (a model will read the rest), a word that does not look like a path also ends the list.
    """
    prep = _PREPOSITION.match(rest)
    if prep is None or _starts_option(rest.lstrip()):
        return (), rest
    after = rest[prep.end():]
    if _starts_option(after.lstrip()):
        return (), after if prep.group(0).strip().lower() != "on" else rest
    paths: list[str] = []
    while True:
        after = _SEPARATOR.sub("", after, count=1) if paths else after.lstrip()
        if not after or _starts_option(after):
            return tuple(paths), after
        quoted = QUOTED.match(after)
        if quoted:
            paths.append(next(g for g in quoted.groups() if g))
            after = after[quoted.end():]
            continue
        root = _ROOT_WORDS.match(after)
        if root:
            paths.append(".")
            after = after[root.end():]
            continue
        if tool in ("actionlint", "vibeops") and _WORKFLOW_WORDS.match(after):
            paths.append(".github/workflows")
            after = after[_WORKFLOW_WORDS.match(after).end():]
            continue
        word = re.match(r"[^\s,;]+", after)
        token = word.group(0)
        if lenient and paths and not _PATH_LIKE.search(token):
            return tuple(paths), after
        if len(token) > 1 and token.endswith(".") and not token.endswith(".."):
            token = token[:-1]
        paths.append(token)
        after = after[word.end():]


def _starts_option(text: str) -> bool:
    return any(pattern.match(text) for _, pattern in _OPTIONS)


def parse_options(rest: str, lenient: bool = False) -> tuple[dict, str]:
    """Options we recognise, and (when lenient) the text left over for a model to read."""
    found: dict = {}
    remaining = rest
    while True:
        remaining = _SEPARATOR.sub("", remaining, count=1).lstrip()
        if not remaining:
            return found, ""
        for name, pattern in _OPTIONS:
            match = pattern.match(remaining)
            if match:
                _apply_option(found, name, match)
                remaining = remaining[match.end():]
                break
        else:
            if lenient:
                return found, remaining
            raise RequestError(
                f"I did not understand {remaining!r}. Options: `fail on HIGH,CRITICAL`, "
                "`report only`, `only on pull requests`, `nightly`, `upload to code scanning`."
            )


def _apply_option(found: dict, name: str, match: re.Match[str]) -> None:
    if name == "fail_on":
        found["fail_on"] = severities(match["sevs"])
    elif name == "report_only":
        found["fail_on"] = ()
    elif name == "only_triggers":
        names = {_trigger_name(match["triggers"])}
        if match["more"]:
            names.add(_trigger_name(match["more"]))
        found["triggers"] = tuple(t for t in DEFAULT_TRIGGERS if t in names)
    elif name == "schedule":
        found["schedule"] = _SCHEDULES[" ".join(match["when"].lower().split())]
    elif name == "sarif":
        found["sarif"] = True
    elif name == "framework":
        named = tuple(dict.fromkeys(f.strip().lower() for f in match["fw"].split(",") if f.strip()))
        unknown = [f for f in named if f not in CHECKOV_FRAMEWORKS]
        if unknown:
            raise RequestError(f"checkov framework {', '.join(unknown)} has no recipe; "
                               f"choose from {', '.join(CHECKOV_FRAMEWORKS)}.")
        found["framework"] = named
    elif name == "required":
        found["required"] = True


def _trigger_name(word: str) -> str:
    return "push" if word.lower().startswith("push") else "pull_request"


def severities(text: str) -> tuple[str, ...]:
    named = [s.upper() for s in re.findall(_SEV, text, re.IGNORECASE)]
    if re.search(r"\+|above|higher|worse", text, re.IGNORECASE):
        lowest = min(SEVERITIES.index(s) for s in named)
        named = list(SEVERITIES[lowest:])
    return tuple(s for s in reversed(SEVERITIES) if s in named)
