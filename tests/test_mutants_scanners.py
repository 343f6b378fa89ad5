"""The scanners' file selection (checkov, hadolint, helm/chart-testing, trivy), pinned down where mutants
survived (tests/mutate.py, issue 20). Each test states what the tool really reads, from its documented
behaviour, and runs real workflow text over RepoTree-built repositories through the scope engine.
"""

from __future__ import annotations

import pytest

from bot.repotree import RepoTree
from bot.scope.steps import scanner_steps
from bot.workflow import Workflow

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
CHECKOUT = "      - uses: actions/checkout@v4\n"


def scan(steps_yaml: str, files: dict[str, str], checkout: str | None = CHECKOUT, job_extra: str = ""):
    """The scanner steps of one job over a repository built from `files` (`checkout=None`: no checkout)."""
    text = ("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n" + job_extra + "    steps:\n"
            + (checkout or "") + steps_yaml)
    return scanner_steps(Workflow.parse(".github/workflows/t.yml", text), RepoTree.from_mapping(files))


def one(steps_yaml: str, files: dict[str, str], **kwargs):
    found = scan(steps_yaml, files, **kwargs)
    assert len(found) == 1, found
    return found[0]


def run(script: str) -> str:
    return "      - run: |\n" + "".join(f"          {line}\n" for line in script.splitlines())


def uses(action: str, **inputs: str) -> str:
    body = "".join(f"          {k}: {v}\n" for k, v in inputs.items())
    return f"      - uses: {action}\n" + (f"        with:\n{body}" if body else "")


# --- hadolint: it lints exactly the Dockerfiles named on its command line (or fed on stdin) -------------------

DOCKER = {"Dockerfile": "FROM alpine\n", "api/Dockerfile": "FROM alpine\n", "web/Dockerfile": "FROM alpine\n",
          "web/Dockerfile.dev": "FROM alpine\n", "web/.Dockerfile.swp": "x\n", ".devcontainer/Dockerfile": "FROM alpine\n",
          "api/.cache/Dockerfile": "FROM alpine\n", "k8s/api.yaml": POD}


def test_hadolint_reads_only_the_named_dockerfiles_and_nothing_else():
    found = one(run("hadolint --ignore DL3018 -t error api/Dockerfile"), DOCKER)
    assert found.resolved and found.files == {"api/Dockerfile"}
    assert found.roots == ("api/Dockerfile",) and found.reason is None  # not `hadolint` itself, nor `-t`'s value
    assert one(run("hadolint --config .hadolint.yaml web/Dockerfile.dev"), DOCKER).roots == ("web/Dockerfile.dev",)


def test_hadolint_words_it_cannot_know_or_standard_input_it_is_not_given_are_unknown():
    unset = one(run('hadolint "$DOCKERFILE"'), DOCKER)
    assert not unset.resolved and "$DOCKERFILE is not set" in unset.reason
    stdin = one(run("hadolint -"), DOCKER)
    assert not stdin.resolved and stdin.reason == "lints standard input"
    bare = one(run("hadolint --ignore DL3018"), DOCKER)
    assert not bare.resolved and bare.reason == "hadolint without a Dockerfile argument"


def test_hadolint_is_only_the_command_named_hadolint():
    found = scan(run("hadolint-wrapper api/Dockerfile\necho hadolint web/Dockerfile\n/usr/local/bin/hadolint Dockerfile"),
                 DOCKER)
    assert [(s.tool, s.files) for s in found] == [("hadolint", {"Dockerfile"})]


def test_hadolint_action_lints_its_dockerfile_input_split_at_spaces_as_the_action_s_eval_does():
    found = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile="'api/Dockerfile web/Dockerfile'"), DOCKER)
    assert found.files == {"api/Dockerfile", "web/Dockerfile"}
    # `recursive: false` (and any other value than true) is the plain mode: the value is a path.
    plain = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile="Dockerfile", recursive="'no'"), DOCKER)
    assert plain.files == {"Dockerfile"}


