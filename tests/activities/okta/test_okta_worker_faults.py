"""200 Okta activity calls through a real worker on the time-skipping test server, with the
real retry policy, while the simulator answers 30 % of requests with 5xx, throws periodic
429 bursts and sometimes loses the answer to a write it applied: every call succeeds and no
employee gets a second account."""

from __future__ import annotations

import asyncio
from collections import Counter

from okta_activity_support import clock_sleep, ensure_input
from okta_fault_workflow import OktaFaultDrill
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.okta import OktaActivities
from integrations.audit import AuditStore
from integrations.okta import OktaClient, RateLimitGovernor, SswsAuth
from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_OKTA_TOKEN, Mode
from simulators.common.clock import SimClock
from simulators.common.faults import FaultConfig
from simulators.okta import OktaSimulator

EMPLOYEES = 100  # x 2 activities = 200 activity calls


async def test_activities_survive_faults_without_duplicates(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
    sim: OktaSimulator,
    server: ThreadedServer,
    clock: SimClock,
    store: AuditStore,
) -> None:
    sim.faults.configure(
        FaultConfig(
            error_rate=0.3,
            burst_every=40,
            burst_length=4,
            burst_retry_after=3,
            drop_after_apply_rate=0.05,
            seed=7,
        )
    )
    governor = RateLimitGovernor(clock=clock.time, sleep=clock_sleep(clock), max_concurrency=20)
    client = OktaClient(server.url, SswsAuth(SIM_OKTA_TOKEN), governor)
    okta = OktaActivities(client, store, Mode.APPLY)
    try:
        async with Worker(
            time_skipping_env.client,
            task_queue=task_queue,
            workflows=[OktaFaultDrill],
            activities=[okta.ensure_okta_user, okta.set_okta_status],
            max_concurrent_activities=20,
        ):
            handles = [
                await time_skipping_env.client.start_workflow(
                    OktaFaultDrill.run,
                    ensure_input(n),
                    id=f"okta-drill-{task_queue}-{n}",
                    task_queue=task_queue,
                )
                for n in range(1, EMPLOYEES + 1)
            ]
            # One result() at a time: each unlocks time skipping while it waits, and the
            # test server does not accept overlapping unlocks.
            outcomes = [await asyncio.wait_for(h.result(), timeout=240) for h in handles]
    finally:
        await client.aclose()

    assert Counter(outcomes) == {"PROVISIONED": EMPLOYEES}
    users = sim.store.list_users()
    per_employee = Counter(u["profile"].get("bambooHrId") for u in users)
    assert len(users) == EMPLOYEES and set(per_employee.values()) == {1}
    faults = sim.faults.counters
    assert faults["error"] > 50 and faults["burst"] > 10 and faults.get("drop_after", 0) > 0
    # Each account created and activated exactly once, in the audit trail too.
    created = store.query(action="okta.user.create", result="success", limit=None)
    activated = store.query(action="okta.user.activate", result="success", limit=None)
    assert len(created) == len(activated) == EMPLOYEES
