"""A GitHub repository through PyGithub: the Forge port plus the conversation around a command."""

from __future__ import annotations

import base64
import io
import logging
import re
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot import deadline
from bot.adapters.archive import SnapshotLimits, SnapshotTooLarge, snapshot_folder, unpack
from bot.adapters.github_budget import InstallationBudget, RateBudget
from bot.adapters.github_retry import RetryPolicy
from bot.forge import ForgeError, ForgeUnavailable, Published, Snapshot
from bot.repotree import RepoTree

MAX_TARBALL_BYTES = SnapshotLimits().archive_bytes  # the default; VIBEOPS_SNAPSHOT_MAX_ARCHIVE_MB sets it
WORKFLOWS_PERMISSION = (
    "GitHub refused to write under `.github/workflows/`: the vibeops App does not have the "
    "**Workflows** permission on this repository. An owner can grant it under Settings → "
    "GitHub Apps → vibeops → Configure (Repository permissions → Workflows: Read and write), "
    "then ask again."
)
_REPLY_MARKER = "<!-- vibeops:reply-to {} -->"


class GitHubApp:
    """One PyGithub client per installation; PyGithub caches each token until shortly before expiry."""

    def __init__(self, app_id: int, private_key: str, api_url: str, retry: RetryPolicy | None = None,
                 budget: RateBudget | None = None, seconds_between_requests: float = 0.0,
                 seconds_between_writes: float = 0.0, snapshot_limits: SnapshotLimits | None = None):
        """`budget` keeps each installation under GitHub's secondary rate limits (bursts allowed); the
        optional fixed pauses (PyGithub's pacing) are off by default."""
        self.app_id, self.private_key, self.api_url = app_id, private_key, api_url
        self.retry = retry or RetryPolicy()
        self.budget = budget or RateBudget()
        self.snapshot_limits = snapshot_limits or SnapshotLimits.from_environment()
        self.pacing = {"seconds_between_requests": seconds_between_requests or None,
                       "seconds_between_writes": seconds_between_writes or None}
        self._clients: dict[int, object] = {}
        self._lock = threading.Lock()

    def client(self, installation_id: int):
        from github import Auth, Github

        with self._lock:
            if installation_id not in self._clients:
                auth = Auth.AppAuth(self.app_id, self.private_key).get_installation_auth(installation_id)
                # retry=None: our RetryPolicy decides, so a 5xx is never hidden inside a RetryError.
                self._clients[installation_id] = Github(auth=auth, base_url=self.api_url, retry=None, timeout=30,
                                                        **self.pacing)
            return self._clients[installation_id]

    def repository(self, installation_id: int, full_name: str) -> "GitHubRepo":
        return GitHubRepo(self.client(installation_id), full_name, self.retry,
                          self.budget.for_installation(installation_id), self.snapshot_limits)


