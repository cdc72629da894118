"""Effective dating: future-dated rows are not current until the sim clock reaches their date
(in the company's time zone); `onlyCurrent=false` shows them; a future hire is Inactive and
absent from the directory until the hire date."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from bamboohr_testdata import START, Company

from simulators.bamboohr import BambooHRSimulator
from simulators.common.clock import SimClock

DAY = 86400


def fields(api: httpx.Client, eid: str, names: str, only_current: bool = True) -> dict:
    params = {"fields": names}
    if not only_current:
        params["onlyCurrent"] = "false"
    r = api.get(f"/api/v1/employees/{eid}", params=params)
    assert r.status_code == 200
    return r.json()


def test_future_job_change_takes_effect_on_its_date(
    api: httpx.Client, sim: BambooHRSimulator, clock: SimClock, company: Company
) -> None:
    sim.store.change_job(
        company.dev,
        "2025-03-10",
        department="Research",
        job_title="Staff Engineer",
        supervisor_id=company.ceo,
    )
    names = "department,jobTitle,supervisorEId,supervisor"
    assert fields(api, company.dev, names) == {
        "id": company.dev,
        "department": "Engineering",
        "jobTitle": "Software Engineer",
        "supervisorEId": company.manager,
        "supervisor": "Turing, Alan",
    }
    assert fields(api, company.dev, names, only_current=False) == {
        "id": company.dev,
        "department": "Research",
        "jobTitle": "Staff Engineer",
        "supervisorEId": company.ceo,
        "supervisor": "Hopper, Grace",
    }
    clock.advance(6 * DAY)  # 2025-03-09: still the day before
    assert fields(api, company.dev, "department")["department"] == "Engineering"
    clock.advance(DAY)  # 2025-03-10
    assert fields(api, company.dev, "department")["department"] == "Research"
    rows = api.get(f"/api/v1/employees/{company.dev}/tables/jobInfo").json()
    assert [(r["date"], r["department"], r["reportsTo"]) for r in rows] == [
        ("2021-06-01", "Engineering", "Alan Turing"),
        ("2025-03-10", "Research", "Grace Hopper"),
    ]


def test_future_hire_is_inactive_until_the_hire_date(
    api: httpx.Client, sim: BambooHRSimulator, clock: SimClock, company: Company
) -> None:
    eid = sim.store.hire(
        "Katherine",
        "Johnson",
        "katherine.johnson@acme.test",
        department="Engineering",
        job_title="Analyst",
        supervisor_id=company.manager,
        hire_date="2025-03-17",
    )
    names = "status,hireDate,department,employmentHistoryStatus"
    assert fields(api, eid, names) == {
        "id": eid,
        "status": "Inactive",
        "hireDate": "2025-03-17",
        # Before any row takes effect the earliest row shows: pre-boarding needs the job.
        "department": "Engineering",
        "employmentHistoryStatus": "Full-Time",
    }
    directory = api.get("/api/v1/employees/directory").json()["employees"]
    assert eid not in [e["id"] for e in directory]
    upcoming = api.get("/api/v1/employees/directory", params={"onlyCurrent": "false"}).json()
    assert eid in [e["id"] for e in upcoming["employees"]]
    clock.advance(14 * DAY)  # 2025-03-17
    assert fields(api, eid, "status")["status"] == "Active"
    directory = api.get("/api/v1/employees/directory").json()["employees"]
    assert eid in [e["id"] for e in directory]


def test_future_termination_keeps_the_employee_active_until_then(
    api: httpx.Client, sim: BambooHRSimulator, clock: SimClock, company: Company
) -> None:
    sim.store.terminate(
        company.dev, "2025-03-14", termination_type="Involuntary", reason="Restructuring"
    )
    names = "status,employmentHistoryStatus,terminationDate"
    assert fields(api, company.dev, names) == {
        "id": company.dev,
        "status": "Active",
        "employmentHistoryStatus": "Full-Time",
        "terminationDate": "0000-00-00",
    }
    assert fields(api, company.dev, names, only_current=False) == {
        "id": company.dev,
        "status": "Active",  # status is about today whatever onlyCurrent says
        "employmentHistoryStatus": "Terminated",
        "terminationDate": "2025-03-14",
    }
    rows = api.get(f"/api/v1/employees/{company.dev}/tables/employmentStatus").json()
    assert rows[-1] | {"id": "-"} == {
        "id": "-",
        "employeeId": company.dev,
        "date": "2025-03-14",
        "employmentStatus": "Terminated",
        "comment": None,
        "terminationReasonId": "Restructuring",
        "terminationTypeId": "Involuntary",
        "terminationRehireId": "Yes",
        "terminationRegrettableId": None,
    }
    clock.advance(11 * DAY)  # 2025-03-14
    assert fields(api, company.dev, names) == {
        "id": company.dev,
        "status": "Inactive",
        "employmentHistoryStatus": "Terminated",
        "terminationDate": "2025-03-14",
    }


def test_leave_with_a_scheduled_return(
    api: httpx.Client, sim: BambooHRSimulator, clock: SimClock, company: Company
) -> None:
    sim.store.start_leave(company.dev, "2025-03-03", return_date="2025-04-01")
    names = "status,employmentHistoryStatus,customLeaveReturnDate"
    assert fields(api, company.dev, names) == {
        "id": company.dev,
        "status": "Active",  # on leave is still an Active employee in BambooHR
        "employmentHistoryStatus": "Leave of Absence",
        "customLeaveReturnDate": "2025-04-01",
    }
    assert (
        fields(api, company.dev, "employmentHistoryStatus", only_current=False)[
            "employmentHistoryStatus"
        ]
        == "Full-Time"
    )
    clock.set(datetime(2025, 4, 1, 0, 0, tzinfo=UTC))
    assert fields(api, company.dev, "employmentHistoryStatus")["employmentHistoryStatus"] == (
        "Full-Time"
    )


def test_today_is_in_the_company_time_zone() -> None:
    clock = SimClock()
    clock.freeze(datetime(2025, 3, 9, 12, 30, tzinfo=UTC))  # 01:30 on 2025-03-10 in Auckland
    auckland = BambooHRSimulator(clock=clock, timezone="Pacific/Auckland")
    utc = BambooHRSimulator(clock=clock)
    for sim in (auckland, utc):
        sim.store.hire("New", "Starter", "new.starter@acme.test", hire_date="2025-03-10")
    assert auckland.store.get("1", ["status"])["status"] == "Active"
    assert utc.store.get("1", ["status"])["status"] == "Inactive"


def test_clock_endpoint_moves_today(
    api: httpx.Client, sim: BambooHRSimulator, company: Company
) -> None:
    sim.store.change_job(company.dev, "2025-03-05", location="Remote")
    moved = api.put("/_sim/clock", json={"advance_days": 2})
    assert moved.status_code == 200
    assert moved.json()["today"] == "2025-03-05"
    assert moved.json()["frozen"] is True
    assert fields(api, company.dev, "location")["location"] == "Remote"
    reset = api.put("/_sim/clock", json={"now": START.isoformat()})
    assert reset.json()["today"] == "2025-03-03"
    assert fields(api, company.dev, "location")["location"] == "London"
