"""The matching rules, the safeguard and what each mode hands over, on small hand-made
cases (a company of a few people and a few Okta accounts)."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from reconcile_seed_data import AS_OF, example_policy

from lifecycle.models import HrSnapshot
from lifecycle.policy import PolicyConfig
from lifecycle.reconcile import (
    FindingKind,
    ItemAction,
    OktaAccountView,
    ReconcileOptions,
    ReconcilePlan,
    compare,
    select,
    summarize,
)
from lifecycle.reconcile.matching import Person, match_accounts

GROUPS = ["All Employees", "Dept - Engineering", "Loc - New York", "VPN Users", "GitHub Users"]


@pytest.fixture(scope="module")
def policy() -> PolicyConfig:
    return example_policy()


def person(
    eid: str, *, status: str = "Full-Time", since: str = "2024-01-08", **fields: Any
) -> HrSnapshot:
    rows = [{"date": "2024-01-08", "employmentStatus": "Full-Time"}]
    if status != "Full-Time":
        rows.append({"date": since, "employmentStatus": status})
    data: dict[str, Any] = {
        "id": eid,
        "employeeNumber": f"E{eid}",
        "firstName": "Tess",
        "lastName": f"Tester{eid}",
        "workEmail": f"tess.tester{eid}@acme.example",
        "department": "Engineering",
        "division": "R&D",
        "location": "New York, NY",
        "jobTitle": "Software Engineer",
        "employmentHistoryStatus": status,
        "hireDate": "2024-01-08",
        "employment_status_rows": rows,
        "custom": {"customJobLevel": "L3", "customCostCenter": "CC-1100"},
        "fetched_at": AS_OF,
        **fields,
    }
    return HrSnapshot.model_validate(data)


def account(
    user_id: str, status: str = "ACTIVE", groups: list[str] | None = None, **profile: Any
) -> OktaAccountView:
    return OktaAccountView(user_id=user_id, status=status, profile=profile, groups=groups or [])


def own(snapshot: HrSnapshot, user_id: str, policy: PolicyConfig, **extra: Any) -> OktaAccountView:
    """An account already exactly as the policy wants it for `snapshot`."""
    from lifecycle.policy import build_plan

    desired = build_plan(snapshot, policy).desired_at(AS_OF)
    profile = {k: v for k, v in desired.profile.items() if v is not None}
    return account(user_id, groups=list(desired.groups), **{**profile, **extra})


def run(
    policy: PolicyConfig, people: list[HrSnapshot], accounts: list[OktaAccountView], **kw: Any
) -> ReconcilePlan:
    return compare(people, accounts, policy, AS_OF, okta_groups=policy.managed_groups, **kw)


def kinds(plan: ReconcilePlan) -> list[str]:
    return [f.kind.value for f in plan.findings]


def test_an_account_in_step_is_linked_and_needs_nothing(policy: PolicyConfig) -> None:
    tess = person("1")
    plan = run(policy, [tess], [own(tess, "u1", policy)])
    item = plan.item("1")
    assert item is not None and item.action is ItemAction.LINK and not item.changes
    assert item.matched_by[0] == "bambooHrId"
    assert plan.findings == []
    assert select(plan, "drift") == []
    assert [d.reason for d in select(plan, "apply")] == ["ensure"]


def test_two_accounts_carrying_one_bamboohr_id_are_ambiguous(policy: PolicyConfig) -> None:
    tess = person("1")
    plan = run(
        policy, [tess], [own(tess, "u1", policy), own(tess, "u2", policy, login="x@acme.example")]
    )
    assert plan.item("1").action is ItemAction.REVIEW  # type: ignore[union-attr]
    assert kinds(plan) == ["ambiguous_match"]
    assert select(plan, "apply") == []


def test_employee_number_links_only_when_nothing_else_disagrees(policy: PolicyConfig) -> None:
    tess = person("1")
    number_only = account("u1", login=tess.work_email, email=tess.work_email, employeeNumber="E1")
    plan = run(policy, [tess], [number_only])
    item = plan.item("1")
    assert item.action is ItemAction.LINK and item.matched_by == [
        "employeeNumber",
        "login",
        "email",
    ]  # type: ignore[union-attr]
    assert item.profile["bambooHrId"].after == "1"  # type: ignore[union-attr]
    assert [d.reason for d in select(plan, "apply")] == ["link"]

    # The number points at one account, the e-mail at another: a person decides.
    other = account("u2", login="tt@acme.example", email=tess.work_email)
    number_elsewhere = account("u1", login="old@acme.example", employeeNumber="E1")
    plan = run(policy, [tess], [number_elsewhere, other])
    assert plan.item("1").action is ItemAction.REVIEW  # type: ignore[union-attr]
    assert kinds(plan) == ["ambiguous_match"]
    assert {m.okta_user_id for m in plan.findings[0].matches} == {"u1", "u2"}


def test_an_employee_number_shared_by_two_people_links_neither(policy: PolicyConfig) -> None:
    a, b = person("1"), person("2", employeeNumber="E1")
    plan = run(policy, [a, b], [account("u1", login="legacy@acme.example", employeeNumber="E1")])
    assert {i.action for i in plan.employees} == {ItemAction.REVIEW}
    assert kinds(plan) == ["ambiguous_match"]
    assert plan.findings[0].employee_ids == ["1", "2"]


def test_login_or_email_alone_is_never_proof(policy: PolicyConfig) -> None:
    tess = person("1")
    by_login = account("u1", login=tess.work_email, email="someone@else.example")
    plan = run(policy, [tess], [by_login])
    assert plan.item("1").action is ItemAction.REVIEW  # type: ignore[union-attr]
    assert [(f.kind.value, f.matches[0].matched_by) for f in plan.findings] == [
        ("email_only_match", ["login"])
    ]
    assert "u1" not in {f.okta_user_id for f in plan.findings_of(FindingKind.ORPHANED_ACCOUNT)}


def test_a_login_held_by_another_employees_account_blocks_the_create(policy: PolicyConfig) -> None:
    tess, sam = person("1"), person("2")
    # Sam's account still has Tess's address as its login (e.g. a reused mailbox).
    sams = own(sam, "u2", policy, login=tess.work_email)
    plan = run(policy, [tess, sam], [sams])
    assert plan.item("1").action is ItemAction.REVIEW  # type: ignore[union-attr]
    assert plan.item("2").action is ItemAction.LINK  # type: ignore[union-attr]
    assert kinds(plan) == ["login_taken"]


def test_a_look_alike_of_a_linked_employee_is_a_possible_duplicate_not_an_orphan(
    policy: PolicyConfig,
) -> None:
    tess = person("1")
    twin = account("u9", login="tess.t@acme.example", email=tess.work_email)
    plan = run(policy, [tess], [own(tess, "u1", policy), twin])
    assert plan.item("1").action is ItemAction.LINK  # type: ignore[union-attr]
    assert kinds(plan) == ["possible_duplicate"]


def test_accounts_of_nobody(policy: PolicyConfig) -> None:
    accounts = [
        account("u1", login="svc-backup@acme.example"),
        account("u2", login="robot@acme.example", userType="Bot"),
        account("u3", login="ceo@acme.example"),  # protected by login in the policy
        account("u4", login="guard@acme.example", groups=["IT Break Glass"]),
        account("u5", login="gone@acme.example", bambooHrId="999"),
        account("u6", login="old@acme.example", status="DEPROVISIONED"),  # nothing to say
        account("u7", login="unreadable@acme.example", bambooHrId="77"),
    ]
    plan = run(policy, [], accounts, unreadable={"77": "BambooHR field hireDate: not a date"})
    found = {(f.kind.value, f.okta_user_id) for f in plan.findings}
    assert found == {
        ("service_account", "u1"),
        ("service_account", "u2"),
        ("protected_account", "u3"),
        ("protected_account", "u4"),
        ("orphaned_account", "u5"),
        ("hr_data", None),
    }
    assert "999" in plan.findings_of(FindingKind.ORPHANED_ACCOUNT)[0].message
    options = ReconcileOptions(login_patterns=[], user_types=[])
    plan = run(policy, [], accounts[:2], options=options)
    assert [f.kind.value for f in plan.findings] == ["orphaned_account", "orphaned_account"]


def test_the_policy_file_names_service_accounts(policy: PolicyConfig) -> None:
    accounts = [
        account("u1", login="okta-admin@acme.example"),
        account("u2", login="scanner@acme.example", groups=["Integrations"]),
        account("u3", login="svc-backup@acme.example"),
    ]
    found = sorted(kinds(run(policy, [], accounts)))
    assert found == ["orphaned_account", "orphaned_account", "service_account"]

    rules = policy.service_accounts.model_copy(
        update={
            "logins": ["OKTA-ADMIN@acme.example"],
            "groups": ["integrations"],
            "login_patterns": [],
        }
    )
    own_rules = policy.model_copy(update={"service_accounts": rules})
    findings = {(f.kind.value, f.okta_user_id) for f in run(own_rules, [], accounts).findings}
    assert findings == {
        ("service_account", "u1"),
        ("service_account", "u2"),
        ("orphaned_account", "u3"),  # the default patterns were switched off
    }


def test_termination_comes_from_hr_status_never_from_absence(policy: PolicyConfig) -> None:
    leaver = person("1", status="Terminated", since="2026-02-27")
    plan = run(
        policy, [leaver], [own(person("1"), "u1", policy), account("u2", login="x@acme.example")]
    )
    assert plan.item("1").status_change == "deactivate"  # type: ignore[union-attr]
    assert sorted(kinds(plan)) == ["orphaned_account", "terminated_but_active"]
    # The orphan (absent from HR) is reported, never deactivated.
    assert plan.safeguard.disruptive == ["1"]


def test_on_leave_but_able_to_sign_in_is_a_finding_even_when_okta_cannot_suspend(
    policy: PolicyConfig,
) -> None:
    away = person("1", status="Leave of Absence", since="2026-02-20")
    plan = run(policy, [away], [own(person("1"), "u1", policy, status="LOCKED_OUT")])
    assert kinds(plan) == ["on_leave_but_active"]
    assert plan.item("1").status_change is None  # type: ignore[union-attr]  # Okta would refuse
    assert "lock it down by hand" in plan.findings[0].message

    provisioned = own(person("1"), "u1", policy, status="PROVISIONED")  # can still activate
    assert kinds(run(policy, [away], [provisioned])) == ["on_leave_but_active"]
    suspended = own(person("1"), "u1", policy, status="SUSPENDED")
    assert kinds(run(policy, [away], [suspended])) == []


def test_a_deprovisioned_leaver_needs_no_workflow(policy: PolicyConfig) -> None:
    leaver = person("1", status="Terminated", since="2025-02-27")
    done = own(person("1"), "u1", policy, status="DEPROVISIONED")
    done.groups = []
    plan = run(policy, [leaver], [done])
    assert plan.item("1").action is ItemAction.LINK and not plan.item("1").changes  # type: ignore[union-attr]
    assert select(plan, "apply") == [] and select(plan, "drift") == []


def test_drift_hands_over_profile_and_group_drift_only(policy: PolicyConfig) -> None:
    a, b, c, d = (
        person("1"),
        person("2"),
        person("3"),
        person("4", status="Leave of Absence", since="2026-02-02"),
    )
    accounts = [
        own(a, "u1", policy, title="Intern"),  # profile drift
        own(b, "u2", policy),  # group drift
        own(c, "u3", policy, status="SUSPENDED"),  # status drift only
        own(d, "u4", policy),  # on leave, still active: the lifecycle's business
    ]
    accounts[1].groups = [g for g in accounts[1].groups if g != "GitHub Users"] + ["Dept - Sales"]
    plan = run(policy, [a, b, c, d], accounts)
    drift = select(plan, "drift")
    assert [(x.employee_id, x.reason) for x in drift] == [("1", "repair"), ("2", "repair")]
    item = plan.item("2")
    assert (item.groups_add, item.groups_remove) == (["GitHub Users"], ["Dept - Sales"])  # type: ignore[union-attr]
    assert plan.item("1").profile["title"].model_dump() == {
        "before": "Intern",
        "after": "Software Engineer",
    }  # type: ignore[union-attr]
    assert plan.item("4").status_change == "suspend"  # type: ignore[union-attr]
    # Suspending keeps the profile as it is: no profile drift is claimed for it.
    assert plan.item("4").profile == {}  # type: ignore[union-attr]
    applied = {x.employee_id: x.reason for x in select(plan, "apply")}
    assert applied == {"1": "repair", "2": "repair", "3": "repair", "4": "repair"}


def test_unmanaged_and_missing_groups_are_never_changes(policy: PolicyConfig) -> None:
    tess = person("1")
    mine = own(tess, "u1", policy)
    mine.groups += ["Okta Administrators", "Legacy CRM"]
    existing = [g for g in policy.managed_groups if g != "GitHub Users"]
    mine.groups.remove("GitHub Users")
    plan = compare([tess], [mine], policy, AS_OF, okta_groups=existing)
    item = plan.item("1")
    assert not item.changes  # type: ignore[union-attr]
    assert kinds(plan) == ["missing_group"]


def test_the_safeguard_counts_disruptions_against_active_accounts(policy: PolicyConfig) -> None:
    people = [person(str(i)) for i in range(1, 41)]
    accounts = [own(p, f"u{p.employee_id}", policy) for p in people]
    leavers = [person(str(i), status="Terminated", since="2026-03-01") for i in range(1, 13)]
    plan = run(policy, leavers + people[12:], accounts)
    # 12 deactivations of 40 active accounts: over max(5, 5% of 40 = 2).
    assert len(plan.safeguard.disruptive) == 12
    assert plan.safeguard.threshold == 5 and plan.safeguard.needs_approval
    summary = summarize(plan, "p", "apply", select(plan, "apply"))
    assert summary.needs_approval and summary.would_deactivate == 12
    # Drift repair never suspends or deactivates: leavers are not its business.
    assert select(plan, "drift") == []
    assert not summarize(plan, "p", "drift", []).needs_approval
    few = run(policy, leavers[:5] + people[5:], accounts)
    assert not few.safeguard.needs_approval  # 5 is not more than 5


def test_matching_is_linear(policy: PolicyConfig) -> None:
    n = 20_000
    people = [Person(str(i), f"E{i}", f"p{i}@acme.example", f"p{i}@acme.example") for i in range(n)]
    accounts = [
        OktaAccountView(
            user_id=f"u{i}",
            status="ACTIVE",
            profile={
                "login": f"p{i}@acme.example",
                "email": f"p{i}@acme.example",
                "employeeNumber": f"E{i}",
            }
            | ({"bambooHrId": str(i)} if i % 2 else {}),
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    result = match_accounts(
        people, accounts, "bambooHrId", known_ids={p.employee_id for p in people}
    )
    elapsed = time.perf_counter() - started
    assert sum(1 for m in result.matches.values() if m.account is not None) == n
    assert elapsed < 5.0, f"matching {n} took {elapsed:.1f}s"


def test_today_is_the_seed_day() -> None:
    assert AS_OF.date() == date(2026, 3, 4)
