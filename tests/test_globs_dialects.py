"""Each tool's glob dialect, from its documentation, and matching that stays linear on hostile patterns."""

from __future__ import annotations

import pytest

from bot.globs import (glob_match, glob_problem, github_filter_match,
                       trivy_bad_pattern, trivy_skip_match)

# GitHub's "filter pattern cheat sheet" (workflow syntax docs): pattern, paths it matches, paths it does not.
GITHUB_DOC_EXAMPLES = [
    ("*", ["README.md", "server.rb"], ["docs/README.md"]),
    ("*.jsx?", ["page.js", "page.jsx"], ["page.jsxx", "a/page.js"]),
    ("**", ["all/the/files.md", "x"], []),
    ("*.js", ["app.js", "index.js"], ["js/index.js"]),
    ("**.js", ["index.js", "js/index.js", "src/js/app.js"], ["index.jsx"]),
    ("docs/*", ["docs/README.md", "docs/file.txt"], ["docs/mona/octocat.txt"]),
    ("docs/**", ["docs/README.md", "docs/mona/octocat.txt"], ["README.md"]),
    ("docs/**/*.md", ["docs/README.md", "docs/mona/hello-world.md", "docs/a/markdown/file.md"], ["docs/a.txt"]),
    ("**/docs/**", ["docs/hello.md", "dir/docs/my-file.txt", "space/docs/plan/space.doc"], ["mydocs/x"]),
    ("**/README.md", ["README.md", "js/README.md"], ["README.mdx"]),
    ("**/*src/**", ["a/src/app.js", "my-src/code/js/app.js"], ["src.js"]),
    ("**/*-post.md", ["my-post.md", "path/their-post.md"], ["post.md"]),
    ("**/migrate-*.sql", ["migrate-10909.sql", "db/migrate-v1.0.sql", "db/sept/migrate-v1.sql"], ["migrate.sql"]),
    # branch and tag examples of the same cheat sheet
    ("feature/*", ["feature/my-branch", "feature/your-branch"], ["feature/a/b"]),
    ("feature/**", ["feature/beta-a/my-branch", "feature/your-branch", "feature/mona/the/octocat"], []),
    ("*feature", ["mona-feature", "feature", "ver-10-feature"], ["feature-x"]),
    ("v2*", ["v2", "v2.0", "v2.9"], ["v3"]),
    ("v[12].[0-9]+.[0-9]+", ["v1.10.1", "v2.0.0"], ["v3.0.0", "v1.x.1"]),
]


@pytest.mark.parametrize("pattern, yes, no", GITHUB_DOC_EXAMPLES)
def test_github_filter_cheat_sheet(pattern, yes, no):
    for path in yes:
        assert github_filter_match(pattern, path), (pattern, path)
    for path in no:
        assert not github_filter_match(pattern, path), (pattern, path)


def test_github_negation_example_via_trigger_scope():
    from bot.checks.trigger_scope import triggers_on

    spec = {"paths": ["*.md", "!README.md"]}
    assert triggers_on("hello.md", spec)
    assert not triggers_on("README.md", spec)
    assert not triggers_on("docs/hello.md", spec)
    spec = {"paths": ["*.md", "!README.md", "README*"]}
    assert all(triggers_on(p, spec) for p in ("hello.md", "README.md", "README.doc"))


def test_github_escape_and_literal_repeat_characters():
    assert github_filter_match(r"a\*b", "a*b")
    assert not github_filter_match(r"a\*b", "axb")
    assert github_filter_match("+x", "+x")  # nothing to repeat: the character itself


# --- invalid patterns never raise --------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", ["[z-a]", "[", "a[", "[]", "[!]", "x[z-a]y", "\\", "**[", "[\\]"])
def test_invalid_patterns_never_raise(pattern):
    for match in (glob_match, github_filter_match):
        assert match(pattern, "a") in (True, False)
        assert match(pattern, "z/a") in (True, False)


def test_reversed_range_matches_nothing_and_is_reported():
    assert not glob_match("[z-a]", "a") and not glob_match("[z-a]", "z")
    assert "reversed" in glob_problem("[z-a]")
    assert "empty" in glob_problem("[]")
    assert glob_problem("k8s/**/*.yaml") is None
    assert glob_problem("a" * 5000)


def test_trivy_bad_pattern_ends_the_list_as_trivy_does():
    # trivy's SkipPath returns false at the first pattern doublestar calls bad: later ones are not tried.
    assert trivy_bad_pattern("[") and trivy_bad_pattern("a{b") and trivy_bad_pattern("x\\")
    assert not trivy_bad_pattern("**/*.yaml")
    assert trivy_skip_match(["*.yaml"], "a.yaml")
    assert not trivy_skip_match(["[", "*.yaml"], "a.yaml")
    assert trivy_skip_match(["*.yaml", "["], "a.yaml")


