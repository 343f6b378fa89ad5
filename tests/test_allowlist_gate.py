"""The gate's install source: `pipx run --spec` may name a Git URL only when the server vouches for that one."""

from __future__ import annotations

from bot.catalog import default_catalog
from bot.checks import CheckContext, guardrails
from bot.scope.verdict import compare
from bot.workflow import Workflow
from tests.test_allowlist import TREE, draft, rules, run

SOURCE = "git+https://github.com/example-org/vibeops@" + "0123456789abcdef" * 2 + "01234567"


def check(text: str, gate_source: str | None) -> set[str]:
    workflow = Workflow.parse(".github/workflows/gate.yml", text)
    ctx = CheckContext(workflow, TREE, compare(None, ()), None, generated=True, catalog=default_catalog(),
                       gate_source=gate_source)
    return rules(guardrails.run(ctx))


def test_the_servers_gate_source_may_be_run_and_only_for_vibeops():
    gate = draft(run(f'pipx run --spec "{SOURCE}" vibeops check --all --repo . --format github'))
    assert check(gate, SOURCE) == set()
    assert "package-install" in check(gate, None)  # no source set: a Git URL is installing from anywhere
    other = SOURCE.replace("example-org", "attacker")
    assert "package-install" in check(draft(run(f'pipx run --spec "{other}" vibeops check --all')), SOURCE)
    assert "command-not-allowed" in check(draft(run(f'pipx run --spec "{SOURCE}" bash -c id')), SOURCE)
    spliced = draft(run('pipx run --spec "$SPEC" vibeops check --all', extra=f"env:\n          SPEC: {SOURCE}\n        "))
    assert check(spliced, SOURCE)  # only the literal spec is vouched for
