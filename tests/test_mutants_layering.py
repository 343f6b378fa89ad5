"""Config layering and the config file's messages, pinned down where mutants survived (tests/mutate.py, issue 20).

Each test states a behaviour with real config text; together they fail when a rule of `layered`,
`with_min_permission`, the path/action checks or the error messages of bot/repo_config.py change.
"""

from __future__ import annotations

import pytest

from bot.repo_config import ConfigError, RepoConfig, layered, parse_config, server_limits, with_min_permission


def server(text: str) -> RepoConfig:
    return parse_config(text, "server.yml")


def repo(text: str) -> RepoConfig:
    return parse_config(text, ".github/vibeops.yml")


def error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        repo(text)
    return caught.value


# --- layering: each rule, with both sides set ----------------------------------------------------------------


def test_grant_lists_are_the_intersection_when_both_sides_set_them():
    both = layered(server("commands: [add, help]\ntrigger: {users: [alice, bob]}\nsecrets: {allow: [A, B]}\n"),
                   repo("commands: [help, revise]\ntrigger: {users: [bob, carol]}\nsecrets: {allow: [B, C]}\n"))
    assert both.commands == ("help",) and both.users == ("bob",) and both.secrets_allow == ("B",)


def test_deny_lists_are_the_union_repository_first():
    both = layered(server("paths: {deny: [secret/**]}\nrun: {deny: ['curl']}\n"),
                   repo("paths: {deny: [docs/**, secret/**]}\nrun: {deny: ['wget']}\n"))
    assert both.paths_deny == ("docs/**", "secret/**") and both.run_deny == ("wget", "curl")
    assert both.path_allowed("secret/x.yaml") and both.path_allowed("docs/a.md")


@pytest.mark.parametrize("mine, theirs, expected", [("admin", "write", "admin"), ("read", "write", "write"),
                                                     ("triage", "maintain", "maintain")])
def test_the_lowest_role_is_the_higher_of_the_two(mine, theirs, expected):
    merged = layered(server(f"trigger: {{min_permission: {theirs}}}\n"), repo(f"trigger: {{min_permission: {mine}}}\n"))
    assert merged.min_permission == expected


def test_a_key_the_server_does_not_set_is_left_alone_even_when_its_default_differs():
    merged = layered(server("draft: true\n"), repo("enabled: false\nllm: {max_rounds: 9}\n"))
    assert merged.draft is True and merged.enabled is False and merged.llm_max_rounds == 9
    assert merged.where("draft") == "`draft` (server.yml:1)" and merged.where("enabled") == "`enabled` (.github/vibeops.yml:1)"
    assert merged.where("labels") == "`labels` (default)"


# --- with_min_permission --------------------------------------------------------------------------------------


def test_the_environments_lowest_role_keeps_the_servers_settings_and_names_where_it_comes_from():
    limits = server("draft: true\ntrigger: {min_permission: triage}\n")
    folded = with_min_permission(limits, "write", "VIBEOPS_MIN_PERMISSION")
    assert folded.min_permission == "write" and folded.draft is True and folded.source == "server.yml"
    assert folded.where("trigger.min_permission") == "`trigger.min_permission` (server.yml:2)"
    assert limits.lines == {"draft": 1, "trigger.min_permission": 2}  # the server's own lines are not shared
    assert folded.lines is not limits.lines


# --- the paths and actions the bot may touch ------------------------------------------------------------------


def test_a_deny_pattern_matches_a_file_itself_and_everything_under_a_folder():
    config = repo("paths: {deny: [k8s/secret.yaml, charts, 'ops/']}\n")
    assert config.path_allowed("k8s/secret.yaml") == "`paths.deny` (.github/vibeops.yml:1)"
    assert config.path_allowed("charts/app/values.yaml") == "`paths.deny` (.github/vibeops.yml:1)"
    assert config.path_allowed("ops/run.sh") == "`paths.deny` (.github/vibeops.yml:1)"
    assert config.path_allowed("k8s/api.yaml") is None and config.path_allowed("chartsx/a") is None


def test_an_allow_pattern_names_a_file_or_a_folder_and_the_servers_allow_list_binds_too():
    config = repo("paths:\n  allow: [k8s, Dockerfile]\n")
    assert config.path_allowed("k8s/api.yaml") is None and config.path_allowed("Dockerfile") is None
    assert config.path_allowed("docs/a.md") == "`paths.allow` (.github/vibeops.yml:2)"
    limits = server("paths:\n  allow: [k8s/**]\n")
    assert layered(limits, repo("")).path_allowed("docs/a.md") == "`paths.allow` (server.yml:2)"
    assert layered(limits, repo("paths: {allow: ['**']}\n")).path_allowed("docs/a.md") == "`paths.allow` (server.yml:2)"
    assert layered(limits, repo("")).path_allowed("k8s/api.yaml") is None
    assert layered(server("paths: {deny: [k8s/**]}\n"), repo("")).path_allowed("k8s/a.yaml") == "`paths.deny` (server.yml:1)"


def test_actions_are_allowed_by_owner_and_repository_on_both_sides():
    assert repo("").action_allowed("anyone/anything@v1") is True  # no list: the whole catalog
    mine = repo("actions: {allow: ['actions/*', 'Aqua/Trivy-Action']}\n")
    # The caller passes `uses` without its ref: owner/repo[/path].
    assert mine.action_allowed("actions/checkout") and mine.action_allowed("aqua/trivy-action/sub/path")
    assert mine.action_allowed("AQUA/trivy-action") and not mine.action_allowed("docker/login-action")
    assert not mine.action_allowed("aqua/trivy-action-fork/x")
    merged = layered(server("actions: {allow: ['actions/checkout']}\n"), mine)
    assert merged.action_allowed("actions/checkout") and not merged.action_allowed("actions/setup-python")
    assert layered(server("actions: {allow: ['actions/checkout']}\n"), repo("")).action_allowed("actions/checkout")