def test_hadolint_action_with_a_blank_dockerfile_input_lints_nothing():
    # An input given as '' keeps its blank value (GitHub uses the default only when the input is not given);
    # the action then runs `hadolint` with no file, which stops with "Please provide a Dockerfile".
    for blank in ("''", "' '"):
        found = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile=blank), DOCKER)
        assert found.resolved and found.files == frozenset() and "blank" in found.reason
    default = one(uses("hadolint/hadolint-action@v3.1.0", recursive="false"), DOCKER)
    assert default.files == {"Dockerfile"}


def test_hadolint_action_recursive_is_bash_globstar_which_skips_hidden_folders_and_files():
    # hadolint.sh: `shopt -s globstar; hadolint -- **/$dockerfile` from the workspace: `**` does not enter
    # hidden folders and `*` does not match a leading dot, unless the pattern itself starts with a dot.
    found = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile="'*Dockerfile*'", recursive="true"), DOCKER)
    assert found.files == {"Dockerfile", "api/Dockerfile", "web/Dockerfile", "web/Dockerfile.dev"}
    dotted = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile="'.Dockerfile*'", recursive="true"), DOCKER)
    assert dotted.files == {"web/.Dockerfile.swp"}
    yes = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile="Dockerfile.dev", recursive="True"), DOCKER)
    assert yes.files == {"web/Dockerfile.dev"}
    none = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile="Containerfile", recursive="true"), DOCKER)
    assert none.resolved and none.files == frozenset() and "no file matches Containerfile" in none.reason


def test_hadolint_action_recursive_searches_the_checkout_wherever_it_is():
    found = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile="Dockerfile.dev", recursive="true"), DOCKER,
                checkout="      - uses: actions/checkout@v4\n        with:\n          path: src\n")
    assert found.resolved and found.files == {"web/Dockerfile.dev"}
    nothing = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile="Dockerfile", recursive="true"), DOCKER,
                  checkout=None)
    assert nothing.resolved and nothing.files == frozenset()


def test_hadolint_action_inputs_only_known_at_run_time_are_unknown():
    found = one(uses("hadolint/hadolint-action@v3.1.0", dockerfile="${{ steps.x.outputs.file }}"), DOCKER)
    assert not found.resolved and "steps.x.outputs.file" in found.reason
    found = one(uses("hadolint/hadolint-action@v3.1.0", recursive="${{ inputs.deep }}"), DOCKER)
    assert not found.resolved and "inputs.deep" in found.reason


# --- checkov: `-d DIR` walks DIR minus --skip-path regexes, `-f` reads the files; config files add settings ----

IAC = {"k8s/api.yaml": POD, "k8s/db.yaml": POD, "ops/web.yaml": POD, "infra/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
       "api/Dockerfile": "FROM alpine\n", "-/main.tf": 'resource "aws_s3_bucket" "c" {}\n',
       "node_modules/mod/main.tf": 'resource "x" "y" {}\n', "infra/.terraform/modules/m/main.tf": 'resource "x" "y" {}\n',
       "app/.serverless/main.tf": 'resource "x" "y" {}\n', "app/node_modules_not/main.tf": 'resource "x" "y" {}\n'}
EVERYTHING = {"k8s/api.yaml", "k8s/db.yaml", "ops/web.yaml", "infra/main.tf", "api/Dockerfile", "-/main.tf",
              "app/node_modules_not/main.tf"}


def checkov(script: str, extra: dict[str, str] | None = None, **kwargs):
    return one(run(script), {**IAC, **(extra or {})}, **kwargs)


def checkov_action(extra: dict[str, str] | None = None, **inputs: str):
    return one(uses("bridgecrewio/checkov-action@v12", **inputs), {**IAC, **(extra or {})})


def test_checkov_never_walks_node_modules_terraform_or_serverless_folders():
    # CKV_IGNORED_DIRECTORIES' default: node_modules, .terraform, .serverless (whole names only).
    found = checkov("checkov -d .")
    assert found.resolved and found.files == EVERYTHING and found.reason is None


