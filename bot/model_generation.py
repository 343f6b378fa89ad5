"""Have a model write the workflow: validate each draft, feed findings back, stop after N rounds."""

from __future__ import annotations

from bot.adapters.llm import LLMError, Usage
from bot.intent import Intent
from bot.llm_prompt import ReplyError, build_messages, extract_workflow, format_problem, repair_message
from bot.recipes import Draft, slug_for, title_for, workflow_path
from bot.repotree import RepoTree
from bot.report import ERROR, OPENED, REJECTED, Report
from bot.validation import validate


def generate(report: Report, intent: Intent, tree: RepoTree, base: str, services) -> Report:
    """OPENED with the passing draft, REJECTED after the last round, ERROR when no model answered."""
    slug = slug_for(intent)
    config = getattr(services, "config", None)
    path = workflow_path(slug, config.workflow_dir) if config else workflow_path(slug)
    messages = build_messages(intent, tree, services.catalog, path, base, _context(config, tree))
    usage, rounds = Usage(), []
    checked: Report | None = None
    max_rounds = max(1, services.max_rounds)
    for number in range(1, max_rounds + 1):
        try:
            completion = services.llm.complete(messages)
        except LLMError as exc:
            return report.but(status=ERROR, intent=intent, llm=_summary(usage, rounds, "error"),
                              message=f"the model failed ({exc}); nothing was written")
        usage.add(completion)
        messages = messages + [{"role": "assistant", "content": completion.text}]
        try:
            text = extract_workflow(completion.text)
        except ReplyError as exc:
            rounds.append({"round": number, "model": completion.model, "passed": False, "problems": [str(exc)]})
            messages.append(format_problem(str(exc)))
            continue
        draft = Draft(path=path, text=text, generator=f"llm:{completion.model}", slug=slug, title=title_for(intent))
        checked = validate(report.but(intent=intent, draft=draft), tree, services)
        rounds.append({"round": number, "model": completion.model, "passed": checked.status == OPENED,
                       "problems": [f"{f.check_id}/{f.rule}: {f.message}" for f in checked.blocking]})
        if checked.status == OPENED:
            return checked.but(llm=_summary(usage, rounds, "passed"))
        messages.append(repair_message(checked.blocking, checked.scope))
    final = checked or report.but(intent=intent)
    return final.but(status=REJECTED, llm=_summary(usage, rounds, "rejected"), message=(
        f"the model's workflow still failed its checks after {len(rounds)} round(s); nothing was written. "
        f"Last problems: {'; '.join(rounds[-1]['problems'][:3])}"))


def _context(config, tree: RepoTree) -> str | None:
    """The config's `context`: a path to a file in the repository, or the guidance text itself."""
    if config is None or not config.context:
        return None
    return tree.read_text(config.context.strip()) or config.context


def _summary(usage: Usage, rounds: list[dict], outcome: str) -> dict:
    return {"outcome": outcome, "models": usage.models, "calls": usage.calls,
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "cost": round(usage.cost, 6), "rounds": rounds}
