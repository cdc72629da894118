"""Changes made in Okta by someone else, handed to the employees' workflows.

Two ways in, one way on (`deliver_okta_events`, activities/okta_events.py):
- `OktaEventDelivery`: one per event hook delivery, started by the receiver
  (starters/okta_hooks) with the delivery's watched events. Its id is the delivery's, so
  Okta's retry of a delivery we already took starts nothing new. Starting it is the
  receiver's whole job, so Okta gets its 2xx in milliseconds and nothing accepted is lost.
- `OktaLogPoll`: the fallback for orgs without event hooks, started every minute by a
  Temporal Schedule. It reads the System Log from a durable cursor and moves the cursor only
  after everything read was handed over (the `poll_okta_log` activity reads and delivers, so
  no event passes through this history).
Each employee workflow judges each event once (by uuid), so both may run side by side.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        Activity,
        DeliverOktaEventsInput,
        DeliverOktaEventsResult,
        GetCursorInput,
        GetCursorResult,
        PollOktaLogInput,
        PollOktaLogResult,
        SetCursorInput,
        SetCursorResult,
    )
    from workflows import options
    from workflows.errors import is_non_retryable
    from workflows.sync_failure import RECHECK, SyncFailure

OKTA_LOG_WORKFLOW_ID = "okta-log-poll"
OKTA_LOG_CURSOR = "okta.log"


def delivery_workflow_id(delivery_id: str) -> str:
    return f"okta-events-{delivery_id}"


class OktaLogPollInput(BaseModel):
    # Read a little before the cursor: events published in the same instant, and Okta's own
    # persistence lag. Re-read events are judged once (the employee workflows keep uuids).
    overlap_seconds: int = 5
    max_pages: int = 20


class OktaLogPollResult(BaseModel):
    since: str
    read: int = 0
    pages: int = 0
    signalled: int = 0
    cursor_moved: bool = False


class _Steps:
    """Run a step; one that retries cannot fix (a revoked token) is alerted once and tried
    again every RECHECK: the events wait, they are not dropped."""

    failure: SyncFailure

    async def _execute(self, activity: str, arg: Any, result_type: type, summary: str) -> Any:
        while True:
            try:
                result = await workflow.execute_activity(
                    activity,
                    arg,
                    result_type=result_type,
                    start_to_close_timeout=options.START_TO_CLOSE,
                    heartbeat_timeout=options.HEARTBEAT,
                    retry_policy=options.UNLIMITED,
                    summary=summary,
                )
            except ActivityError as err:
                if not is_non_retryable(err):
                    raise
                await self.failure.report(activity, err, retrying=True)
                await workflow.sleep(RECHECK, summary=f"re-check {activity}")
                continue
            self.failure.cleared()
            return result


@workflow.defn(name="OktaEventDelivery")
class OktaEventDelivery(_Steps):
    def __init__(self) -> None:
        self.failure = SyncFailure("okta-hooks")

    @workflow.run
    async def run(self, input: DeliverOktaEventsInput) -> DeliverOktaEventsResult:
        return await self._execute(
            Activity.DELIVER_OKTA_EVENTS,
            input,
            DeliverOktaEventsResult,
            f"hand {len(input.events)} Okta events to employee workflows",
        )


@workflow.defn(name="OktaLogPoll")
class OktaLogPoll(_Steps):
    def __init__(self) -> None:
        self.failure = SyncFailure("okta-log")

    @workflow.run
    async def run(self, input: OktaLogPollInput) -> OktaLogPollResult:
        cursor: GetCursorResult = await self._execute(
            Activity.GET_CURSOR, GetCursorInput(name=OKTA_LOG_CURSOR), GetCursorResult, "cursor"
        )
        now = workflow.now()
        # The first run ever starts now: the log's past was the org's business before us.
        start = cursor.value or now
        since = start - timedelta(seconds=input.overlap_seconds)
        polled: PollOktaLogResult = await self._execute(
            Activity.POLL_OKTA_LOG,
            PollOktaLogInput(since=since, max_pages=input.max_pages),
            PollOktaLogResult,
            f"Okta System Log since {since.isoformat()}",
        )
        result = OktaLogPollResult(
            since=since.isoformat(),
            read=polled.read,
            pages=polled.pages,
            signalled=sum(polled.delivered.signalled.values()),
        )
        # Only now, with everything read handed over, may the cursor move.
        new_cursor = max(filter(None, [polled.latest, cursor.value])) if polled.latest else start
        if cursor.value is None or new_cursor > cursor.value:
            moved: SetCursorResult = await self._execute(
                Activity.SET_CURSOR,
                SetCursorInput(name=OKTA_LOG_CURSOR, value=new_cursor, expected=cursor.value),
                SetCursorResult,
                "move the cursor",
            )
            result.cursor_moved = moved.moved
        return result

    @workflow.query(name="status")
    def status(self) -> dict[str, object]:
        return {"problem": self.failure.problem}
