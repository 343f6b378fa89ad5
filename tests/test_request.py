"""parse_request: the request grammar, its options and the errors it gives."""

from __future__ import annotations

import pytest

from bot.request import (
    DEFAULT_FAIL_ON,
    DEFAULT_TRIGGERS,
    Request,
    RequestError,
    parse_request,
)

NIGHTLY = "0 3 * * *"
WEEKLY = "0 3 * * 1"


# --- the head: verb, tool, mode -------------------------------------------------------------


def test_minimal_trivy_request_has_defaults():
    req = parse_request("add trivy scan for k8s-manifests/api.yaml")
    assert isinstance(req, Request)
    assert req.tool == "trivy"
    assert req.mode == "config"
    assert req.scanners == ("misconfig",)
    assert req.paths == ("k8s-manifests/api.yaml",)
    assert req.fail_on == DEFAULT_FAIL_ON == ("CRITICAL", "HIGH")
    assert req.triggers == DEFAULT_TRIGGERS == ("pull_request", "push", "workflow_dispatch")
    assert req.schedule is None
    assert req.upload_sarif is False


def test_text_is_whitespace_normalised():
    req = parse_request("  add   trivy\n  scan\tfor   k8s-manifests/api.yaml  ")
    assert req.text == "add trivy scan for k8s-manifests/api.yaml"
    assert req.paths == ("k8s-manifests/api.yaml",)


@pytest.mark.parametrize("text", [
    "add trivy config scan for k8s",
    "add trivy configuration scan for k8s",
    "add trivy iac scan for k8s",
    "add trivy misconfig scan for k8s",
    "Add a Trivy scan for k8s",
    "set up trivy scanning for k8s",
    "setup a trivy check for k8s",
    "create trivy job for k8s",
    "ADD TRIVY SCAN FOR k8s",
])
def test_config_mode_spellings(text):
    req = parse_request(text)
    assert (req.tool, req.mode, req.scanners, req.paths) == ("trivy", "config", ("misconfig",), ("k8s",))


@pytest.mark.parametrize("text", ["add trivy fs scan for .", "add trivy filesystem scan for ."])
def test_fs_mode(text):
    req = parse_request(text)
    assert req.mode == "fs"
    assert req.scanners == ("misconfig",)
    assert req.paths == (".",)


@pytest.mark.parametrize("word", ["secret", "secrets"])
def test_fs_secret_scan_adds_secret_scanner(word):
    req = parse_request(f"add trivy fs {word} scan for .")
    assert req.mode == "fs"
    assert req.scanners == ("misconfig", "secret")


def test_secret_word_without_fs_stays_config_misconfig_only():
    req = parse_request("add trivy secret scan for k8s")
    assert req.mode == "config"
    assert req.scanners == ("misconfig",)


def test_vibeops_prefix_is_accepted():
    plain = parse_request("add trivy scan for k8s-manifests fail on critical")
    prefixed = parse_request("/vibeops add trivy scan for k8s-manifests fail on critical")
    assert prefixed.tool == "trivy"
    assert prefixed.paths == plain.paths == ("k8s-manifests",)
    assert prefixed.fail_on == plain.fail_on == ("CRITICAL",)


def test_path_case_is_kept_while_keywords_are_case_insensitive():
    req = parse_request("ADD TRIVY SCAN FOR K8s/Api.YAML")
    assert req.tool == "trivy"
    assert req.paths == ("K8s/Api.YAML",)


# --- paths ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "add trivy scan for a.yaml, b.yaml, c.yaml",
    "add trivy scan for a.yaml,b.yaml,c.yaml",
    "add trivy scan for a.yaml and b.yaml and c.yaml",
    "add trivy scan for a.yaml, b.yaml and c.yaml",
    "add trivy scan for a.yaml; b.yaml; c.yaml",
])
def test_several_paths(text):
    assert parse_request(text).paths == ("a.yaml", "b.yaml", "c.yaml")


def test_path_order_is_kept():
    req = parse_request("add trivy scan for web/Dockerfile and k8s-manifests/api.yaml")
    assert req.paths == ("web/Dockerfile", "k8s-manifests/api.yaml")


def test_backtick_quoted_paths_keep_spaces():
    req = parse_request("add trivy scan for `k8s manifests/api.yaml` and `web/Dockerfile`")
    assert req.paths == ("k8s manifests/api.yaml", "web/Dockerfile")


def test_double_and_single_quoted_paths():
    req = parse_request("""add trivy scan for "my dir/x.yaml" and 'other dir'""")
    assert req.paths == ("my dir/x.yaml", "other dir")


