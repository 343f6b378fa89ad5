"""Whose pull request it is, and which verb a comment needs: the pure rules behind the App (issue 12)."""

from __future__ import annotations

import pytest

from bot.app.comment_job import command_verb
from bot.app.ownership import commits_are_the_bots, from_fork, looks_like_the_bots, own_marker
from bot.render.markdown import code, inert, marker_key, request_marker

BOT = "vibeops[bot]"
KEY = marker_key("s3cret")


def pull(**changes) -> dict:
    base = {"repo": "acme/app", "head_repo": "acme/app", "author": BOT, "head": "vibeops/x-12345678",
            "head_sha": "a" * 40, "body": "b\n" + request_marker("add trivy scan for a.yaml", key=KEY,
                                                                  branch="vibeops/x-12345678")}
    return {**base, **changes}


class Commits:
    def __init__(self, commits):
        self.commits, self.asked = commits, 0

    def pull_commits(self, number):
        self.asked += 1
        return self.commits


def test_a_fork_is_any_head_repository_but_this_one():
    assert not from_fork(pull()) and not from_fork(pull(head_repo="ACME/App"))
    assert from_fork(pull(head_repo="mallory/app")) and from_fork(pull(head_repo=None))
    assert from_fork(pull(repo=None))


def test_what_can_be_seen_first():
    assert looks_like_the_bots(pull(), BOT, "vibeops/")
    assert not looks_like_the_bots(pull(author="mallory"), BOT, "vibeops/")
    assert not looks_like_the_bots(pull(author="vibeops"), BOT, "vibeops/")
    assert not looks_like_the_bots(pull(head_repo="mallory/app"), BOT, "vibeops/")
    assert not looks_like_the_bots(pull(head="feature"), BOT, "vibeops/")


def test_the_branch_must_start_with_the_apps_commit():
    assert commits_are_the_bots([{"author": BOT, "committer": BOT}, {"author": "maude", "committer": "maude"}], BOT)
    assert commits_are_the_bots([{"author": BOT, "committer": "web-flow"}], BOT)
    assert not commits_are_the_bots([], BOT)
    assert not commits_are_the_bots([{"author": "maude", "committer": BOT}, {"author": BOT, "committer": BOT}], BOT)
    assert not commits_are_the_bots([{"author": BOT, "committer": "maude"}], BOT)
    assert not commits_are_the_bots([{"author": None, "committer": None}], BOT)


def test_own_marker_needs_every_proof():
    good = [{"author": BOT, "committer": BOT}]
    assert own_marker(Commits(good), 1, pull(), BOT, "vibeops/", KEY)["request"] == "add trivy scan for a.yaml"
    assert own_marker(Commits([{"author": "x", "committer": "x"}]), 1, pull(), BOT, "vibeops/", KEY) is None
    assert own_marker(Commits(good), 1, pull(), BOT, "vibeops/", marker_key("other")) is None
    assert own_marker(Commits(good), 1, pull(), BOT, "vibeops/", None) is None
    assert own_marker(Commits(good), 1, None, BOT, "vibeops/", KEY) is None
    assert own_marker(Commits(good), 1, pull(head="vibeops/y"), BOT, "vibeops/", KEY) is None  # signed for another
    forked = Commits(good)
    assert own_marker(forked, 1, pull(head_repo="mallory/app"), BOT, "vibeops/", KEY) is None
    assert forked.asked == 0  # no request spent on what is already disproven


@pytest.mark.parametrize("text, own, verb", [
    ("", False, "help"), ("help me", True, "help"), ("EXPLAIN x.yml", False, "explain"), ("check", True, "check"),
    ("retry", False, "retry"), ("add trivy scan for a", True, "add"), ("create x", True, "add"),
    ("setup x", True, "add"), ("set up x", True, "add"), ("trivy scan for a", False, "add"),
    ("also fail on MEDIUM", True, "revise"), ("also fail on MEDIUM", False, "add"),
])
def test_every_comment_needs_one_verb(text, own, verb):
    assert command_verb(text, own) == verb


def test_inert_text_and_code_spans():
    assert inert("@alice hi") == "@\u200balice hi" and inert("a@b.c") == "a@b.c"
    assert inert("fixes #12, GH-3") == "fixes #\u200b12, GH-\u200b3" and inert("#x") == "#x"
    assert inert("![i](u) [l](u) [r][1] [1]: u") == "![i]\u200b(u) [l]\u200b(u) [r]\u200b[1] [1]\u200b: u"
    assert inert("<img src=x> <!-- c --> </b> <?php a <b") == "<\u200bimg src=x> <\u200b!-- c --> <\u200b/b> <\u200b?php a <\u200bb"
    assert inert("1 < 2 and a\r\nb") == "1 < 2 and a\nb"
    assert code("a b") == "`a b`" and code("a `b` c") == "`` a `b` c ``" and code("x\n\ny") == "`x y`"
    assert code("``") == "``` `` ```" and code("") == "` `"
