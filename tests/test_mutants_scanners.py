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
    # "unrecognized arguments: ops" (checked with checkov 3.2).
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


def test_a_checkov_config_that_is_not_text_gives_no_settings(tmp_path):
    for path, text in {**IAC, "k8s/.checkov.yml": "skip-path: [db]\n"}.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / ".checkov.yml").write_bytes(b"\xff\xfe\x00binary")
    text = ("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n" + CHECKOUT + run("checkov -d k8s"))
    (found,) = scanner_steps(Workflow.parse(".github/workflows/t.yml", text), RepoTree.from_directory(tmp_path))
    assert found.resolved and found.files == {"k8s/api.yaml"}  # the -d folder's .checkov.yml still applies
