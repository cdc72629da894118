"""The rate-limit governor: one per worker process, shared by every Okta request it sends.

Okta limits requests per endpoint bucket and per minute, org-wide: several workers (and
other integrations) draw from the same budget, so the governor trusts the server's
`X-Rate-Limit-Limit/-Remaining/-Reset` headers on every answer over any local count.

Per bucket:
- while more than `burst_fraction` of the limit remains, requests go out at once;
- below that, the remaining budget (minus a small reserve, minus requests still in flight)
  is spread evenly over the time left until the reset;
- with nothing left (or after a 429) requests wait until the reset Okta announced;
  a 429 whose reset already passed (clock skew) backs off exponentially instead of
  hammering;
- before the first answer of a bucket, only one request goes out, so a cold start does not
  fire a whole burst blind.
Plus a global cap on requests in flight (Okta's concurrency limit is org-wide too).

`clock` and `sleep` are injectable so tests pace against a simulator's `SimClock`.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

# Okta's endpoint buckets (developer.okta.com "Rate limits": typical workforce-org limits/min).
USERS = "users"  # GET/POST /api/v1/users: list, search, create (600)
USER_GET = "user_get"  # GET /api/v1/users/{id} and its sub-resources (2000)
USER_WRITE = "user_write"  # POST/PUT/DELETE /api/v1/users/{id}/..., lifecycle, sessions (600)
GROUPS = "groups"  # /api/v1/groups: list, search, create (500)
GROUP = "group"  # /api/v1/groups/{id}/...: memberships (1000)
DEFAULT = "default"  # any other /api/v1 endpoint, e.g. the user schema (1200)
BUCKETS = (USERS, USER_GET, USER_WRITE, GROUPS, GROUP, DEFAULT)

WINDOW_SECONDS = 60.0
# Left in every window for the org's other callers (OKTA_RATE_LIMIT_RESERVE). Small: 4,000
# calls at 600/min fit in seven windows with 2 % held back, but spill into an eighth (a whole
# minute more) with 5 %.
DEFAULT_RESERVE = 0.02


def bucket_for(method: str, path: str) -> str:
    """The Okta rate-limit bucket of a request (`path` without the query)."""
    parts = [p for p in path.split("?", 1)[0].removeprefix("/api/v1").split("/") if p]
    if not parts:
        return DEFAULT
    if parts[0] == "users":
        if len(parts) == 1:
            return USERS
        return USER_GET if method.upper() in {"GET", "HEAD"} else USER_WRITE
    if parts[0] == "groups":
        return GROUPS if len(parts) == 1 else GROUP
    return DEFAULT


@dataclass
class GovernorStats:
    requests: int = 0
    waits: int = 0
    wait_seconds: float = 0.0
    rate_limited: int = 0  # 429 answers seen
    peak_in_flight: int = 0
    by_bucket: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "waits": self.waits,
            "wait_seconds": round(self.wait_seconds, 3),
            "rate_limited": self.rate_limited,
            "peak_in_flight": self.peak_in_flight,
            "by_bucket": dict(self.by_bucket),
        }


@dataclass
class _Bucket:
    name: str
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # epoch seconds of the window's end, as Okta said
    in_flight: int = 0
    blocked_until: float = 0.0
    last_sent: float = 0.0
    consecutive_429: int = 0
    answered_once: bool = False
    _lock: asyncio.Lock | None = None
    _answered: asyncio.Event | None = None

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    @property
    def answered(self) -> asyncio.Event:
        if self._answered is None:
            self._answered = asyncio.Event()
        return self._answered


def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


class RateLimitGovernor:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        max_concurrency: int | None = None,
        reserve_fraction: float = DEFAULT_RESERVE,
        burst_fraction: float = 0.5,
        window_seconds: float = WINDOW_SECONDS,
        min_backoff: float = 1.0,
        max_wait: float = WINDOW_SECONDS + 5,
    ) -> None:
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._clock = clock
        self._sleep = sleep
        self.max_concurrency = max_concurrency
        self.reserve_fraction = reserve_fraction
        self.burst_fraction = burst_fraction
        self.window_seconds = window_seconds
        self.min_backoff = min_backoff
        self.max_wait = max_wait
        self._buckets: dict[str, _Bucket] = {}
        self._semaphore: asyncio.Semaphore | None = None
        self._in_flight = 0
        self.stats = GovernorStats()

    def now(self) -> float:
        return self._clock()

    async def sleep(self, seconds: float) -> None:
        """The governor's sleep (tests inject one that moves a fake clock)."""
        await self._sleep(seconds)

    def slot(self, method: str, path: str) -> Slot:
        """`async with governor.slot(m, p) as slot: ...; slot.observe(response)`."""
        return Slot(self, bucket_for(method, path))

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """What the governor believes per bucket (for benchmarks and debugging)."""
        return {
            name: {
                "limit": b.limit,
                "remaining": b.remaining,
                "reset": b.reset,
                "in_flight": b.in_flight,
                "blocked_until": b.blocked_until or None,
            }
            for name, b in sorted(self._buckets.items())
        }

    # --- internals ---------------------------------------------------------------------------
    def _bucket(self, name: str) -> _Bucket:
        bucket = self._buckets.get(name)
        if bucket is None:
            bucket = self._buckets[name] = _Bucket(name)
        return bucket

    def _reserve(self, limit: int) -> int:
        wanted = max(1, math.ceil(limit * self.reserve_fraction))
        return min(wanted, max(0, limit - 1))

    def _plan(self, b: _Bucket, now: float) -> float | None:
        """Seconds to wait before the next request of `b` (None: wait for an answer)."""
        if b.blocked_until > now:
            return min(b.blocked_until - now, self.max_wait)
        if b.limit is None or b.remaining is None:
            # Nothing known yet: one probe at a time until the first answer arrives.
            return None if (not b.answered_once and b.in_flight > 0) else 0.0
        if b.reset is not None and now >= b.reset:
            # The window Okta described is over: full budget, reset unknown until answers.
            b.remaining, b.reset = b.limit, None
        available = b.remaining - b.in_flight - self._reserve(b.limit)
        if available <= 0:
            if b.reset is not None:
                return min(b.reset - now, self.max_wait)
            return None if b.in_flight > 0 else self.min_backoff
        if b.reset is None or b.remaining - b.in_flight > b.limit * self.burst_fraction:
            return 0.0
        interval = (b.reset - now) / available
        return max(0.0, min(b.last_sent + interval - now, self.max_wait))

    async def _acquire(self, name: str) -> None:
        b = self._bucket(name)
        self.stats.requests += 1
        self.stats.by_bucket[name] = self.stats.by_bucket.get(name, 0) + 1
        if self.max_concurrency is not None and self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.max_concurrency)
        semaphore = self._semaphore
        holding = False
        try:
            async with b.lock:  # head of line per bucket: pacing keeps requests in order
                while True:
                    delay = self._plan(b, self._clock())
                    if delay is not None and delay <= 0:
                        if semaphore is None or holding:
                            break
                        # Take a global place, then decide again: the wait for it may
                        # have brought answers that change the budget.
                        await semaphore.acquire()
                        holding = True
                        continue
                    if holding:  # never sit on a global place while pacing one bucket
                        assert semaphore is not None
                        semaphore.release()
                        holding = False
                    if delay is None:
                        b.answered.clear()
                        await b.answered.wait()
                        continue
                    self.stats.waits += 1
                    self.stats.wait_seconds += delay
                    await self._sleep(delay)
                b.in_flight += 1
                b.last_sent = self._clock()
        except BaseException:
            if holding:
                assert semaphore is not None
                semaphore.release()
            raise
        self._in_flight += 1
        self.stats.peak_in_flight = max(self.stats.peak_in_flight, self._in_flight)

    def _release(self, name: str) -> None:
        b = self._bucket(name)
        b.in_flight = max(0, b.in_flight - 1)
        b.answered.set()
        self._in_flight = max(0, self._in_flight - 1)
        if self._semaphore is not None:
            self._semaphore.release()

    def observe(self, name: str, status: int, headers: Mapping[str, str]) -> None:
        """Learn from one answer of bucket `name` (any status, with or without headers)."""
        b = self._bucket(name)
        now = self._clock()
        b.answered_once = True
        limit = _header_number(headers, "X-Rate-Limit-Limit")
        remaining = _header_number(headers, "X-Rate-Limit-Remaining")
        reset = _header_number(headers, "X-Rate-Limit-Reset")
        if reset is not None:
            reset = min(reset, now + self.max_wait)  # a clock far off must not park us for long
        if limit is not None and remaining is not None and reset is not None:
            if b.reset is None or reset > b.reset:
                b.limit, b.remaining, b.reset = int(limit), int(remaining), reset
            elif reset == b.reset:
                # Answers overtake each other: within a window the smallest count is newest.
                b.limit = int(limit)
                b.remaining = min(
                    b.remaining if b.remaining is not None else int(remaining), int(remaining)
                )
            # else: an answer from an earlier window, already superseded
        if status != 429:
            b.consecutive_429 = 0
            return
        self.stats.rate_limited += 1
        b.consecutive_429 += 1
        if reset is not None and reset > now:
            until = reset
        else:
            retry_after = _header_number(headers, "Retry-After")
            backoff = self.min_backoff * 2 ** (b.consecutive_429 - 1)
            until = now + (retry_after if retry_after is not None else backoff)
        b.blocked_until = max(b.blocked_until, min(until, now + self.max_wait))
        if b.reset is not None and reset == b.reset:
            b.remaining = 0


class Slot:
    """One request's place: paced on entry, released on exit; `observe` the answer."""

    def __init__(self, governor: RateLimitGovernor, bucket: str) -> None:
        self.governor = governor
        self.bucket = bucket

    async def __aenter__(self) -> Slot:
        await self.governor._acquire(self.bucket)
        return self

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        self.governor.observe(self.bucket, status, headers)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.governor._release(self.bucket)
