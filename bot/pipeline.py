"""One request end to end: parse, resolve, generate (recipe or model), validate, preview, publish."""

from __future__ import annotations

import contextvars
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from bot.catalog import Catalog
from bot.forge import Forge, ForgeError, ForgeUnavailable
from bot.intent import IntentError, resolve_intent
from bot.recipes import Draft, gate_problem, gate_source_from_environment, render
from bot.render.markdown import inert, pr_body
from bot.repotree import RepoTree, normalize
from bot.report import ERROR, OPENED, REJECTED, Report
from bot.repo_config import CONFIG_PATHS, ConfigError, RepoConfig, layered, parse_config
from bot.request import MODEL_HELP, RequestError, parse_request, read, understood
from bot.validation import run_preview, validate


@dataclass(frozen=True)
class Services:
    """The adapters a run needs, passed in so tests and the GitHub App choose their own."""

    forge: Forge
    tools: object  # bot.adapters.tools.Tools or anything with the same methods
    catalog: Catalog
    llm: object | None = None  # bot.adapters.llm.LiteLLM; None means recipes only
    max_rounds: int = 3
    server_config: RepoConfig | None = None  # the server's limits on every repository's config
    config: RepoConfig | None = None  # the repository's effective config, set per request
    # Where the vibeops gate installs vibeops from: a Git URL pinned to a commit (server setting).
    gate_source: str | None = field(default_factory=gate_source_from_environment)
    marker_key: bytes | None = None  # signs the PR body's request marker (bot.render.markdown.marker_key)


def branch_for(prefix: str, slug: str, intent) -> str:
    """`prefix` + slug + a short hash of the normalised targets: `k8s/api.yaml` and `k8s-api.yaml` share a
    slug but never a branch, so one request cannot rewrite another's pull request."""
    targets = sorted({normalize(t) for t in (intent.targets if intent else ())})
    identity = json.dumps([slug, getattr(intent, "tool", None), targets])
    return f"{prefix}{slug}-{hashlib.sha256(identity.encode()).hexdigest()[:8]}"


def load_config(forge: Forge, default_branch: str, server: RepoConfig | None) -> RepoConfig:
    """The default branch's .github/vibeops.yml under the server's limits (raises ConfigError)."""
    for path in CONFIG_PATHS:
        text = forge.file_on_branch(default_branch, path)
        if text is not None:
            return layered(server, parse_config(text, path))
    return layered(server, RepoConfig())


def configured(services: Services, config: RepoConfig, generator: str | None) -> tuple[Services, str] | str:
    """Services and generator as the repository's config allows, or the reason it forbids the run."""
    if not config.enabled:
        return f"vibeops is turned off for this repository by {config.where('enabled')}"
    if "add" not in config.commands:
        return f"`add` is not an allowed command here ({config.where('commands')})"
    preferred = config.llm_generator
    chosen = generator or preferred
    if preferred == "recipe" and chosen != "recipe":  # the repository (or server) keeps models out
        return f"--generator {chosen} is not allowed here: {config.where('llm.generator')} is recipe"
    llm = services.llm
    if chosen == "recipe":
        llm = None
    if llm is not None and config.llm_model and hasattr(llm, "settings"):
        try:  # the server's allowlist (VIBEOPS_ALLOWED_MODELS); api_base and key stay the server's
            llm = type(llm)(llm.settings.for_repository(config.llm_model))
        except ValueError as exc:  # bot.adapters.llm.ModelNotAllowed
            return f"{config.where('llm.model')} asks for a model this server does not allow: {exc}"
    rounds = min(services.max_rounds, config.llm_max_rounds) if "llm.max_rounds" in config.explicit \
        else services.max_rounds
    return replace(services, llm=llm, max_rounds=rounds, config=config), chosen