def test_sentence_full_stop_is_not_part_of_the_path():
    assert parse_request("add trivy scan for k8s-manifests/api.yaml.").paths == ("k8s-manifests/api.yaml",)


def test_dot_dot_path_is_kept_for_intent_to_reject():
    assert parse_request("add trivy scan for ..").paths == ("..",)


@pytest.mark.parametrize("words", [
    "the repository", "the repo", "the whole repo", "the entire repository", "repository",
    "the project", "the codebase", "everything", ".",
])
def test_repository_words_mean_root(words):
    assert parse_request(f"add trivy scan for {words}").paths == (".",)


def test_root_word_followed_by_options():
    req = parse_request("add trivy scan for the whole repo fail on medium and above")
    assert req.paths == (".",)
    assert req.fail_on == ("CRITICAL", "HIGH", "MEDIUM")


def test_root_word_and_a_path():
    assert parse_request("add trivy scan for the repository and k8s").paths == (".", "k8s")


@pytest.mark.parametrize("path", ["project/k8s", "repo-tools", "repository.yaml"])
def test_path_starting_with_a_root_word_is_a_path(path):
    assert parse_request(f"add trivy scan for {path}").paths == (path,)


@pytest.mark.parametrize("prep", ["for", "of", "on", "against"])
def test_prepositions(prep):
    assert parse_request(f"add trivy scan {prep} k8s").paths == ("k8s",)


def test_actionlint_defaults_to_workflows_dir():
    req = parse_request("add actionlint check")
    assert req.tool == "actionlint"
    assert req.mode == "lint"
    assert req.scanners == ("workflow-lint",)
    assert req.paths == (".github/workflows",)


@pytest.mark.parametrize("text", [
    "add actionlint check for the workflows",
    "add actionlint check for all the github workflows",
    "add actionlint check for our workflow files",
    "create an actionlint check",
])
def test_actionlint_workflow_words(text):
    assert parse_request(text).paths == (".github/workflows",)


def test_actionlint_explicit_file():
    req = parse_request("add actionlint lint for .github/workflows/ci.yml")
    assert req.paths == (".github/workflows/ci.yml",)


def test_actionlint_with_option_and_no_path():
    req = parse_request("add actionlint check only on pull requests")
    assert req.paths == (".github/workflows",)
    assert req.triggers == ("pull_request",)


def test_actionlint_on_pull_requests_only():
    req = parse_request("add actionlint check on pull requests only")
    assert req.paths == (".github/workflows",)
    assert req.triggers == ("pull_request",)


# --- fail-on severities -----------------------------------------------------------------------


