"""The simulated company: employees, their effective-dated tables, the change log, and the
HR-admin actions that change them (what an HR admin does in the BambooHR UI).

This is the documented Python API the seed generator and tests use; the `/_sim/hr/...`
endpoints and `admin_client.py` are thin layers over it. Thread-safe: the HTTP server runs on
its own thread while tests call these methods directly.

Every change sets the employee's `lastChanged` to the sim clock's now (whole seconds, UTC),
appends to the change log (Inserted / Updated / Deleted) and tells the listeners which
*current* values changed. A future-dated row changes no current value when it is written; when
the day comes, `sweep_effective_dates()` (run by the simulator's background task) reports the
values that changed then, without touching `lastChanged` (unless configured to).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from simulators.bamboohr.events import ChangeEvent, EventKind
from simulators.bamboohr.fields import TABLE_COLUMNS, FieldCatalogue, FieldDef
from simulators.bamboohr.formats import parse_date, whole_seconds
from simulators.bamboohr.records import (
    Action,
    ChangeEntry,
    EmployeeRecord,
    EmploymentStatusRow,
    JobInfoRow,
)
from simulators.bamboohr.views import ViewBuilder, is_active, ordered, row_in_effect, shown_row
from simulators.common.clock import SimClock

DEFAULT_EMPLOYMENT_STATUSES = (
    "Full-Time",
    "Part-Time",
    "Contractor",
    "Intern",
    "Leave of Absence",
    "Terminated",
)
RETURN_FROM_LEAVE = "Return from leave"
TABLES = tuple(TABLE_COLUMNS)
# A supervisor's values that their reports' records show (supervisor, supervisorId...).
SHOWN_ON_REPORTS = frozenset(
    {"firstName", "lastName", "preferredName", "employeeNumber", "workEmail"}
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Default of optional job arguments: keep the value in effect (None clears it)."""

DateLike = date | str | None
Listener = Callable[[ChangeEvent], None]


class EmployeeNotFoundError(KeyError):
    def __init__(self, employee_id: str) -> None:
        super().__init__(employee_id)
        self.employee_id = employee_id

    def __str__(self) -> str:
        return f"employee {self.employee_id} not found"


class HRActionError(ValueError):
    """An HR action that BambooHR's UI would refuse (unknown status, not on leave, ...)."""


