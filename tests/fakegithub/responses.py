"""GitHub's JSON shapes for the fake's state, built from its own templates with URLs at this server."""

from __future__ import annotations

import base64
import urllib.parse
import zlib
from typing import Any

from tests.fakegithub.state import REACTIONS, Comment, Installation, Repo, now
from tests.fakegithub.templates import swap, template

# Keys GitHub leaves out of the pull request items of `GET /pulls` (pulls__list vs pulls__create).
PULL_DETAIL_KEYS = ("merged", "mergeable", "rebaseable", "mergeable_state", "merged_by", "comments",
                    "review_comments", "maintainer_can_modify", "commits", "additions", "deletions", "changed_files")


def node_id(kind: str, ident: object) -> str:
    """GitHub's legacy global node id: base64 of `0<len>:<Type><id>` (e.g. MDQ6VXNlcjE= for user 1)."""
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


class Responses:
    """Mixed into FakeGitHub: the shapes need its base_url, App identity and installations."""

    def _rebase(self, obj: Any, full_name: str | None = None, template_repo: str = "octocat/Hello-World") -> Any:
        """Point a spec template's URLs at this server (and at `full_name` instead of the example repo)."""
        host = self.base_url.split("://", 1)[1]
        pairs = []
        if full_name:
            pairs += [(f"https://api.github.com/repos/{template_repo}", f"{self.base_url}/repos/{full_name}"),
                      (f"https://github.com/{template_repo}", f"{self.base_url}/{full_name}"),
                      (f"git:github.com/{template_repo}", f"git://{host}/{full_name}"),
                      (f"git@github.com:{template_repo}", f"git@{host}:{full_name}"),
                      (f"https://svn.github.com/{template_repo}", f"{self.base_url}/{full_name}")]
        pairs += [("https://api.github.com", self.base_url), ("https://github.com", self.base_url)]
        return swap(obj, pairs)

    def _user(self, login: str) -> dict:
        user = template("issues__create-comment.201")["user"]
        quoted = urllib.parse.quote(login)
        user = swap(user, [("https://api.github.com/users/octocat", f"{self.base_url}/users/{quoted}"),
                            ("https://github.com/octocat", f"{self.base_url}/{quoted}")])
        uid = zlib.crc32(login.lower().encode()) % 90_000_000 + 1000
        kind = "Bot" if login.endswith("[bot]") else "User"
        user.update(login=login, id=uid, node_id=node_id(kind, uid), type=kind,
                    avatar_url=f"{self.base_url}/avatars/u/{uid}")
        return user

    def _repo_json(self, repo: Repo, installation: int | None = None) -> dict:
        data = self._rebase(template("repos__get.200"), repo.full_name)
        for key in ("organization", "parent", "source"):
            data.pop(key, None)
        perms = self._installations[installation].permissions if installation in self._installations else {}
        push = perms.get("contents") == "write"
        open_issues = sum(1 for i in repo.issues.values() if i.state == "open")
        data.update(id=repo.id, node_id=node_id("Repository", repo.id), name=repo.name, full_name=repo.full_name,
                    owner=self._user(repo.owner), description=None, homepage=None, mirror_url=None, language=None,
                    default_branch=repo.default_branch, private=False, fork=False, is_template=False,
                    template_repository=None, temp_clone_token=None, topics=[], license=None, visibility="public",
                    forks_count=0, forks=0, stargazers_count=0, watchers_count=0, watchers=0, size=0,
                    subscribers_count=0, network_count=0, open_issues_count=open_issues, open_issues=open_issues,
                    created_at=repo.created_at, updated_at=repo.created_at, pushed_at=now(),
                    permissions={"admin": False, "maintain": False, "push": push, "triage": push, "pull": True})
        return data

    def _ref_json(self, repo: Repo, ref: str) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"
        sha = repo.refs[ref]
        return {"ref": ref, "node_id": node_id("Ref", ref), "url": f"{api}/git/{urllib.parse.quote(ref)}",
                "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"}}

    def _commit_json(self, repo: Repo, sha: str) -> dict:
        api, html = f"{self.base_url}/repos/{repo.full_name}", f"{self.base_url}/{repo.full_name}"
        commit = repo.commit(sha)
        return {"sha": sha, "node_id": node_id("Commit", f"{repo.id}:{sha}"), "url": f"{api}/git/commits/{sha}",
                "html_url": f"{html}/commit/{sha}", "author": dict(commit["author"]),
                "committer": dict(commit["committer"]), "message": commit["message"],
                "tree": {"sha": commit["tree"], "url": f"{api}/git/trees/{commit['tree']}"},
                "parents": [{"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{html}/commit/{p}"}
                            for p in commit["parents"]],
                "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
                                 "verified_at": None}}

    def _tree_json(self, repo: Repo, sha: str, recursive: bool = False) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"

        def entries(tree_sha: str, prefix: str) -> list[dict]:
            out = []
            for mode, name, child in repo.objects[tree_sha][1]:
                kind = {"040000": "tree", "160000": "commit"}.get(mode, "blob")
                item = {"path": prefix + name, "mode": mode, "type": kind, "sha": child}
                if kind == "blob":
                    item.update(size=len(repo.objects[child][1]), url=f"{api}/git/blobs/{child}")
                elif kind == "tree":
                    item["url"] = f"{api}/git/trees/{child}"
                out.append(item)
                if kind == "tree" and recursive:
                    out.extend(entries(child, f"{prefix}{name}/"))
            return out

        return {"sha": sha, "url": f"{api}/git/trees/{sha}", "tree": entries(sha, ""), "truncated": False}

    def _label_json(self, repo: Repo, name: str) -> dict:
        lid = repo.labels[name]
        return {"id": lid, "node_id": node_id("Label", lid),
                "url": f"{self.base_url}/repos/{repo.full_name}/labels/{urllib.parse.quote(name)}",
                "name": name, "color": "ededed", "default": False, "description": None}

    def _reaction_summary(self, url: str, reactions: list[tuple[int, str, str, str]]) -> dict:
        counts = {content: sum(1 for r in reactions if r[2] == content) for content in REACTIONS}
        return {"url": url, "total_count": len(reactions), **counts}

    def _issue_html(self, repo: Repo, number: int) -> str:
        kind = "pull" if repo.issues[number].is_pull else "issues"
        return f"{self.base_url}/{repo.full_name}/{kind}/{number}"

    def _issue_json(self, repo: Repo, number: int) -> dict:
        issue = repo.issues[number]
        api = f"{self.base_url}/repos/{repo.full_name}"
        data = template("issue")
        data.update(url=f"{api}/issues/{number}", repository_url=api,
                    labels_url=f"{api}/issues/{number}/labels{{/name}}",
                    comments_url=f"{api}/issues/{number}/comments", events_url=f"{api}/issues/{number}/events",
                    html_url=self._issue_html(repo, number), id=number + repo.id * 1000,
                    node_id=node_id("Issue", number + repo.id * 1000), number=number, title=issue.title,
                    user=self._user(issue.user), labels=[self._label_json(repo, n) for n in issue.labels],
                    state=issue.state, comments=sum(1 for c in repo.issue_comments.values() if c.number == number),
                    created_at=issue.created_at, updated_at=issue.updated_at, closed_at=issue.closed_at,
                    author_association="NONE", body=issue.body,
                    reactions=self._reaction_summary(f"{api}/issues/{number}/reactions", []),
                    timeline_url=f"{api}/issues/{number}/timeline",
                    state_reason="completed" if issue.state == "closed" else None)
        if issue.is_pull:
            html = self._issue_html(repo, number)
            data["draft"] = repo.pulls[number].draft
            data["pull_request"] = {"url": f"{api}/pulls/{number}", "html_url": html, "diff_url": f"{html}.diff",
                                    "patch_url": f"{html}.patch", "merged_at": None}
        return data

    def _comment_json(self, repo: Repo, comment: Comment) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"
        data = template("issues__create-comment.201")
        data.update(id=comment.id, node_id=node_id("IssueComment", comment.id),
                    url=f"{api}/issues/comments/{comment.id}",
                    html_url=f"{self._issue_html(repo, comment.number)}#issuecomment-{comment.id}",
                    body=comment.body, user=self._user(comment.user), created_at=comment.created_at,
                    updated_at=comment.created_at, issue_url=f"{api}/issues/{comment.number}",
                    author_association=self._association(repo, comment.user), performed_via_github_app=None,
                    reactions=self._reaction_summary(f"{api}/issues/comments/{comment.id}/reactions",
                                                     repo.reactions.get(("issue", comment.id), [])))
        return data

    def _review_comment_json(self, repo: Repo, comment: Comment) -> dict:
        api = f"{self.base_url}/repos/{repo.full_name}"
        pull_html = f"{self.base_url}/{repo.full_name}/pull/{comment.number}"
        url = f"{api}/pulls/comments/{comment.id}"
        data = template("review-comment")
        data.update(url=url, pull_request_review_id=comment.id + 1, id=comment.id,
                    node_id=node_id("PullRequestReviewComment", comment.id), path=comment.path,
                    commit_id=comment.commit_id, original_commit_id=comment.commit_id,
                    user=self._user(comment.user), body=comment.body, created_at=comment.created_at,
                    updated_at=comment.created_at, html_url=f"{pull_html}#discussion_r{comment.id}",
                    pull_request_url=f"{api}/pulls/{comment.number}",
                    author_association=self._association(repo, comment.user),
                    _links={"self": {"href": url}, "html": {"href": f"{pull_html}#discussion_r{comment.id}"},
                            "pull_request": {"href": f"{api}/pulls/{comment.number}"}},
                    reactions=self._reaction_summary(f"{url}/reactions", repo.reactions.get(("pull", comment.id), [])),
                    subject_type="line")
        if comment.in_reply_to is not None:
            data["in_reply_to_id"] = comment.in_reply_to
        return data

    def _association(self, repo: Repo, login: str) -> str:
        if login.lower() == repo.owner.lower():
            return "OWNER"
        return "COLLABORATOR" if repo.roles.get(login.lower(), "none") != "none" else "NONE"

    def _pull_json(self, repo: Repo, number: int, simple: bool = False) -> dict:
        pull, issue = repo.pulls[number], repo.issues[number]
        api = f"{self.base_url}/repos/{repo.full_name}"
        html = f"{self.base_url}/{repo.full_name}/pull/{number}"
        head_sha = repo.pull_head_sha(pull)
        base_sha = repo.refs.get(f"refs/heads/{pull.base}", head_sha)

        def part(branch: str, sha: str, fork: str | None = None) -> dict:
            owner = fork.split("/")[0] if fork else repo.owner
            repo_json = self._repo_json(repo)
            if fork:  # the fork as GitHub shows it: its own name and owner, marked as a fork
                repo_json.update(full_name=fork, name=fork.split("/")[1], owner=self._user(owner), fork=True,
                                 id=zlib.crc32(fork.lower().encode()), node_id=node_id("Repository", fork))
            return {"label": f"{owner}:{branch}", "ref": branch, "sha": sha, "user": self._user(owner),
                    "repo": repo_json}

        data = self._rebase(template("pulls__create.201"), repo.full_name)
        data.update(url=f"{api}/pulls/{number}", id=pull.id, node_id=node_id("PullRequest", pull.id), html_url=html,
                    diff_url=f"{html}.diff", patch_url=f"{html}.patch", issue_url=f"{api}/issues/{number}",
                    commits_url=f"{api}/pulls/{number}/commits", review_comments_url=f"{api}/pulls/{number}/comments",
                    review_comment_url=f"{api}/pulls/comments{{/number}}",
                    comments_url=f"{api}/issues/{number}/comments",
                    statuses_url=f"{api}/statuses/{head_sha}", number=number, state=issue.state, locked=False,
                    title=issue.title, user=self._user(pull.user), body=issue.body,
                    labels=[self._label_json(repo, n) for n in issue.labels], milestone=None,
                    active_lock_reason=None, created_at=issue.created_at, updated_at=issue.updated_at,
                    closed_at=issue.closed_at, merged_at=None, merge_commit_sha=None, assignee=None, assignees=[],
                    requested_reviewers=[], requested_teams=[], head=part(pull.head, head_sha, pull.head_repo),
                    base=part(pull.base, base_sha), author_association=self._association(repo, pull.user),
                    auto_merge=None, draft=pull.draft,
                    _links={"self": {"href": f"{api}/pulls/{number}"}, "html": {"href": html},
                            "issue": {"href": f"{api}/issues/{number}"},
                            "comments": {"href": f"{api}/issues/{number}/comments"},
                            "review_comments": {"href": f"{api}/pulls/{number}/comments"},
                            "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                            "commits": {"href": f"{api}/pulls/{number}/commits"},
                            "statuses": {"href": f"{api}/statuses/{head_sha}"}})
        if simple:
            for key in PULL_DETAIL_KEYS:
                data.pop(key, None)
            return data
        new = repo.ancestors(head_sha) - repo.ancestors(base_sha)
        old_flat = repo.flat(repo.tree_of(base_sha)) if repo.kind(base_sha) == "commit" else {}
        new_flat = repo.flat(repo.tree_of(head_sha)) if repo.kind(head_sha) == "commit" else {}
        changed = {p for p in old_flat.keys() | new_flat.keys() if old_flat.get(p) != new_flat.get(p)}
        data.update(merged=False, mergeable=True, rebaseable=True, mergeable_state="clean", merged_by=None,
                    comments=sum(1 for c in repo.issue_comments.values() if c.number == number),
                    review_comments=sum(1 for c in repo.review_comments.values() if c.number == number),
                    maintainer_can_modify=False, commits=len(new), additions=0, deletions=0,
                    changed_files=len(changed))
        return data

    def _content_json(self, repo: Repo, ref: str, path: str, mode: str, sha: str) -> dict:
        api, html = f"{self.base_url}/repos/{repo.full_name}", f"{self.base_url}/{repo.full_name}"
        kind = {"040000": "dir", "120000": "symlink", "160000": "submodule"}.get(mode, "file")
        quoted = urllib.parse.quote(path)
        git_url = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}"
        html_url = f"{html}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{quoted}"
        data = {"type": kind, "size": 0, "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha,
                "url": f"{api}/contents/{quoted}?ref={urllib.parse.quote(ref)}", "git_url": git_url,
                "html_url": html_url, "download_url": None,
                "_links": {"self": f"{api}/contents/{quoted}?ref={urllib.parse.quote(ref)}", "git": git_url,
                           "html": html_url}}
        if kind in ("file", "symlink"):
            blob = repo.objects[sha][1]
            data.update(size=len(blob), download_url=f"{self.base_url}/_raw/{repo.full_name}/{ref}/{quoted}")
            if kind == "symlink":
                data["target"] = blob.decode("utf-8", "replace")
        return data

    def _installation_json(self, inst: Installation) -> dict:
        data = self._rebase(template("apps__get-repo-installation.200"))
        owner = inst.repos[0].split("/")[0] if inst.repos else "octocat"
        if inst.repos and inst.repos[0] in self._repos:
            owner = self._repos[inst.repos[0]].owner
        account = self._user(owner)
        data.update(id=inst.id, account=account, repository_selection="selected",
                    access_tokens_url=f"{self.base_url}/app/installations/{inst.id}/access_tokens",
                    repositories_url=f"{self.base_url}/installation/repositories",
                    html_url=f"{self.base_url}/settings/installations/{inst.id}", app_id=self.app_id,
                    client_id=f"Iv1.fake{self.app_id}", target_id=account["id"], target_type="User",
                    permissions=dict(inst.permissions), events=["issue_comment", "pull_request_review_comment"],
                    single_file_name=None, has_multiple_single_files=False, single_file_paths=[],
                    app_slug=self.app_slug, created_at=now(), updated_at=now())
        return data
    def _repo_commit_json(self, repo: Repo, sha: str) -> dict:
        """The `GET /repos/{o}/{r}/commits/{ref}` shape (a git commit wrapped with GitHub users)."""
        api, html = f"{self.base_url}/repos/{repo.full_name}", f"{self.base_url}/{repo.full_name}"
        git = self._commit_json(repo, sha)
        inner = {k: git[k] for k in ("author", "committer", "message", "tree", "url", "verification")}
        inner["comment_count"] = 0
        return {"sha": sha, "node_id": git["node_id"], "commit": inner, "url": f"{api}/commits/{sha}",
                "html_url": f"{html}/commit/{sha}", "comments_url": f"{api}/commits/{sha}/comments",
                "author": self._account(git["author"]), "committer": self._account(git["committer"]),
                "parents": [{"sha": p["sha"], "url": f"{api}/commits/{p['sha']}", "html_url": p["html_url"]}
                            for p in git["parents"]]}

    def _account(self, who: dict) -> dict | None:
        """The GitHub account a commit's author or committer email belongs to, as GitHub links them."""
        email = who.get("email", "")
        if email == f"{self.app_id}+{self.bot_login}@users.noreply.github.com":
            return self._user(self.bot_login)
        if email.endswith("@users.noreply.example"):
            return self._user(email.split("@")[0])
        return None

    def _reaction_json(self, reaction: tuple[int, str, str, str]) -> dict:
        data = template("reactions__create-for-issue-comment.201")
        rid, login, content, created = reaction
        data.update(id=rid, node_id=node_id("Reaction", rid), user=self._user(login), content=content,
                    created_at=created)
        return data

