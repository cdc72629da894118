"""Deriving what the API shows from what is stored, for a given day.

Effective dating: a table row takes effect on its `date` in the company's time zone; the row
"in effect" is the latest one dated on or before today (ties: the later row id wins). Before
an employee's first row takes effect (a future hire) the earliest row is shown, so a future
hire already has a department and an employment status while `status` stays `Inactive`.
`onlyCurrent=false` shows the latest row whatever its date (future-dated values).

`status` (Active/Inactive) is about today whatever `onlyCurrent` says: an employee is Active
once the hire date has come and the employment status in effect is not a terminated one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from simulators.bamboohr.fields import FieldDef
from simulators.bamboohr.formats import format_date, format_instant, parse_date
from simulators.bamboohr.records import EmployeeRecord, EmploymentStatusRow, JobInfoRow

Row = TypeVar("Row", JobInfoRow, EmploymentStatusRow)
Lookup = Callable[[str], EmployeeRecord | None]


def ordered(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r.date, int(r.id)))


def row_in_effect(rows: Sequence[Row], on: date) -> Row | None:
    """The row in effect on `on` (None when no row has taken effect yet)."""
    current = None
    for row in ordered(rows):
        if row.date <= on:
            current = row
    return current


def shown_row(rows: Sequence[Row], as_of: date | None) -> Row | None:
    """The row the API shows: in effect on `as_of`, else the earliest; latest when None."""
    rows_sorted = ordered(rows)
    if not rows_sorted:
        return None
    if as_of is None:
        return rows_sorted[-1]
    return row_in_effect(rows_sorted, as_of) or rows_sorted[0]


def text(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def display_name(record: EmployeeRecord) -> str | None:
    first = text(record.fields.get("preferredName")) or text(record.fields.get("firstName"))
    last = text(record.fields.get("lastName"))
    name = " ".join(p for p in (first, last) if p)
    return name or None


def last_first(record: EmployeeRecord) -> str | None:
    first = text(record.fields.get("firstName"))
    last = text(record.fields.get("lastName"))
    if first and last:
        return f"{last}, {first}"
    return first or last


def is_active(record: EmployeeRecord, today: date, terminated: Collection[str]) -> bool:
    hire = parse_date(record.fields.get("hireDate"))
    if hire is None or hire > today:
        return False
    row = row_in_effect(record.status_rows, today)
    return row is None or row.employment_status not in terminated


class ViewBuilder:
    """Computes field values for employees of one company on one day."""

    def __init__(self, lookup: Lookup, today: date, terminated: Collection[str]) -> None:
        self.lookup = lookup
        self.today = today
        self.terminated = terminated

    def values(
        self, record: EmployeeRecord, fields: Iterable[FieldDef], *, only_current: bool = True
    ) -> dict[str, Any]:
        """alias -> value (str, or None when empty; empty dates are '0000-00-00')."""
        as_of = self.today if only_current else None
        job = shown_row(record.job_rows, as_of)
        status_row = shown_row(record.status_rows, as_of)
        return {f.alias: self.value(record, f, job, status_row) for f in fields}

    def value(
        self,
        record: EmployeeRecord,
        field: FieldDef,
        job: JobInfoRow | None,
        status_row: EmploymentStatusRow | None,
    ) -> str | None:
        alias = field.alias
        if field.source == "stored":
            raw = record.fields.get(alias)
            return format_date(parse_date(raw)) if field.is_date else text(raw)
        if field.source == "jobInfo":
            return self._job_value(alias, job)
        if field.source == "employmentStatus":
            if alias == "employmentHistoryStatus":
                return status_row.employment_status if status_row else None
            if status_row is not None and status_row.employment_status in self.terminated:
                return format_date(status_row.date)
            return format_date(None)
        if alias == "displayName":
            return display_name(record)
        if alias == "bestEmail":
            return text(record.fields.get("workEmail")) or text(record.fields.get("homeEmail"))
        if alias == "status":
            return "Active" if is_active(record, self.today, self.terminated) else "Inactive"
        if alias == "lastChanged":
            return format_instant(record.last_changed)
        raise KeyError(alias)

    def _job_value(self, alias: str, job: JobInfoRow | None) -> str | None:
        if job is None:
            return None
        simple = {
            "department": job.department,
            "division": job.division,
            "location": job.location,
            "jobTitle": job.job_title,
        }
        if alias in simple:
            return text(simple[alias])
        supervisor = self.lookup(job.supervisor_eid) if job.supervisor_eid else None
        if supervisor is None:
            return None
        if alias == "supervisor":
            return last_first(supervisor)
        if alias == "supervisorEId":
            return supervisor.id
        if alias == "supervisorId":
            return text(supervisor.fields.get("employeeNumber"))
        if alias == "supervisorEmail":
            return text(supervisor.fields.get("workEmail"))
        raise KeyError(alias)

    def table_rows(self, record: EmployeeRecord, table: str) -> list[dict[str, Any]]:
        """Rows as `GET /employees/{id}/tables/{table}` shows them (oldest first)."""
        if table == "jobInfo":
            return [self._job_row(record, r) for r in ordered(record.job_rows)]
        if table == "employmentStatus":
            return [self._status_row(record, r) for r in ordered(record.status_rows)]
        raise KeyError(table)

    def _job_row(self, record: EmployeeRecord, row: JobInfoRow) -> dict[str, Any]:
        supervisor = self.lookup(row.supervisor_eid) if row.supervisor_eid else None
        return {
            "id": row.id,
            "employeeId": record.id,
            "date": format_date(row.date),
            "location": text(row.location),
            "division": text(row.division),
            "department": text(row.department),
            "jobTitle": text(row.job_title),
            "reportsTo": display_name(supervisor) if supervisor else None,
        }

    def _status_row(self, record: EmployeeRecord, row: EmploymentStatusRow) -> dict[str, Any]:
        return {
            "id": row.id,
            "employeeId": record.id,
            "date": format_date(row.date),
            "employmentStatus": row.employment_status,
            "comment": row.comment,
            "terminationReasonId": row.termination_reason,
            "terminationTypeId": row.termination_type,
            "terminationRehireId": row.termination_rehire,
            "terminationRegrettableId": row.termination_regrettable,
        }