# --- the server's file ---------------------------------------------------------------------------------------


def test_server_limits_come_from_the_named_file_or_nowhere(tmp_path):
    assert server_limits({}) is None and server_limits({"VIBEOPS_SERVER_CONFIG": ""}) is None
    path = tmp_path / "server.yml"
    path.write_text("enabled: false\n")
    limits = server_limits({"VIBEOPS_SERVER_CONFIG": str(path)})
    assert limits.enabled is False and limits.source == str(path) and "enabled" in limits.explicit
    with pytest.raises(ConfigError, match="cannot read"):
        server_limits({"VIBEOPS_SERVER_CONFIG": str(tmp_path / "absent.yml")})


# --- messages: key, line, and why ----------------------------------------------------------------------------


def test_an_empty_file_is_the_defaults_and_lists_become_tuples():
    assert repo("") == RepoConfig(source=".github/vibeops.yml")
    assert repo("# nothing\n").explicit == frozenset()
    config = repo("labels: [a, b]\npermissions: {max: {contents: read}}\n")
    assert config.labels == ("a", "b") and config.permissions_max == {"contents": "read"}
    assert config.lines == {"labels": 1, "permissions.max": 2}


@pytest.mark.parametrize("text, key, line, message", [
    ("enabled: [1]\n", "enabled", 1, "must be a boolean, not list ([1])"),
    ("commands: 3\n", "commands", 1, "must be an array, not int (3)"),
    ("enabled: {a: 1}\n", "enabled", 1, "must be a boolean, not mapping ({'a': 1})"),  # a mapping, not a key list
    ("[1]\n", "(top level)", None, "must be an object"),
    ("labels: []\ntrigger:\n  foo: 1\n", "trigger.foo", 3, "unknown key (known here: min_permission, users, teams)"),
    ("llm: {max_rounds: 11}\n", "llm.max_rounds", 1, "11 is out of range (maximum 10)"),
    ("llm: {max_rounds: 0}\n", "llm.max_rounds", 1, "0 is out of range (minimum 1)"),
    ("commands: [add, add]\n", "commands", 1, "has repeated items"),
    ("trigger: {min_permission: god}\n", "trigger.min_permission", 1, "'god' is not one of read, triage, write"),
    ("secrets: {allow: ['1x']}\n", "secrets.allow", 1, "'1x' does not match ^[A-Za-z_]"),
    ("draft: 2\nenabled: 1\n", "draft", 1, "must be a boolean, not int (2)"),  # the first in the file
    ("labels: 3\nenabled: 'x'\n", "labels", 1, "must be an array, not int (3)"),  # not the first by key or text
    ("workflow_dir: .github/workflows/../x\n", "workflow_dir", 1, "must stay inside .github/workflows"),
    ("workflow_dir: .github/workflows/./x\n", "workflow_dir", 1, "must stay inside .github/workflows"),
    ("branch_prefix: a..b/\n", "branch_prefix", 1, "is not a usable branch name prefix"),
    ("branch_prefix: .x/\n", "branch_prefix", 1, "is not a usable branch name prefix"),
    ("run: {deny: ['(']}\n", "run.deny", 1, "the regular expression '(':"),
    ("paths:\n  deny: ['a/**', '" + "a" * 5000 + "']\n", "paths.deny", 2, "the glob 'aaaa"),
])
def test_each_problem_names_its_key_line_and_reason(text, key, line, message):
    problem = error(text)
    assert (problem.key, problem.line) == (key, line)
    assert message in str(problem)
    assert str(problem).startswith(f".github/vibeops.yml:{line}: `{key}`:" if line else f".github/vibeops.yml: `{key}`:")


def test_long_values_are_cut_at_80_characters_in_messages():
    exact = "x" * 78  # repr: 80 characters, shown whole
    assert f"('{exact}')" in str(error(f"enabled: '{exact}'\n"))
    longer = "x" * 79
    message = str(error(f"enabled: '{longer}'\n"))
    assert "('" + "x" * 76 + "...)" in message and longer not in message


def test_a_usable_prefix_and_directory_pass():
    assert repo("branch_prefix: bot-x/\nworkflow_dir: .github/workflows/vibeops\n").branch_prefix == "bot-x/"


def test_the_built_in_defaults_are_the_schemas_documented_defaults():
    from bot.repo_config import schema

    props = schema()["properties"]
    config = repo("")
    assert config.enabled is props["enabled"]["default"] is True
    assert config.draft is props["draft"]["default"] is False
    assert config.preview is props["preview"]["default"] is True
    assert config.delete_closed_branches is props["delete_closed_branches"]["default"] is False
    assert config.zizmor is props["zizmor"]["properties"]["enabled"]["default"] is True
    assert config.recheck_all_pulls is props["recheck"]["properties"]["all_pulls"]["default"] is False
    assert config.llm_max_rounds == props["llm"]["properties"]["max_rounds"]["default"] == 3
    with pytest.raises(AttributeError):  # frozen: a config read once cannot be changed by whoever holds it
        config.enabled = False  # type: ignore[misc]


def test_a_config_without_limits_names_defaults_and_equality_ignores_the_limits():
    assert repo("").where("labels") == "`labels` (default)"
    assert repo("labels: [a]\n").where("labels") == "`labels` (.github/vibeops.yml:1)"
    mine = repo("draft: false\n")
    assert layered(server("draft: false\n"), mine) == mine  # the same settings, whatever bounded them
    assert repo("actions: {allow: [a/b]}\n").action_allowed("c/d") is False
