"""The generated company (`simulators.seed`) as the comparison's inputs, without HTTP: HR
snapshots as the BambooHR client would build them, Okta accounts with their memberships.

Module name is unique across test folders (pytest's default import mode puts every test
folder on `sys.path`).
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time
from pathlib import Path

from lifecycle.models import HrSnapshot, ManagerRef
from lifecycle.policy import PolicyConfig, load_policy
from lifecycle.reconcile import OktaAccountView
from simulators.seed import Company, Employee, generate_company

TODAY = date(2026, 3, 4)  # a Wednesday
# Noon UTC: the same calendar day in every zone of the example policy (Sydney .. Los Angeles),
# so "terminated yesterday" is over everywhere and "starts tomorrow" nowhere.
AS_OF = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)


def company(employees: int = 120, seed: int = 42, today: date = TODAY) -> Company:
    return generate_company(seed, employees, today=today)


def snapshot(emp: Employee, fetched_at: datetime, people: dict[str, Employee]) -> HrSnapshot:
    data = emp.model_dump(exclude={"employment_status", "job_info"})
    for name in ("customJobLevel", "customCostCenter", "customLeaveReturnDate"):
        data.pop(name)
    manager = people.get(emp.supervisorEId or "")
    return HrSnapshot.model_validate(
        {
            **data,
            "custom": emp.custom_fields(),
            "employment_status_rows": [
                r.model_dump(exclude={"comment"}) for r in emp.employment_status
            ],
            "job_info_rows": [r.model_dump() for r in emp.job_info],
            "fetched_at": fetched_at,
            "manager": ManagerRef(
                id=manager.id,
                employeeNumber=manager.employeeNumber,
                displayName=manager.displayName,
                workEmail=manager.workEmail,
            )
            if manager
            else None,
        }
    )


def snapshots(company: Company, fetched_at: datetime = AS_OF) -> list[HrSnapshot]:
    people = company.employees_by_id()
    return [snapshot(e, fetched_at, people) for e in company.employees]


def accounts(company: Company) -> list[OktaAccountView]:
    """One view per seeded Okta user; ids are `u<n>` in seed order."""
    groups_of: dict[str, list[str]] = {}
    for group in company.okta_groups:
        for login in group.members:
            groups_of.setdefault(login.lower(), []).append(group.name)
    return [
        OktaAccountView(
            user_id=f"u{n}",
            status=user.status,
            profile=dict(user.profile),
            groups=sorted(groups_of.get(user.login.lower(), [])),
        )
        for n, user in enumerate(company.okta_users)
    ]


POLICY_PATH = Path(__file__).resolve().parents[3] / "config" / "policy.yaml"


@functools.cache
def example_policy() -> PolicyConfig:
    """The example policy `config/policy.yaml` (loaded once)."""
    return load_policy(POLICY_PATH)
