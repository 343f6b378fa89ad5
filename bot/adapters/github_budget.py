"""How fast vibeops may call GitHub: a per-installation budget under GitHub's secondary limits.

GitHub's REST API documentation ("Rate limits for the REST API", secondary rate limits) asks integrations
to stay under, per user or installation:
- 80 content-creating requests a minute and 500 an hour;
- 900 points a minute for REST endpoints, where a GET, HEAD or OPTIONS costs 1 point and anything
  else (POST, PATCH, PUT, DELETE) costs 5;
and to wait for the `Retry-After` time when a limit answer comes anyway.

The budget lets a job's few requests go out at once (bursts are allowed) and makes callers wait only when
a sliding window would pass its limit, with headroom under GitHub's numbers. A limit answer holds every
call of that installation until its `Retry-After` has passed. Windows are kept in this process, or in
Redis so that every worker of a deployment shares one budget per installation.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

WRITE_POINTS, READ_POINTS = 5, 1


@dataclass(frozen=True)
class Limits:
    """What one installation may spend; the defaults keep a quarter of GitHub's limits in reserve."""

    writes_per_minute: int = 60  # GitHub: 80
    writes_per_hour: int = 375  # GitHub: 500
    points_per_minute: int = 675  # GitHub: 900

    def windows(self, writes: int, reads: int) -> tuple[tuple[str, float, int, int], ...]:
        """(window name, length in seconds, limit, cost of this call) for each window the call counts in."""
        points = writes * WRITE_POINTS + reads * READ_POINTS
        return (("writes-minute", 60.0, self.writes_per_minute, writes),
                ("writes-hour", 3600.0, self.writes_per_hour, writes),
                ("points-minute", 60.0, self.points_per_minute, points))


class MemoryWindows:
    """Sliding windows kept in this process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._spent: dict[tuple[str, str], deque] = defaultdict(deque)  # (key, window) → (time, cost)
        self._held: dict[str, float] = {}

    def try_take(self, key: str, windows, now: float) -> float:
        """Record the call and return 0 when every window has room; else the seconds to wait, recording nothing."""
        with self._lock:
            wait = max(self._held.get(key, 0.0) - now, 0.0)
            for name, length, limit, cost in windows:
                if cost == 0:
                    continue
                spent = self._spent[(key, name)]
                while spent and spent[0][0] <= now - length:
                    spent.popleft()
                total = sum(c for _, c in spent)
                if total + cost > limit:
                    # Wait until enough of the oldest calls have left the window.
                    freed = 0
                    for at, c in spent:
                        freed += c
                        if total - freed + cost <= limit:
                            wait = max(wait, at + length - now)
                            break
                    else:
                        wait = max(wait, length)  # a single call costs more than the window holds
            if wait > 0:
                return wait
            for name, _, _, cost in windows:
                if cost:
                    self._spent[(key, name)].append((now, cost))
            return 0.0

    def hold(self, key: str, until: float, now: float) -> None:
        with self._lock:
            self._held[key] = max(self._held.get(key, 0.0), until)


_TRY_TAKE = """
local now = tonumber(ARGV[1])
local wait = 0
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
if held > now then wait = held - now end
local n = (#ARGV - 2) / 3
for i = 1, n do
  local length, limit, cost = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]), tonumber(ARGV[3 * i + 2])
  if cost > 0 then
    local key = KEYS[i + 1]
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - length)
    local total = 0
    local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
    for j = 1, #entries, 2 do total = total + tonumber(string.match(entries[j], '^[^:]*:(%d+)$')) end
    if total + cost > limit then
      local freed, found = 0, false
      for j = 1, #entries, 2 do
        freed = freed + tonumber(string.match(entries[j], '^[^:]*:(%d+)$'))
        if total - freed + cost <= limit then
          wait = math.max(wait, tonumber(entries[j + 1]) + length - now)
          found = true
          break
        end
      end
      if not found then wait = math.max(wait, length) end
    end
  end
end
if wait > 0 then return tostring(wait) end
for i = 1, n do
  local length, cost = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 2])
  if cost > 0 then
    redis.call('ZADD', KEYS[i + 1], now, ARGV[2] .. i .. ':' .. cost)
    redis.call('EXPIRE', KEYS[i + 1], math.ceil(length) + 1)
  end
end
return '0'
"""


class RedisWindows:
    """Sliding windows in Redis (one sorted set per installation and window), shared by every process."""

    def __init__(self, redis):
        self.redis = redis
        self._script = redis.register_script(_TRY_TAKE)

    def try_take(self, key: str, windows, now: float) -> float:
        keys = [f"vibeops:budget:{key}:held", *(f"vibeops:budget:{key}:{name}" for name, *_ in windows)]
        args = [now, uuid.uuid4().hex]
        for _, length, limit, cost in windows:
            args += [length, limit, cost]
        return float(self._script(keys=keys, args=args))

    def hold(self, key: str, until: float, now: float) -> None:
        held_key = f"vibeops:budget:{key}:held"
        current = float(self.redis.get(held_key) or 0)
        if until > current:
            self.redis.set(held_key, until, ex=max(1, int(until - now) + 1))


class NoWindows:
    """No budget (VIBEOPS_GITHUB_RATE_BUDGET=off): for a GitHub Enterprise Server whose administrator turned
    rate limiting off, or a test double of GitHub. GitHub's own limit answers are still obeyed per call."""

    def try_take(self, key: str, windows, now: float) -> float:
        return 0.0

    def hold(self, key: str, until: float, now: float) -> None:
        return None


class RateBudget:
    """Waits, when it must, before an installation's calls; `take` blocks until the call fits."""

    def __init__(self, limits: Limits | None = None, windows=None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, max_wait: float = 900.0):
        self.limits = limits or Limits()
        self.windows = windows if windows is not None else MemoryWindows()
        self.clock, self.sleep, self.max_wait = clock, sleep, max_wait
        self.waited = 0.0  # seconds spent waiting, for tests and the benchmark

    def take(self, key: str, writes: int = 0, reads: int = 1) -> None:
        windows = self.limits.windows(writes, reads)
        waited = 0.0
        while True:
            try:
                wait = self.windows.try_take(key, windows, self.clock())
            except Exception:  # the shared store is down: GitHub's own answers still pace us (Retry-After)
                return
            if wait <= 0:
                return
            if waited >= self.max_wait:
                raise TimeoutError(f"GitHub's rate budget for this installation stayed spent for {waited:.0f} s")
            step = min(wait, self.max_wait - waited)
            self.sleep(step)
            waited += step
            self.waited += step

    def hold(self, key: str, seconds: float) -> None:
        """GitHub answered with a limit: nothing of this installation goes out for `seconds`."""
        try:
            now = self.clock()
            self.windows.hold(key, now + seconds, now)
        except Exception:
            pass

    def for_installation(self, installation_id: int) -> "InstallationBudget":
        return InstallationBudget(self, f"installation-{installation_id}")


@dataclass(frozen=True)
class InstallationBudget:
    budget: RateBudget
    key: str

    def take(self, writes: int = 0, reads: int = 1) -> None:
        self.budget.take(self.key, writes, reads)

    def hold(self, seconds: float) -> None:
        self.budget.hold(self.key, seconds)
