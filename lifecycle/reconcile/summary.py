"""Counting a plan, and the mass-change safeguard applied to it.

The safeguard (DESIGN "Domain rules"): a run that would suspend or deactivate more than
`max(min_count, max_share * active accounts)` accounts waits for an approval. Active
accounts are the ones a person can sign in with; protected accounts are not counted as
disrupted, because their changes are held anyway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from lifecycle.okta_status import SIGN_IN
from lifecycle.policy import PolicyConfig
from lifecycle.reconcile.models import (
    EmployeeItem,
    ItemAction,
    OktaAccountView,
    PlanCounts,
    ReconcilePlan,
    Safeguard,
)

DISRUPTIVE = frozenset({"suspend", "deactivate"})


def count(plan: ReconcilePlan, okta_accounts: int) -> PlanCounts:
    counts = PlanCounts(employees=len(plan.employees), okta_accounts=okta_accounts)
    for item in plan.employees:
        _count_item(counts, item)
    counts.findings = dict(sorted(Counter(f.kind.value for f in plan.findings).items()))
    return counts


def _count_item(counts: PlanCounts, item: EmployeeItem) -> None:
    action = item.action
    setattr(counts, action.value, getattr(counts, action.value) + 1)
    if action is not ItemAction.LINK:
        return
    if item.linked_by_id:
        counts.link_by_hr_id += 1
    else:
        counts.link_by_employee_number += 1
    if not item.changes:
        counts.in_sync += 1
    if item.profile:
        counts.profile_updates += 1
        counts.attribute_writes += len(item.profile)
    if item.groups_add or item.groups_remove:
        counts.group_updates += 1
        counts.group_adds += len(item.groups_add)
        counts.group_removes += len(item.groups_remove)
    if item.status_change is not None:
        setattr(counts, item.status_change, getattr(counts, item.status_change) + 1)


def disruptive(items: Iterable[EmployeeItem]) -> list[str]:
    """Employees an apply would suspend or deactivate (protected ones are held: not counted)."""
    return [
        i.employee_id
        for i in items
        if i.action is ItemAction.LINK and i.status_change in DISRUPTIVE and not i.protected
    ]


def safeguard(
    plan: ReconcilePlan, accounts: Iterable[OktaAccountView], policy: PolicyConfig
) -> Safeguard:
    active = sum(1 for a in accounts if a.status in SIGN_IN)
    return Safeguard(
        active_accounts=active,
        disruptive=disruptive(plan.employees),
        threshold=policy.safeguards.threshold(active),
    )
