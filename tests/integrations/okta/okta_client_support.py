"""Helpers shared by the Okta client tests: a fake sleep that moves the simulator's clock,
and generated people (no real-name lists)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from simulators.common.clock import SimClock


def clock_sleep(clock: SimClock) -> Callable[[float], Awaitable[None]]:
    """The governor's sleep in tests: time passes on the simulator's clock, not the wall's.

    Concurrent sleepers move the clock to the latest wake-up time asked for, not by the sum
    of their delays, as real sleeping would.
    """

    async def sleep(seconds: float) -> None:
        if seconds > 0:
            target = clock.time() + seconds
            behind = target - clock.time()
            if behind > 0:
                clock.advance(behind)
        await asyncio.sleep(0)

    return sleep


def person(n: int | str, **extra: Any) -> dict[str, Any]:
    login = f"person{n}@example.test"
    return {
        "login": login,
        "email": login,
        "firstName": f"First{n}",
        "lastName": f"Last{n}",
        **extra,
    }