def run_request(text: str, services: Services, base: str | None = None, overwrite: bool = False,
                comment_url: str | None = None, generator: str | None = None,
                config: RepoConfig | None = None) -> Report:
    """`generator` None follows the repository's config (llm.generator, default auto)."""
    report = Report(status=ERROR, message="", request=" ".join(text.split()))
    try:
        default_branch = services.forge.default_branch()
        # Read from the default branch whatever --base says: a branch cannot loosen its own rules.
        config = config or load_config(services.forge, default_branch, services.server_config)
    except ConfigError as exc:
        return report.but(message=f"the repository's vibeops config is invalid: {exc}. Nothing was done.")
    except ForgeError as exc:
        return report.but(message=str(exc))
    outcome = configured(services, config, generator)
    if isinstance(outcome, str):
        return report.but(message=outcome)
    services, generator = outcome
    if generator == "llm" and services.llm is None:
        return report.but(message="--generator llm needs a model. " + MODEL_HELP)
    try:
        request = parse_request(text, free_form=services.llm is not None and generator != "recipe")
    except RequestError as exc:
        return report.but(message=str(exc), understood=refused(exc, text))
    understanding = None
    if request.unmapped and services.llm is not None:
        # The model understands first (a typed request, validated); a recipe then writes when it can.
        from bot.adapters.llm import LLMError
        from bot.model_request import understand

        try:
            request, understanding = understand(request, services.llm)
        except RequestError as exc:
            return report.but(message=str(exc), understood=refused(exc, text))
        except LLMError as exc:
            return report.but(message=f"the model failed ({exc}); nothing was written")
    report = report.but(understood=understood(request), llm=_understanding_llm(understanding))
    if request.tool == "vibeops" and gate_problem(services.gate_source):
        return report.but(message=gate_problem(services.gate_source))
    # A recipe only when it covers the whole request; anything it would ignore goes to the model.
    use_model = generator == "llm" or not request.recipe or bool(request.details)
    if use_model and services.llm is None:
        return report.but(message=f"vibeops did not understand all of the request ({request.details!r}). "
                                  + MODEL_HELP)
    if not request.fail_on_given and config.fail_on is not None:
        request = replace(request, fail_on=config.fail_on,
                          notes=request.notes + (f"fails on {', '.join(config.fail_on) or 'nothing'}: "
                                                 f"{config.where('scan.fail_on')}",))
        report = report.but(understood=understood(request))
    try:
        base = base or default_branch
        with services.forge.snapshot(base) as snapshot:
            report = report.but(base=base)
            try:
                intent = resolve_intent(request, snapshot.tree, config)
            except IntentError as exc:
                return report.but(message=str(exc) + _not_on_branch(request, snapshot.tree, services.forge, base))
            if use_model:
                from bot.model_generation import generate

                report = generate(report, intent, snapshot.tree, base, services)
                report = report.but(llm=_with_understanding(report.llm, understanding))
                if report.draft is not None:
                    clash = _overwrite_problem(report.draft, snapshot.tree, overwrite)
                    if clash:
                        return report.but(status=ERROR, message=clash)
            else:
                report = _from_recipe(report, intent, snapshot.tree, base, services, overwrite)
            if report.status != OPENED:
                return report
            draft = report.draft
            branch = branch_for(config.branch_prefix, draft.slug, report.intent)
            if hasattr(services.forge, "fresh_branch"):  # forges with pull requests
                branch = services.forge.fresh_branch(branch)
            body = pr_body(report.but(pr_title=draft.title, branch=branch), comment_url, key=services.marker_key)
            published = services.forge.publish(branch, snapshot.commit, draft.path, draft.text,
                                               f"{draft.title}\n\n{_commit_summary(report)}")
    except ForgeUnavailable:
        raise  # not the user's fault: the job runs again later
    except ForgeError as exc:
        return report.but(status=ERROR, message=str(exc))
    verb = "created" if published.created else ("updated" if published.changed else "already up to date on")
    return report.but(branch=published.branch, commit=published.commit, pr_title=draft.title, pr_body=body,
                      branch_created=published.created, branch_changed=published.changed,
                      message=f"{verb} branch {published.branch} with {draft.path}")


