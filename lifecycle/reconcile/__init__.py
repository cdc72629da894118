"""Reconciliation and drift repair, the pure part: all of BambooHR and all of Okta in, a
`ReconcilePlan` out (links, creates, updates, dated actions, findings for review).

No I/O and no Temporal: the activities (`activities/reconcile.py`) read both systems in
bulk and store the plan; the workflow (`workflows/reconcile.py`) hands employees to their
own workflows, the single writers of their accounts.
"""

from lifecycle.reconcile.compare import compare
from lifecycle.reconcile.models import (
    REVIEW_KINDS,
    AttributeDiff,
    Delivery,
    DriftChange,
    EmployeeItem,
    Finding,
    FindingKind,
    FindingMatch,
    ItemAction,
    MatchKey,
    Mode,
    OktaAccountView,
    PendingView,
    PlanCounts,
    ReconcileOptions,
    ReconcilePlan,
    ReconcileSummary,
    ReportSummary,
    Safeguard,
    SyncReport,
)
from lifecycle.reconcile.report import report_summary, sync_report
from lifecycle.reconcile.select import select, summarize

__all__ = [
    "REVIEW_KINDS",
    "AttributeDiff",
    "Delivery",
    "DriftChange",
    "EmployeeItem",
    "Finding",
    "FindingKind",
    "FindingMatch",
    "ItemAction",
    "MatchKey",
    "Mode",
    "OktaAccountView",
    "PendingView",
    "PlanCounts",
    "ReconcileOptions",
    "ReconcilePlan",
    "ReconcileSummary",
    "ReportSummary",
    "Safeguard",
    "SyncReport",
    "compare",
    "report_summary",
    "select",
    "summarize",
    "sync_report",
]