def test_checkov_takes_option_values_with_or_without_an_equals_sign():
    assert checkov("checkov --directory=k8s --skip-path=db").files == {"k8s/api.yaml"}
    assert checkov("checkov -d k8s --skip-path db --compact --quiet").files == {"k8s/api.yaml"}
    # `-` is a folder name like any other to checkov's argument parser
    assert checkov("checkov -d - --framework terraform").files == {"-/main.tf"}
    assert checkov("checkov -d k8s --framework=kubernetes").files == {"k8s/api.yaml", "k8s/db.yaml"}


def test_checkov_values_it_cannot_know_are_unknown():
    found = checkov('checkov -d "$TARGET"')
    assert not found.resolved and "$TARGET is not set" in found.reason
    assert checkov('TARGET=ops checkov -d "$TARGET"').files == {"ops/web.yaml"}


def test_checkov_with_both_a_directory_and_files_is_unknown():
    found = checkov("checkov -d k8s -f ops/web.yaml")
    assert not found.resolved and found.reason == "checkov with both --directory and --file"


def test_checkov_skip_framework_removes_runners_from_all_or_from_the_named_ones():
    assert checkov("checkov -d . --skip-framework terraform,dockerfile").files == {"k8s/api.yaml", "k8s/db.yaml",
                                                                                   "ops/web.yaml"}
    assert checkov("checkov -d . --framework terraform kubernetes --skip-framework terraform").files == {
        "k8s/api.yaml", "k8s/db.yaml", "ops/web.yaml"}
    assert checkov_action(directory="infra", skip_framework="terraform").files == frozenset()
    assert checkov_action(directory=".", framework="dockerfile").files == {"api/Dockerfile"}
    # `all` among the frameworks is every runner
    assert checkov("checkov -d . --framework terraform,all").files == EVERYTHING


def test_checkov_action_with_a_directory_of_two_words_stops_checkov():
    # entrypoint.sh passes `-d $INPUT_DIRECTORY` unquoted: `-d k8s ops`, and checkov's parser stops with
    # "unrecognized arguments: ops" (checked with checkov 3.3.30).
    found = checkov_action(directory="'k8s ops'")
    assert found.resolved and found.files == frozenset() and "unrecognized arguments: ops" in found.reason
    assert checkov_action(directory="k8s", skip_path="' , db'").files == {"k8s/api.yaml"}


def test_checkov_skip_path_limits_how_many_and_how_costly_patterns_can_be():
    many = " ".join(f"--skip-path nothing{n}" for n in range(100))
    assert checkov(f"checkov -d k8s {many}").files == {"k8s/api.yaml", "k8s/db.yaml"}
    too_many = checkov(f"checkov -d k8s {many} --skip-path db")
    assert not too_many.resolved and "too costly" in too_many.reason
    # A regex RE2 cannot run (a backreference) is run by Python's re when it has no costly shape ...
    assert checkov(r"checkov -d k8s --skip-path '(d)\1|db'").files == {"k8s/api.yaml"}
    assert checkov(r"checkov -d k8s --skip-path '(?=.*db)'").files == {"k8s/api.yaml"}
    # ... and is not run at all when it has one: the step is unknown.
    nested = checkov(r"checkov -d k8s --skip-path '(a+)+\1'")
    assert not nested.resolved and "too costly" in nested.reason
    # A pattern longer than we compile is a regex to checkov: we cannot say what it skips.
    long = checkov("checkov -d k8s --skip-path '" + "a" * 998 + "|db'")
    assert not long.resolved and "too costly" in long.reason


