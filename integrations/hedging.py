"""Hedged reads: a read still unanswered after most reads would have finished is sent once
more, and the first answer wins ("The Tail at Scale", Dean & Barroso, 2013).

Why: an immediate termination waits for one employee's BambooHR reads (the record, two
tables and the supervisor, in parallel), so the *slowest* of four reads sits on the path of
revoking access; one slow answer in ten would otherwise set the tail. A second request after
the p90 of recent reads costs about one read in ten more and cuts that tail to roughly the
p90 plus one more read's median.

Only idempotent reads are hedged, and only once the client has seen enough reads to know
what "slow" means for this deployment (a short-lived client, as in tests and CLI commands,
never hedges). The delay never goes under a floor, so a fast API is never asked twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

HEDGE_QUANTILE = 0.9  # a read slower than nine in ten recent ones is asked again
HEDGE_MIN_SAMPLES = 20  # below this, "slow" is not known yet: no hedging
HEDGE_FLOOR_SECONDS = 0.3  # never ask twice sooner than this
_KEEP = 200


class Hedger:
    """Recent read times of one client and the hedged call built on them."""

    def __init__(
        self,
        *,
        quantile: float = HEDGE_QUANTILE,
        min_samples: int = HEDGE_MIN_SAMPLES,
        floor_seconds: float = HEDGE_FLOOR_SECONDS,
    ) -> None:
        self._quantile = quantile
        self._min_samples = min_samples
        self._floor = floor_seconds
        self._seen: deque[float] = deque(maxlen=_KEEP)
        self.hedges_sent = 0

    def delay(self) -> float | None:
        """Seconds to wait before asking again; None while too few reads were seen."""
        if len(self._seen) < self._min_samples:
            return None
        ordered = sorted(self._seen)
        at = min(len(ordered) - 1, int(len(ordered) * self._quantile))
        return max(ordered[at], self._floor)

    async def read(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()` once, and once more if it is slow; the first answer wins. An error is
        final only when both attempts failed (the first error is raised). Whatever way this
        ends (an answer, an error, the caller cancelled), no attempt is left running."""
        delay = self.delay()
        started = time.monotonic()
        attempts = [asyncio.ensure_future(call())]
        try:
            if delay is not None:
                done, _ = await asyncio.wait(attempts, timeout=delay)
                if not done:
                    self.hedges_sent += 1
                    attempts.append(asyncio.ensure_future(call()))
            pending = set(attempts)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in attempts:
                    if task in done and task.exception() is None:
                        self._seen.append(time.monotonic() - started)
                        return task.result()
            raise attempts[0].exception()  # type: ignore[misc]  # all failed: the first's error
        finally:
            for task in attempts:
                if not task.done():
                    task.cancel()
            # Retrieve the losers' errors so asyncio does not log them as never retrieved.
            await asyncio.gather(*attempts, return_exceptions=True)
