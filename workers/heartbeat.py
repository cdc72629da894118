"""Every activity heartbeats while it runs, so a worker that dies (kill -9, a lost node) is
noticed by Temporal within the heartbeat timeout instead of the whole start-to-close timeout,
and its activities are retried on another worker in seconds.

Our activities are short HTTP exchanges (the longest wait is the rate-limit governor's, up
to a minute): a liveness beat from the worker process is what matters, not progress data.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

BEAT_EVERY = timedelta(seconds=5)


class _Beating(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        if not asyncio.iscoroutinefunction(input.fn):
            return await self.next.execute_activity(input)

        async def beat() -> None:
            while True:
                await asyncio.sleep(BEAT_EVERY.total_seconds())
                activity.heartbeat()

        beating = asyncio.create_task(beat())
        try:
            return await self.next.execute_activity(input)
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating


class HeartbeatInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Beating(next)
