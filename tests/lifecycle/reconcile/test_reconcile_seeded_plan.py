"""The comparison on the generated company finds exactly what the seed planted
(`company.expectations`): links, review items, orphans, service accounts, drift."""

from __future__ import annotations

from typing import Any

import pytest
from reconcile_seed_data import AS_OF, accounts, company, example_policy, snapshots

from lifecycle.models import AccountStatus
from lifecycle.policy import PolicyConfig
from lifecycle.reconcile import (
    FindingKind,
    ItemAction,
    OktaAccountView,
    ReconcilePlan,
    compare,
    select,
)
from simulators.seed import Company


@pytest.fixture(scope="module")
def policy() -> PolicyConfig:
    return example_policy()


@pytest.fixture(scope="module")
def seeded() -> Company:
    return company(120)


@pytest.fixture(scope="module")
def plan(seeded: Company, policy: PolicyConfig) -> ReconcilePlan:
    groups = [g.name for g in seeded.okta_groups if g.type == "OKTA_GROUP"]
    return compare(snapshots(seeded), accounts(seeded), policy, AS_OF, okta_groups=groups)


def _logins(plan: ReconcilePlan, kind: FindingKind) -> list[str]:
    return sorted(f.login or "" for f in plan.findings_of(kind))


def _ids(plan: ReconcilePlan, kind: FindingKind) -> list[str]:
    return sorted((e for f in plan.findings_of(kind) for e in f.employee_ids), key=int)


def test_every_existing_account_is_linked_by_the_strongest_key(
    plan: ReconcilePlan, seeded: Company
) -> None:
    expected = seeded.expectations
    by_id = sorted(
        (i.employee_id for i in plan.employees if i.action is ItemAction.LINK and i.linked_by_id),
        key=int,
    )
    by_number = sorted(
        (
            i.employee_id
            for i in plan.employees
            if i.action is ItemAction.LINK and not i.linked_by_id
        ),
        key=int,
    )
    assert by_id == expected.linked
    assert by_number == expected.by_employee_number
    for item in plan.employees:
        if item.action is ItemAction.LINK:
            assert item.okta_login == expected.accounts[item.employee_id]
    # An account matched by employee number gets our id written: a profile change.
    for eid in expected.by_employee_number:
        item = plan.item(eid)
        assert item is not None and item.matched_by[0] == "employeeNumber"
        assert item.profile["bambooHrId"].after == eid


def test_email_only_and_ambiguous_matches_go_to_review(
    plan: ReconcilePlan, seeded: Company
) -> None:
    expected = seeded.expectations
    email_only = [
        (f.login, f.employee_ids[0]) for f in plan.findings_of(FindingKind.EMAIL_ONLY_MATCH)
    ]
    assert sorted(email_only) == sorted((m.login, m.employee_id) for m in expected.email_only)

    def by(f: Any, key: str) -> str:
        return next(m.employee_id for m in f.matches if key in m.matched_by)

    ambiguous = [
        (f.login, by(f, "employeeNumber"), by(f, "email"))
        for f in plan.findings_of(FindingKind.AMBIGUOUS_MATCH)
    ]
    assert ambiguous == [
        (m.login, m.employee_number_match, m.email_match) for m in expected.ambiguous
    ]
    held = {m.employee_id for m in expected.email_only} | {
        e for m in expected.ambiguous for e in (m.employee_number_match, m.email_match)
    }
    review = {i.employee_id for i in plan.employees if i.action is ItemAction.REVIEW}
    assert review == held
    # Never acted on: no delivery, in any mode.
    for mode in ("apply", "drift"):
        assert held.isdisjoint(d.employee_id for d in select(plan, mode))  # type: ignore[arg-type]


def test_accounts_of_nobody_are_sorted_into_orphans_service_and_protected(
    plan: ReconcilePlan, seeded: Company
) -> None:
    expected = seeded.expectations
    assert _logins(plan, FindingKind.ORPHANED_ACCOUNT) == expected.orphaned
    assert _logins(plan, FindingKind.SERVICE_ACCOUNT) == expected.service_accounts
    # The break-glass members are employees (linked), protected by the policy's group.
    assert set(expected.protected) <= set(plan.protected)
    for login in expected.protected:
        item = next(i for i in plan.employees if i.okta_login == login)
        assert item.protected


