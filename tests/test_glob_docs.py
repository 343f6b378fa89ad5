"""Each tool's glob dialect against the examples its own documentation gives (issue 18).

Every row is a fact stated by the tool's docs, written here in our own words and names:
- gitignore(5) (git's manual), as yamllint reads it through pathspec (bot.scope.gitignore);
- GitHub's "filter pattern cheat sheet" for `paths`/`branches` (bot.globs.github_filter_match);
- helm's `.helmignore` page and pkg/ignore's package doc (bot.globs.HelmIgnore);
- trivy's "Skipping Files and Directories" page and the doublestar library syntax it points to
  (bot.globs.trivy_skip_match), checked in addition against the real trivy binary.
Tests assert the engine is RE2 structurally; how fast hostile patterns are answered is in bench/bounds.py.
"""

from __future__ import annotations

import pytest

from bot.globs import HelmIgnore, compile_glob, github_filter_match, trivy_bad_pattern, trivy_skip_match
from bot.scope import gitignore

# --- gitignore(5) -----------------------------------------------------------------------------------------
# (lines of the ignore file, path of a file relative to it, whether the file is ignored)
GITIGNORE_MANUAL = [
    # a pattern without a slash matches at any depth
    (["hello.*"], "hello.txt", True), (["hello.*"], "src/deep/hello.c", True), (["hello.*"], "hellotxt", False),
    # a leading slash anchors to the ignore file's folder
    (["/hello.txt"], "hello.txt", True), (["/hello.txt"], "sub/hello.txt", False),
    # a slash in the middle anchors too: doc/frotz/ only at the root, frotz/ at any depth
    (["doc/frotz/"], "doc/frotz/notes.md", True), (["doc/frotz/"], "a/doc/frotz/notes.md", False),
    (["frotz/"], "frotz/notes.md", True), (["frotz/"], "a/frotz/notes.md", True),
    # a trailing slash matches folders only, never a file of that name
    (["frotz/"], "frotz", False),
    # `*` does not cross a slash: foo/* matches what is directly in foo, and so everything in its folders
    (["foo/*"], "foo/test.json", True), (["foo/*"], "foo", False), (["foo/*"], "bar/foo/test.json", False),
    # leading `**/`: in every folder; `**/foo/bar`: bar directly under any foo
    (["**/foo"], "foo", True), (["**/foo"], "a/b/foo", True),
    (["**/foo/bar"], "foo/bar", True), (["**/foo/bar"], "x/y/foo/bar", True), (["**/foo/bar"], "foo/x/bar", False),
    # trailing `/**`: everything inside, not the name itself
    (["abc/**"], "abc/x/y.yaml", True), (["abc/**"], "abc", False), (["abc/**"], "xabc/y.yaml", False),
    # `/**/` in the middle: zero or more folders
    (["a/**/b"], "a/b", True), (["a/**/b"], "a/x/b", True), (["a/**/b"], "a/x/y/b", True), (["a/**/b"], "ab", False),
    # `?` one character but not a slash; a range
    (["file?.txt"], "file1.txt", True), (["file?.txt"], "file12.txt", False),
    (["[a-c].txt"], "b.txt", True), (["[a-c].txt"], "d.txt", False),
    # `!` re-includes what an earlier pattern excluded; the last matching pattern decides
    (["*.log", "!keep.log"], "debug.log", True), (["*.log", "!keep.log"], "keep.log", False),
    (["!keep.log", "*.log"], "keep.log", True),
    # the manual's "everything except foo/bar" example
    (["/*", "!/foo", "/foo/*", "!/foo/bar"], "top.yaml", True),
    (["/*", "!/foo", "/foo/*", "!/foo/bar"], "foo/bar/x.yaml", False),
    (["/*", "!/foo", "/foo/*", "!/foo/bar"], "foo/baz/x.yaml", True),
    # `#` starts a comment; `\#` and `\!` make them literal; blank lines match nothing
    (["#notes"], "#notes", False), (["\\#notes"], "#notes", True), (["\\!important!.txt"], "!important!.txt", True),
    ([""], "x", False),
    # trailing spaces are dropped unless escaped with a backslash
    (["x.yaml   "], "x.yaml", True), (["x\\ "], "x ", True), (["x\\ "], "x", False),
]


@pytest.mark.parametrize("lines, path, ignored", GITIGNORE_MANUAL)
def test_gitignore_manual(lines, path, ignored):
    patterns = gitignore.compile_patterns(lines)
    assert not isinstance(patterns, str), patterns
    assert gitignore.ignored(patterns, path) is ignored


