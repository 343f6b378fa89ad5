"""Read a request as people write it, in any order, English or Korean, into a typed Request.

The reader does not depend on word order. It splits the text into tokens (one linear regex), then walks
them once, left to right; at each position it tries a fixed list of phrase matchers, each looking a
bounded number of tokens ahead. Every token ends up in exactly one clause, and every clause either
becomes a typed field or is reported as not understood; nothing is dropped.

What it reads (English and Korean):

- the verb: add, create, make, set up, run, scan, lint, check, validate (with please / can you /
  could you / I want / a trailing `?`); Korean endings 만들어줘, 추가해줘, 추가해 주세요, 작성해 주세요
- the tool, wherever it is named: `trivy scan`, `by trivy`, `with trivy`, `using trivy`, `trivy로`,
  `trivy를 이용해`; several tools (`with trivy and checkov`); `trivy or checkov` asks which
- the object: GitHub action, workflow, CI job, pipeline, security check, scan (깃허브 액션, 워크플로,
  보안 점검/검사/스캔)
- the targets: `@path` mentions, quoted and backquoted paths, path-like words, globs (kept as globs),
  folders in words (`the k8s folder`, `k8s directory`, `everything under k8s`, `the whole repo`,
  `k8s 폴더`, `저장소 전체`) and kinds in words (`the Dockerfiles`, `all manifests in k8s`,
  `the chart charts/shop`, `my workflows`), which bot.intent resolves against the repository tree
- options anywhere: `fail on HIGH,CRITICAL`, `only fail on critical issues`, `don't fail the build`,
  `report only`, `every night`, `weekly`, `on PRs only`, `upload the results to code scanning`,
  `to the security tab`, `as a required check`, 매일, 매주, PR에서만, 빌드를 실패시키지 않게

The typed request (`Request`) keeps the single-tool fields older callers use (`tool`, `mode`,
`scanners`, `paths`) and adds:

- `tools`: every tool named, in order (`tool` is `tools[0]`); `per_tool()` gives one single-tool
  Request per tool, each with its own mode and scanners, for recipes that write one job per tool
- `targets`: `Target(kind, path, text)`; kind `path` or `glob` (kept as written, also listed in
  `paths`), or a kind of file (`dockerfile`, `manifest`, `chart`, `workflow`, `terraform`) looked
  for under `path` (`.` = the whole repository)
- `required_check`: the workflow must always report, so branch protection can require it
- `clauses`: each clause of the request with the field it became (`not-understood` for the rest)
- `unmapped`: the clauses the reader could not map; with a model configured they go to the model
  (bot.model_request), otherwise the request is refused naming them
- `notes`: what the reader chose on its own (e.g. "no tool named: using trivy")

`parse_request` raises `RequestError` with a specific message: a clause it cannot do, a word that
is not a severity, a tool it does not know (with "Did you mean …"), or real alternatives
(`AmbiguousRequest`, with the choices spelled out).
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field, replace

SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
DEFAULT_FAIL_ON = ("CRITICAL", "HIGH")
DEFAULT_TRIGGERS = ("pull_request", "push", "workflow_dispatch")
DEFAULT_TOOL = "trivy"

# Tools without a built-in recipe, and what their steps read (for the scope check); a model writes them.
TOOL_ALIASES = {"kubelinter": "kube-linter", "ct": "chart-testing", "chart-testing": "chart-testing",
                "kube-linter": "kube-linter", "helm-lint": "helm"}
TOOL_SCANNERS = {
    "checkov": ("checkov",), "hadolint": ("dockerfile-lint",), "kubeconform": ("k8s-schema",),
    "kube-linter": ("k8s-lint",), "yamllint": ("yaml-lint",), "helm": ("helm-chart",),
    "chart-testing": ("helm-chart",), "zizmor": (), "tfsec": (), "kubescape": (), "kics": (), "snyk": (),
    "grype": (),
}
# Tools with a vetted recipe beyond trivy, actionlint and the gate: (mode, scanners). See bot/recipes.py.
TOOL_RECIPES = {"checkov": ("scan", ("checkov",)), "hadolint": ("lint", ("dockerfile-lint",)),
                "yamllint": ("lint", ("yaml-lint",)), "kubeconform": ("validate", ("k8s-schema",)),
                "helm": ("lint", ("helm-chart",)), "chart-testing": ("lint", ("helm-chart",)),
                "kube-linter": ("lint", ("k8s-lint",))}
# Tools a vetted recipe writes (bot/recipes.py); each has a mode in _tool_mode.
RECIPE_TOOLS = frozenset({"trivy", "actionlint", "vibeops", *TOOL_RECIPES})
# Tools that can be combined in one workflow, one job each: those whose recipe scans the targets asked for.
COMBINABLE = ("trivy", *TOOL_RECIPES)
# Tools the scope engine reads but no recipe installs: no binary with an honest pin could be found.
# kubeconform, helm, chart-testing and kube-linter have recipes: the sha256 of their release assets were
# established from independent named public sources (bot.releases, workflows/SOURCES.md). A tool listed
# here would be refused with its reason; none is today.
NO_HONEST_PIN: dict[str, str] = {}
# checkov --framework values whose files the scope engine knows (bot/scope/filetypes.py).
CHECKOV_FRAMEWORKS = ("kubernetes", "dockerfile", "terraform", "helm", "github_actions", "cloudformation", "arm")
KNOWN_TOOLS = ("trivy", "actionlint", "vibeops", *TOOL_SCANNERS)
KINDS = ("dockerfile", "manifest", "chart", "workflow", "terraform")
NOT_UNDERSTOOD = "not-understood"
MAX_REQUEST_CHARS = 200_000  # beyond this the request is refused unread (the reader is linear below it)

MODEL_HELP = ("To have a model write it, set VIBEOPS_MODEL to a litellm model (e.g. `openai/gpt-4o-mini`; "
              "VIBEOPS_API_BASE for a self-hosted endpoint) and the provider's key.")
RECIPES_HELP = (
    "Built-in recipes: `add trivy scan for PATH…` (trivy config), "
    "`add trivy fs scan for PATH…` (trivy fs, misconfiguration scanner), "
    "`add checkov scan for PATH…` (optionally `with framework kubernetes`), `add hadolint check for PATH…`, "
    "`add yamllint check for PATH…`, `add kubeconform check for PATH…` (kubeconform -strict -summary), "
    "`helm lint CHART…` (or `add helm lint for the helm charts`), `add chart-testing for CHART…` (ct lint "
    "--charts), `add kube-linter check for PATH…`, several at once (`scan k8s with trivy and checkov`), "
    "`add actionlint check` (the repository's workflows), "
    "`add vibeops gate` (vibeops checks every workflow change)."
)
OPTIONS_HELP = ("Options, anywhere in the request: `fail on HIGH,CRITICAL` (the default) or `only fail on critical "
                "issues`, `report only` / `don't fail the build`, `only on pull requests`, `nightly` / `weekly`, "
                "`upload the results to code scanning`, `as a required check`, for checkov `with framework kubernetes`.")
GRAMMAR_HELP = (
    "The shortest form is `add <tool> [config|fs] scan for <paths> [options]`, but the words may come in any "
    "order, in English or Korean, e.g. "
    "`add trivy scan for k8s-manifests/api.yaml fail on HIGH,CRITICAL`, "
    "`create github action for security check by trivy @k8s-manifests/api.yaml` or "
    "`trivy로 k8s-manifests/api.yaml 보안 점검하는 깃허브 액션 만들어줘`. " + RECIPES_HELP
)
SEVERITY_HELP = "use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL"


class RequestError(ValueError):
    """A request that cannot be understood or done; the message says what and what to write instead."""

    def __init__(self, message: str, clauses: tuple[str, ...] = (), choices: tuple[str, ...] = ()):
        super().__init__(message)
        self.clauses = tuple(clauses)  # the clauses at fault, as written
        self.choices = tuple(choices)  # for an ambiguity: what the user can choose between


class AmbiguousRequest(RequestError):
    """There are real alternatives (two tools, a file name in two folders): the user chooses."""


@dataclass(frozen=True)
class Target:
    """Something to scan: a path or glob as written, or every file of a kind under a folder."""

    kind: str  # "path", "glob", or one of KINDS
    path: str  # the path or glob; for a kind, the folder it is looked for in ("." = the whole repository)
    text: str = ""  # the words it was read from

    def to_dict(self) -> dict:
        return {"kind": self.kind, "path": self.path, "text": self.text}

    def describe(self) -> str:
        if self.kind in ("path", "glob"):
            return "the whole repository" if self.path == "." else self.path
        where = "" if self.path == "." else f" under {self.path}"
        if self.kind == "chart" and self.path != ".":
            return f"the chart {self.path}"
        return f"every {self.kind}{where}"


@dataclass(frozen=True)
class Clause:
    """One clause of the request as written, and the typed field it became (or NOT_UNDERSTOOD)."""

    text: str
    field: str
    value: str = ""

    def to_dict(self) -> dict:
        return {"text": self.text, "field": self.field, "value": self.value}


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
    details: str = ""  # what the reader did not map, passed to the model as the user's words
    tools: tuple[str, ...] = ()  # every tool named, in order; () means (tool,)
    targets: tuple[Target, ...] = ()  # () means the plain paths
    required_check: bool = False
    clauses: tuple[Clause, ...] = ()
    unmapped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    framework: tuple[str, ...] = ()  # checkov --framework values
    tool_given: bool = True
    triggers_given: bool = False

    def __post_init__(self):
        if not self.tools:
            object.__setattr__(self, "tools", (self.tool,))
        if not self.targets and self.paths:
            object.__setattr__(self, "targets", tuple(Target(_path_kind(p), p, p) for p in self.paths))

    def per_tool(self) -> tuple["Request", ...]:
        """One single-tool request per tool named, each with that tool's mode and scanners."""
        if len(self.tools) == 1:
            return (self,)
        words = {c.value for c in self.clauses if c.field == "mode"}
        return tuple(part_for(self, t, words) for t in self.tools)

    def to_dict(self) -> dict:
        """The typed request, as the JSON report's `understood.request` shows it."""
        return {
            "tools": list(self.tools), "mode": self.mode, "scanners": list(self.scanners),
            "targets": [t.to_dict() for t in self.targets], "fail_on": list(self.fail_on),
            "triggers": list(self.triggers), "schedule": self.schedule, "upload_sarif": self.upload_sarif,
            "required_check": self.required_check, "recipe": self.recipe, "notes": list(self.notes),
        }


