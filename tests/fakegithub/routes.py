"""The route table: which FakeGitHub handler answers each method and path, with which credential."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub


def route_table(fake: FakeGitHub) -> list[tuple[str, re.Pattern, str, Callable]]:
    """(method, path pattern, auth, handler); auth "jwt" is the App's JWT, "token" an installation token."""
    repo = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
    table = [
        ("POST", r"/app/installations/(?P<id>\d+)/access_tokens", "jwt", fake._h_access_token),
        ("GET", repo + r"/installation", "jwt", fake._h_repo_installation),
        ("GET", repo, "token", fake._h_repo),
        ("GET", repo + r"/collaborators/(?P<user>[^/]+)/permission", "token", fake._h_permission),
        ("GET", repo + r"/tarball(?:/(?P<ref>.+))?", "token", fake._h_tarball),
        # Where the tarball redirect points; like codeload.github.com it takes no credentials.
        ("GET", r"/_codeload/(?P<owner>[^/]+)/(?P<repo>[^/]+)/legacy\.tar\.gz/(?P<sha>[0-9a-f]{40})", "none",
         fake._h_codeload),
        ("GET", r"/_raw/(?P<owner>[^/]+)/(?P<repo>[^/]+)/(?P<ref>[^/]+)/(?P<path>.+)", "none", fake._h_raw),
        ("GET", repo + r"/branches/(?P<branch>.+)", "token", fake._h_get_branch),
        ("GET", repo + r"/commits/(?P<ref>[^/]+)", "token", fake._h_get_repo_commit),
        ("GET", repo + r"/git/ref/(?P<ref>.+)", "token", fake._h_get_ref),
        ("GET", repo + r"/git/matching-refs/(?P<ref>.*)", "token", fake._h_matching_refs),
        ("GET", repo + r"/git/refs", "token", fake._h_matching_refs),
        ("POST", repo + r"/git/refs", "token", fake._h_create_ref),
        ("PATCH", repo + r"/git/refs/(?P<ref>.+)", "token", fake._h_update_ref),
        ("DELETE", repo + r"/git/refs/(?P<ref>.+)", "token", fake._h_delete_ref),
        ("GET", repo + r"/git/commits/(?P<sha>[^/]+)", "token", fake._h_get_commit),
        ("POST", repo + r"/git/commits", "token", fake._h_create_commit),
        ("GET", repo + r"/git/trees/(?P<sha>[^/]+)", "token", fake._h_get_tree),
        ("POST", repo + r"/git/trees", "token", fake._h_create_tree),
        ("GET", repo + r"/git/blobs/(?P<sha>[^/]+)", "token", fake._h_get_blob),
        ("POST", repo + r"/git/blobs", "token", fake._h_create_blob),
        ("GET", repo + r"/contents(?:/(?P<path>.*))?", "token", fake._h_get_contents),
        ("PUT", repo + r"/contents/(?P<path>.+)", "token", fake._h_put_contents),
        ("GET", repo + r"/issues/comments/(?P<id>\d+)", "token", fake._h_get_issue_comment),
        ("PATCH", repo + r"/issues/comments/(?P<id>\d+)", "token", fake._h_edit_issue_comment),
        ("GET", repo + r"/pulls/(?P<number>\d+)/files", "token", fake._h_pull_files),
        ("GET", repo + r"/pulls/(?P<number>\d+)/commits", "token", fake._h_pull_commits),
        ("POST", repo + r"/issues/comments/(?P<id>\d+)/reactions", "token", fake._h_issue_reaction),
        ("GET", repo + r"/issues/(?P<number>\d+)", "token", fake._h_get_issue),
        ("GET", repo + r"/issues/(?P<number>\d+)/comments", "token", fake._h_list_issue_comments),
        ("POST", repo + r"/issues/(?P<number>\d+)/comments", "token", fake._h_create_issue_comment),
        ("POST", repo + r"/issues/(?P<number>\d+)/labels", "token", fake._h_add_labels),
        ("GET", repo + r"/pulls", "token", fake._h_list_pulls),
        ("POST", repo + r"/pulls", "token", fake._h_create_pull),
        ("GET", repo + r"/pulls/comments/(?P<id>\d+)", "token", fake._h_get_review_comment),
        ("POST", repo + r"/pulls/comments/(?P<id>\d+)/reactions", "token", fake._h_review_reaction),
        ("GET", repo + r"/pulls/(?P<number>\d+)", "token", fake._h_get_pull),
        ("PATCH", repo + r"/pulls/(?P<number>\d+)", "token", fake._h_update_pull),
        ("GET", repo + r"/pulls/(?P<number>\d+)/comments", "token", fake._h_list_review_comments),
        ("POST", repo + r"/pulls/(?P<number>\d+)/comments/(?P<id>\d+)/replies", "token", fake._h_reply),
        ("POST", repo + r"/pulls/(?P<number>\d+)/requested_reviewers", "token", fake._h_request_reviewers),
        ("POST", repo + r"/check-runs", "token", fake._h_create_check_run),
        ("GET", r"/orgs/(?P<org>[^/]+)/teams/(?P<team>[^/]+)/memberships/(?P<user>[^/]+)", "token",
         fake._h_team_membership),
    ]
    return [(verb, re.compile(pattern), auth, handler) for verb, pattern, auth, handler in table]
