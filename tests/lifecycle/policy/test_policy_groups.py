from __future__ import annotations

from policy_helpers import demo, policy, snap

from lifecycle.models import HrSnapshot
from lifecycle.policy import PolicyConfig, build_plan, group_changes
from lifecycle.policy.groups import groups_for
from lifecycle.policy.view import sorted_job_rows, view_at


def groups(config: PolicyConfig, snapshot: HrSnapshot) -> list[str]:
    view = view_at(snapshot, config, sorted_job_rows(snapshot), None, snapshot.employment_status)
    return groups_for(config, view)


RULES = """
groups:
  - name: Everyone
  - name: Engineering
    match: {department: engineering}
  - name: Builders
    match: {department: [Engineering, Product]}
  - name: Builders
    match: {job_title: "*Designer*"}
  - name: NYC Engineering Managers
    match:
      department: Engineering
      location: "New York, NY"
      job_title: "*Manager*"
  - name: R&D
    match: {division: R&D}
  - name: Staff
    unless: {employment_status: [Contractor, Intern]}
  - name: Contractors
    match: {employment_status: Contractor}
"""


def test_many_to_many() -> None:
    config = policy(RULES)
    assert groups(config, snap()) == ["Builders", "Engineering", "Everyone", "R&D", "Staff"]
    # Two rules grant "Builders": either one is enough.
    designer = snap(department="Marketing", division="Go-To-Market", jobTitle="Brand Designer")
    assert groups(config, designer) == ["Builders", "Everyone", "Staff"]


def test_conditions_are_anded_and_globbed() -> None:
    config = policy(RULES)
    manager = snap(jobTitle="Senior Engineering MANAGER")
    assert "NYC Engineering Managers" in groups(config, manager)
    elsewhere = snap(jobTitle="Engineering Manager", location="Austin, TX")
    assert "NYC Engineering Managers" not in groups(config, elsewhere)
    assert "NYC Engineering Managers" not in groups(
        config, snap(jobTitle="Manager of Things", department="Sales")
    )


def test_unless_excludes() -> None:
    config = policy(RULES)
    contractor = groups(config, snap(employmentHistoryStatus="Contractor"))
    assert "Staff" not in contractor and "Contractors" in contractor
    assert "Staff" not in groups(config, snap(employmentHistoryStatus="Intern"))


def test_missing_values_never_match() -> None:
    config = policy(RULES)
    assert groups(config, snap(department=None, division=None, jobTitle=None)) == [
        "Everyone",
        "Staff",
    ]


def test_managed_groups_are_the_rule_names() -> None:
    config = policy(RULES)
    assert config.managed_groups == [
        "Builders",
        "Contractors",
        "Engineering",
        "Everyone",
        "NYC Engineering Managers",
        "R&D",
        "Staff",
    ]


def test_demo_groups() -> None:
    engineer = snap(jobTitle="Engineering Manager", location="Austin, TX")
    assert groups(demo, engineer) == [
        "All Employees",
        "Dept - Engineering",
        "Engineering Managers",
        "GitHub Users",
        "Loc - Austin",
        "VPN Users",
    ]
    contractor = snap(
        department="Customer Success",
        division="Go-To-Market",
        location="Remote - US",
        employmentHistoryStatus="Contractor",
    )
    assert groups(demo, contractor) == [
        "All Contractors",
        "Dept - Customer Success",
        "Loc - Remote US",
        "Salesforce Users",
    ]


def test_plan_lists_managed_and_protected_groups() -> None:
    plan = build_plan(snap(), demo)
    assert plan.managed_groups == demo.managed_groups
    assert plan.protected_groups == ["IT Break Glass"]
    for action in plan.actions:
        assert set(action.account.groups) <= set(plan.managed_groups)
        assert action.account.groups == sorted(action.account.groups)


def test_unmanaged_groups_never_appear_in_changes() -> None:
    plan = build_plan(snap(), demo)
    desired = plan.actions[-1].account.groups
    actual = {"Everyone", "IT Break Glass", "Okta Admins", "Dept - Sales", "VPN Users"}
    to_add, to_remove = group_changes(set(desired), actual, set(plan.managed_groups))
    assert to_remove == ["Dept - Sales"]
    assert "VPN Users" not in to_add
    assert set(to_add) == set(desired) - {"VPN Users"}
    for name in ("Everyone", "IT Break Glass", "Okta Admins"):
        assert name not in to_add and name not in to_remove