# --- tokens -------------------------------------------------------------------------------------------------

# One pass, no nested quantifiers: a quoted span, a separator, or a run of non-space characters.
_TOKEN = re.compile(r"`[^`\n]*`|\"[^\"\n]*\"|'[^'\s][^'\n]*'(?![\w])|[,;]|[^\s,;]+")
_HANGUL_TAIL = re.compile(r"([\x21-\x7e]+)([\uac00-\ud7a3]+)$")
_TRAILING = ".?!:)"
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_COMMAND = re.compile(r"^[/@]vibeops(?:\[bot\])?(?![\w-])[:,]?\s*", re.I)
QUOTED = re.compile(r"""`([^`]+)`|"([^"]+)"|'([^']+)'""")


@dataclass
class _Tok:
    text: str  # as written (quotes and @ removed for paths)
    low: str
    start: int
    end: int
    quoted: bool = False
    mention: bool = False
    sentence_end: bool = False  # a full stop, ? or ! followed it


def _tokens(text: str) -> list[_Tok]:
    found: list[_Tok] = []
    for match in _TOKEN.finditer(text):
        raw, start, end = match.group(0), match.start(), match.end()
        if raw[0] in "`\"'" and len(raw) >= 2 and raw[-1] == raw[0]:
            inner = raw[1:-1].strip()
            if inner:
                found.append(_Tok(inner, inner.lower(), start, end, quoted=True))
            continue
        sentence_end = False
        while len(raw) > 1 and raw[-1] in _TRAILING and not raw.endswith("..") and not raw.endswith("/."):
            sentence_end = sentence_end or raw[-1] in ".?!"
            raw, end = raw[:-1], end - 1
        while len(raw) > 1 and raw[0] == "(":
            raw, start = raw[1:], start + 1
        if raw in ("?", "!"):
            found.append(_Tok(raw, raw, start, end))
            continue
        tail = _HANGUL_TAIL.match(raw)
        if tail and not raw.startswith("@vibeops"):
            head = tail.group(1)
            found.append(_Tok(head, head.lower(), start, start + len(head)))
            rest = tail.group(2)
            found.append(_Tok(rest, rest, start + len(head), end, sentence_end=sentence_end))
            continue
        mention = raw.startswith("@") and len(raw) > 1
        if mention:
            raw = raw[1:]
        found.append(_Tok(raw, raw.lower(), start, end, mention=mention, sentence_end=sentence_end))
    return found


# --- vocabulary ---------------------------------------------------------------------------------------------

_SEV_WORDS = {"unknown": "UNKNOWN", "low": "LOW", "medium": "MEDIUM", "moderate": "MEDIUM", "high": "HIGH",
              "critical": "CRITICAL", "crit": "CRITICAL", "med": "MEDIUM", "severe": "HIGH"}
_VERBS = {"add", "create", "make", "setup", "run", "write", "generate", "build", "configure", "enable",
          "introduce", "put", "give", "want", "need", "scan", "lint", "check", "validate", "verify", "audit",
          "wire", "install", "implement"}
_VERB_OBJECTS = {"scan", "lint", "check", "validate", "verify", "audit"}
_OBJECTS = {"scan", "scans", "scanning", "scanner", "check", "checks", "checking", "lint", "linting", "linter",
            "job", "jobs", "workflow", "pipeline", "gate", "step", "action", "actions", "validation",
            "test", "analysis", "audit"}
_OBJECT_PREFIX = {"github", "gh", "ci", "security", "ci/cd", "cicd", "misconfiguration", "iac", "yaml",
                  "config", "configuration", "static", "vulnerability", "continuous", "integration"}
_COURTESY = {"please", "pls", "plz", "kindly", "can", "could", "would", "will", "you", "me", "us", "i", "we",
             "i'd", "we'd", "like", "to", "just", "quickly", "thanks", "thank", "hey", "hi", "hello", "a", "an",
             "the", "some", "new", "simple", "basic", "proper", "let's", "lets", "let", "help", "it", "one",
             "?", "!", "so", "that", "which", "also", "too", "up", "vibeops", "our", "my", "this", "here",
             "there", "is", "are", "be", "should", "must", "need", "needs", "want", "wanna", "do", "ok",
             "okay", "now", "then", "as", "well", "s.v.p.", "thx", "small", "quick", "dedicated"}
_CONNECTORS = {"for", "of", "on", "against", "over", "covering", "across", "scanning", "checking",
               "linting", "that", "which", "scans", "checks", "lints", "validates", "runs", "targeting",
               "in", "inside", "within"}
_TOOL_MARKERS = {"by", "with", "using", "via", "through", "use", "uses", "utilising", "utilizing", "run",
                 "running"}
_SEPARATORS = {",", ";", "and", "&", "then", "plus", "also", "+", "but", "그리고"}
_EXCLUDE = {"skip", "skipping", "excluding", "exclude", "except", "ignoring", "ignore", "without", "not", "minus"}
_TIME_WORDS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mondays", "tuesdays",
               "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "weekend", "weekends", "weekdays",
               "midnight", "noon", "morning", "evening", "utc", "am", "pm", "hour", "hourly", "minutes", "month",
               "monthly", "tomorrow", "today"}
_TIME = re.compile(r"^\d{1,2}(?::\d\d)?(?:am|pm|h)?$")
_REFUSED_VERBS = {
    "delete", "remove", "drop", "destroy", "deploy", "rollback", "roll", "uninstall", "kill", "wipe", "purge",
    "erase", "rm", "merge", "approve", "release", "restart", "scale", "apply", "disable", "rotate", "revoke",
    "commit", "force", "push", "upgrade", "downgrade", "terminate", "shutdown", "reboot", "format", "truncate",
    "overwrite", "modify", "edit", "change", "rename", "move", "send", "email", "post", "publish", "expose",
    "print", "leak", "exfiltrate", "curl", "ssh", "sudo", "kubectl", "terraform", "helmfile",
    "삭제", "삭제해", "삭제해줘", "지워", "지워줘", "배포", "배포해", "배포해줘", "제거", "제거해", "제거해줘",
}
_REFUSED_WHY = ("vibeops only writes CI workflows that check files; it never deletes, deploys, changes or "
                "sends anything")
_ROOT_WORDS = {"repo", "repository", "project", "codebase", "monorepo", "repos", "저장소", "레포", "리포",
               "리포지토리", "레포지토리", "프로젝트", "코드베이스"}
_ROOT_ADJ = {"whole", "entire", "full", "complete", "all", "전체", "모든"}
_FOLDER_WORDS = {"folder", "directory", "dir", "folders", "directories", "폴더", "디렉터리", "디렉토리"}
_UNDER = {"under", "in", "inside", "within", "below", "beneath", "from"}
_QUALIFIERS = {"all", "every", "each", "the", "my", "our", "any", "its", "모든", "전체"}
_KIND_WORDS = {
    "dockerfiles": "dockerfile", "containerfiles": "dockerfile", "도커파일": "dockerfile", "도커파일들": "dockerfile",
    "manifests": "manifest", "매니페스트": "manifest", "매니페스트들": "manifest",
    "charts": "chart", "차트": "chart", "차트들": "chart",
    "workflows": "workflow", "워크플로들": "workflow", "워크플로우들": "workflow",
    "terraform": "terraform",
}
_KIND_SINGULAR = {"dockerfile": "dockerfile", "containerfile": "dockerfile", "manifest": "manifest",
                  "chart": "chart", "workflow": "workflow"}
_KIND_PREFIX = {"kubernetes", "k8s", "kube", "yaml", "helm", "github", "ci", "actions", "docker", "container",
                "tf", "iac"}
_KIND_SUFFIX = {"files", "file", "modules", "module", "code", "configs", "파일", "파일들"}
_KNOWN_FILES = {"dockerfile", "containerfile", "makefile", "chart.yaml", "jenkinsfile"}
_PATH_CHARS = re.compile(r"[/.*?\[]")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_TRIGGER_WORDS = {"pr": "pull_request", "prs": "pull_request", "pull-request": "pull_request",
                  "pull-requests": "pull_request", "pull_request": "pull_request", "mr": "pull_request",
                  "mrs": "pull_request", "push": "push", "pushes": "push", "pushing": "push", "commit": "push",
                  "commits": "push", "푸시": "push", "풀리퀘스트": "pull_request"}
_SCHEDULES = {"nightly": "0 3 * * *", "daily": "0 3 * * *", "weekly": "0 3 * * 1"}
_SCHEDULE_WORDS = {"nightly": "nightly", "daily": "daily", "weekly": "weekly", "매일": "daily", "매주": "weekly",
                   "매일밤": "nightly", "매일매일": "daily", "주간": "weekly", "야간": "nightly"}
