"""The commands a written `run:` script may use: scanners and setup, with subcommands and flags."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.checks.guardrails.downloads import release_program
from bot.scope.bash import SimpleCommand, Word


@dataclass(frozen=True)
class Spec:
    """What one (sub)command accepts: switches, flags that take a value, and positional arguments."""

    switches: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()
    positional: int | None = None  # how many positional arguments (None: any number)
    any_args: bool = False  # any literal argument (echo, printf, jq, test)
    writes: bool = False  # its positional arguments are files it writes (tee)


def _spec(switches: str = "", values: str = "", positional: int | None = None, **kw) -> Spec:
    return Spec(frozenset(switches.split()), frozenset(values.split()), positional, **kw)


_TRIVY_SCAN = _spec(
    "-q --quiet --no-progress --ignore-unfixed --include-non-failures --skip-db-update --skip-check-update "
    "--skip-java-db-update --skip-policy-update --offline-scan --list-all-pkgs -d --debug --dependency-tree "
    "--disable-telemetry --exit-on-eol",
    "-s --severity --exit-code -f --format -o --output --scanners --skip-dirs --skip-files --ignorefile "
    "--cache-dir --timeout --misconfig-scanners -t --template -c --config --file-patterns --tf-vars --helm-values "
    "--helm-set --helm-set-string --k8s-version --table-mode --pkg-types --config-file-schemas")
_HELM_RENDER = "-f --values --set --set-string --set-file --kube-version -n --namespace"
_PIP_SWITCHES = frozenset("--require-hashes --no-deps --user -q --quiet -U --upgrade --no-cache-dir "
                          "--disable-pip-version-check --only-binary=:all: --no-input --progress-bar=off "
                          "--break-system-packages".split())
_PIP_VALUES = frozenset("-r --requirement --hash -c --constraint --only-binary --progress-bar".split())

# Scanners: exactly these subcommands and flags. Nothing that fetches from a server, takes a token
# or runs a program named in an argument (trivy --server/--token, actionlint -shellcheck, checkov
# --bc-api-key or --external-checks-dir, zizmor --gh-token, ct --helm-extra-args) is listed.
SCANNERS: dict[str, dict[tuple[str, ...], Spec]] = {
    "trivy": {("config",): _TRIVY_SCAN, ("fs",): _TRIVY_SCAN, ("filesystem",): _TRIVY_SCAN,
              ("version",): _spec("", "-f --format", 0), ("--version",): _spec("", "", 0)},
    "actionlint": {(): _spec("-color -no-color -oneline -verbose -debug -version",
                             "-format -ignore -config-file -stdin-filename")},
    "hadolint": {(): _spec("--no-fail --no-color --strict-labels --disable-ignore-pragma -V --verbose -v --version",
                           "-c --config -t --failure-threshold -f --format --ignore --trusted-registry "
                           "--require-label --error --warning --info --style --file-path-in-report")},
    "checkov": {(): _spec("--quiet --compact --soft-fail --no-guide --skip-download --skip-results-upload -v "
                          "--version --list --output-bc-ids --enable-secret-scan-all-files",
                          "-d --directory -f --file --framework --skip-framework --skip-check -c --check "
                          "--skip-path -o --output --output-file-path --config-file --hard-fail-on --soft-fail-on "
                          "--var-file --evaluate-variables --download-external-modules --summary-position "
                          "--secrets-scan-file-type")},  # `--framework a b` takes several values
    "kubeconform": {(): _spec("-summary -strict -ignore-missing-schemas -verbose -v -exit-on-error -debug",
                              "-output -kubernetes-version -schema-location -skip -reject -n "
                              "-ignore-filename-pattern -cache")},
    "kube-linter": {("lint",): _spec("--add-all-built-in --do-not-auto-add-defaults --fail-if-no-objects-found "
                                     "--fail-on-invalid-resource -v --verbose",
                                     "--config --format --include --exclude"),
                    ("version",): _spec("", "", 0)},
    "yamllint": {(): _spec("-s --strict --no-warnings -v --version --list-files",
                           "-c --config-file -d --config-data -f --format")},
    "helm": {("lint",): _spec("--strict --quiet --with-subcharts --debug", _HELM_RENDER),
             ("template",): _spec("--include-crds --skip-tests --skip-crds --debug --release-name",
                                  _HELM_RENDER + " -a --api-versions --output-dir -s --show-only"),
             ("dependency", "build"): _spec("--skip-refresh", "", 1),
             ("dependency", "update"): _spec("--skip-refresh", "", 1),
             ("version",): _spec("--short", "", 0)},
    "ct": {("lint",): _spec("--all --debug --print-config --validate-chart-schema --validate-yaml "
                            "--use-helmignore",
                            "--charts --config --target-branch --chart-dirs --excluded-charts --lint-conf "
                            "--chart-yaml-schema --remote --since --validate-maintainers "
                            "--check-version-increment", 0),
           ("version",): _spec("", "", 0)},
    "zizmor": {(): _spec("--offline --no-online-audits -q --quiet --no-exit-codes --no-config --pedantic -v "
                         "--verbose -V --version",
                         "--format --persona --min-severity --min-confidence --config --collect")},
    "shellcheck": {(): _spec("-x --external-sources -a --check-sourced --norc -V --version",
                             "-S --severity -f --format -e --exclude -i --include -s --shell -o --enable "
                             "-P --source-path -W --wiki-link-count --color")},
    "vibeops": {("check",): _spec("--all --json", "--repo --format --output --requested --tool"),
                ("--version",): _spec("", "", 0)},
}

# Setup and reporting: they print, read, make directories and move around; nothing else.
SETUP: dict[str, Spec] = {
    "echo": _spec(any_args=True), "printf": _spec(any_args=True), "jq": _spec(any_args=True),
    "test": _spec(any_args=True), "[": _spec(any_args=True), "basename": _spec(any_args=True),
    "dirname": _spec(any_args=True), "cat": _spec("-n -A -v -e -s -b"), "mkdir": _spec("-p -v"),
    "cd": _spec("", "", 1),  # its target is checked as a path (bot.checks.guardrails.scripts)
    "true": _spec("", "", 0), "false": _spec("", "", 0), ":": _spec(any_args=True),
    "pwd": _spec("", "", 0), "exit": _spec("", "", 1), "ls": _spec("-l -a -la -al -lh -R -1"),
    "tee": _spec("-a --append", writes=True), "head": _spec("-q", "-n -c"), "tail": _spec("-q", "-n -c"),
    "wc": _spec("-l -w -c -m"), "sort": _spec("-u -r -n -V", "-k -t"), "sha256sum": _spec("-c --check --strict --quiet"),
    "grep": _spec("-q -v -i -E -F -c -n -l -r -R -s -o -w -x -h -H", "-e -m -A -B -C --include --exclude"),
}
_SET_WORDS = {"-e", "-u", "-x", "-eu", "-ex", "-eux", "-euo", "-eo", "-euxo", "-exo", "+e", "+x", "+u", "-o",
              "+o", "pipefail", "errexit", "nounset", "xtrace"}
_FIND_TESTS = {"-name", "-iname", "-path", "-ipath", "-wholename", "-type", "-maxdepth", "-mindepth", "-size",
               "-newer", "-regex"}
_FIND_WORDS = {"-print", "-print0", "-o", "-or", "-a", "-and", "-not", "!", "(", ")", "-prune"}
_XARGS_SWITCHES = {"-0", "-r", "--null", "--no-run-if-empty", "-t", "--verbose"}
_XARGS_VALUES = {"-n", "-L", "-I", "-P", "-d", "--max-args", "--max-lines", "--replace", "--max-procs", "--delimiter"}
_SHOPT = {"-s", "-u", "globstar", "nullglob", "dotglob", "failglob", "extglob", "nocaseglob"}
_GIT_DIFF = {"--quiet", "--name-only", "--exit-code", "--stat", "--no-ext-diff", "--no-textconv", "--no-color"}
# A substitution only (`s/a/b/` with g, p, I or a number): no `e`, `w` or `r`, which run or touch files.
_SED_SCRIPT = re.compile(r"^s/(?:[^/\\\n]|\\.)*/(?:[^/\\\n]|\\.)*/[gpI0-9]*$")
_TEMP = r"(?:\$RUNNER_TEMP|\$\{RUNNER_TEMP\})"
VENV_DIR = re.compile(rf"^{_TEMP}/[A-Za-z0-9_.-]+-venv$")
VENV_PROGRAM = re.compile(rf"^{_TEMP}/[A-Za-z0-9_.-]+-venv/bin/([A-Za-z0-9_.-]+)$")
_PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9][A-Za-z0-9.+!_-]*$")
_HASH = re.compile(r"^sha(256|384|512):[0-9a-f]{64,128}$")


def program(word: Word) -> str | None:
    """The program a command word names: a plain name, or a tool in a job's own venv under $RUNNER_TEMP."""
    if word.literal and "/" not in word.value:
        return word.value
    venv = VENV_PROGRAM.match(word.value)
    if venv and not word.substituted and not word.expressions and not any(c in word.value for c in "*?["):
        return venv.group(1)
    # A binary a verified release download put in $RUNNER_TEMP/NAME-bin (bot.checks.guardrails.downloads).
    release = release_program(word.value)
    if release and not word.substituted and not word.expressions:
        return release
    return None


