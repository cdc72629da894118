"""Turning BambooHR's JSON into our models, and refusing nonsense with `BadHrData`.

BambooHR writes every value as text: an empty value is `""` (or `null`), an empty date is
`"0000-00-00"`; both become None here. Dates must be `YYYY-MM-DD`, instants ISO-8601 (`Z`,
`+00:00`, `+0000`; a naive instant is UTC). A work email that is present must look like an
address; a *missing* one is not an error here (the policy sends it to review with its own
reason). Employment status values are checked only against a known list, when one is given.
Every error names the employee and the field, so HR knows what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, cast

from pydantic import ValidationError

from integrations.bamboohr.errors import BadHrData, BambooHRUnexpectedResponse
from integrations.bamboohr.fields import (
    DATE_FIELDS,
    EMAIL_FIELDS,
    INSTANT_FIELDS,
    STANDARD_FIELDS,
    extra_fields,
)
from lifecycle.models.hr import EmploymentStatusRow, HrSnapshot, JobInfoRow, ManagerRef

EMPTY_DATE = "0000-00-00"
ChangeAction = Literal["Inserted", "Updated", "Deleted"]
ACTIONS: frozenset[str] = frozenset({"Inserted", "Updated", "Deleted"})

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:?\d{2})?$")
_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")
# Deliberately loose: one @, no spaces, a dot in the domain. Okta validates the rest.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

STATUS_COLUMNS = {
    "id": "id",
    "date": "date",
    "employmentStatus": "employmentStatus",
    "terminationTypeId": "terminationTypeId",
    "terminationReasonId": "terminationReasonId",
    "terminationRehireId": "terminationRehireId",
}
JOB_COLUMNS = {
    "id": "id",
    "date": "date",
    "location": "location",
    "division": "division",
    "department": "department",
    "jobTitle": "jobTitle",
    "reportsTo": "reportsTo",
}


# --- single values ---------------------------------------------------------------------------


def blank(value: Any) -> str | None:
    """BambooHR text -> str, or None for `null`, `""`, whitespace and `0000-00-00`."""
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip() if not isinstance(value, bool) else str(value).lower()
    if not text or text == EMPTY_DATE:
        return None
    return text


def parse_date(employee_id: str, name: str, value: Any) -> date | None:
    text = blank(value)
    if text is None:
        return None
    if not _DATE.match(text):
        raise BadHrData(employee_id, name, "not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadHrData(employee_id, name, "not a valid date") from None


def parse_instant(employee_id: str, name: str, value: Any) -> datetime | None:
    text = blank(value)
    if text is None:
        return None
    if not _INSTANT.match(text):
        raise BadHrData(employee_id, name, "not an ISO-8601 date-time")
    raw = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    raw = _OFFSET_NO_COLON.sub(r"\1:\2", raw)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise BadHrData(employee_id, name, "not a valid date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_email(employee_id: str, name: str, value: Any) -> str | None:
    text = blank(value)
    if text is None:
        return None
    if not _EMAIL.match(text):
        raise BadHrData(employee_id, name, "not an email address")
    return text


def check_status(
    employee_id: str, name: str, value: str | None, known: Collection[str] | None
) -> None:
    if value is None or known is None or value in known:
        return
    raise BadHrData(
        employee_id,
        name,
        f"unknown employment status {value!r} (known: {', '.join(sorted(known))})",
    )


# --- table rows ------------------------------------------------------------------------------


def _row_label(table: str, raw: Mapping[str, Any]) -> str:
    row_id = blank(raw.get("id"))
    return f"{table} row {row_id}" if row_id else f"{table} row"


def parse_status_row(
    employee_id: str, raw: Mapping[str, Any], known_statuses: Collection[str] | None = None
) -> EmploymentStatusRow:
    label = _row_label("employmentStatus", raw)
    day = parse_date(employee_id, "employmentStatus.date", raw.get("date"))
    if day is None:
        raise BadHrData(employee_id, "employmentStatus.date", f"{label} has no date")
    status = blank(raw.get("employmentStatus"))
    if status is None:
        raise BadHrData(employee_id, "employmentStatus", f"{label} has no status")
    check_status(employee_id, "employmentStatus", status, known_statuses)
    data: dict[str, Any] = {alias: blank(raw.get(key)) for key, alias in STATUS_COLUMNS.items()}
    data.update(date=day, employmentStatus=status)
    return _validated(EmploymentStatusRow, data, employee_id, "employmentStatus")


def parse_job_row(employee_id: str, raw: Mapping[str, Any]) -> JobInfoRow:
    label = _row_label("jobInfo", raw)
    day = parse_date(employee_id, "jobInfo.date", raw.get("date"))
    if day is None:
        raise BadHrData(employee_id, "jobInfo.date", f"{label} has no date")
    data: dict[str, Any] = {alias: blank(raw.get(key)) for key, alias in JOB_COLUMNS.items()}
    data["date"] = day
    return _validated(JobInfoRow, data, employee_id, "jobInfo")


def _row_key(row: EmploymentStatusRow | JobInfoRow) -> tuple[date, int, str]:
    # BambooHR row ids grow with entry: on the same date the later entry wins.
    row_id = row.row_id or ""
    return (row.date, int(row_id) if row_id.isdigit() else 0, row_id)


def group_rows_by_employee(rows: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """Rows of `GET /employees/all/tables/{table}` -> employee id -> rows."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if not isinstance(row, dict):
            raise BambooHRUnexpectedResponse("table rows must be JSON objects")
        owner = blank(row.get("employeeId"))
        if owner is None:
            raise BambooHRUnexpectedResponse("a table row of 'all' carries no employeeId")
        out.setdefault(owner, []).append(row)
    return out