def refused(exc: RequestError, text: str) -> dict:
    """The JSON `understood` of a refused request: every clause as read, the ones at fault marked, and why."""
    try:
        rows = understood(read(text))["clauses"]
    except RequestError:
        rows = []
    at_fault = set(exc.clauses)
    why = "refused" if "I can't do" in str(exc) else ""
    rows = [dict(r, workflow="not done", ok=False, value=r["value"] or why) if r["clause"] in at_fault else r
            for r in rows]
    seen = {r["clause"] for r in rows}
    rows += [{"clause": c, "field": "not-understood", "value": why, "workflow": "not done", "line": None, "ok": False}
             for c in exc.clauses if c not in seen]
    return {"request": None, "refused": str(exc), "choices": list(exc.choices), "clauses": rows}


def _understanding_llm(usage: dict | None) -> dict | None:
    """The `llm` section when the model only read the request (a recipe wrote the workflow)."""
    if usage is None:
        return None
    return {"outcome": "understood", "models": usage["models"], "calls": usage["calls"],
            "prompt_tokens": usage["prompt_tokens"], "completion_tokens": usage["completion_tokens"],
            "cost": usage["cost"], "rounds": [], "understand": usage}


def _with_understanding(llm: dict | None, usage: dict | None) -> dict | None:
    """Both paths' tokens: reading the request, then writing the YAML."""
    if usage is None or llm is None:
        return llm
    total = dict(llm)
    for key in ("calls", "prompt_tokens", "completion_tokens"):
        total[key] = llm[key] + usage[key]
    total["cost"] = round(llm["cost"] + usage["cost"], 6)
    total["models"] = list(dict.fromkeys(usage["models"] + llm["models"]))
    total["understand"] = usage
    return total


def _from_recipe(report: Report, intent, tree: RepoTree, base: str, services: Services, overwrite: bool) -> Report:
    # A trivy preview is the slowest part and needs only the intent: start it first.
    # (actionlint's preview lints the draft too, so it runs once the draft exists.)
    with ThreadPoolExecutor(max_workers=1) as pool:
        early = intent.tool in ("trivy", "checkov", "hadolint", "yamllint") and services.config.preview
        # With this thread's context, so the job's deadline (bot.deadline) cuts the preview's tools short too.
        preview = pool.submit(contextvars.copy_context().run, run_preview, intent, tree, services.tools) \
            if early else None
        draft = render(intent, tree, base, services.catalog, services.config.workflow_dir, services.gate_source)
        clash = _overwrite_problem(draft, tree, overwrite)
        if clash:
            if preview is not None:
                preview.cancel()
            return report.but(intent=intent, draft=draft, message=clash)
        return validate(report.but(intent=intent, draft=draft), tree, services, preview)


def _not_on_branch(request, tree: RepoTree, forge, base: str) -> str:
    """Why a path the user can see is missing: it is in their working tree but not committed on `base`."""
    present = getattr(forge, "in_working_tree", None)
    if present is None:
        return ""
    missing = [p for p in request.paths if not tree.exists(normalize(p)) and present(p)]
    if not missing:
        return ""
    listed = ", ".join(f"`{p}`" for p in missing)
    return (f"\n{listed} {'is' if len(missing) == 1 else 'are'} in your working tree but not committed on "
            f"`{base}`, the branch vibeops reads: commit {'it' if len(missing) == 1 else 'them'} there, or pass "
            "--base with a branch that has it.")


def _overwrite_problem(draft: Draft, tree: RepoTree, overwrite: bool) -> str | None:
    if not tree.is_file(draft.path) or overwrite:
        return None
    return (f"{draft.path} already exists on the default branch; vibeops never replaces a workflow "
            "silently. Remove or rename it, or run again with --overwrite.")