def test_checkov_config_files_are_read_as_data_with_the_command_line_first():
    conf = {".checkov.yml": "skip-path: [db]\nexternal-modules-download-path: x\nframework: kubernetes\n"}
    found = checkov("checkov -d k8s", conf)
    assert found.files == {"k8s/api.yaml"} and found.reason == ".checkov.yml also sets external-modules-download-path"
    assert checkov("checkov -d k8s --skip-path api", conf).files == {"k8s/db.yaml"}
    assert checkov("checkov -d k8s", {".checkov.yml": "skip-path: [db]\n"}).reason is None
    # The last --config-file is the one checkov reads.
    confs = {"a.yml": "skip-path: [db]\n", "b.yml": "skip-path: [api]\n"}
    assert checkov("checkov -d k8s --config-file a.yml --config-file b.yml", confs).files == {"k8s/db.yaml"}
    # A config file whose name starts with two dots is still a file of the repository.
    assert checkov("checkov -d k8s --config-file ..ck.yml", {"..ck.yml": "skip-path: [db]\n"}).files == {"k8s/api.yaml"}
    missing = checkov("checkov -d k8s --config-file nothere.yml")
    assert missing.files == {"k8s/api.yaml", "k8s/db.yaml"}
    assert missing.reason == "config file nothere.yml is not in the repository (checkov runs without it)"
    outside = checkov("cd k8s && checkov -d . --config-file ../../up.yml")
    assert "config file ../../up.yml is not in the repository" in outside.reason


@pytest.mark.parametrize("text", ["", "- a\n", "skip-path: [{a: 1}, [b]]\nfile: null\n"])
def test_a_checkov_config_without_usable_settings_changes_nothing(text):
    found = checkov("checkov -d k8s", {".checkov.yml": text})
    assert found.resolved and found.files == {"k8s/api.yaml", "k8s/db.yaml"} and found.reason is None


def test_checkov_config_in_a_checkout_under_a_path_and_without_any_checkout():
    conf = {".checkov.yml": "skip-path: [db]\n"}
    under = one("      - run: checkov -d k8s\n        working-directory: src\n", {**IAC, **conf},
                checkout="      - uses: actions/checkout@v4\n        with:\n          path: src\n")
    assert under.files == {"k8s/api.yaml"}
    # Without a checkout the repository's files, its config files too, are not there: nothing to read.
    bare = one(run("checkov -d ."), {**IAC, ".checkov.yml": "directory: [k8s\n"}, checkout=None)
    assert bare.resolved and bare.files == frozenset() and "does not check out" in bare.reason


def test_a_checkov_config_that_is_not_text_stops_checkov(tmp_path):
    for path, text in {**IAC, "k8s/.checkov.yml": "skip-path: [db]\n"}.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / ".checkov.yml").write_bytes(b"\xff\xfe\x00binary")
    text = ("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n" + CHECKOUT + run("checkov -d k8s"))
    # checkov 3.3.30: "Couldn't parse config file: 'utf-8' codec can't decode byte 0xff", and it stops.
    (found,) = scanner_steps(Workflow.parse(".github/workflows/t.yml", text), RepoTree.from_directory(tmp_path))
    assert not found.resolved and found.reason == "cannot read the checkov config .checkov.yml: it is not UTF-8 text"
    (tmp_path / ".checkov.yml").write_text("framework: [kubernetes]\n")
    (found,) = scanner_steps(Workflow.parse(".github/workflows/t.yml", text), RepoTree.from_directory(tmp_path))
    assert found.resolved and found.files == {"k8s/api.yaml"}  # the -d folder's .checkov.yml applies too


# --- helm lint / ct lint: the chart files helm's loader keeps (.helmignore applied), plus the values files ----

CHART = {"Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n", "values.yaml": "a: 1\n",
         "templates/deploy.yaml": "kind: X\n", "templates/.hidden.yaml": "x\n", "README.md": "# c\n"}


def chart(prefix: str, helmignore: str | None = None, **extra: str) -> dict[str, str]:
    files = {f"{prefix}/{k}": v for k, v in {**CHART, **extra}.items()}
    if helmignore is not None:
        files[f"{prefix}/.helmignore"] = helmignore
    return files


HELM = {**chart("charts/a"), **chart("charts/b"), **chart("charts/deep/c"), "charts/notachart/values.yaml": "a: 1\n",
        "values/prod.yaml": "a: 2\n", "values/x.yaml": "a: 3\n", "values/y.yaml": "a: 4\n"}
A = {"charts/a/Chart.yaml", "charts/a/values.yaml", "charts/a/templates/deploy.yaml", "charts/a/README.md"}
B = {p.replace("charts/a/", "charts/b/") for p in A}
C = {p.replace("charts/a/", "charts/deep/c/") for p in A}