def test_gitignore_runs_on_re2():
    # each pattern's regex is compiled on RE2; a class only Python's `re` reads is refused, not run on `re`
    assert gitignore.ENGINE == "re2"
    spec = gitignore.compile_patterns(["*.yaml", "!keep/", "# a comment", "a/**/b"])
    assert all(type(p.regex).__module__.startswith("re2") for p in spec.patterns if p.regex is not None)
    # the precedence is pathspec's default backend's, as yamllint runs it: the last pattern matching the path
    # itself (`!*`) beats a later one matching only a folder of it (`?` matches `ab/a`)
    assert not gitignore.ignored(gitignore.compile_patterns(["!*", "?"]), "ab/a/c]")
    refused = gitignore.compile_patterns(["[[:alpha:]]"])
    assert isinstance(refused, str) and "linear time" in refused
    # what pathspec itself refuses stops yamllint, and says so
    assert "the tool stops" in gitignore.compile_patterns(["ok.yaml", "a/[z-a]"])
    assert "the tool stops" in gitignore.compile_patterns(["\\"])
    assert gitignore.compile_patterns(["x"] * 501) == "too many or too long ignore patterns"


# --- GitHub's filter pattern cheat sheet (rows the dialect test file does not already hold) ----------------

GITHUB_CHEAT_SHEET = [
    ("Octo*", ["Octocat", "Octo"], ["Octo/cat"]),  # `*`: zero or more characters, never `/`
    ("[CB]at", ["Cat", "Bat"], ["Rat", "CBat"]),  # `[]`: one character listed
    ("[1-2]00", ["100", "200"], ["300", "1200"]),  # `[]`: one character of a range
    ("[0-9a-z]", ["7", "q"], ["Q", "77"]),
    ("releases/**", ["releases/10", "releases/beta/mona"], ["release/10"]),
    ("releases/**-alpha", ["releases/10-alpha", "releases/beta/3-alpha"], ["releases/10-beta"]),
    ("main", ["main"], ["main2", "a/main"]),
    ("'*'", ["'x'"], ["x"]),  # quotes are YAML's business: inside the pattern they are literal
]


@pytest.mark.parametrize("pattern, yes, no", GITHUB_CHEAT_SHEET)
def test_github_cheat_sheet_more_rows(pattern, yes, no):
    assert all(github_filter_match(pattern, p) for p in yes), [p for p in yes if not github_filter_match(pattern, p)]
    assert not any(github_filter_match(pattern, p) for p in no), [p for p in no if github_filter_match(pattern, p)]


def test_github_negation_only_at_the_start():
    from bot.checks.trigger_scope import triggers_on

    # `!` negates only as a pattern's first character; elsewhere it is an ordinary character
    assert triggers_on("a!b.md", {"paths": ["a!b.md"]})
    assert not triggers_on("sub/x.md", {"paths": ["**.md", "!sub/**"]})
    assert triggers_on("top.md", {"paths": ["**.md", "!sub/**"]})


# --- helm: .helmignore page and pkg/ignore's package documentation -----------------------------------------

HELM_DOCS = [
    # leading and trailing spaces are always ignored; there is no escape for them
    ("  *.txt   \n", "notes.txt", False, True),
    # inline comments are not supported: the whole line is the pattern
    ("foo* # Any foo\n", "foobar", False, False),
    ("foo* # Any foo\n", "foox # Any foo", False, True),
    # a pattern without a slash tests base names only; with a slash, the path from the chart root
    ("values-*.yaml\n", "ci/values-dev.yaml", False, True),
    ("ci/*.yaml\n", "ci/a.yaml", False, True), ("ci/*.yaml\n", "x/ci/a.yaml", False, False),
    # a leading slash: paths relatively rooted only
    ("/notes.txt\n", "notes.txt", False, True), ("/notes.txt\n", "docs/notes.txt", False, False),
    # a trailing slash: directories only
    ("build/\n", "build", True, True), ("build/\n", "build", False, False),
    # the file does not exclude itself unless listed
    ("*.md\n", ".helmignore", False, False),
    # Go's filepath.Match, not fnmatch: `*` never crosses `/`, `[^…]` negates
    ("docs/*\n", "docs/a/b.md", False, False), ("file[^0-9].txt\n", "filea.txt", False, True),
    ("file[^0-9].txt\n", "file1.txt", False, False),
    # hidden files in templates/ are always ignored (helm's default rule)
    ("", "templates/.secret.yaml", False, True), ("", "templates/deploy.yaml", False, False),
]


