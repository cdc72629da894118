"""The BambooHR poller, started every few minutes by a Temporal Schedule.

One run: read the durable cursor, ask BambooHR what changed since (minus a small overlap),
hand every change to its employee's workflow, and only then move the cursor. What it reads
from BambooHR grows with the number of changes, not with the company: the change list, then
per batch of changes those employees' records and table rows (activities/triggers.py). (Mass changes
are not judged here: every suspension or deactivation asks the mass-change guard at the
moment it is carried out, whatever path the change took; workflows/guard.) A poller or
BambooHR outage of hours therefore loses nothing: the next run starts from the last cursor
that was fully delivered.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        Activity,
        DeliverChangesInput,
        DeliverChangesResult,
        EmployeeChange,
        FetchChangedSinceInput,
        FetchChangedSinceResult,
        GetCursorInput,
        GetCursorResult,
        SetCursorInput,
        SetCursorResult,
    )
    from workflows import options
    from workflows.errors import is_non_retryable
    from workflows.sync_failure import RECHECK, SYNC_FAILURE_PATCH, SyncFailure

POLL_WORKFLOW_ID = "bamboohr-poll"
CURSOR_NAME = "bamboohr.changed"
BATCH = 200  # employees handed over per activity call


class PollInput(BaseModel):
    overlap_seconds: int = 120  # re-read a little before the cursor: clocks and commits race
    first_lookback_hours: float = 24.0  # first run ever: how far back to look


class PollResult(BaseModel):
    since: str
    latest: str | None = None
    changes: int = 0
    delivered: int = 0
    deleted: int = 0
    bad_records: list[str] = Field(default_factory=list)
    cursor_moved: bool = False


def batches(changes: list[EmployeeChange]) -> list[list[EmployeeChange]]:
    """The changes in batches of BATCH, earliest lastChanged first: a batch's table rows are
    read as "changed since its earliest change", which then brings only the employees of
    this batch and the later ones, not those already delivered."""
    floor = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(changes, key=lambda c: (c.last_changed or floor, c.employee_id))
    return [ordered[start : start + BATCH] for start in range(0, len(ordered), BATCH)]


@workflow.defn(name="BambooHRPoll")
class PollWorkflow:
    def __init__(self) -> None:
        self.failure = SyncFailure("poll")

    @workflow.run
    async def run(self, input: PollInput) -> PollResult:
        cursor: GetCursorResult = await self._execute(
            Activity.GET_CURSOR,
            GetCursorInput(name=CURSOR_NAME),
            result_type=GetCursorResult,
            start_to_close_timeout=options.START_TO_CLOSE,
            heartbeat_timeout=options.HEARTBEAT,
            retry_policy=options.UNLIMITED,
        )
        now = workflow.now()
        since = (cursor.value or now - timedelta(hours=input.first_lookback_hours)) - timedelta(
            seconds=input.overlap_seconds
        )
        changed: FetchChangedSinceResult = await self._execute(
            Activity.FETCH_CHANGED_SINCE,
            FetchChangedSinceInput(since=since),
            result_type=FetchChangedSinceResult,
            start_to_close_timeout=options.START_TO_CLOSE,
            heartbeat_timeout=options.HEARTBEAT,
            retry_policy=options.UNLIMITED,
            summary=f"BambooHR changes since {since.isoformat()}",
        )
        result = PollResult(
            since=since.isoformat(),
            latest=changed.latest.isoformat() if changed.latest else None,
            changes=len(changed.changes),
        )
        if changed.changes:
            await self._deliver(changed.changes, result)
        # Only now, with every change handed over, may the cursor move.
        new_cursor = changed.latest or now
        moved: SetCursorResult = await self._execute(
            Activity.SET_CURSOR,
            SetCursorInput(name=CURSOR_NAME, value=new_cursor, expected=cursor.value),
            result_type=SetCursorResult,
            start_to_close_timeout=options.START_TO_CLOSE,
            heartbeat_timeout=options.HEARTBEAT,
            retry_policy=options.UNLIMITED,
        )
        result.cursor_moved = moved.moved
        return result

    async def _deliver(self, changes: list[EmployeeChange], result: PollResult) -> None:
        for batch in batches(changes):
            delivered: DeliverChangesResult = await self._execute(
                Activity.DELIVER_CHANGES,
                DeliverChangesInput(changes=batch, source="poll", as_of=workflow.now()),
                result_type=DeliverChangesResult,
                start_to_close_timeout=timedelta(minutes=10),
                # Beats every few seconds (the worker's heartbeat interceptor, and one per
                # change handed on): a worker killed mid-delivery is noticed in seconds, so
                # the HR changes of this poll are not held up for minutes.
                heartbeat_timeout=options.HEARTBEAT,
                retry_policy=options.UNLIMITED,
                summary=f"hand {len(batch)} changes to employee workflows",
            )
            result.delivered += len(delivered.delivered)
            result.deleted += sum(1 for c in batch if c.action == "Deleted")
            result.bad_records += [b.employee_id for b in delivered.bad_records]

    async def _execute(self, activity: str, arg: Any, **kwargs: Any) -> Any:
        """Run a step; a failure retries cannot fix (credentials, permissions) is alerted
        once and re-checked until fixed, holding the cursor: nothing is lost or skipped."""
        while True:
            try:
                result = await workflow.execute_activity(activity, arg, **kwargs)
            except ActivityError as err:
                if not is_non_retryable(err) or not workflow.patched(SYNC_FAILURE_PATCH):
                    raise
                await self.failure.report(activity, err, retrying=True)
                await workflow.sleep(RECHECK, summary=f"re-check {activity}")
                continue
            self.failure.cleared()
            return result

    @workflow.query(name="status")
    def status(self) -> dict[str, object]:
        return {"problem": self.failure.problem}