class GitHubRepo:
    def __init__(self, client, full_name: str, retry: RetryPolicy, budget: InstallationBudget | None = None,
                 snapshot_limits: SnapshotLimits | None = None):
        self.retry = retry
        self.budget = budget
        self.limits = snapshot_limits or SnapshotLimits()
        self.full_name = full_name
        self.client = client
        self.repo = self._call(lambda: client.get_repo(full_name), f"read {full_name}")

    # --- the Forge port -------------------------------------------------------------------------

    def default_branch(self) -> str:
        return self.repo.default_branch

    @contextmanager
    def snapshot(self, ref: str) -> Iterator[Snapshot]:
        """The tree at `ref`, from the tarball endpoint (no git clone), within the snapshot limits.

        Files `.gitattributes` marks `export-ignore` are missing from the tarball but present in CI's
        checkout: they are found in the commit's tree (git trees API) and fetched one by one, so
        scope and path rules see what CI sees. The folder is removed when the block ends, however
        it ends (and at the next start when the process was killed).
        """
        deadline.check("read the repository")
        sha = self._branch_sha(ref) or ref
        link = self._call(lambda: self.repo.get_archive_link("tarball", sha), f"find the tarball of {ref}")
        with snapshot_folder() as workdir:
            archive = Path(workdir, "archive.tar.gz")
            self._download(link, archive, ref)
            root = Path(workdir, "repo")
            root.mkdir()
            try:
                tree, names = _extract_without_top_folder(archive, root, self.limits)
            finally:
                archive.unlink(missing_ok=True)
            tree = self._with_export_ignored(sha, root, tree, names)
            yield Snapshot(tree, sha)

    def _download(self, link: str, target: Path, ref: str) -> None:
        """The archive into `target`; a failure is told without the link (it carries a token)."""
        import requests

        try:
            self._retry(lambda: _download(requests, link, target, self.limits))
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "an error"
            kind = ForgeUnavailable if isinstance(status, int) and status >= 500 else ForgeError
            raise kind(f"GitHub answered {status} when vibeops downloaded the archive of {ref}") from None
        except requests.RequestException as exc:
            raise ForgeUnavailable(f"could not download the archive of {ref} from GitHub "
                                   f"({type(exc).__name__})") from None

    def _with_export_ignored(self, sha: str, root: Path, tree: RepoTree, names: set[str]) -> RepoTree:
        """Add the commit's files that the tarball left out (export-ignore), or refuse the snapshot."""
        listing = self._call(lambda: self.repo.get_git_tree(sha, recursive=True), f"list the files of {sha[:12]}")
        if listing.raw_data.get("truncated"):
            raise SnapshotTooLarge(f"the repository has more files than GitHub lists in one tree; over the "
                                   f"server's limit of {self.limits.files} files (VIBEOPS_SNAPSHOT_MAX_FILES)")
        missing = [e for e in listing.tree if e.type == "blob" and e.path not in names]
        if not missing:
            return tree
        if len(missing) > self.limits.export_ignored:
            raise ForgeError(f"{len(missing)} files of this commit are hidden from its archive by `.gitattributes` "
                             f"export-ignore, more than the {self.limits.export_ignored} vibeops fetches one by one "
                             "(VIBEOPS_SNAPSHOT_MAX_EXPORT_IGNORED); it cannot see what CI will scan, so it did "
                             "nothing")
        used = sum(f.stat().st_size for f in root.rglob("*") if f.is_file() and not f.is_symlink())
        if used + sum(e.size or 0 for e in missing) > self.limits.expanded_bytes:
            raise SnapshotTooLarge(f"the repository's files add up to more than {self.limits.expanded_bytes >> 20} "
                                   "MB, the server's limit (VIBEOPS_SNAPSHOT_MAX_EXPANDED_MB); vibeops did not read it")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as extra:
            for entry in missing:
                blob = self._call(lambda: self.repo.get_git_blob(entry.sha), f"read {entry.path}")
                data = base64.b64decode(blob.content or "") if blob.encoding == "base64" else \
                    (blob.content or "").encode()
                info = tarfile.TarInfo(entry.path)
                if entry.mode == "120000":
                    info.type, info.linkname = tarfile.SYMTYPE, data.decode(errors="replace")
                    extra.addfile(info)
                else:
                    info.size, info.mode = len(data), 0o755 if entry.mode == "100755" else 0o644
                    extra.addfile(info, io.BytesIO(data))
        buffer.seek(0)
        log.info("snapshot of %s: %d export-ignored file(s) fetched from the commit's tree", sha[:12], len(missing))
        with tarfile.open(fileobj=buffer, mode="r:") as extra:
            merged = unpack(extra, root, limits=self.limits)
        return RepoTree(merged.files, merged.root, merged.contents, {**tree.symlinks, **merged.symlinks})

    def file_on_branch(self, branch: str, path: str) -> str | None:
        from github import GithubException

        try:
            content = self._retry(lambda: self.repo.get_contents(path, ref=branch))
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise self._forge_error(exc, f"read {path} on {branch}") from exc
        return content.decoded_content.decode("utf-8", errors="surrogateescape") if not isinstance(content, list) else None

    def publish(self, branch: str, base_commit: str, path: str, text: str, message: str) -> Published:
        """Commit through the git data API, then point the branch at it: the branch moves only when all is written."""
        from github import GithubException, InputGitTreeElement

        deadline.check(f"write branch {branch}")
        for _ in range(3):  # the branch may move under us; rebuild on its new head
            head = self._branch_sha(branch)
            if head is not None and self.file_on_branch(branch, path) == text:
                return Published(branch, head, created=False, changed=False)
            parent = self._call(lambda: self.repo.get_git_commit(head or base_commit), "read the base commit")
            blob = self._call(lambda: self.repo.create_git_blob(text, "utf-8"), "write the workflow", writes=1)
            element = InputGitTreeElement(path, "100644", "blob", sha=blob.sha)
            tree = self._call(lambda: self.repo.create_git_tree([element], base_tree=parent.tree), "write the tree",
                              writes=1)
            commit = self._call(lambda: self.repo.create_git_commit(message, tree, [parent]), "write the commit",
                                writes=1)
            try:
                if head is None:
                    self._retry(lambda: self.repo.create_git_ref(f"refs/heads/{branch}", commit.sha), writes=1)
                else:
                    ref = self._call(lambda: self.repo.get_git_ref(f"heads/{branch}"), f"read {branch}")
                    self._retry(lambda: ref.edit(commit.sha, force=False), writes=1)  # never over someone's commits
            except GithubException as exc:
                if exc.status == 422 and _mentions(exc, "already exists", "fast forward"):
                    continue
                raise self._forge_error(exc, f"update branch {branch}") from exc
            return Published(branch, commit.sha, created=head is None, changed=True)
        raise ForgeError(f"branch {branch} kept changing while vibeops wrote to it; ask again")

    def in_team(self, team: str, login: str) -> bool:
        """Whether `login` is an active member of `org/team-slug`."""
        from github import GithubException

        org, _, slug = team.partition("/")

        def check() -> bool:
            return self.client.requester.requestJsonAndCheck(
                "GET", f"/orgs/{org}/teams/{slug}/memberships/{login}")[1].get("state") == "active"

        try:
            return self._retry(check)
        except GithubException as exc:
            if exc.status == 404:
                return False
            raise self._forge_error(exc, f"check {login}'s membership of {team}") from exc

    def pull_info(self, number: int) -> dict:
        pull = self._call(lambda: self.repo.get_pull(number), f"read #{number}")
        return {"head": pull.head.ref, "head_sha": pull.head.sha, "body": pull.body or "", "state": pull.state,
                "merged": bool(pull.merged), "base": pull.base.ref, "html_url": pull.html_url,
                # Who opened it and where its branch lives: a fork's head repository is not this one.
                "author": pull.user.login if pull.user else "",
                "head_repo": pull.head.repo.full_name if pull.head.repo else None, "repo": self.full_name}

    def pull_commits(self, number: int) -> list[dict]:
        """The pull request's commits, oldest first: sha and the GitHub accounts of author and committer."""
        pull = self._call(lambda: self.repo.get_pull(number), f"read #{number}")
        return self._call(lambda: [{"sha": c.sha, "author": c.author.login if c.author else None,
                                    "committer": c.committer.login if c.committer else None}
                                   for c in pull.get_commits()], f"list the commits of #{number}")

    def update_pull_body(self, number: int, body: str) -> None:
        deadline.check(f"update #{number}")
        pull = self._call(lambda: self.repo.get_pull(number), f"read #{number}")
        self._call(lambda: pull.edit(body=body), f"update #{number}", writes=1)

    def changed_files(self, number: int) -> list[str]:
        pull = self._call(lambda: self.repo.get_pull(number), f"read #{number}")
        return self._call(lambda: [f.filename for f in pull.get_files()], f"list the files of #{number}")

    def check_run(self, name: str, head_sha: str, conclusion: str, title: str, summary: str,
                  annotations: list[dict]) -> None:
        deadline.check("publish the check run")
        output = {"title": title[:255], "summary": summary[:65000], "annotations": annotations}
        self._call(lambda: self.repo.create_check_run(name=name, head_sha=head_sha, status="completed",
                                                      conclusion=conclusion, output=output), "publish the check run",
                   writes=1)

    def status_comment(self, number: int, body: str) -> str:
        """The one vibeops status comment of a pull request, edited in place (made on first use)."""
        deadline.check("answer")
        marker = "<!-- vibeops:status -->"
        issue = self._call(lambda: self.repo.get_issue(number), f"read #{number}")

        def upsert() -> str:
            for comment in issue.get_comments():
                if marker in (comment.body or ""):
                    comment.edit(f"{body}\n\n{marker}")
                    return comment.html_url
            return issue.create_comment(f"{body}\n\n{marker}").html_url

        return self._call(upsert, "update the status comment", writes=1, reads=2)

    def delete_branch(self, branch: str) -> None:
        self._call(lambda: self.repo.get_git_ref(f"heads/{branch}").delete(), f"delete {branch}", writes=1)

    # --- the conversation -----------------------------------------------------------------------

    def permission(self, login: str) -> str:
        """The commenter's role: admin, maintain, write, triage, read or none."""
        from github import GithubException

        try:
            return self._retry(lambda: self.repo.get_collaborator_role_name(login)) or "none"
        except GithubException as exc:
            if exc.status == 404:
                return "none"  # not a collaborator
            raise self._forge_error(exc, f"read {login}'s permission") from exc

    def react(self, number: int, comment_id: int, review: bool, content: str) -> None:
        deadline.check("react")
        def create():
            if review:
                comment = self.repo.get_pull(number).get_review_comment(comment_id)
            else:
                comment = self.repo.get_issue(number).get_comment(comment_id)
            comment.create_reaction(content)

        self._call(create, f"react {content}", writes=1, reads=2)

    def reply(self, number: int, comment_id: int, review: bool, body: str) -> str:
        """Answer in the thread of the command; a job that runs twice still answers once."""
        deadline.check("answer")  # a timed-out job was answered already
        marker = _REPLY_MARKER.format(comment_id)
        full = f"{body}\n\n{marker}"
        thread = self._call(lambda: self.repo.get_pull(number) if review else self.repo.get_issue(number),
                            f"read #{number}")

        def post_once() -> str:
            # Look again before every attempt: a POST answered 5xx may still have been applied.
            existing = thread.get_review_comments() if review else thread.get_comments()
            for comment in existing:
                if marker in (comment.body or ""):
                    return comment.html_url
            made = thread.create_review_comment_reply(comment_id, full) if review else thread.create_comment(full)
            return made.html_url

        return self._call(post_once, "reply", writes=1, reads=2)

    def fresh_branch(self, branch: str) -> str:
        """`branch`, unless its pull request was closed or merged: then the next unused `branch-N`.

        A new request after a closed pull request gets a new pull request, never the old commits.
        """
        owner = self.full_name.split("/")[0]
        candidate, number = branch, 1
        while True:
            pulls = self._call(lambda: list(self.repo.get_pulls(state="all", head=f"{owner}:{candidate}")),
                               "list pull requests")
            if not pulls or any(p.state == "open" for p in pulls):
                return candidate
            number += 1
            candidate = f"{branch}-{number}"

    def open_or_update_pull(self, branch: str, base: str, title: str, body: str, labels: tuple[str, ...],
                            reviewers: tuple[str, ...] = (), draft: bool = False):
        """(number, url, created) of the one open pull request for `branch`.

        `created` is also True when the pull request already carries exactly this body: the same
        request opened it in an earlier attempt that died before answering, so this run finishes it.
        """
        from github import GithubException

        deadline.check("open the pull request")
        owner = self.full_name.split("/")[0]
        for _ in range(2):
            open_pulls = self._call(lambda: list(self.repo.get_pulls(state="open", head=f"{owner}:{branch}")),
                                    "list pull requests")
            if open_pulls:
                pull = open_pulls[0]
                resumed = pull.title == title and (pull.body or "") == body
                if not resumed:
                    self._call(lambda: pull.edit(title=title, body=body), f"update #{pull.number}", writes=1)
                elif labels:  # the earlier attempt may have died between opening and labelling
                    self._call(lambda: pull.add_to_labels(*labels), "label the pull request", writes=1)
                return pull.number, pull.html_url, resumed
            try:
                pull = self._retry(lambda: self.repo.create_pull(title=title, body=body, head=branch, base=base,
                                                                 draft=draft), writes=1)
            except GithubException as exc:
                if exc.status == 422 and _mentions(exc, "already exists"):
                    continue  # opened by a concurrent run of the same request
                raise self._forge_error(exc, "open the pull request") from exc
            if labels:
                self._call(lambda: pull.add_to_labels(*labels), "label the pull request", writes=1)
            if reviewers:
                self._call(lambda: pull.create_review_request(reviewers=list(reviewers)), "request reviews", writes=1)
            return pull.number, pull.html_url, True
        raise ForgeError(f"could not open or find the pull request for {branch}")

    # --- plumbing -------------------------------------------------------------------------------

    def _branch_sha(self, branch: str) -> str | None:
        from github import GithubException

        try:
            return self._retry(lambda: self.repo.get_git_ref(f"heads/{branch}")).object.sha
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise self._forge_error(exc, f"read branch {branch}") from exc

    def _retry(self, operation, writes: int = 0, reads: int = 1):
        """Every GitHub call: first within the installation's rate budget, then retried as RetryPolicy says.

        `writes` and `reads` are the content-creating and reading requests `operation` makes."""
        if self.budget is None:
            return self.retry.call(operation)
        self.budget.take(writes=writes, reads=reads)
        return self.retry.call(operation, on_limit=self.budget.hold)

    def _call(self, operation, doing: str, writes: int = 0, reads: int = 1):
        from github import GithubException
        from requests import exceptions as http

        try:
            return self._retry(operation, writes, reads)
        except GithubException as exc:
            raise self._forge_error(exc, doing) from exc
        except (http.RequestException, ConnectionError) as exc:
            raise ForgeUnavailable(f"could not reach GitHub to {doing}: {exc}") from exc

    def _forge_error(self, exc, doing: str) -> ForgeError:
        if _mentions(exc, "workflows` permission", "workflow scope", "workflows permission"):
            return ForgeError(WORKFLOWS_PERMISSION)
        message = exc.data.get("message") if isinstance(exc.data, dict) else str(exc.data)
        if exc.status >= 500:
            return ForgeUnavailable(f"GitHub kept answering {exc.status} when vibeops tried to {doing}")
        if exc.status == 404:
            return ForgeError(f"GitHub answered 404 when vibeops tried to {doing}: the App may not be "
                              f"installed on {self.full_name}, or lacks access")
        return ForgeError(f"GitHub answered {exc.status} when vibeops tried to {doing}: {message}")


