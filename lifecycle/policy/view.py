"""What the HR record says *as of one date*: the fields the mapping and group rules read.

The employmentStatus and jobInfo tables are effective-dated, so an action on 2026-09-01
must see the department of the jobInfo row in effect on that date, not today's. Every other
field (names, phones, custom fields, manager) is the snapshot's current value: BambooHR
keeps no history for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lifecycle.models.hr import HrSnapshot, JobInfoRow
from lifecycle.policy.config import PolicyConfig

# HR field name → JobInfoRow attribute (the jobInfo table's columns).
JOB_FIELDS = {
    "location": "location",
    "division": "division",
    "department": "department",
    "jobTitle": "job_title",
    "reportsTo": "reports_to",
}
STATUS_FIELDS = ("employmentHistoryStatus", "employmentStatus")
ID_FIELDS = ("bambooHrId", "id")
ZONE_FIELD = "timeZone"


def as_text(value: Any) -> str | None:
    """Profile values are text; empty means 'no value'."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def job_row_at(rows: list[JobInfoRow], day: date | None) -> JobInfoRow | None:
    """The row in effect on `day` (latest row dated on or before it).

    Before the first row (a pre-board, or a row entered late) the first row applies: it is
    the job the person is about to start. `rows` must be sorted.
    """
    if not rows:
        return None
    if day is None:
        return None
    current = None
    for row in rows:
        if row.date <= day:
            current = row
    return current or rows[0]


def sorted_job_rows(snapshot: HrSnapshot) -> list[JobInfoRow]:
    return sorted(snapshot.job_info_rows, key=lambda r: r.date)  # stable: entry order on ties


@dataclass(frozen=True)
class HrView:
    snapshot: HrSnapshot
    job: JobInfoRow | None
    status: str | None  # the employment status the mapping and group rules see
    zone: str

    def get(self, name: str) -> str | None:
        if name.startswith("manager."):
            manager = self.snapshot.manager
            if manager is None:
                return None
            attr = {
                "id": "employee_id",
                "employeeNumber": "employee_number",
                "displayName": "display_name",
                "workEmail": "work_email",
            }.get(name.removeprefix("manager."))
            return as_text(getattr(manager, attr)) if attr else None
        if name in STATUS_FIELDS:
            return as_text(self.status)
        if name in ID_FIELDS:
            return as_text(self.snapshot.employee_id)
        if name == ZONE_FIELD:
            return self.zone
        if name in JOB_FIELDS and name not in self.snapshot.custom:
            if self.job is not None:
                value = getattr(self.job, JOB_FIELDS[name])
                if value not in (None, ""):
                    return as_text(value)
            # A row with an empty column (or no table at all) falls back to the current value.
        return as_text(self.snapshot.field(name))


def view_at(
    snapshot: HrSnapshot,
    config: PolicyConfig,
    job_rows: list[JobInfoRow],
    day: date | None,
    status: str | None,
) -> HrView:
    job = job_row_at(job_rows, day)
    location = (job.location if job and job.location else None) or snapshot.location
    return HrView(snapshot, job, status, config.zone_for_location(location))


def zone_on(
    snapshot: HrSnapshot, config: PolicyConfig, job_rows: list[JobInfoRow], day: date | None
) -> str:
    return view_at(snapshot, config, job_rows, day, None).zone
