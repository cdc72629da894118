"""BambooHR answers 503 to everything for a simulated hour while its HR admins keep working:
the poller keeps failing and retrying without moving its cursor, webhook hints wait in their
workflows, and when BambooHR is back the poller catches up with nothing lost."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import datetime

from lifecycle_outcomes import (
    EventMaker,
    People,
    converge,
    finish_poll,
    post_webhook,
    run_poll,
    seed_existing,
    settled,
)
from process_stack import ProcessStack, timed

from simulators.common.faults import FaultConfig
from starters.children import eventually
from workflows.poll import CURSOR_NAME, PollInput, PollWorkflow

SEED = 31337
HOUR = 3600
STEPS = 12  # one HR change every five simulated minutes


async def test_bamboohr_unavailable_for_an_hour(
    rstack: ProcessStack, timing: dict[str, float]
) -> None:
    rng = random.Random(SEED)
    people = People(rstack, rng)
    existing = await seed_existing(rstack, people, 8)
    maker = EventMaker(people, rng)
    maker.adopt(existing)
    await run_poll(rstack)  # the cursor is up to date before the outage
    audit = rstack.audit
    assert audit is not None
    cursor = audit.get_cursor(CURSOR_NAME)
    assert cursor is not None

    hr = rstack.hr
    failures_before = hr.faults.counters.get("unavailable", 0)
    hr.faults.configure(FaultConfig(unavailable=True, burst_retry_after=1))
    try:
        with timed("outage", timing):
            changed: list[str] = []
            for step in maker.script(STEPS, hires=6, terminations=3):
                hr.move_clock(advance_seconds=HOUR / STEPS)
                changed += [e.employee_id for e in step()]
            changed = sorted(set(changed))
            # The Schedule starts the poller on time; BambooHR refuses it every time.
            poll = await rstack.client.start_workflow(
                PollWorkflow.run,
                PollInput(),
                id=f"bamboohr-poll-{uuid.uuid4().hex[:8]}",
                task_queue=rstack.task_queue,
            )
            # A webhook still arrives (its hint needs BambooHR too before anything happens).
            await post_webhook(rstack, changed[:3])
            await eventually(
                lambda: _failed_reads(rstack, failures_before + 8),
                within=60,
                what="the poller and the workflows retrying against 503s",
            )
            assert audit.get_cursor(CURSOR_NAME) == cursor, "the cursor moved during the outage"
            assert not await _finished(poll), "a poll finished without BambooHR"
            assert all(
                not accounts
                for eid, accounts in _accounts_of(rstack, changed).items()
                if eid not in existing
            ), "an account was created without reading BambooHR"
    finally:
        hr.faults.configure(FaultConfig())

    with timed("catch up", timing):
        result = await finish_poll(rstack, poll, timeout=120)
        assert result.changes >= len(changed) and result.cursor_moved, result
        new_cursor = audit.get_cursor(CURSOR_NAME)
        assert new_cursor is not None
        assert datetime.fromisoformat(new_cursor) > datetime.fromisoformat(cursor)
        # Nothing lost: every change of the hour reached Okta as the policy says.
        await converge(rstack, sorted({*changed, *existing}), timeout=120, what="after the outage")
        await settled(rstack, changed)


async def _failed_reads(stack: ProcessStack, at_least: int) -> bool:
    return stack.hr.faults.counters.get("unavailable", 0) >= at_least


async def _finished(handle: object) -> bool:
    try:
        await asyncio.wait_for(asyncio.shield(handle.result()), timeout=0.5)  # type: ignore[attr-defined]
    except TimeoutError:
        return False
    return True


def _accounts_of(stack: ProcessStack, ids: list[str]) -> dict[str, list[dict[str, object]]]:
    wanted = set(ids)
    found: dict[str, list[dict[str, object]]] = {eid: [] for eid in ids}
    for user in stack.okta.store.list_users():
        eid = str(user["profile"].get("bambooHrId") or "")
        if eid in wanted:
            found[eid].append(user)
    return found
