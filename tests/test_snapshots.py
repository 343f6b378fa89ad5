"""Snapshots are bounded, stay inside their folder, are always removed, see export-ignore'd files,
and a failed download never shows its tokened archive link (issue 12)."""

from __future__ import annotations

import gzip
import io
import logging
import os
import sqlite3
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

from bot.adapters.archive import SnapshotLimits, SnapshotTooLarge, clean_stale_snapshots, snapshot_folder, unpack
from bot.adapters.github import GitHubApp
from bot.adapters.github_retry import RetryPolicy
from bot.adapters.localgit import LocalGitForge
from bot.forge import ForgeError
from tests.appkit import INSTALLATION, REPO, App, replies
from tests.conftest import make_repo
from tests.fakegithub import FakeGitHub

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n    - name: a\n      image: nginx\n"


def tarball(entries: list[tuple[str, bytes | None, bytes]], gz: bool = False) -> io.BytesIO:
    """(name, type, data-or-linkname) entries as a tar archive in memory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            info.type = kind or tarfile.REGTYPE
            if info.type == tarfile.SYMTYPE:
                info.linkname = data.decode()
                tar.addfile(info)
            elif info.type in (tarfile.CHRTYPE, tarfile.FIFOTYPE):
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    data = gzip.compress(buffer.getvalue()) if gz else buffer.getvalue()
    return io.BytesIO(data)


def open_tar(buffer: io.BytesIO) -> tarfile.TarFile:
    return tarfile.open(fileobj=buffer, mode="r:*")


def test_an_archive_within_the_limits_unpacks_with_its_links(tmp_path):
    buffer = tarball([("k8s/a.yaml", None, b"a: 1\n"), ("k8s/b.yaml", tarfile.SYMTYPE, b"a.yaml"),
                      ("out", tarfile.SYMTYPE, b"../../etc/passwd")])
    tree = unpack(open_tar(buffer), tmp_path, limits=SnapshotLimits(files=3, expanded_bytes=5))
    assert tree.read_text("k8s/a.yaml") == "a: 1\n"
    assert tree.symlinks["out"] == "../../etc/passwd" and not (tmp_path / "out").exists()  # left out, remembered


@pytest.mark.parametrize("limits, entries, message", [
    (SnapshotLimits(files=10), [(f"f{i}.txt", None, b"x") for i in range(11)],
     "more than 10 files, the server's limit \\(VIBEOPS_SNAPSHOT_MAX_FILES\\)"),
    (SnapshotLimits(expanded_bytes=1 << 20), [("a.bin", None, bytes(700_000)), ("b.bin", None, bytes(700_000))],
     "add up to more than 1 MB, the server's limit \\(VIBEOPS_SNAPSHOT_MAX_EXPANDED_MB\\)"),
], ids=["files", "expanded-bytes"])
def test_an_archive_over_a_limit_is_refused_before_anything_is_written(tmp_path, limits, entries, message):
    buffer = tarball(entries, gz=True)
    assert len(buffer.getvalue()) < 20_000  # a small download that expands past the limit
    with pytest.raises(SnapshotTooLarge, match=message):
        unpack(open_tar(buffer), tmp_path, limits=limits)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("entry, message", [
    (("../evil.txt", None, b"x"), "names a path outside the repository"),
    (("/etc/evil.txt", None, b"x"), "names a path outside the repository"),
    (("ok/../../evil.txt", None, b"x"), "names a path outside the repository"),
    (("dev", tarfile.CHRTYPE, b""), "device or special file"),
    (("pipe", tarfile.FIFOTYPE, b""), "device or special file"),
], ids=["dotdot", "absolute", "nested-dotdot", "device", "fifo"])
def test_paths_outside_the_folder_and_special_files_refuse_the_whole_archive(tmp_path, entry, message):
    root = tmp_path / "root"
    root.mkdir()
    buffer = tarball([("good.txt", None, b"fine"), entry])
    with pytest.raises(ForgeError, match=message):
        unpack(open_tar(buffer), root)
    assert list(root.iterdir()) == [] and not (tmp_path / "evil.txt").exists()


def test_a_write_through_a_link_to_outside_stays_inside(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    buffer = tarball([("inside", tarfile.SYMTYPE, b".."), ("inside/escaped.txt", None, b"x")])
    tree = unpack(open_tar(buffer), root)
    assert not (tmp_path / "escaped.txt").exists()  # the link was never made, so the write stayed in root
    assert not (root / "inside").is_symlink() and tree.symlinks == {"inside": ".."}


def test_limits_come_from_the_server_settings():
    limits = SnapshotLimits.from_environment({"VIBEOPS_SNAPSHOT_MAX_ARCHIVE_MB": "5",
                                              "VIBEOPS_SNAPSHOT_MAX_EXPANDED_MB": "50",
                                              "VIBEOPS_SNAPSHOT_MAX_FILES": "1000"})
    assert (limits.archive_bytes, limits.expanded_bytes, limits.files) == (5 << 20, 50 << 20, 1000)
    assert SnapshotLimits.from_environment({}) == SnapshotLimits()
    with pytest.raises(ValueError, match="VIBEOPS_SNAPSHOT_MAX_FILES"):
        SnapshotLimits.from_environment({"VIBEOPS_SNAPSHOT_MAX_FILES": "lots"})


# --- through the fake GitHub ---------------------------------------------------------------------

@pytest.fixture
def fake():
    found = FakeGitHub()
    found.start()
    found.add_installation(INSTALLATION, [REPO])
    yield found
    found.stop()
    assert found.server_errors == []


def seed(fake: FakeGitHub, files: dict) -> None:
    fake.add_repo(REPO, files)
    fake.set_permission(REPO, "alice", "write")
    fake.add_issue(REPO, 1, "Scan the pods")


def github_repo(fake: FakeGitHub, limits: SnapshotLimits | None = None):
    app = GitHubApp(fake.app_id, fake.private_key_pem.decode(), fake.base_url,
                    retry=RetryPolicy(attempts=2, base_seconds=0.01), seconds_between_requests=0,
                    seconds_between_writes=0, snapshot_limits=limits)
    return app.repository(INSTALLATION, REPO)


def my_snapshot_folders() -> set[str]:
    prefix = f"vibeops-snapshot-{os.getpid()}."
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith(prefix)}


def test_a_github_snapshot_over_the_limits_is_refused_and_its_folder_removed(fake):
    seed(fake, {f"k8s/pod{i}.yaml": POD.format(name=i) for i in range(30)})
    before = my_snapshot_folders()
    for limits, message in ((SnapshotLimits(files=10), "more than 10 files"),
                            (SnapshotLimits(archive_bytes=200), "over the server's limit of 0 MB")):
        with pytest.raises(ForgeError, match=message):
            with github_repo(fake, limits).snapshot("main"):
                pass
    with pytest.raises(RuntimeError, match="the job failed"):
        with github_repo(fake).snapshot("main") as snapshot:
            assert snapshot.tree.is_file("k8s/pod29.yaml")
            raise RuntimeError("the job failed")
    assert my_snapshot_folders() == before


def test_export_ignored_files_are_fetched_from_the_commits_tree(fake):
    seed(fake, {".gitattributes": "k8s/hidden.yaml export-ignore\nlegacy/ export-ignore\n",
                         "k8s/api.yaml": POD.format(name="api"), "k8s/hidden.yaml": POD.format(name="hidden"),
                         "legacy/old.yaml": POD.format(name="old"), "tools/run.sh": ("100755", "#!/bin/sh\n")})
    sha = fake.branches(REPO)["main"]
    import urllib.request

    raw = urllib.request.urlopen(f"{fake.base_url}/_codeload/{REPO}/legacy.tar.gz/{sha}").read()
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:  # the fake's tarball leaves them out, as GitHub's does
        names = [m.name.partition("/")[2] for m in tar.getmembers()]
    assert "k8s/api.yaml" in names and "k8s/hidden.yaml" not in names and "legacy/old.yaml" not in names
    with github_repo(fake).snapshot("main") as snapshot:
        tree = snapshot.tree
        assert tree.read_text("k8s/hidden.yaml") == POD.format(name="hidden")
        assert tree.read_text("legacy/old.yaml") == POD.format(name="old")
        assert {"k8s/api.yaml", "k8s/hidden.yaml", "legacy/old.yaml", "tools/run.sh"} <= set(tree.files)
    with pytest.raises(ForgeError, match="2 files of this commit are hidden from its archive by `.gitattributes` "
                                         "export-ignore, more than the 1"):
        with github_repo(fake, SnapshotLimits(export_ignored=1)).snapshot("main"):
            pass


def test_an_export_ignored_file_counts_for_the_scope_of_a_request(fake, tmp_path):
    """CI's checkout has the hidden file: a directory request scans it, and the pull request says so."""
    seed(fake, {".gitattributes": "k8s/hidden.yaml export-ignore\n", "k8s/api.yaml": POD.format(name="api"),
                         "k8s/hidden.yaml": POD.format(name="hidden")})
    app = App(fake, tmp_path)
    status, _ = app.comment("/vibeops add trivy scan for k8s/")
    assert status == 202 and app.work() == 1
    (pull,) = [p for p in fake.pulls(REPO) if p["head"].startswith("vibeops/")]
    assert "`k8s/hidden.yaml`" in pull["body"]