class BambooHRStore:
    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        company: str = "acme",
        company_id: str = "1",
        timezone: str = "UTC",
        catalogue: FieldCatalogue | None = None,
        employment_statuses: Iterable[str] = DEFAULT_EMPLOYMENT_STATUSES,
        terminated_statuses: Iterable[str] = ("Terminated",),
        leave_statuses: Iterable[str] = ("Leave of Absence",),
        leave_return_field: str | None = "customLeaveReturnDate",
        unique_work_email: bool = True,
        effective_dates_touch_last_changed: bool = False,
        api_user_employee_id: str | None = None,
        first_employee_id: int = 1,
    ) -> None:
        self.clock = clock or SimClock()
        # Several simulated companies can share one Temporal server (tests) without their
        # employee ids, and so their workflow ids, colliding.
        self.first_employee_id = first_employee_id
        self.company = company
        self.company_id = company_id
        self.tz = ZoneInfo(timezone)
        self.catalogue = catalogue or FieldCatalogue()
        self.employment_statuses = list(employment_statuses)
        self.terminated_statuses = frozenset(terminated_statuses)
        self.leave_statuses = frozenset(leave_statuses)
        self.leave_return_field = leave_return_field
        self.unique_work_email = unique_work_email
        self.effective_dates_touch_last_changed = effective_dates_touch_last_changed
        self.api_user_employee_id = api_user_employee_id
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._clear()

    def _clear(self) -> None:
        self._employees: dict[str, EmployeeRecord] = {}
        self._emails: dict[str, str] = {}  # lower-case work email -> id
        self._deleted: dict[str, datetime] = {}
        self._changes: list[ChangeEntry] = []
        self._notified: dict[str, dict[str, Any]] = {}
        self._next_employee = self.first_employee_id
        self._next_number = 1001
        self._next_row = 1
        self._swept = self.today()

    # --- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        """The sim clock's now in UTC, whole seconds (BambooHR's `lastChanged` precision)."""
        return whole_seconds(self.clock.now())

    def today(self) -> date:
        """Today in the company's time zone: decides which dated rows are in effect."""
        return self.clock.now().astimezone(self.tz).date()

    # --- listeners -------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(event)` after every change (under the store lock: keep it quick)."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    # --- reading ---------------------------------------------------------------------------
    def builder(self) -> ViewBuilder:
        return ViewBuilder(self._employees.get, self.today(), self.terminated_statuses)

    def employee_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._employees, key=int)

    def exists(self, employee_id: str) -> bool:
        with self._lock:
            return str(employee_id) in self._employees

    def __len__(self) -> int:
        return len(self._employees)

    def resolve_id(self, employee_id: str) -> str:
        """`0` means the API key's own employee (when configured)."""
        if str(employee_id) == "0" and self.api_user_employee_id is not None:
            return self.api_user_employee_id
        return str(employee_id)

    def _record(self, employee_id: str) -> EmployeeRecord:
        record = self._employees.get(str(employee_id))
        if record is None:
            raise EmployeeNotFoundError(str(employee_id))
        return record

    def get(
        self, employee_id: str, fields: Iterable[str] | None = None, *, only_current: bool = True
    ) -> dict[str, Any]:
        """`{id, <name>: value...}` as `GET /employees/{id}` answers; unknown names are left out.

        Names may be aliases or numeric ids; each value is keyed by the name as given.
        Without `fields`, every field in the catalogue.
        """
        with self._lock:
            record = self._record(self.resolve_id(employee_id))
            wanted = self.known_fields(fields)
            values = self.builder().values(
                record, [f for _, f in wanted], only_current=only_current
            )
            return {"id": record.id, **{name: values[f.alias] for name, f in wanted}}

    def known_fields(self, names: Iterable[str] | None) -> list[tuple[str, FieldDef]]:
        """(requested name, field) for each name the catalogue knows, first occurrence only."""
        if names is None:
            return [(f.alias, f) for f in self.catalogue]
        out: list[tuple[str, FieldDef]] = []
        seen: set[str] = set()
        for raw in names:
            name = raw.strip()
            if not name or name in seen or name == "id":
                continue
            field = self.catalogue.find(name)
            if field is not None:
                seen.add(name)
                out.append((name, field))
        return out

    def values_for_all(
        self,
        fields: Iterable[str] | None = None,
        *,
        only_current: bool = True,
        include: Callable[[EmployeeRecord], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """`get()` for every employee (ordered by id), optionally filtered by record."""
        with self._lock:
            wanted = self.known_fields(fields)
            builder = self.builder()
            out = []
            for eid in sorted(self._employees, key=int):
                record = self._employees[eid]
                if include is not None and not include(record):
                    continue
                values = builder.values(record, [f for _, f in wanted], only_current=only_current)
                out.append({"id": eid, **{name: values[f.alias] for name, f in wanted}})
            return out

    def is_active(self, employee_id: str, *, only_current: bool = True) -> bool:
        """Active today; with only_current=False also an employee who will be (future hire)."""
        with self._lock:
            record = self._record(employee_id)
            if is_active(record, self.today(), self.terminated_statuses):
                return True
            if only_current:
                return False
            latest = shown_row(record.status_rows, None)
            return latest is None or latest.employment_status not in self.terminated_statuses

    def directory_ids(self, *, only_current: bool = True) -> list[str]:
        with self._lock:
            return [e for e in self.employee_ids() if self.is_active(e, only_current=only_current)]

    def table(self, employee_id: str, table: str) -> list[dict[str, Any]]:
        """Rows of one employee's table (`all`: every employee's), as the API shows them."""
        if table not in TABLES:
            raise KeyError(table)
        with self._lock:
            builder = self.builder()
            if employee_id == "all":
                return [
                    row
                    for eid in self.employee_ids()
                    for row in builder.table_rows(self._employees[eid], table)
                ]
            return builder.table_rows(self._record(self.resolve_id(employee_id)), table)

    def last_changed(self, employee_id: str) -> datetime:
        with self._lock:
            if employee_id in self._deleted:
                return self._deleted[employee_id]
            return self._record(employee_id).last_changed

    def changed_since(self, since: datetime) -> dict[str, tuple[Action, datetime]]:
        """id -> (action, lastChanged) for employees changed at or after `since`.

        Deleted wins; otherwise Inserted when the employee was created in the window.
        `since` is inclusive because `lastChanged` has whole-second precision: a change in
        the same second as a poll must be found by the next poll.
        """
        with self._lock:
            actions: dict[str, set[str]] = {}
            for entry in self._changes:
                if entry.at >= since:
                    actions.setdefault(entry.employee_id, set()).add(entry.action)
            out: dict[str, tuple[Action, datetime]] = {}
            for eid, seen in actions.items():
                if eid in self._deleted:
                    if eid not in self._employees:
                        out[eid] = ("Deleted", self._deleted[eid])
                    continue
                action: Action = "Inserted" if "Inserted" in seen else "Updated"
                out[eid] = (action, self._employees[eid].last_changed)
            return out

    def change_log(self) -> list[dict[str, Any]]:
        with self._lock:
            return [c.to_dict() for c in self._changes]

    def record(self, employee_id: str) -> dict[str, Any]:
        """Everything about one employee (admin `show`): current and latest values, rows."""
        with self._lock:
            record = self._record(employee_id)
            return {
                "id": record.id,
                "current": self.get(employee_id),
                "latest": self.get(employee_id, only_current=False),
                "tables": {t: self.table(employee_id, t) for t in TABLES},
                "today": self.today().isoformat(),
            }

    # --- HR-admin actions ------------------------------------------------------------------
    def hire(
        self,
        first_name: str,
        last_name: str,
        work_email: str | None = None,
        *,
        department: str | None = None,
        division: str | None = None,
        location: str | None = None,
        job_title: str | None = None,
        supervisor_id: str | None = None,
        hire_date: DateLike = None,
        employment_status: str = "Full-Time",
        employee_number: str | None = None,
        preferred_name: str | None = None,
        home_email: str | None = None,
        mobile_phone: str | None = None,
        work_phone: str | None = None,
        fields: Mapping[str, str | None] | None = None,
    ) -> str:
        """A new employee (hire date may be in the future: `Inactive` until then) -> id."""
        with self._lock:
            start = self._date(hire_date)
            self._check_status(employment_status, allow_terminated=False)
            if supervisor_id is not None:
                self._record(str(supervisor_id))
            self._check_email(work_email, None)
            eid = str(self._next_employee)
            self._next_employee += 1
            if employee_number is None:
                employee_number = str(self._next_number)
                self._next_number += 1
            stored: dict[str, str | None] = {
                "firstName": first_name,
                "lastName": last_name,
                "preferredName": preferred_name,
                "employeeNumber": employee_number,
                "workEmail": work_email,
                "homeEmail": home_email,
                "mobilePhone": mobile_phone,
                "workPhone": work_phone,
                "hireDate": start.isoformat(),
                "originalHireDate": None,
            }
            for name, value in (fields or {}).items():
                field = self._stored_field(name)
                stored[field.alias] = self._normalise(field, value)
            record = EmployeeRecord(id=eid, fields=stored, last_changed=self.now())
            record.job_rows.append(
                JobInfoRow(
                    id=self._row_id(),
                    date=start,
                    location=location,
                    division=division,
                    department=department,
                    job_title=job_title,
                    supervisor_eid=str(supervisor_id) if supervisor_id is not None else None,
                )
            )
            record.status_rows.append(
                EmploymentStatusRow(
                    id=self._row_id(), date=start, employment_status=employment_status
                )
            )
            self._employees[eid] = record
            self._index_email(record)
            self._touch(record, "Inserted", ("employee",))
            self._notify(record, "created", TABLES)
            return eid

    def update_fields(self, employee_id: str, values: Mapping[str, str | None]) -> None:
        """Edit plain fields (by alias or id). Job fields (department, division, location,
        jobTitle, supervisorEId) become a jobInfo row effective today, as BambooHR does when
        such a field is edited directly; derived fields are refused."""
        with self._lock:
            record = self._record(employee_id)
            job_changes: dict[str, Any] = {}
            plain: dict[str, str | None] = {}
            job_keys = {
                "department": "department",
                "division": "division",
                "location": "location",
                "jobTitle": "job_title",
                "supervisorEId": "supervisor_id",
            }
            for name, value in values.items():
                field = self.catalogue.resolve(name)
                if field.alias in job_keys:
                    job_changes[job_keys[field.alias]] = value
                elif field.source == "stored":
                    plain[field.alias] = self._normalise(field, value)
                else:
                    raise HRActionError(
                        f"{field.alias} cannot be edited directly"
                        + (
                            " (use start_leave/end_leave/terminate/rehire)"
                            if field.source == "employmentStatus"
                            else ""
                        )
                    )
            if "workEmail" in plain:
                self._check_email(plain["workEmail"], record.id)
            if not plain and not job_changes:
                return
            if plain:
                old_email = record.fields.get("workEmail")
                record.fields.update(plain)
                self._index_email(record, old_email)
            if job_changes:
                self._add_job_row(record, self.today(), **job_changes)
            what = tuple(plain) + (("jobInfo",) if job_changes else ())
            self._touch(record, "Updated", what)
            self._notify(record, "updated", ("jobInfo",) if job_changes else ())
            if set(plain) & SHOWN_ON_REPORTS:
                self._notify_reports_of(record.id)

    def change_job(
        self,
        employee_id: str,
        effective_date: DateLike = None,
        *,
        department: str | None = UNSET,
        division: str | None = UNSET,
        location: str | None = UNSET,
        job_title: str | None = UNSET,
        supervisor_id: str | None = UNSET,
    ) -> str:
        """Add a jobInfo row (dated, may be future); omitted values are carried over -> row id."""
        with self._lock:
            record = self._record(employee_id)
            row = self._add_job_row(
                record,
                self._date(effective_date),
                department=department,
                division=division,
                location=location,
                job_title=job_title,
                supervisor_id=supervisor_id,
            )
            self._touch(record, "Updated", ("jobInfo",))
            self._notify(record, "updated", ("jobInfo",))
            return row.id

    def start_leave(
        self,
        employee_id: str,
        start_date: DateLike = None,
        *,
        status: str = "Leave of Absence",
        return_date: DateLike = None,
        return_status: str | None = None,
    ) -> list[str]:
        """An employmentStatus row for the leave; with `return_date` also a future-dated row
        back to the status before the leave (and the leave-return custom field, if the
        company has one) -> ids of the rows added."""
        with self._lock:
            record = self._record(employee_id)
            start = self._date(start_date)
            self._check_status(status, allow_terminated=False)
            back = return_status or self._status_before(record, start)
            self._check_status(back, allow_terminated=False)
            added = [self._add_status_row(record, start, status).id]
            changed: tuple[str, ...] = ("employmentStatus",)
            if return_date is not None:
                end = self._date(return_date)
                if end <= start:
                    raise HRActionError("the return date must be after the leave starts")
                added.append(self._add_status_row(record, end, back, comment=RETURN_FROM_LEAVE).id)
                field = self._leave_field()
                if field is not None:
                    record.fields[field] = end.isoformat()
                    changed += (field,)
            self._touch(record, "Updated", changed)
            self._notify(record, "updated", ("employmentStatus",))
            return added

    def end_leave(
        self, employee_id: str, end_date: DateLike = None, *, status: str | None = None
    ) -> str:
        """Back from leave on `end_date` (the status before the leave unless given); a pending
        scheduled return row after that date is removed -> id of the row added."""
        with self._lock:
            record = self._record(employee_id)
            end = self._date(end_date)
            current = row_in_effect(record.status_rows, end) or shown_row(record.status_rows, end)
            if current is None or current.employment_status not in self.leave_statuses:
                raise HRActionError(f"employee {record.id} is not on leave on {end.isoformat()}")
            back = status or self._status_before(record, current.date)
            self._check_status(back, allow_terminated=False)
            record.status_rows = [
                r
                for r in record.status_rows
                if not (r.comment == RETURN_FROM_LEAVE and r.date > end)
            ]
            row = self._add_status_row(record, end, back)
            changed: tuple[str, ...] = ("employmentStatus",)
            field = self._leave_field()
            if field is not None and record.fields.get(field):
                record.fields[field] = None
                changed += (field,)
            self._touch(record, "Updated", changed)
            self._notify(record, "updated", ("employmentStatus",))
            return row.id

    def move_start(self, employee_id: str, new_start: DateLike) -> None:
        """Move a not-yet-started hire to another start date: the HR admin edits the hire
        date, and the first employmentStatus and jobInfo rows move with it."""
        with self._lock:
            record = self._record(employee_id)
            when = self._date(new_start)
            old = parse_date(record.fields.get("hireDate"))
            if old is None or old <= self.today():
                raise HRActionError(f"employee {record.id} has already started")
            for rows in (record.status_rows, record.job_rows):
                for row in rows:
                    if row.date == old:
                        row.date = when
            record.fields["hireDate"] = when.isoformat()
            self._touch(record, "Updated", ("hireDate", "employmentStatus", "jobInfo"))
            self._notify(record, "updated", TABLES)

    def terminate(
        self,
        employee_id: str,
        termination_date: DateLike = None,
        *,
        termination_type: str = "Voluntary",
        reason: str = "Resignation",
        rehire_eligible: str | None = "Yes",
        regrettable: str | None = None,
        comment: str | None = None,
        status: str = "Terminated",
    ) -> str:
        """A Terminated employmentStatus row (dated, may be future); a scheduled return from
        leave after that date is dropped -> row id."""
        with self._lock:
            record = self._record(employee_id)
            when = self._date(termination_date)
            if status not in self.terminated_statuses:
                raise HRActionError(f"{status!r} is not a terminated status")
            current = row_in_effect(record.status_rows, when)
            if current is not None and current.employment_status in self.terminated_statuses:
                raise HRActionError(f"employee {record.id} is already terminated on {when}")
            record.status_rows = [
                r
                for r in record.status_rows
                if not (r.comment == RETURN_FROM_LEAVE and r.date > when)
            ]
            row = self._add_status_row(
                record,
                when,
                status,
                comment=comment,
                termination_type=termination_type,
                termination_reason=reason,
                termination_rehire=rehire_eligible,
                termination_regrettable=regrettable,
            )
            self._touch(record, "Updated", ("employmentStatus",))
            self._notify(record, "updated", ("employmentStatus",))
            return row.id

    def delete_status_row(self, employee_id: str, row_id: str) -> None:
        """An HR admin deletes an employmentStatus row (e.g. withdraws a termination that was
        entered by mistake or rescinded by agreement)."""
        with self._lock:
            record = self._record(employee_id)
            kept = [r for r in record.status_rows if r.id != row_id]
            if len(kept) == len(record.status_rows):
                raise HRActionError(f"employee {record.id} has no employmentStatus row {row_id}")
            record.status_rows = kept
            self._touch(record, "Updated", ("employmentStatus",))
            self._notify(record, "updated", ("employmentStatus",))

    def rehire(
        self,
        employee_id: str,
        rehire_date: DateLike = None,
        *,
        employment_status: str = "Full-Time",
        department: str | None = UNSET,
        division: str | None = UNSET,
        location: str | None = UNSET,
        job_title: str | None = UNSET,
        supervisor_id: str | None = UNSET,
    ) -> None:
        """Re-employ a terminated employee: a new active status row and jobInfo row on the
        rehire date; the old hire date moves to originalHireDate (unless already set) and
        hireDate becomes the rehire date, as BambooHR documents."""
        with self._lock:
            record = self._record(employee_id)
            when = self._date(rehire_date)
            self._check_status(employment_status, allow_terminated=False)
            latest = shown_row(record.status_rows, None)
            if latest is None or latest.employment_status not in self.terminated_statuses:
                raise HRActionError(f"employee {record.id} is not terminated")
            if when <= latest.date:
                raise HRActionError("the rehire date must be after the termination date")
            if not record.fields.get("originalHireDate"):
                record.fields["originalHireDate"] = record.fields.get("hireDate")
            record.fields["hireDate"] = when.isoformat()
            self._add_status_row(record, when, employment_status)
            self._add_job_row(
                record,
                when,
                department=department,
                division=division,
                location=location,
                job_title=job_title,
                supervisor_id=supervisor_id,
            )
            self._touch(
                record, "Updated", ("hireDate", "originalHireDate", "employmentStatus", "jobInfo")
            )
            self._notify(record, "updated", TABLES)

    def delete(self, employee_id: str) -> None:
        """Remove the employee (a `Deleted` change; the record is gone from every read)."""
        with self._lock:
            record = self._record(employee_id)
            values = self._current(record)
            del self._employees[record.id]
            email = (record.fields.get("workEmail") or "").strip().lower()
            if self._emails.get(email) == record.id:
                del self._emails[email]
            self._notified.pop(record.id, None)
            at = self.now()
            self._deleted[record.id] = at
            self._changes.append(ChangeEntry(record.id, "Deleted", at, ("employee",)))
            self._emit(ChangeEvent("deleted", record.id, at, (), (), values))

    # --- effective dates -------------------------------------------------------------------
    def sweep_effective_dates(self, *, force: bool = False) -> int:
        """Report values that changed because the day changed (dated rows taking effect, a
        future hire starting) -> number of employees affected. Cheap when the day is the same."""
        with self._lock:
            today = self.today()
            if today == self._swept and not force:
                return 0
            self._swept = today
            count = 0
            for eid in self.employee_ids():
                record = self._employees[eid]
                before = self._notified.get(eid, {})
                after = self._current(record)
                changed = tuple(k for k, v in after.items() if before.get(k) != v)
                if not changed:
                    continue
                count += 1
                if self.effective_dates_touch_last_changed:
                    self._touch(record, "Updated", ("effective", *changed))
                    after = self._current(record)
                self._notified[eid] = after
                self._emit(
                    ChangeEvent("updated", eid, self.now(), changed, (), after, effective=True)
                )
            return count

    # --- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self._clear()

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "version": 1,
                "company": self.company,
                "counters": {
                    "employee": self._next_employee,
                    "number": self._next_number,
                    "row": self._next_row,
                },
                "employees": [self._employees[e].to_dict() for e in self.employee_ids()],
                "deleted": {k: v.isoformat() for k, v in self._deleted.items()},
                "changes": [c.to_dict() for c in self._changes],
            }

    def load_dict(self, data: Mapping[str, Any]) -> None:
        """Replace the whole state (no events: listeners start from the loaded state)."""
        with self._lock:
            self._clear()
            counters = data.get("counters", {})
            self._next_employee = int(counters.get("employee", 1))
            self._next_number = int(counters.get("number", 1001))
            self._next_row = int(counters.get("row", 1))
            for item in data.get("employees", []):
                record = EmployeeRecord.from_dict(item)
                self._employees[record.id] = record
                self._index_email(record)
            self._deleted = {
                k: datetime.fromisoformat(v) for k, v in data.get("deleted", {}).items()
            }
            self._changes = [ChangeEntry.from_dict(c) for c in data.get("changes", [])]
            for record in self._employees.values():
                self._notified[record.id] = self._current(record)

    # --- internals -------------------------------------------------------------------------
    def _date(self, value: DateLike) -> date:
        try:
            parsed = parse_date(value)
        except ValueError as exc:
            raise HRActionError(f"not a date (YYYY-MM-DD): {value!r}") from exc
        return parsed if parsed is not None else self.today()

    def _row_id(self) -> str:
        row_id = str(self._next_row)
        self._next_row += 1
        return row_id

    def _check_status(self, status: str, *, allow_terminated: bool) -> None:
        if status not in self.employment_statuses:
            raise HRActionError(
                f"unknown employment status {status!r} "
                f"(known: {', '.join(self.employment_statuses)})"
            )
        if not allow_terminated and status in self.terminated_statuses:
            raise HRActionError(f"{status!r} is a terminated status: use terminate()")

    def _check_email(self, email: str | None, own_id: str | None) -> None:
        if not self.unique_work_email or not email:
            return
        owner = self._emails.get(email.strip().lower())
        if owner is not None and owner != own_id and owner in self._employees:
            raise HRActionError(f"work email {email!r} is already used by employee {owner}")

    def _index_email(self, record: EmployeeRecord, old: str | None = None) -> None:
        if old and self._emails.get(old.strip().lower()) == record.id:
            del self._emails[old.strip().lower()]
        email = record.fields.get("workEmail")
        if email:
            self._emails[email.strip().lower()] = record.id

    def _stored_field(self, name: str) -> FieldDef:
        field = self.catalogue.resolve(name)
        if field.source != "stored":
            raise HRActionError(f"{field.alias} is not a plain field")
        return field

    def _normalise(self, field: FieldDef, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if field.is_date:
            parsed = self._date(value)
            return parsed.isoformat()
        return str(value)

    def _leave_field(self) -> str | None:
        if self.leave_return_field is None:
            return None
        field = self.catalogue.find(self.leave_return_field)
        return field.alias if field is not None and field.source == "stored" else None

    def _status_before(self, record: EmployeeRecord, day: date) -> str:
        """The last non-leave, non-terminated status dated before `day` (default Full-Time)."""
        for row in reversed(ordered(record.status_rows)):
            if row.date >= day:
                continue
            if row.employment_status in self.leave_statuses | self.terminated_statuses:
                continue
            return row.employment_status
        return "Full-Time"

    def _add_status_row(
        self, record: EmployeeRecord, day: date, status: str, **extra: str | None
    ) -> EmploymentStatusRow:
        row = EmploymentStatusRow(id=self._row_id(), date=day, employment_status=status, **extra)
        record.status_rows.append(row)
        return row

    def _add_job_row(
        self,
        record: EmployeeRecord,
        day: date,
        *,
        department: str | None = UNSET,
        division: str | None = UNSET,
        location: str | None = UNSET,
        job_title: str | None = UNSET,
        supervisor_id: str | None = UNSET,
    ) -> JobInfoRow:
        base = row_in_effect(record.job_rows, day) or shown_row(record.job_rows, day)
        if supervisor_id is not UNSET and supervisor_id is not None:
            supervisor_id = str(supervisor_id)
            if supervisor_id == record.id:
                raise HRActionError("an employee cannot report to themselves")
            self._record(supervisor_id)

        def pick(new: Any, old: str | None) -> str | None:
            return old if new is UNSET else new

        row = JobInfoRow(
            id=self._row_id(),
            date=day,
            location=pick(location, base.location if base else None),
            division=pick(division, base.division if base else None),
            department=pick(department, base.department if base else None),
            job_title=pick(job_title, base.job_title if base else None),
            supervisor_eid=pick(supervisor_id, base.supervisor_eid if base else None),
        )
        record.job_rows.append(row)
        return row

    def _touch(self, record: EmployeeRecord, action: Action, what: tuple[str, ...]) -> None:
        record.last_changed = self.now()
        self._changes.append(ChangeEntry(record.id, action, record.last_changed, what))

    def _current(self, record: EmployeeRecord) -> dict[str, Any]:
        fields = [f for f in self.catalogue if f.alias != "lastChanged"]
        values = self.builder().values(record, fields)
        values["lastChanged"] = self.builder().value(
            record, self.catalogue.resolve("lastChanged"), None, None
        )
        return values

    def _notify(self, record: EmployeeRecord, kind: EventKind, tables: tuple[str, ...]) -> None:
        before = self._notified.get(record.id, {})
        after = self._current(record)
        self._notified[record.id] = after
        if kind == "created":
            changed = tuple(
                k for k, v in after.items() if k != "lastChanged" and v not in (None, "0000-00-00")
            )
        else:
            changed = tuple(
                k for k, v in after.items() if k != "lastChanged" and before.get(k) != v
            )
        self._emit(ChangeEvent(kind, record.id, record.last_changed, changed, tables, after))

    def _notify_reports_of(self, supervisor_id: str) -> None:
        """A supervisor's name or email shows on their reports: tell about those too."""
        for eid in self.employee_ids():
            record = self._employees[eid]
            job = shown_row(record.job_rows, self.today())
            if job is None or job.supervisor_eid != supervisor_id:
                continue
            before = self._notified.get(eid, {})
            after = self._current(record)
            changed = tuple(k for k, v in after.items() if before.get(k) != v)
            self._notified[eid] = after
            if changed:
                self._emit(ChangeEvent("updated", eid, self.now(), changed, (), after))

    def _emit(self, event: ChangeEvent) -> None:
        for listener in list(self._listeners):
            listener(event)
