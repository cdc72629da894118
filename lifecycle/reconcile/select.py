"""Which employees a run hands to their workflows, and the digest of a plan for that run.

- apply: everyone not held for review who has, or will have, an account to look after:
  creates, links (accounts matched by employee number get our id written), repairs (any
  difference, status included), and `ensure` for employees already in step, whose workflow
  only has to exist (to act on future dates); a leaver whose account is already
  deprovisioned and has nothing left to happen is left alone.
- drift: only linked employees whose profile attributes or managed groups drifted while
  their status is what the plan wants (a status difference is reported, not repaired here).
- plan: nobody.
"""

from __future__ import annotations

from collections import Counter

from lifecycle.models import AccountStatus
from lifecycle.okta_status import DEPROVISIONED
from lifecycle.reconcile.models import (
    Delivery,
    DeliveryReason,
    EmployeeItem,
    ItemAction,
    Mode,
    ReconcilePlan,
    ReconcileSummary,
)
from lifecycle.reconcile.summary import disruptive


def select(plan: ReconcilePlan, mode: Mode) -> list[Delivery]:
    out: list[Delivery] = []
    for item in plan.employees:
        reason = _reason(item, mode)
        if reason is not None:
            out.append(
                Delivery(
                    employee_id=item.employee_id, okta_user_id=item.okta_user_id, reason=reason
                )
            )
    return out


def _reason(item: EmployeeItem, mode: Mode) -> DeliveryReason | None:
    if mode == "plan" or item.action is ItemAction.REVIEW:
        return None
    if mode == "drift":
        # A status difference is the lifecycle's business (its dated actions, behind the
        # safeguard in an apply): drift repair reports it but never suspends or deactivates.
        drifted = item.action is ItemAction.LINK and item.drifted and item.status_change is None
        return "repair" if drifted else None
    if item.action is ItemAction.CREATE:
        return "create"
    if item.action is ItemAction.NONE:
        return "ensure" if item.pending else None
    if not item.linked_by_id:
        return "link"
    if item.changes:
        return "repair"
    finished = (
        item.desired_status is AccountStatus.DEPROVISIONED
        and item.okta_status == DEPROVISIONED
        and not item.pending
    )
    return None if finished else "ensure"


def summarize(
    plan: ReconcilePlan,
    plan_id: str,
    mode: Mode,
    deliveries: list[Delivery],
    *,
    dry_run: bool = False,
) -> ReconcileSummary:
    """The digest for `mode`: the safeguard counts what this run would hand over (apply and
    plan: the whole plan; drift: only the drifted employees, whose workflows also converge
    their status)."""
    if mode == "drift":
        chosen = {d.employee_id for d in deliveries}
        items = [i for i in plan.employees if i.employee_id in chosen]
    else:
        items = plan.employees
    held = disruptive(items)
    by_id = {i.employee_id: i for i in items}
    return ReconcileSummary(
        plan_id=plan_id,
        mode=mode,
        as_of=plan.as_of,
        dry_run=dry_run,
        counts=plan.counts,
        active_accounts=plan.safeguard.active_accounts,
        would_suspend=sum(1 for e in held if by_id[e].status_change == "suspend"),
        would_deactivate=sum(1 for e in held if by_id[e].status_change == "deactivate"),
        threshold=plan.safeguard.threshold,
        needs_approval=len(held) > plan.safeguard.threshold,
        deliveries=len(deliveries),
        delivery_reasons=dict(sorted(Counter(d.reason for d in deliveries).items())),
        disruptive_ids=held[:50],
    )
