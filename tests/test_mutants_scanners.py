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