_MODE_WORDS = {"fs": "fs", "filesystem": "fs", "file-system": "fs", "config": "config", "configuration": "config",
               "iac": "config", "misconfig": "config", "misconfiguration": "config", "misconfigurations": "config",
               "misconfigs": "config", "secret": "secret", "secrets": "secret"}
# Korean particles and endings that carry no meaning for us once split off a word.
_PARTICLES = {"로", "으로", "를", "을", "에", "에서", "의", "이", "가", "은", "는", "도", "만", "과", "와", "랑",
              "이랑", "하고", "에게", "한테", "로서", "으로서", "까지", "부터", "에만", "만을", "들", "들을", "들의"}
_TARGET_PARTICLES = {"를", "을", "에", "에서", "의", "만", "에만", "만을", "들을", "까지", "과", "와"}
_TOOL_PARTICLES = {"로", "으로", "로서", "으로서"}
_KO_COURTESY_PREFIX = ("주세요", "줘", "줄래", "부탁", "해줘", "해 주세요", "해주세요", "좀", "그리고", "한번",
                       "이용해", "이용하여", "이용한", "사용해", "사용하여", "사용한", "써서", "대해", "대해서",
                       "대한", "하는", "해서", "하여", "할", "해", "위한", "위해", "되는", "돌리는", "돌려", "하게",
                       "새", "새로운", "파일", "결과", "하되", "하고", "있는", "것", "주십시오", "바랍니다", "싶어", "싶어요", "싶습니다")
_KO_VERB_PREFIX = ("만들", "추가", "작성", "생성", "설정", "구성", "넣어", "등록", "돌려", "실행")
_KO_OBJECT_PREFIX = ("점검", "검사", "스캔", "체크", "린트", "액션", "워크플로", "파이프라인", "잡", "보안",
                     "깃허브", "깃헙", "검증")


def _is_sev(low: str) -> bool:
    return low.rstrip("+") in _SEV_WORDS or low.rstrip("+").upper() in SEVERITIES


def _sev(low: str) -> str:
    word = low.rstrip("+")
    return _SEV_WORDS.get(word, word.upper())


def _path_kind(path: str) -> str:
    from bot.globs import is_glob

    return "glob" if is_glob(path) else "path"


def _path_like(tok: _Tok) -> bool:
    if tok.quoted or tok.mention:
        return True
    low = tok.low
    if _URL.match(low) or "@" in low:
        return False
    if low in _KNOWN_FILES or low in (".", "./"):
        return True
    return bool(_PATH_CHARS.search(low)) and any(c.isalnum() or c in "*?." for c in low) and low not in ("e.g", "i.e")


def _korean(tok: _Tok) -> bool:
    return bool(tok.text) and "\uac00" <= tok.text[0] <= "\ud7a3"


# --- the reader ---------------------------------------------------------------------------------------------


@dataclass
class _Span:
    start: int  # token indices, end exclusive
    end: int
    field: str
    value: object = None


@dataclass
class _State:
    toks: list[_Tok]
    spans: list[_Span] = field(default_factory=list)
    target_pos: bool = False
    verb_seen: bool = False
    problems: list[str] = field(default_factory=list)


def _w(toks: list[_Tok], i: int) -> str:
    return toks[i].low if 0 <= i < len(toks) and not toks[i].quoted else ""


def _words_at(toks: list[_Tok], i: int, *words: str) -> bool:
    return all(_w(toks, i + k) == w for k, w in enumerate(words))


def _skip(toks: list[_Tok], i: int, words: set[str]) -> int:
    while i < len(toks) and _w(toks, i) in words:
        i += 1
    return i


def _severity_list(toks: list[_Tok], i: int) -> tuple[int, tuple[str, ...]] | None:
    """Severities from i: `high, critical`, `medium and above`, `HIGH+`, `low or worse`; None if none there."""
    named: list[str] = []
    j = i
    above = False
    while j < len(toks):
        low = _w(toks, j)
        parts = low.split("/") if "/" in low else [low]
        parts = [p for q in parts for p in q.split(",") if p]
        if parts and all(_is_sev(p) for p in parts):
            named += [_sev(p) for p in parts]
            above = above or low.endswith("+")
            j += 1
            continue
        if named and low in (",", "/", "and", "or") and _is_sev(_w(toks, j + 1).split(",")[0]):
            j += 1
            continue
        if named and low in ("and", "or") and _w(toks, j + 1) in ("above", "higher", "worse", "up", "more"):
            above, j = True, j + 2
            continue
        if named and low in ("+", "이상", "이상의", "이상이면", "이상에서", "이상일", "이상은"):
            above, j = True, j + 1
            continue
        if named and low == "or" and _w(toks, j + 1) == "more" and _w(toks, j + 2) == "severe":
            above, j = True, j + 3
            continue
        break
    if not named:
        return None
    if above:
        lowest = min(SEVERITIES.index(s) for s in named)
        named = list(SEVERITIES[lowest:])
    return j, tuple(s for s in reversed(SEVERITIES) if s in named)


_SEV_TAIL = {"issues", "issue", "findings", "finding", "severity", "severities", "vulnerabilities", "vulns",
             "problems", "ones", "only", "level", "levels", "misconfigurations", "results", "errors", "이슈",
             "취약점", "문제", "등급", "수준", "심각도"}
_FAIL = {"fail", "fails", "failing", "break", "breaks", "block", "blocks", "error", "red"}
_FAIL_OBJ = {"the", "build", "ci", "pipeline", "job", "pr", "check", "workflow", "run", "it"}
_FAIL_PREP = {"on", "for", "at", "with", "if", "when", "above", "from", "only", "any", "there", "are", "is",
              "a", "an", "of", "there's", "severity", "findings", "issues", "level"}


def _opt_fail(s: _State, i: int) -> _Span | None:
    toks = s.toks
    j = _skip(toks, i, {"only", "and", "that", "which", "to", "should", "must", "will", "please", "just"})
    if _w(toks, j) not in _FAIL or j == len(toks):
        return None
    if _w(toks, j - 1) in ("don't", "never", "not", "dont", "without") or _words_at(toks, j - 2, "do", "not"):
        return None
    j += 1
    j = _skip(toks, j, _FAIL_OBJ)
    k = _skip(toks, j, _FAIL_PREP)
    if k == j and _w(toks, j) not in _SEV_WORDS:  # "fail" with nothing after it that we read
        return None
    if _w(toks, k) in ("anything", "everything", "all", "any") and not _is_sev(_w(toks, k + 1)):
        return _Span(i, k + 1, "fail_on", tuple(reversed(SEVERITIES)))
    sevs = _severity_list(toks, k)
    if sevs is None:
        bad = toks[k].text if k < len(toks) else ""
        if not bad:
            return None
        s.problems.append(f"`{bad}` is not a severity: {SEVERITY_HELP}.")
        return _Span(i, k + 1, "fail_on", None)
    end = _skip(toks, sevs[0], _SEV_TAIL | {"or", "above", "higher"} - {"or"})
    return _Span(i, end, "fail_on", sevs[1])


def _opt_severity(s: _State, i: int) -> _Span | None:
    """`severity HIGH`, `with severity LOW+`, `critical and high findings only`, `CRITICAL만 실패`."""
    toks = s.toks
    j = _skip(toks, i, {"with", "at", "min", "minimum", "a", "of", "only", "심각도", "심각도가"})
    if _w(toks, j) in ("severity", "severities", "level", "심각도", "심각도가"):
        sevs = _severity_list(toks, j + 1)
        if sevs is None:
            nxt = toks[j + 1].text if j + 1 < len(toks) else ""
            if nxt and not _is_separator(_w(toks, j + 1)):
                s.problems.append(f"`{nxt}` is not a severity: {SEVERITY_HELP}.")
                return _Span(i, j + 2, "fail_on", None)
            return None
        end = _skip(toks, sevs[0], _SEV_TAIL | {"or", "above", "higher"} - {"or"})
        return _Span(i, end, "fail_on", sevs[1])
    sevs = _severity_list(toks, j)
    if sevs is None:
        return None
    end = _skip(toks, sevs[0], _SEV_TAIL - {"only"})
    nxt = _w(toks, end)
    # "critical issues only", "CRITICAL만 실패", "critical should fail the build", "HIGH 이상에서 실패"
    ko = _skip(toks, end, _PARTICLES | {"에서만", "일", "때", "때만", "이면", "일때", "일때만", "경우", "경우에만"})
    if ko < len(toks) and toks[ko].text.startswith("실패"):
        return _Span(i, ko + 1, "fail_on", sevs[1])
    if nxt == "only" or (j > i and _w(toks, i) == "only"):
        return _Span(i, end + (nxt == "only"), "fail_on", sevs[1])
    f = _skip(toks, end, {"should", "must", "will", "to", "shall"})
    if f > end and _w(toks, f) in _FAIL:
        return _Span(i, _skip(toks, f + 1, _FAIL_OBJ), "fail_on", sevs[1])
    return None


