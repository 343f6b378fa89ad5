"""render(): the vetted recipes filled in for an Intent, checked as parsed YAML."""

from __future__ import annotations

import hashlib
import re

import pytest

from bot.catalog import default_catalog
from bot.checks.policy import RULES
from bot.intent import resolve_intent
from bot.recipes import Draft, render, slug_for
from bot.repotree import RepoTree
from bot.request import parse_request
from bot.workflow import Workflow, dump_yaml, line_of, load_yaml

K8S = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n"
USES = re.compile(r"^(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?:/[A-Za-z0-9_./-]+)?@(?P<sha>[0-9a-f]{40})$")
TRIVY = "aquasecurity/trivy-action@"
UPLOAD = "github/codeql-action/upload-sarif@"
NOT_CANCELLED = "${{ !cancelled() }}"


def make(text: str, tree: RepoTree, branch: str = "main") -> Draft:
    return render(resolve_intent(parse_request(text), tree), tree, branch, default_catalog())


def parsed(draft: Draft) -> Workflow:
    return Workflow.parse(draft.path, draft.text)


def steps(draft: Draft) -> list:
    return [s.data for s in parsed(draft).steps()]


def scan_steps(draft: Draft) -> list:
    return [s for s in steps(draft) if str(s.get("uses", "")).startswith(TRIVY)]


def upload_steps(draft: Draft) -> list:
    return [s for s in steps(draft) if str(s.get("uses", "")).startswith(UPLOAD)]


@pytest.fixture
def tree(demo_tree) -> RepoTree:
    return demo_tree


REQUESTS = [
    "add trivy scan for k8s-manifests/api.yaml",
    "add trivy scan for k8s-manifests/api.yaml, web/Dockerfile and api/Dockerfile",
    "add trivy scan for k8s-manifests",
    "add trivy scan for the repository",
    "add trivy fs scan for k8s-manifests and web",
    "add trivy fs secret scan for .",
    "add actionlint check",
    "add actionlint check for .github/workflows/images.yml",
    "add trivy scan for k8s-manifests and web/Dockerfile with sarif upload",
    "add trivy fs scan for . report only nightly upload to code scanning only on pull requests",
]


# --- properties every recipe has --------------------------------------------------------------


@pytest.mark.parametrize("text", REQUESTS)
def test_every_uses_is_pinned_to_a_catalogued_sha_with_its_tag(tree, text):
    draft = make(text, tree)
    catalog = default_catalog()
    by_commit = {p.commit: p for p in catalog.pins}
    lines = draft.text.splitlines()
    seen = 0
    for step in steps(draft):
        uses = step.get("uses")
        if uses is None:
            continue
        seen += 1
        match = USES.match(uses)
        assert match, f"not pinned to a full SHA: {uses}"
        pin = by_commit.get(match["sha"])
        assert pin is not None, f"{uses} is not in actions.json"
        assert pin.action.lower() == match["action"].lower()
        # the newest catalogued tag of that action is the one used
        assert catalog.latest(uses.split("@")[0])[1] == pin
        line = lines[line_of(step, "uses") - 1]
        comment = re.search(r"#\s*(v\d+\.\d+\.\d+)\s*$", line)
        assert comment, f"no `# vX.Y.Z` comment on: {line!r}"
        assert comment.group(1) == pin.tag
    assert seen >= 2