@pytest.mark.parametrize("phrase, expected", [
    ("fail on HIGH,CRITICAL", ("CRITICAL", "HIGH")),
    ("fail on HIGH, CRITICAL", ("CRITICAL", "HIGH")),
    ("fail on critical", ("CRITICAL",)),
    ("fail on high and critical findings", ("CRITICAL", "HIGH")),
    ("fail on low/medium", ("MEDIUM", "LOW")),
    ("fail on medium and above", ("CRITICAL", "HIGH", "MEDIUM")),
    ("fail on MEDIUM+", ("CRITICAL", "HIGH", "MEDIUM")),
    ("fail on high or above", ("CRITICAL", "HIGH")),
    ("fail on low or worse", ("CRITICAL", "HIGH", "MEDIUM", "LOW")),
    ("fail on unknown and above", ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")),
    ("that fails the build on high", ("HIGH",)),
    ("failing ci at critical", ("CRITICAL",)),
    ("with severity LOW+", ("CRITICAL", "HIGH", "MEDIUM", "LOW")),
    ("severities high,critical", ("CRITICAL", "HIGH")),
])
def test_fail_on(phrase, expected):
    req = parse_request(f"add trivy scan for k8s {phrase}")
    assert req.paths == ("k8s",)
    assert req.fail_on == expected


def test_fail_on_is_ordered_most_severe_first_regardless_of_input_order():
    a = parse_request("add trivy scan for k8s fail on low, critical, medium").fail_on
    assert a == ("CRITICAL", "MEDIUM", "LOW")


def test_fail_on_or_higher():
    assert parse_request("add trivy scan for k8s fail on medium or higher").fail_on == (
        "CRITICAL", "HIGH", "MEDIUM")


@pytest.mark.parametrize("phrase", [
    "report only", "report-only", "without failing the build", "don't fail", "never fail the build",
    "do not fail",
])
def test_report_only(phrase):
    req = parse_request(f"add trivy scan for k8s-manifests {phrase}")
    assert req.paths == ("k8s-manifests",)
    assert req.fail_on == ()


def test_later_option_wins():
    assert parse_request("add trivy scan for k8s fail on HIGH report only").fail_on == ()
    assert parse_request("add trivy scan for k8s report only fail on HIGH").fail_on == ("HIGH",)


# --- triggers, schedule, sarif ----------------------------------------------------------------


@pytest.mark.parametrize("phrase, expected", [
    ("only on pull requests", ("pull_request",)),
    ("only on pull-requests", ("pull_request",)),
    ("only on PRs", ("pull_request",)),
    ("only on prs", ("pull_request",)),
    ("only on push", ("push",)),
    ("only on pushes", ("push",)),
    ("on PRs only", ("pull_request",)),
    ("on pushes only", ("push",)),
    ("only on pull requests and pushes", ("pull_request", "push")),
    ("only on pushes or pull requests", ("pull_request", "push")),
])
def test_only_triggers(phrase, expected):
    req = parse_request(f"add trivy scan for k8s-manifests {phrase}")
    assert req.paths == ("k8s-manifests",)
    assert req.triggers == expected


@pytest.mark.parametrize("phrase, cron", [
    ("nightly", NIGHTLY), ("daily", NIGHTLY), ("run every day", NIGHTLY), ("run also nightly", NIGHTLY),
    ("weekly", WEEKLY), ("run weekly", WEEKLY), ("every week", WEEKLY),
])
def test_schedule(phrase, cron):
    req = parse_request(f"add trivy scan for k8s-manifests {phrase}")
    assert req.schedule == cron
    assert req.triggers == DEFAULT_TRIGGERS  # a schedule is added, the other triggers stay


@pytest.mark.parametrize("phrase", [
    "with sarif upload", "with a sarif", "sarif", "and upload results to code scanning",
    "upload to the security tab", "uploading findings to github code scanning",
    "and upload the results to code scanning",
])
def test_sarif_upload(phrase):
    req = parse_request(f"add trivy scan for k8s-manifests {phrase}")
    assert req.paths == ("k8s-manifests",)
    assert req.upload_sarif is True


def test_all_options_together():
    req = parse_request(
        "/vibeops add trivy fs scan for `k8s-manifests`, web/Dockerfile fail on HIGH, CRITICAL "
        "only on pull requests nightly with sarif upload")
    assert req.mode == "fs"
    assert req.paths == ("k8s-manifests", "web/Dockerfile")
    assert req.fail_on == ("CRITICAL", "HIGH")
    assert req.triggers == ("pull_request",)
    assert req.schedule == NIGHTLY
    assert req.upload_sarif is True


def test_options_separated_by_commas_and_full_stops():
    req = parse_request("add trivy scan for k8s. Report only, nightly.")
    assert req.paths == ("k8s",)
    assert req.fail_on == ()
    assert req.schedule == NIGHTLY


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_request(text):
    with pytest.raises(RequestError, match=r"^The request is empty\.") as err:
        parse_request(text)
    assert "add trivy scan for k8s-manifests/api.yaml" in str(err.value)


def test_words_in_target_position_are_targets_and_the_default_tool_is_said():
    req = parse_request("please scan my stuff")
    assert req.tool == "trivy" and req.paths == ("stuff",)
    assert req.notes == ("no tool named: using trivy",)


def test_unknown_tool():
    with pytest.raises(RequestError) as err:
        parse_request("add frobnicator scan for k8s")
    message = str(err.value)
    assert "I don't know the tool 'frobnicator'" in message
    assert "Built-in recipes" in message and "trivy" in message and "actionlint" in message


@pytest.mark.parametrize("tool", ["zizmor", "tfsec"])
def test_known_tool_without_recipe(tool):
    with pytest.raises(RequestError) as err:
        parse_request(f"add {tool} scan for k8s-manifests")
    message = str(err.value)
    assert f"There is no built-in recipe for {tool} yet" in message
    assert "I don't know" not in message
    assert "add trivy scan for PATH" in message


def test_every_tool_the_scope_engine_reads_has_an_honestly_pinned_recipe():
    from bot.request import NO_HONEST_PIN, RECIPE_TOOLS

    assert NO_HONEST_PIN == {}
    assert {"kubeconform", "kube-linter", "helm", "chart-testing"} <= RECIPE_TOOLS


@pytest.mark.parametrize("tool", ["checkov", "hadolint", "yamllint", "kubeconform", "helm", "chart-testing",
                                  "kube-linter"])
def test_tools_with_a_recipe(tool):
    request = parse_request(f"add {tool} scan for k8s-manifests")
    assert request.recipe and request.tool == tool and not request.details and request.tools == (tool,)


def test_checkov_is_case_insensitive():
    request = parse_request("Add Checkov check for terraform")
    assert request.tool == "checkov" and request.recipe


def test_several_tools_and_options():
    request = parse_request("add trivy, checkov and hadolint scan for k8s with framework kubernetes "
                            "as a required check")
    assert request.tools == ("trivy", "checkov", "hadolint") and request.tool == "trivy"
    assert request.framework == ("kubernetes",) and request.required_check
    with pytest.raises(RequestError, match="checkov option"):
        parse_request("add hadolint check for k8s with framework kubernetes")
    assert parse_request("add trivy and kubeconform scan for k8s").tools == ("trivy", "kubeconform")
    assert parse_request("add trivy and kube-linter scan for k8s").tools == ("trivy", "kube-linter")
    with pytest.raises(RequestError, match="no built-in recipe for zizmor yet"):
        parse_request("add trivy and zizmor scan for k8s")
    with pytest.raises(RequestError, match="No built-in recipe combines actionlint"):
        parse_request("add trivy and actionlint check for k8s")


@pytest.mark.parametrize("text", [
    "add trivy scan",
    "add trivy scan fail on HIGH",
    "add trivy fs scan nightly",
    "add trivy scan for report only",
])
def test_trivy_needs_a_path(text):
    with pytest.raises(RequestError, match=r"Say what trivy should scan") as err:
        parse_request(text)
    assert "`for the repository`" in str(err.value)


def test_actionlint_takes_no_mode():
    with pytest.raises(RequestError, match=r"actionlint takes no scan mode \(got 'config'\)"):
        parse_request("add actionlint config check")


@pytest.mark.parametrize("text, clause", [
    ("add trivy scan for k8s nightly and make coffee", "make coffee"),
    ("add trivy scan for k8s report only and sing", "sing"),
])
def test_a_clause_not_understood_is_named_never_dropped(text, clause):
    with pytest.raises(RequestError) as err:
        parse_request(text)
    message = str(err.value)
    assert message.startswith(f"I did not understand `{clause}`")
    assert err.value.clauses == (clause,)
    assert "`report only`" in message and "`fail on HIGH,CRITICAL`" in message


@pytest.mark.parametrize("text", ["add trivy scan for k8s report only please", "add actionlint check please"])
def test_courtesy_words_are_part_of_the_request(text):
    assert parse_request(text).unmapped == ()


def test_a_forbidden_clause_is_refused_naming_it_and_why():
    with pytest.raises(RequestError) as err:
        parse_request("add trivy scan for k8s fail on HIGH then deploy")
    assert "`deploy`" in str(err.value) and "never deletes, deploys" in str(err.value)
    assert "`add trivy scan for k8s fail on HIGH`" in str(err.value)


def test_request_error_is_a_value_error():
    assert issubclass(RequestError, ValueError)


def test_several_tools_keep_request_tool_and_split_per_tool():
    req = parse_request("scan k8s with trivy and checkov, only fail on critical issues", free_form=True)
    assert req.tools == ("trivy", "checkov") and req.tool == "trivy" and req.mode == "config"
    assert req.recipe is True  # both have a recipe: one workflow, one job each
    trivy, checkov = req.per_tool()
    assert (trivy.tool, trivy.tools, trivy.mode, trivy.scanners, trivy.recipe) == (
        "trivy", ("trivy",), "config", ("misconfig",), True)
    assert (checkov.tool, checkov.tools, checkov.mode, checkov.scanners, checkov.recipe) == (
        "checkov", ("checkov",), "scan", ("checkov",), True)
    assert trivy.fail_on == checkov.fail_on == ("CRITICAL",) and trivy.paths == checkov.paths == ("k8s",)
    single = parse_request("add trivy scan for k8s")
    assert single.per_tool() == (single,) and single.tools == ("trivy",)


def test_a_request_built_by_hand_gets_tools_and_targets_from_tool_and_paths():
    req = Request(text="x", tool="trivy", mode="config", scanners=("misconfig",), paths=("k8s", "k8s/*.yaml"),
                  fail_on=(), triggers=(), schedule=None, upload_sarif=False)
    assert req.tools == ("trivy",)
    assert [(t.kind, t.path) for t in req.targets] == [("path", "k8s"), ("glob", "k8s/*.yaml")]