def _commit_summary(report: Report) -> str:
    scope = report.scope
    lines = [f"Requested: {inert(report.request)}",  # a commit message can close issues and ping people too
             f"Scope: {scope.verdict} ({len(scope.scanned)} file(s): {', '.join(scope.scanned)})"]
    lines += [f"Check {c.check_id}: {'pass' if c.ok else 'fail'}" for c in report.checks]
    return "\n".join(lines) + "\n"


def revise_pull_request(marker: dict, change_text: str, branch: str, services: Services,
                        config: RepoConfig, people_commits: tuple[dict, ...] = ()) -> Report:
    """A follow-up on a vibeops pull request: edit its workflow in place on the branch, re-check the scope.

    A revision is judged by what it changes: blocking findings the workflow on the branch already had
    (people's commits there, `people_commits`) are reported with those commits and stay on the red check
    run, but do not stop the requested change; only findings the revision itself brings in do.
    """
    from bot.recipes import recipe_name
    from bot.revision import RevisionError, describe_change, finding_key, parse_change, revise, updated_request

    report = Report(status=ERROR, message="", request=" ".join(change_text.split()))
    try:
        change = parse_change(change_text)
        before = parse_request(marker["request"], free_form=services.llm is not None)
        for earlier in marker.get("changes") or []:
            before = updated_request(before, parse_change(earlier))
    except RequestError as exc:
        return report.but(message=str(exc))
    after = updated_request(before, change)
    services = replace(services, config=config)
    path = marker.get("workflow")
    try:
        default_branch = services.forge.default_branch()
        current = services.forge.file_on_branch(branch, path) if path else None
        if current is None:
            return report.but(message=f"the workflow {path or '(unknown)'} is no longer on {branch}; "
                                      "ask for a new workflow instead")
        with services.forge.snapshot(default_branch) as snapshot:
            try:
                old_intent = resolve_intent(before, snapshot.tree, config)
                new_intent = resolve_intent(after, snapshot.tree, config)
                text = revise(current, old_intent, new_intent, snapshot.tree, services.catalog)
            except (IntentError, RevisionError) as exc:
                return report.but(message=str(exc))
            draft = Draft(path=path, text=text, generator=f"recipe:{recipe_name(new_intent)}",
                          slug=branch.removeprefix(config.branch_prefix), title="")
            described = describe_change(old_intent, new_intent)
            report = validate(report.but(request=after.text, intent=new_intent, draft=draft, base=default_branch),
                              snapshot.tree, services).but(changed=described)
            if report.status == REJECTED:
                # What the branch already had before this change: not this revision's doing.
                quiet = replace(services, config=replace(config, preview=False))
                before_report = validate(report.but(intent=old_intent, draft=replace(draft, text=current)),
                                         snapshot.tree, quiet)
                already = {finding_key(f) for f in before_report.blocking}
                new = [f for f in report.blocking if finding_key(f) not in already]
                if new:
                    return report.but(message=(
                        f"the revised workflow did not pass its checks ({len(new)} new blocking finding(s); first: "
                        f"{new[0].check_id}/{new[0].rule}: {new[0].message}); the branch is unchanged"))
                report = report.but(status=OPENED, inherited=report.blocking, inherited_from=tuple(people_commits))
            if report.status != OPENED:
                return report
            body = pr_body(report.but(pr_title=draft.title, branch=branch), key=services.marker_key)
            # On the branch head: a human's commits stay, ours goes on top (never a force-push).
            subject = f"vibeops: {inert(described or change.text)}"
            published = services.forge.publish(branch, snapshot.commit, path, text, subject)
    except ForgeUnavailable:
        raise
    except ForgeError as exc:
        return report.but(status=ERROR, message=str(exc))
    if published.changed:
        message = f"revised {path} on {branch}: {described or change.text}"
    else:
        message = f"nothing changed on {branch}: {path} already does that ({change.text})"
    return report.but(branch=branch, commit=published.commit, pr_body=body, branch_changed=published.changed,
                      message=message)
