"""Repository endpoints: the repo itself, permissions, branches, commits, archives and file contents."""

from __future__ import annotations

import base64
import urllib.parse

from werkzeug.wrappers import Response

from tests.fakegithub.handling import DOCS, Ctx, Reply, not_found, workflow_refused
from tests.fakegithub.state import LEGACY_PERMISSION, WORKFLOWS_DIR, Repo, now


class RepoRoutes:
    """Mixed into FakeGitHub; answers from its repositories with its JSON shapes."""

    def _h_repo(self, ctx: Ctx) -> tuple:
        return 200, self._repo_json(ctx.repo, ctx.installation)

    def _h_permission(self, ctx: Ctx) -> tuple:
        login = ctx.params["user"]
        role = ctx.repo.roles.get(login.lower(), "none")
        return 200, {"permission": LEGACY_PERMISSION[role], "role_name": role, "user": self._user(login)}

    def _h_tarball(self, ctx: Ctx) -> Response:
        repo = ctx.repo
        sha = repo.resolve(ctx.params.get("ref") or repo.default_branch)
        if sha is None:
            raise not_found(f"{DOCS}/repos/contents#download-a-repository-archive-tar")
        # Like codeload for a private repository: a short-lived token in the query.
        location = f"{self.base_url}/_codeload/{repo.full_name}/legacy.tar.gz/{sha}?token={self.archive_token}"
        return Response(b"", status=302, headers={"Location": location})

    def _h_codeload(self, ctx: Ctx) -> Response:
        full = f"{ctx.params['owner']}/{ctx.params['repo']}".lower()
        repo = self._repos.get(full)
        sha = ctx.params["sha"]
        if repo is None or repo.kind(sha) != "commit":
            return Response(b"Not Found", status=404, content_type="text/plain")
        top = f"{repo.owner}-{repo.name}-{sha[:7]}"
        return Response(repo.tarball(top, sha), status=200, content_type="application/x-gzip",
                        headers={"Content-Disposition": f"attachment; filename={top}.tar.gz"})

    def _h_raw(self, ctx: Ctx) -> Response:
        repo = self._repos.get(f"{ctx.params['owner']}/{ctx.params['repo']}".lower())
        sha = repo.resolve(ctx.params["ref"]) if repo else None
        entry = repo.flat(repo.tree_of(sha)).get(ctx.params["path"]) if sha else None
        if not entry:
            return Response(b"404: Not Found", status=404, content_type="text/plain")
        return Response(repo.objects[entry[1]][1], status=200, content_type="text/plain; charset=utf-8")

    def _h_get_branch(self, ctx: Ctx) -> tuple:
        repo, branch = ctx.repo, ctx.params["branch"]
        sha = repo.refs.get(f"refs/heads/{branch}")
        if sha is None:
            raise Reply(404, "Branch not found", f"{DOCS}/branches/branches#get-a-branch")
        api, quoted = f"{self.base_url}/repos/{repo.full_name}", urllib.parse.quote(branch)
        return 200, {"name": branch, "commit": self._repo_commit_json(repo, sha),
                     "_links": {"self": f"{api}/branches/{quoted}",
                                "html": f"{self.base_url}/{repo.full_name}/tree/{quoted}"},
                     "protected": False,
                     "protection": {"enabled": False, "required_status_checks": {"enforcement_level": "off",
                                                                                 "contexts": [], "checks": []}},
                     "protection_url": f"{api}/branches/{quoted}/protection"}

    def _h_get_repo_commit(self, ctx: Ctx) -> tuple:
        sha = ctx.repo.resolve(ctx.params["ref"])
        if sha is None:
            raise Reply(422, f"No commit found for SHA: {ctx.params['ref']}", f"{DOCS}/commits/commits#get-a-commit")
        return 200, self._repo_commit_json(ctx.repo, sha)

    def _h_get_contents(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/repos/contents#get-repository-content"
        repo = ctx.repo
        ref = ctx.request.args.get("ref") or repo.default_branch
        sha = repo.resolve(ref)
        if sha is None:
            raise Reply(404, f"No commit found for the ref {ref}", docs)
        path = (ctx.params.get("path") or "").strip("/")
        flat = repo.flat(repo.tree_of(sha))
        if path in flat:
            mode, blob = flat[path]
            data = self._content_json(repo, ref, path, mode, blob)
            if data["type"] == "file":
                data.update(encoding="base64", content=base64.encodebytes(repo.objects[blob][1]).decode())
            return 200, data
        prefix = path + "/" if path else ""
        children = {p[len(prefix):].split("/", 1)[0] for p in flat if p.startswith(prefix)}
        if not children:
            raise not_found(docs)
        tree = dict((name, (mode, child)) for mode, name, child in self._subtree(repo, sha, path))
        return 200, [self._content_json(repo, ref, prefix + name, *tree[name]) for name in sorted(children)]

    def _subtree(self, repo: Repo, commit_sha: str, path: str) -> list[tuple[str, str, str]]:
        tree = repo.tree_of(commit_sha)
        for part in [p for p in path.split("/") if p]:
            tree = next(s for m, n, s in repo.objects[tree][1] if n == part and m == "040000")
        return repo.objects[tree][1]

    def _h_put_contents(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/repos/contents#create-or-update-file-contents"
        repo, body = ctx.repo, ctx.body or {}
        path = ctx.params["path"].strip("/")
        if not body.get("message") or body.get("content") is None:
            missing = "message" if not body.get("message") else "content"
            raise Reply(422, f"Invalid request.\n\n\"{missing}\" wasn't supplied.", docs)
        branch = body.get("branch") or repo.default_branch
        parent = repo.refs.get(f"refs/heads/{branch}")
        if parent is None:
            raise Reply(404, f"Branch {branch} not found", docs)
        flat = repo.flat(repo.tree_of(parent))
        existing = flat.get(path)
        if existing and not body.get("sha"):
            raise Reply(422, "Invalid request.\n\n\"sha\" wasn't supplied.", docs)
        if existing and body["sha"] != existing[1]:
            raise Reply(409, f"{path} does not match {body['sha']}", docs)
        if repo.deny_workflows and path.startswith(WORKFLOWS_DIR):
            raise workflow_refused(path, docs)
        blob = repo.put_blob(base64.b64decode(body["content"]))
        flat[path] = (existing[0] if existing else "100644", blob)
        date = now()
        committer = {**self._bot_signature(date), **(body.get("committer") or {}), "date": date}
        author = {**committer, **(body.get("author") or {}), "date": date}
        sha = repo.put_commit(repo.build(flat), [parent], body["message"], author, committer)
        repo.refs[f"refs/heads/{branch}"] = sha
        content = self._content_json(repo, branch, path, flat[path][0], blob)
        content.pop("target", None)
        return (200 if existing else 201), {"content": content, "commit": self._commit_json(repo, sha)}
