"""What the simulated company stores about one employee: plain fields, the effective-dated
table rows, and the change log entries the `changed` endpoints read.

Everything the API shows as "current" (department, status, supervisor...) is *derived* from
these records at read time (see `views.py`), so moving the clock is enough for a future-dated
row to take effect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from simulators.bamboohr.formats import format_date, parse_date

Action = Literal["Inserted", "Updated", "Deleted"]


@dataclass
class JobInfoRow:
    id: str
    date: date
    location: str | None = None
    division: str | None = None
    department: str | None = None
    job_title: str | None = None
    # Stored as the supervisor's internal id; `reportsTo` shows the name as of reading.
    supervisor_eid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": format_date(self.date),
            "location": self.location,
            "division": self.division,
            "department": self.department,
            "jobTitle": self.job_title,
            "supervisorEId": self.supervisor_eid,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobInfoRow:
        return cls(
            id=str(data["id"]),
            date=_required_date(data["date"]),
            location=data.get("location"),
            division=data.get("division"),
            department=data.get("department"),
            job_title=data.get("jobTitle"),
            supervisor_eid=data.get("supervisorEId"),
        )


@dataclass
class EmploymentStatusRow:
    id: str
    date: date
    employment_status: str
    comment: str | None = None
    termination_type: str | None = None
    termination_reason: str | None = None
    termination_rehire: str | None = None
    termination_regrettable: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": format_date(self.date),
            "employmentStatus": self.employment_status,
            "comment": self.comment,
            "terminationTypeId": self.termination_type,
            "terminationReasonId": self.termination_reason,
            "terminationRehireId": self.termination_rehire,
            "terminationRegrettableId": self.termination_regrettable,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmploymentStatusRow:
        return cls(
            id=str(data["id"]),
            date=_required_date(data["date"]),
            employment_status=str(data["employmentStatus"]),
            comment=data.get("comment"),
            termination_type=data.get("terminationTypeId"),
            termination_reason=data.get("terminationReasonId"),
            termination_rehire=data.get("terminationRehireId"),
            termination_regrettable=data.get("terminationRegrettableId"),
        )


@dataclass
class EmployeeRecord:
    id: str
    fields: dict[str, str | None]
    last_changed: datetime
    job_rows: list[JobInfoRow] = field(default_factory=list)
    status_rows: list[EmploymentStatusRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fields": dict(self.fields),
            "lastChanged": self.last_changed.isoformat(),
            "jobInfo": [r.to_dict() for r in self.job_rows],
            "employmentStatus": [r.to_dict() for r in self.status_rows],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmployeeRecord:
        return cls(
            id=str(data["id"]),
            fields=dict(data["fields"]),
            last_changed=datetime.fromisoformat(data["lastChanged"]),
            job_rows=[JobInfoRow.from_dict(r) for r in data.get("jobInfo", [])],
            status_rows=[
                EmploymentStatusRow.from_dict(r) for r in data.get("employmentStatus", [])
            ],
        )


@dataclass(frozen=True)
class ChangeEntry:
    """One line of the company's change log (what `/employees/changed` reads)."""

    employee_id: str
    action: Action
    at: datetime
    what: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "employeeId": self.employee_id,
            "action": self.action,
            "at": self.at.isoformat(),
            "what": list(self.what),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChangeEntry:
        return cls(
            employee_id=str(data["employeeId"]),
            action=data["action"],
            at=datetime.fromisoformat(data["at"]),
            what=tuple(data.get("what", ())),
        )


def _required_date(value: Any) -> date:
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError("a table row needs a date")
    return parsed
