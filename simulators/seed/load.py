"""Put a generated company into the simulators through their stores' Python APIs.

BambooHR: the store has no per-employee raw insert (its HR actions assign their own ids and
row dates relative to the clock), so the company is merged into the store's persisted state
(`to_dict()` → add records → `load_dict()`): ids, employee numbers and every dated row stay
exactly as generated, and no change events fire (the seed is history, not news). Each
record's `lastChanged` is the last day something about it took effect (never after the
store's now), with a matching change-log entry, as a company with a past would have.

Okta: custom attributes first, then groups, users (back-dated `created`) and memberships,
through `OktaStore.create_group` / `create_user` / `add_member`.

Both loaders refuse a store that already holds any of the company's ids or logins.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from simulators.seed.company import generate_company
from simulators.seed.groups import GroupRule, managed_groups_for
from simulators.seed.models import Company, Employee
from simulators.seed.vocabulary import LEAVE_STATUSES

if TYPE_CHECKING:
    from simulators.bamboohr.store import BambooHRStore
    from simulators.okta.store import OktaStore

OKTA_CUSTOM_ATTRIBUTES = {
    "bambooHrId": ("BambooHR ID", "Immutable BambooHR employee id (identity key)"),
    # Not set by the seed; the example policy writes it (customJobLevel through a lookup).
    "jobLevel": ("Job Level", "Job level from BambooHR"),
}
_STORED_FIELDS = (
    "firstName",
    "lastName",
    "preferredName",
    "employeeNumber",
    "workEmail",
    "homeEmail",
    "mobilePhone",
    "workPhone",
)
_SEED_HOUR = time(9, 0, tzinfo=UTC)  # back-dated instants land on a morning, UTC


class AlreadySeededError(ValueError):
    pass


# -- BambooHR --------------------------------------------------------------------------------


def load_bamboohr(store: BambooHRStore, company: Company) -> None:
    """Add every employee of `company` (with its jobInfo and employmentStatus rows) to
    `store`, keeping ids. The store must not already hold any of these ids."""
    from simulators.bamboohr.fields import FieldDef
    from simulators.bamboohr.records import (
        ChangeEntry,
        EmployeeRecord,
        EmploymentStatusRow,
        JobInfoRow,
    )

    # The company's lists: statuses the store's default list lacks ("Parental Leave").
    for status in company.employment_statuses:
        if status not in store.employment_statuses:
            store.employment_statuses.append(status)
    store.leave_statuses = store.leave_statuses | frozenset(
        s for s in LEAVE_STATUSES if s in company.employment_statuses
    )
    for custom in company.custom_fields:
        if store.catalogue.find(custom.alias) is None:
            store.catalogue.add(FieldDef(custom.id, custom.name, custom.type, custom.alias))

    now = store.now()
    state = store.to_dict()
    taken = {str(e["id"]) for e in state["employees"]}
    clash = taken & {e.id for e in company.employees}
    if clash:
        raise AlreadySeededError(
            f"BambooHR store already has employees {sorted(clash, key=int)[:5]}..."
        )
    counters = state["counters"]
    next_row = int(counters.get("row", 1))

    def row_id() -> str:
        nonlocal next_row
        next_row += 1
        return str(next_row - 1)

    emails = {(e["fields"].get("workEmail") or "").lower() for e in state["employees"]} & {
        e.workEmail.lower() for e in company.employees
    }
    if emails:
        raise AlreadySeededError(f"BambooHR store already uses work emails {sorted(emails)[:5]}")

    for emp in company.employees:
        fields: dict[str, str | None] = {name: getattr(emp, name) for name in _STORED_FIELDS}
        fields["hireDate"] = emp.hireDate.isoformat()
        fields["originalHireDate"] = (
            emp.originalHireDate.isoformat() if emp.originalHireDate else None
        )
        fields.update(emp.custom_fields())
        record = EmployeeRecord(
            id=emp.id,
            fields=fields,
            last_changed=min(now, _last_changed(emp, company.today)),
            job_rows=[
                JobInfoRow(
                    id=row_id(),
                    date=r.date,
                    location=r.location,
                    division=r.division,
                    department=r.department,
                    job_title=r.jobTitle,
                    supervisor_eid=r.reportsTo,
                )
                for r in emp.job_info
            ],
            status_rows=[
                EmploymentStatusRow(
                    id=row_id(),
                    date=r.date,
                    employment_status=r.employmentStatus,
                    comment=r.comment,
                    termination_type=r.terminationTypeId,
                    termination_reason=r.terminationReasonId,
                    termination_rehire=r.terminationRehireId,
                )
                for r in emp.employment_status
            ],
        )
        state["employees"].append(record.to_dict())
        # The change log agrees with lastChanged: `changed?since=` a day before it finds them.
        state["changes"].append(
            ChangeEntry(emp.id, "Inserted", record.last_changed, ("employee",)).to_dict()
        )
    highest = max([int(e["id"]) for e in state["employees"]], default=0)
    counters["employee"] = max(int(counters.get("employee", 1)), highest + 1)
    counters["row"] = next_row
    store.load_dict(state)


def _last_changed(emp: Employee, today: date) -> datetime:
    """The last day something about the employee was entered: the latest dated fact on or
    before `today` (future hires: a week before their start, when the offer was signed)."""
    dates = [r.date for r in emp.job_info] + [r.date for r in emp.employment_status]
    past = [d for d in dates if d <= today]
    day = max(past) if past else today - timedelta(days=7)
    return datetime.combine(day, _SEED_HOUR)


def seed_bamboohr(
    store: BambooHRStore, seed: int = 42, employees: int = 200, today: date | None = None
) -> Company:
    """Generate a company for `today` (default: the store's today) and load it."""
    company = generate_company(seed, employees, today=today or store.today())
    load_bamboohr(store, company)
    return company


# -- Okta ------------------------------------------------------------------------------------


def load_okta(store: OktaStore, company: Company) -> dict[str, str]:
    """Create the company's Okta groups, users and memberships -> login (lowercase) -> id.

    Groups that already exist (by name) are reused; users must not exist yet."""
    for name, (title, description) in OKTA_CUSTOM_ATTRIBUTES.items():
        store.add_schema_attribute(name, "string", title=title, description=description)

    clash = [u.login for u in company.okta_users if store.get_user(u.login) is not None]
    if clash:
        raise AlreadySeededError(f"Okta store already has users {clash[:5]}...")
    now = store.clock.now()

    group_ids: dict[str, str] = {}
    for group in company.okta_groups:
        existing = store.find_group(group.name)
        created = existing or store.create_group(group.name, group.description, group.type)
        group_ids[group.name] = created["id"]

    user_ids: dict[str, str] = {}
    for user in company.okta_users:
        created_at = min(now, datetime.combine(user.created, _SEED_HOUR))
        record: dict[str, Any] = store.create_user(
            dict(user.profile), user.status, created=created_at
        )
        user_ids[user.login.lower()] = record["id"]

    for group in company.okta_groups:
        for login in group.members:
            store.add_member(group_ids[group.name], user_ids[login.lower()])
    return user_ids


def seed_okta(
    store: OktaStore,
    seed: int = 42,
    employees: int = 200,
    today: date | None = None,
    group_rule: GroupRule | None = None,
) -> Company:
    """Generate a company for `today` (default: the store clock's UTC date) and load it;
    `group_rule`: which managed groups accounts get (default: the seed's own reading of the
    example policy)."""
    company = generate_company(
        seed,
        employees,
        today=today or store.clock.now().date(),
        group_rule=group_rule or managed_groups_for,
    )
    load_okta(store, company)
    return company
