"""The worker's liveness beats must not erase an activity's own progress: a retry resumes
from the details the activity last recorded (reconciliation delivery relies on it)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from workers import heartbeat


@activity.defn
async def deliver_in_batches() -> list[str]:
    previous = [str(d) for d in activity.info().heartbeat_details]
    if activity.info().attempt == 1:
        activity.heartbeat("delivered-7")
        await asyncio.sleep(2.5)  # the worker beats many times meanwhile
        raise RuntimeError("connection lost after batch 7")
    return previous


@workflow.defn
class Delivery:
    @workflow.run
    async def run(self) -> list[str]:
        return await workflow.execute_activity(
            deliver_in_batches,
            start_to_close_timeout=timedelta(seconds=30),
            heartbeat_timeout=timedelta(seconds=1),
            retry_policy=RetryPolicy(maximum_attempts=2, initial_interval=timedelta(seconds=1)),
        )


async def test_a_retry_resumes_from_the_activitys_own_last_details(
    time_skipping_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(heartbeat, "BEAT_EVERY", timedelta(seconds=0.1))
    queue = f"hb-{uuid.uuid4().hex[:8]}"
    async with Worker(
        time_skipping_env.client,
        task_queue=queue,
        workflows=[Delivery],
        activities=[deliver_in_batches],
        interceptors=[heartbeat.HeartbeatInterceptor()],
    ):
        resumed_from = await time_skipping_env.client.execute_workflow(
            Delivery.run, id=f"delivery-{queue}", task_queue=queue
        )
    assert resumed_from == ["delivered-7"]
