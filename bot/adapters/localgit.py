"""A local git repository as a forge: git plumbing only, so the user's checkout is never touched."""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot import deadline
from bot.adapters.archive import SnapshotLimits, owned_folder, snapshot_folder, unpack
from bot.adapters.errors import ToolError
from bot.adapters.sandbox import Sandbox, default_sandbox
from bot.forge import ForgeError, Published, Snapshot
from bot.repotree import RepoTree

_BOT_IDENTITY = {
    "GIT_AUTHOR_NAME": "vibeops", "GIT_AUTHOR_EMAIL": "vibeops@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "vibeops", "GIT_COMMITTER_EMAIL": "vibeops@users.noreply.github.com",
}
_ZERO = "0" * 40


class LocalGitForge:
    """git runs like every tool (bot.adapters.sandbox): scrubbed environment, no network, limits."""

    def __init__(self, path: str | Path, sandbox: Sandbox | None = None, limits: SnapshotLimits | None = None):
        self.path = Path(path).absolute()  # git runs in the sandbox's own folder: `-C .` must not mean that one
        self.sandbox = sandbox or default_sandbox()
        self.limits = limits or SnapshotLimits.from_environment()
        if not self.path.is_dir():
            raise ForgeError(f"--repo {path}: no such directory")
        probe = self._git("rev-parse", "--git-dir", check=False)
        if probe.returncode != 0:
            raise ForgeError(f"--repo {path}: not a git repository")

    def in_working_tree(self, path: str) -> bool:
        """Whether `path` is in the user's checkout (committed or not), inside the repository."""
        try:
            target = (self.path / path).resolve()
            return target.is_relative_to(self.path.resolve()) and target.exists()
        except (OSError, ValueError):
            return False

    def default_branch(self) -> str:
        """origin's HEAD when there is a remote, else main/master, else the checked-out branch."""
        remote = self._git("symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD", check=False).stdout.strip()
        candidates = [remote.partition("/")[2]] if remote else []
        candidates += ["main", "master"]
        head = self._git("symbolic-ref", "-q", "--short", "HEAD", check=False).stdout.strip()
        candidates += [head] if head else []
        for name in candidates:
            if name and self._head(name):
                return name
        raise ForgeError(f"{self.path}: the repository has no commits on a default branch (main, master)")

    @contextmanager
    def snapshot(self, ref: str) -> Iterator[Snapshot]:
        commit = self._head(ref) or self._resolve(ref)
        if commit is None:
            raise ForgeError(f"{self.path}: no branch or commit named {ref!r}")
        with snapshot_folder() as workdir:
            root = Path(workdir, "repo")
            root.mkdir()
            yield Snapshot(self._extract(commit, root), commit)

    def file_on_branch(self, branch: str, path: str) -> str | None:
        # `refs/heads/BRANCH:PATH` names only a branch: no branch, no file (one git run, not two).
        shown = self._git("show", f"refs/heads/{branch}:{path}", check=False)
        return shown.stdout if shown.returncode == 0 else None

    def publish(self, branch: str, base_commit: str, path: str, text: str, message: str) -> Published:
        deadline.check(f"write branch {branch}")
        if self._git("check-ref-format", "--branch", branch, check=False).returncode != 0:
            raise ForgeError(f"{branch!r} is not a valid branch name")
        self._refuse_checked_out(branch)
        # The branch's head, its tree and the base's tree, in one git run.
        old, old_tree, base_tree = self._resolve_many(f"refs/heads/{branch}^{{commit}}", f"refs/heads/{branch}^{{tree}}",
                                                      f"{base_commit}^{{tree}}")
        parent, parent_tree = (old, old_tree) if old else (base_commit, base_tree)
        with owned_folder("index") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp, "index"))}
            self._git("read-tree", parent, env=env)
            blob = self._git("hash-object", "-w", "--stdin", input=text).stdout.strip()
            self._git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            tree = self._git("write-tree", env=env).stdout.strip()
        if tree == parent_tree:
            return Published(branch, parent, created=False, changed=False)
        commit = self._git("-c", "commit.gpgsign=false", "commit-tree", tree, "-p", parent,
                           "-F", "-", input=message, env=_BOT_IDENTITY).stdout.strip()
        # Compare-and-swap: fails instead of overwriting a branch that moved meanwhile.
        moved = self._git("update-ref", "-m", "vibeops", f"refs/heads/{branch}", commit, old or _ZERO, check=False)
        if moved.returncode != 0:
            raise ForgeError(f"branch {branch} changed while vibeops was writing it; run the request again")
        return Published(branch, commit, created=old is None, changed=True)

    def _refuse_checked_out(self, branch: str) -> None:
        listing = self._git("worktree", "list", "--porcelain", check=False).stdout
        if f"branch refs/heads/{branch}\n" in listing + "\n":
            raise ForgeError(f"branch {branch} is checked out; switch to another branch so vibeops can update it")

    def _extract(self, commit: str, root: Path) -> RepoTree:
        archive = self._run_git(["archive", "--format=tar", commit], None, None, text=False)
        if archive.returncode != 0:
            raise ForgeError(f"git archive {commit[:12]} failed: {archive.stderr.decode(errors='replace').strip()}")
        if len(archive.stdout) > self.limits.archive_bytes:
            raise ForgeError(self.limits.too_big_archive(len(archive.stdout)))
        with tempfile.TemporaryFile() as buffer:
            buffer.write(archive.stdout)
            buffer.seek(0)
            with tarfile.open(fileobj=buffer, mode="r:") as tar:
                return unpack(tar, root, limits=self.limits)

    def _head(self, branch: str) -> str | None:
        return self._resolve(f"refs/heads/{branch}")

    def _resolve(self, ref: str) -> str | None:
        found = self._git("rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False)
        return found.stdout.strip() if found.returncode == 0 else None

    def _resolve_many(self, *names: str) -> list[str | None]:
        """Each name's object ID (None where git has none), from one `git cat-file --batch-check`."""
        answer = self._git("cat-file", "--batch-check=%(objectname)", input="".join(f"{n}\n" for n in names))
        lines = answer.stdout.splitlines()
        if len(lines) != len(names):
            raise ForgeError(f"git cat-file answered {len(lines)} lines for {len(names)} names")
        return [None if line.endswith(" missing") or line.endswith(" ambiguous") else line.strip() for line in lines]

    def _git(self, *args: str, input: str | None = None, env: dict | None = None,
             check: bool = True) -> subprocess.CompletedProcess:
        result = self._run_git(list(args), input, env)
        if check and result.returncode != 0:
            raise ForgeError(f"git {args[0]} failed: {result.stderr.strip()}")
        return result

    def _run_git(self, args: list[str], input: str | None, env: dict | None,
                 text: bool = True) -> subprocess.CompletedProcess:
        try:
            return self.sandbox.run(["git", "-C", str(self.path), *args], "git", stdin=input, env=env, text=text,
                                    host_filesystem=True)
        except ToolError as exc:
            raise ForgeError(f"git {args[0]} failed: {exc}") from exc
