"""The sync report of a run: per employee, what was handed over to be set right.

The employee workflows make the writes (and audit each one); the report says what the run
found drifted and asked them to repair: attributes before/after, managed groups added and
removed, and a status call when the workflow will also make one.
"""

from __future__ import annotations

from datetime import datetime

from lifecycle.reconcile.models import (
    Delivery,
    DriftChange,
    ItemAction,
    Mode,
    ReconcilePlan,
    ReportSummary,
    SyncReport,
)


def sync_report(
    plan: ReconcilePlan,
    *,
    report_id: str,
    plan_id: str,
    mode: Mode,
    deliveries: list[Delivery],
    failed: list[str],
    skipped_running: int = 0,
    finished_at: datetime,
    dry_run: bool = False,
    approved_by: str | None = None,
) -> SyncReport:
    # Employees skipped because their workflow already runs were in step (nothing to hand).
    handed = {d.employee_id for d in deliveries} - set(failed)
    changes = [
        DriftChange(
            employee_id=item.employee_id,
            okta_user_id=item.okta_user_id,
            attributes=dict(item.profile),
            groups_added=list(item.groups_add),
            groups_removed=list(item.groups_remove),
            status_change=item.status_change,
        )
        for item in plan.employees
        if item.employee_id in handed and (item.changes or item.action is ItemAction.CREATE)
    ]
    status_drift = [
        i.employee_id
        for i in plan.employees
        if i.action is ItemAction.LINK and i.status_change and i.employee_id not in handed
    ]
    return SyncReport(
        report_id=report_id,
        plan_id=plan_id,
        mode=mode,
        as_of=plan.as_of,
        finished_at=finished_at,
        dry_run=dry_run,
        approved_by=approved_by,
        delivered=len(handed) - skipped_running,
        skipped_running=skipped_running,
        failed=sorted(failed),
        changes=changes,
        status_drift=status_drift,
        review=[i.employee_id for i in plan.employees if i.action is ItemAction.REVIEW],
        counts=plan.counts,
    )


def report_summary(report: SyncReport) -> ReportSummary:
    return ReportSummary(
        report_id=report.report_id,
        delivered=report.delivered,
        skipped_running=report.skipped_running,
        failed=len(report.failed),
        repaired_employees=sum(
            1 for c in report.changes if c.attributes or c.groups_added or c.groups_removed
        ),
        repaired_attributes=sum(len(c.attributes) for c in report.changes),
        repaired_group_adds=sum(len(c.groups_added) for c in report.changes),
        repaired_group_removes=sum(len(c.groups_removed) for c in report.changes),
        status_drift=len(report.status_drift),
    )
