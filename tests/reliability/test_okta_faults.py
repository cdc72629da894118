"""Okta at its worst (30 % 5xx, 429 bursts, 2 s on every answer) during 200 HR events:
every account converges to the policy, nobody gets a second account, every termination is
carried out, and the audit store holds exactly one success record per Okta change.

The faults last while the events arrive and for FAULT_WINDOW seconds of work after (or until
90 % is done); then Okta recovers and everything must converge. Kept bad for good, the
run would take minutes: writes are not retried inside the client (by design) and Temporal's
backoff doubles per failed attempt (1 s, 2 s, ... 128 s after eight), so the slowest of
~600 activities decides.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter

import pytest
from lifecycle_outcomes import (
    EventMaker,
    People,
    converge,
    converged_share,
    okta_accounts,
    run_poll,
    seed_existing,
    settled,
    signal_snapshots,
)
from process_stack import ProcessStack, timed

from lifecycle.models import AccountStatus
from simulators.common.faults import FaultConfig
from starters.children import eventually

SEED = 20261129
EVENTS = 200
FAULT_WINDOW = 40.0


async def _share_at_least(stack: ProcessStack, ids: list[str], share: float) -> bool:
    return await converged_share(stack, ids) >= share


@pytest.mark.timeout(420)
async def test_okta_faults_during_200_events(
    rstack: ProcessStack, timing: dict[str, float]
) -> None:
    rng = random.Random(SEED)
    people = People(rstack, rng)
    with timed("seed", timing):
        existing = await seed_existing(rstack, people, 60)
    before = {eid: okta_accounts(rstack)[eid][0]["id"] for eid in existing}
    maker = EventMaker(people, rng)
    maker.adopt(existing)

    faults = FaultConfig(
        latency_ms=2000,  # on every answer
        error_rate=0.3,  # 500 E0000009
        burst_status=429,  # E0000047 with X-Rate-Limit-Reset, 6 answers in every 60
        burst_every=60,
        burst_length=6,
        burst_retry_after=1,
        seed=SEED,
    )
    rstack.okta.faults.configure(faults)
    try:
        with timed("events", timing):
            events = [e for step in maker.script(EVENTS, hires=70, terminations=35) for e in step()]
            assert len(events) == EVENTS
            ids = sorted({e.employee_id for e in events})
            everyone = sorted({*ids, *existing})
            # Half reach their workflows as snapshots straight away, the rest by the poller.
            await signal_snapshots(rstack, ids[::2])
            await run_poll(rstack, timeout=120)
        # Okta stays this bad until most of the work has gone through it (or the window ends).
        with timed("under faults", timing), contextlib.suppress(TimeoutError):
            await eventually(lambda: _share_at_least(rstack, everyone, 0.9), within=FAULT_WINDOW)
        hit = dict(rstack.okta.faults.counters)
    finally:
        rstack.okta.faults.configure(FaultConfig())
    with timed("converge", timing):
        desired = await converge(rstack, everyone, timeout=180, what="Okta after faults")
    with timed("settle", timing):
        await settled(rstack, everyone, timeout=120)

    # The faults really happened.
    assert hit.get("error", 0) > 150 and hit.get("burst", 0) > 30, hit

    accounts = okta_accounts(rstack)
    assert all(len(found) == 1 for found in accounts.values()), "an employee has two accounts"
    # Pre-existing accounts were adopted, never replaced.
    assert {eid: accounts[eid][0]["id"] for eid in existing} == before

    # Every termination done: each terminated employee who had an account is deactivated,
    # its sessions revoked, its managed groups gone.
    terminated = [e for e in everyone if desired[e].status is AccountStatus.DEPROVISIONED]
    assert len(terminated) >= 25, Counter(e.kind for e in events)
    for eid in terminated:
        if eid in existing:
            assert accounts[eid][0]["status"] == "DEPROVISIONED", eid
        for user in accounts.get(eid, []):
            assert user["status"] == "DEPROVISIONED", eid
            revoked = rstack.okta.store.revocations(user["id"])["count"]
            assert revoked >= 1, f"sessions of {eid} not revoked"

    # Exactly one success record per Okta change, whatever was retried.
    audit = rstack.audit
    assert audit is not None
    created = {eid for eid in everyone if eid in accounts and eid not in existing}
    creates = Counter(
        r.employee_id
        for r in audit.query(
            action="okta.user.create", result="success", employee_id=everyone, limit=None
        )
    )
    assert creates == Counter(created), "okta.user.create successes != accounts created"
    deactivations = Counter(
        r.employee_id
        for r in audit.query(
            action="okta.user.deactivate", result="success", employee_id=everyone, limit=None
        )
    )
    assert deactivations == Counter(e for e in terminated if accounts.get(e)), (
        "okta.user.deactivate successes != terminated accounts"
    )
    for action in (
        "okta.group.add",
        "okta.group.remove",
        "okta.user.activate",
        "okta.user.suspend",
    ):
        records = audit.query(action=action, result="success", employee_id=everyone, limit=None)
        twice = [k for k, n in Counter((r.employee_id, r.target) for r in records).items() if n > 1]
        assert not twice, f"{action} recorded twice for {twice[:5]}"
    # And what the audit says happened, happened exactly that often in Okta.
    ours = set(everyone)
    applied_creates = Counter(
        r["body"]["profile"].get("bambooHrId")
        for r in rstack.okta.recorder.requests(method="POST", operation="createUser")
        if r["status"] == 200 and r["body"]["profile"].get("bambooHrId") in ours
    )
    assert applied_creates == Counter(created)
