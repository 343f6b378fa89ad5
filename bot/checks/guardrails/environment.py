"""No variable the loader, the shell or the runner interprets (LD_PRELOAD, BASH_ENV, PATH…) may be set."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.findings import Finding, Severity
from bot.workflow import line_of

ID = "guardrails"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names that change how programs load, which shell files run, where binaries and certificates come
# from, or what the runner does with a step: setting any of them is code execution or a redirect.
RESERVED = re.compile(
    r"^(?:LD_\w*|DYLD_\w*|BASH\w*|GIT_\w*|PYTHON\w*|PIP_\w*|NODE_\w*|NPM_\w*|PERL\w*|RUBY\w*|JAVA_\w*|"
    r"GITHUB_\w*|RUNNER_\w*|ACTIONS_\w*|SSL_\w*|CURL_\w*|"
    r"PATH|ENV|IFS|HOME|SHELL|SHELLOPTS|PS4|PROMPT_COMMAND|CDPATH|GLOBIGNORE|TMPDIR|HISTFILE|"
    r"REQUESTS_CA_BUNDLE|(?:HTTPS?|ALL|NO|FTP)_PROXY|TRIVY_(?:SERVER|TOKEN\w*|CONFIG|CACHE_BACKEND|DB_REPOSITORY|"
    r"CHECKS_BUNDLE_REPOSITORY|JAVA_DB_REPOSITORY|REGISTRY_TOKEN|PASSWORD|USERNAME)|"
    r"HELM_\w*|KUBECONFIG|DOCKER_\w*|BC_\w*|PRISMA_\w*|CKV_\w*|CHECKOV_\w*)$", re.IGNORECASE)


def problem(name: str) -> str | None:
    """Why a variable may not be set, or None."""
    if not NAME.match(name):
        return f"`{name}` is not a plain variable name"
    return f"sets `{name}`, which changes how programs, the shell or the runner behave" if RESERVED.match(name) \
        else None


def audit(ctx) -> list[Finding]:
    if not ctx.generated:
        return []
    workflow = ctx.workflow
    blocks = [(workflow.doc, "the workflow")]
    blocks += [(job, f"job `{job_id}`") for job_id, job in workflow.jobs.items() if isinstance(job, Mapping)]
    blocks += [(step.data, f"job `{step.job_id}` step {step.index + 1}") for step in workflow.steps()]
    findings = []
    for node, where in blocks:
        env = node.get("env") if isinstance(node, Mapping) else None
        if env is not None and not isinstance(env, Mapping):
            findings.append(Finding(ID, "variable-not-allowed", Severity.ERROR, f"{where} sets `env:` from an "
                                    "expression; only a mapping of plain values is allowed", workflow.path,
                                    line_of(node, "env")))
            continue
        for name, value in (env or {}).items():
            why = problem(str(name))
            if why:
                findings.append(Finding(ID, "variable-not-allowed", Severity.ERROR, f"{where} {why}",
                                        workflow.path, line_of(env, name)))
            if "venv" in str(value).lower() or re.search(r"-bin(?:/|$)", str(value)):
                # see guardrails.scripts: only a venv's (or a verified download's) own programs use its path
                findings.append(Finding(ID, "protected-path", Severity.ERROR, f"{where} sets `{name}` to a "
                                        "venv's path", workflow.path, line_of(env, name)))
    return findings
