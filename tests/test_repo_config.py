"""`.github/vibeops.yml`: every key, errors with key and line, server limits, read from the default branch."""

from __future__ import annotations

import json

import pytest

from bot.repo_config import ConfigError, RepoConfig, layered, parse_config, with_min_permission
from tests.conftest import git, make_repo, vibeops, vibeops_json

SEED = "add trivy scan for k8s-manifests/api.yaml"


# --- the file ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, key, line, words", [
    ("enabled: yes please\n", "enabled", 1, "must be a boolean"),
    ("commands: [add, deploy]\n", "commands", 1, "'deploy' is not one of"),
    ("trigger:\n  min_permission: owner\n", "trigger.min_permission", 2, "not one of read, triage"),
    ("trigger:\n  teams: [platform]\n", "trigger.teams", 2, "does not match"),
    ("paths:\n  allow: k8s/**\n", "paths.allow", 2, "must be an array"),
    ("run:\n  deny: ['(unclosed']\n", "run.deny", 2, "not a regular expression"),
    ("secrets:\n  allow: [bad-name]\n", "secrets.allow", 2, "does not match"),
    ("permissions:\n  max:\n    contents: admin\n", "permissions.max.contents", 3, "not one of none, read, write"),
    ("workflow_dir: ci/\n", "workflow_dir", 1, "does not match"),
    ("branch_prefix: bots\n", "branch_prefix", 1, "does not match"),
    ("llm:\n  max_rounds: 0\n", "llm.max_rounds", 2, "out of range"),
    ("llm:\n  generator: magic\n", "llm.generator", 2, "not one of auto, recipe, llm"),
    ("scan:\n  fail_on: [SEVERE]\n", "scan.fail_on", 2, "not one of"),
    ("draft: 1\n", "draft", 1, "must be a boolean"),
    ("zizmor:\n  enabled: true\n  strict: true\n", "zizmor.strict", 3, "unknown key"),
    ("labels: [a]\nlabls: [b]\n", "labls", 2, "unknown key"),
    ("paths:\n  deny: [\n", "(file)", 3, "not valid YAML"),  # YAML notices at the end
])
def test_invalid_config_names_the_key_and_line(text, key, line, words):
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert (caught.value.key, caught.value.line) == (key, line)
    assert f".github/vibeops.yml:{line}: `{key}`" in str(caught.value) and words in str(caught.value)


def test_every_key_parses():
    config = parse_config("""enabled: true
commands: [add]
trigger: {min_permission: maintain, users: [alice], teams: [acme/platform]}
paths: {allow: ['k8s-manifests/**'], deny: [k8s-manifests/db.yaml]}
actions: {allow: ['actions/*', 'aquasecurity/*']}
run: {deny: ['docker\\s+push']}
secrets: {allow: [SLACK_WEBHOOK]}
permissions: {max: {contents: read, security-events: write}}
workflow_dir: .github/workflows
branch_prefix: ci/
labels: [ci, security]
reviewers: [alice]
draft: true
llm: {model: openai/gpt-4o-mini, max_rounds: 2, generator: recipe}
context: docs/ci-guidance.md
scan: {fail_on: [MEDIUM, HIGH, CRITICAL]}
preview: false
zizmor: {enabled: false}
""")
    assert config == RepoConfig(
        enabled=True, commands=("add",), min_permission="maintain", users=("alice",), teams=("acme/platform",),
        paths_allow=("k8s-manifests/**",), paths_deny=("k8s-manifests/db.yaml",),
        actions_allow=("actions/*", "aquasecurity/*"), run_deny=("docker\\s+push",), secrets_allow=("SLACK_WEBHOOK",),
        permissions_max={"contents": "read", "security-events": "write"}, workflow_dir=".github/workflows",
        branch_prefix="ci/", labels=("ci", "security"), reviewers=("alice",), draft=True,
        llm_model="openai/gpt-4o-mini", llm_max_rounds=2, llm_generator="recipe", context="docs/ci-guidance.md",
        fail_on=("MEDIUM", "HIGH", "CRITICAL"), preview=False, zizmor=False, source=".github/vibeops.yml",
        explicit=config.explicit)
    assert len(config.explicit) == 23 and config.lines["paths.deny"] == 4
    assert config.where("paths.deny") == "`paths.deny` (.github/vibeops.yml:4)"
    assert config.path_allowed("k8s-manifests/api.yaml") is None
    assert config.path_allowed("k8s-manifests/db.yaml") == "`paths.deny` (.github/vibeops.yml:4)"
    assert config.path_allowed("api/Dockerfile") == "`paths.allow` (.github/vibeops.yml:4)"
    assert config.action_allowed("actions/checkout") and not config.action_allowed("hadolint/hadolint-action")


