"""`lifecycle ops guard|approve|reject|allow` against the real mass-change guard workflow on the
dev server, its requests sent exactly as the lifecycles' activity sends them (threshold 2, so
a handful of requests trips it without a company)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from guard_stand_ins import GuardStandIns
from ops_cli import Cli, run_cli, temporal_env
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.guard import update_guard
from contracts.guard import DisruptionRequest, GuardDecision
from workflows.guard.workflow import DisruptionGuard


def request(employee: str, department: str = "Sales") -> DisruptionRequest:
    return DisruptionRequest(
        employee_id=employee,
        action="TERMINATE:2026-12-03",
        verb="deactivate",
        department=department,
        threshold=2,
        active_accounts=40,
        window_seconds=3600,
    )


async def test_guard_verbs_show_release_reject_and_allow(
    dev_server_env: WorkflowEnvironment, monkeypatch: object
) -> None:
    client = dev_server_env.client
    task_queue = f"tq-guard-{uuid.uuid4().hex[:8]}"
    for name, value in temporal_env(dev_server_env, task_queue).items():
        monkeypatch.setenv(name, value)  # type: ignore[attr-defined]
    cli: Cli = run_cli
    stand_ins = GuardStandIns()
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[DisruptionGuard],
        activities=stand_ins.all(),
    ):
        nothing = await cli("ops", "approve", "--all")
        assert nothing.code == 1 and "nothing is held by the mass-change guard" in nothing.err

        verdicts = []
        for n in range(6):
            answer = await update_guard(
                client, task_queue, "request", request(f"90{n}"), GuardDecision
            )
            verdicts.append(answer.verdict)
        assert verdicts == ["granted", "granted", "held", "held", "held", "held"]
        # Asked again (a retried activity): the same answer, nothing counted twice.
        again = await update_guard(client, task_queue, "request", request("900"), GuardDecision)
        assert again.verdict == "granted"

        shown = await cli("ops", "guard")
        assert shown.code == 0, shown.err
        assert "902" in shown.out and "TERMINATE:2026-12-03" in shown.out
        assert "2 per 1 hour (40 active accounts)" in shown.out

        unknown = await cli("ops", "approve", "--employee", "999")
        assert unknown.code == 1 and "not held by the guard: 999" in unknown.err

        released = await cli(
            "ops", "approve", "--employee", "902", "--employee", "903", "--approver", "dana",
            "--json",
        )  # fmt: skip
        assert released.code == 0, released.err
        assert released.json()["employees"] == ["902", "903"]

        no_reason = await cli("ops", "reject", "--all", "--reason", " ")
        assert no_reason.code == 1 and "reject needs a reason" in no_reason.err
        rejected = await cli("ops", "reject", "--all", "--reason", "bad import", "--by", "ciso")
        assert rejected.code == 0, rejected.err
        assert "rejected 2 held action(s)" in rejected.out and "904, 905" in rejected.out

        status = await cli("ops", "guard", "--json")
        assert status.json()["held"] == []

        past = await cli("ops", "allow", "--count", "5", "--until", "2020-01-01", "--reason", "x")
        assert past.code == 1 and "already past" in past.err
        until = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
        allowed = await cli(
            "ops", "allow", "--count", "3", "--until", until, "--department", "Sales",
            "--reason", "site closure", "--by", "cfo",
        )  # fmt: skip
        assert allowed.code == 0, allowed.err
        assert "3 suspensions/deactivations in Sales" in allowed.out
        # Past the threshold, but within the allowance: granted; another department: held.
        sales = await update_guard(client, task_queue, "request", request("910"), GuardDecision)
        other = await update_guard(
            client, task_queue, "request", request("911", "Engineering"), GuardDecision
        )
        assert (sales.verdict, other.verdict) == ("granted", "held")

    actions = [(r.employee_id, r.action) for r in stand_ins.audit]
    assert ("902", "guard.approve") in actions and ("904", "guard.reject") in actions
    allow_records = [r for r in stand_ins.audit if r.action == "guard.allow"]
    assert allow_records and allow_records[0].detail["by"] == "cfo"
