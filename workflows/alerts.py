"""Alerts from the run-level workflows (poller, reconciliation) to IT and security.

Sent through the same `notify` activity as the employee workflows' notifications, with its
short timeout and few retries: a failing sink never holds up a run.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.activities import Activity, NotificationEvent, NotifyInput, NotifyResult
    from workflows import options


async def alert(
    event: NotificationEvent, data: dict[str, Any], *, summary: str | None = None
) -> None:
    await workflow.execute_activity(
        Activity.NOTIFY,
        NotifyInput(event=event, audiences=["it", "security"], data=data),
        result_type=NotifyResult,
        start_to_close_timeout=options.NOTIFY_TIMEOUT,
        retry_policy=options.NOTIFY_RETRY,
        summary=summary,
    )
