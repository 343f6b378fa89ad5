"""Git data endpoints: refs, commits, trees and blobs, with GitHub's validation and workflow guard."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

from tests.fakegithub.handling import DOCS, Ctx, Reply, not_found, workflow_refused
from tests.fakegithub.objects import EMPTY_TREE
from tests.fakegithub.responses import node_id
from tests.fakegithub.state import Repo, now


def normal_date(text: str) -> str:
    """Accept any ISO 8601 date PyGithub may send and store it as UTC with Z."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return now()
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class GitRoutes:
    """Mixed into FakeGitHub; reads and writes the object stores of its repositories."""

    def _bot_signature(self, date: str) -> dict:
        """Who GitHub names as author/committer when an App's request leaves them out."""
        return {"name": self.bot_login, "email": f"{self.app_id}+{self.bot_login}@users.noreply.github.com",
                "date": date}

    def _refuse_workflows(self, repo: Repo, new_sha: str, docs: str) -> None:
        path = repo.workflow_violation(new_sha)
        if path:
            raise workflow_refused(path, docs)

    def _h_get_ref(self, ctx: Ctx) -> tuple:
        ref = "refs/" + ctx.params["ref"].removeprefix("refs/")
        if ref not in ctx.repo.refs:
            raise not_found(f"{DOCS}/git/refs#get-a-reference")
        return 200, self._ref_json(ctx.repo, ref)

    def _h_matching_refs(self, ctx: Ctx) -> tuple:
        prefix = "refs/" + (ctx.params.get("ref") or "").removeprefix("refs/")
        return 200, [self._ref_json(ctx.repo, ref) for ref in sorted(ctx.repo.refs) if ref.startswith(prefix)]

    def _h_create_ref(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/git/refs#create-a-reference"
        body, repo = ctx.body or {}, ctx.repo
        ref, sha = body.get("ref"), body.get("sha")
        if not ref or not sha:
            raise Reply(422, f"Invalid request.\n\n\"{'ref' if not ref else 'sha'}\" wasn't supplied.", docs)
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise Reply(422, "Reference name is invalid", docs)
        if repo.kind(sha) != "commit":
            raise Reply(422, "Object does not exist", docs)
        if ref in repo.refs:
            raise Reply(422, "Reference already exists", docs)
        self._refuse_workflows(repo, sha, docs)
        repo.refs[ref] = sha
        data = self._ref_json(repo, ref)
        return 201, data, {"Location": data["url"]}

    def _h_update_ref(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/git/refs#update-a-reference"
        repo, body = ctx.repo, ctx.body or {}
        ref = "refs/" + ctx.params["ref"].removeprefix("refs/")
        sha = body.get("sha")
        if ref not in repo.refs:
            raise Reply(422, "Reference does not exist", docs)
        if repo.kind(sha) != "commit":
            raise Reply(422, "Object does not exist", docs)
        if not body.get("force") and repo.refs[ref] not in repo.ancestors(sha):
            raise Reply(422, "Update is not a fast forward", docs)
        self._refuse_workflows(repo, sha, docs)
        repo.refs[ref] = sha
        return 200, self._ref_json(repo, ref)

    def _h_delete_ref(self, ctx: Ctx) -> tuple:
        ref = "refs/" + ctx.params["ref"].removeprefix("refs/")
        if ref not in ctx.repo.refs:
            raise Reply(422, "Reference does not exist", f"{DOCS}/git/refs#delete-a-reference")
        del ctx.repo.refs[ref]
        return 204, None

    def _h_get_commit(self, ctx: Ctx) -> tuple:
        if ctx.repo.kind(ctx.params["sha"]) != "commit":
            raise not_found(f"{DOCS}/git/commits#get-a-commit-object")
        return 200, self._commit_json(ctx.repo, ctx.params["sha"])

    def _h_create_commit(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/git/commits#create-a-commit"
        repo, body = ctx.repo, ctx.body or {}
        if not body.get("message") or not body.get("tree"):
            raise Reply(422, "Invalid request.\n\n\"message\" and \"tree\" are required.", docs)
        if repo.kind(body["tree"]) != "tree" and body["tree"] != EMPTY_TREE:
            raise Reply(422, "Tree SHA does not exist", docs)
        parents = body.get("parents") or []
        if any(repo.kind(p) != "commit" for p in parents):
            raise Reply(422, "Parent SHA does not exist or is not a commit object", docs)
        date = now()
        author = {**self._bot_signature(date), **(body.get("author") or {})}
        committer = {**author, "date": date, **(body.get("committer") or {})}
        for who in (author, committer):
            who["date"] = normal_date(who["date"])
        if body["tree"] not in repo.objects:
            repo.put_tree([])
        sha = repo.put_commit(body["tree"], parents, body["message"], author, committer)
        data = self._commit_json(repo, sha)
        return 201, data, {"Location": data["url"]}

    def _h_get_tree(self, ctx: Ctx) -> tuple:
        repo, sha = ctx.repo, ctx.params["sha"]
        if repo.kind(sha) == "commit":
            sha = repo.tree_of(sha)
        elif repo.kind(sha) != "tree":
            resolved = repo.resolve(sha)
            if resolved is None:
                raise not_found(f"{DOCS}/git/trees#get-a-tree")
            sha = repo.tree_of(resolved)
        recursive = ctx.request.args.get("recursive") not in (None, "", "0", "false")
        return 200, self._tree_json(repo, sha, recursive)

    def _h_create_tree(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/git/trees#create-a-tree"
        repo, body = ctx.repo, ctx.body or {}
        entries = body.get("tree")
        if not isinstance(entries, list):
            raise Reply(422, "Invalid request.\n\n\"tree\" wasn't supplied.", docs)
        base = body.get("base_tree")
        if base:
            if repo.kind(base) == "commit":
                base = repo.tree_of(base)
            if repo.kind(base) != "tree":
                raise Reply(422, "Invalid request.\n\nbase_tree is not a valid tree", docs)
        flat = repo.flat(base) if base else {}
        for entry in entries:
            path, mode = (entry.get("path") or "").strip("/"), entry.get("mode") or "100644"
            if not path or mode not in ("100644", "100755", "040000", "160000", "120000"):
                raise Reply(422, "Invalid tree info", docs)
            kind = entry.get("type") or ("tree" if mode == "040000" else "blob")
            if "sha" in entry and entry["sha"] is None:
                # sha: null deletes the path (a file, or a whole folder).
                for existing in [p for p in flat if p == path or p.startswith(path + "/")]:
                    del flat[existing]
                continue
            if "content" in entry and entry["content"] is not None:
                flat[path] = (mode, repo.put_blob(entry["content"].encode()))
                continue
            sha = entry.get("sha")
            if kind == "tree":
                if repo.kind(sha) != "tree":
                    raise Reply(422, "Invalid tree info", docs)
                for existing in [p for p in flat if p == path or p.startswith(path + "/")]:
                    del flat[existing]
                flat.update({f"{path}/{p}": v for p, v in repo.flat(sha).items()})
            elif kind == "commit":
                flat[path] = ("160000", sha)
            elif repo.kind(sha) != "blob":
                raise Reply(422, f"tree.sha {sha} is not a valid blob", docs)
            else:
                flat[path] = (mode, sha)
        sha = repo.build(flat)
        return 201, self._tree_json(repo, sha), {"Location": f"{self.base_url}/repos/{repo.full_name}/git/trees/{sha}"}

    def _h_get_blob(self, ctx: Ctx) -> tuple:
        repo, sha = ctx.repo, ctx.params["sha"]
        if repo.kind(sha) != "blob":
            raise not_found(f"{DOCS}/git/blobs#get-a-blob")
        data = repo.objects[sha][1]
        return 200, {"sha": sha, "node_id": node_id("Blob", f"{repo.id}:{sha}"), "size": len(data),
                     "url": f"{self.base_url}/repos/{repo.full_name}/git/blobs/{sha}",
                     "content": base64.encodebytes(data).decode(), "encoding": "base64"}

    def _h_create_blob(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/git/blobs#create-a-blob"
        body = ctx.body or {}
        if not isinstance(body.get("content"), str):
            raise Reply(422, "Invalid request.\n\n\"content\" wasn't supplied.", docs)
        encoding = body.get("encoding") or "utf-8"
        if encoding not in ("utf-8", "base64"):
            raise Reply(422, f"encoding must be utf-8 or base64, not {encoding}", docs)
        data = base64.b64decode(body["content"]) if encoding == "base64" else body["content"].encode()
        sha = ctx.repo.put_blob(data)
        url = f"{self.base_url}/repos/{ctx.repo.full_name}/git/blobs/{sha}"
        return 201, {"url": url, "sha": sha}, {"Location": url}
