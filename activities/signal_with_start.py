"""Handing HR changes to employee workflows: signal-with-start.

Every trigger (webhook receiver, poller, reconciliation, drift repair) reaches an employee
only through `signal_employee`, and Okta changes made by someone else through
`signal_okta_changed`, so there is exactly one way in: start the employee's workflow if it is
not running, otherwise signal it. The workflow de-duplicates (BambooHR's `lastChanged`, Okta's
event uuid), which makes redelivery harmless.

(This module uses the Temporal *client* and the employee workflow's wire models; it is the
one place where `activities` knows about a workflow, because starting workflows is its job.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from contracts.employee import (
    WORKFLOW_NAME,
    EmployeeInput,
    HrChanged,
    OktaChanged,
    workflow_id_for,
)

SIGNAL_CONCURRENCY = 32
RPC_TIMEOUT = timedelta(seconds=10)
# The SDK retries an unreachable server on its own; a caller that must answer (the webhook
# receiver) bounds the whole attempt instead.
SIGNAL_DEADLINE_SECONDS = 8.0


def _summary(change: HrChanged) -> str:
    # Ids only: summaries are shown in the UI and kept in history (no names or emails).
    dept = change.snapshot.department if change.snapshot and change.snapshot.department else None
    return f"employee {change.employee_id}" + (f" · {dept}" if dept else "")


async def signal_employee(client: Client, task_queue: str, change: HrChanged) -> None:
    """Signal-with-start `hr_changed` on `employee-<id>`; raises if Temporal refused or
    did not answer in time (callers then answer 5xx or retry)."""
    await _signal_with_start(client, task_queue, change.employee_id, "hr_changed", change)


async def signal_okta_changed(client: Client, task_queue: str, change: OktaChanged) -> None:
    """Signal-with-start `okta_changed`: a lifecycle that already completed (a leaver's
    retention elapsed) starts again, reads HR and puts the account back."""
    await _signal_with_start(client, task_queue, change.employee_id, "okta_changed", change)


async def _signal_with_start(
    client: Client,
    task_queue: str,
    employee_id: str,
    signal: str,
    arg: HrChanged | OktaChanged,
) -> None:
    await client.start_workflow(
        WORKFLOW_NAME,
        EmployeeInput(employee_id=employee_id),
        id=workflow_id_for(employee_id),
        task_queue=task_queue,
        start_signal=signal,
        start_signal_args=[arg],
        # A completed lifecycle (retention after termination elapsed) starts again on rehire.
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=_summary(arg) if isinstance(arg, HrChanged) else f"employee {employee_id}",
        rpc_timeout=RPC_TIMEOUT,
    )


async def signal_many(
    client: Client,
    task_queue: str,
    changes: Sequence[HrChanged],
    on_progress: Callable[[int], Any] | None = None,
    deadline_seconds: float | None = None,
) -> list[tuple[str, str]]:
    """Signal every change concurrently; returns (employee_id, error) for those that failed."""
    gate = asyncio.Semaphore(SIGNAL_CONCURRENCY)
    failures: list[tuple[str, str]] = []
    done = 0

    async def one(change: HrChanged) -> None:
        nonlocal done
        async with gate:
            try:
                if deadline_seconds is None:
                    await signal_employee(client, task_queue, change)
                else:
                    await asyncio.wait_for(
                        signal_employee(client, task_queue, change), deadline_seconds
                    )
            except Exception as exc:  # every failure is reported; the caller retries
                failures.append((change.employee_id, f"{type(exc).__name__}: {exc}"))
            done += 1
            if on_progress is not None:
                on_progress(done)

    await asyncio.gather(*(one(c) for c in changes))
    return failures