def helm(script: str, extra: dict[str, str] | None = None, **kwargs):
    return one(run(script), {**HELM, **(extra or {})}, **kwargs)


def test_helm_lint_reads_each_named_chart_or_the_working_directory():
    assert helm("helm lint charts/a charts/b --strict").files == A | B
    assert helm("cd charts/a && helm lint").files == A
    assert helm("helm lint --namespace charts/b charts/a").files == A  # an option's value is not a chart
    assert helm("helm lint charts/a").reason is None


def test_only_lint_is_helm_lint_and_only_lint_or_lint_and_install_is_ct_lint():
    found = scan(run("helm template charts/a\nhelm version\nhelm\nct install --all\nct list-changed\nlint charts/a"),
                 HELM)
    assert found == ()
    assert helm("ct lint-and-install --charts charts/a").files == A


def test_helm_lint_reads_every_values_file_given_with_values_or_set_file():
    found = helm("helm lint charts/a --values values/prod.yaml --set-file k=values/x.yaml,bad,j=values/y.yaml "
                 "--set-file=noequals --set a=values/z.yaml")
    assert found.files == A | {"values/prod.yaml", "values/x.yaml", "values/y.yaml"}
    # the key ends at the first `=`: the file's own name may hold one
    assert helm("helm lint charts/a --set-file k=values/a=b.yaml", {"values/a=b.yaml": "x: 1\n"}).files == A | {
        "values/a=b.yaml"}


def test_helm_lint_chart_globs_are_expanded_by_the_shell_to_folders():
    assert helm("helm lint charts/*").files == A | B  # notachart has no Chart.yaml: helm lint fails there
    assert "charts/notachart has no Chart.yaml: helm lint fails there" in helm("helm lint charts/*").reason
    nothing = helm("helm lint 'charts/z*'")
    assert nothing.files == frozenset() and "does not exist" in nothing.reason
    outside = helm("helm lint ../other")
    assert outside.files == frozenset() and outside.reason == "/github/other is outside the repository checkout"


def test_helm_lint_of_a_file_or_a_missing_folder_is_located_as_it_is():
    # not a chart folder: helm tries the file as a chart archive, and it is reported as read
    assert helm("helm lint values/prod.yaml").files == {"values/prod.yaml"}
    assert "does not exist" in helm("helm lint charts/gone").reason


@pytest.mark.parametrize("helmignore, kept", [
    ("# a comment\n\n  \nREADME.md\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml"}),
    ("templates\n", {"Chart.yaml", "values.yaml", "README.md"}),  # a folder's rule skips all of it
    ("deploy.yaml/\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml", "README.md"}),  # `x/` only folders
    ("/templates/\n", {"Chart.yaml", "values.yaml", "README.md"}),
    ("templates/*.yaml\n", {"Chart.yaml", "values.yaml", "README.md"}),  # with a `/`: the path from the chart
    ("*/deploy.yaml\n", {"Chart.yaml", "values.yaml", "README.md"}),
    ("/deploy.yaml\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml", "README.md"}),
    ("deploy.yaml\n", {"Chart.yaml", "values.yaml", "README.md"}),  # without a `/`: the base name anywhere
    ("README.m?\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml"}),
    ("README.md?\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml", "README.md"}),
    ("*.y*l\n", {"README.md"}),
    ("[Rv]*\n", {"Chart.yaml", "templates/deploy.yaml"}),
    ("[^C]*.yaml\n", {"Chart.yaml", "README.md"}),
    ("[a-d]*\n", {"Chart.yaml", "values.yaml", "README.md"}),  # only `deploy.yaml`; `templates` is a folder, kept
    ("[z-a]*\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml", "README.md"}),  # valid in Go, matches nothing
    ("\\README.md\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml"}),  # an escaped ordinary character
    ("!*.yaml\n", {"Chart.yaml", "values.yaml"}),  # helm's quirk: `!x` ignores what it does not match ...
    ("!templates/\n", set()),  # ... and a `!dir/` rule ignores every file (Chart.yaml too: the chart fails)
    ("README.md\n!*.yaml\n", {"Chart.yaml", "values.yaml"}),  # the first rule that matches decides
    ("!README.md/\n", set()),  # a file named like a `!dir/` rule is ignored too
    ("[R]EADME.md\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml"}),  # a class of one character
    ("# see docs/** and *.yaml\nREADME.md\n", {"Chart.yaml", "values.yaml", "templates/deploy.yaml"}),  # comments
    ("*/\n", {"Chart.yaml", "values.yaml", "README.md"}),  # every folder, and only folders: the chart's own files stay
])
def test_helmignore_rules_as_helm_applies_them(helmignore, kept):
    found = helm("helm lint c", {**{k: v for k, v in chart("c", helmignore).items()}})
    assert {p[2:] for p in found.files} - {".helmignore"} == kept
    assert found.resolved and found.reason is None


