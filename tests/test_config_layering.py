"""Server over repository (issue 20): every layering rule, both ways round, so no rule can change unnoticed."""

from __future__ import annotations

import pytest

from bot.repo_config import RepoConfig, layered, parse_config, with_min_permission

STRICT = parse_config("""enabled: false
zizmor: {enabled: false}
recheck: {all_pulls: false}
permissions: {max: {contents: read, id-token: none, security-events: write}}
llm: {max_rounds: 2, generator: auto, model: openai/approved}
delete_closed_branches: false
""", "server.yml")


def repo(text: str) -> RepoConfig:
    return parse_config(text, ".github/vibeops.yml")


def test_the_servers_enabled_false_survives_a_repositorys_true():
    assert layered(STRICT, repo("enabled: true")).enabled is False
    assert layered(STRICT, repo("")).enabled is False
    on = parse_config("enabled: true\n", "server.yml")
    assert layered(on, repo("enabled: false")).enabled is False  # either side turns it off
    assert layered(on, repo("enabled: true")).enabled is True


@pytest.mark.parametrize("key, attr", [("zizmor: {enabled: true}", "zizmor"),
                                       ("recheck: {all_pulls: true}", "recheck_all_pulls")])
def test_a_repositorys_true_is_kept_where_the_server_says_false(key, attr):
    assert getattr(layered(STRICT, repo(key)), attr) is True  # a check the repository asks for stays on
    assert getattr(layered(STRICT, repo("")), attr) is False  # not asked: the server's false
    required = parse_config(key, "server.yml")
    off = key.replace("true", "false")
    assert getattr(layered(required, repo(off)), attr) is True  # the server requires it: stays on


def test_a_permissions_max_scope_listed_only_by_the_server_still_binds():
    merged = layered(STRICT, repo("permissions: {max: {contents: write, issues: write}}"))
    # contents: the lower of the two; id-token and security-events: only the server names them, and a
    # scope the repository leaves out counts as read (its documented default), so the lower level wins;
    # issues: only the repository names it, and the server's unlisted default (read) caps it.
    assert merged.permissions_max == {"contents": "read", "id-token": "none", "security-events": "read",
                                      "issues": "read"}
    assert layered(STRICT, repo("")).permissions_max == {"contents": "read", "id-token": "none",
                                                          "security-events": "write"}


def test_numbers_generators_and_models_take_the_servers_bound():
    assert layered(STRICT, repo("llm: {max_rounds: 1}")).llm_max_rounds == 1
    assert layered(STRICT, repo("llm: {max_rounds: 5}")).llm_max_rounds == 2
    assert layered(STRICT, repo("llm: {generator: recipe}")).llm_generator == "recipe"
    assert layered(STRICT, repo("llm: {generator: llm}")).llm_generator == "auto"
    assert layered(STRICT, repo("llm: {model: openai/mine}")).llm_model == "openai/approved"


def test_keys_the_server_leaves_out_are_the_repositorys_and_neutral_keys_stay_the_repositorys():
    merged = layered(STRICT, repo("delete_closed_branches: true\nlabels: [mine]\ndraft: true\n"))
    assert merged.delete_closed_branches is True  # a neutral key: the repository chooses
    assert merged.labels == ("mine",) and merged.draft is True  # not set by the server at all
    assert layered(STRICT, repo("")).delete_closed_branches is False
    # Grant lists the server does not set are not intersected with its defaults.
    assert layered(STRICT, repo("trigger: {users: [alice]}\nsecrets: {allow: [TOKEN]}\n")).users == ("alice",)
    assert layered(STRICT, repo("secrets: {allow: [TOKEN]}\n")).secrets_allow == ("TOKEN",)


def test_the_merge_keeps_the_repositorys_provenance_and_the_server_as_limits():
    mine = repo("enabled: true\nlabels: [mine]\n")
    merged = layered(STRICT, mine)
    assert merged.limits is STRICT and merged.explicit == mine.explicit and merged.source == ".github/vibeops.yml"
    assert merged.where("enabled") == "`enabled` (.github/vibeops.yml:1)"
    assert layered(None, mine) is mine


def test_the_lowest_role_is_the_stricter_of_server_and_environment():
    server = parse_config("trigger: {min_permission: maintain}\n", "server.yml")
    assert with_min_permission(server, "write", "env").min_permission == "maintain"
    assert with_min_permission(server, "admin", "env").min_permission == "admin"
    assert with_min_permission(None, "triage", "env").min_permission == "triage"
    assert with_min_permission(STRICT, "read", "env").min_permission == "read"  # the server sets none
    assert with_min_permission(None, "read", "env").where("trigger.min_permission") == "`trigger.min_permission` (env)"
