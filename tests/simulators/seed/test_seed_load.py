"""Loading a generated company into the simulators' stores, checked through their APIs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from conftest import TODAY, company_for

from simulators.bamboohr.store import RETURN_FROM_LEAVE as SIM_RETURN_FROM_LEAVE
from simulators.bamboohr.store import BambooHRStore
from simulators.common.clock import SimClock
from simulators.okta.store import OktaStore
from simulators.seed import Company, load_bamboohr, load_okta, seed_bamboohr, seed_okta
from simulators.seed.load import AlreadySeededError
from simulators.seed.vocabulary import RETURN_FROM_LEAVE

FIELDS = (
    "firstName", "lastName", "preferredName", "displayName", "employeeNumber", "workEmail",
    "homeEmail", "mobilePhone", "workPhone", "department", "division", "location", "jobTitle",
    "supervisorEId", "hireDate", "originalHireDate", "status", "employmentHistoryStatus",
    "terminationDate", "customJobLevel", "customCostCenter", "customLeaveReturnDate",
)  # fmt: skip


def _clock() -> SimClock:
    clock = SimClock()
    clock.freeze(datetime.combine(TODAY, time(12, 0), tzinfo=UTC))
    return clock


def _as_api(value: object, name: str) -> object:
    if value is None:
        return "0000-00-00" if name.endswith("Date") else None
    return value.isoformat() if hasattr(value, "isoformat") else value


def _check_bamboohr(store: BambooHRStore, company: Company) -> None:
    assert len(store) == len(company.employees)
    assert store.employee_ids() == [e.id for e in company.employees]
    active = [e.id for e in company.employees if e.status == "Active"]
    assert store.directory_ids() == active
    for emp in company.employees:
        got = store.get(emp.id, FIELDS)
        assert got == {"id": emp.id, **{f: _as_api(getattr(emp, f), f) for f in FIELDS}}
        rows = store.table(emp.id, "employmentStatus")
        assert [(r["date"], r["employmentStatus"], r["terminationTypeId"]) for r in rows] == [
            (r.date.isoformat(), r.employmentStatus, r.terminationTypeId)
            for r in emp.employment_status
        ]
        jobs = store.table(emp.id, "jobInfo")
        assert [(r["date"], r["department"], r["jobTitle"]) for r in jobs] == [
            (r.date.isoformat(), r.department, r.jobTitle) for r in emp.job_info
        ]


def _check_okta(store: OktaStore, company: Company, user_ids: dict[str, str]) -> None:
    assert store.user_count() == len(company.okta_users)
    statuses = Counter(u["status"] for u in store.list_users())
    assert statuses == Counter(u.status for u in company.okta_users)
    assert set(store.custom_attributes()) >= {"bambooHrId", "jobLevel"}
    # The built-in Everyone group comes on top of the company's groups.
    assert len(store.list_groups()) == len(company.okta_groups) + 1
    for group in company.okta_groups:
        found = store.find_group(group.name)
        assert found is not None and found["type"] == group.type
        members = set(store.group_member_ids(found["id"]))
        assert members == {user_ids[login.lower()] for login in group.members}
    for user in company.okta_users:
        stored = store.get_user(user.login)
        assert stored is not None and stored["status"] == user.status
        assert stored["profile"].get("bambooHrId") == user.profile.get("bambooHrId")
        assert stored["created"].startswith(user.created.isoformat())


def test_fifty_person_company_loads_into_both_simulators() -> None:
    company = company_for(42, 50)
    bamboohr, okta = BambooHRStore(clock=_clock()), OktaStore(_clock())
    load_bamboohr(bamboohr, company)
    user_ids = load_okta(okta, company)
    _check_bamboohr(bamboohr, company)
    _check_okta(okta, company, user_ids)


def test_full_company_loads_and_the_simulator_sees_the_same_values() -> None:
    company = company_for(42, 200)
    bamboohr, okta = BambooHRStore(clock=_clock()), OktaStore(_clock())
    load_bamboohr(bamboohr, company)
    user_ids = load_okta(okta, company)
    _check_bamboohr(bamboohr, company)
    _check_okta(okta, company, user_ids)
    assert {"Leave of Absence", "Parental Leave"} <= bamboohr.leave_statuses
    assert "Parental Leave" in bamboohr.employment_statuses


def test_seeded_leave_return_is_the_simulators_scheduled_return() -> None:
    assert RETURN_FROM_LEAVE == SIM_RETURN_FROM_LEAVE
    company = company_for(42, 200)
    store = BambooHRStore(clock=_clock())
    load_bamboohr(store, company)
    emp = company.employee(company.expectations.leave_with_return_row[0])
    returns = emp.employment_status[-1].date
    # Terminating during the leave drops the scheduled return, as for one made in the sim.
    store.terminate(emp.id, returns - timedelta(days=1))
    rows = store.table(emp.id, "employmentStatus")
    assert rows[-1]["employmentStatus"] == "Terminated"
    assert all(r["comment"] != RETURN_FROM_LEAVE for r in rows)


def test_loading_twice_is_refused() -> None:
    company = company_for(42, 50)
    bamboohr, okta = BambooHRStore(clock=_clock()), OktaStore(_clock())
    load_bamboohr(bamboohr, company)
    load_okta(okta, company)
    with pytest.raises(AlreadySeededError):
        load_bamboohr(bamboohr, company)
    with pytest.raises(AlreadySeededError):
        load_okta(okta, company)
    assert len(bamboohr) == 50


def test_hr_actions_keep_working_after_seeding() -> None:
    store = BambooHRStore(clock=_clock())
    company = seed_bamboohr(store, 42, 60)
    assert company.today == TODAY
    new_id = store.hire(
        "Velan",
        "Quarford",
        "velan.quarford@acme.example",
        department="IT",
        supervisor_id=company.expectations.ceo,
    )
    assert int(new_id) > max(int(e.id) for e in company.employees)
    assert store.get(new_id, ["status"])["status"] == "Active"


def test_seed_okta_uses_the_store_clock() -> None:
    store = OktaStore(_clock())
    company = seed_okta(store, 42, 60)
    assert company.today == TODAY
    assert store.user_count() == len(company.okta_users)


def test_change_log_agrees_with_last_changed() -> None:
    company = company_for(42, 50)
    store = BambooHRStore(clock=_clock())
    load_bamboohr(store, company)
    now = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)
    assert store.changed_since(now) == {}  # the seed is history: nothing new for a poller
    everything = store.changed_since(datetime(2000, 1, 1, tzinfo=UTC))
    assert set(everything) == {e.id for e in company.employees}
    for eid, (_, last_changed) in everything.items():
        assert last_changed == store.last_changed(eid) <= now
