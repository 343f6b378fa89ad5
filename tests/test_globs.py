"""bot.globs: path globs where `*` stays in one segment and `**` spans directories."""

from __future__ import annotations

import pytest

from bot.globs import compile_glob, glob_match, is_glob
from bot.repotree import RepoTree


@pytest.mark.parametrize("pattern, glob", [
    ("k8s/*.yaml", True), ("**/Dockerfile", True), ("file?.txt", True), ("[ab].yaml", True),
    ("k8s/api.yaml", False), ("k8s", False), (".", False), ("a-b_c.d", False),
])
def test_is_glob(pattern, glob):
    assert is_glob(pattern) is glob


@pytest.mark.parametrize("path, matched", [
    ("k8s/api.yaml", True),
    ("k8s/.hidden.yaml", True),
    ("k8s/.yaml", True),
    ("k8s/sub/api.yaml", False),
    ("api.yaml", False),
    ("k8s/api.yml", False),
    ("k8s/api.yaml.bak", False),
    ("other/k8s/api.yaml", False),
])
def test_star_stays_in_one_segment(path, matched):
    assert glob_match("k8s/*.yaml", path) is matched


def test_star_alone_matches_only_top_level():
    assert glob_match("*", "README.md")
    assert not glob_match("*", "docs/README.md")
    assert glob_match("*/*", "docs/README.md")
    assert not glob_match("*/*", "docs/a/README.md")


@pytest.mark.parametrize("path, matched", [
    ("Dockerfile", True),
    ("api/Dockerfile", True),
    ("a/b/c/Dockerfile", True),
    ("api/Dockerfile.dev", False),
    ("api/MyDockerfile", False),
])
def test_double_star_prefix_crosses_directories(path, matched):
    assert glob_match("**/Dockerfile", path) is matched


@pytest.mark.parametrize("path, matched", [
    ("k8s/a.yaml", True),
    ("k8s/x/y/z.yaml", True),
    ("k8s", False),
    ("k8sx/a.yaml", False),
    ("src/k8s/a.yaml", False),
])
def test_double_star_suffix(path, matched):
    assert glob_match("k8s/**", path) is matched


@pytest.mark.parametrize("path, matched", [
    ("a/b", True),
    ("a/x/b", True),
    ("a/x/y/b", True),
    ("ab", False),
    ("a/xb", False),
    ("a/b/c", False),
    ("x/a/b", False),
])
def test_double_star_in_the_middle_matches_zero_or_more_directories(path, matched):
    assert glob_match("a/**/b", path) is matched


def test_double_star_with_extension():
    assert glob_match("**/*.yaml", "x.yaml")
    assert glob_match("**/*.yaml", "a/b/x.yaml")
    assert not glob_match("**/*.yaml", "a/b/x.yml")
    assert glob_match("deploy/**/*.yaml", "deploy/app.yaml")
    assert glob_match("deploy/**/*.yaml", "deploy/prod/eu/app.yaml")
    assert not glob_match("deploy/**/*.yaml", "other/app.yaml")


def test_double_star_inside_a_segment_crosses():
    assert glob_match("a**z", "a/b/z")
    assert glob_match("a**z", "az")


@pytest.mark.parametrize("path, matched", [
    ("file1.txt", True), ("filea.txt", True), ("file.txt", False), ("file12.txt", False), ("file/.txt", False),
])
def test_question_mark_is_one_character_not_slash(path, matched):
    assert glob_match("file?.txt", path) is matched


@pytest.mark.parametrize("pattern, path, matched", [
    ("[ab].yaml", "a.yaml", True),
    ("[ab].yaml", "b.yaml", True),
    ("[ab].yaml", "c.yaml", False),
    ("svc[0-9].yaml", "svc7.yaml", True),
    ("svc[0-9].yaml", "svcx.yaml", False),
    ("svc[0-9].yaml", "svc10.yaml", False),
    ("[!a]*.yaml", "b.yaml", True),
    ("[!a]*.yaml", "a.yaml", False),
    ("[A-Z]*", "Dockerfile", True),
    ("[A-Z]*", "dockerfile", False),
    ("x[.]yaml", "x.yaml", True),
    ("x[.]yaml", "xayaml", False),
])
def test_character_classes(pattern, path, matched):
    assert glob_match(pattern, path) is matched


def test_unclosed_bracket_is_literal():
    assert glob_match("a[b", "a[b")
    assert not glob_match("a[b", "ab")


@pytest.mark.parametrize("pattern, path", [
    ("a+b.yaml", "a+b.yaml"), ("f(1).yaml", "f(1).yaml"), ("a.b", "a.b"), ("$x^.yaml", "$x^.yaml"),
])
def test_regex_characters_are_literal(pattern, path):
    assert glob_match(pattern, path)


def test_dot_is_not_a_wildcard():
    assert not glob_match("a.b", "aXb")


def test_match_is_anchored_at_both_ends():
    assert not glob_match("api.yaml", "k8s/api.yaml")
    assert not glob_match("k8s/api", "k8s/api.yaml")
    assert not glob_match("*.yaml", "a.yaml/extra")


def test_match_is_case_sensitive():
    assert not glob_match("*.YAML", "a.yaml")
    assert glob_match("*.YAML", "a.YAML")


def test_compiled_patterns_are_cached():
    assert compile_glob("k8s/**/*.yaml") is compile_glob("k8s/**/*.yaml")


def test_repotree_glob_uses_these_rules():
    tree = RepoTree.from_mapping({p: "" for p in (
        "a/b", "a/x/b", "a/x/y/b", "ab", "k8s/api.yaml", "k8s/sub/db.yaml", "top.yaml")})
    assert tree.glob("a/**/b") == ("a/b", "a/x/b", "a/x/y/b")
    assert tree.glob("k8s/*.yaml") == ("k8s/api.yaml",)
    assert tree.glob("**/*.yaml") == ("k8s/api.yaml", "k8s/sub/db.yaml", "top.yaml")
    assert tree.glob("./k8s/*.yaml") == ("k8s/api.yaml",)


def test_negated_class_does_not_match_slash():
    assert not glob_match("k8s[!x]api.yaml", "k8s/api.yaml")
