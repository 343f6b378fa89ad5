"""kubeconform, kube-linter, helm lint and chart-testing recipes: release assets pinned by sha256.

Each recipe, for each target shape, is generated with zero model tokens, passes every check the other
recipes pass (actionlint and zizmor with the real binaries, scope, trigger-scope, intent, policy,
guardrails), and `vibeops check` proves it exact. The guardrails accept a download only as a verified
release download of a pinned tool (to a file, `sha256sum --check`, then extract or install); every way
around that is rejected by rule.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from bot.catalog import default_catalog
from bot.intent import IntentError, resolve_intent
from bot.recipes import render
from bot.releases import CT_PATH, RELEASES, install_script
from bot.repotree import RepoTree
from bot.request import NO_HONEST_PIN, RequestError, parse_request
from bot.workflow import Workflow
from tests.conftest import PROJECT, git, make_repo, vibeops_json
from tests.test_allowlist import check, draft, rules, run as run_step

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: nginx:1.27
"""
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  ports:\n    - port: 5432\n"
CHART = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"
TEMPLATE = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  a: {{ .Values.a | quote }}\n"
FILES = {
    "k8s/api.yaml": DEPLOYMENT,
    "k8s/db.yaml": SERVICE,
    "k8s/notes.txt": "not yaml\n",
    "charts/shop/Chart.yaml": CHART.format(name="shop"),
    "charts/shop/values.yaml": "a: 1\n",
    "charts/shop/templates/cm.yaml": TEMPLATE,
    "charts/shop/.helmignore": "*.bak\n",
    "charts/shop/old.bak": "ignored by helm\n",
    "charts/cart/Chart.yaml": CHART.format(name="cart"),
    "charts/cart/templates/cm.yaml": TEMPLATE,
    "docs/readme.md": "docs\n",
}


@pytest.fixture
def repo(tmp_path) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    return make_repo(tmp_path / "repo", files=FILES, source=empty)


def run(repo: Path, text: str) -> dict:
    code, report = vibeops_json("run", text, "--repo", str(repo))
    assert code == 0, (text, report["message"])
    return report