def _mentions(exc, *phrases: str) -> bool:
    text = str(getattr(exc, "data", "") or "").lower()
    return any(p.lower() in text for p in phrases)


def _download(requests, url: str, target: Path, limits: SnapshotLimits) -> None:
    with requests.get(url, stream=True, timeout=60) as response:
        response.raise_for_status()
        size = 0
        with open(target, "wb") as out:
            for chunk in response.iter_content(1 << 20):
                size += len(chunk)
                if size > limits.archive_bytes:
                    raise SnapshotTooLarge(limits.too_big_archive())
                out.write(chunk)


def _extract_without_top_folder(archive: Path, root: Path, limits: SnapshotLimits) -> tuple[RepoTree, set[str]]:
    """GitHub's tarball wraps the tree in `owner-repo-sha/`; unpack what is below it.

    Also returns the paths the tarball holds (files and links), to find what export-ignore hid.
    """
    names: set[str] = set()

    def below_top(tar: tarfile.TarFile):
        for member in tar:
            _, _, inner = member.name.partition("/")
            if not inner or member.type == tarfile.XGLTYPE or member.name == "pax_global_header":
                continue
            member.name = inner.rstrip("/")
            if member.islnk():
                member.linkname = member.linkname.partition("/")[2]
            if not member.isdir():
                names.add(member.name)
            yield member

    try:
        with tarfile.open(archive, mode="r:*") as tar:
            return unpack(tar, root, below_top(tar), limits=limits), names
    except tarfile.TarError as exc:
        raise ForgeError(f"the repository's archive is not a readable tar file ({type(exc).__name__})") from None


# Archive links carry a token in their query (`?token=...`): third-party loggers that print URLs
# (urllib3 at DEBUG, PyGithub's request log) get them with the query cut off.
_QUERY = re.compile(r"(/[^\s?'\"]*)\?[^\s'\"]+")  # a URL's or a bare path's query


class _NoQueries(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = _QUERY.sub(r"\1?[query removed]", message), None
        return True


for _name in ("urllib3.connectionpool", "github.Requester", "github.GithubRetry"):
    logging.getLogger(_name).addFilter(_NoQueries())
log = logging.getLogger("vibeops.github")