def test_a_failed_download_never_shows_the_archive_link_or_its_token(fake, tmp_path, caplog):
    seed(fake, {"k8s/api.yaml": POD.format(name="api")})
    token = fake.archive_token
    caplog.set_level(logging.DEBUG)
    app = App(fake, tmp_path)
    for status in (404, 503):
        fake.fail_next("GET", r"/_codeload/.*", status, times=50)
        assert app.comment("/vibeops add trivy scan for k8s/api.yaml")[0] == 202
        app.work()
        fake.clear_faults()
    answers = replies(fake, 1)
    assert len(answers) == 2
    assert "GitHub answered 404 when vibeops downloaded the archive of main" in answers[0]
    assert "GitHub answered 503" in answers[1]
    assert any("_codeload" in r.getMessage() for r in caplog.records)  # the links were logged, without queries
    for text in [*answers, caplog.text, *(r.getMessage() for r in caplog.records)]:
        assert token not in text and "token=" not in text
    with sqlite3.connect(tmp_path / "jobs.sqlite3") as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):  # noqa: S608 (names from sqlite_master)
                assert token not in repr(row)
        assert any("GitHub answered 503" in repr(row) for row in db.execute("SELECT * FROM jobs"))


def test_stale_snapshot_folders_of_dead_processes_are_removed_at_start(tmp_path):
    dead = tmp_path / "vibeops-snapshot-999999999.0a0b-abc"  # no such process
    earlier = tmp_path / f"vibeops-snapshot-{os.getpid()}.0a0b-abc"  # this PID before a restart
    with snapshot_folder() as live:  # this process's own snapshot, in use
        current = tmp_path / Path(live).name
    alive = tmp_path / f"vibeops-snapshot-{os.getppid()}.0a0b-abc"  # another live process's snapshot
    old_tool = tmp_path / f"vibeops-tool-{os.getppid()}.0a0b-old"  # a live process, but a week old
    fresh_tool = tmp_path / f"vibeops-tool-{os.getppid()}.0a0b-fresh"
    other = tmp_path / "vibeops-notes"  # not a folder vibeops makes
    for folder in (dead, earlier, current, alive, old_tool, fresh_tool, other):
        (folder / "repo").mkdir(parents=True)
    week_ago = time.time() - 7 * 86400
    os.utime(old_tool, (week_ago, week_ago))
    os.utime(other, (week_ago, week_ago))
    removed = clean_stale_snapshots(str(tmp_path))
    assert sorted(removed) == sorted(str(p) for p in (dead, earlier, old_tool))
    assert alive.exists() and current.exists() and fresh_tool.exists() and other.exists()


