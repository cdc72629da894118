"""The guard workflow on its own (time-skipping server, stand-in audit and notify): it keeps
its window, holds, decisions and outbox across continue-as-new, answers a request asked
again with the same decision, and alerts once per episode."""

from __future__ import annotations

import uuid
from datetime import timedelta

from guard_stand_ins import GuardStandIns
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from contracts.guard import (
    ApproveHeldInput,
    DisruptionRequest,
    GuardDecision,
    GuardInput,
    GuardOpsResult,
    GuardStatus,
)
from starters.children import eventually
from workflows.guard.workflow import DisruptionGuard


def request(n: int, threshold: int = 5) -> DisruptionRequest:
    return DisruptionRequest(
        employee_id=f"7{n:03d}",
        action="TERMINATE:2026-12-03",
        verb="deactivate",
        threshold=threshold,
        active_accounts=100,
        window_seconds=3600,
    )


async def ask(client: Client, wid: str, n: int) -> str:
    handle = client.get_workflow_handle(wid)
    answer = await handle.execute_update("request", request(n), result_type=GuardDecision)
    return answer.verdict


async def test_the_guard_keeps_everything_across_continue_as_new(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    client = time_skipping_env.client
    task_queue = f"tq-{uuid.uuid4().hex[:8]}"
    wid = f"guard-{uuid.uuid4().hex[:6]}"
    stand_ins = GuardStandIns()
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[DisruptionGuard],
        activities=stand_ins.all(),
    ):
        handle = await client.start_workflow(
            DisruptionGuard.run,
            GuardInput(max_history_events=40),  # continue-as-new every few requests
            id=wid,
            task_queue=task_queue,
        )
        first_run = handle.result_run_id
        verdicts = [await ask(client, wid, n) for n in range(30)]
        assert verdicts == ["granted"] * 5 + ["held"] * 25

        async def new_run() -> bool:
            description = await client.get_workflow_handle(wid).describe()
            return description.run_id != first_run

        await eventually(new_run, within=30)
        # Asked again after continue-as-new: the same answers, nothing counted twice.
        assert [await ask(client, wid, n) for n in (0, 4, 5, 29)] == [
            "granted",
            "granted",
            "held",
            "held",
        ]
        status = await client.get_workflow_handle(wid).query("status", result_type=GuardStatus)
        assert status.granted_in_window == 5 and len(status.held) == 25

        # One alert for the whole episode, with its counts.
        await time_skipping_env.sleep(timedelta(minutes=1))
        await eventually(lambda: len(stand_ins.alerts) == 1, within=30)
        assert stand_ins.alerts[0].data["affected"] == 25

        released = await client.get_workflow_handle(wid).execute_update(
            "approve", ApproveHeldInput(approver="dana"), result_type=GuardOpsResult
        )
        assert len(released.employees) == 25
        # Every hold and every approval reached the audit store exactly once.
        await eventually(
            lambda: sum(1 for a in stand_ins.audit if a.action == "guard.approve") == 25,
            within=30,
        )
        held_records = [a.employee_id for a in stand_ins.audit if a.action == "guard.held"]
        assert sorted(held_records) == sorted(f"7{n:03d}" for n in range(5, 30))

        # The episode is over: the next request within the window is judged afresh (the
        # window's own budget is used up: held again), and alerted again after a new hold.
        assert await ask(client, wid, 30) == "held"
        await time_skipping_env.sleep(timedelta(minutes=1))
        await eventually(lambda: len(stand_ins.alerts) == 2, within=30)
        # A window later the budget is back.
        await client.get_workflow_handle(wid).execute_update(
            "approve", ApproveHeldInput(), result_type=GuardOpsResult
        )
        await time_skipping_env.sleep(timedelta(hours=1, minutes=1))
        assert await ask(client, wid, 31) == "granted"
