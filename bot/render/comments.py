"""The replies the App posts on issues and pull requests: short, specific, saying what to do next."""

from __future__ import annotations

from bot.render.markdown import code, inert
from bot.report import OPENED, REJECTED, Report
from bot.request import GRAMMAR_HELP

EXAMPLE = "/vibeops add trivy scan for k8s-manifests/api.yaml"


def opened(report: Report, number: int, url: str, created: bool, changed: bool) -> str:
    verb = "Opened" if created else ("Updated" if changed else "Nothing changed in")
    scope = report.scope
    preview = report.preview
    lines = [
        f"{verb} #{number}: **{inert(report.pr_title or '')}** ({url})",
        "",
        f"- scope: `{scope.verdict}`: scans exactly {', '.join(f'`{p}`' for p in scope.requested)}",
        f"- checks: {', '.join(f'`{c.check_id}` passed' for c in report.checks)}",
    ]
    if preview is not None and preview.error is None and preview.tool == "trivy":
        lines.append(f"- preview: {preview.failing} finding(s) would fail the build today "
                     f"(fail on {', '.join(preview.fail_on) or 'nothing'})")
    return "\n".join(lines)


def revised(report: Report) -> str:
    """A revision's reply: what changed on the branch (or that nothing did), the scope, the checks, and the
    findings people's commits on the branch already had."""
    scope = report.scope
    if report.branch_changed:
        head = (f"Revised `{report.draft.path}`: {inert(report.changed or report.message.split(': ', 1)[-1])}; "
                f"commit `{(report.commit or '')[:12]}` on `{inert(report.branch or '')}`.")
    else:
        head = (f"Nothing changed on `{inert(report.branch or '')}`: `{report.draft.path}` already does that "
                f"({inert(report.request.rsplit('; then: ', 1)[-1])}).")
    inherited = {(f.check_id, f.rule) for f in report.inherited}
    passed = [c.check_id for c in report.checks if c.ok or {(f.check_id, f.rule) for f in c.findings} <= inherited]
    lines = [head, "", f"- scope: `{scope.verdict}`: requested " + ", ".join(f"`{p}`" for p in scope.requested),
             f"- checks: {', '.join(f'`{c}` passed' for c in passed) or 'none passed'}"]
    if report.inherited:
        commits = ", ".join(f"`{c.get('sha', '')[:12]}` by {inert(str(c.get('author') or 'someone'))}"
                            for c in report.inherited_from) or "commits on the branch"
        lines += ["", f"The branch already had {len(report.inherited)} blocking finding(s) before this change, "
                      f"from people's commits ({commits}). They are not this revision's; the `vibeops` check "
                      "run stays red until they are fixed:"]
        lines += [f"- `{f.check_id}/{f.rule}` at `{f.location()}`: {inert(f.message)}" for f in report.inherited[:10]]
    return "\n".join(lines)


def revision_failed(report: Report) -> str:
    """A revision that could not be made: the branch is as it was."""
    if report.status == REJECTED:
        findings = "\n".join(f"- `{f.check_id}/{f.rule}` at `{f.location()}`: {f.message}"
                             for f in report.blocking[:10])
        return (f"I could not make that change: {inert(report.message)}.\n\n{inert(findings)}\n\n"
                "The branch is unchanged.")
    return (f"I could not make that change: {inert(report.message)}\n\nThe branch is unchanged. Comment "
            "`/vibeops help` for the follow-ups I understand.")


def failed(report: Report) -> str:
    if report.status == REJECTED:
        findings = "\n".join(f"- `{f.check_id}/{f.rule}` at `{f.location()}`: {f.message}"
                             + (f" ({f.hint})" if f.hint else "") for f in report.blocking[:10])
        return ("I generated a workflow, but it did not pass its checks, so I opened nothing.\n\n"
                f"{inert(findings)}\n\nNothing was written to the repository. If the request itself is what "
                "you want, this is a vibeops bug: please report it with this comment's link.")
    assert report.status != OPENED
    return (f"I could not do that: {inert(report.message)}\n\nNothing was written. Example: `{EXAMPLE}`. "
            "Comment `/vibeops help` for everything I understand.")


def not_allowed(author: str, repo: str, role: str, minimum: str, rule: str = "") -> str:
    return (f"Sorry @{author}, vibeops only runs for people with **{minimum}** access or higher to "
            f"{repo} (you have **{role}**)" + (f"; set by {rule}" if rule else "")
            + ". A maintainer can run the command for you.")


def bad_config(error: str) -> str:
    return (f"This repository's vibeops config is invalid, so I did nothing:\n\n{code(error)}\n\n"
            "Fix it on the default branch (`vibeops config validate` checks it locally).")


def refused(reason: str) -> str:
    return f"{reason} Nothing was done."


def crashed(error: str) -> str:
    return (f"Something went wrong on vibeops' side ({inert(error)}); nothing was written. "
            "Please try again in a few minutes; if it keeps failing, report it with this comment's link.")


def abandoned(attempts: int) -> str:
    return (f"The worker handling this request stopped before finishing, {attempts} times (a crash or running out "
            "of memory), so vibeops gave up on it. If a vibeops branch or pull request for it appeared, it may be "
            "incomplete. Comment the request again to retry; if it keeps happening, report it with this comment's "
            "link.")


def timed_out(seconds: float) -> str:
    return (f"vibeops stopped working on this request: it took longer than the server's limit of {seconds:g} s "
            "per job, so nothing more will be written for it. A smaller request (one file or folder) may fit; "
            "if it keeps happening, report it with this comment's link.")


def help_text() -> str:
    return ("**vibeops** writes a CI workflow for you, checks it, and opens a pull request.\n\n"
            f"{GRAMMAR_HELP}\n\nOptions: `fail on HIGH,CRITICAL`, `report only`, `only on pull requests`, "
            "`nightly`, `upload to code scanning`.")