@pytest.mark.parametrize("text, path, is_dir, ignored", HELM_DOCS)
def test_helm_documented_rules(text, path, is_dir, ignored):
    assert HelmIgnore(text).ignores(path, is_dir) is ignored


def test_helm_reads_lines_as_go_does():
    # bufio.Scanner splits at "\n" only and drops one "\r"; Python's splitlines would also split at "\x0c"
    assert HelmIgnore("*.txt\r\n").ignores("a.txt")
    assert not HelmIgnore("a\x0cb\n").ignores("a") and not HelmIgnore("a\x0cb\n").ignores("b")
    # a byte-order mark is part of the first rule, as in helm (strings.TrimSpace does not remove it)
    assert not HelmIgnore("\ufeff*.txt\n").ignores("a.txt")


# --- trivy: "Skipping Files and Directories" and doublestar's syntax ----------------------------------------

TRIVY_DOCS = [
    # --skip-files "./testdata/*/bar": a file named bar in the subfolders of testdata (trivy cleans `./`)
    ("testdata/*/bar", ["testdata/a/bar"], ["testdata/bar", "testdata/a/b/bar"]),
    # --skip-files "./foo/**/*.tf": .tf files in foo's folders at any depth
    ("foo/**/*.tf", ["foo/main.tf", "foo/a/b/main.tf"], ["foo/main.tfvars", "bar/main.tf"]),
    # --skip-dirs "./testdata/*": all subfolders of testdata
    ("testdata/*", ["testdata/a"], ["testdata", "testdata/a/b"]),
    # --skip-dirs "**/.terraform"
    ("**/.terraform", [".terraform", "mod/.terraform"], ["mod/.terraform-x"]),
    # doublestar: `**` as a whole segment spans folders; `/path**` behaves as `/path*`
    ("**/child*", ["child1", "grandparent/parent/child1"], ["grandparent/kid"]),
    ("grandparent/**/child?", ["grandparent/child1", "grandparent/parent/child2"], ["grandparent/parent/child10"]),
    ("path/to/**.txt", ["path/to/a.txt"], ["path/to/sub/a.txt"]),
    # `/path/**` is everything under path, and path itself
    ("path/**", ["path", "path/a", "path/a/b"], ["pathx"]),
    # `{a,b}` alternatives, which may hold `/`; `[!…]`/`[^…]` negate; `\` escapes
    ("{api,web}/*.yaml", ["api/x.yaml", "web/y.yaml"], ["db/x.yaml"]),
    ("x/{a,b/c}/y", ["x/a/y", "x/b/c/y"], ["x/b/y"]),
    ("[!a]*.yaml", ["b.yaml"], ["a.yaml"]), ("[^a]*.yaml", ["b.yaml"], ["a.yaml"]),
    ("\\*.yaml", ["*.yaml"], ["a.yaml"]),
]


@pytest.mark.parametrize("pattern, skipped, kept", TRIVY_DOCS)
def test_trivy_documented_examples(pattern, skipped, kept):
    assert all(trivy_skip_match([pattern], p) for p in skipped), [p for p in skipped
                                                                  if not trivy_skip_match([pattern], p)]
    assert not any(trivy_skip_match([pattern], p) for p in kept), [p for p in kept if trivy_skip_match([pattern], p)]


@pytest.mark.parametrize("pattern", ["[", "[]", "[!]", "a{b", "a}b", "x\\"])
def test_doublestar_bad_patterns(pattern):
    # ValidatePattern's refusals: an unclosed or empty class, an unbalanced brace, a trailing backslash
    assert trivy_bad_pattern(pattern)
    assert not trivy_skip_match([pattern, "**"], "anything")  # trivy stops at the bad pattern


def test_a_stray_closing_brace_only_fails_when_the_match_does():
    # doublestar reads `}` outside an alternative as a literal and validates only after a failed match
    assert trivy_skip_match(["a}"], "a}")
    assert not trivy_skip_match(["a}", "**"], "b")


def test_trivy_skip_patterns_run_on_re2():
    assert type(compile_glob("k8s/*.yaml")).__module__.startswith("re2")
    # 150 alternatives in a row compile to one RE2 program, not 2^150 expanded patterns
    pattern = "{a,b}" * 150
    assert trivy_skip_match([pattern], "ab" * 75) and not trivy_skip_match([pattern], "ab" * 74 + "c")


