"""A GitHub repository through PyGithub: the Forge port plus the conversation around a command."""

from __future__ import annotations

import io
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.adapters.archive import unpack
from bot.adapters.github_retry import RetryPolicy
from bot.forge import ForgeError, ForgeUnavailable, Published, Snapshot
from bot.repotree import RepoTree

MAX_TARBALL_BYTES = 200 * 1024 * 1024
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
                 seconds_between_requests: float = 0.25, seconds_between_writes: float = 1.0):
        self.app_id, self.private_key, self.api_url = app_id, private_key, api_url
        self.retry = retry or RetryPolicy()
        # PyGithub's pacing, which GitHub asks of integrations to stay clear of secondary rate limits.
        self.pacing = {"seconds_between_requests": seconds_between_requests,
                       "seconds_between_writes": seconds_between_writes}
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
        return GitHubRepo(self.client(installation_id), full_name, self.retry)


class GitHubRepo:
    def __init__(self, client, full_name: str, retry: RetryPolicy):
        self.retry = retry
        self.full_name = full_name
        self.client = client
        self.repo = self._call(lambda: client.get_repo(full_name), f"read {full_name}")

    # --- the Forge port -------------------------------------------------------------------------

    def default_branch(self) -> str:
        return self.repo.default_branch

    @contextmanager
    def snapshot(self, ref: str) -> Iterator[Snapshot]:
        """The tree at `ref`, from the tarball endpoint: one request, no git clone."""
        import requests

        sha = self._branch_sha(ref) or ref
        link = self._call(lambda: self.repo.get_archive_link("tarball", sha), f"find the tarball of {ref}")
        response = self.retry.call(lambda: _download(requests, link))
        with tempfile.TemporaryDirectory(prefix="vibeops-") as workdir:
            root = Path(workdir, "repo")
            root.mkdir()
            yield Snapshot(_extract_without_top_folder(response, root), sha)

    def file_on_branch(self, branch: str, path: str) -> str | None:
        from github import GithubException

        try:
            content = self.retry.call(lambda: self.repo.get_contents(path, ref=branch))
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise self._forge_error(exc, f"read {path} on {branch}") from exc
        return content.decoded_content.decode("utf-8", errors="surrogateescape") if not isinstance(content, list) else None

    def publish(self, branch: str, base_commit: str, path: str, text: str, message: str) -> Published:
        """Commit through the git data API, then point the branch at it: the branch moves only when all is written."""
        from github import GithubException, InputGitTreeElement

        for _ in range(3):  # the branch may move under us; rebuild on its new head
            head = self._branch_sha(branch)
            if head is not None and self.file_on_branch(branch, path) == text:
                return Published(branch, head, created=False, changed=False)
            parent = self._call(lambda: self.repo.get_git_commit(head or base_commit), "read the base commit")
            blob = self._call(lambda: self.repo.create_git_blob(text, "utf-8"), "write the workflow")
            element = InputGitTreeElement(path, "100644", "blob", sha=blob.sha)
            tree = self._call(lambda: self.repo.create_git_tree([element], base_tree=parent.tree), "write the tree")
            commit = self._call(lambda: self.repo.create_git_commit(message, tree, [parent]), "write the commit")
            try:
                if head is None:
                    self.retry.call(lambda: self.repo.create_git_ref(f"refs/heads/{branch}", commit.sha))
                else:
                    ref = self._call(lambda: self.repo.get_git_ref(f"heads/{branch}"), f"read {branch}")
                    self.retry.call(lambda: ref.edit(commit.sha, force=False))  # never over someone's commits
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
            return self.retry.call(check)
        except GithubException as exc:
            if exc.status == 404:
                return False
            raise self._forge_error(exc, f"check {login}'s membership of {team}") from exc

    def pull_info(self, number: int) -> dict:
        pull = self._call(lambda: self.repo.get_pull(number), f"read #{number}")
        return {"head": pull.head.ref, "head_sha": pull.head.sha, "body": pull.body or "", "state": pull.state,
                "merged": bool(pull.merged), "base": pull.base.ref, "html_url": pull.html_url}

    def update_pull_body(self, number: int, body: str) -> None:
        pull = self._call(lambda: self.repo.get_pull(number), f"read #{number}")
        self._call(lambda: pull.edit(body=body), f"update #{number}")

    def changed_files(self, number: int) -> list[str]:
        pull = self._call(lambda: self.repo.get_pull(number), f"read #{number}")
        return self._call(lambda: [f.filename for f in pull.get_files()], f"list the files of #{number}")

    def check_run(self, name: str, head_sha: str, conclusion: str, title: str, summary: str,
                  annotations: list[dict]) -> None:
        output = {"title": title[:255], "summary": summary[:65000], "annotations": annotations}
        self._call(lambda: self.repo.create_check_run(name=name, head_sha=head_sha, status="completed",
                                                      conclusion=conclusion, output=output), "publish the check run")

    def status_comment(self, number: int, body: str) -> str:
        """The one vibeops status comment of a pull request, edited in place (made on first use)."""
        marker = "<!-- vibeops:status -->"
        issue = self._call(lambda: self.repo.get_issue(number), f"read #{number}")

        def upsert() -> str:
            for comment in issue.get_comments():
                if marker in (comment.body or ""):
                    comment.edit(f"{body}\n\n{marker}")
                    return comment.html_url
            return issue.create_comment(f"{body}\n\n{marker}").html_url

        return self._call(upsert, "update the status comment")

    def delete_branch(self, branch: str) -> None:
        self._call(lambda: self.repo.get_git_ref(f"heads/{branch}").delete(), f"delete {branch}")

    # --- the conversation -----------------------------------------------------------------------

    def permission(self, login: str) -> str:
        """The commenter's role: admin, maintain, write, triage, read or none."""
        from github import GithubException

        try:
            return self.retry.call(lambda: self.repo.get_collaborator_role_name(login)) or "none"
        except GithubException as exc:
            if exc.status == 404:
                return "none"  # not a collaborator
            raise self._forge_error(exc, f"read {login}'s permission") from exc

    def react(self, number: int, comment_id: int, review: bool, content: str) -> None:
        def create():
            if review:
                comment = self.repo.get_pull(number).get_review_comment(comment_id)
            else:
                comment = self.repo.get_issue(number).get_comment(comment_id)
            comment.create_reaction(content)

        self._call(create, f"react {content}")

    def reply(self, number: int, comment_id: int, review: bool, body: str) -> str:
        """Answer in the thread of the command; a job that runs twice still answers once."""
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

        return self._call(post_once, "reply")

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

        owner = self.full_name.split("/")[0]
        for _ in range(2):
            open_pulls = self._call(lambda: list(self.repo.get_pulls(state="open", head=f"{owner}:{branch}")),
                                    "list pull requests")
            if open_pulls:
                pull = open_pulls[0]
                resumed = pull.title == title and (pull.body or "") == body
                if not resumed:
                    self._call(lambda: pull.edit(title=title, body=body), f"update #{pull.number}")
                elif labels:  # the earlier attempt may have died between opening and labelling
                    self._call(lambda: pull.add_to_labels(*labels), "label the pull request")
                return pull.number, pull.html_url, resumed
            try:
                pull = self.retry.call(lambda: self.repo.create_pull(title=title, body=body, head=branch, base=base,
                                                                     draft=draft))
            except GithubException as exc:
                if exc.status == 422 and _mentions(exc, "already exists"):
                    continue  # opened by a concurrent run of the same request
                raise self._forge_error(exc, "open the pull request") from exc
            if labels:
                self._call(lambda: pull.add_to_labels(*labels), "label the pull request")
            if reviewers:
                self._call(lambda: pull.create_review_request(reviewers=list(reviewers)), "request reviews")
            return pull.number, pull.html_url, True
        raise ForgeError(f"could not open or find the pull request for {branch}")

    # --- plumbing -------------------------------------------------------------------------------

    def _branch_sha(self, branch: str) -> str | None:
        from github import GithubException

        try:
            return self.retry.call(lambda: self.repo.get_git_ref(f"heads/{branch}")).object.sha
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise self._forge_error(exc, f"read branch {branch}") from exc

    def _call(self, operation, doing: str):
        from github import GithubException
        from requests import exceptions as http

        try:
            return self.retry.call(operation)
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


def _download(requests, url: str) -> bytes:
    with requests.get(url, stream=True, timeout=60) as response:
        response.raise_for_status()
        chunks, size = [], 0
        for chunk in response.iter_content(1 << 20):
            size += len(chunk)
            if size > MAX_TARBALL_BYTES:
                raise ForgeError(f"the repository archive is over {MAX_TARBALL_BYTES >> 20} MB")
            chunks.append(chunk)
        return b"".join(chunks)


def _extract_without_top_folder(data: bytes, root: Path) -> RepoTree:
    """GitHub's tarball wraps the tree in `owner-repo-sha/`; unpack what is below it."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
        members = []
        for member in tar.getmembers():
            _, _, inner = member.name.partition("/")
            if not inner or member.type == tarfile.XGLTYPE or member.name == "pax_global_header":
                continue
            member.name = inner
            if member.islnk():
                member.linkname = member.linkname.partition("/")[2]
            members.append(member)
        return unpack(tar, root, members)