# --- layering: defaults < server < repository, the server's settings are limits ----------------------


SERVER = parse_config("""enabled: true
commands: [add, help]
trigger: {min_permission: maintain, users: [alice, bob]}
paths: {allow: ['k8s-manifests/**', 'api/**'], deny: ['**/secret*']}
actions: {allow: ['actions/*', 'aquasecurity/*']}
run: {deny: ['docker\\s+push']}
secrets: {allow: [SLACK_WEBHOOK]}
permissions: {max: {security-events: write}}
llm: {model: openai/approved, max_rounds: 2, generator: auto}
zizmor: {enabled: true}
labels: [server-label]
""", "server.yml")


@pytest.mark.parametrize("repo_text, check", [
    ("trigger: {min_permission: write}", lambda c: c.min_permission == "maintain"),  # can only raise
    ("trigger: {min_permission: admin}", lambda c: c.min_permission == "admin"),
    ("trigger: {users: [bob, mallory]}", lambda c: c.users == ("bob",)),
    ("secrets: {allow: [SLACK_WEBHOOK, AWS_KEY]}", lambda c: c.secrets_allow == ("SLACK_WEBHOOK",)),
    ("commands: [add]", lambda c: c.commands == ("add",)),
    ("run: {deny: ['kubectl\\s+apply']}", lambda c: set(c.run_deny) == {"kubectl\\s+apply", "docker\\s+push"}),
    ("paths: {deny: ['api/**']}", lambda c: c.path_allowed("api/Dockerfile") == "`paths.deny` (.github/vibeops.yml:1)"
                                            and "server.yml" in c.path_allowed("k8s-manifests/secret.yaml")),
    ("paths: {allow: ['**']}", lambda c: c.path_allowed("web/Dockerfile") == "`paths.allow` (server.yml:4)"),
    ("actions: {allow: ['*/*']}", lambda c: not c.action_allowed("hadolint/hadolint-action")),
    ("permissions: {max: {security-events: write, contents: write}}",
     lambda c: c.permissions_max == {"security-events": "write", "contents": "read"}),
    ("llm: {max_rounds: 9}", lambda c: c.llm_max_rounds == 2),
    ("llm: {generator: llm}", lambda c: c.llm_generator == "auto"),
    ("llm: {generator: recipe}", lambda c: c.llm_generator == "recipe"),
    ("llm: {model: openai/other}", lambda c: c.llm_model == "openai/approved"),
    ("enabled: false", lambda c: not c.enabled),
    ("zizmor: {enabled: false}", lambda c: c.zizmor),  # cannot switch off a check the server requires
    ("labels: [repo-label]", lambda c: c.labels == ("repo-label",)),  # neutral: the repository chooses
    ("", lambda c: c.labels == ("server-label",) and c.min_permission == "maintain"),
])
def test_a_repository_can_tighten_but_never_loosen_the_server(repo_text, check):
    assert check(layered(SERVER, parse_config(repo_text)))


def test_min_permission_from_the_environment_joins_the_server_limits():
    limits = with_min_permission(SERVER, "admin", "VIBEOPS_MIN_PERMISSION")
    assert limits.min_permission == "admin" and limits.secrets_allow == ("SLACK_WEBHOOK",)
    assert with_min_permission(None, "triage", "env").min_permission == "triage"


# --- the command line ---------------------------------------------------------------------------------


def test_config_schema_and_validate(tmp_path):
    result = vibeops("config", "schema")
    schema = json.loads(result.stdout)
    assert result.returncode == 0 and schema["additionalProperties"] is False
    assert {"enabled", "trigger", "paths", "actions", "run", "secrets", "permissions", "llm", "scan"} <= set(
        schema["properties"])
    good = tmp_path / "good.yml"
    good.write_text("paths:\n  deny: [secrets/**]\n")
    ok = vibeops("config", "validate", str(good))
    assert ok.returncode == 0 and "valid (1 setting(s): paths.deny)" in ok.stdout
    bad = tmp_path / "bad.yml"
    bad.write_text("paths:\n  deny: secrets/**\n")
    refused = vibeops("config", "validate", str(bad))
    assert refused.returncode == 1 and f"{bad}:2: `paths.deny`: must be an array" in refused.stderr
    assert vibeops("config", "validate", str(tmp_path / "missing.yml")).returncode == 2
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github/vibeops.yaml").write_text("draft: true\n")
    assert "draft" in vibeops("config", "validate", cwd=tmp_path).stdout


# --- vibeops run reads the default branch's config ----------------------------------------------------------


def repo_with(tmp_path, config: str):
    return make_repo(tmp_path / "repo", files={".github/vibeops.yml": config})