def test_a_local_snapshot_is_bounded_too(tmp_path):
    repo = make_repo(tmp_path / "repo", {f"many/f{i}.yaml": "a: 1\n" for i in range(20)})
    with pytest.raises(ForgeError, match="more than 5 files"):
        with LocalGitForge(repo, limits=SnapshotLimits(files=5)).snapshot("main"):
            pass


def test_what_a_killed_job_left_is_removed_when_the_next_worker_starts(tmp_path):
    import signal
    import subprocess
    import sys

    repo = make_repo(tmp_path / "repo", {"k8s/api.yaml": POD.format(name="api")})
    code = ("import sys, time\nfrom bot.adapters.localgit import LocalGitForge\n"
            f"with LocalGitForge({str(repo)!r}).snapshot('main') as snapshot:\n"
            "    print(snapshot.tree.root.parent, flush=True)\n    time.sleep(60)\n")
    job = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    folder = Path(job.stdout.readline().strip())
    assert folder.name.startswith(f"vibeops-snapshot-{job.pid}.") and (folder / "repo/k8s/api.yaml").is_file()
    job.send_signal(signal.SIGKILL)
    job.wait()
    assert folder.exists()  # no `finally` runs in a killed process
    assert str(folder) in clean_stale_snapshots()
    assert not folder.exists()
