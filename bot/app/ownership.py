"""Whose pull request is it? The App's own only when GitHub's records prove it, never by name or body."""

from __future__ import annotations

from bot.render.markdown import trusted_marker

# GitHub names itself committer ("web-flow") on commits it makes and signs for someone.
_GITHUB_COMMITTER = "web-flow"


def from_fork(pull: dict) -> bool:
    """True when the head branch lives outside the base repository (a fork, or a deleted one)."""
    head_repo, repo = pull.get("head_repo"), pull.get("repo")
    return not head_repo or not repo or head_repo.lower() != repo.lower()


def looks_like_the_bots(pull: dict, bot_login: str, branch_prefix: str) -> bool:
    """What can be seen without another request: base repository, the App as author, its branch prefix."""
    return (not from_fork(pull) and pull.get("author") == bot_login
            and str(pull.get("head", "")).startswith(branch_prefix))


def commits_are_the_bots(commits: list[dict], bot_login: str) -> bool:
    """The branch starts with a commit the App made: authored by its bot account (GitHub links the
    account from the commit's email) and committed by it or by GitHub for it. People with write access
    may add commits on top (a review edit); nobody else can push to a base-repository branch."""
    if not commits:
        return False
    first = commits[0]
    return first.get("author") == bot_login and first.get("committer") in (bot_login, _GITHUB_COMMITTER)


def own_marker(repo, number: int, pull: dict | None, bot_login: str, branch_prefix: str,
               key: bytes | None) -> dict | None:
    """The request marker of pull request `number` when it is proven to be the App's own, else None.

    Proven means: its head repository is this repository, its author is the App, its branch begins
    with the App's commit, and its body's marker carries the App's signature for this branch."""
    if pull is None or not key or not looks_like_the_bots(pull, bot_login, branch_prefix):
        return None
    marker = trusted_marker(pull.get("body"), key, pull["head"])
    if marker is None or not commits_are_the_bots(repo.pull_commits(number), bot_login):
        return None
    return marker