@pytest.mark.parametrize("text", REQUESTS)
def test_common_hardening(tree, text):
    draft = make(text, tree)
    doc = parsed(draft).doc
    assert dict(doc["permissions"]) == {"contents": "read"}
    # A scheduled run has a group of its own, so a push never cancels it.
    event = "${{ github.event_name }}-" if "nightly" in text else ""
    assert doc["concurrency"]["group"] == "${{ github.workflow }}-" + event + "${{ github.ref }}"
    assert doc["concurrency"]["cancel-in-progress"] is True
    jobs = parsed(draft).jobs
    assert jobs
    for job in jobs.values():
        assert isinstance(job["timeout-minutes"], int) and 0 < job["timeout-minutes"] <= 30
        assert job["runs-on"] == "ubuntu-24.04"
    checkouts = [s for s in steps(draft) if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("text", REQUESTS)
def test_rendered_text_round_trips_through_ruamel(tree, text):
    draft = make(text, tree)
    assert dump_yaml(load_yaml(draft.text)) == draft.text
    assert draft.text.startswith("# Written by vibeops from its vetted `")


@pytest.mark.parametrize("text", REQUESTS)
def test_rendered_workflows_pass_the_policy_rules(tree, text):
    workflow = parsed(make(text, tree))
    findings = [f for rule in RULES for f in rule.audit(workflow)]
    assert findings == []


@pytest.mark.parametrize("text", REQUESTS)
def test_rendering_is_stable(tree, text):
    first, second = make(text, tree), make(text, tree)
    assert first == second


# --- trivy config -----------------------------------------------------------------------------


def test_one_file(tree):
    draft = make("add trivy scan for k8s-manifests/api.yaml", tree)
    assert draft.slug == "trivy-config-k8s-manifests-api"
    assert draft.path == ".github/workflows/vibeops-trivy-config-k8s-manifests-api.yml"
    assert draft.generator == "recipe:trivy-config"
    assert draft.title == "Add trivy config scan for k8s-manifests/api.yaml"
    doc = parsed(draft).doc
    assert doc["name"] == "trivy config scan for k8s-manifests/api.yaml"
    (scan,) = scan_steps(draft)
    inputs = scan["with"]
    assert inputs["scan-type"] == "config"
    assert inputs["scan-ref"] == "k8s-manifests/api.yaml"
    assert inputs["severity"] == "CRITICAL,HIGH"
    assert inputs["exit-code"] == "1"
    assert inputs["version"] == "v0.76.0"
    assert inputs["cache-dir"] == "${{ runner.temp }}/trivy-cache"
    assert "scanners" not in inputs
    assert "skip-setup-trivy" not in inputs
    assert "if" not in scan
    assert "format" not in inputs
    assert scan["name"] == "Scan k8s-manifests/api.yaml"
    assert upload_steps(draft) == []
    assert "permissions" not in next(iter(parsed(draft).jobs.values()))


def test_triggers_for_one_file(tree):
    draft = make("add trivy scan for k8s-manifests/api.yaml", tree)
    on = parsed(draft).doc["on"]
    assert list(on) == ["pull_request", "push", "workflow_dispatch"]
    expected = ["k8s-manifests/api.yaml", draft.path]
    assert list(on["pull_request"]["paths"]) == expected
    assert list(on["push"]["paths"]) == expected
    assert list(on["push"]["branches"]) == ["main"]
    assert "branches" not in on["pull_request"]
    assert on["workflow_dispatch"] is None
    assert "schedule" not in on


def test_push_uses_the_given_default_branch(tree):
    draft = make("add trivy scan for k8s-manifests/api.yaml", tree, branch="develop")
    assert list(parsed(draft).doc["on"]["push"]["branches"]) == ["develop"]


def test_several_files_one_scan_step_each(tree):
    targets = ["k8s-manifests/api.yaml", "web/Dockerfile", "api/Dockerfile"]
    draft = make("add trivy scan for " + ", ".join(targets), tree)
    scans = scan_steps(draft)
    assert [s["with"]["scan-ref"] for s in scans] == targets
    assert [s["name"] for s in scans] == [f"Scan {t}" for t in targets]
    first, *later = scans
    assert "skip-setup-trivy" not in first["with"] and "if" not in first
    for step in later:
        assert step["with"]["skip-setup-trivy"] is True
        assert step["if"] == NOT_CANCELLED
    on = parsed(draft).doc["on"]
    assert list(on["pull_request"]["paths"]) == targets + [draft.path]
    digest = hashlib.sha256("\n".join(targets).encode()).hexdigest()[:8]
    assert draft.slug == "trivy-config-k8s-manifests-api-web-dock-" + digest
    assert len(draft.slug) == 48


def test_scan_steps_follow_checkout(tree):
    draft = make("add trivy scan for k8s-manifests/api.yaml and web/Dockerfile", tree)
    uses = [str(s.get("uses", "")).split("@")[0] for s in steps(draft)]
    assert uses == ["actions/checkout", "aquasecurity/trivy-action", "aquasecurity/trivy-action", ""]
    summary = steps(draft)[-1]  # the findings table: written to the job summary and printed to the log
    assert summary["name"] == "Write the findings table" and summary["if"] == NOT_CANCELLED
    assert [s["with"]["output"] for s in scan_steps(draft)] == ["${{ runner.temp }}/trivy-1.txt",
                                                                "${{ runner.temp }}/trivy-2.txt"]
    assert 'cat "$report"' in summary["run"] and '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]


def test_directory_target(tree):
    draft = make("add trivy scan for k8s-manifests", tree)
    assert draft.slug == "trivy-config-k8s-manifests"
    (scan,) = scan_steps(draft)
    assert scan["with"]["scan-ref"] == "k8s-manifests"
    on = parsed(draft).doc["on"]
    assert list(on["pull_request"]["paths"]) == ["k8s-manifests/**", draft.path]
    assert list(on["push"]["paths"]) == ["k8s-manifests/**", draft.path]


def test_repository_root(tree):
    draft = make("add trivy scan for the repository", tree)
    assert draft.slug == "trivy-config-repo"
    assert draft.title == "Add trivy config scan for the repository"
    (scan,) = scan_steps(draft)
    assert scan["with"]["scan-ref"] == "."
    on = parsed(draft).doc["on"]
    assert "paths" not in on["pull_request"]
    assert "paths" not in on["push"]
    assert list(on["push"]["branches"]) == ["main"]
    assert "workflow_dispatch" in on


def test_directory_covering_the_workflow_file_is_not_doubled():
    tree = RepoTree.from_mapping({".github/k8s.yaml": K8S})
    draft = make("add trivy scan for .github", tree)
    assert list(parsed(draft).doc["on"]["pull_request"]["paths"]) == [".github/**"]


# --- options --------------------------------------------------------------------------------


def test_report_only(tree):
    draft = make("add trivy scan for k8s-manifests/api.yaml and web/Dockerfile report only", tree)
    for scan in scan_steps(draft):
        assert scan["with"]["exit-code"] == "0"
        assert isinstance(scan["with"]["exit-code"], str)
        assert "severity" not in scan["with"]
    assert 'exit-code: "0"' in draft.text


def test_fail_on_medium_and_above(tree):
    draft = make("add trivy scan for k8s-manifests fail on medium and above", tree)
    (scan,) = scan_steps(draft)
    assert scan["with"]["severity"] == "CRITICAL,HIGH,MEDIUM"
    assert scan["with"]["exit-code"] == "1"
    assert 'exit-code: "1"' in draft.text


def test_only_on_pull_requests_drops_push_and_dispatch(tree):
    draft = make("add trivy scan for k8s-manifests only on pull requests", tree)
    on = parsed(draft).doc["on"]
    assert list(on) == ["pull_request"]
    assert list(on["pull_request"]["paths"]) == ["k8s-manifests/**", draft.path]


def test_only_on_push(tree):
    draft = make("add trivy scan for k8s-manifests only on pushes", tree, branch="trunk")
    on = parsed(draft).doc["on"]
    assert list(on) == ["push"]
    assert list(on["push"]["branches"]) == ["trunk"]


@pytest.mark.parametrize("when, cron", [("nightly", "0 3 * * *"), ("weekly", "0 3 * * 1")])
def test_schedule(tree, when, cron):
    draft = make(f"add trivy scan for k8s-manifests {when}", tree)
    on = parsed(draft).doc["on"]
    assert [dict(entry) for entry in on["schedule"]] == [{"cron": cron}]
    assert {"pull_request", "push", "workflow_dispatch"} <= set(on)


def test_sarif_upload(tree):
    draft = make("add trivy scan for k8s-manifests and web/Dockerfile with sarif upload", tree)
    (job,) = parsed(draft).jobs.values()
    assert dict(job["permissions"]) == {"contents": "read", "security-events": "write", "actions": "read"}
    assert dict(parsed(draft).doc["permissions"]) == {"contents": "read"}
    scans, uploads = scan_steps(draft), upload_steps(draft)
    assert len(scans) == len(uploads) == 2
    for scan in scans:
        assert scan["with"]["format"] == "sarif"
        assert scan["with"]["limit-severities-for-sarif"] is True
        assert scan["with"]["output"].endswith(".sarif")
    for upload in uploads:
        assert upload["if"] == NOT_CANCELLED
    categories = [u["with"]["category"] for u in uploads]
    assert categories == ["trivy-k8s-manifests", "trivy-web-dockerfile"]
    assert len(set(categories)) == len(categories)
    assert len({s["with"]["output"] for s in scans}) == 2
    # each upload follows its scan and uploads that scan's output
    order = steps(draft)
    for scan, upload in zip(scans, uploads):
        assert order.index(upload) == order.index(scan) + 1
        assert upload["with"]["sarif_file"] == scan["with"]["output"]
    assert order[-2] == uploads[-1]
    # In SARIF mode the findings still reach the log and the job summary, as a table.
    summary = order[-1]
    assert summary["if"] == NOT_CANCELLED and '| tee -a "$GITHUB_STEP_SUMMARY"' in summary["run"]
    assert all(s["with"]["output"] in summary["run"] for s in scans)


def test_sarif_upload_for_the_repository_report_only(tree):
    draft = make("add trivy fs scan for . report only with sarif upload", tree)
    (scan,) = scan_steps(draft)
    (upload,) = upload_steps(draft)
    assert scan["with"]["exit-code"] == "0"
    assert scan["with"]["output"] == "trivy-repo.sarif"
    assert upload["with"]["category"] == "trivy-repo"


def test_sarif_categories_distinct_for_colliding_slugs():
    tree = RepoTree.from_mapping({"k8s/api.yaml": K8S, "k8s-api.yaml": K8S})
    draft = make("add trivy scan for k8s/api.yaml and k8s-api.yaml with sarif upload", tree)
    categories = [u["with"]["category"] for u in upload_steps(draft)]
    outputs = [s["with"]["output"] for s in scan_steps(draft)]
    assert len(categories) == 2
    assert len(set(categories)) == 2
    assert len(set(outputs)) == 2


# --- trivy fs -------------------------------------------------------------------------------


def test_trivy_fs(tree):
    draft = make("add trivy fs scan for k8s-manifests and web", tree)
    assert draft.generator == "recipe:trivy-fs"
    assert draft.slug == "trivy-fs-k8s-manifests-web"
    scans = scan_steps(draft)
    assert [s["with"]["scan-ref"] for s in scans] == ["k8s-manifests", "web"]
    for scan in scans:
        assert scan["with"]["scan-type"] == "fs"
        assert scan["with"]["scanners"] == "misconfig"
    assert list(parsed(draft).doc["on"]["pull_request"]["paths"]) == ["k8s-manifests/**", "web/**", draft.path]
    (job,) = parsed(draft).jobs.values()
    assert job["timeout-minutes"] == 15


def test_trivy_fs_secret_scanner(tree):
    draft = make("add trivy fs secret scan for .", tree)
    (scan,) = scan_steps(draft)
    assert scan["with"]["scanners"] == "misconfig,secret"
    assert draft.slug == "trivy-fs-repo"


# --- actionlint -----------------------------------------------------------------------------


def test_actionlint_default(tree):
    draft = make("add actionlint check", tree)
    assert draft.slug == "actionlint"
    assert draft.path == ".github/workflows/vibeops-actionlint.yml"
    assert draft.generator == "recipe:actionlint"
    lint = [s for s in steps(draft) if str(s.get("uses", "")).startswith("raven-actions/actionlint@")]
    (step,) = lint
    assert step["name"] == "Lint the workflows"
    assert "files" not in step["with"]
    assert step["with"]["version"] == "1.7.12"
    on = parsed(draft).doc["on"]
    # the workflow directory already covers the new workflow file
    assert list(on["pull_request"]["paths"]) == [".github/workflows/**"]
    assert list(on["push"]["paths"]) == [".github/workflows/**"]
    assert scan_steps(draft) == []


def test_actionlint_one_file(tree):
    target = ".github/workflows/images.yml"
    draft = make(f"add actionlint check for {target}", tree)
    assert draft.slug == "actionlint-github-workflows-images"
    (step,) = [s for s in steps(draft) if "files" in s.get("with", {})]
    assert step["with"]["files"] == target
    assert step["name"] == f"Lint {target}"
    assert list(parsed(draft).doc["on"]["pull_request"]["paths"]) == [target, draft.path]


def test_actionlint_directory():
    tree = RepoTree.from_mapping({"ci/a.yml": "on: push\n"})
    draft = make("add actionlint check for ci", tree)
    (step,) = [s for s in steps(draft) if "files" in s.get("with", {})]
    assert step["with"]["files"] == "ci/**/*.yml, ci/**/*.yaml"


def test_actionlint_on_repo_without_workflows():
    tree = RepoTree.from_mapping({"README.md": "x\n"})
    draft = make("add actionlint check", tree)
    assert list(parsed(draft).doc["on"]["pull_request"]["paths"]) == [".github/workflows/**"]


# --- naming -----------------------------------------------------------------------------------


def test_slug_is_stable_and_path_derived(tree):
    intent = resolve_intent(parse_request("add trivy scan for web/Dockerfile"), tree)
    assert slug_for(intent) == slug_for(intent) == "trivy-config-web-dockerfile"
    assert make("add trivy scan for web/Dockerfile", tree).path == \
        ".github/workflows/vibeops-trivy-config-web-dockerfile.yml"


def test_long_target_lists_are_truncated_with_a_hash():
    files = {f"deploy/service-number-{n}/manifest.yaml": K8S for n in range(12)}
    tree = RepoTree.from_mapping(files)
    named = " and ".join(sorted(files))  # named one by one (a glob would stay one pattern)
    intent = resolve_intent(parse_request(f"add trivy scan for {named}"), tree)
    assert len(intent.targets) == 12
    slug = slug_for(intent)
    digest = hashlib.sha256("\n".join(intent.targets).encode()).hexdigest()[:8]
    assert len(slug) <= 48
    assert slug.endswith("-" + digest)
    assert slug.startswith("trivy-config-deploy-service-number-0")
    assert "--" not in slug

    draft = render(intent, tree, "main", default_catalog())
    assert draft.slug == slug
    assert draft.path == f".github/workflows/vibeops-{slug}.yml"
    assert draft.title.endswith(" and 9 more")
    # the title is too long for `name:`, which still says what the workflow scans
    assert parsed(draft).doc["name"] == "trivy config scan for deploy/service-number-0/manifest.yaml and 11 more"
    assert list(parsed(draft).doc["on"]["pull_request"]["paths"])[-1] == draft.path

    fewer = resolve_intent(parse_request("add trivy scan for " + " and ".join(sorted(files)[:10])), tree)
    assert slug_for(fewer) != slug
    assert len(slug_for(fewer)) <= 48


def test_short_slug_has_no_hash(tree):
    slug = slug_for(resolve_intent(parse_request("add trivy scan for k8s-manifests/api.yaml"), tree))
    assert not re.search(r"-[0-9a-f]{8}$", slug)


def test_the_workflow_name_says_what_it_scans_even_for_long_targets(tmp_path):
    from bot.catalog import default_catalog
    from bot.intent import resolve_intent
    from bot.recipes import render
    from bot.repotree import RepoTree
    from bot.request import parse_request
    from bot.workflow import Workflow

    long_dir = "deploy/production/eu-west-1/kubernetes/manifests/services"
    files = {f"{long_dir}/payments-{n}.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
             for n in range(2)}
    tree = RepoTree.from_mapping(files)
    intent = resolve_intent(parse_request(f"add trivy scan for {long_dir}/payments-0.yaml and "
                                          f"{long_dir}/payments-1.yaml"), tree)
    name = Workflow.parse("w.yml", render(intent, tree, "main", default_catalog()).text).doc["name"]
    assert name.startswith("trivy config scan for deploy/production/") and len(name) <= 72
