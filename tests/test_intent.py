"""resolve_intent: requested paths checked against a repository tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.intent import Intent, IntentError, resolve_intent
from bot.repotree import RepoTree
from bot.request import parse_request

MANIFESTS = frozenset({"k8s-manifests/api.yaml", "k8s-manifests/db.yaml", "k8s-manifests/web.yaml"})
DOCKERFILES = frozenset({"api/Dockerfile", "web/Dockerfile"})
CHART = frozenset({"charts/shop/templates/deployment.yaml", "charts/shop/templates/service.yaml"})
K8S = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata: {}\n"
DOCKERFILE = "FROM alpine:3.20\nRUN true\n"


def resolve(text: str, tree: RepoTree) -> Intent:
    return resolve_intent(parse_request(text), tree)


def problems(text: str, tree: RepoTree) -> tuple[str, ...]:
    with pytest.raises(IntentError) as err:
        resolve(text, tree)
    assert str(err.value) == "\n".join(err.value.problems)
    return err.value.problems


# --- accepted targets -------------------------------------------------------------------------


def test_one_file(demo_tree):
    intent = resolve("add trivy scan for k8s-manifests/api.yaml", demo_tree)
    assert intent.targets == ("k8s-manifests/api.yaml",)
    assert intent.requested_files(demo_tree) == {"k8s-manifests/api.yaml"}


def test_several_files_keep_order(demo_tree):
    intent = resolve("add trivy scan for web/Dockerfile, k8s-manifests/db.yaml and api/Dockerfile",
                     demo_tree)
    assert intent.targets == ("web/Dockerfile", "k8s-manifests/db.yaml", "api/Dockerfile")
    assert intent.requested_files(demo_tree) == {"web/Dockerfile", "k8s-manifests/db.yaml",
                                                      "api/Dockerfile"}


@pytest.mark.parametrize("spelling", ["k8s-manifests", "k8s-manifests/", "./k8s-manifests", "`k8s-manifests/`"])
def test_directory_targets_only_the_files_trivy_reads(demo_tree, spelling):
    intent = resolve(f"add trivy scan for {spelling}", demo_tree)
    assert intent.targets == ("k8s-manifests",)
    assert intent.requested_files(demo_tree) == MANIFESTS


def test_directory_requested_files_exclude_non_config_files():
    tree = RepoTree.from_mapping({
        "deploy/app.yaml": K8S,
        "deploy/README.md": "# docs\n",
        "deploy/values.yaml": "replicas: 2\n",
        "deploy/notes.txt": "hello",
        "other/app.yaml": K8S,
    })
    intent = resolve("add trivy scan for deploy", tree)
    assert intent.requested_files(tree) == {"deploy/app.yaml"}


def test_a_glob_stays_a_pattern_meaning_the_files_it_matches(demo_tree):
    intent = resolve("add trivy scan for k8s-manifests/*.yaml", demo_tree)
    assert intent.targets == ("k8s-manifests/*.yaml",)  # the recipe loops over it on the runner
    assert intent.requested_files(demo_tree) == MANIFESTS


def test_double_star_glob(demo_tree):
    intent = resolve("add trivy scan for **/Dockerfile", demo_tree)
    assert intent.targets == ("**/Dockerfile",)
    assert intent.requested_files(demo_tree) == {"api/Dockerfile", "web/Dockerfile"}


@pytest.mark.parametrize("words", [".", "the repository", "the whole repo"])
def test_whole_repository(demo_tree, words):
    intent = resolve(f"add trivy scan for {words}", demo_tree)
    assert intent.targets == (".",)
    assert intent.requested_files(demo_tree) == MANIFESTS | DOCKERFILES | CHART


def test_whole_repository_with_fs_mode(demo_tree):
    intent = resolve("add trivy fs scan for .", demo_tree)
    assert intent.mode == "fs"
    assert intent.requested_files(demo_tree) == MANIFESTS | DOCKERFILES | CHART


def test_secret_scanner_reads_any_file(demo_tree):
    intent = resolve("add trivy fs secret scan for README.md", demo_tree)
    assert intent.targets == ("README.md",)
    assert intent.requested_files(demo_tree) == {"README.md"}


def test_duplicate_targets_are_merged(demo_tree):
    intent = resolve("add trivy scan for k8s-manifests/api.yaml and ./k8s-manifests/api.yaml",
                     demo_tree)
    assert intent.targets == ("k8s-manifests/api.yaml",)


def test_glob_and_explicit_file_are_both_kept(demo_tree):
    intent = resolve("add trivy scan for k8s-manifests/api.yaml and k8s-manifests/*.yaml", demo_tree)
    assert intent.targets == ("k8s-manifests/api.yaml", "k8s-manifests/*.yaml")
    assert intent.requested_files(demo_tree) == MANIFESTS


def test_intent_exposes_the_request(demo_tree):
    intent = resolve("add trivy fs secret scan for k8s-manifests fail on critical only on pull requests "
                     "weekly with sarif upload", demo_tree)
    assert intent.tool == "trivy"
    assert intent.mode == "fs"
    assert intent.scanners == ("misconfig", "secret")
    assert intent.fail_on == ("CRITICAL",)
    assert intent.triggers == ("pull_request",)
    assert intent.schedule == "0 3 * * 1"
    assert intent.upload_sarif is True
    assert intent.to_dict() == {
        "tool": "trivy", "mode": "fs", "scanners": ["misconfig", "secret"], "targets": ["k8s-manifests"],
        "fail_on": ["CRITICAL"], "triggers": ["pull_request"], "schedule": "0 3 * * 1", "upload_sarif": True,
        "tools": ["trivy"], "framework": [], "required_check": False,
    }


def test_actionlint_default_target(demo_tree):
    intent = resolve("add actionlint check", demo_tree)
    assert intent.targets == (".github/workflows",)
    assert intent.requested_files(demo_tree) == {
        ".github/workflows/images.yml", ".github/workflows/unit-tests.yml"}


def test_actionlint_accepts_a_repo_without_workflows():
    tree = RepoTree.from_mapping({"README.md": "hi\n"})
    intent = resolve("add actionlint check", tree)
    assert intent.targets == (".github/workflows",)
    assert intent.requested_files(tree) == frozenset()


def test_trivy_does_not_get_the_missing_workflows_exception():
    tree = RepoTree.from_mapping({"README.md": "hi\n"})
    found = problems("add trivy scan for .github/workflows", tree)
    assert found == ("`.github/workflows` does not exist in the repository.",)


def test_small_tree_dockerfile_and_helm_template():
    tree = RepoTree.from_mapping({
        "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "charts/app/templates/deploy.yaml": "{{- if .Values.on }}\nkind: Deployment\n{{- end }}\n",
        "charts/app/templates/_helpers.tpl": "{{/* helpers */}}",
        "charts/app/values.yaml": "on: true\n",
        "svc/Dockerfile": DOCKERFILE,
    })
    intent = resolve("add trivy scan for charts and svc", tree)
    assert intent.targets == ("charts", "svc")
    assert intent.requested_files(tree) == {"charts/app/templates/deploy.yaml", "svc/Dockerfile"}


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    "/home/me/shop/k8s-manifests/api.yaml",
    "~/k8s-manifests/api.yaml",
    "C:\\src\\shop\\k8s-manifests\\api.yaml",
])
def test_absolute_path_suggests_the_relative_path(demo_tree, raw):
    found = problems(f"add trivy scan for `{raw}`", demo_tree)
    assert found == (
        f"`{raw}` is an absolute path; write it relative to the repository root "
        "(e.g. `k8s-manifests/api.yaml`).",)


def test_absolute_directory_suggests_the_directory(demo_tree):
    (found,) = problems("add trivy scan for /work/shop/k8s-manifests", demo_tree)
    assert "is an absolute path" in found
    assert found.endswith("(e.g. `k8s-manifests`).")


@pytest.mark.parametrize("raw", ["..", "../k8s-manifests/api.yaml", "k8s-manifests/../README.md",
                                 "k8s-manifests/../../etc"])
def test_dot_dot_is_refused(demo_tree, raw):
    found = problems(f"add trivy scan for {raw}", demo_tree)
    assert found == (f"`{raw}` uses `..`; paths must stay inside the repository.",)


def test_missing_path_suggests_the_close_match(demo_tree):
    (found,) = problems("add trivy scan for k8s-manifest/api.yaml", demo_tree)
    assert found.startswith("`k8s-manifest/api.yaml` does not exist in the repository. Did you mean ")
    suggestion = found.split("Did you mean ", 1)[1]
    assert suggestion.startswith("`k8s-manifests/api.yaml`")  # the same file name comes first
    assert found.endswith("?")


def test_missing_path_same_basename_elsewhere(demo_tree):
    (found,) = problems("add trivy scan for k8s/api.yaml", demo_tree)
    assert "does not exist" in found
    assert "Did you mean `k8s-manifests/api.yaml`" in found


def test_missing_path_without_anything_close_has_no_suggestion(demo_tree):
    found = problems("add trivy scan for zzzzqqqq.tf", demo_tree)
    assert found == ("`zzzzqqqq.tf` does not exist in the repository.",)


def test_glob_matching_nothing(demo_tree):
    (found,) = problems("add trivy scan for helm/**/*.yaml", demo_tree)
    assert found.startswith("`helm/**/*.yaml` matches no file in the repository.")


def test_glob_matching_nothing_suggests(demo_tree):
    (found,) = problems("add trivy scan for manifests/*.yml", demo_tree)
    assert found.startswith("`manifests/*.yml` matches no file in the repository. Did you mean ")
    assert "k8s-manifests/" in found


def test_file_trivy_does_not_read(demo_tree):
    found = problems("add trivy scan for README.md", demo_tree)
    assert found == (
        "trivy config would find nothing to check in `README.md`: it is not a Kubernetes manifest, "
        "Dockerfile, Terraform, CloudFormation, Helm template or ARM template.",)


@pytest.mark.parametrize("path", ["docker-compose.yml", "kustomization.yaml", ".github/dependabot.yml"])
def test_yaml_that_is_not_a_manifest_is_refused(demo_tree, path):
    (found,) = problems(f"add trivy scan for {path}", demo_tree)
    assert found.startswith(f"trivy config would find nothing to check in `{path}`: it is not ")


def test_directory_without_readable_files(demo_tree):
    (found,) = problems("add trivy fs scan for db", demo_tree)
    assert found.startswith("trivy fs would find nothing to check in `db`: it contains no file that trivy reads as ")


def test_repository_without_readable_files():
    tree = RepoTree.from_mapping({"README.md": "# x\n", "src/main.py": "print(1)\n"})
    (found,) = problems("add trivy scan for the repository", tree)
    assert found.startswith("trivy config would find nothing to check in the repository: it contains no file")


def test_empty_dockerfile_is_not_read():
    tree = RepoTree.from_mapping({"Dockerfile": "  \n", "ok/Dockerfile": DOCKERFILE})
    (found,) = problems("add trivy scan for Dockerfile", tree)
    assert "`Dockerfile`: it is not" in found
    assert resolve("add trivy scan for ok/Dockerfile", tree).targets == ("ok/Dockerfile",)


def test_unparseable_manifest_is_not_read():
    tree = RepoTree.from_mapping({"k8s/bad.yaml": K8S + "---\nkey: [unclosed\n"})
    (found,) = problems("add trivy scan for k8s/bad.yaml", tree)
    assert "would find nothing to check in `k8s/bad.yaml`" in found


def test_several_path_problems_reported_together(demo_tree):
    found = problems("add trivy scan for /etc/passwd, ../x, nope.yaml and k8s-manifests/api.yaml",
                     demo_tree)
    assert len(found) == 3
    assert found[0].startswith("`/etc/passwd` is an absolute path")
    assert found[1] == "`../x` uses `..`; paths must stay inside the repository."
    assert found[2] == "`nope.yaml` does not exist in the repository."


def test_several_unreadable_targets_reported_together(demo_tree):
    found = problems("add trivy scan for README.md, k8s-manifests and db/schema.sql", demo_tree)
    assert len(found) == 2
    assert "`README.md`" in found[0]
    assert "`db/schema.sql`" in found[1]


def test_path_problems_come_before_readability(demo_tree):
    # README.md is unreadable, but the missing path is reported first and alone
    found = problems("add trivy scan for README.md and zzzzqqqq.tf", demo_tree)
    assert found == ("`zzzzqqqq.tf` does not exist in the repository.",)


# --- symbolic links ---------------------------------------------------------------------------


def test_symlinked_directory_escaping_the_repo_in_memory():
    tree = RepoTree(files=("k8s/app.yaml", "ok/app.yaml"), contents={"k8s/app.yaml": K8S, "ok/app.yaml": K8S},
                    symlinks={"k8s": "../../etc"})
    for raw in ("k8s", "k8s/app.yaml"):
        found = problems(f"add trivy scan for {raw}", tree)
        assert found == (f"`{raw}` is a symbolic link that points outside the repository.",)
    assert resolve("add trivy scan for ok/app.yaml", tree).targets == ("ok/app.yaml",)


def test_symlink_to_absolute_path_in_memory():
    tree = RepoTree(files=("app.yaml",), contents={"app.yaml": K8S}, symlinks={"app.yaml": "/etc/app.yaml"})
    assert problems("add trivy scan for app.yaml", tree) == (
        "`app.yaml` is a symbolic link that points outside the repository.",)


def test_symlink_inside_the_repo_is_fine_in_memory():
    tree = RepoTree(files=("a/app.yaml", "b/link.yaml"), contents={"a/app.yaml": K8S, "b/link.yaml": K8S},
                    symlinks={"b/link.yaml": "../a/app.yaml"})
    assert resolve("add trivy scan for b/link.yaml", tree).targets == ("b/link.yaml",)


@pytest.fixture
def linked_repo(tmp_path: Path) -> RepoTree:
    root = tmp_path / "repo"
    outside = tmp_path / "outside"
    (root / "k8s").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.yaml").write_text(K8S)
    (root / "k8s" / "ok.yaml").write_text(K8S)
    os.symlink(outside, root / "ext")
    os.symlink(outside / "secret.yaml", root / "abs.yaml")
    os.symlink("../outside/secret.yaml", root / "rel.yaml")
    os.symlink("rel.yaml", root / "chain.yaml")
    os.symlink("k8s/ok.yaml", root / "inside.yaml")
    return RepoTree.from_directory(root)


@pytest.mark.parametrize("raw", ["ext", "ext/secret.yaml", "abs.yaml", "rel.yaml"])
def test_real_symlink_escaping_the_repo(linked_repo, raw):
    assert problems(f"add trivy scan for {raw}", linked_repo) == (
        f"`{raw}` is a symbolic link that points outside the repository.",)


def test_real_symlink_inside_the_repo(linked_repo):
    intent = resolve("add trivy scan for inside.yaml", linked_repo)
    assert intent.requested_files(linked_repo) == {"inside.yaml"}


def test_whole_repo_does_not_read_through_escaping_links(linked_repo):
    files = resolve("add trivy scan for .", linked_repo).requested_files(linked_repo)
    assert "rel.yaml" not in files and "abs.yaml" not in files
    assert {"k8s/ok.yaml", "inside.yaml"} <= files


def test_chained_symlink_escaping_the_repo(linked_repo):
    assert problems("add trivy scan for chain.yaml", linked_repo) == (
        "`chain.yaml` is a symbolic link that points outside the repository.",)


def test_a_glob_keeps_only_the_files_trivy_reads(demo_tree):
    # Chart.yaml, values.yaml, kustomization.yaml and the workflows match too; trivy reads none of them.
    intent = resolve_intent(parse_request("add trivy scan for **/*.yaml"), demo_tree)
    assert intent.targets == ("**/*.yaml",)
    assert intent.requested_files(demo_tree) == {
        "charts/shop/templates/deployment.yaml", "charts/shop/templates/service.yaml",
        "k8s-manifests/api.yaml", "k8s-manifests/db.yaml", "k8s-manifests/web.yaml"}
    with pytest.raises(IntentError, match=r"matches 1 file\(s\), but trivy config reads none of them"):
        resolve_intent(parse_request("add trivy scan for .github/*.yml"), demo_tree)
