"""The seed's copy of the group rules (`simulators.seed.groups`) must agree with the example
policy: misaligned-group expectations are only right if both compute the same groups.

Skipped until `config/policy.yaml` exists (it is written alongside the seed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, company_for

from simulators.seed.groups import managed_groups_for, working_status
from simulators.seed.models import Employee
from simulators.seed.vocabulary import LEAVE_STATUSES, MANAGED_GROUPS

POLICY = Path(__file__).resolve().parents[3] / "config" / "policy.yaml"

pytestmark = pytest.mark.skipif(not POLICY.exists(), reason="config/policy.yaml not written yet")


def _snapshot(emp: Employee) -> Any:
    from lifecycle.models.hr import HrSnapshot

    data = emp.model_dump(exclude={"employment_status", "job_info"})
    data.pop("customJobLevel"), data.pop("customCostCenter"), data.pop("customLeaveReturnDate")
    return HrSnapshot.model_validate(
        {
            **data,
            "custom": emp.custom_fields(),
            "employment_status_rows": [
                r.model_dump(exclude={"comment"}) for r in emp.employment_status
            ],
            "job_info_rows": [r.model_dump() for r in emp.job_info],
        }
    )


def test_policy_manages_exactly_the_seeded_groups() -> None:
    from lifecycle.policy.config import load_policy

    config = load_policy(POLICY)
    assert sorted(config.managed_groups) == sorted(MANAGED_GROUPS)


def test_policy_grants_the_groups_the_seed_expects() -> None:
    from lifecycle.policy.config import load_policy
    from lifecycle.policy.groups import groups_for
    from lifecycle.policy.view import sorted_job_rows, view_at

    config = load_policy(POLICY)
    company = company_for(42, 200)
    current = set(company.expectations.current)
    disagreements = []
    for emp in company.employees:
        if emp.id not in current:
            continue
        snapshot = _snapshot(emp)
        # On leave, the rules see the status before the leave, minus leave.remove_groups.
        status = working_status(emp, TODAY)
        view = view_at(snapshot, config, sorted_job_rows(snapshot), TODAY, status)
        theirs = groups_for(config, view)
        if emp.employmentHistoryStatus in LEAVE_STATUSES:
            theirs = [g for g in theirs if g not in config.leave.remove_groups]
        ours = managed_groups_for(emp, TODAY)
        if theirs != ours:
            disagreements.append((emp.id, emp.department, emp.jobTitle, theirs, ours))
    assert not disagreements, disagreements[:5]
