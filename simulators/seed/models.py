"""The generated company as pydantic models: the HR side, the Okta side, and what a correct
reconciliation must find (`Expectations`).

Field names of the HR side follow BambooHR's field and table-column names (camelCase), so a
simulator can serve them without renaming. Dates are `date`s (JSON `YYYY-MM-DD`); an empty
date is `None` (BambooHR's API renders it as `0000-00-00`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- Reference data --------------------------------------------------------------------------


class Department(_Model):
    name: str
    division: str
    costCenter: str


class Location(_Model):
    name: str
    group: str
    timezone: str


class CustomField(_Model):
    id: int
    alias: str
    name: str
    type: Literal["list", "text", "date"]


# -- HR side ---------------------------------------------------------------------------------


class EmploymentStatusRow(_Model):
    """One row of BambooHR's employmentStatus table; takes effect on `date`."""

    date: date
    employmentStatus: str
    comment: str | None = None
    terminationTypeId: str | None = None
    terminationReasonId: str | None = None
    terminationRehireId: str | None = None


class JobInfoRow(_Model):
    """One row of BambooHR's jobInfo table; takes effect on `date`."""

    date: date
    location: str
    division: str
    department: str
    jobTitle: str
    reportsTo: str | None = None  # supervisor's BambooHR id


class Employee(_Model):
    """One BambooHR employee record; the flat fields are the values in effect on `today`."""

    id: str  # BambooHR internal id (string of an int)
    employeeNumber: str
    firstName: str
    lastName: str
    preferredName: str | None = None
    displayName: str
    workEmail: str
    homeEmail: str
    mobilePhone: str | None = None
    workPhone: str | None = None
    department: str
    division: str
    location: str
    jobTitle: str
    supervisorEId: str | None = None  # supervisor's BambooHR id; None only for the CEO
    hireDate: date
    originalHireDate: date | None = None  # set for rehires only
    status: Literal["Active", "Inactive"]
    employmentHistoryStatus: str
    terminationDate: date | None = None  # only once the Terminated row is in effect
    customJobLevel: str
    customCostCenter: str
    customLeaveReturnDate: date | None = None
    employment_status: list[EmploymentStatusRow]
    job_info: list[JobInfoRow]

    def status_on(self, day: date) -> EmploymentStatusRow:
        """The employmentStatus row in effect on `day` (the first row before any applies)."""
        current = self.employment_status[0]
        for row in self.employment_status:
            if row.date <= day:
                current = row
        return current

    def job_on(self, day: date) -> JobInfoRow:
        current = self.job_info[0]
        for row in self.job_info:
            if row.date <= day:
                current = row
        return current

    def custom_fields(self) -> dict[str, str | None]:
        """Custom field values by alias, dates as ISO strings."""
        leave_return = self.customLeaveReturnDate
        return {
            "customJobLevel": self.customJobLevel,
            "customCostCenter": self.customCostCenter,
            "customLeaveReturnDate": leave_return.isoformat() if leave_return else None,
        }


# -- Okta side -------------------------------------------------------------------------------

OktaStatus = Literal["STAGED", "PROVISIONED", "ACTIVE", "SUSPENDED", "DEPROVISIONED"]


class OktaUser(_Model):
    profile: dict[str, Any]  # login, email, firstName, lastName, displayName, ... (strings)
    status: OktaStatus
    created: date  # when the account was created (loaders back-date it)
    note: str  # why this account exists, for people reading a seed summary

    @property
    def login(self) -> str:
        return str(self.profile["login"])


class OktaGroup(_Model):
    name: str
    type: Literal["OKTA_GROUP", "APP_GROUP"] = "OKTA_GROUP"
    description: str | None = None
    managed: bool  # named in the example policy's mapping (automation may add/remove members)
    members: list[str] = Field(default_factory=list)  # logins


# -- What reconciliation must find -----------------------------------------------------------


class EmailOnlyMatch(_Model):
    """An Okta account whose email equals one employee's workEmail while its login, its
    employeeNumber and bambooHrId match nobody: must go to human review, never auto-link."""

    login: str
    employee_id: str


