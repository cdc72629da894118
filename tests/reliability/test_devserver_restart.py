"""The Temporal server goes away in the middle of a run and comes back on the same database:
the worker and the webhook receiver ride it out on their own, HR changes made while it was
down are delivered once it is back, and every lifecycle reaches what the policy says."""

from __future__ import annotations

import asyncio
import random

import pytest
from lifecycle_outcomes import (
    EventMaker,
    People,
    converge,
    converged_share,
    post_webhook,
    run_poll,
    seed_existing,
    settled,
    signal_snapshots,
)
from process_stack import ProcessStack, timed

from lifecycle.models import AccountStatus
from starters.children import eventually

SEED = 424242


@pytest.mark.timeout(360)
async def test_devserver_restart_mid_run(rstack: ProcessStack, timing: dict[str, float]) -> None:
    rng = random.Random(SEED)
    people = People(rstack, rng)
    existing = await seed_existing(rstack, people, 15)
    maker = EventMaker(people, rng)
    maker.adopt(existing)

    with timed("first wave", timing):
        first = [e for step in maker.script(40, hires=24, terminations=6) for e in step()]
        first_ids = sorted({e.employee_id for e in first})
        await signal_snapshots(rstack, first_ids[::2])
        await post_webhook(rstack, first_ids[1::2])
        # In the middle of the run: some lifecycles are done, most are not.
        everyone = sorted({*first_ids, *existing})
        await eventually(
            lambda: _some_but_not_all(rstack, first_ids), within=60, interval=0.2, what="mid-run"
        )

    with timed("server down", timing):
        await rstack.stop_temporal()
        # BambooHR keeps changing and keeps telling us: the receiver answers 503 (BambooHR
        # redelivers) while Temporal is away.
        second = [e for step in maker.script(10, hires=5, terminations=2) for e in step()]
        second_ids = sorted({e.employee_id for e in second})
        webhook = asyncio.create_task(post_webhook(rstack, second_ids, timeout=90))
        await asyncio.sleep(3)  # a real outage, however short: nothing answers meanwhile
        assert not webhook.done(), "the receiver accepted a delivery with Temporal down"
    with timed("server back", timing):
        await rstack.start_temporal()
        assert await webhook == 202
        await run_poll(rstack, timeout=120)

    everyone = sorted({*everyone, *second_ids})
    with timed("converge", timing):
        desired = await converge(rstack, everyone, timeout=180, what="after the restart")
    with timed("settle", timing):
        views = await settled(rstack, everyone, timeout=120)

    rstack.assert_processes_alive()  # nobody had to restart the worker or the receiver
    assert rstack.worker.starts == 1 + _kills_before(rstack)
    # Every lifecycle reached its state, by its own account as well as in Okta.
    expected_state = {
        AccountStatus.ACTIVE: "ACTIVE",
        AccountStatus.STAGED: "STAGED",
        AccountStatus.SUSPENDED: "ON_LEAVE",
        AccountStatus.DEPROVISIONED: "TERMINATED",
        AccountStatus.NONE: "PENDING_START",
    }
    wrong = {
        eid: (views[eid].state.value, desired[eid].status.value)
        for eid in everyone
        if eid in views and views[eid].state.value != expected_state[desired[eid].status]
    }
    assert not wrong, wrong


async def _some_but_not_all(stack: ProcessStack, ids: list[str]) -> bool:
    share = await converged_share(stack, ids)
    if 0.2 < share < 0.8:
        stack.note(f"{share:.0%} of the first wave converged when the server stops")
        return True
    return False


def _kills_before(stack: ProcessStack) -> int:
    return sum(1 for line in stack.events if "SIGKILL" in line)
