"""`kill -9` the worker three times at random moments while 100 mixed HR events arrive by
signal, webhook and poll: every Okta account still ends exactly as the policy says, with one
account per employee.

The price of a crash is visible here: an activity that was running in the killed worker is
only retried after its start-to-close timeout (2 minutes, workflows/options.py), so
this scenario waits for that long after the last kill. The seed is printed; rerun with
RELIABILITY_SEED=<seed> to replay the same events and kill moments.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter

import pytest
from lifecycle_outcomes import (
    EventMaker,
    HrEvent,
    People,
    converge,
    okta_accounts,
    post_webhook,
    run_poll,
    seed_existing,
    settled,
    signal_snapshots,
)
from process_stack import ProcessStack, timed

from lifecycle.models import AccountStatus

EVENTS = 100
ROUNDS = 10  # events arrive in rounds, about a second apart
KILLS = 3
CHANNELS = ("signal", "webhook", "poll")


@pytest.mark.timeout(420)
async def test_worker_killed_three_times_during_100_events(
    rstack: ProcessStack, timing: dict[str, float]
) -> None:
    seed = int(os.environ.get("RELIABILITY_SEED") or time.time())
    print(f"\n[worker crashes] RELIABILITY_SEED={seed}")
    rstack.note(f"worker crashes: RELIABILITY_SEED={seed}")
    rng = random.Random(seed)
    people = People(rstack, rng)
    existing = await seed_existing(rstack, people, 40)
    accounts_before = {eid: okta_accounts(rstack)[eid][0]["id"] for eid in existing}
    maker = EventMaker(people, rng)
    maker.adopt(existing)
    # 40 hires (started, pre-board, future), 4 rehires (a termination and a rehire each),
    # 8+ leaves, 12+ immediate terminations, transfers for the rest.
    steps = maker.script(EVENTS, hires=40, rehires=4, leaves=8, terminations=12)

    events: list[HrEvent] = []
    stream_seconds = ROUNDS * 1.0
    kill_moments = sorted(rng.uniform(0.5, stream_seconds + 3) for _ in range(KILLS))
    rstack.note(f"kills planned at {[round(k, 1) for k in kill_moments]}s into the stream")

    async def killer(started: float) -> None:
        for moment in kill_moments:
            await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
            if not rstack.worker.alive:
                await rstack.start_worker()  # still restarting from the previous kill
            rstack.kill_worker()
            await asyncio.sleep(rng.uniform(0.0, 1.5))  # the supervisor takes a moment
            await rstack.start_worker()

    polls: list[asyncio.Task[object]] = []
    with timed("events and kills", timing):
        started = time.monotonic()
        kills = asyncio.create_task(killer(started))
        per_round = -(-len(steps) // ROUNDS)
        for round_no in range(ROUNDS):
            await asyncio.sleep(max(0.0, started + round_no * 1.0 - time.monotonic()))
            made = [
                e
                for step in steps[round_no * per_round : (round_no + 1) * per_round]
                for e in step()
            ]
            events += made
            touched = sorted({e.employee_id for e in made})
            channel = CHANNELS[round_no % len(CHANNELS)]
            if channel == "signal":
                await signal_snapshots(rstack, touched)
            elif channel == "webhook":
                await post_webhook(rstack, touched)
            else:
                polls.append(asyncio.create_task(run_poll(rstack, timeout=300)))
        await kills
        # The last poll after the last change: everything is in BambooHR's change feed.
        polls.append(asyncio.create_task(run_poll(rstack, timeout=300)))
    assert len(events) == EVENTS, Counter(e.kind for e in events)
    assert rstack.worker.starts == 1 + KILLS + _earlier_kills(rstack, KILLS)

    everyone = sorted({*(e.employee_id for e in events), *existing})
    with timed("converge", timing):
        # Up to the 2-minute start-to-close timeout of whatever the kills interrupted.
        desired = await converge(rstack, everyone, timeout=240, what="after three kill -9")
        for poll in polls:
            await poll
    with timed("settle", timing):
        await settled(rstack, everyone, timeout=60)

    rstack.assert_processes_alive()
    accounts = okta_accounts(rstack)
    # One account per employee, and the accounts that existed before were kept (rehires too).
    assert all(len(found) == 1 for found in accounts.values())
    assert {eid: accounts[eid][0]["id"] for eid in existing} == accounts_before
    kinds = Counter(e.kind for e in events)
    assert kinds["rehire"] >= 2 and kinds["terminate"] >= 8 and kinds["leave"] >= 6, kinds
    last_event = {e.employee_id: e.kind for e in events}  # what each one's story ended with
    for eid, kind in last_event.items():
        if kind == "rehire":  # the same account, active again
            assert desired[eid].status is AccountStatus.ACTIVE, eid
            assert accounts[eid][0]["status"] in ("ACTIVE", "PROVISIONED"), eid
        if kind == "terminate" and eid in existing:
            assert accounts[eid][0]["status"] == "DEPROVISIONED", eid
    # A crash between "sent" and "recorded" costs no audit record: the retry finds the
    # account and completes the record from the write noted in flight (`WriteLog.recover`),
    # and never makes a second write.
    audit = rstack.audit
    assert audit is not None
    creates = Counter(
        r.employee_id
        for r in audit.query(
            action="okta.user.create", result="success", employee_id=everyone, limit=None
        )
    )
    assert max(creates.values(), default=0) <= 1, creates.most_common(3)
    hired = {e.employee_id for e in events if e.kind.startswith("hire")} & set(accounts)
    unrecorded = sorted(e for e in hired if not creates[e])
    rstack.note(f"accounts created: {len(hired)}, each with one audit record")
    assert not unrecorded, f"accounts created with no audit record: {unrecorded[:5]}"


def _earlier_kills(stack: ProcessStack, ours: int) -> int:
    return sum(1 for line in stack.events if "SIGKILL" in line) - ours
