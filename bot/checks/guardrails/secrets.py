"""No secrets, `github.token` or OIDC in any spelling, unless secrets.allow names it; never sent out."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.checks.guardrails.danger import NETWORK
from bot.findings import Finding, Severity
from bot.scope.bash import ShellSyntaxError, parse
from bot.workflow import line_of

ID = "guardrails"
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_SECRETS = re.compile(r"(?<![\w.])secrets(?![\w-])", re.IGNORECASE)
_GITHUB = re.compile(r"(?<![\w.])github(?![\w-])", re.IGNORECASE)
_MEMBER = re.compile(r"\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*'((?:[^']|'')*)'\s*\]|\[\s*\"([^\"]*)\"\s*\])")
_RUNNER_TOKENS = re.compile(r"ACTIONS_ID_TOKEN_REQUEST_(?:URL|TOKEN)|ACTIONS_RUNTIME_(?:TOKEN|URL)|ACTIONS_CACHE_URL",
                            re.IGNORECASE)
TOKEN = "GITHUB_TOKEN"


def expressions(text: str) -> list[tuple[int, str]]:
    """(offset, body) of every `${{ … }}`, read as GitHub reads it: a `}}` inside a '…' literal does not end it."""
    found, start = [], text.find("${{")
    while start != -1:
        i, quoted = start + 3, False
        while i < len(text):
            if text[i] == "'":
                quoted = not quoted  # `''` inside a literal toggles twice: still inside
            elif not quoted and text.startswith("}}", i):
                break
            i += 1
        found.append((start, text[start + 3:i]))
        start = text.find("${{", i)
    return found


def conditions(workflow) -> list[tuple[int | None, str]]:
    """(line, body) of every job and step `if:` written without `${{ }}`: the whole value is an expression."""
    nodes = [job for job in workflow.jobs.values() if isinstance(job, Mapping)]
    nodes += [step.data for step in workflow.steps()]
    return [(line_of(node, "if"), str(node["if"])) for node in nodes
            if "if" in node and "${{" not in str(node["if"])]


def references(expression: str) -> list[tuple[str, str | None]]:
    """(context, name) for each use of `secrets` or `github` in an expression; name None: the whole context."""
    blanked = _LITERAL.sub(lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", expression)
    found = []
    for pattern, context in ((_SECRETS, "secrets"), (_GITHUB, "github")):
        for match in pattern.finditer(blanked):
            member = _MEMBER.match(expression, match.end())
            name = None
            if member:
                name = member.group(1) or (member.group(2) or "").replace("''", "'") or member.group(3)
            found.append((context, name))
    return found


def audit(ctx) -> list[Finding]:
    if not ctx.generated:
        return []
    workflow = ctx.workflow
    allowed = {name.upper() for name in (ctx.config.secrets_allow if ctx.config is not None else ())}
    rule_where = ctx.config.where("secrets.allow") if ctx.config is not None else "`secrets.allow`"
    findings = []
    used_allowed: set[str] = set()
    found = [(workflow.text.count("\n", 0, offset) + 1, body) for offset, body in expressions(workflow.text)]
    for line, body in found + conditions(workflow):
        for context, name in references(body):
            if context == "github":
                if name is None:
                    findings.append(Finding(ID, "token-use", Severity.ERROR, "uses the whole `github` context, "
                                            "which holds the workflow's token", workflow.path, line))
                elif name.lower() == "token" and TOKEN not in allowed:
                    findings.append(Finding(ID, "token-use", Severity.ERROR, f"uses `github.token`, which "
                                            f"{rule_where} does not allow", workflow.path, line,
                                            hint="Workflows vibeops writes use no tokens."))
                elif name.lower() == "token":
                    used_allowed.add(TOKEN)
                continue
            if name is None:
                findings.append(Finding(ID, "secret-use", Severity.ERROR, "uses the whole `secrets` context",
                                        workflow.path, line, hint="Workflows vibeops writes use no secrets."))
            elif name.upper() not in allowed:
                rule = "token-use" if name.upper() == TOKEN else "secret-use"
                findings.append(Finding(ID, rule, Severity.ERROR, f"uses the secret {name}, which {rule_where} "
                                        "does not allow", workflow.path, line,
                                        hint="Workflows vibeops writes use no secrets."))
            else:
                used_allowed.add(name.upper())
    for match in _RUNNER_TOKENS.finditer(workflow.text):
        findings.append(Finding(ID, "token-use", Severity.ERROR, f"reads `{match.group(0)}`, the runner's own "
                                "token plumbing (OIDC or runtime)", workflow.path,
                                workflow.text.count("\n", 0, match.start()) + 1))
    if used_allowed:
        findings += _sent_out(ctx, used_allowed)
    return findings


def _sent_out(ctx, allowed: set[str]) -> list[Finding]:
    """A step that can see an allowed secret must not reach the network."""
    workflow = ctx.workflow
    scopes = [_uses_any(workflow.doc.get("env"), allowed)]
    findings = []
    for step in workflow.steps():
        job = workflow.jobs.get(step.job_id)
        sees = scopes[0] or _uses_any(job.get("env") if isinstance(job, Mapping) else None, allowed) \
            or _uses_any(step.data, allowed)
        script = step.data.get("run")
        if not sees or script is None:
            continue
        try:
            names = {c.argv[0].rsplit("/", 1)[-1] for c in parse(str(script)).commands if c.argv}
        except ShellSyntaxError:
            names = set(NETWORK)
        if names & NETWORK:
            findings.append(Finding(ID, "secret-over-network", Severity.ERROR,
                                    f"job `{step.job_id}` step {step.index + 1} can read an allowed secret and "
                                    f"reaches the network ({', '.join(sorted(names & NETWORK))})",
                                    workflow.path, step.line, hint="An allowed secret is never sent over the network."))
    return findings


def _uses_any(node, allowed: set[str]) -> bool:
    return any((context == "secrets" and (name or "").upper() in allowed)
               or (context == "github" and (name or "").lower() == "token")
               for text in _strings(node) for _, body in expressions(text) for context, name in references(body))


def _strings(node) -> list[str]:
    if isinstance(node, Mapping):
        return [text for key, value in node.items() for text in _strings(key) + _strings(value)]
    if isinstance(node, list):
        return [text for item in node for text in _strings(item)]
    return [] if node is None else [str(node)]