@pytest.mark.parametrize("config, request_text, words", [
    ("enabled: false\n", SEED, "turned off for this repository by `enabled` (.github/vibeops.yml:1)"),
    ("commands: [help]\n", SEED, "`add` is not an allowed command here (`commands` (.github/vibeops.yml:1))"),
    ("paths:\n  deny: [k8s-manifests/api.yaml]\n", SEED, "denied by `paths.deny` (.github/vibeops.yml:2)"),
    ("paths:\n  allow: [api/**]\n", SEED, "denied by `paths.allow` (.github/vibeops.yml:2)"),
    ("labels: oops\n", SEED, "invalid: .github/vibeops.yml:1: `labels`: must be an array"),
])
def test_config_refusals_name_the_key_and_change_nothing(tmp_path, config, request_text, words):
    repo = repo_with(tmp_path, config)
    code, report = vibeops_json("run", request_text, "--repo", str(repo))
    assert code == 2 and words in report["message"]
    assert git(repo, "branch", "--list", "vibeops/*") == ""


@pytest.mark.parametrize("config, rule, words", [
    ("actions:\n  allow: ['actions/*']\n", "guardrails/action-not-allowed", "`actions.allow` (.github/vibeops.yml:2)"),
    ("permissions:\n  max:\n    security-events: read\n", "guardrails/permissions-above-max",
     "`permissions.max` (.github/vibeops.yml:2)"),
])
def test_guardrail_keys_reject_a_recipe_that_would_break_them(tmp_path, config, rule, words):
    repo = repo_with(tmp_path, config)
    code, report = vibeops_json("run", SEED + " upload to code scanning", "--repo", str(repo))
    assert code == 1 and report["status"] == "rejected"
    findings = [f for c in report["checks"] for f in c["findings"] if f"{f['check_id']}/{f['rule']}" == rule]
    assert findings and words in findings[0]["message"]


def test_layout_and_default_keys_shape_what_is_written(tmp_path):
    repo = repo_with(tmp_path, "branch_prefix: ci/\nworkflow_dir: .github/workflows\nscan:\n  fail_on: [MEDIUM]\n"
                               "preview: false\n")
    code, report = vibeops_json("run", SEED, "--repo", str(repo))
    assert code == 0, report["message"]
    assert report["branch"] == "ci/trivy-config-k8s-manifests-api-99997fb9"
    assert "severity: MEDIUM" in report["workflow_text"]
    assert report["preview"]["ran"] is False and "`preview` (.github/vibeops.yml:5)" in report["preview"]["error"]
    code, report = vibeops_json("run", SEED + " fail on critical", "--repo", str(repo))
    assert "severity: CRITICAL" in report["workflow_text"]  # the request's own words win


def test_generator_recipe_keeps_models_out(tmp_path):
    repo = repo_with(tmp_path, "llm:\n  generator: recipe\n")
    code, report = vibeops_json("run", SEED, "--repo", str(repo), "--generator", "llm",
                                env={"VIBEOPS_MODEL": "openai/x"})
    assert code == 2 and "`llm.generator` (.github/vibeops.yml:2) is recipe" in report["message"]


def test_a_branch_cannot_loosen_its_own_rules(tmp_path):
    repo = repo_with(tmp_path, "paths:\n  deny: [k8s-manifests/**]\n")
    git(repo, "checkout", "-q", "-b", "loosen")
    (repo / ".github/vibeops.yml").write_text("paths:\n  deny: []\n")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "loosen the rules")
    code, report = vibeops_json("run", SEED, "--repo", str(repo), "--base", "loosen")
    assert code == 2 and "denied by `paths.deny` (.github/vibeops.yml:2)" in report["message"]


def test_server_limits_from_the_environment(tmp_path):
    server = tmp_path / "server.yml"
    server.write_text("paths:\n  deny: ['k8s-manifests/api.yaml']\n")
    repo = repo_with(tmp_path, "paths:\n  deny: []\n")
    code, report = vibeops_json("run", SEED, "--repo", str(repo), env={"VIBEOPS_SERVER_CONFIG": str(server)})
    assert code == 2 and f"denied by `paths.deny` ({server}:2)" in report["message"]
    server.write_text("paths: [\n")
    code, report = vibeops_json("run", SEED, "--repo", str(repo), env={"VIBEOPS_SERVER_CONFIG": str(server)})
    assert code == 2 and "not valid YAML" in report["message"]


def test_zizmor_runs_unless_the_repository_switches_it_off(tmp_path, demo_repo):
    code, report = vibeops_json("run", SEED, "--repo", str(demo_repo))
    assert code == 0 and {"id": "zizmor", "ok": True, "findings": []} in report["checks"]
    repo = repo_with(tmp_path, "zizmor:\n  enabled: false\n")
    code, report = vibeops_json("run", SEED, "--repo", str(repo))
    assert code == 0 and "zizmor" not in [c["id"] for c in report["checks"]]