def _opt_report_only(s: _State, i: int) -> _Span | None:
    toks = s.toks
    w = _w(toks, i)
    if w in ("report-only", "non-blocking", "nonblocking", "advisory", "informational", "warn-only"):
        return _Span(i, i + 1 + (_w(toks, i + 1) in ("mode", "only")), "fail_on", ())
    if (w, _w(toks, i + 1)) in {("report", "only"), ("only", "report"), ("just", "report"), ("warn", "only"),
                                ("only", "warn"), ("non", "blocking"), ("soft", "fail"), ("audit", "mode"),
                                ("report", "mode"), ("only", "reports"), ("just", "warn")}:
        end = _skip(toks, i + 2, {"mode", "findings", "results"})
        return _Span(i, end, "fail_on", ())
    j = i
    if w == "without" and _w(toks, i + 1) in ("failing", "breaking", "blocking"):
        return _Span(i, _skip(toks, i + 2, _FAIL_OBJ), "fail_on", ())
    if w in ("don't", "dont", "never", "not") or (w == "do" and _w(toks, i + 1) == "not") \
            or (w in ("should", "must") and _w(toks, i + 1) in ("not", "never")):
        j = i + (2 if w in ("do", "should", "must") else 1)
        if _w(toks, j) in _FAIL | {"ever"}:
            j += _w(toks, j) == "ever"
            return _Span(i, _skip(toks, j + 1, _FAIL_OBJ | {"on", "findings", "anything", "because", "of",
                                                           "for"}), "fail_on", ())
        return None
    # Korean: 빌드를 실패시키지 않게 / 실패하지 않게 / 실패 없이
    j = i
    if toks and i < len(toks) and toks[i].text.startswith(("빌드", "CI", "ci")) and i + 1 < len(toks) \
            and toks[i + 1].text.startswith("실패"):
        j = i + 1
    if j < len(toks) and toks[j].text.startswith(("실패시키지", "실패하지", "실패 시키지", "실패처리하지")):
        end = j + 1
        if end < len(toks) and toks[end].text.startswith(("않", "말")):
            end += 1
        return _Span(i, end, "fail_on", ())
    if j < len(toks) and toks[j].text == "실패" and j + 1 < len(toks) and toks[j + 1].text.startswith(("없이", "안")):
        return _Span(i, j + 2, "fail_on", ())
    if i < len(toks) and toks[i].text.startswith(("리포트만", "보고만", "경고만")):
        return _Span(i, i + 1, "fail_on", ())
    return None


def _trigger_word(toks: list[_Tok], j: int) -> tuple[int, str] | None:
    w = _w(toks, j)
    if w in ("pull", "merge") and _w(toks, j + 1) in ("request", "requests"):
        return j + 2, "pull_request"
    if w in _TRIGGER_WORDS:
        return j + 1, _TRIGGER_WORDS[w]
    if w in ("pr's", "pull-request's"):
        return j + 1, "pull_request"
    return None


def _opt_triggers(s: _State, i: int) -> _Span | None:
    toks = s.toks
    only = _w(toks, i) in ("only", "just")
    j = i + only
    j = _skip(toks, j, {"run", "runs", "running", "triggered", "trigger"})
    if _w(toks, j) not in ("on", "for", "in", "when", "with", "upon"):
        # Korean: PR에서만, push에서만 / PR 때만
        found = _trigger_word(toks, i)
        if found and found[0] < len(toks) and toks[found[0]].text in ("에서만", "때만", "에만", "에서", "시에만",
                                                                      "일때만", "일 때만"):
            return _Span(i, found[0] + 1, "triggers", (found[1],))
        return None
    j = _skip(toks, j + 1, {"every", "each", "all", "a", "new", "opened", "the"})
    first = _trigger_word(toks, j)
    if first is None:
        return None
    names = [first[1]]
    j = first[0]
    if _w(toks, j) in ("to", "on", "into") and _w(toks, j + 1) in ("main", "master", "the", "default"):
        j = _skip(toks, j + 2, {"default", "branch", "main", "master"})
    while _w(toks, j) in ("and", "or", ",", "&"):
        more = _trigger_word(toks, _skip(toks, j + 1, {"on", "every", "each", "all", "to"}))
        if more is None:
            break
        names.append(more[1])
        j = more[0]
        if _w(toks, j) in ("to", "on", "into") and _w(toks, j + 1) in ("main", "master", "the", "default"):
            j = _skip(toks, j + 2, {"default", "branch", "main", "master"})
    if _w(toks, j) == "only":
        only, j = True, j + 1
    if not only and _w(toks, i) in ("for", "in", "with") and first[1] == "push":
        return None  # "for push" alone is too vague to be a trigger
    return _Span(i, j, "triggers", tuple(t for t in DEFAULT_TRIGGERS if t in names))


def _opt_schedule(s: _State, i: int) -> _Span | None:
    toks = s.toks
    j = _skip(toks, i, {"run", "runs", "running", "also", "and", "scheduled", "schedule", "it", "on", "a"})
    w = _w(toks, j)
    when = None
    end = j + 1
    if w in _SCHEDULE_WORDS or toks and j < len(toks) and toks[j].text in _SCHEDULE_WORDS:
        when = _SCHEDULE_WORDS.get(w) or _SCHEDULE_WORDS[toks[j].text]
        if end < len(toks) and toks[end].text in ("밤", "밤에", "새벽", "새벽에", "한", "한번", "한 번"):
            end += 1
    elif w in ("every", "each", "once") :
        nxt = _w(toks, j + 1)
        if w == "once" and nxt == "a":
            nxt, end = _w(toks, j + 2), j + 3
        else:
            end = j + 2
        when = {"day": "daily", "night": "nightly", "week": "weekly", "evening": "nightly", "morning": "daily",
                "monday": "weekly", "24h": "daily"}.get(nxt)
    elif w in ("at", "on") and _w(toks, j + 1) == "night":
        when, end = "nightly", j + 2
    elif w == "on" and _w(toks, j + 1) in ("a", "the") and _w(toks, j + 2) == "schedule":
        return None
    if when is None or (j > i and _w(toks, i) in ("on", "a") and j == i + 1):
        return None
    end = _skip(toks, end, {"too", "also", "as", "well", "basis", "schedule", "cron"})
    return _Span(i, end, "schedule", when)


_SARIF_VERBS = {"upload", "uploading", "uploaded", "publish", "send", "push", "show", "report", "export", "put",
                "post", "display", "surface", "and", "with", "a", "the", "results", "findings", "them", "it",
                "sarif", "its", "output", "file"}


def _opt_sarif(s: _State, i: int) -> _Span | None:
    toks = s.toks
    if _w(toks, i) == "sarif" or (_w(toks, i) in ("with", "a", "and", "as", "in") and _w(toks, _skip(toks, i, {"with", "a", "and", "as", "in"})) == "sarif"):
        j = _skip(toks, i, {"with", "a", "and", "as", "in"}) + 1
        j = _skip(toks, j, {"upload", "uploads", "output", "format", "report", "file"})
        k = _skip(toks, j, {"to", "into", "in", "on", "github", "the"})
        if _w(toks, k) in ("code", "security") and _w(toks, k + 1) in ("scanning", "tab"):
            j = k + 2
        return _Span(i, j, "upload_sarif", True)
    j = _skip(toks, i, _SARIF_VERBS)
    k = _skip(toks, j, {"to", "into", "in", "on", "under", "github", "github's", "the", "repository's", "repo's"})
    if k == i and _w(toks, i) not in ("code", "security", "code-scanning", "코드", "보안"):
        return None
    w, nxt = _w(toks, k), _w(toks, k + 1)
    if (w == "code" and nxt == "scanning") or (w == "security" and nxt in ("tab", "alerts", "dashboard")):
        if j == i and k == i and w == "security":
            return None  # a bare "security tab" without a verb or preposition is read as words
        return _Span(i, _skip(toks, k + 2, {"too", "alerts"}), "upload_sarif", True)
    if w == "code-scanning":
        return _Span(i, k + 1, "upload_sarif", True)
    # Korean: 코드 스캐닝에 업로드, 보안 탭에 올려
    if k < len(toks) and toks[k].text in ("코드",) and k + 1 < len(toks) and toks[k + 1].text.startswith("스캐닝"):
        end = _skip_ko(toks, k + 2)
        return _Span(i, end, "upload_sarif", True)
    if k < len(toks) and toks[k].text == "보안" and k + 1 < len(toks) and toks[k + 1].text.startswith("탭"):
        return _Span(i, _skip_ko(toks, k + 2), "upload_sarif", True)
    return None


def _skip_ko(toks: list[_Tok], j: int) -> int:
    while j < len(toks) and (toks[j].text in _PARTICLES or toks[j].text.startswith(("업로드", "올려", "올리"))):
        j += 1
    return j


def _opt_required(s: _State, i: int) -> _Span | None:
    toks = s.toks
    j = _skip(toks, i, {"as", "a", "make", "it", "make it", "and", "be", "set", "mark", "that", "is"})
    if _w(toks, j) in ("required", "mandatory", "blocking") and _w(toks, j + 1) in ("check", "status", "checks"):
        end = j + 2 + (_w(toks, j + 1) == "status" and _w(toks, j + 2) in ("check", "checks"))
        return _Span(i, end, "required_check", True)
    if j > i and _w(toks, j) in ("required",) and _is_separator(_w(toks, j + 1)) or \
            (_w(toks, i) in ("make", "mark") and _w(toks, i + 1) == "it" and _w(toks, i + 2) == "required"):
        return _Span(i, j + 1, "required_check", True)
    if j < len(toks) and toks[j].text.startswith("필수"):
        end = j + 1
        if end < len(toks) and toks[end].text.startswith(("체크", "검사", "점검", "상태")):
            end += 1
        return _Span(i, _skip_ko(toks, end), "required_check", True)
    return None


def _opt_mode(s: _State, i: int) -> _Span | None:
    w = _w(s.toks, i)
    if w in _MODE_WORDS:
        return _Span(i, i + 1, "mode", w)
    return None


