"""Every activity heartbeats while it runs, so a worker that dies (kill -9, a lost node) is
noticed by Temporal within the heartbeat timeout instead of the whole start-to-close timeout,
and its activities are retried on another worker in seconds.

Our activities are short HTTP exchanges (the longest wait is the rate-limit governor's, up
to a minute): a liveness beat from the worker process is what matters. A beat repeats the
activity's own last progress details (or those of its previous attempt), never empty ones:
Temporal keeps only the latest heartbeat, and a retry resumes from it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

BEAT_EVERY = timedelta(seconds=5)


class _Remembering(ActivityOutboundInterceptor):
    """Keeps the details of the activity's latest own heartbeat."""

    def __init__(self, next: ActivityOutboundInterceptor) -> None:
        super().__init__(next)
        self.details: tuple[Any, ...] | None = None

    def heartbeat(self, *details: Any) -> None:
        self.details = details
        self.next.heartbeat(*details)


class _Beating(ActivityInboundInterceptor):
    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        self._remembering = _Remembering(outbound)
        super().init(self._remembering)

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        if not asyncio.iscoroutinefunction(input.fn):
            return await self.next.execute_activity(input)
        remembering = self._remembering

        async def beat() -> None:
            while True:
                await asyncio.sleep(BEAT_EVERY.total_seconds())
                details = remembering.details
                if details is None:
                    details = tuple(activity.info().heartbeat_details)  # the last attempt's
                activity.heartbeat(*details)

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