class AmbiguousMatch(_Model):
    """An Okta account whose employeeNumber points at one employee and email at another."""

    login: str
    employee_number_match: str  # employee id whose employeeNumber equals the account's
    email_match: str  # employee id whose workEmail equals the account's email


class MisalignedGroups(_Model):
    """A matched account whose managed-group memberships differ from `managed_groups_for`."""

    employee_id: str
    login: str
    extra: list[str]  # managed groups it is in but should not be
    missing: list[str]  # managed groups it should be in but is not


class Expectations(_Model):
    """Every case the seed planted, by employee id (HR) or login (Okta-only accounts).

    Lists are sorted by employee id (numerically) or login, so tests can compare exactly.
    """

    # HR structure
    ceo: str
    department_heads: dict[str, str]  # department -> employee id
    managers: list[str]  # everyone with at least one current direct report
    # HR states, as of `today`
    current: list[str]  # hired on or before today and not terminated on or before today
    contractors: list[str]  # current, Contractor
    interns: list[str]
    part_time: list[str]
    transferred: list[str]  # more than one jobInfo row, all in the past
    future_hires: list[str]
    future_hires_within_5_business_days: list[str]
    on_leave: list[str]
    leave_with_return_row: list[str]  # future-dated row back (customLeaveReturnDate set too)
    leave_with_return_field: list[str]  # only customLeaveReturnDate, no return row
    leave_ending_in_termination: list[str]  # future-dated Terminated row after the leave
    terminated: list[str]  # Terminated row dated on or before today
    future_terminations: list[str]  # Terminated row dated after today
    rehires: list[str]
    # Okta population
    accounts: dict[str, str]  # employee id -> login, for every account planted for a person
    linked: list[str]  # employee ids whose account carries their bambooHrId
    by_employee_number: list[str]  # no bambooHrId, matching employeeNumber
    email_only: list[EmailOnlyMatch]
    ambiguous: list[AmbiguousMatch]
    orphaned: list[str]  # logins: ACTIVE accounts of people with no HR record
    terminated_but_active: list[str]  # employee ids: terminated in HR, account still ACTIVE
    missing_accounts: list[str]  # employee ids: current, no Okta account at all
    pending_activation: list[str]  # employee ids: started, account still STAGED/PROVISIONED
    leave_not_suspended: list[str]  # employee ids: on leave, account still ACTIVE
    rehire_deprovisioned: list[str]  # employee ids: rehired, account DEPROVISIONED
    service_accounts: list[str]  # logins, members of "Okta Administrators", no HR record
    protected: list[str]  # logins in "IT Break Glass"
    misaligned_groups: list[MisalignedGroups]
    stale_profiles: list[str]  # employee ids whose Okta department/title predate a transfer


class Company(_Model):
    seed: int
    today: date
    domain: str
    departments: list[Department]
    locations: list[Location]
    custom_fields: list[CustomField]
    employment_statuses: list[str]
    termination_types: list[str]
    employees: list[Employee]
    okta_users: list[OktaUser]
    okta_groups: list[OktaGroup]
    expectations: Expectations

    def employee(self, employee_id: str) -> Employee:
        for emp in self.employees:
            if emp.id == employee_id:
                return emp
        raise KeyError(employee_id)

    def employees_by_id(self) -> dict[str, Employee]:
        return {emp.id: emp for emp in self.employees}

    def okta_user(self, login: str) -> OktaUser:
        wanted = login.lower()
        for user in self.okta_users:
            if user.login.lower() == wanted:
                return user
        raise KeyError(login)

    def group(self, name: str) -> OktaGroup:
        for grp in self.okta_groups:
            if grp.name == name:
                return grp
        raise KeyError(name)

    def groups_of(self, login: str) -> list[str]:
        """Names of the groups `login` is a member of (managed and unmanaged), sorted."""
        wanted = login.lower()
        return sorted(
            g.name for g in self.okta_groups if any(m.lower() == wanted for m in g.members)
        )