def _opt_framework(s: _State, i: int) -> _Span | None:
    """checkov's `--framework`: `with framework kubernetes`, `frameworks kubernetes and helm`."""
    toks = s.toks
    j = _skip(toks, i, {"with", "using", "for", "the", "checkov", "its"})
    if _w(toks, j) not in ("framework", "frameworks"):
        return None
    j += 1
    named: list[str] = []
    while j < len(toks):
        w = _w(toks, j)
        if w in (",", "and", "&", "+"):
            j += 1
            continue
        candidates = [part for part in w.split(",") if part]
        if not candidates or not all(re.fullmatch(r"[a-z0-9_]+", part) for part in candidates):
            break
        if not all(part in CHECKOV_FRAMEWORKS for part in candidates):
            if named:
                break
            s.problems.append(f"checkov framework `{w}` has no recipe; choose from "
                              f"{', '.join(CHECKOV_FRAMEWORKS)}.")
            return _Span(i, j + 1, "framework", ())
        named += candidates
        j += 1
    if not named:
        return None
    return _Span(i, j, "framework", tuple(dict.fromkeys(named)))


_OPTION_MATCHERS = (_opt_framework, _opt_report_only, _opt_fail, _opt_severity, _opt_triggers, _opt_schedule, _opt_sarif,
                    _opt_required)


def _is_separator(w: str) -> bool:
    return w in _SEPARATORS or w == ""


def _tool_name(tok: _Tok) -> str | None:
    if tok.quoted:
        return None
    low = tok.low
    name = TOOL_ALIASES.get(low, low)
    return name if name in KNOWN_TOOLS else None


def _match_tool(s: _State, i: int) -> _Span | None:
    toks = s.toks
    j = _skip(toks, i, _TOOL_MARKERS | {"the", "a", "an", "tool"})
    if j >= len(toks):
        return None
    name = _tool_name(toks[j])
    if name is None:
        return None
    if name == "vibeops" and _w(toks, j + 1) not in ("gate", "check", "checks", "check,"):
        return None  # "hey vibeops, …": the bot addressed, not a tool
    names = [name]
    end = j + 1
    ambiguous: list[str] = []
    if name == "helm" and _w(toks, end) == "lint":
        end += 1
    if name == "chart-testing" and _w(toks, end) == "lint":
        end += 1
    while end + 1 < len(toks) and _w(toks, end) in ("and", ",", "&", "+", "or", "plus", "/"):
        k = _skip(toks, end + 1, {"with", "by", "using", "also", "then"})
        other = _tool_name(toks[k]) if k < len(toks) else None
        if other is None:
            break
        if _w(toks, end) == "or":
            ambiguous += [names[-1], other]
        names.append(other)
        end = k + 1
    while end < len(toks) and toks[end].text in _TOOL_PARTICLES | {"를", "을"}:
        end += 1
    while end < len(toks) and toks[end].text.startswith(("이용", "사용", "써서", "활용")):
        end += 1
    if ambiguous:
        choices = list(dict.fromkeys(ambiguous))
        return _Span(i, end, "tools-ambiguous", tuple(choices))
    return _Span(i, end, "tools", tuple(dict.fromkeys(names)))


def _target_tok(s: _State, j: int, in_position: bool, folder: bool = False) -> str | None:
    """The path a token names: path-like anywhere, a bare word only where a target is expected.

    `folder`: the word follows `in`/`under` or precedes `folder`, so even a verb (`deploy`) names a folder.
    """
    toks = s.toks
    if j >= len(toks):
        return None
    tok = toks[j]
    if _path_like(tok):
        return tok.text
    if _korean(tok) or tok.low in _SEPARATORS or tok.low in _COURTESY or tok.low in _CONNECTORS \
            or (tok.low in _OPTION_WORDS and not folder) or tok.low in _PURPOSE or _tool_name(tok) or tok.low in _TIME_WORDS or _TIME.match(tok.low) \
            or tok.low in _EXCLUDE or (not folder and (tok.low in _REFUSED_VERBS or tok.low in _VERBS)) \
            or _looks_like_tool(tok.low):
        return None
    if not re.fullmatch(r"[\w][\w.+-]*", tok.text):
        return None
    if in_position:
        return tok.text
    return None


_OPTION_WORDS = {"fail", "report", "only", "nightly", "daily", "weekly", "sarif", "severity", "every", "on",
                 "required", "as", "with", "without", "don't", "never", "upload", "critical", "high", "medium",
                 "low", "unknown", "pr", "prs", "push", "pull", "to", "scan", "check", "lint", "workflow",
                 "action", "job", "pipeline", "gate", "github", "ci", "security", "and", "or", "the", "a",
                 "all", "everything", "repo", "repository", "folder", "directory", "dir"}


# What a check is "for" rather than what it scans: never taken for a folder name.
_PURPOSE = {"security", "vulnerabilities", "vulnerability", "vulns", "misconfigurations", "misconfigs", "issues",
            "findings", "problems", "compliance", "errors", "bugs", "cves", "cve", "safety", "quality", "style",
            "unknown", "low", "medium", "high", "critical", "only", "every", "sarif", "with", "without", "and",
            "or", "to", "as", "on", "all", "everything", "the", "a"}


@functools.lru_cache(maxsize=4096)
def _looks_like_tool(low: str) -> bool:
    """A misspelt tool name (`trivvy`, `chekov`) is reported as such, never taken for a path."""
    if len(low) < 4 or len(low) > 16 or low in KNOWN_TOOLS:
        return False
    return bool(difflib.get_close_matches(low, KNOWN_TOOLS, n=1, cutoff=0.75))


def _match_root(s: _State, i: int) -> _Span | None:
    toks = s.toks
    j = _skip(toks, i, {"the", "this", "our", "my", "all", "of"})
    j2 = _skip(toks, j, _ROOT_ADJ)
    w = toks[j2].low if j2 < len(toks) and not toks[j2].quoted else ""
    if w in _ROOT_WORDS:
        end = j2 + 1
        end = _skip(toks, end, {"전체", "전체를", "전체에", "전부"} | _TARGET_PARTICLES)
        return _Span(i, end, "targets", Target("path", ".", ""))
    if w in ("everything", "전체", "전체를", "전부", "전부를") and _w(toks, j2 + 1) not in _UNDER:
        return _Span(i, _skip(toks, j2 + 1, _TARGET_PARTICLES), "targets", Target("path", ".", ""))
    if w in ("all", "every") and _w(toks, j2 + 1) == "files" and _w(toks, j2 + 2) not in _UNDER:
        return _Span(i, j2 + 2, "targets", Target("path", ".", ""))
    return None


def _match_folder(s: _State, i: int) -> _Span | None:
    toks = s.toks
    j = _skip(toks, i, {"the", "our", "my", "this"})
    # the folder k8s / the directory `k8s`
    if _w(toks, j) in _FOLDER_WORDS - {"폴더", "디렉터리", "디렉토리"} and j + 1 < len(toks):
        path = _target_tok(s, j + 1, True, folder=True)
        if path:
            return _Span(i, j + 2, "targets", Target("path", path.rstrip("/") or path, ""))
    # everything under k8s / all files in k8s
    if _w(toks, j) in ("everything", "all", "anything", "every"):
        k = j + 1
        k = _skip(toks, k, {"the", "files", "file", "of", "that", "is"})
        if _w(toks, k) in _UNDER:
            root = _match_root(s, k + 1)
            if root:
                return _Span(i, root.end, "targets", root.value)
            k = _skip(toks, k + 1, {"the"})
            path = _target_tok(s, k, True, folder=True)
            if path:
                end = _skip(toks, k + 1, _FOLDER_WORDS)
                return _Span(i, end, "targets", Target("path", path.rstrip("/") or path, ""))
    # k8s folder / k8s 폴더(를)
    if j + 1 < len(toks) and (toks[j + 1].low in _FOLDER_WORDS or toks[j + 1].text.startswith(
            ("폴더", "디렉터리", "디렉토리"))) and (path := _target_tok(s, j, True, folder=True)):
        end = _skip_ko(toks, j + 2)
        return _Span(i, end, "targets", Target("path", path.rstrip("/") or path, ""))
    return None


def _kind_word(toks: list[_Tok], j: int) -> tuple[int, str] | None:
    if j >= len(toks) or toks[j].quoted:
        return None
    w = toks[j].low
    end = j
    if w in _KIND_PREFIX and j + 1 < len(toks) and toks[j + 1].low in _KIND_WORDS | _KIND_SINGULAR.keys():
        if w in ("tf",) and toks[j + 1].low not in ("files",):
            return None
        end, w = j + 1, toks[j + 1].low
    if w in ("tf", "terraform") and _w(toks, end + 1) in _KIND_SUFFIX:
        return end + 2, "terraform"
    if w == "terraform":
        return None if _w(toks, end + 1) in ("plan", "apply", "destroy") else (end + 1, "terraform")
    if w in ("docker", "container") and _w(toks, end + 1) == "files":
        return end + 2, "dockerfile"
    if w in ("workflow",) and _w(toks, end + 1) == "files":
        return end + 2, "workflow"
    if w in ("yaml", "yml") and _w(toks, end + 1) == "files":
        return None
    kind = _KIND_WORDS.get(w) or _KIND_WORDS.get(toks[end].text) or _ko_kind(toks[end])
    if kind:
        return _skip(toks, end + 1, _KIND_SUFFIX | {"들"}), kind
    return None


def _ko_kind(tok: _Tok) -> str | None:
    """도커파일을, 매니페스트들을: a Korean kind word with its particle."""
    if not _korean(tok):
        return None
    for stem, kind in (("도커파일", "dockerfile"), ("매니페스트", "manifest"), ("차트", "chart")):
        rest = tok.text[len(stem):] if tok.text.startswith(stem) else None
        if rest is not None and (rest == "" or rest in _PARTICLES or rest.removeprefix("들") in _PARTICLES | {""}):
            return kind
    return None


