"""A stateful fake GitHub REST API served over loopback HTTP, for driving PyGithub in tests."""

from tests.fakegithub.responses import node_id
from tests.fakegithub.server import FakeGitHub

__all__ = ["FakeGitHub", "node_id"]