@pytest.mark.parametrize("helmignore", ["a/**\n", "[abc\n", "README\\\n", "x[]\n"])
def test_a_helmignore_helm_refuses_loads_nothing(helmignore):
    found = helm("helm lint c", chart("c", helmignore))
    assert found.resolved and found.files == frozenset() and "helm loads nothing from c" in found.reason


def test_a_helmignore_past_our_budget_makes_the_helm_step_unknown_not_an_empty_chart():
    rules = "".join(f"rule{n}.txt\n" for n in range(2001))  # helm has no limit; we stop counting at 2000
    for command in ("helm lint c", "ct lint --charts c"):
        found = helm(command, chart("c", rules))
        assert not found.resolved and "more than 2000 rules" in found.reason and "c/.helmignore" in found.reason


def test_helmignore_escapes_and_classes_match_only_what_go_matches():
    special = chart("c", "x\\*\n[^ab]x\nq[^a]\n", **{"x*": "1\n", "xy": "1\n", "ax": "1\n", "cx": "1\n",
                                                      "q^": "1\n", "qb": "1\n", "qa": "1\n"})
    assert {p[2:] for p in helm("helm lint c", special).files} - set(CHART) == {".helmignore", "xy", "ax", "qa"}


def test_the_root_chart_and_its_helmignore():
    files = {**CHART, ".helmignore": "README.md\n", "other/x.yaml": "a: 1\n"}
    found = one(run("helm lint"), files)
    assert found.files == {"Chart.yaml", "values.yaml", "templates/deploy.yaml", ".helmignore", "other/x.yaml"}


def test_ct_lint_adds_each_ci_values_file_even_one_helmignore_drops():
    files = chart("charts/a", "ci/\n", **{"ci/prod-values.yaml": "a: 1\n", "ci/README.md": "x\n",
                                          "ci/sub/deep-values.yaml": "a: 1\n"})
    found = helm("ct lint --charts charts/a", files)
    assert found.files == (A | {"charts/a/.helmignore", "charts/a/ci/prod-values.yaml"})
    plain = helm("ct lint --charts charts/a", chart("charts/a", None, **{"ci/prod-values.yaml": "a: 1\n"}))
    assert plain.files == A | {"charts/a/ci/prod-values.yaml"}  # once, though the loader keeps it too
    assert helm("helm lint charts/a", files).files == A | {"charts/a/.helmignore"}  # helm lint alone: no ci/


def test_ct_lint_all_takes_the_charts_right_under_each_chart_dir():
    every = helm("ct lint --all")
    assert every.files == A | B and every.reason is None  # chart-dirs defaults to charts; charts/deep/c is too deep
    assert helm("ct lint --all --chart-dirs charts/deep").files == C
    assert helm("cd charts && ct lint --all --chart-dirs deep").files == C
    conf = {"ct.yaml": "chart-dirs: [charts/deep]\nall: true\n", "ct2.yaml": "charts: charts/a, charts/b\n",
            "ct3.yaml": "charts: [charts/b]\nall: yes-please\n", "ct4.yaml": "- a\n", "ct5.yaml": "all: 'true'\n"}
    assert helm("ct lint --config ct.yaml", conf).files == C
    assert helm("ct lint --config ct2.yaml", conf).files == A | B
    assert helm("ct lint --config ct3.yaml --charts charts/a", conf).files == A  # the flag beats the file
    assert helm("ct lint --config ct3.yaml", conf).files == B
    assert helm("ct lint --config ct.yaml --config ct3.yaml", conf).files == B  # the last --config is the one read
    assert helm("ct lint --all --config ct4.yaml", conf).files == A | B  # a config that is not a mapping: no settings
    assert not helm("ct lint --config ct5.yaml", conf).resolved  # `all` must be the boolean true


