"""The managed Okta groups an employee should be in: the seed's own reading of the example
policy, used when nobody hands the seed a rule.

Who plants the Okta accounts chooses the rule (`GroupRule`): `lifecycle dev` passes one
computed by the product's policy (`starters/dev.py`, so a group rule added to the policy is
seeded too); the simulators stand-alone and the seed's tests use `managed_groups_for` below,
an independent oracle that must agree with `config/policy.yaml` (a test compares the two).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from simulators.seed.models import Employee
from simulators.seed.vocabulary import (
    ALL_CONTRACTORS,
    ALL_EMPLOYEES,
    CONTRACTOR,
    ENGINEERING_MANAGER_DEPARTMENT,
    ENGINEERING_MANAGER_TITLE_WORD,
    ENGINEERING_MANAGERS,
    GITHUB_DEPARTMENTS,
    GITHUB_USERS,
    LEAVE_REMOVED_GROUPS,
    LEAVE_STATUSES,
    LOCATIONS_BY_NAME,
    SALESFORCE_DEPARTMENTS,
    SALESFORCE_USERS,
    TERMINATED,
    VPN_USERS,
    department_group,
)

# (employee, day) -> the sorted managed groups they should be in on that day.
GroupRule = Callable[[Employee, date], list[str]]


def working_status(employee: Employee, on: date) -> str:
    """The employment status on `on`, looking through a leave to the status before it."""
    status = employee.status_on(on).employmentStatus
    if status not in LEAVE_STATUSES:
        return status
    for row in employee.employment_status:
        if row.date > on:
            break
        if row.employmentStatus not in LEAVE_STATUSES:
            status = row.employmentStatus
    return status


def managed_groups_for(employee: Employee, on: date) -> list[str]:
    """Sorted managed group names for the job and status in effect on `on` (for a future
    hire: their first job). A terminated employee belongs in no managed group; someone on
    leave keeps the groups of their job and status before the leave, except the groups a
    leave takes away (VPN Users)."""
    status = working_status(employee, on)
    if status == TERMINATED:
        return []
    job = employee.job_on(on)
    groups = {
        ALL_CONTRACTORS if status == CONTRACTOR else ALL_EMPLOYEES,
        department_group(job.department),
        LOCATIONS_BY_NAME[job.location].group,
    }
    if status != CONTRACTOR:
        groups.add(VPN_USERS)
    if job.department in GITHUB_DEPARTMENTS:
        groups.add(GITHUB_USERS)
    if job.department in SALESFORCE_DEPARTMENTS:
        groups.add(SALESFORCE_USERS)
    if (
        job.department == ENGINEERING_MANAGER_DEPARTMENT
        and ENGINEERING_MANAGER_TITLE_WORD in job.jobTitle.lower()
    ):
        groups.add(ENGINEERING_MANAGERS)
    if employee.status_on(on).employmentStatus in LEAVE_STATUSES:
        groups -= LEAVE_REMOVED_GROUPS
    return sorted(groups)