@pytest.mark.parametrize("pattern", ["[", "**/.terraform/**/*", "(" * 10 + "a"])
def test_a_checkov_skip_path_checkov_cannot_compile_is_plain_text(pattern):
    from bot.scope.checkov import skip_matches

    assert skip_matches((pattern,), f"x/{pattern}/y") and not skip_matches((pattern,), "x/main.tf")


def test_checkov_skip_path_is_a_searched_regex():
    from bot.scope.checkov import skip_matches

    assert skip_matches(("(.|.)*Z",), "aZ") and not skip_matches(("(.|.)*Z",), "a" * 100_000)  # RE2: linear
    assert skip_matches(("test",), "src/test/main.tf")  # search, not a full match
    assert skip_matches((".terraform",), "x/.terraform/y") and not skip_matches((".terraform",), "x/aterraform/y")


# --- linear time: inputs sized so a backtracking matcher would run for minutes ----------------------------

def test_many_stars_then_x_against_a_long_name():
    pattern, name = "*" * 24 + "x", "a" * 60
    assert not glob_match(pattern, name) and not github_filter_match(pattern, name)
    assert glob_match(pattern, name + "x") and not trivy_skip_match([pattern], name)


def test_twelve_double_stars_against_a_36_character_path():
    pattern, path = "**" * 12 + "x", "ab/" * 12
    assert not glob_match(pattern, path) and not github_filter_match(pattern, path)
    pattern = "a/**/" * 12 + "x"
    assert not glob_match(pattern, "a/" * 30) and glob_match(pattern, "a/" * 30 + "x")


def test_alternating_star_letter_pattern():
    pattern = "*a" * 200 + "x"
    assert not glob_match(pattern, "a" * 5000)
    assert not github_filter_match(pattern, "a" * 5000)


# --- helm's .helmignore: the documented example file -------------------------------------------------------

HELM_DOC_EXAMPLE = """# comment

# Match any file or path named .helmignore
.helmignore

# Match any file or path named .git
.git

# Match any text file
*.txt

# Match only directories named mydir
mydir/

# Match only text files in the top-level directory
/*.txt

# Match only the file foo.txt in the top-level directory
/foo.txt

# Match any file named ab.txt, ac.txt, or ad.txt
a[b-d].txt

# Match any file under subdir matching temp*
*/temp*

*/*/temp*
temp?
"""


@pytest.mark.parametrize("path, is_dir, ignored", [
    (".helmignore", False, True), ("sub/.git", True, True), ("notes.txt", False, True), ("a/b/notes.txt", False, True),
    ("mydir", True, True), ("mydir", False, False), ("ab.txt", False, True), ("sub/tempfile", False, True),
    ("a/b/tempx", False, True), ("temp1", False, True), ("temp12", False, False), ("values.yaml", False, False),
    ("templates/deployment.yaml", False, False), ("templates/.hidden", False, True), ("Chart.yaml", False, False),
])
def test_helmignore_documented_example(path, is_dir, ignored):
    from bot.globs import HelmIgnore

    assert HelmIgnore(HELM_DOC_EXAMPLE).ignores(path, is_dir) is ignored


def test_helmignore_refuses_what_helm_refuses():
    from bot.globs import BadPattern, HelmIgnore

    for text in ("images/**\n", "[\n", "a\\\n", "[]\n"):
        with pytest.raises(BadPattern):
            HelmIgnore(text)
    assert not HelmIgnore("[z-a]\n").ignores("m")  # a reversed range is valid in Go and matches nothing


def test_helmignore_negation_is_helms_own():
    from bot.globs import HelmIgnore

    rules = HelmIgnore("!keep.txt\n")
    assert not rules.ignores("keep.txt") and rules.ignores("other.txt")  # helm: a non-match of `!x` is ignored


def test_helmignore_is_linear():
    from bot.globs import HelmIgnore

    assert not HelmIgnore("*a" * 200 + "x\n").ignores("a" * 5000)


# --- trivy's documented skip examples (docs: "Skipping Files and Directories") -----------------------------

@pytest.mark.parametrize("pattern, skipped, kept", [
    ("**/foo", ["foo", "a/foo", "a/b/foo"], ["foo/x", "afoo"]),
    ("**/.terraform", ["x/.terraform", ".terraform"], ["x/.terraform-docs"]),
    ("testdata/*/bar", ["testdata/a/bar"], ["testdata/a/b/bar", "testdata/bar"]),
    ("Gemfile.lock", ["Gemfile.lock"], ["a/Gemfile.lock"]),
])
def test_trivy_documented_skip_examples(pattern, skipped, kept):
    for path in skipped:
        assert trivy_skip_match([pattern], path), (pattern, path)
    for path in kept:
        assert not trivy_skip_match([pattern], path), (pattern, path)
