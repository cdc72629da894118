"""`lifecycle ops approve <workflow-id>` against the real poll workflow held by the
mass-change safeguard (on the dev server; its activities are stand-ins that report a
disruptive batch, so no company is needed to trip the safeguard)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from lifecycle_harness import poll_until
from ops_cli import Cli
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.contracts import (
    Activity,
    AssessChangesInput,
    AssessChangesResult,
    DeliverChangesInput,
    DeliverChangesResult,
    EmployeeChange,
    FetchChangedSinceInput,
    FetchChangedSinceResult,
    GetCursorInput,
    GetCursorResult,
    NotifyInput,
    NotifyResult,
    SetCursorInput,
    SetCursorResult,
)
from workflows.poll import PollInput, PollWorkflow

CHANGES = [str(900_000 + i) for i in range(10)]
DISRUPTIVE = CHANGES[:8]


class StandIns:
    """A BambooHR batch of ten changes, eight of them deactivations (over the threshold)."""

    def __init__(self) -> None:
        self.release_fetch = asyncio.Event()
        self.delivered: list[str] = []

    @activity.defn(name=Activity.GET_CURSOR)
    async def get_cursor(self, _: GetCursorInput) -> GetCursorResult:
        return GetCursorResult()

    @activity.defn(name=Activity.FETCH_CHANGED_SINCE)
    async def fetch_changed_since(self, _: FetchChangedSinceInput) -> FetchChangedSinceResult:
        await self.release_fetch.wait()  # the run is busy here, not waiting for approval
        now = datetime.now(UTC)
        return FetchChangedSinceResult(
            latest=now,
            changes=[EmployeeChange(employee_id=e, action="Updated") for e in CHANGES],
        )

    @activity.defn(name=Activity.ASSESS_CHANGES)
    async def assess_changes(self, _: AssessChangesInput) -> AssessChangesResult:
        return AssessChangesResult(disruptive=DISRUPTIVE, active_accounts=100, threshold=5)

    @activity.defn(name=Activity.DELIVER_CHANGES)
    async def deliver_changes(self, input: DeliverChangesInput) -> DeliverChangesResult:
        ids = [c.employee_id for c in input.changes]
        self.delivered += ids
        return DeliverChangesResult(delivered=ids)

    @activity.defn(name=Activity.NOTIFY)
    async def notify(self, _: NotifyInput) -> NotifyResult:
        return NotifyResult(delivered=["log"])

    @activity.defn(name=Activity.SET_CURSOR)
    async def set_cursor(self, _: SetCursorInput) -> SetCursorResult:
        return SetCursorResult(moved=True)


async def test_approve_releases_a_held_poll_run_and_refuses_otherwise(
    cli: Cli, dev_server_env: WorkflowEnvironment
) -> None:
    client = dev_server_env.client
    task_queue = f"tq-approve-{uuid.uuid4().hex[:8]}"
    stand_ins = StandIns()
    acts = [
        stand_ins.get_cursor,
        stand_ins.fetch_changed_since,
        stand_ins.assess_changes,
        stand_ins.deliver_changes,
        stand_ins.notify,
        stand_ins.set_cursor,
    ]
    async with Worker(client, task_queue=task_queue, workflows=[PollWorkflow], activities=acts):
        workflow_id = f"bamboohr-poll-{uuid.uuid4().hex[:8]}"
        handle = await client.start_workflow(
            PollWorkflow.run, PollInput(), id=workflow_id, task_queue=task_queue
        )

        # Still reading BambooHR: nothing to approve yet, and the validator says so.
        result = await cli("ops", "approve", workflow_id, "--note", "too early")
        assert result.code == 1
        assert "nothing to approve: this run is not waiting for an approval" in result.err

        stand_ins.release_fetch.set()

        async def waiting() -> bool:
            status = await handle.query("status")
            return bool(status["waiting_for_approval"])

        await poll_until(waiting, timeout=20)
        assert sorted(stand_ins.delivered) == sorted(set(CHANGES) - set(DISRUPTIVE))

        result = await cli(
            "ops", "approve", workflow_id, "--approver", "dana", "--note", "planned RIF", "--json"
        )
        assert result.code == 0, result.err
        answer = result.json()
        assert answer["approved"] is True and answer["approver"] == "dana"
        assert "8 suspensions/deactivations exceed the safeguard" in answer["message"]

        outcome = await handle.result()
        assert outcome.held_for_approval == 8 and outcome.delivered == 10
        assert sorted(stand_ins.delivered) == sorted(CHANGES)  # the held ones went out too

        late = await cli("ops", "approve", workflow_id)
        assert late.code == 1 and f"{workflow_id} is not running any more" in late.err
