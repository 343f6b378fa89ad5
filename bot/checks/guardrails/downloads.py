"""A verified release download: to a file, `sha256sum --check` of the pinned digest, then extract.

The only download a written workflow may make. A script that runs `curl` or `tar` is accepted only when
every line of it is one of these, in this order for each file:

    mkdir -p "$RUNNER_TEMP/TOOL-bin"
    curl -fsSL [--proto =https] [--retry N] -o "$RUNNER_TEMP/ARCHIVE" URL
    echo "SHA256  $RUNNER_TEMP/ARCHIVE" | sha256sum --check [--strict]
    tar -xzf "$RUNNER_TEMP/ARCHIVE" -C "$RUNNER_TEMP/TOOL-bin" [--no-same-owner] [--strip-components=N] MEMBER…
    install -m 0755 "$RUNNER_TEMP/ASSET" "$RUNNER_TEMP/TOOL-bin/PROGRAM"      (a release that is a bare binary)

where URL, SHA256 and the MEMBERs are exactly a release in bot.releases (a prompt-injected request cannot
bring its own URL with a digest it computed), nothing is piped into a shell, and the archive is checked
before it is extracted. Each line is a whole command: bash runs `run:` steps with `-e`, so a failed check
stops the step before `tar` runs. Anything else that downloads is still rejected.
"""

from __future__ import annotations

import re

from bot.releases import CT_FILES, CT_PATH, RELEASES, by_url

_TEMP = r'"\$(?:RUNNER_TEMP|\{RUNNER_TEMP\})/([A-Za-z0-9][A-Za-z0-9._-]*)"'
_MKDIR = re.compile(rf"^mkdir -p {_TEMP}$")
_CURL_FLAGS = r"(?:-fsSL|-sSfL|-fsL|-sSL|-fL|-L|-f|-s|-S|--fail|--silent|--show-error|--location|--proto =https|" \
              r"--proto '=https'|--tlsv1\.2|--retry [0-9]{1,2}|--max-time [0-9]{1,4})"
_CURL = re.compile(rf"^curl(?: {_CURL_FLAGS})* -o {_TEMP}(?: {_CURL_FLAGS})* (https://[A-Za-z0-9./_-]+)$")
_CHECK = re.compile(r'^echo "([0-9a-f]{64})  \$(?:RUNNER_TEMP|\{RUNNER_TEMP\})/([A-Za-z0-9][A-Za-z0-9._-]*)" '
                    r"\| sha256sum (?:-c|--check)(?: --strict)?(?: --quiet)?$")
_TAR = re.compile(rf"^tar -xzf {_TEMP} -C {_TEMP}(?: --no-same-owner)?(?: --strip-components=([0-9]))?"
                  r"((?: [A-Za-z0-9][A-Za-z0-9._/-]*)+)$")
_INSTALL = re.compile(rf'^install -m 0755 {_TEMP} "\$(?:RUNNER_TEMP|\{{RUNNER_TEMP\}})/([a-z-]+)-bin/([a-z-]+)"$')
_SET = re.compile(r"^set -(?:e|eu|euo pipefail|eo pipefail)$")
DOWNLOADERS = frozenset({"curl", "wget", "tar", "install"})


def problems(text: str) -> list[str]:
    """Why this script is not a verified release download ([] when it is one)."""
    downloaded: dict[str, str] = {}  # archive file -> the release's tool
    checked: set[str] = set()
    found: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or _SET.match(line):
            continue
        mkdir, curl, check, tar = _MKDIR.match(line), _CURL.match(line), _CHECK.match(line), _TAR.match(line)
        install = _INSTALL.match(line)
        if mkdir:
            if not any(mkdir.group(1) == f"{tool}-bin" for tool in RELEASES):
                found.append(f"line {number} makes `{mkdir.group(1)}`, which is no pinned tool's folder")
        elif curl:
            release = by_url(curl.group(2))
            if release is None:
                found.append(f"line {number} downloads {curl.group(2)}, which is not a release vibeops pins by "
                             "sha256 (bot.releases)")
            elif curl.group(1) != release.archive:
                found.append(f"line {number} saves {release.url} as `{curl.group(1)}`, not `{release.archive}`")
            else:
                downloaded[curl.group(1)] = release.name
                checked.discard(curl.group(1))  # new bytes: an earlier check no longer covers them
        elif check:
            digest, name = check.groups()
            tool = downloaded.get(name)
            if tool is None:
                found.append(f"line {number} checks `{name}`, which no earlier line downloaded")
            elif digest != RELEASES[tool].sha256:
                found.append(f"line {number} checks `{name}` against {digest[:12]}…, not the sha256 vibeops "
                             f"pins for {tool} {RELEASES[tool].version}")
            else:
                checked.add(name)
        elif tar:
            archive, folder, strip, members = tar.groups()
            tool = downloaded.get(archive)
            if archive not in checked or tool is None:
                found.append(f"line {number} extracts `{archive}` before `sha256sum --check` verified it")
                continue
            release = RELEASES[tool]
            if folder != f"{tool}-bin" or tuple(members.split()) != release.members \
                    or int(strip or 0) != release.strip:
                found.append(f"line {number} extracts something other than {' '.join(release.members)} into "
                             f"`$RUNNER_TEMP/{tool}-bin`")
        elif install:
            archive, folder, name = install.groups()
            tool = downloaded.get(archive)
            if archive not in checked or tool is None:
                found.append(f"line {number} installs `{archive}` before `sha256sum --check` verified it")
                continue
            release = RELEASES[tool]
            if release.members or folder != tool or name != release.program:
                found.append(f"line {number} installs `{archive}` as something other than "
                             f"`$RUNNER_TEMP/{tool}-bin/{release.program}`")
        else:
            found.append(f"line {number} (`{line[:80]}`) is not part of a verified download: only `mkdir -p`, "
                         "`curl -o FILE URL`, `echo \"SHA256  FILE\" | sha256sum --check`, `tar -xzf FILE` and `install -m 0755 "
                         "FILE` are")
    missing = sorted(set(downloaded) - checked)
    found += [f"`{name}` is downloaded but never checked with `sha256sum --check`" for name in missing]
    if not downloaded:
        found.append("it downloads no pinned release")
    return found


def release_program(value: str) -> str | None:
    """`$RUNNER_TEMP/NAME-bin/PROGRAM` of a pinned release: the program's name, else None."""
    for release in RELEASES.values():
        for temp in ("$RUNNER_TEMP", "${RUNNER_TEMP}"):
            if value == f"{temp}/{release.name}-bin/{release.program}":
                return release.program
    return None


def ct_reads(program: str | None, value: str) -> bool:
    """ct's own rule files in its verified folder, which `ct lint --chart-yaml-schema/--lint-conf` reads."""
    return program == "ct" and (value in CT_FILES or value.partition("=")[2] in CT_FILES)


def ct_path(name: str, value: str, program: str | None) -> bool:
    """`PATH=$RUNNER_TEMP/helm-bin:$RUNNER_TEMP/chart-testing-venv/bin:$PATH` on ct's own command line only:
    ct runs helm, yamllint and yamale by name, and those folders hold only what the job verified."""
    return name == "PATH" and program == "ct" and value == CT_PATH
