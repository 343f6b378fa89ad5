"""Issue endpoints: issues, their comments and labels, and reactions to issue and review comments."""

from __future__ import annotations

from tests.fakegithub.handling import DOCS, Ctx, known_number, not_found, validation
from tests.fakegithub.state import REACTIONS, Comment, now


class IssueRoutes:
    """Mixed into FakeGitHub; comments and reactions are posted as its App's bot account."""

    def _h_get_issue(self, ctx: Ctx) -> tuple:
        number = known_number(ctx.repo.issues, ctx.params["number"], f"{DOCS}/issues/issues#get-an-issue")
        return 200, self._issue_json(ctx.repo, number)

    def _h_list_issue_comments(self, ctx: Ctx) -> tuple:
        repo = ctx.repo
        number = known_number(repo.issues, ctx.params["number"], f"{DOCS}/issues/comments#list-issue-comments")
        return 200, [self._comment_json(repo, c) for c in sorted(repo.issue_comments.values(), key=lambda c: c.id)
                     if c.number == number]

    def _h_create_issue_comment(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/issues/comments#create-an-issue-comment"
        repo = ctx.repo
        number = known_number(repo.issues, ctx.params["number"], docs)
        text = (ctx.body or {}).get("body")
        if not isinstance(text, str) or not text:
            raise validation([{"resource": "IssueComment", "code": "missing_field", "field": "body"}], docs)
        comment = Comment(self._new_id(), number, text, self.bot_login)
        repo.issue_comments[comment.id] = comment
        data = self._comment_json(repo, comment)
        return 201, data, {"Location": data["url"]}

    def _h_get_issue_comment(self, ctx: Ctx) -> tuple:
        comment = ctx.repo.issue_comments.get(int(ctx.params["id"]))
        if comment is None:
            raise not_found(f"{DOCS}/issues/comments#get-an-issue-comment")
        return 200, self._comment_json(ctx.repo, comment)

    def _h_edit_issue_comment(self, ctx: Ctx) -> tuple:
        comment = ctx.repo.issue_comments.get(int(ctx.params["id"]))
        if comment is None:
            raise not_found(f"{DOCS}/issues/comments#update-an-issue-comment")
        comment.body = (ctx.body or {}).get("body", comment.body)
        comment.edits = getattr(comment, "edits", 0) + 1
        return 200, self._comment_json(ctx.repo, comment)

    def _react(self, ctx: Ctx, kind: str, exists: bool, docs: str) -> tuple:
        if not exists:
            raise not_found(docs)
        content = (ctx.body or {}).get("content")
        if content not in REACTIONS:
            raise validation([{"resource": "Reaction", "code": "invalid", "field": "content"}], docs)
        bucket = ctx.repo.reactions.setdefault((kind, int(ctx.params["id"])), [])
        for reaction in bucket:
            if reaction[1] == self.bot_login and reaction[2] == content:
                return 200, self._reaction_json(reaction)  # GitHub answers 200 for a repeat reaction
        reaction = (self._new_id(), self.bot_login, content, now())
        bucket.append(reaction)
        return 201, self._reaction_json(reaction)

    def _h_issue_reaction(self, ctx: Ctx) -> tuple:
        return self._react(ctx, "issue", int(ctx.params["id"]) in ctx.repo.issue_comments,
                           f"{DOCS}/reactions/reactions#create-reaction-for-an-issue-comment")

    def _h_review_reaction(self, ctx: Ctx) -> tuple:
        return self._react(ctx, "pull", int(ctx.params["id"]) in ctx.repo.review_comments,
                           f"{DOCS}/reactions/reactions#create-reaction-for-a-pull-request-review-comment")

    def _h_add_labels(self, ctx: Ctx) -> tuple:
        docs = f"{DOCS}/issues/labels#add-labels-to-an-issue"
        repo = ctx.repo
        number = known_number(repo.issues, ctx.params["number"], docs)
        # PyGithub posts a bare list; the documented form is {"labels": [...]}; accept both.
        names = ctx.body.get("labels") if isinstance(ctx.body, dict) else ctx.body
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise validation([{"resource": "Label", "code": "invalid", "field": "labels"}], docs)
        issue = repo.issues[number]
        for name in names:
            repo.labels.setdefault(name, self._new_id())
            if name not in issue.labels:
                issue.labels.append(name)
        issue.updated_at = now()
        return 200, [self._label_json(repo, n) for n in issue.labels]
