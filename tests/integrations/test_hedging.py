"""Hedged reads: a slow read is asked once more and the first answer wins; errors are final
only when both attempts failed; a client that has not seen enough reads never hedges."""

from __future__ import annotations

import asyncio

import pytest

from integrations.hedging import Hedger


def primed(floor: float = 0.01) -> Hedger:
    """A hedger that has seen fast reads, so a read that hangs is asked again soon."""
    hedger = Hedger(min_samples=3, floor_seconds=floor)
    for _ in range(3):
        hedger._seen.append(0.001)
    return hedger


class Reads:
    """Scripted attempts: each entry answers a value, raises, or hangs until cancelled."""

    def __init__(self, *script: object) -> None:
        self.script = list(script)
        self.calls = 0
        self.cancelled = 0
        self.called = asyncio.Event()

    async def __call__(self) -> object:
        what = self.script[self.calls]
        self.calls += 1
        if self.calls == len(self.script):
            self.called.set()
        if what == "hang":
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        if isinstance(what, tuple) and what[0] == "late":
            await asyncio.sleep(what[1])
            what = what[2]
        if isinstance(what, Exception):
            raise what
        return what


async def test_a_read_that_hangs_is_asked_again_and_the_second_answer_wins() -> None:
    hedger = primed()
    reads = Reads("hang", "second")
    assert await hedger.read(reads) == "second"
    assert reads.calls == 2 and reads.cancelled == 1 and hedger.hedges_sent == 1


async def test_a_fast_read_is_asked_once() -> None:
    hedger = primed(floor=5.0)
    reads = Reads("only")
    assert await hedger.read(reads) == "only"
    assert reads.calls == 1 and hedger.hedges_sent == 0


async def test_too_few_reads_seen_means_no_hedging() -> None:
    hedger = Hedger(min_samples=3, floor_seconds=0.01)
    reads = Reads(("late", 0.05, "slow but only"))
    assert hedger.delay() is None
    assert await hedger.read(reads) == "slow but only"
    assert reads.calls == 1 and hedger.hedges_sent == 0


async def test_a_fast_error_is_final_without_a_second_request() -> None:
    hedger = primed(floor=5.0)
    reads = Reads(ValueError("refused"))
    with pytest.raises(ValueError, match="refused"):
        await hedger.read(reads)
    assert reads.calls == 1


async def test_a_late_error_of_the_first_attempt_waits_for_the_second() -> None:
    hedger = primed()
    reads = Reads(("late", 0.05, ValueError("first failed")), ("late", 0.2, "second"))
    assert await hedger.read(reads) == "second"


async def test_when_both_attempts_fail_the_first_error_is_raised() -> None:
    hedger = primed()
    reads = Reads(("late", 0.05, ValueError("first")), ValueError("second"))
    with pytest.raises(ValueError, match="first"):
        await hedger.read(reads)
    assert reads.calls == 2


async def test_a_cancelled_caller_leaves_no_attempt_running() -> None:
    hedger = primed()
    reads = Reads("hang", "hang")
    waiting = asyncio.ensure_future(hedger.read(reads))
    await asyncio.wait_for(reads.called.wait(), timeout=10)  # the hedge went out
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert reads.cancelled == 2


async def test_a_caller_cancelled_before_the_hedge_leaves_no_attempt_running() -> None:
    hedger = primed(floor=5.0)
    reads = Reads("hang")
    waiting = asyncio.ensure_future(hedger.read(reads))
    await asyncio.wait_for(reads.called.wait(), timeout=10)  # the first attempt went out
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert reads.calls == 1 and reads.cancelled == 1


def test_the_delay_is_the_recent_p90_but_never_under_the_floor() -> None:
    hedger = Hedger(min_samples=10, floor_seconds=0.3)
    for ms in range(1, 101):  # 1..100 ms
        hedger._seen.append(ms / 1000)
    assert hedger.delay() == 0.3
    for ms in range(401, 501):  # 0.401..0.5 s
        hedger._seen.append(ms / 1000)
    assert hedger.delay() == pytest.approx(0.481)  # the 181st of 200 kept
