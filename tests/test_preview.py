"""Preview summaries built from trivy's and actionlint's real JSON output."""

from __future__ import annotations

from bot import preview
from tests.conftest import DEMO


def test_trivy_directory_scan_maps_targets_back_to_repository_paths(tools):
    output = tools.trivy_scan("config", "k8s-manifests", ("misconfig",), str(DEMO))
    files = preview.from_trivy("k8s-manifests", False, output)
    assert [f.path for f in files] == ["k8s-manifests/api.yaml", "k8s-manifests/db.yaml", "k8s-manifests/web.yaml"]
    summary = preview.merge("trivy", files, ("CRITICAL", "HIGH"))
    raw = {r["Target"]: r["MisconfSummary"]["Failures"] for r in output["Results"]}
    assert [sum(f.counts.values()) for f in summary.files] == [raw["api.yaml"], raw["db.yaml"], raw["web.yaml"]]
    assert summary.failing == summary.totals["CRITICAL"] + summary.totals["HIGH"]


def test_trivy_single_file_scan_keeps_the_requested_path(tools):
    output = tools.trivy_scan("config", "api/Dockerfile", ("misconfig",), str(DEMO))
    (file,) = preview.from_trivy("api/Dockerfile", True, output)
    assert file.path == "api/Dockerfile"
    assert file.findings and all(f.id.startswith("DS") for f in file.findings)
    assert all(f.line is None or f.line >= 1 for f in file.findings)


def test_report_only_never_fails_and_top_findings_are_worst_first():
    findings = (preview.PreviewFinding("A", "LOW", "low"), preview.PreviewFinding("B", "CRITICAL", "crit"),
                preview.PreviewFinding("C", "MEDIUM", "med"))
    result = preview.Preview("trivy", (preview.PreviewFile("x.yaml", findings),), fail_on=())
    assert result.failing == 0
    assert [f.id for f in result.top_findings(result.files[0])] == ["B", "C", "A"]
    assert preview.Preview("trivy", result.files, fail_on=("MEDIUM",)).failing == 1


def test_actionlint_errors_group_by_file_and_list_clean_files():
    errors = [{"filepath": ".github/workflows/a.yml", "line": 3, "kind": "syntax-check", "message": "bad"}]
    files = preview.from_actionlint(errors, [".github/workflows/a.yml", ".github/workflows/b.yml"])
    assert [(f.path, len(f.findings)) for f in files] == [(".github/workflows/a.yml", 1), (".github/workflows/b.yml", 0)]


def test_request_marker_is_json_and_cannot_close_the_comment_early():
    import json
    import re

    from bot.render.markdown import request_marker

    marker = request_marker("add trivy scan for `x` --> <script>")
    assert marker.startswith("<!-- vibeops:request ") and marker.count("-->") == 1
    payload = re.match(r"<!-- vibeops:request (.*) -->$", marker).group(1)
    assert json.loads(payload) == {"request": "add trivy scan for `x` --> <script>", "changes": [], "workflow": None}
    from bot.render.markdown import read_marker

    assert read_marker("text\n" + marker + "\n")["request"] == "add trivy scan for `x` --> <script>"
    assert read_marker("no marker") is None


def test_trivy_runs_with_garbage_collection_held_back_unless_the_operator_tuned_it():
    from bot.adapters.tools import trivy_environment

    # Only trivy's own settings: the sandbox adds PATH, HOME and the locale, never the server's variables.
    assert trivy_environment({"PATH": "/bin", "PRIVATE_KEY": "k"}) == {"GOGC": "off", "GOMEMLIMIT": "100MiB"}
    assert trivy_environment({"GOGC": "50"}) == {"GOGC": "50"}
    assert trivy_environment({"GOMEMLIMIT": "1GiB"}) == {"GOMEMLIMIT": "1GiB"}