def _match_kind(s: _State, i: int) -> _Span | None:
    toks = s.toks
    j = _skip(toks, i, _QUALIFIERS)
    qualified = j > i and any(toks[k].text.lower() in ("all", "every", "each", "any", "모든", "전체")
                              for k in range(i, j))
    found = _kind_word(toks, j)
    singular = None
    if found is None and j < len(toks) and not toks[j].quoted:
        w = toks[j].low
        if w in _KIND_PREFIX and j + 1 < len(toks):
            w2 = toks[j + 1].low
            if w2 in _KIND_SINGULAR:
                singular = (j + 2, _KIND_SINGULAR[w2])
        if w in _KIND_SINGULAR:
            singular = (j + 1, _KIND_SINGULAR[w])
        if singular and singular[1] == "workflow" and not qualified:
            return None  # "a workflow" is what to write, not what to scan
        if singular and singular[1] == "dockerfile" and not qualified:
            return None  # "the Dockerfile" is a file name, read as a path
        if singular and singular[1] == "chart":
            path = _target_tok(s, singular[0], True)
            if path:  # the chart charts/shop
                return _Span(i, singular[0] + 1, "targets", Target("chart", path.rstrip("/"), ""))
            if not qualified:
                return None
        found = singular
    if found is None:
        return None
    end, kind = found
    bare = j == i and found is not singular and end == j + 1 and not _korean(toks[j])
    if bare and kind != "dockerfile":
        return None  # a bare `charts`, `manifests`, `terraform` is as likely a folder of that name
    where = "."
    k = end
    if _w(toks, k) in _UNDER:
        k2 = _skip(toks, k + 1, {"the"})
        root = _match_root(s, k2)
        if root:
            end = root.end
        else:
            path = _target_tok(s, k2, True, folder=True)
            if path:
                where = path.rstrip("/") or path
                end = _skip(toks, k2 + 1, _FOLDER_WORDS)
    elif i < j and kind == "chart" and singular is None and end < len(toks):
        pass
    if kind == "workflow" and where == ".":
        where = ".github/workflows"
    return _Span(i, end, "targets", Target(kind, where, ""))


def _match_ko_target(s: _State, i: int) -> _Span | None:
    """Korean: a bare word followed by a target particle (`k8s를`, `k8s에 대해`)."""
    toks = s.toks
    if i + 1 >= len(toks) or _korean(toks[i]):
        return None
    nxt = toks[i + 1]
    if nxt.text in _TARGET_PARTICLES or nxt.text.startswith(("에 대해", "에대해")) or (
            _korean(nxt) and nxt.text not in _PARTICLES and not nxt.text.startswith(("이상", "만", "에서만"))
            and not _refused(nxt.text)):
        path = _target_tok(s, i, True)
        if path and _tool_name(toks[i]) is None:
            end = _skip_ko(toks, i + 2) if nxt.text in _TARGET_PARTICLES or "대해" in nxt.text else i + 1
            return _Span(i, end, "targets", Target(_path_kind(path), path, ""))
    return None


def _match_words(s: _State, i: int) -> _Span | None:
    """Verbs, objects, courtesy, connectors, separators, and Korean endings."""
    toks = s.toks
    tok = toks[i]
    w = "" if tok.quoted else tok.low
    if i == 0 and w in ("/vibeops", "vibeops", "/vibeops:", "vibeops,") or (tok.mention and w == "vibeops"):
        return _Span(i, i + 1, "command")
    if w in ("set", "setup", "set-up") and (w != "set" or _w(toks, i + 1) == "up"):
        return _Span(i, i + 1 + (w == "set"), "verb", "set up")
    if w in ("i", "we") and _w(toks, i + 1) in ("want", "need", "would", "'d", "like"):
        return _Span(i, _skip(toks, i + 1, {"want", "need", "would", "like", "to", "have"}), "courtesy")
    if w in ("can", "could", "would", "will") and _w(toks, i + 1) in ("you", "we", "i"):
        return _Span(i, i + 2, "courtesy")
    if w in _VERB_OBJECTS:
        if not s.verb_seen:
            return _Span(i, i + 1, "verb", w)
        return _Span(i, i + 1, "object", w)
    if w in _VERBS and w not in ("want", "need"):
        return _Span(i, i + 1, "verb", w)
    if w in _OBJECT_PREFIX and _w(toks, i + 1) in _OBJECTS | _OBJECT_PREFIX:
        end = _skip(toks, i, _OBJECT_PREFIX)
        end = _skip(toks, end, _OBJECTS)
        return _Span(i, end, "object", " ".join(t.low for t in toks[i:end]))
    if w in _OBJECTS:
        return _Span(i, _skip(toks, i + 1, _OBJECTS), "object", w)
    if w in _SEPARATORS:
        return _Span(i, i + 1, "separator")
    if w in _CONNECTORS:
        return _Span(i, i + 1, "connector")
    if w in _COURTESY or w in _TOOL_MARKERS:
        return _Span(i, i + 1, "courtesy")
    if _korean(tok):
        text = tok.text
        if text in _PARTICLES or text.startswith(_KO_COURTESY_PREFIX):
            return _Span(i, i + 1, "courtesy")
        if text.startswith(_KO_VERB_PREFIX):
            end = i + 1
            while end < len(toks) and _korean(toks[end]) and toks[end].text.startswith(("주세요", "줘", "줄래", "주십시오",
                                                                                        "주실", "줄", "달라")):
                end += 1
            return _Span(i, end, "verb", text)
        if text.startswith(_KO_OBJECT_PREFIX):
            end = i + 1
            while end < len(toks) and _korean(toks[end]) and toks[end].text.startswith(_KO_OBJECT_PREFIX):
                end += 1
            return _Span(i, end, "object", " ".join(t.text for t in toks[i:end]))
    return None


def read(text: str) -> Request:
    """Read `text` into a Request; clauses the reader could not map are in `unmapped`, problems raise."""
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        raise RequestError("The request is empty. " + GRAMMAR_HELP)
    if len(cleaned) > MAX_REQUEST_CHARS:
        raise RequestError(f"The request is {len(cleaned)} characters long; vibeops reads at most "
                           f"{MAX_REQUEST_CHARS}. Ask for one workflow in a sentence or two.")
    body = _COMMAND.sub("", cleaned, count=1)
    toks = _tokens(body)
    offset = len(cleaned) - len(body)
    for tok in toks:
        tok.start, tok.end = tok.start + offset, tok.end + offset
    s = _State(toks)
    i = 0
    while i < len(toks):
        span = _next_span(s, i)
        merged = _korean_kind_after_path(s, span)
        if merged is not None:  # `charts/shop 차트에`: the chart charts/shop, not every chart
            s.spans[-1] = span = merged
        else:
            s.spans.append(span)
        if span.field == "verb":
            s.verb_seen = True
        if span.field in ("targets",):
            s.target_pos = True  # a list goes on: "for a.yaml, b.yaml and c"
        elif span.field in ("connector",) or (span.field in ("verb", "object") and span.value in _VERB_OBJECTS):
            s.target_pos = True
        elif span.field in ("separator", "courtesy"):
            pass
        else:
            s.target_pos = False
        i = span.end
    return _assemble(cleaned, s)


def _korean_kind_after_path(s: _State, span: _Span) -> _Span | None:
    """A Korean `차트에` right after a path names that path's kind (`charts/shop 차트에 …`), not every chart."""
    previous = s.spans[-1] if s.spans else None
    if (span.field != "targets" or not isinstance(span.value, Target) or span.value.kind != "chart"
            or span.value.path != "." or span.end - span.start != 1 or not _korean(s.toks[span.start])
            or previous is None
            or previous.field != "targets" or not isinstance(previous.value, Target)
            or previous.value.kind != "path"):
        return None
    return _Span(previous.start, span.end, "targets", Target("chart", previous.value.path.rstrip("/"), ""))


def _next_span(s: _State, i: int) -> _Span:
    toks = s.toks
    tok = toks[i]
    if not tok.quoted and not tok.mention:
        for matcher in _OPTION_MATCHERS:
            span = matcher(s, i)
            if span is not None and span.end > i:
                return span
        for matcher in (_match_root, _match_kind, _match_folder):
            span = matcher(s, i)
            if span is not None and span.end > i:
                return span
        span = _match_tool(s, i)
        if span is not None:
            return span
        span = _opt_mode(s, i)
        if span is not None:
            return span
        span = _match_ko_target(s, i)
        if span is not None:
            return span
    if _path_like(tok):
        return _Span(i, i + 1, "targets", Target(_path_kind(tok.text), tok.text, ""))
    span = _match_words(s, i)
    if span is not None:
        return span
    if s.target_pos and not _korean(tok) and s.spans and s.spans[-1].field != "targets":
        prev = s.spans[-1].field if s.spans else ""
        single = i + 1 >= len(toks) or _w(toks, i + 1) in _SEPARATORS or _starts_known(s, i + 1)
        if prev != "separator" or single:
            path = _target_tok(s, i, True, folder=prev == "connector")
            # After `and`, a word followed by more plain words starts a new clause, unless what follows is a
            # clause we read (`k8s and infra with framework kubernetes`, `… and docker with trivy`).
            if path and (prev != "separator" or not _is_english_word_run(toks, i) or _starts_option_or_tool(s, i + 1)):
                return _Span(i, i + 1, "targets", Target(_path_kind(path), path, ""))
    return _Span(i, i + 1, NOT_UNDERSTOOD)


