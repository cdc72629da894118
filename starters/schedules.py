"""Temporal Schedules that drive the triggers: the BambooHR poller (every few minutes) and
the daily drift repair. `lifecycle schedules apply` creates or updates them idempotently;
`lifecycle dev` runs the same on start.

Both use overlap SKIP: a poll that waits for a safeguard approval, or a slow drift run,
simply skips the next starts instead of piling up (the durable cursor makes a skipped poll
lose nothing). A short catch-up window means that after a Temporal outage one run catches up
instead of a burst of stale ones.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.runtime import Runtime

from lifecycle.settings import Settings, load_settings
from starters.runtime import connect_client, run_with_runtime

POLL_SCHEDULE_ID = "bamboohr-poll"
DRIFT_SCHEDULE_ID = "drift-repair"
OKTA_LOG_SCHEDULE_ID = "okta-log-poll"
CATCHUP_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class ScheduleDefinition:
    schedule_id: str
    schedule: Schedule
    description: str


def definitions(settings: Settings) -> list[ScheduleDefinition]:
    from workflows.okta_events import OKTA_LOG_WORKFLOW_ID, OktaLogPoll, OktaLogPollInput
    from workflows.poll import POLL_WORKFLOW_ID, PollInput, PollWorkflow
    from workflows.reconcile import DRIFT_WORKFLOW_ID, ReconcileInput, ReconcileWorkflow

    policy = SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW)
    poll = Schedule(
        action=ScheduleActionStartWorkflow(
            PollWorkflow.run,
            PollInput(),
            id=POLL_WORKFLOW_ID,
            task_queue=settings.temporal_task_queue,
            static_summary="poll BambooHR for changes",
        ),
        spec=ScheduleSpec(
            intervals=[
                ScheduleIntervalSpec(
                    every=timedelta(seconds=settings.lifecycle_poll_interval_seconds)
                )
            ]
        ),
        policy=policy,
    )
    drift = Schedule(
        action=ScheduleActionStartWorkflow(
            ReconcileWorkflow.run,
            ReconcileInput(mode="drift"),
            id=DRIFT_WORKFLOW_ID,
            task_queue=settings.temporal_task_queue,
            static_summary="daily drift repair",
        ),
        spec=ScheduleSpec(cron_expressions=[settings.lifecycle_drift_cron]),
        policy=policy,
    )
    okta_log = Schedule(
        action=ScheduleActionStartWorkflow(
            OktaLogPoll.run,
            OktaLogPollInput(),
            id=OKTA_LOG_WORKFLOW_ID,
            task_queue=settings.temporal_task_queue,
            static_summary="read the Okta System Log for changes made by others",
        ),
        spec=ScheduleSpec(
            intervals=[
                ScheduleIntervalSpec(
                    every=timedelta(seconds=max(settings.lifecycle_okta_log_poll_seconds, 10))
                )
            ]
        ),
        policy=policy,
        # Off (LIFECYCLE_OKTA_LOG_POLL_SECONDS=0): kept, paused, so turning it on again
        # needs only `schedules apply`.
        state=ScheduleState(
            paused=settings.lifecycle_okta_log_poll_seconds == 0,
            note="off: LIFECYCLE_OKTA_LOG_POLL_SECONDS=0",
        ),
    )
    return [
        ScheduleDefinition(
            POLL_SCHEDULE_ID,
            poll,
            f"every {settings.lifecycle_poll_interval_seconds}s: BambooHR changes → employees",
        ),
        ScheduleDefinition(
            DRIFT_SCHEDULE_ID, drift, f"cron '{settings.lifecycle_drift_cron}': drift repair"
        ),
        ScheduleDefinition(
            OKTA_LOG_SCHEDULE_ID,
            okta_log,
            f"every {settings.lifecycle_okta_log_poll_seconds}s: Okta System Log → employees"
            if settings.lifecycle_okta_log_poll_seconds
            else "paused: Okta System Log reading is off",
        ),
    ]


async def apply_schedules(client: Client, settings: Settings) -> list[str]:
    """Create missing schedules and bring existing ones to the current definition."""
    report = []
    for definition in definitions(settings):
        try:
            await client.create_schedule(definition.schedule_id, definition.schedule)
            report.append(f"created {definition.schedule_id}: {definition.description}")
        except ScheduleAlreadyRunningError:
            handle = client.get_schedule_handle(definition.schedule_id)
            new = definition.schedule

            def _replace(_: ScheduleUpdateInput, new: Schedule = new) -> ScheduleUpdate:
                return ScheduleUpdate(schedule=new)

            await handle.update(_replace)
            report.append(f"updated {definition.schedule_id}: {definition.description}")
    return report


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schedules", help="create or update the Temporal Schedules")
    parser.add_argument("action", choices=["apply"])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings().require("temporal")

    async def main(runtime: Runtime) -> None:
        client = await connect_client(settings, runtime)
        for line in await apply_schedules(client, settings):
            print(line)

    run_with_runtime(main)
    return 0
