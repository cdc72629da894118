"""Reconciliation (first run, on demand) and daily drift repair.

One run: read all of BambooHR and Okta and compare them (an activity stores the plan; the
workflow only sees its summary), then, by mode:
- plan: nothing else; the stored plan is the answer.
- apply: hand every employee to their own workflow (link an existing account, create a
  missing one, repair what differs, make sure the lifecycle runs); review items are left
  for people. If that would suspend or deactivate more accounts than the mass-change
  safeguard allows, nothing at all happens until an operator approves (`approve` update):
  an early warning on the whole plan. The guarantee is the mass-change guard each lifecycle
  asks before the write (workflows/guard); an approval here becomes an allowance there for
  exactly the approved count, so nobody approves the same change twice.
- drift: hand over only the employees whose Okta profile attributes or managed groups
  drifted, and write a sync report of what is being set right.
The employee workflows are the only writers of Okta; this one never writes there itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        Activity,
        AllowDisruptionsInput,
        AllowDisruptionsResult,
        NotificationEvent,
        ReconcileDeliverInput,
        ReconcileDeliverResult,
        ReconcilePlanInput,
        ReconcilePlanResult,
        ReconcileReportInput,
        ReconcileReportResult,
    )
    from lifecycle.reconcile.models import ReconcileSummary, ReportSummary
    from workflows import options
    from workflows.alerts import alert
    from workflows.approval import Approval, ApproveInput, ApproveResult
    from workflows.errors import is_non_retryable
    from workflows.sync_failure import SYNC_FAILURE_PATCH, SyncFailure

WORKFLOW_NAME = "Reconcile"
GUARD_ALLOWANCE_PATCH = "approval-becomes-guard-allowance"
# An approved apply is handed over at once; its lifecycles ask the guard within minutes.
ALLOWANCE_SPAN = timedelta(hours=6)
DRIFT_WORKFLOW_ID = "drift-repair"
RECONCILE_WORKFLOW_ID = "reconcile"  # manual runs: `reconcile-<mode>-<timestamp>`

Phase = Literal["starting", "comparing", "waiting_for_approval", "delivering", "reporting", "done"]

# Reading and comparing 10,000 employees takes minutes, and an outage must delay a run, not
# drop it: heartbeats tell a stuck attempt from a slow one.
LONG = timedelta(hours=1)
HEARTBEAT = timedelta(minutes=2)
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=options.MAX_BACKOFF,
    maximum_attempts=0,
)


class ReconcileInput(BaseModel):
    mode: Literal["plan", "apply", "drift"] = "plan"
    as_of: datetime | None = None  # None: now (workflow time)
    batch_size: int = 200  # employees signalled per heartbeat


class ReconcileResult(BaseModel):
    summary: ReconcileSummary
    report: ReportSummary | None = None
    approved_by: str | None = None


class ReconcileStatus(BaseModel):
    """Answer of the `status` query."""

    mode: str
    phase: Phase
    plan_id: str | None = None
    waiting_for_approval: bool = False
    reason: str | None = None
    approved_by: str | None = None
    delivered: int | None = None
    report_id: str | None = None
    problem: str | None = None  # a step failed for good: the run ends with that error


@workflow.defn(name=WORKFLOW_NAME)
class ReconcileWorkflow:
    def __init__(self) -> None:
        self.approval = Approval()
        self.mode = "plan"
        self.phase: Phase = "starting"
        self.summary: ReconcileSummary | None = None
        self.delivered: ReconcileDeliverResult | None = None
        self.report: ReportSummary | None = None
        self.failure: SyncFailure | None = None

    @workflow.run
    async def run(self, input: ReconcileInput) -> ReconcileResult:
        self.mode = input.mode
        info = workflow.info()
        plan_id = f"{info.workflow_id}@{info.run_id}"
        as_of = input.as_of or workflow.now()

        self.phase = "comparing"
        planned: ReconcilePlanResult = await self._execute(
            Activity.RECONCILE_PLAN,
            ReconcilePlanInput(plan_id=plan_id, mode=input.mode, as_of=as_of),
            result_type=ReconcilePlanResult,
            start_to_close_timeout=LONG,
            heartbeat_timeout=HEARTBEAT,
            retry_policy=RETRY,
            summary=f"compare BambooHR and Okta ({input.mode})",
        )
        summary = self.summary = planned.summary
        workflow.set_current_details(_details(summary))

        if input.mode != "plan" and summary.deliveries:
            if summary.needs_approval:
                await self._hold_for_approval(summary)
                if workflow.patched(GUARD_ALLOWANCE_PATCH):
                    await self._allow_at_guard(summary)
            self.phase = "delivering"
            self.delivered = await self._execute(
                Activity.RECONCILE_DELIVER,
                ReconcileDeliverInput(plan_id=plan_id, batch_size=input.batch_size),
                result_type=ReconcileDeliverResult,
                start_to_close_timeout=LONG,
                heartbeat_timeout=HEARTBEAT,
                retry_policy=RETRY,
                summary=f"hand {summary.deliveries} employees to their workflows",
            )

        self.phase = "reporting"
        reported: ReconcileReportResult = await self._execute(
            Activity.RECONCILE_REPORT,
            ReconcileReportInput(
                plan_id=plan_id,
                delivered=self.delivered,
                approved_by=self.approval.approved_by,
            ),
            result_type=ReconcileReportResult,
            start_to_close_timeout=options.START_TO_CLOSE,
            retry_policy=options.UNLIMITED,
            summary="write the report",
        )
        self.report = reported.report
        self.phase = "done"
        return ReconcileResult(
            summary=summary, report=self.report, approved_by=self.approval.approved_by
        )

    async def _execute(self, activity: str, arg: Any, **kwargs: Any) -> Any:
        """Run a step; a failure retries cannot fix (credentials, permissions) is alerted
        before the run fails, so a broken daily drift repair does not go unnoticed."""
        try:
            return await workflow.execute_activity(activity, arg, **kwargs)
        except ActivityError as err:
            if is_non_retryable(err) and workflow.patched(SYNC_FAILURE_PATCH):
                self.failure = SyncFailure(self.mode)
                await self.failure.report(activity, err, retrying=False)
            raise

    async def _allow_at_guard(self, summary: ReconcileSummary) -> None:
        """What an operator approved here goes through the guard without a second approval."""
        info = workflow.info()
        await self._execute(
            Activity.ALLOW_DISRUPTIONS,
            AllowDisruptionsInput(
                count=summary.would_suspend + summary.would_deactivate,
                until=workflow.now() + ALLOWANCE_SPAN,
                reason=f"{self.mode} run {info.workflow_id} approved "
                f"({self.approval.note or 'no note'})",
                by=self.approval.approved_by or "ops",
            ),
            result_type=AllowDisruptionsResult,
            start_to_close_timeout=options.START_TO_CLOSE,
            retry_policy=options.UNLIMITED,
            summary="allow the approved changes at the mass-change guard",
        )

    async def _hold_for_approval(self, summary: ReconcileSummary) -> None:
        reason = (
            f"{summary.would_suspend} suspensions and {summary.would_deactivate} deactivations "
            f"exceed the safeguard ({summary.threshold} of {summary.active_accounts} active "
            "accounts): nothing is done until approved"
        )
        self.phase = "waiting_for_approval"
        await alert(
            NotificationEvent.SAFEGUARD_PAUSED,
            {
                "run": self.mode,
                "workflow_id": workflow.info().workflow_id,
                "affected": summary.would_suspend + summary.would_deactivate,
                "suspend": summary.would_suspend,
                "deactivate": summary.would_deactivate,
                "active_total": summary.active_accounts,
                "threshold": summary.threshold,
                "employee_ids": summary.disruptive_ids,
                "plan_id": summary.plan_id,
            },
            summary="notify safeguard_paused",
        )
        await self.approval.wait(reason)

    @workflow.update(name="approve")
    def approve(self, input: ApproveInput | None = None) -> ApproveResult:
        return self.approval.approve(input)

    @approve.validator
    def _validate_approve(self, input: ApproveInput | None = None) -> None:
        self.approval.validate(input)

    @workflow.query(name="status")
    def status(self) -> ReconcileStatus:
        return ReconcileStatus(
            mode=self.mode,
            phase=self.phase,
            plan_id=self.summary.plan_id if self.summary else None,
            waiting_for_approval=self.approval.waiting,
            reason=self.approval.reason,
            approved_by=self.approval.approved_by,
            delivered=self.delivered.delivered if self.delivered else None,
            report_id=self.report.report_id if self.report else None,
            problem=self.failure.problem if self.failure else None,
        )

    @workflow.query(name="plan_summary")
    def plan_summary(self) -> ReconcileSummary | None:
        return self.summary


def _details(summary: ReconcileSummary) -> str:
    c = summary.counts
    text = (
        f"**{summary.mode}**: {c.employees} employees, {c.okta_accounts} Okta accounts; "
        f"link {c.link}, create {c.create}, review {c.review}, in step {c.in_sync}; "
        f"hand over {summary.deliveries}"
    )
    if summary.needs_approval:
        text += " — held by the mass-change safeguard"
    return text
