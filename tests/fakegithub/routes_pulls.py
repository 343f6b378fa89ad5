"""Pull request endpoints: listing, opening and updating pulls, and replies to review comments."""

from __future__ import annotations

from tests.fakegithub.handling import DOCS, Ctx, Reply, known_number, not_found, validation
from tests.fakegithub.templates import template
from tests.fakegithub.state import Comment, Issue, Pull, now


class PullRoutes:
    """Mixed into FakeGitHub; pulls and replies are opened as its App's bot account."""

    def _h_list_pulls(self, ctx: Ctx) -> tuple:
        repo, args = ctx.repo, ctx.request.args
        state = args.get("state") or "open"
        head, base = args.get("head"), args.get("base")
        found = []
        for number, pull in sorted(repo.pulls.items(), reverse=True):  # newest first, like sort=created desc
            if state != "all" and repo.issues[number].state != state:
                continue
            label = f"{repo.head_owner(pull)}:{pull.head}"
            if head and head != label and head.lower() != label.lower():
                continue
            if base and base != pull.base:
                continue
            found.append(self._pull_json(repo, number, simple=True))
        return 200, found

    def _h_create_pull(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/pulls/pulls#create-a-pull-request"
        repo, body = ctx.repo, ctx.body or {}
        head, base, title = body.get("head") or "", body.get("base") or "", body.get("title")
        owner, _, branch = head.rpartition(":")
        if owner and owner.lower() != repo.owner.lower():
            raise validation([{"resource": "PullRequest", "field": "head", "code": "invalid"}], docs)
        if not title:
            raise validation([{"resource": "PullRequest", "code": "missing_field", "field": "title"}], docs)
        for name, value in (("base", base), ("head", branch)):
            if f"refs/heads/{value}" not in repo.refs:
                raise validation([{"resource": "PullRequest", "field": name, "code": "invalid"}], docs)
        for number, pull in repo.pulls.items():
            if pull.head == branch and pull.head_repo is None and pull.base == base and \
                    repo.issues[number].state == "open":
                raise validation([{"resource": "PullRequest", "code": "custom",
                                    "message": f"A pull request already exists for {repo.owner}:{branch}."}], docs)
        head_sha, base_sha = repo.refs[f"refs/heads/{branch}"], repo.refs[f"refs/heads/{base}"]
        if head_sha in repo.ancestors(base_sha):
            raise validation([{"resource": "PullRequest", "code": "custom",
                                "message": f"No commits between {base} and {branch}"}], docs)
        number = max([0, *repo.issues]) + 1
        repo.issues[number] = Issue(number, title, self.bot_login, body=body.get("body"), is_pull=True)
        repo.pulls[number] = Pull(number, self._new_id(), branch, base, self.bot_login, head_sha,
                                   draft=bool(body.get("draft")))
        data = self._pull_json(repo, number)
        return 201, data, {"Location": data["url"]}

    def _h_get_pull(self, ctx: Ctx) -> tuple:
        number = known_number(ctx.repo.pulls, ctx.params["number"], f"{DOCS}/pulls/pulls#get-a-pull-request")
        return 200, self._pull_json(ctx.repo, number)

    def _h_update_pull(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/pulls/pulls#update-a-pull-request"
        repo, body = ctx.repo, ctx.body or {}
        number = known_number(repo.pulls, ctx.params["number"], docs)
        issue, pull = repo.issues[number], repo.pulls[number]
        if "state" in body and body["state"] not in ("open", "closed"):
            raise validation([{"resource": "PullRequest", "code": "invalid", "field": "state"}], docs)
        if "base" in body and f"refs/heads/{body['base']}" not in repo.refs:
            raise validation([{"resource": "PullRequest", "code": "invalid", "field": "base"}], docs)
        issue.title = body.get("title", issue.title)
        issue.body = body.get("body", issue.body)
        pull.base = body.get("base", pull.base)
        if body.get("state") and body["state"] != issue.state:
            pull.last_head_sha = repo.pull_head_sha(pull)
            issue.state = body["state"]
            issue.closed_at = now() if issue.state == "closed" else None
        issue.updated_at = now()
        return 200, self._pull_json(repo, number)

    def _h_pull_files(self, ctx: Ctx) -> tuple:
        """The files a pull request changes: its head against the base branch's tree."""
        repo = ctx.repo
        number = known_number(repo.pulls, ctx.params["number"], f"{DOCS}/pulls/pulls#list-pull-requests-files")
        pull = repo.pulls[number]
        head = repo.flat(repo.tree_of(repo.pull_head_sha(pull)))
        base = repo.flat(repo.tree_of(repo.resolve(pull.base)))
        changed = sorted(p for p in set(head) | set(base) if head.get(p) != base.get(p))
        return 200, [{"sha": (head.get(p) or base.get(p))[1], "filename": p,
                      "status": "added" if p not in base else ("removed" if p not in head else "modified"),
                      "additions": 1, "deletions": 0, "changes": 1} for p in changed]

    def _h_pull_commits(self, ctx: Ctx) -> tuple:
        """The pull request's commits (head's, not the base's), oldest first, as GitHub lists them."""
        repo = ctx.repo
        number = known_number(repo.pulls, ctx.params["number"], f"{DOCS}/pulls/pulls#list-commits-on-a-pull-request")
        pull = repo.pulls[number]
        base = repo.refs.get(f"refs/heads/{pull.base}")
        old = repo.ancestors(base) if base else set()
        order, sha = [], repo.pull_head_sha(pull)
        while sha and sha not in old and repo.kind(sha) == "commit":
            order.append(sha)
            parents = repo.commit(sha)["parents"]
            sha = parents[0] if parents else None
        return 200, [self._repo_commit_json(repo, s) for s in reversed(order)]

    def _h_request_reviewers(self, ctx: Ctx) -> tuple:
        number = known_number(ctx.repo.pulls, ctx.params["number"], f"{DOCS}/pulls/review-requests")
        pull = ctx.repo.pulls[number]
        for login in (ctx.body or {}).get("reviewers", []):
            if login not in pull.reviewers:
                pull.reviewers.append(login)
        return 201, self._pull_json(ctx.repo, number)

    def _h_create_check_run(self, ctx: Ctx) -> tuple:
        body = ctx.body or {}
        if not body.get("name") or not body.get("head_sha"):
            raise validation([{"resource": "CheckRun", "code": "missing_field"}], f"{DOCS}/checks/runs")
        with self._lock:
            self._next_id += 1
            run = {"id": self._next_id, "name": body["name"], "head_sha": body["head_sha"],
                   "status": body.get("status", "queued"), "conclusion": body.get("conclusion"),
                   "output": body.get("output") or {}}
            self._check_runs.setdefault(ctx.repo.full_name, []).append(run)
        api = f"{self.base_url}/repos/{ctx.repo.full_name}"
        data = template("checks__create.201.example-of-completed-conclusion")  # GitHub's documented shape
        data.update(run, node_id=f"CR_{run['id']}", url=f"{api}/check-runs/{run['id']}",
                    html_url=f"{self.base_url}/{ctx.repo.full_name}/runs/{run['id']}", pull_requests=[])
        data["output"] = {**data.get("output", {}), **run["output"], "annotations_count": len(
            run["output"].get("annotations", []))}
        return 201, data

    def _h_team_membership(self, ctx: Ctx) -> tuple:
        team = f"{ctx.params['org']}/{ctx.params['team']}".lower()
        if ctx.params["user"].lower() not in self._teams.get(team, set()):
            raise Reply(404, "Not Found", f"{DOCS}/teams/members#get-team-membership-for-a-user")
        return 200, {"url": f"{self.base_url}/orgs/{ctx.params['org']}/teams/{ctx.params['team']}/memberships/"
                            f"{ctx.params['user']}", "role": "member", "state": "active"}

    def _h_get_review_comment(self, ctx: Ctx) -> tuple:
        comment = ctx.repo.review_comments.get(int(ctx.params["id"]))
        if comment is None:
            raise not_found(f"{DOCS}/pulls/comments#get-a-review-comment-for-a-pull-request")
        return 200, self._review_comment_json(ctx.repo, comment)

    def _h_list_review_comments(self, ctx: Ctx) -> tuple:
        repo = ctx.repo
        number = known_number(repo.pulls, ctx.params["number"], f"{DOCS}/pulls/comments")
        return 200, [self._review_comment_json(repo, c)
                     for c in sorted(repo.review_comments.values(), key=lambda c: c.id) if c.number == number]

    def _h_reply(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/pulls/comments#create-a-reply-for-a-review-comment"
        repo = ctx.repo
        number = known_number(repo.pulls, ctx.params["number"], docs)
        parent = repo.review_comments.get(int(ctx.params["id"]))
        if parent is None or parent.number != number:
            raise not_found(docs)
        text = (ctx.body or {}).get("body")
        if not isinstance(text, str) or not text:
            raise validation([{"resource": "PullRequestReviewComment", "code": "missing_field", "field": "body"}],
                              docs)
        # Replies attach to the top of the thread, as on GitHub.
        root = parent.in_reply_to if parent.in_reply_to is not None else parent.id
        reply = Comment(self._new_id(), number, text, self.bot_login, in_reply_to=root, path=parent.path,
                         commit_id=parent.commit_id)
        repo.review_comments[reply.id] = reply
        data = self._review_comment_json(repo, reply)
        return 201, data, {"Location": data["url"]}