# --- the real trivy binary agrees (one `trivy config` per pattern, offline) --------------------------------
# The patterns hold no comma: trivy splits a --skip-* flag's value at commas (bot/scope/trivy.py does too).

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
LAYOUT = ("a/x/pod.yaml", "a/pod.yaml", "b/pod.yaml", "b/y/z/pod.yaml", "c/pod.yaml")
REAL_TRIVY = [
    ("dirs", "a**"), ("files", "a**"), ("files", "[!a]/pod.yaml"), ("dirs", "b/**"),
    ("files", "**/z/*.yaml"), ("files", "{a/x}/pod.yaml"), ("dirs", "[!b]"), ("files", "a}"),
]


@pytest.mark.parametrize("kind, pattern", REAL_TRIVY)
def test_real_trivy_skips_what_we_predict(kind, pattern, tmp_path):
    from bot.adapters.tools import Tools

    tools = Tools.from_environment()
    if not tools.trivy:
        pytest.fail("trivy is not installed (it comes with the package)")
    for path in LAYOUT:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(POD)
    skip = {"skip_dirs": (pattern,)} if kind == "dirs" else {"skip_files": (pattern,)}
    report = tools.trivy_scan("config", ".", (), cwd=str(tmp_path), **skip)
    scanned = {r["Target"] for r in report.get("Results") or []}

    def skipped(path: str) -> bool:
        if kind == "files":
            return trivy_skip_match([pattern], path)
        parts = path.split("/")[:-1]
        return any(trivy_skip_match([pattern], folder) for folder in [".", *("/".join(parts[:i + 1])
                                                                         for i in range(len(parts)))])

    assert scanned == {p for p in LAYOUT if not skipped(p)}


# --- the scope engine reads a chart through HelmIgnore -----------------------------------------------------

CHART = {"c/Chart.yaml": "name: c\n", "c/values.yaml": "a: 1\n", "c/templates/a.yaml": "kind: X\n",
         "c/docs/x/b.md": "# b\n"}


@pytest.mark.parametrize("helmignore, kept", [
    ("docs/\n", {"c/Chart.yaml", "c/values.yaml", "c/templates/a.yaml", "c/.helmignore"}),  # a folder, skipped whole
    ("docs/*\n", {"c/Chart.yaml", "c/values.yaml", "c/templates/a.yaml", "c/.helmignore"}),  # `*` matches the folder x
    ("d[^x]cs\n", {"c/Chart.yaml", "c/values.yaml", "c/templates/a.yaml", "c/.helmignore"}),
    ("  \n# only comments\n", {"c/Chart.yaml", "c/values.yaml", "c/templates/a.yaml", "c/.helmignore", "c/docs/x/b.md"}),
])
def test_chart_files_apply_helmignore(helmignore, kept):
    from bot.repotree import RepoTree
    from bot.scope.helm import chart_files

    assert set(chart_files("c", RepoTree.from_mapping({**CHART, "c/.helmignore": helmignore}))) == kept


@pytest.mark.parametrize("helmignore, says", [
    ("[\n", "helm loads nothing"), ("a\\\n", "helm loads nothing"), ("x/**\n", "double-star"),
    ("x" * 70_000 + "\n", "token too long"), ("".join(f"r{i}\n" for i in range(2001)), "unknown"),
])
def test_chart_files_when_helm_refuses_or_we_cannot_evaluate(helmignore, says):
    from bot.repotree import RepoTree
    from bot.scope.helm import chart_files

    answer = chart_files("c", RepoTree.from_mapping({**CHART, "c/.helmignore": helmignore}))
    assert isinstance(answer, str) and says in answer and "c/.helmignore" in answer


def test_a_helmignore_past_our_budget_makes_the_step_unknown():
    from bot.repotree import RepoTree
    from bot.scope.steps import scanner_steps
    from bot.workflow import Workflow

    tree = RepoTree.from_mapping({**CHART, "c/.helmignore": "".join(f"r{i}\n" for i in range(2001))})
    text = ("on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v5\n"
            "      - run: helm lint c\n")
    (step,) = [s for s in scanner_steps(Workflow.parse(".github/workflows/t.yml", text), tree) if s.tool == "helm"]
    assert not step.resolved and "more than 2000 rules" in step.reason
