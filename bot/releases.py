"""Release binaries a recipe may download, pinned by version, URL and sha256 (workflows/SOURCES.md).

kubeconform, helm, chart-testing and kube-linter have no wheel on the package index, so their recipes
download the project's own release asset to a file, check it with `sha256sum --check` against the digest
written literally in the workflow, and only then extract (or, for a bare binary, install) the binary. Every digest here was established as a fact for that exact
version and asset by independent public sources that agree (recorded in workflows/SOURCES.md); none is
computed or guessed here. The guardrails accept a download only when its URL and digest are in this table.

"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Release:
    name: str  # the tool's name in requests; its binary goes to $RUNNER_TEMP/<name>-bin
    program: str  # the binary's name, and the scanner it is checked as
    version: str
    url: str  # https, the project's own release asset
    sha256: str  # 64 lowercase hex digits
    members: tuple[str, ...]  # what is extracted from the tarball: the binary first
    strip: int = 0  # --strip-components, so the binary lands at $RUNNER_TEMP/<name>-bin/<program>

    @property
    def archive(self) -> str:
        """The file name the tarball is saved under in $RUNNER_TEMP."""
        return self.url.rsplit("/", 1)[1]


RELEASES: dict[str, Release] = {
    "kubeconform": Release(
        "kubeconform", "kubeconform", "0.7.0",
        "https://github.com/yannh/kubeconform/releases/download/v0.7.0/kubeconform-linux-amd64.tar.gz",
        "c31518ddd122663b3f3aa874cfe8178cb0988de944f29c74a0b9260920d115d3", ("kubeconform",)),
    "helm": Release(
        "helm", "helm", "3.19.0", "https://get.helm.sh/helm-v3.19.0-linux-amd64.tar.gz",
        "a7f81ce08007091b86d8bd696eb4d86b8d0f2e1b9f6c714be62f82f96a594496", ("linux-amd64/helm",), strip=1),
    # ct, with the two files `ct lint` reads its rules from (passed to it explicitly).
    "chart-testing": Release(
        "chart-testing", "ct", "3.14.0",
        "https://github.com/helm/chart-testing/releases/download/v3.14.0/chart-testing_3.14.0_linux_amd64.tar.gz",
        "d16f0583616885423826241164ce1f6589c6fe5332fa74f374ebd2bd3cb3fe1f",
        ("ct", "etc/chart_schema.yaml", "etc/lintconf.yaml")),
    # The bare binary (kube-linter publishes no checksum file; its tarball is deprecated).
    "kube-linter": Release(
        "kube-linter", "kube-linter", "0.8.3",
        "https://github.com/stackrox/kube-linter/releases/download/v0.8.3/kube-linter-linux",
        "618d299a3e2839c8ca9d86fce0db617be0fba41f0fecbbbfb7fbf1c04299fae1", ()),
}
# What each tool's install step downloads: chart-testing runs helm for `helm lint`.
NEEDS: dict[str, tuple[str, ...]] = {"kubeconform": ("kubeconform",), "helm": ("helm",),
                                     "chart-testing": ("helm", "chart-testing"), "kube-linter": ("kube-linter",)}
# chart-testing also runs yamllint and yamale, installed from wheels pinned by hash into this venv.
CT_VENV = "$RUNNER_TEMP/chart-testing-venv"
CT_PATH = f"$RUNNER_TEMP/helm-bin:{CT_VENV}/bin:$PATH"  # ct finds helm, yamllint and yamale on PATH
CT_FILES = tuple(f"$RUNNER_TEMP/chart-testing-bin/{m}" for m in RELEASES["chart-testing"].members[1:])

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
assert all(_HEX64.match(r.sha256) and r.url.startswith("https://") for r in RELEASES.values())


def by_url(url: str) -> Release | None:
    return next((r for r in RELEASES.values() if r.url == url), None)


def install_script(tool: str) -> str:
    """Download to a file, verify the literal digest, then extract the binary: nothing is piped to a shell."""
    lines = []
    for name in NEEDS[tool]:
        release = RELEASES[name]
        archive = f'"$RUNNER_TEMP/{release.archive}"'
        strip = [f"--strip-components={release.strip}"] if release.strip else []
        lines += [
            f'mkdir -p "$RUNNER_TEMP/{name}-bin"',
            f"curl -fsSL --proto =https --retry 3 -o {archive} {release.url}",
            f'echo "{release.sha256}  $RUNNER_TEMP/{release.archive}" | sha256sum --check --strict',
            " ".join(["tar", "-xzf", archive, "-C", f'"$RUNNER_TEMP/{name}-bin"', "--no-same-owner", *strip,
                      *release.members]) if release.members else  # a bare binary: put in place once verified
            f"install -m 0755 {archive} {program(name)}",
        ]
    return "\n".join(lines) + "\n"


def program(tool: str) -> str:
    """The verified binary, by its full path: nothing is added to PATH for later steps."""
    release = RELEASES[tool]
    return f'"$RUNNER_TEMP/{release.name}-bin/{release.program}"'
