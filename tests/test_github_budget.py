"""The per-installation rate budget: bursts go out at once, sustained rates stay under GitHub's secondary limits."""

from __future__ import annotations

import pytest

from bot.adapters.github import GitHubApp
from bot.adapters.github_budget import Limits, MemoryWindows, RateBudget, RedisWindows
from bot.adapters.github_retry import RetryPolicy
from tests.appkit import INSTALLATION, REPO


class Clock:
    """Time that moves only when the budget sleeps."""

    def __init__(self):
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(params=["memory", "redis"])
def windows(request):
    if request.param == "memory":
        return MemoryWindows()
    server = request.getfixturevalue("redis_server")
    client = server.client()
    client.flushall()
    return RedisWindows(client)


def budget(windows, clock: Clock, **limits) -> RateBudget:
    return RateBudget(Limits(**limits), windows, clock=clock, sleep=clock.sleep, max_wait=7200)


def test_a_burst_within_the_limits_goes_out_without_waiting(windows):
    clock = Clock()
    spend = budget(windows, clock)
    for _ in range(60):  # a busy minute of one installation: 60 writes and their reads
        spend.take("i-1", writes=1, reads=1)
    assert clock.slept == []


def test_the_write_past_the_minute_limit_waits_for_the_oldest_to_leave_the_window(windows):
    clock = Clock()
    spend = budget(windows, clock, writes_per_minute=5)
    for step in range(5):
        spend.take("i-1", writes=1, reads=0)
        clock.now += 1  # one write a second
    spend.take("i-1", writes=1, reads=0)
    assert clock.slept == [pytest.approx(55.0)]  # the first write leaves the window 60 s after it went out
    spend.take("i-1", writes=0, reads=1)  # reads are not writes
    assert len(clock.slept) == 1


def test_the_hour_limit_holds_a_sustained_rate_under_githubs(windows):
    clock = Clock()
    spend = budget(windows, clock, writes_per_minute=80, writes_per_hour=100)
    for _ in range(100):
        spend.take("i-1", writes=1, reads=0)
        clock.now += 10
    spend.take("i-1", writes=1, reads=0)
    assert sum(clock.slept) == pytest.approx(3600 - 1000)  # until the first write is an hour old


def test_reads_and_writes_share_the_points_of_a_minute(windows):
    clock = Clock()
    spend = budget(windows, clock, points_per_minute=20)
    for _ in range(3):
        spend.take("i-1", writes=1, reads=1)  # 6 points each
    assert clock.slept == []
    spend.take("i-1", writes=1, reads=0)  # 18 + 5 > 20
    assert clock.slept == [pytest.approx(60.0)]


def test_installations_have_budgets_of_their_own(windows):
    clock = Clock()
    spend = budget(windows, clock, writes_per_minute=2)
    for key in ("i-1", "i-2", "i-3"):
        spend.take(key, writes=2, reads=0)
    assert clock.slept == []


def test_a_limit_answer_holds_every_call_of_the_installation(windows):
    clock = Clock()
    spend = budget(windows, clock)
    spend.hold("i-1", 30)
    spend.take("i-2")
    assert clock.slept == []
    spend.take("i-1")
    assert sum(clock.slept) == pytest.approx(30.0)


def test_a_budget_spent_for_too_long_is_an_error_not_a_hang(windows):
    clock = Clock()
    spend = RateBudget(Limits(writes_per_minute=1), windows, clock=clock, sleep=clock.sleep, max_wait=10)
    spend.take("i-1", writes=1, reads=0)
    with pytest.raises(TimeoutError):
        spend.take("i-1", writes=1, reads=0)


def test_settings_refuse_limits_above_githubs():
    from bot.app.settings import Settings, SettingsError

    env = {"WEBHOOK_SECRET": "s", "APP_ID": "1", "PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----x"}
    assert Settings.from_env(env).github_writes_per_minute == 60
    assert Settings.from_env({**env, "VIBEOPS_GITHUB_WRITES_PER_HOUR": "200"}).github_writes_per_hour == 200
    for name, value in (("VIBEOPS_GITHUB_WRITES_PER_MINUTE", "81"), ("VIBEOPS_GITHUB_WRITES_PER_HOUR", "x"),
                        ("VIBEOPS_GITHUB_POINTS_PER_MINUTE", "0")):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**env, name: value})


def test_the_app_obeys_a_secondary_limit_answer_on_every_call_of_the_installation(github):
    clock = Clock()
    waits: list[float] = []
    spend = RateBudget(Limits(), MemoryWindows(), clock=clock, sleep=clock.sleep)
    app = GitHubApp(github.app_id, github.private_key_pem.decode(), github.base_url,
                    retry=RetryPolicy(attempts=3, sleep=waits.append), budget=spend)
    repo = app.repository(INSTALLATION, REPO)
    github.fail_next("POST", r"/issues/1/comments$", 403, body={"message": "You have exceeded a secondary rate limit"},
                     headers={"Retry-After": "17"})
    github.add_issue(REPO, 1, title="scan", user="alice")
    assert repo.status_comment(1, "hello")  # the limited write is retried after Retry-After
    assert waits == [17.0]
    before = sum(clock.slept)
    other = app.repository(INSTALLATION, REPO)  # another job of the same installation
    other.status_comment(1, "hello again")
    assert sum(clock.slept) - before == pytest.approx(17.0, abs=1)  # held until the Retry-After passed


def test_the_budget_can_be_turned_off_only_by_name():
    from bot.app.jobs import rate_budget
    from bot.app.settings import Settings, SettingsError

    env = {"WEBHOOK_SECRET": "s", "APP_ID": "1", "PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----x"}
    clock = Clock()
    on = rate_budget(Settings.from_env({**env, "VIBEOPS_GITHUB_WRITES_PER_MINUTE": "2"}))
    off = rate_budget(Settings.from_env({**env, "VIBEOPS_GITHUB_WRITES_PER_MINUTE": "2",
                                         "VIBEOPS_GITHUB_RATE_BUDGET": "off"}))
    for budget in (on, off):
        budget.clock, budget.sleep, budget.max_wait = clock, clock.sleep, 7200
    for _ in range(3):
        off.take("i-1", writes=1, reads=0)
    assert clock.slept == []
    for _ in range(3):
        on.take("i-1", writes=1, reads=0)
    assert clock.slept  # the third write waited
    with pytest.raises(SettingsError, match="VIBEOPS_GITHUB_RATE_BUDGET"):
        Settings.from_env({**env, "VIBEOPS_GITHUB_RATE_BUDGET": "maybe"})