def _starts_known(s: _State, i: int) -> bool:
    if i >= len(s.toks):
        return True
    if _path_like(s.toks[i]):
        return False
    return any(m(s, i) is not None for m in _OPTION_MATCHERS) or _match_tool(s, i) is not None \
        or _w(s.toks, i) in _CONNECTORS | _COURTESY | _OBJECTS


def _starts_option_or_tool(s: _State, i: int) -> bool:
    """An option or a tool starts at token i (`with framework kubernetes`, `with trivy`)."""
    return i < len(s.toks) and (any(m(s, i) is not None for m in _OPTION_MATCHERS) or _match_tool(s, i) is not None)


def _is_english_word_run(toks: list[_Tok], i: int) -> bool:
    """After `and`, a word followed by more plain words starts a new clause, not another path."""
    return i + 1 < len(toks) and not _path_like(toks[i + 1]) and _w(toks, i + 1) not in _SEPARATORS


def _assemble(text: str, s: _State) -> Request:
    toks, spans = s.toks, s.spans
    _reclaim_verbs(spans, toks)
    tools: list[str] = []
    targets: list[Target] = []
    options: dict = {}
    modes: set[str] = set()
    ambiguous: list[tuple[str, ...]] = []
    clauses: list[Clause] = []
    unknown: list[list[_Span]] = []
    pending: list[_Span] = []  # courtesy and connectors waiting to join the next clause

    def words(first: int, last: int) -> str:
        return text[toks[first].start:toks[last - 1].end]

    seen_targets: set[tuple[str, str]] = set()
    starts: list[int] = []  # where each clause starts in the text, to keep them in order (no searching)
    joinable = False  # only courtesy or connector words since the last word not understood
    for span in spans:
        if span.field == NOT_UNDERSTOOD:
            if unknown and joinable:
                unknown[-1].extend(pending + [span])
            else:
                unknown.append([span])
            pending = []
            joinable = True
            continue
        if span.field in ("courtesy", "connector", "command"):
            pending.append(span)
            continue
        joinable = False
        if span.field == "separator":
            pending = []
            continue
        start = pending[0].start if pending else span.start
        pending = []
        shown = words(start, span.end)
        starts.append(toks[start].start)
        if span.field == "tools":
            tools += [t for t in span.value if t not in tools]
            clauses.append(Clause(shown, "tools", ", ".join(span.value)))
        elif span.field == "tools-ambiguous":
            ambiguous.append(span.value)
            clauses.append(Clause(shown, "tools", " or ".join(span.value)))
        elif span.field == "targets":
            target = replace(span.value, text=words(span.start, span.end))
            if (target.kind, target.path) not in seen_targets:
                seen_targets.add((target.kind, target.path))
                targets.append(target)
            clauses.append(Clause(shown, "targets", target.describe()))
        elif span.field == "mode":
            modes.add(_MODE_WORDS[span.value])
            clauses.append(Clause(shown, "mode", span.value))
        elif span.field in ("verb", "object"):
            clauses.append(Clause(shown, span.field, str(span.value)))
        else:
            options[span.field] = span.value
            if span.field == "fail_on" and span.value is not None:
                clauses.append(Clause(shown, "fail_on", ", ".join(span.value) if span.value else "nothing (report only)"))
            elif span.field == "triggers":
                clauses.append(Clause(shown, "triggers", ", ".join(span.value)))
            elif span.field == "schedule":
                clauses.append(Clause(shown, "schedule", f"{span.value} ({_SCHEDULES[span.value]})"))
            elif span.field == "upload_sarif":
                clauses.append(Clause(shown, "upload_sarif", "yes"))
            elif span.field == "required_check":
                clauses.append(Clause(shown, "required_check", "yes"))
            elif span.field == "framework":
                clauses.append(Clause(shown, "framework", ", ".join(span.value) or "not a checkov framework"))
            elif span.field == "fail_on":
                clauses.append(Clause(shown, "fail_on", "not a severity"))
            else:
                clauses.append(Clause(shown, span.field, str(span.value)))
    if pending and clauses:  # trailing "please", "?": part of the last clause
        clauses[-1] = replace(clauses[-1], text=text[starts[-1]:toks[pending[-1].end - 1].end])
    unmapped = []
    for group in unknown:
        phrase = words(group[0].start, group[-1].end)
        unmapped.append(phrase)
        clauses.append(Clause(phrase, NOT_UNDERSTOOD, ""))
        starts.append(toks[group[0].start].start)
    clauses = [c for _, _, c in sorted(zip(starts, range(len(starts)), clauses))]
    if s.problems:
        raise RequestError(" ".join(dict.fromkeys(s.problems)), clauses=tuple(unmapped))
    if ambiguous:
        choices = ambiguous[0]
        raise AmbiguousRequest(
            f"Which tool did you mean: {' or '.join(f'`{c}`' for c in choices)}? Say `with {choices[0]}`, "
            f"`with {choices[1]}`, or `with {' and '.join(choices)}` for both.", choices=choices)
    notes: list[str] = []
    tool_given = bool(tools)
    if not tools:
        kinds = {t.kind for t in targets}
        if kinds == {"workflow"} and any(c.value in ("lint", "validate") for c in clauses if c.field == "verb"):
            tools = ["actionlint"]
            notes.append("no tool named: using actionlint for the workflows")
        else:
            tools = [DEFAULT_TOOL]
            notes.append("no tool named: using trivy")
    tool = tools[0]
    if tool in ("actionlint", "vibeops", *TOOL_RECIPES) and modes and "trivy" not in tools:
        word = next(c.text for c in clauses if c.field == "mode")
        raise RequestError(f"{tool} takes no scan mode (got {word!r}). " + RECIPES_HELP)
    framework = tuple(options.get("framework") or ())
    if "framework" in options and "checkov" not in tools:
        raise RequestError("`framework` is a checkov option; this request does not ask for checkov.")
    mode, scanners = _tool_mode(tool, modes)
    if tool == "checkov" and framework:
        scanners = checkov_scanners(framework)
    fail_on = options.get("fail_on", DEFAULT_FAIL_ON)
    if (tool == "trivy" or tool in TOOL_RECIPES) and not targets and not unmapped:
        raise RequestError(
            f"Say what {tool} should scan, e.g. `add {tool} scan for k8s-manifests/api.yaml` "
            "(or `for the repository`).")
    if options.get("upload_sarif") and any(t != "trivy" for t in tools) and all(t in COMBINABLE for t in tools):
        raise RequestError("Uploading to code scanning is built into the trivy recipes only; ask without "
                           "`upload to code scanning` (the findings go to the job summary and log).")
    if not targets and tool in ("actionlint", "vibeops"):
        targets = [Target("path", ".github/workflows", "")]
    if tool in ("actionlint", "vibeops"):
        targets = [Target("path", ".github/workflows", t.text) if t.kind == "workflow" else t for t in targets]
    paths = tuple(t.path for t in targets if t.kind in ("path", "glob"))
    return Request(
        text=text, tool=tool, mode=mode, scanners=scanners, paths=paths, fail_on=fail_on,
        triggers=options.get("triggers", DEFAULT_TRIGGERS), schedule=_SCHEDULES.get(options.get("schedule")),
        upload_sarif=bool(options.get("upload_sarif", False)), recipe=all(t in RECIPE_TOOLS for t in tools),
        fail_on_given="fail_on" in options, details=" ".join(unmapped), tools=tuple(tools), targets=tuple(targets),
        required_check=bool(options.get("required_check", False)), clauses=tuple(clauses),
        unmapped=tuple(unmapped), notes=tuple(notes), tool_given=tool_given,
        triggers_given="triggers" in options, framework=framework)


def _reclaim_verbs(spans: list[_Span], toks: list[_Tok]) -> None:
    """A second verb that is followed by words we do not read starts a clause we do not read: `and make coffee`.

    A verb vibeops never does (`delete`, `deploy`) or an exclusion (`skipping`) takes the rest of its clause with
    it, up to the next separator, so `remove the old workflow` is named whole.
    """
    swallowing = False
    for span in spans:
        if span.field == "separator" and toks[span.start].low != "and" or span.field == "separator" and swallowing:
            swallowing = False
            continue
        if span.field == NOT_UNDERSTOOD and (toks[span.start].low in _REFUSED_VERBS | _EXCLUDE
                                             or _refused(toks[span.start].text)):
            swallowing = True
            continue
        if swallowing and span.field not in ("separator",):
            span.field = NOT_UNDERSTOOD
    seen_verb = False
    for index, span in enumerate(spans):
        if span.field == "verb":
            nxt = spans[index + 1] if index + 1 < len(spans) else None
            if seen_verb and (nxt is None or nxt.field == NOT_UNDERSTOOD or
                              (nxt.field == "courtesy" and index + 2 < len(spans)
                               and spans[index + 2].field == NOT_UNDERSTOOD)):
                if nxt is not None:
                    span.field = NOT_UNDERSTOOD
            seen_verb = True


def part_for(request: Request, tool: str, words: set[str] | None = None) -> Request:
    """One tool's share of a multi-tool request: the same targets and options, that tool's mode and scanners."""
    if words is None:
        words = {c.value for c in request.clauses if c.field == "mode"}
    mode, scanners = _tool_mode(tool, words)
    framework = request.framework if tool == "checkov" else ()
    if framework:
        scanners = checkov_scanners(framework)
    return replace(request, tool=tool, tools=(tool,), mode=mode, scanners=scanners, framework=framework,
                   recipe=tool in RECIPE_TOOLS)