def test_ct_lint_settings_it_cannot_read_are_unknown():
    missing = helm("ct lint --all --config nothere.yaml")
    assert not missing.resolved and missing.reason == "ct config nothere.yaml is not in the repository"
    broken = helm("ct lint --all --config ct.yaml", {"ct.yaml": "all: [\n"})
    assert not broken.resolved and broken.reason.startswith("cannot read ct.yaml:")
    unset = helm('ct lint --charts "$CHART"')
    assert not unset.resolved and "$CHART is not set" in unset.reason
    unset = helm('helm lint "$CHART"')
    assert not unset.resolved and "$CHART is not set" in unset.reason
    in_src = one("      - run: ct lint --config ct.yaml\n        working-directory: src\n",
                 {**HELM, "ct.yaml": "charts: [charts/b]\n"},
                 checkout="      - uses: actions/checkout@v4\n        with:\n          path: src\n")
    assert in_src.files == B
    # the config is found from ct's working directory, and so are the charts it names
    assert helm("cd charts && ct lint --config ../ct.yaml", {"ct.yaml": "charts: [b]\n"}).files == B
    # Without a checkout the repository's ct.yaml is not there: ct cannot read it.
    bare = helm("ct lint --config ct.yaml", {"ct.yaml": "charts: [charts/b]\n"}, checkout=None)
    assert not bare.resolved and bare.reason == "ct config ct.yaml is not in the repository"


# --- trivy: the survivors of its first runs ---------------------------------------------------------------------

TRIVY = {"k8s/api.yaml": POD, "k8s/db.yaml": POD, "Dockerfile": "FROM alpine\n"}


def test_trivy_action_image_scans_name_what_they_scan_and_read_no_repository_file():
    for inputs, named in (({"image-ref": "alpine:3"}, "alpine:3"), ({"scan-ref": "k8s"}, "k8s"), ({}, ".")):
        found = one(uses("aquasecurity/trivy-action@0.28.0", **{"scan-type": "image", **inputs}), TRIVY)
        assert found.resolved and found.files == frozenset() and found.reason == f"scans image {named}, not repository files"


def test_trivy_inside_a_loop_too_long_to_expand_is_unknown():
    values = " ".join(f"v{n}" for n in range(1001))
    found = one(run(f"for x in {values}; do\n  trivy config k8s\ndone"), TRIVY)
    assert not found.resolved and "expansion limit" in found.reason


def test_trivy_without_a_checkout_reads_no_trivy_yaml_of_the_repository():
    found = one(run("trivy config ."), {**TRIVY, "trivy.yaml": "scan: [\n"}, checkout=None)
    assert found.resolved and found.files == frozenset() and "does not check out" in found.reason
    named = one(run("trivy config -c trivy.yaml ."), {**TRIVY, "trivy.yaml": "scan: {}\n"}, checkout=None)
    assert not named.resolved and named.reason == "trivy config file trivy.yaml is not in the repository"


def test_a_trivy_yaml_that_is_not_text_stops_trivy(tmp_path):
    for path, text in TRIVY.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / "trivy.yaml").write_bytes(b"\xff\xfe\x00binary")
    text = "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n" + CHECKOUT + run("trivy config .")
    # trivy 0.76: FATAL `config file "trivy.yaml" loading error: While parsing config: yaml: ...`
    (found,) = scanner_steps(Workflow.parse(".github/workflows/t.yml", text), RepoTree.from_directory(tmp_path))
    assert not found.resolved and found.reason == "cannot read trivy.yaml: it is not UTF-8 text"