# --- the snapshot ----------------------------------------------------------------------------


def parse_manager(supervisor_id: str, raw: Mapping[str, Any] | None) -> ManagerRef:
    """The supervisor as Okta's manager attributes need it; only the id when unknown."""
    if raw is None:
        return ManagerRef(employee_id=supervisor_id)
    email = blank(raw.get("workEmail"))
    return ManagerRef(
        employee_id=supervisor_id,
        employee_number=blank(raw.get("employeeNumber")),
        display_name=blank(raw.get("displayName")) or _name_of(raw),
        # A supervisor's unusable address must not make *this* employee's record bad.
        work_email=email if email and _EMAIL.match(email) else None,
    )


def _name_of(raw: Mapping[str, Any]) -> str | None:
    first = blank(raw.get("preferredName")) or blank(raw.get("firstName"))
    last = blank(raw.get("lastName"))
    return " ".join(p for p in (first, last) if p) or None


def employee_id_of(raw: Any) -> str:
    if not isinstance(raw, Mapping):
        raise BambooHRUnexpectedResponse("an employee record must be a JSON object")
    employee_id = blank(raw.get("id"))
    if employee_id is None:
        raise BambooHRUnexpectedResponse("an employee record carries no id")
    return employee_id


def parse_snapshot(
    raw: Mapping[str, Any],
    *,
    extra: Sequence[str] = (),
    status_rows: Iterable[Mapping[str, Any]] = (),
    job_rows: Iterable[Mapping[str, Any]] = (),
    manager: ManagerRef | None = None,
    fetched_at: datetime | None = None,
    known_statuses: Collection[str] | None = None,
    date_fields: Collection[str] = (),
) -> HrSnapshot:
    """One employee's record (flat `{id, field: value}`) plus their table rows.

    `extra`: the non-standard fields requested, stored in `custom` under the requested name
    (`date_fields` among them are checked as dates and normalised, `0000-00-00` -> None).
    Raises BadHrData naming the employee and the field.
    """
    employee_id = employee_id_of(raw)
    data: dict[str, Any] = {"id": employee_id}
    for name in STANDARD_FIELDS:
        value = raw.get(name)
        if name in DATE_FIELDS:
            data[name] = parse_date(employee_id, name, value)
        elif name in INSTANT_FIELDS:
            data[name] = parse_instant(employee_id, name, value)
        elif name in EMAIL_FIELDS:
            data[name] = parse_email(employee_id, name, value)
        else:
            data[name] = blank(value)
    check_status(
        employee_id, "employmentHistoryStatus", data["employmentHistoryStatus"], known_statuses
    )
    custom: dict[str, str | None] = {}
    for name in extra_fields(extra):
        if name in date_fields:
            day = parse_date(employee_id, name, raw.get(name))
            custom[name] = day.isoformat() if day else None
        else:
            custom[name] = blank(raw.get(name))
    data["custom"] = custom
    data["employment_status_rows"] = sorted(
        (parse_status_row(employee_id, r, known_statuses) for r in status_rows), key=_row_key
    )
    data["job_info_rows"] = sorted((parse_job_row(employee_id, r) for r in job_rows), key=_row_key)
    data["manager"] = manager
    data["fetched_at"] = fetched_at
    return _validated(HrSnapshot, data, employee_id, "record")