def checkov_scanners(frameworks: tuple[str, ...]) -> tuple[str, ...]:
    """checkov limited by --framework reads only those frameworks' files (bot/scope/filetypes.py)."""
    return tuple(f"checkov:{f}" for f in frameworks)


def _tool_mode(tool: str, words: set[str]) -> tuple[str, tuple[str, ...]]:
    if tool == "trivy":
        mode = "fs" if "fs" in words else "config"
        scanners = ["misconfig"]
        if mode == "fs" and "secret" in words:
            scanners.append("secret")
        return mode, tuple(scanners)
    if tool == "vibeops":
        return "gate", ("workflow-gate",)
    if tool == "actionlint":
        return "lint", ("workflow-lint",)
    if tool in TOOL_RECIPES:
        return TOOL_RECIPES[tool]
    return "llm", TOOL_SCANNERS.get(tool, ())


def parse_request(text: str, free_form: bool = False) -> Request:
    """Turn request text into a Request, or raise RequestError naming what was not understood.

    With `free_form` (a model is configured) clauses the reader cannot map stay in `unmapped` for
    the model to read (bot.model_request); a clause vibeops never does is refused either way.
    """
    request = read(text)
    korean = _HANGUL.search(request.text) is not None
    refused = [c for c in request.unmapped if _refused(c)]
    if refused:
        raise RequestError(
            ("요청 중 " + ", ".join(f"`{c}`" for c in refused) + " 부분은 할 수 없어서 아무것도 하지 않았습니다. "
             if korean else "")
            + "I can't do all of this request, so I did nothing: "
            + "; ".join(f"`{c}`: {_REFUSED_WHY}" for c in refused) + ". Ask for the check on its own, e.g. `"
            + _without(request) + "`.", clauses=tuple(refused))
    unknown_tool = _unknown_tool(request)
    if unknown_tool and not free_form:
        raise RequestError(f"I don't know the tool {unknown_tool!r}. {RECIPES_HELP} {MODEL_HELP}",
                           clauses=(unknown_tool,))
    if request.unmapped and not free_form:
        typo = _tool_typo(request.unmapped)
        if typo:
            raise RequestError(typo, clauses=request.unmapped)
        raise RequestError(
            ("요청 중 " + ", ".join(f"`{c}`" for c in request.unmapped) + " 부분을 이해하지 못했습니다. "
             if korean else "")
            + "I did not understand " + ", ".join(f"`{c}`" for c in request.unmapped) + ", and vibeops never "
            "drops part of a request. " + _understood_line(request) + " " + OPTIONS_HELP + " " + MODEL_HELP,
            clauses=request.unmapped)
    unknown_tools = [t for t in request.tools if t not in KNOWN_TOOLS]
    if unknown_tools:
        raise RequestError(f"I don't know the tool {unknown_tools[0]!r}. {RECIPES_HELP} {MODEL_HELP}")
    if not request.recipe and not free_form:
        missing = next(t for t in request.tools if t not in RECIPE_TOOLS)
        if missing in NO_HONEST_PIN:
            raise RequestError(f"There is no built-in recipe for {missing}: no honest pin ({NO_HONEST_PIN[missing]}). "
                               f"{RECIPES_HELP} {MODEL_HELP}")
        raise RequestError(f"There is no built-in recipe for {missing} yet. {RECIPES_HELP} {MODEL_HELP}")
    lacking = [t for t in request.tools if t not in COMBINABLE] if len(request.tools) > 1 else []
    if lacking and not free_form:
        raise RequestError(f"No built-in recipe combines {', '.join(lacking)} with other tools; combinations take "
                           f"{', '.join(COMBINABLE)}. {MODEL_HELP}")
    if lacking:
        return replace(request, recipe=False)
    if request.unmapped:
        return replace(request, recipe=False)
    return request


def _unknown_tool(request: Request) -> str | None:
    """A single word we do not read just before `scan`/`check`/`lint`: a tool we do not know."""
    clauses = list(request.clauses)
    for index, clause in enumerate(clauses[:-1]):
        if clause.field == NOT_UNDERSTOOD and len(clause.text.split()) == 1 and clauses[index + 1].field == "object":
            if not _tool_typo((clause.text,)):
                return clause.text
    return None


def _refused(clause: str) -> bool:
    """A clause vibeops never does: it starts with a verb such as delete or deploy (삭제, 배포), or, in Korean, its
    object comes first (`db 배포 삭제해줘`)."""
    words = clause.split()
    first = words[0].lower().strip(",.;") if words else ""
    ko = ("삭제", "배포", "지워", "제거")
    return first in _REFUSED_VERBS or clause.startswith(ko) or (len(words) > 1 and words[1].startswith(ko))


def _without(request: Request) -> str:
    """The request without its clauses not understood: what can be asked on its own."""
    kept = [c.text for c in request.clauses if c.field != NOT_UNDERSTOOD][:40]
    return " ".join(kept)[:300]


def _tool_typo(unmapped: tuple[str, ...]) -> str | None:
    for clause in unmapped:
        for word in clause.split():
            low = word.lower().strip(",.;")
            if len(low) < 4 or len(low) > 20:
                continue
            close = difflib.get_close_matches(low, KNOWN_TOOLS, n=1, cutoff=0.75)
            if close:
                return f"`{word}` is not a tool I know. Did you mean `{close[0]}`?"
    return None


def _understood_line(request: Request) -> str:
    known = [f"{c.field} `{c.text}`" for c in request.clauses if c.field not in (NOT_UNDERSTOOD, "verb", "object")]
    return ("I understood: " + "; ".join(known) + ".") if known else "I understood nothing else in it."


def understood(request: Request) -> dict:
    """The JSON `understood` section: the typed request and each clause with the field it became."""
    return {"request": request.to_dict(), "notes": list(request.notes),
            "clauses": [{"clause": c.text, "field": c.field, "value": c.value, "workflow": "", "line": None,
                         "ok": c.field != NOT_UNDERSTOOD} for c in request.clauses]}


# --- options on their own (follow-ups on a pull request use these) -------------------------------------------

_SEV = r"(?:unknown|low|medium|high|critical)\b"
SEVERITY_LIST = rf"{_SEV}(?:\s*(?:,|/|\band\b|\bor\b)\s*{_SEV})*(?:\s*(?:\+|and\s+above|or\s+(?:above|higher|worse)))?"


def parse_options(rest: str, lenient: bool = False) -> tuple[dict, str]:
    """The options in `rest` (fail_on, triggers, schedule, sarif), and the words left over when lenient."""
    cleaned = " ".join(rest.split())
    if not cleaned:
        return {}, ""
    toks = _tokens(cleaned)
    s = _State(toks)
    found: dict = {}
    leftover: list[str] = []
    i = 0
    while i < len(toks):
        span = None
        for matcher in _OPTION_MATCHERS:
            span = matcher(s, i)
            if span is not None and span.end > i:
                break
            span = None
        if span is None:
            w = _w(toks, i)
            if w in _SEPARATORS or w in ("with", "the", "please", "also", "run", "and", "."):
                i += 1
                continue
            leftover.append(toks[i].text)
            i += 1
            continue
        if span.field == "fail_on" and span.value is None:
            raise RequestError(" ".join(s.problems))
        key = {"upload_sarif": "sarif"}.get(span.field, span.field)
        found[key] = _SCHEDULES[span.value] if span.field == "schedule" else span.value
        i = span.end
    if leftover and not lenient:
        raise RequestError(f"I did not understand {' '.join(leftover)!r}. {OPTIONS_HELP}")
    return found, " ".join(leftover)


def severities(text: str) -> tuple[str, ...]:
    named = [s.upper() for s in re.findall(_SEV, text, re.IGNORECASE)]
    if re.search(r"\+|above|higher|worse", text, re.IGNORECASE):
        lowest = min(SEVERITIES.index(s) for s in named)
        named = list(SEVERITIES[lowest:])
    return tuple(s for s in reversed(SEVERITIES) if s in named)


def phrasing_help(examples: dict[str, str] | None = None) -> str:
    """The phrasings and options, with examples naming `examples` (kind -> a real file of the repository)."""
    found = examples or {}
    manifest = found.get("manifest", "k8s-manifests/api.yaml")
    folder = manifest.rsplit("/", 1)[0] if "/" in manifest else "."
    dockerfile = found.get("dockerfile", "api/Dockerfile")
    lines = [
        "Say what to add, with which tool, for what, in any order and in English or Korean:",
        f"- `add trivy scan for {manifest}`",
        f"- `create github action for security check by trivy @{manifest}`",
        f"- `please set up a security scan for the {folder} folder using trivy, only fail on critical issues`",
        f"- `scan everything under {folder} with trivy every night and upload the results to code scanning`",
        f"- `add trivy fs scan for {dockerfile}, report only, on PRs only`",
        "- `add trivy scan for the whole repo as a required check`",
        "- `lint my workflows with actionlint`",
        f"- `trivy로 {manifest} 보안 점검하는 깃허브 액션 만들어줘`",
        f"- `{folder} 폴더를 trivy로 매일 검사하는 워크플로 추가해 주세요, 빌드를 실패시키지 않게`",
        "Targets: paths, `@path`, `quoted paths`, globs (`k8s/*.yaml`), `the k8s folder`, `everything under k8s`, "
        "`the whole repo`, `the Dockerfiles`, `all manifests in k8s`, `the chart charts/shop`, `my workflows`.",
        "With no tool named, trivy is used. " + OPTIONS_HELP,
    ]
    return "\n".join(lines)