def test_checkov_skip_paths_at_our_limits_are_still_read_as_checkov_reads_them():
    # 1000 characters is the longest pattern we compile: one that long is a regex, searched as checkov does.
    padded = "x" * (1000 - len("|db")) + "|db"
    assert len(padded) == 1000 and checkov(f"checkov -d k8s --skip-path '{padded}'").files == {"k8s/api.yaml"}
    # ... also with a backreference RE2 cannot run (Python's re runs it: no costly shape).
    backref = "x" * (1000 - len(r"|(d)\1|db")) + r"|(d)\1|db"
    assert len(backref) == 1000 and checkov(f"checkov -d k8s --skip-path '{backref}'").files == {"k8s/api.yaml"}
    # Four repetitions are not yet a costly shape; five are, when RE2 cannot run the pattern.
    assert checkov(r"checkov -d k8s --skip-path '(d)\1|db|a*b*c*e*z'").files == {"k8s/api.yaml"}
    costly = checkov(r"checkov -d k8s --skip-path '(d)\1|db|a*b*c*e*f*z'")
    assert not costly.resolved and "too costly" in costly.reason


def test_a_kubeconform_pattern_that_is_not_a_regex_stops_kubeconform_however_many_stars_it_has():
    # Go's regexp.Compile refuses `**`: kubeconform stops before reading anything.
    found = one(run("kubeconform -ignore-filename-pattern '**/**/*.json*' k8s"), IAC)
    assert not found.resolved and "kubeconform cannot use the pattern" in found.reason


def test_a_skip_path_with_a_costly_shape_is_never_run_on_our_side():
    from bot.scope.checkov import skip_matches

    # RE2 cannot run a backreference, and Python's re is not given a nested repetition: no match is claimed.
    assert not skip_matches((r"(a+)+\1|db",), "k8s/db.yaml")
    assert skip_matches((r"(a)\1|db",), "k8s/db.yaml")  # the same without the costly shape is run


def test_checkov_action_inputs_only_known_at_run_time_are_unknown():
    found = checkov_action(directory="${{ steps.x.outputs.dir }}")
    assert not found.resolved and "steps.x.outputs.dir" in found.reason


def test_helm_lint_in_a_job_without_a_checkout_reads_nothing():
    for script in ("helm lint charts/a", "helm lint 'charts/*'", "ct lint --charts charts/a"):
        found = helm(script, checkout=None)
        assert found.resolved and found.files == frozenset() and "does not check out" in found.reason


def test_trivy_action_scan_ref_glob_is_one_path_to_trivy_so_it_scans_nothing():
    # trivy-action's entrypoint passes scan-ref quoted: trivy looks for a file named `k8s/*.yaml` and finds none
    for scan_type in ("config", "fs"):
        found = one(uses("aquasecurity/trivy-action@0.28.0", **{"scan-type": scan_type, "scan-ref": "'k8s/*.yaml'"}),
                    TRIVY)
        assert found.resolved and found.files == frozenset()
        assert "as one path, not a pattern" in found.reason and "k8s/*.yaml" in found.reason
    # a folder is scanned as usual, and an image name with a glob character is still an image
    assert one(uses("aquasecurity/trivy-action@0.28.0", **{"scan-type": "config", "scan-ref": "k8s"}), TRIVY).files == {
        "k8s/api.yaml", "k8s/db.yaml"}
    image = one(uses("aquasecurity/trivy-action@0.28.0", **{"scan-type": "image", "image-ref": "'repo/app:v1*'"}), TRIVY)
    assert image.resolved and image.files == frozenset() and image.reason == "scans image repo/app:v1*, not repository files"
    # a scan type trivy does not have is read as trivy's command line would be, glob or not
    odd = one(uses("aquasecurity/trivy-action@0.28.0", **{"scan-type": "bogus", "scan-ref": "'k8s/*.yaml'"}), TRIVY)
    assert odd.files == frozenset() and "as one path" not in (odd.reason or "")
