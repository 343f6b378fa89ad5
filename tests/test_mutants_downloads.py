"""The verified-download grammar of the allowlist (bot/checks/guardrails/downloads.py), line by line.

Each test is a script a model (or a prompt-injected request) could write; `problems` must name exactly
what is wrong with it, on the right line, and accept only the pinned release checked before use.
"""

from __future__ import annotations

from bot.checks.guardrails.downloads import ct_reads, problems
from bot.releases import CT_FILES, RELEASES

KUBECONFORM = RELEASES["kubeconform"]
LINTER = RELEASES["kube-linter"]  # a bare binary: installed, not extracted


def fetch(release, archive: str | None = None) -> list[str]:
    archive = archive or release.archive
    return [f'mkdir -p "$RUNNER_TEMP/{release.name}-bin"',
            f'curl -fsSL --proto =https -o "$RUNNER_TEMP/{archive}" {release.url}',
            f'echo "{release.sha256}  $RUNNER_TEMP/{archive}" | sha256sum --check --strict']


def extract(release) -> str:
    strip = f" --strip-components={release.strip}" if release.strip else ""
    return (f'tar -xzf "$RUNNER_TEMP/{release.archive}" -C "$RUNNER_TEMP/{release.name}-bin" --no-same-owner{strip} '
            + " ".join(release.members))


def install(release, folder: str | None = None, name: str | None = None) -> str:
    return (f'install -m 0755 "$RUNNER_TEMP/{release.archive}" '
            f'"$RUNNER_TEMP/{folder or release.name}-bin/{name or release.program}"')


def test_the_pinned_downloads_pass_with_blank_lines_and_set_e_between_them():
    script = ["set -euo pipefail", "", *fetch(KUBECONFORM), "   ", extract(KUBECONFORM), "set -e", *fetch(LINTER),
              install(LINTER)]
    assert problems("\n".join(script)) == []
    assert problems("set -x\n" + "\n".join(fetch(KUBECONFORM) + [extract(KUBECONFORM)])) == [
        "line 1 (`set -x`) is not part of a verified download: only `mkdir -p`, `curl -o FILE URL`, "
        "`echo \"SHA256  FILE\" | sha256sum --check`, `tar -xzf FILE` and `install -m 0755 FILE` are"]


def test_a_folder_that_is_no_pinned_tool_s_is_named_on_its_line():
    script = "\n".join(fetch(KUBECONFORM) + [extract(KUBECONFORM), 'mkdir -p "$RUNNER_TEMP/evil-bin"'])
    assert problems(script) == ["line 5 makes `evil-bin`, which is no pinned tool's folder"]


def test_a_pinned_release_saved_under_another_name_is_refused():
    lines = fetch(KUBECONFORM, archive="k.tgz")
    assert problems("\n".join(lines)) == [
        f"line 2 saves {KUBECONFORM.url} as `k.tgz`, not `{KUBECONFORM.archive}`",
        "line 3 checks `k.tgz`, which no earlier line downloaded", "it downloads no pinned release"]


def test_a_check_of_a_file_no_line_downloaded_is_refused():
    lines = fetch(KUBECONFORM)
    lines.insert(1, lines.pop(2))  # the check before the download
    assert problems("\n".join(lines + [extract(KUBECONFORM)])) == [
        f"line 2 checks `{KUBECONFORM.archive}`, which no earlier line downloaded",
        f"line 4 extracts `{KUBECONFORM.archive}` before `sha256sum --check` verified it",
        f"`{KUBECONFORM.archive}` is downloaded but never checked with `sha256sum --check`"]


def test_a_bare_binary_installed_before_its_check_is_one_finding():
    lines = fetch(LINTER)
    script = "\n".join(lines[:2] + [install(LINTER), lines[2]])
    assert problems(script) == [f"line 3 installs `{LINTER.archive}` before `sha256sum --check` verified it"]
    wrong = "\n".join(lines[:2] + [install(LINTER, "helm"), lines[2]])  # unchecked is the first thing said
    assert problems(wrong) == [f"line 3 installs `{LINTER.archive}` before `sha256sum --check` verified it"]


def test_a_bare_binary_goes_only_to_its_own_folder_under_its_own_name():
    for folder, name in (("helm", None), (None, "kubectl")):
        assert problems("\n".join(fetch(LINTER) + [install(LINTER, folder, name)])) == [
            f"line 4 installs `{LINTER.archive}` as something other than "
            f"`$RUNNER_TEMP/kube-linter-bin/{LINTER.program}`"]
    # a release that is a tarball is extracted, never installed as it is
    assert problems("\n".join(fetch(KUBECONFORM) + [install(KUBECONFORM)])) == [
        f"line 4 installs `{KUBECONFORM.archive}` as something other than "
        f"`$RUNNER_TEMP/kubeconform-bin/{KUBECONFORM.program}`"]


def test_a_script_that_downloads_nothing_pinned_is_not_a_verified_download():
    assert problems('mkdir -p "$RUNNER_TEMP/kubeconform-bin"') == ["it downloads no pinned release"]


def test_ct_reads_only_its_own_rule_files_and_only_as_ct():
    schema, lintconf = CT_FILES
    assert ct_reads("ct", schema) and ct_reads("ct", f"--lint-conf={lintconf}")
    assert not ct_reads("helm", schema) and not ct_reads("helm", f"--lint-conf={lintconf}")
    assert not ct_reads("ct", "--lint-conf=/etc/passwd") and not ct_reads("ct", "--lint-conf")
    assert not ct_reads(None, schema)
