"""What we know about one employee from BambooHR at one moment (a *snapshot*).

The snapshot carries the effective-dated tables (employmentStatus, jobInfo) including future
rows, so the policy can compute every dated action (start, leave, return, termination) from
one read. Field names follow BambooHR's (camelCase aliases); `custom` holds every other
field the policy asked for, keyed by alias or numeric id as requested.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=False, extra="forbid")


class EmploymentStatusRow(_Model):
    """One row of BambooHR's employmentStatus table; takes effect on `date`."""

    row_id: str | None = Field(default=None, alias="id")
    date: date
    status: str = Field(alias="employmentStatus")
    termination_type: str | None = Field(default=None, alias="terminationTypeId")
    termination_reason: str | None = Field(default=None, alias="terminationReasonId")
    rehire_eligible: str | None = Field(default=None, alias="terminationRehireId")


class JobInfoRow(_Model):
    """One row of BambooHR's jobInfo table; takes effect on `date`."""

    row_id: str | None = Field(default=None, alias="id")
    date: date
    location: str | None = None
    division: str | None = None
    department: str | None = None
    job_title: str | None = Field(default=None, alias="jobTitle")
    reports_to: str | None = Field(default=None, alias="reportsTo")


class ManagerRef(_Model):
    """The employee's supervisor, resolved to what Okta's manager attributes need."""

    employee_id: str = Field(alias="id")
    employee_number: str | None = Field(default=None, alias="employeeNumber")
    display_name: str | None = Field(default=None, alias="displayName")
    work_email: str | None = Field(default=None, alias="workEmail")


class HrSnapshot(_Model):
    employee_id: str = Field(alias="id")
    employee_number: str | None = Field(default=None, alias="employeeNumber")
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    preferred_name: str | None = Field(default=None, alias="preferredName")
    display_name: str | None = Field(default=None, alias="displayName")
    work_email: str | None = Field(default=None, alias="workEmail")
    home_email: str | None = Field(default=None, alias="homeEmail")
    mobile_phone: str | None = Field(default=None, alias="mobilePhone")
    work_phone: str | None = Field(default=None, alias="workPhone")
    department: str | None = None
    division: str | None = None
    location: str | None = None
    job_title: str | None = Field(default=None, alias="jobTitle")
    supervisor_id: str | None = Field(default=None, alias="supervisorEId")
    status: str | None = None  # BambooHR's Active / Inactive
    employment_status: str | None = Field(default=None, alias="employmentHistoryStatus")
    hire_date: date | None = Field(default=None, alias="hireDate")
    original_hire_date: date | None = Field(default=None, alias="originalHireDate")
    termination_date: date | None = Field(default=None, alias="terminationDate")
    last_changed: datetime | None = Field(default=None, alias="lastChanged")

    manager: ManagerRef | None = None
    custom: dict[str, str | None] = Field(default_factory=dict)
    employment_status_rows: list[EmploymentStatusRow] = Field(default_factory=list)
    job_info_rows: list[JobInfoRow] = Field(default_factory=list)

    # Set by the reader, not by BambooHR: when this snapshot was taken, and whether the
    # record is gone (a `Deleted` change), which always goes to human review.
    fetched_at: datetime | None = None
    deleted: bool = False

    def field(self, name: str) -> Any:
        """Any BambooHR field by its API name (`jobTitle`), alias or custom id (`4001`)."""
        if name in self.custom:
            return self.custom[name]
        attr = _ALIAS_TO_ATTR.get(name, name)
        if attr in type(self).model_fields and attr not in _NOT_FIELDS:
            return getattr(self, attr)
        return None

    def field_names(self) -> list[str]:
        return [a for a in _ALIAS_TO_ATTR if a not in _NOT_FIELDS] + list(self.custom)


_NOT_FIELDS = {
    "manager",
    "custom",
    "employment_status_rows",
    "job_info_rows",
    "fetched_at",
    "deleted",
}
_ALIAS_TO_ATTR = {
    (info.alias or name): name
    for name, info in HrSnapshot.model_fields.items()
    if name not in _NOT_FIELDS
}