def checked(repo: Path, report: dict, tool: str, requested: list[str]) -> dict:
    """`vibeops check` on the committed workflow, as a reviewer would run it."""
    text = git(repo, "show", f"{report['branch']}:{report['workflow']}")
    target = repo / report["workflow"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    args = ["check", str(target), "--repo", str(repo), "--tool", tool]
    for path in requested:
        args += ["--requested", path]
    code, result = vibeops_json(*args)
    target.unlink()
    assert code == 0, result
    return result["files"][0]


SHOP = ["charts/shop/.helmignore", "charts/shop/Chart.yaml", "charts/shop/templates/cm.yaml", "charts/shop/values.yaml"]
CART = ["charts/cart/Chart.yaml", "charts/cart/templates/cm.yaml"]
SHAPES = [
    # (tool, request, requested paths for `vibeops check`, files the scope must equal)
    ("kubeconform", "add kubeconform check for k8s/api.yaml", ["k8s/api.yaml"], ["k8s/api.yaml"]),
    ("kubeconform", "add kubeconform check for k8s/api.yaml and k8s/db.yaml", ["k8s/api.yaml", "k8s/db.yaml"],
     ["k8s/api.yaml", "k8s/db.yaml"]),
    ("kubeconform", "add kubeconform check for k8s/", ["k8s"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("kubeconform", "add kubeconform check for `k8s/*.yaml`", ["k8s/*.yaml"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("kubeconform", "add kubeconform check for the repository", ["."],  # every .yaml/.yml/.json it walks
     [".github/workflows/vibeops-kubeconform-repo.yml", "charts/cart/Chart.yaml", "charts/cart/templates/cm.yaml",
      "charts/shop/Chart.yaml", "charts/shop/templates/cm.yaml", "charts/shop/values.yaml", "k8s/api.yaml",
      "k8s/db.yaml"]),
    ("helm", "helm lint charts/shop", ["charts/shop"], SHOP),
    ("helm", "add helm lint for charts/shop and charts/cart", ["charts/shop", "charts/cart"], sorted(CART + SHOP)),
    ("helm", "add helm lint for charts", None, sorted(CART + SHOP)),  # the folder: each chart in it
    ("helm", "add helm lint for the helm charts", None, sorted(CART + SHOP)),
    ("helm", "add helm lint for the repository", None, sorted(CART + SHOP)),
    ("kube-linter", "add kube-linter check for k8s/api.yaml", ["k8s/api.yaml"], ["k8s/api.yaml"]),
    ("kube-linter", "add kube-linter check for k8s", ["k8s"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("kube-linter", "add kube-linter check for `k8s/*.yaml`", ["k8s/*.yaml"], ["k8s/api.yaml", "k8s/db.yaml"]),
    ("kube-linter", "add kube-linter check for charts/cart", ["charts/cart"], CART),
    ("chart-testing", "add chart-testing for charts/shop", ["charts/shop"], SHOP),
    ("chart-testing", "ct lint charts/shop and charts/cart", ["charts/shop", "charts/cart"], sorted(CART + SHOP)),
    ("chart-testing", "add chart-testing for the helm charts", None, sorted(CART + SHOP)),
]


@pytest.mark.parametrize("tool, text, requested, scope", SHAPES, ids=[s[1] for s in SHAPES])
def test_recipe_passes_every_check_and_is_proven_exact(repo, tool, text, requested, scope):
    report = run(repo, text)
    assert report["generator"] == f"recipe:{tool}" and report["llm"] is None  # zero model tokens
    assert report["scope"]["verdict"] == "exact" and report["scope"]["scanned"] == scope
    for item in report["checks"]:
        assert item["ok"] and not item["findings"], item
    ids = {c["id"] for c in report["checks"]}
    assert {"actionlint", "zizmor", "scope", "trigger-scope", "intent", "policy", "guardrails"} <= ids
    assert report["preview"]["error"] == f"no preview: {tool} is not installed"  # a line, not a failure
    text = report["workflow_text"]
    for release in (RELEASES[tool], RELEASES["helm"]) if tool == "chart-testing" else (RELEASES[tool],):
        assert release.url in text and release.sha256 in text and "| sha256sum --check --strict" in text
    for forbidden in ("latest", "docker run", "docker://", "sudo"):
        assert forbidden not in text
    assert not re.search(r"\|\s*(?:sh|bash)\b", text)  # nothing is piped into a shell
    if requested is not None:
        audit = checked(repo, report, tool, requested)
        assert audit["scope"]["verdict"] == "exact" and audit["scope"]["scanned"] == scope


def test_kubeconform_is_strict_with_a_summary_and_one_step_per_target(repo):
    report = run(repo, "add kubeconform check for k8s/api.yaml and k8s/db.yaml")
    steps = [s.data for s in Workflow.parse("w.yml", report["workflow_text"]).steps()]
    scans = [s for s in steps if str(s.get("name", "")).startswith("Validate ")]
    assert [s["name"] for s in scans] == ["Validate k8s/api.yaml", "Validate k8s/db.yaml"]
    for scan, target in zip(scans, ("k8s/api.yaml", "k8s/db.yaml")):
        assert scan["run"].startswith('"$RUNNER_TEMP/kubeconform-bin/kubeconform" -strict -summary -output json '
                                      f"{target} |")
    assert "if" not in scans[0] and scans[1]["if"] == "${{ !cancelled() }}"  # later targets still checked


def test_a_glob_stays_a_pattern_and_a_later_file_is_validated_and_triggers(repo):
    report = run(repo, "add kubeconform check for `k8s/*.yaml`")
    text = report["workflow_text"]
    assert "-output json k8s/*.yaml |" in text  # the pattern, not today's files
    assert "k8s/*.yaml" in Workflow.parse("w.yml", text).triggers["pull_request"]["paths"]
    (repo / "k8s/cache.yaml").write_text(SERVICE.replace("db", "cache"))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qm", "later")
    audit = checked(repo, report, "kubeconform", ["k8s/*.yaml"])
    assert audit["scope"]["verdict"] == "exact"
    assert audit["scope"]["scanned"] == ["k8s/api.yaml", "k8s/cache.yaml", "k8s/db.yaml"]
    assert all(c["ok"] for c in audit["checks"])


def test_helm_lint_strictness_follows_fail_on_and_report_only_never_fails(repo):
    tree = RepoTree.from_directory(repo)

    def scan(text: str) -> dict:
        draft_ = render(resolve_intent(parse_request(text), tree), tree, "main", default_catalog())
        return next(s.data for s in Workflow.parse("w.yml", draft_.text).steps() if s.data.get("name") == "Lint charts/shop")

    assert scan("helm lint charts/shop")["run"] == '"$RUNNER_TEMP/helm-bin/helm" lint charts/shop | tee -a "$RUNNER_TEMP/helm.txt"'
    assert " lint --strict charts/shop " in scan("helm lint charts/shop fail on medium")["run"]
    soft = scan("helm lint charts/shop report only")
    assert soft["continue-on-error"] is True and "--strict" not in soft["run"]


def test_combinations_get_one_job_per_tool_each_exact(repo):
    report = run(repo, "scan k8s with kubeconform and trivy")
    assert report["generator"] == "recipe:kubeconform-trivy-config"
    assert report["scope"]["verdict"] == "exact" and report["scope"]["scanned"] == ["k8s/api.yaml", "k8s/db.yaml"]
    assert all(c["ok"] for c in report["checks"])
    assert list(Workflow.parse("w.yml", report["workflow_text"]).jobs) == ["kubeconform", "trivy-config"]
    assert sorted({s["tool"] for s in report["scope"]["steps"]}) == ["kubeconform", "trivy"]
    for tool in ("kubeconform", "trivy"):
        assert checked(repo, report, tool, ["k8s"])["scope"]["verdict"] == "exact"
    assert report["preview"]["error"] == "kubeconform: no preview: kubeconform is not installed"
    both = run(repo, "add helm and kubeconform check for charts/shop")
    assert list(Workflow.parse("w.yml", both["workflow_text"]).jobs) == ["helm", "kubeconform"]
    assert both["scope"]["verdict"] == "exact" and all(c["ok"] for c in both["checks"])


@pytest.mark.parametrize("text, tool, targets", [
    ("charts/shop 차트에 helm lint 추가해줘", "helm", ["charts/shop"]),
    ("kubeconform로 k8s 폴더 검사하는 워크플로 만들어줘", "kubeconform", ["k8s"]),
    ("create github action for security check by kubeconform @k8s/api.yaml", "kubeconform", ["k8s/api.yaml"]),
    ("charts 폴더의 차트에 helm lint 추가해줘", "helm", ["charts/cart", "charts/shop"]),
    ("please add a kubeconform check for the k8s folder nightly", "kubeconform", ["k8s"]),
    ("charts/shop 차트에 chart-testing 추가해줘", "chart-testing", ["charts/shop"]),
    ("ct lint the chart charts/cart", "chart-testing", ["charts/cart"]),
    ("kube-linter로 k8s 폴더 검사해줘", "kube-linter", ["k8s"]),
])
def test_english_and_korean_phrasings_reach_the_recipe(repo, text, tool, targets):
    report = run(repo, text)
    assert report["generator"] == f"recipe:{tool}" and report["llm"] is None
    assert report["intent"]["targets"] == targets and report["scope"]["verdict"] == "exact"
    assert all(c["ok"] for c in report["checks"])


def test_required_check_and_schedule_shapes(repo):
    report = run(repo, "add kubeconform check for k8s/api.yaml as a required check")
    workflow = Workflow.parse("w.yml", report["workflow_text"])
    assert "paths" not in (workflow.triggers["pull_request"] or {})
    steps = [s.data for s in workflow.steps()]
    changed = next(s for s in steps if s.get("id") == "changed")
    assert "git diff --quiet HEAD^1 HEAD -- k8s/api.yaml" in changed["run"]
    assert all("steps.changed.outputs.any != 'false'" in str(s.get("if")) for s in steps[steps.index(changed) + 1:])
    assert all(c["ok"] for c in report["checks"])
    nightly = run(repo, "helm lint charts/shop nightly")
    doc = Workflow.parse("w.yml", nightly["workflow_text"]).doc
    assert doc["concurrency"]["group"] == "${{ github.workflow }}-${{ github.event_name }}-${{ github.ref }}"
    body = nightly["pr"]["body"]
    assert "required* status check would block" in body and "sha256sum --check" in body
    assert "helm 3.19.0 has no wheel" in body


@pytest.mark.parametrize("text, message", [
    ("add chart-testing for k8s", "ct lint takes a chart folder (one with Chart.yaml), and `k8s` is not one"),
    ("add kube-linter check for docs", "kube-linter would find nothing to check in `docs`"),
    ("add helm lint for k8s", "helm lint takes a chart folder (one with Chart.yaml), and `k8s` is not one"),
    ("add helm lint for `charts/*/Chart.yaml`", "helm lint takes chart folders, not patterns"),
    ("add helm and trivy scan for charts", "helm lint takes chart folders: name the charts in `charts`"),
    ("add kubeconform check for k8s/notes.txt", "kubeconform would find nothing to check in `k8s/notes.txt`"),
    ("add kubeconform check for docs", "kubeconform would find nothing to check in `docs`"),
    ("add kubeconform check for k8s with sarif upload", "code scanning"),
])
def test_requests_no_recipe_can_prove_are_refused_and_nothing_is_written(repo, text, message):
    before = git(repo, "for-each-ref", "refs/heads")
    code, report = vibeops_json("run", text, "--repo", str(repo))
    assert code == 2 and report["status"] == "error"
    assert message in report["message"], report["message"]
    assert git(repo, "for-each-ref", "refs/heads") == before


def test_tools_without_a_recipe_are_left_to_the_model():
    assert NO_HONEST_PIN == {}  # every tool the scope engine reads has an honest pin today
    with pytest.raises(RequestError, match="no built-in recipe for zizmor yet"):
        parse_request("add zizmor check for k8s")
    assert parse_request("add zizmor check for k8s", free_form=True).recipe is False


# --- the pins: facts from named sources, verified on the runner before anything is extracted ------


def test_every_pinned_digest_is_recorded_with_its_sources():
    sources = (PROJECT / "workflows/SOURCES.md").read_text()
    for release in RELEASES.values():
        assert re.fullmatch(r"[0-9a-f]{64}", release.sha256) and release.url.startswith("https://")
        section = sources.split(f"`{release.sha256}`", 1)
        assert len(section) == 2, f"{release.tool}'s sha256 is not in SOURCES.md"
        named = re.findall(r"^- `([\w.-]+/[\w.-]+)` `([^`]+)`", section[1].split("\n\n", 1)[0], re.MULTILINE)
        assert len({repo for repo, _ in named}) >= 2, f"{release.tool}: fewer than two named sources"


def _runner(tmp_path: Path, tarball: bytes) -> tuple[dict, Path]:
    """A runner where `curl -o FILE URL` writes `tarball` (no network): the install step's own shell runs."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    payload = tmp_path / "payload.tar.gz"
    payload.write_bytes(tarball)
    (bin_dir / "curl").write_text('#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\n'
                                  f'cp "{payload}" "$2"\n')
    (bin_dir / "curl").chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return {"RUNNER_TEMP": str(temp), "PATH": f"{bin_dir}:/usr/bin:/bin"}, temp


def _tarball(tmp_path: Path, member: str, content: bytes) -> bytes:
    source = tmp_path / "src"
    (source / member).parent.mkdir(parents=True, exist_ok=True)
    (source / member).write_bytes(content)
    out = tmp_path / "t.tar.gz"
    subprocess.run(["tar", "-czf", str(out), "-C", str(source), member], check=True)
    return out.read_bytes()


@pytest.mark.parametrize("tool", sorted(RELEASES))
def test_a_substituted_download_stops_the_step_before_anything_is_put_in_place(tmp_path, tool):
    release = RELEASES[tool]
    payload = b"#!/bin/sh\necho pwned\n"
    evil = _tarball(tmp_path, release.members[0], payload) if release.members else payload  # or a bare binary
    assert hashlib.sha256(evil).hexdigest() != release.sha256
    env, temp = _runner(tmp_path, evil)
    result = subprocess.run(["bash", "-eo", "pipefail", "-c", install_script(tool)], env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0 and "FAILED" in result.stdout + result.stderr
    folders = list(temp.glob("*-bin"))
    assert folders and [p for folder in folders for p in folder.rglob("*")] == []  # made, and nothing put in it


def test_the_check_is_the_one_that_lets_the_right_bytes_through(tmp_path):
    """The same script with the digest of the bytes served extracts the binary: the check is what decides."""
    release = RELEASES["helm"]
    good = _tarball(tmp_path, release.members[0], b"#!/bin/sh\necho helm\n")
    env, temp = _runner(tmp_path, good)
    script = install_script("helm").replace(release.sha256, hashlib.sha256(good).hexdigest())
    subprocess.run(["bash", "-eo", "pipefail", "-c", script], env=env, check=True, capture_output=True)
    assert (temp / "helm-bin" / "helm").read_bytes() == b"#!/bin/sh\necho helm\n"  # --strip-components=1


# --- the guardrails: only a verified download of a pinned release ---------------------------------

KUBECONFORM = RELEASES["kubeconform"]
INSTALL = install_script("kubeconform")
SCAN = '"$RUNNER_TEMP/kubeconform-bin/kubeconform" -strict -summary k8s\n'


def test_the_recipes_verified_download_passes_the_allowlist(repo):
    tree = RepoTree.from_directory(repo)
    for text in ("add kubeconform check for k8s", "helm lint charts/shop", "add chart-testing for charts/shop"):
        workflow = render(resolve_intent(parse_request(text), tree), tree, "main", default_catalog()).text
        assert rules(check(workflow)) == set(), text


@pytest.mark.parametrize("name, script, rule, words", [
    ("piped-into-tar", f"curl -fsSL {KUBECONFORM.url} | tar -xz", "command-not-allowed", "tar"),
    ("no-check", INSTALL.replace(f'echo "{KUBECONFORM.sha256}  $RUNNER_TEMP/{KUBECONFORM.archive}" '
                                 "| sha256sum --check --strict\n", ""), "unverified-download",
     "before `sha256sum --check` verified it"),
    ("wrong-digest", INSTALL.replace(KUBECONFORM.sha256, "0" * 64), "unverified-download",
     "not the sha256 vibeops pins for kubeconform 0.7.0"),
    ("own-url-own-digest", INSTALL.replace(KUBECONFORM.url, "https://evil.example/kubeconform-linux-amd64.tar.gz"),
     "unverified-download", "which is not a release vibeops pins"),
    ("check-may-fail", INSTALL.replace("--check --strict", "--check --strict || true"), "unverified-download",
     "is not part of a verified download"),
    ("extract-before-check", "\n".join([INSTALL.splitlines()[0], INSTALL.splitlines()[1], INSTALL.splitlines()[3],
                                        INSTALL.splitlines()[2]]), "unverified-download",
     "before `sha256sum --check` verified it"),
    ("extra-command", INSTALL + "chmod +x \"$RUNNER_TEMP/kubeconform-bin/kubeconform\"\n", "unverified-download",
     "is not part of a verified download"),
    ("other-member", INSTALL.replace("--no-same-owner kubeconform", "--no-same-owner LICENSE"),
     "unverified-download", "extracts something other than kubeconform"),
    ("into-another-folder", INSTALL.replace('-C "$RUNNER_TEMP/kubeconform-bin"', '-C "$RUNNER_TEMP/helm-bin"'),
     "unverified-download", "extracts something other than kubeconform"),
    ("install-before-check", "\n".join(install_script("kube-linter").splitlines()[i] for i in (0, 1, 3, 2)),
     "unverified-download", "installs `kube-linter-linux` before `sha256sum --check` verified it"),
    ("install-elsewhere", install_script("kube-linter").replace("kube-linter-bin/kube-linter", "helm-bin/helm"),
     "unverified-download", "as something other than `$RUNNER_TEMP/kube-linter-bin/kube-linter`"),
    ("every-member", install_script("chart-testing").replace("etc/lintconf.yaml", "etc/lintconf.yaml LICENSE"),
     "unverified-download", "extracts something other than ct etc/chart_schema.yaml etc/lintconf.yaml"),
    ("downloaded-again-after-the-check", "\n".join(INSTALL.splitlines()[i] for i in (0, 1, 2, 1, 3)),
     "unverified-download", "before `sha256sum --check` verified it"),
    ("continued-line", INSTALL.replace(" -o ", " \\\n  -o "), "unverified-download",
     "is not part of a verified download"),
])
def test_an_unverified_download_is_still_rejected(name, script, rule, words):
    findings = check(draft(run_step(script) + run_step(SCAN)))
    assert rule in rules(findings), [(f.rule, f.message) for f in findings]
    assert any(words in f.message for f in findings if f.rule == rule), [f.message for f in findings]


@pytest.mark.parametrize("name, steps, rule", [
    ("overwrite-the-binary", run_step(INSTALL) + run_step('echo x > "$RUNNER_TEMP/kubeconform-bin/kubeconform"')
     + run_step(SCAN), "protected-path"),
    ("tee-into-the-folder", run_step(INSTALL) + run_step('echo x | tee "$RUNNER_TEMP/kubeconform-bin/kubeconform"')
     + run_step(SCAN), "protected-path"),
    ("another-tools-folder", run_step(INSTALL) + run_step('"$RUNNER_TEMP/helm-bin/kubeconform" -strict k8s'),
     "command-not-allowed"),
    ("a-program-not-pinned", run_step('"$RUNNER_TEMP/trivy-bin/trivy" config k8s'), "command-not-allowed"),
    ("a-program-in-another-folder", run_step('"$RUNNER_TEMP/kube-linter-bin/helm" lint charts/x'),
     "forbidden-run"),  # not a pinned program: named for what helm would do
    ("path-for-another-command", run_step(f'PATH="{CT_PATH}" "$RUNNER_TEMP/helm-bin/helm" lint charts/x'),
     "variable-not-allowed"),
    ("another-path-for-ct", run_step('PATH="$RUNNER_TEMP:$PATH" "$RUNNER_TEMP/chart-testing-bin/ct" lint --charts c'),
     "variable-not-allowed"),
    ("export-the-path", run_step(f'export PATH="{CT_PATH}"'), "variable-not-allowed"),
    ("ct-reads-another-folder", run_step('"$RUNNER_TEMP/chart-testing-bin/ct" lint --charts c --lint-conf '
                                         '"$RUNNER_TEMP/helm-bin/helm"'), "protected-path"),
    ("env-names-the-folder", run_step(INSTALL) + run_step(SCAN, 'env:\n          T: ${{ runner.temp }}/kubeconform-bin\n'
                                                          "        "), "protected-path"),
])
def test_the_verified_binary_cannot_be_replaced_or_borrowed(name, steps, rule):
    assert rule in rules(check(draft(steps)))


# --- the findings tables ------------------------------------------------------------------------

# Shaped on kubeconform's `-output json -summary` report (resources that are not valid, and the totals).
KUBECONFORM_REPORT = {
    "resources": [
        {"filename": "k8s/api.yaml", "kind": "Deployment", "name": "api", "version": "apps/v1",
         "status": "statusInvalid", "msg": "problem validating schema. Check JSON formatting: "
                                          "jsonschema: '/spec/replicas' does not validate: expected integer | got string"},
        {"filename": "k8s/db.yaml", "kind": "Service", "name": "db", "version": "v1", "status": "statusError",
         "msg": "could not find schema for Service"},
    ],
    "summary": {"valid": 3, "invalid": 1, "errors": 1, "skipped": 0},
}
# Shaped on `ct lint` output: helm lint's lines, then ct's verdict per chart.
CT_LOG = textwrap.dedent("""\
    Linting charts...
    ==> Linting charts/shop
    [INFO] Chart.yaml: icon is recommended
    [ERROR] templates/: template: shop/templates/cm.yaml:4:11: executing "shop/templates/cm.yaml"

    Error: 1 chart(s) linted, 1 chart(s) failed
    ------------------------------------------------------------------------------------------------------------------------
     \u2716\ufe0e shop => (version: "0.1.0", path: "charts/shop") > failed waiting for process: exit status 1
     \u2714\ufe0e cart => (version: "0.1.0", path: "charts/cart")
    ------------------------------------------------------------------------------------------------------------------------
    Error linting charts
    """)
HELM_LOG = textwrap.dedent("""\
    ==> Linting charts/shop
    [INFO] Chart.yaml: icon is recommended
    [WARNING] templates/cm.yaml: object name does not conform | to Kubernetes naming requirements

    1 chart(s) linted, 0 chart(s) failed
    """)


# Shaped on kube-linter's `--format sarif` report (SARIF 2.1.0: one run, a result per failed check).
KUBE_LINTER_SARIF = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "kube-linter"}}, "results": [
    {"ruleId": "no-read-only-root-fs", "level": "error",
     "message": {"text": "container \"api\" does not have a read-only root file system"},
     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "k8s/api.yaml"}}}]},
    {"ruleId": "unset-cpu-requirements", "level": "error",
     "message": {"text": "container \"api\" has cpu request 0 | limit 0"},
     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "k8s/api.yaml"}}}]}]}]}


def _summary(tool: str, tmp_path: Path, log_name: str, log: str) -> list[str]:
    tree = RepoTree.from_mapping(FILES)
    text = {"kubeconform": "add kubeconform check for k8s", "helm": "helm lint charts/shop",
            "chart-testing": "add chart-testing for charts/shop", "kube-linter": "add kube-linter check for k8s"}[tool]
    steps = [s.data for s in Workflow.parse("w.yml", render(resolve_intent(parse_request(text), tree), tree, "main",
                                                                   default_catalog()).text).steps()]
    summary = next(s for s in steps if s["name"] == "Write the findings table")
    (tmp_path / log_name).write_text(log)
    env = {"RUNNER_TEMP": str(tmp_path), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "PATH": "/usr/bin:/bin"}
    subprocess.run(["bash", "-eo", "pipefail", "-c", summary["run"]], env=env, check=True)
    return (tmp_path / "summary.md").read_text().splitlines()


@pytest.mark.skipif(subprocess.run(["sh", "-c", "command -v jq"], capture_output=True).returncode != 0,
                    reason="jq is not installed (the runners have it)")
def test_kubeconform_writes_a_findings_table_from_its_json_report(tmp_path):
    report = json.dumps(KUBECONFORM_REPORT, indent=2) + "\n"
    table = _summary("kubeconform", tmp_path, "kubeconform.json", report + report)  # two steps appended
    assert table[:4] == ["### kubeconform findings", "", "| file | kind | name | status | message |",
                         "|---|---|---|---|---|"]
    assert table[4] == ("| k8s/api.yaml | Deployment | api | Invalid | problem validating schema. Check JSON "
                        "formatting: jsonschema: '/spec/replicas' does not validate: expected integer \\| got string |")
    assert table[5] == "| k8s/db.yaml | Service | db | Error | could not find schema for Service |"
    assert "3 valid, 1 invalid, 1 errors, 0 skipped" in table


@pytest.mark.skipif(subprocess.run(["sh", "-c", "command -v jq"], capture_output=True).returncode != 0,
                    reason="jq is not installed (the runners have it)")
def test_kube_linter_writes_a_findings_table_from_its_sarif_report(tmp_path):
    table = _summary("kube-linter", tmp_path, "kube-linter.sarif", json.dumps(KUBE_LINTER_SARIF, indent=2) + "\n")
    assert table == ["### kube-linter findings", "", "| file | check | level | message |", "|---|---|---|---|",
                     '| k8s/api.yaml | no-read-only-root-fs | error | container "api" does not have a read-only root '
                     "file system |",
                     '| k8s/api.yaml | unset-cpu-requirements | error | container "api" has cpu request 0 \\| limit 0 |']


def test_a_repository_kube_linter_config_is_refused_because_it_changes_the_scope(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    repo = make_repo(tmp_path / "repo", files={**FILES, ".kube-linter.yaml": "checks:\n  ignorePaths: [k8s/db.yaml]\n"},
                     source=empty)
    code, report = vibeops_json("run", "add kube-linter check for k8s", "--repo", str(repo))
    assert code == 2 and "`.kube-linter.yaml` configures kube-linter" in report["message"]


def test_helm_writes_a_findings_table_from_its_lint_output(tmp_path):
    table = _summary("helm", tmp_path, "helm.txt", HELM_LOG)
    assert table == ["### helm lint findings", "", "| file | level | message |", "|---|---|---|",
                     "| charts/shop | chart | linted |", "| Chart.yaml | INFO | icon is recommended |",
                     "| templates/cm.yaml | WARNING | object name does not conform \\| to Kubernetes naming "
                     "requirements |"]


def test_ct_writes_a_findings_table_from_its_lint_output(tmp_path):
    table = _summary("chart-testing", tmp_path, "chart-testing.txt", CT_LOG)
    assert table[:4] == ["### ct lint findings", "", "| file | level | message |", "|---|---|---|"]
    assert table[4:] == [
        "| charts/shop | chart | linted |", "| Chart.yaml | INFO | icon is recommended |",
        '| templates/ | ERROR | template: shop/templates/cm.yaml:4:11: executing "shop/templates/cm.yaml" |',
        "| charts/shop | \u2716\ufe0e | ct lint > failed waiting for process: exit status 1 |",
        "| charts/cart | \u2714\ufe0e | ct lint |"]


def test_ct_lints_only_the_named_charts_without_calling_github(repo):
    report = run(repo, "add chart-testing for charts/shop")
    steps = [s.data for s in Workflow.parse("w.yml", report["workflow_text"]).steps()]
    scan = next(s for s in steps if s["name"] == "Lint charts/shop")["run"]
    assert scan.startswith(f'PATH="{CT_PATH}" "$RUNNER_TEMP/chart-testing-bin/ct" lint --charts charts/shop ')
    assert "--validate-maintainers=false --check-version-increment=false" in scan
    assert '--chart-yaml-schema "$RUNNER_TEMP/chart-testing-bin/etc/chart_schema.yaml"' in scan
    pip = next(s for s in steps if "--require-hashes" in str(s.get("run")))["run"]
    assert "yamllint==1.33.0 --hash=sha256:" in pip and "yamale==6.0.0 --hash=sha256:" in pip
    assert "ct runs helm 3.19.0" in report["pr"]["body"]


def test_a_repository_ct_config_is_refused_because_it_changes_the_scope(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    repo = make_repo(tmp_path / "repo", files={**FILES, "ct.yaml": "excluded-charts:\n  - shop\n"}, source=empty)
    code, report = vibeops_json("run", "add chart-testing for charts/shop", "--repo", str(repo))
    assert code == 2 and "`ct.yaml` configures chart-testing" in report["message"]


def test_a_combination_cannot_misread_one_tool_and_stay_exact(repo):
    tree = RepoTree.from_directory(repo)
    intent = resolve_intent(parse_request("scan k8s with kubeconform and trivy"), tree)
    text = render(intent, tree, "main", default_catalog()).text.replace("-output json k8s |", "-output json . |")
    from bot.scope.steps import scanner_steps
    from bot.validation import scope_for

    scope = scope_for(intent, scanner_steps(Workflow.parse("w.yml", text), tree), tree)
    assert scope.verdict == "broader" and "charts/shop/Chart.yaml" in scope.extra


def test_helm_on_a_folder_without_charts_is_an_intent_error():
    with pytest.raises(IntentError, match="there is no Helm chart in the repository"):
        resolve_intent(parse_request("add helm lint for k8s"), RepoTree.from_mapping({"k8s/a.yaml": "a: 1\n"}))
