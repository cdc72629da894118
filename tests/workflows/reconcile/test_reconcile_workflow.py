"""The `Reconcile` workflow on a seeded company: the mass-change safeguard holds an apply
that would deactivate 30 % of the accounts until an operator approves; dry-run changes
nothing in Okta; `start_reconcile` (what `lifecycle dev` calls) starts a run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from reconcile_stack import SeededStack, seeded_stack
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from activities.reconcile import deliveries_doc
from lifecycle.reconcile import ItemAction, ReconcilePlan, ReconcileSummary
from lifecycle.settings import Mode
from simulators.seed import Company
from starters.children import eventually
from starters.reconcile import _follow, _start_workflow, start_reconcile
from workflows.approval import ApproveInput, ApproveResult
from workflows.reconcile import ReconcileResult

EMPLOYEES = 40


def linked_active(company: Company) -> list[str]:
    """Current employees with an ACTIVE account linked by bambooHrId, protection aside."""
    e = company.expectations
    held = set(e.protected) | {m.login for m in e.email_only}
    out = []
    for eid in e.linked:
        if eid not in e.current or eid in e.on_leave or eid in e.future_terminations:
            continue
        login = e.accounts[eid]
        user = company.okta_user(login)
        if user.status == "ACTIVE" and login not in held:
            out.append(eid)
    return out


async def test_an_apply_over_the_safeguard_waits_for_approval_doing_nothing(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> None:
    leavers: list[str] = []

    def terminate_30_percent(company: Company) -> None:
        chosen = linked_active(company)
        active = sum(1 for u in company.okta_users if u.status == "ACTIVE")
        leavers.extend(chosen[: round(active * 0.3)])

    async with seeded_stack(
        time_skipping_env, tmp_path, task_queue, employees=EMPLOYEES, prepare=terminate_30_percent
    ) as stack:
        yesterday = stack.company.today - timedelta(days=1)
        for eid in leavers:
            stack.hr.store.terminate(eid, yesterday, termination_type="Voluntary")
        okta_before = {u["id"]: (u["status"], u["profile"]) for u in stack.users()}

        handle = await stack.start("apply")
        await eventually(
            lambda: _waiting(stack, handle), within=60, what="apply waiting for approval"
        )
        summary = await handle.query("plan_summary", result_type=ReconcileSummary)
        assert summary.needs_approval and summary.would_deactivate >= len(leavers)
        assert summary.would_deactivate > summary.threshold
        # Held: nothing written, nobody handed over, IT and security told.
        assert stack.writes() == 0
        assert {u["id"]: (u["status"], u["profile"]) for u in stack.users()} == okta_before
        for eid in leavers:
            assert not await stack.has_workflow(eid)
        await eventually(lambda: "safeguard_paused" in stack.inbox.events(), within=10)

        approved: ApproveResult = await handle.execute_update(
            "approve",
            ApproveInput(approver="ops-lead", note="planned layoff"),
            result_type=ApproveResult,
        )
        assert approved.approved
        result: ReconcileResult = await stack.result(handle)
        assert result.approved_by == "ops-lead"
        delivered = _delivered(stack, result)
        await stack.settle(delivered)
        by_hr_id = stack.accounts_by_hr_id()
        for eid in leavers:
            assert by_hr_id[eid][0]["status"] == "DEPROVISIONED", eid
        assert sum(1 for r in stack.write_requests() if r["path"].endswith("/deactivate")) >= len(
            leavers
        )


async def _waiting(stack: SeededStack, handle: object) -> bool:
    try:
        status = await stack.reconcile_status(handle)  # type: ignore[arg-type]
    except Exception:
        return False
    return status.waiting_for_approval


def _delivered(stack: SeededStack, result: ReconcileResult) -> list[str]:
    import json

    doc = stack.audit.get_document(deliveries_doc(result.summary.plan_id))
    assert doc is not None
    return [d["employee_id"] for d in json.loads(doc.body)["deliveries"]]


async def test_dry_run_apply_records_planned_writes_and_changes_nothing(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> None:
    async with seeded_stack(
        time_skipping_env,
        tmp_path,
        task_queue,
        employees=EMPLOYEES,
        lifecycle_mode=Mode.DRY_RUN,
    ) as stack:
        before = {u["id"]: (u["status"], u["profile"]) for u in stack.users()}
        result = await stack.run("apply")
        assert result.summary.dry_run
        delivered = _delivered(stack, result)
        assert delivered
        await stack.settle(delivered)
        assert stack.writes() == 0
        assert {u["id"]: (u["status"], u["profile"]) for u in stack.users()} == before
        planned = stack.audit.query(result="planned", mode="dry-run", limit=None)
        assert planned, "dry-run recorded no planned write"
        assert {r.employee_id for r in planned} <= set(delivered)


async def test_start_reconcile_runs_a_plan_for_lifecycle_dev(
    time_skipping_env: WorkflowEnvironment,
    tmp_path: Path,
    task_queue: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with seeded_stack(time_skipping_env, tmp_path, task_queue, employees=EMPLOYEES) as stack:
        workflow_id = await start_reconcile(stack.client, stack.settings, apply=False)
        handle = stack.client.get_workflow_handle(workflow_id)
        result = await stack.result(handle)
        assert result.summary.mode == "plan" and result.summary.deliveries == 0
        assert stack.writes() == 0
        doc = stack.audit.get_document(f"{result.summary.plan_id}/plan")
        assert doc is not None
        plan = ReconcilePlan.model_validate_json(doc.body)
        expected = stack.company.expectations
        links = {i.employee_id for i in plan.employees if i.action is ItemAction.LINK}
        assert links == set(expected.linked) | set(expected.by_employee_number)

        # `lifecycle reconcile --wait` follows a run to its end and prints the outcome.
        again = await _start_workflow(stack.client, stack.settings, "plan")
        with stack.env.auto_time_skipping_disabled():
            assert await _follow(stack.client, again) == 0
        printed = capsys.readouterr().out
        assert "handed to workflows" in printed and again.split("-")[0] in printed


async def test_a_drift_run_okta_refuses_alerts_before_it_fails(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> None:
    async with seeded_stack(time_skipping_env, tmp_path, task_queue, employees=EMPLOYEES) as stack:
        stack.okta.credentials.api_token = "revoked"  # an Okta admin revoked the service's token
        handle = await stack.start("drift")
        with pytest.raises(WorkflowFailureError):
            await stack.result(handle)
        status = await stack.reconcile_status(handle)
        assert status.problem is not None and "OktaAuthError" in status.problem
        alerts = [m for m in stack.inbox.messages if m.get("event") == "sync_failing"]
        assert len(alerts) == 1
        assert "drift run" in alerts[0]["subject"] and "the run has stopped" in alerts[0]["text"]
        assert stack.writes() == 0