def check(command: SimpleCommand, trusted: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(rule, message) for every way the command leaves the allowlist; [] when it is on it.

    `trusted`: install specs the server vouches for (VIBEOPS_GATE_SOURCE), which `pipx run --spec` may name."""
    if not command.words:
        return []
    name = program(command.words[0])
    if name is None:
        return [("command-not-allowed", f"runs `{command.words[0].raw}`: a program must be a plain name from "
                                        "the allowlist (or `$RUNNER_TEMP/NAME-venv/bin/TOOL`), not a path or a "
                                        "variable")]
    words = list(command.words[1:])
    values = [w.value for w in words]
    if name in ("pip", "pip3"):
        return _pip(words)
    if name in ("python", "python3") and values[:2] == ["-m", "pip"]:
        return _pip(words[2:])
    if name in ("python", "python3") and values[:2] == ["-m", "venv"] and len(values) == 3 \
            and VENV_DIR.match(values[2]):
        return []
    if name == "sed":
        return _sed(values)
    if name == "git":
        return _git(values)
    if name == "shopt":
        bad = [v for v in values if v not in _SHOPT]
        return [("command-not-allowed", f"`shopt {' '.join(bad)}` is not an allowed shell option")] if bad else []
    if name == "pipx":
        return _pipx(words, trusted)
    if name == "set":
        bad = [w.value for w in words if w.value not in _SET_WORDS]
        return [("command-not-allowed", f"`set {' '.join(bad)}` is not an allowed shell option")] if bad else []
    if name == "find":
        return _find(words)
    if name == "xargs":
        return _xargs(command, words)
    if name in SCANNERS:
        return _scanner(name, words)
    if name in SETUP:
        return _arguments(name, SETUP[name], words)
    return [("command-not-allowed", f"runs `{name}`, which is not an allowed scanner or setup command")]


def write_targets(command: SimpleCommand) -> list[Word]:
    """The files a command writes through its arguments (tee's)."""
    spec = SETUP.get(command.argv[0]) if command.argv else None
    if spec is None or not spec.writes:
        return []
    return [w for w in command.words[1:] if not w.value.startswith("-")]


def _scanner(name: str, words: list[Word]) -> list[tuple[str, str]]:
    table = SCANNERS[name]
    values = [w.value for w in words]
    for sub in sorted(table, key=len, reverse=True):
        if tuple(values[:len(sub)]) == sub:
            return _arguments(" ".join((name,) + sub), table[sub], words[len(sub):])
    allowed = ", ".join(" ".join((name,) + s) for s in table if s) or name
    return [("command-not-allowed", f"`{name} {' '.join(values[:1])}` is not allowed; allowed: {allowed}")]


def _arguments(label: str, spec: Spec, words: list[Word]) -> list[tuple[str, str]]:
    if spec.any_args:
        return []
    problems: list[tuple[str, str]] = []
    positional = 0
    i = 0
    while i < len(words):
        word = words[i].value
        i += 1
        if word == "--":
            positional += len(words) - i
            break
        if word.startswith("-") and word != "-":
            flag, eq, _ = word.partition("=")
            if word in spec.switches:
                continue
            if flag in spec.values:
                i += 0 if eq else 1  # `--flag=value`, or the value is the next word
                continue
            problems.append(("flag-not-allowed", f"`{label}` does not allow the flag `{flag}`"))
        else:
            positional += 1
    if spec.positional is not None and positional > spec.positional:
        problems.append(("flag-not-allowed", f"`{label}` takes at most {spec.positional} argument(s), got {positional}"))
    return problems


def _pip(words: list[Word]) -> list[tuple[str, str]]:
    """`pip install` of pinned packages (`name==version`) or a hashed requirements file, from PyPI only."""
    if not words or words[0].value != "install":
        return [("package-install", "pip may only `install`")]
    problems: list[tuple[str, str]] = []
    requirements, hashed, packages = False, False, 0
    i, items = 0, [w.value for w in words[1:]]
    while i < len(items):
        item = items[i]
        i += 1
        flag, eq, value = item.partition("=")
        if item in _PIP_SWITCHES:
            hashed = hashed or item == "--require-hashes"
        elif flag in _PIP_VALUES:
            if not eq:
                value = items[i] if i < len(items) else ""
                i += 1
            if not value:  # `-r` last, or `--hash=`: pip fails, and nothing names what it would install
                problems.append(("package-install", f"pip install `{flag}` needs a value"))
                continue
            if flag in ("-r", "--requirement"):
                requirements = True
            if flag == "--hash" and not _HASH.match(value):
                problems.append(("package-install", f"`--hash={value}` is not a sha256/384/512 digest"))
        elif item.startswith("-"):
            problems.append(("package-install", f"pip install does not allow `{flag}` (only PyPI, pinned)"))
        elif _PINNED.match(item):
            packages += 1
        else:
            problems.append(("package-install", f"pip installs `{item}`, which is not pinned as `name==version` "
                                                "from PyPI"))
    if requirements and not hashed:
        problems.append(("package-install", "pip installs a requirements file without `--require-hashes`"))
    if not requirements and not packages and not problems:
        problems.append(("package-install", "pip install names no package"))
    return problems


def _pipx(words: list[Word], trusted: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """`pipx run --spec name==version APP args`, where APP's own command line is on the allowlist; the spec
    may also be exactly one the server vouches for (the gate's Git URL pinned to a commit)."""
    values = [w.value for w in words]
    if values[:2] != ["run", "--spec"] or len(values) < 4:
        return [("package-install", "pipx may only `run --spec name==version APP …`")]
    if values[2] in trusted and words[2].literal:
        return [] if values[3] == "vibeops" else [("command-not-allowed", f"pipx runs `{values[3]}` from the gate's "
                                                                          "source; only `vibeops` comes from it")]
    if not _PINNED.match(values[2]):
        return [("package-install", f"pipx runs `{values[2]}`, which is not pinned as `name==version` from PyPI")]
    app = values[3]
    if app not in SCANNERS:
        return [("command-not-allowed", f"pipx runs `{app}`, which is not an allowed scanner")]
    return _scanner(app, words[4:])


def _sed(values: list[str]) -> list[tuple[str, str]]:
    """`sed -n -e 's/…/…/p' FILE…`: substitutions only, printed, never `-i` in place."""
    scripts, i, files = [], 0, 0
    while i < len(values):
        value = values[i]
        i += 1
        if value in ("-n", "-E", "-r", "--quiet", "--sandbox"):
            continue
        if value == "-e" and i < len(values):
            scripts.append(values[i])
            i += 1
        elif value.startswith("-"):
            return [("flag-not-allowed", f"`sed` does not allow `{value}`")]
        elif not scripts:
            scripts.append(value)
        else:
            files += 1
    bad = [script for script in scripts if not _SED_SCRIPT.match(script)]
    if bad or not scripts:
        return [("command-not-allowed", f"sed runs `{bad[0] if bad else ''}`; only `s/…/…/[gpI]` substitutions "
                                        "are allowed")]
    return []


def _git(values: list[str]) -> list[tuple[str, str]]:
    """`git diff` of revisions and paths (which files changed), nothing that writes or runs a program."""
    if values[:1] != ["diff"]:
        return [("command-not-allowed", f"`git {' '.join(values[:1])}` is not allowed; allowed: git diff")]
    bad = [v for v in values[1:] if v.startswith("-") and v != "--" and v not in _GIT_DIFF]
    return [("flag-not-allowed", f"`git diff` does not allow `{bad[0]}`")] if bad else []


def _find(words: list[Word]) -> list[tuple[str, str]]:
    i = 0
    while i < len(words):
        word = words[i].value
        i += 1
        if word in _FIND_TESTS:
            i += 1
        elif word in _FIND_WORDS:
            continue
        elif word.startswith("-"):
            return [("flag-not-allowed", f"`find` does not allow `{word}` (only tests and -print)")]
    return []


def _xargs(command: SimpleCommand, words: list[Word]) -> list[tuple[str, str]]:
    i = 0
    while i < len(words) and words[i].value.startswith("-"):
        flag = words[i].value
        i += 1
        name = flag.partition("=")[0]
        if flag in _XARGS_SWITCHES:
            continue
        if name in _XARGS_VALUES:
            if "=" not in flag:
                i += 1
        elif flag[:2] in _XARGS_VALUES and len(flag) > 2:
            continue  # `-n1`, `-I{}`
        else:
            return [("flag-not-allowed", f"`xargs` does not allow `{flag}`")]
    if i >= len(words):
        return [("command-not-allowed", "xargs runs no command")]
    inner = SimpleCommand(tuple(words[i:]), (), (), command.line)
    return check(inner)
