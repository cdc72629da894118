"""`lifecycle dev`'s simulated Okta org follows the policy: the managed groups each generated
account is planted with come from the product's own group rules, applied to the generated HR
record as the workflow would read it. A group rule added to `config/policy.yaml` is therefore
seeded too, without touching Python. (The simulators on their own plant with the seed's
independent reading of the example policy, `simulators.seed.groups.managed_groups_for`.)"""

from __future__ import annotations

from datetime import date

from lifecycle.models import HrSnapshot
from lifecycle.policy import PolicyConfig
from lifecycle.policy.groups import groups_for
from lifecycle.policy.view import sorted_job_rows, view_at
from simulators.seed.groups import GroupRule, working_status
from simulators.seed.models import Employee


def hr_snapshot(employee: Employee) -> HrSnapshot:
    """A generated employee as BambooHR would hand them to the workflow."""
    custom = employee.custom_fields()
    data = employee.model_dump(exclude={"employment_status", "job_info", *custom})
    return HrSnapshot.model_validate(
        {
            **data,
            "custom": custom,
            "employment_status_rows": [
                row.model_dump(exclude={"comment"}) for row in employee.employment_status
            ],
            "job_info_rows": [row.model_dump() for row in employee.job_info],
        }
    )


def policy_group_rule(policy: PolicyConfig) -> GroupRule:
    """The seed's group rule computed by `policy`: on leave, the groups of the status before
    the leave minus what a leave removes; terminated, none."""

    def rule(employee: Employee, day: date) -> list[str]:
        status = working_status(employee, day)  # through a leave, the status before it
        if policy.status_class(status) == "terminated":
            return []
        snapshot = hr_snapshot(employee)
        view = view_at(snapshot, policy, sorted_job_rows(snapshot), day, status)
        groups = groups_for(policy, view)
        if policy.status_class(employee.status_on(day).employmentStatus) == "leave":
            groups = [g for g in groups if g not in policy.leave.remove_groups]
        return sorted(groups)

    return rule