def test_terminated_and_on_leave_accounts_still_active_are_reported(
    plan: ReconcilePlan, seeded: Company
) -> None:
    expected = seeded.expectations
    assert _ids(plan, FindingKind.TERMINATED_BUT_ACTIVE) == expected.terminated_but_active
    assert _ids(plan, FindingKind.ON_LEAVE_BUT_ACTIVE) == expected.leave_not_suspended
    for eid in expected.terminated_but_active:
        assert plan.item(eid).status_change == "deactivate"  # type: ignore[union-attr]
    for eid in expected.leave_not_suspended:
        assert plan.item(eid).status_change == "suspend"  # type: ignore[union-attr]
    assert sorted(plan.safeguard.disruptive, key=int) == sorted(
        expected.terminated_but_active + expected.leave_not_suspended, key=int
    )
    assert not plan.safeguard.needs_approval


def test_missing_accounts_are_created_and_only_those(plan: ReconcilePlan, seeded: Company) -> None:
    expected = seeded.expectations
    creates = {i.employee_id for i in plan.employees if i.action is ItemAction.CREATE}
    assert set(expected.missing_accounts) <= creates
    # Beyond them, only future hires whose pre-boarding has begun.
    assert creates - set(expected.missing_accounts) <= set(expected.future_hires)
    for eid in creates - set(expected.missing_accounts):
        assert plan.item(eid).desired_status is AccountStatus.STAGED  # type: ignore[union-attr]


def test_group_and_profile_drift_is_exactly_the_planted_one(
    plan: ReconcilePlan, seeded: Company
) -> None:
    expected = seeded.expectations
    planted = {m.employee_id: m for m in expected.misaligned_groups}
    for eid, misaligned in planted.items():
        item = plan.item(eid)
        assert item is not None
        assert (item.groups_add, item.groups_remove) == (misaligned.missing, misaligned.extra)
    settled = (
        set(expected.terminated_but_active) | set(expected.rehire_deprovisioned) | set(planted)
    )
    for item in plan.employees:
        if item.action is ItemAction.LINK and item.employee_id not in settled:
            assert not (item.groups_add or item.groups_remove), item.employee_id
    for eid in expected.stale_profiles:
        changed = plan.item(eid).profile  # type: ignore[union-attr]
        assert {"department", "title"} <= set(changed)


def test_a_converged_okta_compares_as_a_no_op(
    plan: ReconcilePlan, seeded: Company, policy: PolicyConfig
) -> None:
    """Apply every difference to the accounts (what the employee workflows would do) and
    compare again: nothing left to write, nothing for drift repair."""
    after = {a.user_id: a for a in accounts(seeded)}
    for item in plan.employees:
        if item.action is not ItemAction.LINK or item.okta_user_id is None:
            continue
        account = after[item.okta_user_id]
        profile = dict(account.profile)
        profile.update({name: diff.after for name, diff in item.profile.items()})
        groups = (set(account.groups) | set(item.groups_add)) - set(item.groups_remove)
        status = {
            "activate": "PROVISIONED",
            "unsuspend": "ACTIVE",
            "suspend": "SUSPENDED",
            "deactivate": "DEPROVISIONED",
            None: account.status,
        }[item.status_change]
        after[item.okta_user_id] = OktaAccountView(
            user_id=account.user_id, status=status, profile=profile, groups=sorted(groups)
        )
    groups = [g.name for g in seeded.okta_groups if g.type == "OKTA_GROUP"]
    again = compare(snapshots(seeded), list(after.values()), policy, AS_OF, okta_groups=groups)
    assert [
        i.employee_id for i in again.employees if i.action is ItemAction.LINK and i.changes
    ] == []
    assert again.counts.in_sync == again.counts.link
    assert select(again, "drift") == []
    assert not again.safeguard.disruptive