def _validated(model: Any, data: dict[str, Any], employee_id: str, default_field: str) -> Any:
    """pydantic as the last word on shape; its complaint becomes BadHrData."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        loc = ".".join(str(p) for p in first["loc"]) or default_field
        raise BadHrData(employee_id, loc, str(first["msg"])) from None


# --- what changed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangedEmployee:
    employee_id: str
    action: ChangeAction
    last_changed: datetime | None = None


@dataclass
class ChangedEmployees:
    """`GET /employees/changed`: the poll cursor (`latest`) and who changed.

    An entry with a malformed value is kept (a change is a hint: the reader re-fetches the
    employee, whose own record decides) and the problem is reported in `problems`.
    """

    latest: datetime | None
    changes: list[ChangedEmployee] = field(default_factory=list)
    problems: list[BadHrData] = field(default_factory=list)


def parse_changed(payload: Any) -> ChangedEmployees:
    if not isinstance(payload, dict):
        raise BambooHRUnexpectedResponse("the changed-employees answer must be a JSON object")
    problems: list[BadHrData] = []
    try:
        latest = parse_instant("*", "latest", payload.get("latest"))
    except BadHrData as exc:
        problems.append(exc)
        latest = None
    employees = payload.get("employees")
    if employees is None:
        employees = {}
    # The documented form is a map keyed by id; some older examples show a list.
    if isinstance(employees, list):
        items = [(None, e) for e in employees]
    elif isinstance(employees, dict):
        items = list(employees.items())
    else:
        raise BambooHRUnexpectedResponse("'employees' must be a map of id to change")
    changes: list[ChangedEmployee] = []
    for key, entry in items:
        if not isinstance(entry, dict):
            raise BambooHRUnexpectedResponse("each changed employee must be a JSON object")
        employee_id = blank(entry.get("id")) or blank(key)
        if employee_id is None:
            raise BambooHRUnexpectedResponse("a changed employee carries no id")
        action_text = blank(entry.get("action")) or ""
        action = action_text.capitalize()
        if action not in ACTIONS:
            problems.append(
                BadHrData(employee_id, "action", f"unknown change action {action_text!r}")
            )
            action = "Updated"
        try:
            last_changed = parse_instant(employee_id, "lastChanged", entry.get("lastChanged"))
        except BadHrData as exc:
            problems.append(exc)
            last_changed = None
        changes.append(ChangedEmployee(employee_id, cast(ChangeAction, action), last_changed))
    changes.sort(key=lambda c: _id_key(c.employee_id))
    return ChangedEmployees(latest=latest, changes=changes, problems=problems)


def _id_key(employee_id: str) -> tuple[int, str]:
    return (int(employee_id) if employee_id.isdigit() else 0, employee_id)
