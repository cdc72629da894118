"""An Okta org exactly in step with BambooHR, built directly in the simulator's store.

For every HR record the policy's own plan (`build_plan(...).desired_at(now)`) says which
account should exist, with which status, profile and managed groups; that account is created
as it should be. The product's reconciliation comparison (`InventoryReader`, read over HTTP
like the activity does) then checks the result, and anything it still finds different is set
right in the store, so a reconciliation run afterwards has nothing to do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bench.stack import BenchStack
from integrations.bamboohr import build_bamboohr_client
from integrations.okta import build_okta_client
from lifecycle.models import AccountStatus
from lifecycle.policy import build_plan, required_fields

_OKTA_STATUS = {
    AccountStatus.STAGED: "STAGED",
    AccountStatus.ACTIVE: "ACTIVE",
    AccountStatus.SUSPENDED: "SUSPENDED",
    AccountStatus.DEPROVISIONED: "DEPROVISIONED",
}


async def build_org_in_step(stack: BenchStack) -> dict[str, Any]:
    """Create the accounts; returns counts, and what the check still had to correct."""
    store = stack.okta.store
    as_of = datetime.now(UTC)
    async with _clients(stack) as (hr, _okta):
        bulk = await hr.fetch_snapshots(None, required_fields(stack.policy), fetched_at=as_of)
    created = skipped = 0
    statuses: dict[str, int] = {}
    for snapshot in bulk.snapshots:
        plan = build_plan(snapshot, stack.policy)
        desired = plan.desired_at(as_of)
        if plan.review is not None or desired.status is AccountStatus.NONE or not desired.login:
            skipped += 1
            continue
        profile = {k: v for k, v in desired.profile.items() if v not in (None, "")}
        profile.update(login=desired.login, bambooHrId=snapshot.employee_id)
        status = _OKTA_STATUS[desired.status]
        user = store.create_user(profile, status)
        for name in desired.groups:
            group = store.find_group(name)
            if group is not None:
                store.add_member(group["id"], user["id"])
        created += 1
        statuses[status] = statuses.get(status, 0) + 1
    corrections = await settle_differences(stack)
    return {
        "hr_records": len(bulk.snapshots) + len(bulk.bad),
        "accounts_created": created,
        "no_account_wanted_or_review": skipped,
        "by_status": statuses,
        "corrections": corrections,
    }


async def settle_differences(stack: BenchStack, rounds: int = 2) -> list[dict[str, int]]:
    """Compare like reconciliation does and set right, in the store, whatever differs."""
    from activities.reconcile import InventoryReader

    store = stack.okta.store
    history: list[dict[str, int]] = []
    for _ in range(rounds):
        plan = await compare_now(stack, InventoryReader)
        fixes = {"profile": 0, "groups": 0, "status": 0}
        for item in plan.employees:
            uid = item.okta_user_id
            if uid is None or not item.changes:
                continue
            if item.profile:
                store.update_user(uid, {k: d.after for k, d in item.profile.items()})
                fixes["profile"] += 1
            for name in item.groups_add:
                group = store.find_group(name)
                if group:
                    store.add_member(group["id"], uid)
                    fixes["groups"] += 1
            for name in item.groups_remove:
                group = store.find_group(name)
                if group:
                    store.remove_member(group["id"], uid)
                    fixes["groups"] += 1
            if item.status_change is not None:
                store.set_status(uid, _OKTA_STATUS[item.desired_status])
                fixes["status"] += 1
        history.append(fixes)
        if not any(fixes.values()):
            break
    return history


async def compare_now(stack: BenchStack, reader_class: Any = None) -> Any:
    """The product's comparison of both systems as they are now (no Temporal)."""
    if reader_class is None:
        from activities.reconcile import InventoryReader as reader_class
    async with _clients(stack) as (hr, okta):
        reader = reader_class(
            bamboohr=hr, okta=okta, policy=stack.policy, fields=required_fields(stack.policy)
        )
        as_of = datetime.now(UTC)
        inventory = await reader.read(as_of)
        return reader.compare(inventory, as_of)


class _clients:
    """The product's BambooHR and Okta clients, pointed at the simulators."""

    def __init__(self, stack: BenchStack) -> None:
        self.hr = build_bamboohr_client(stack.settings)
        self.okta = build_okta_client(stack.settings)

    async def __aenter__(self) -> tuple[Any, Any]:
        return self.hr, self.okta

    async def __aexit__(self, *exc: object) -> None:
        await self.hr.aclose()
        await self.okta.aclose()
