"""Each HR-admin action (through the admin API client, as other packages' tests use it)
changes what the public API returns and moves the employee's lastChanged."""

from __future__ import annotations

import httpx
import pytest
from bamboohr_testdata import Company

from simulators.bamboohr import BambooHRSimulator
from simulators.bamboohr.admin_client import AdminError, BambooHRAdminClient
from simulators.common.clock import SimClock

DAY = 86400
WATCHED = (
    "status,employmentHistoryStatus,department,division,location,jobTitle,supervisorEId,"
    "hireDate,originalHireDate,terminationDate,workEmail,lastChanged"
)


def read(api: httpx.Client, eid: str, only_current: bool = True) -> dict:
    params = {"fields": WATCHED}
    if not only_current:
        params["onlyCurrent"] = "false"
    r = api.get(f"/api/v1/employees/{eid}", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def statuses(api: httpx.Client, eid: str) -> list[tuple[str, str]]:
    rows = api.get(f"/api/v1/employees/{eid}/tables/employmentStatus").json()
    return [(r["date"], r["employmentStatus"]) for r in rows]


def test_hire(
    api: httpx.Client, admin: BambooHRAdminClient, clock: SimClock, company: Company
) -> None:
    clock.advance(60)
    hired = admin.hire(
        "Mary",
        "Jackson",
        "mary.jackson@acme.test",
        department="Engineering",
        division="R&D",
        location="Hampton",
        job_title="Engineer",
        supervisor_id=company.manager,
        hire_date="2025-03-10",
        employment_status="Part-Time",
        fields={"customCostCenter": "CC-7"},
    )
    eid = hired["id"]
    assert hired["employee"]["status"] == "Inactive"
    now = read(api, eid)
    assert now["department"] == "Engineering"
    assert now["supervisorEId"] == company.manager
    assert now["employmentHistoryStatus"] == "Part-Time"
    assert now["lastChanged"] == "2025-03-03T12:01:00Z"
    cost = api.get(f"/api/v1/employees/{eid}", params={"fields": "customCostCenter"}).json()
    assert cost["customCostCenter"] == "CC-7"


def test_update_fields(
    api: httpx.Client, admin: BambooHRAdminClient, clock: SimClock, company: Company
) -> None:
    clock.advance(60)
    admin.update_fields(company.dev, {"workEmail": "ada@acme.test", "department": "Research"})
    now = read(api, company.dev)
    assert (now["workEmail"], now["department"]) == ("ada@acme.test", "Research")
    assert now["lastChanged"] == "2025-03-03T12:01:00Z"
    with pytest.raises(AdminError) as refused:
        admin.update_fields(company.dev, {"status": "Inactive"})
    assert refused.value.status == 400
    with pytest.raises(AdminError) as duplicate:
        admin.update_fields(company.dev, {"workEmail": "Alan.Turing@acme.test"})
    assert "already used" in duplicate.value.message


def test_supervisor_rename_shows_on_reports(
    api: httpx.Client, admin: BambooHRAdminClient, company: Company
) -> None:
    admin.update_fields(company.manager, {"lastName": "Turing-Smith"})
    r = api.get(f"/api/v1/employees/{company.dev}", params={"fields": "supervisor"}).json()
    assert r["supervisor"] == "Turing-Smith, Alan"


def test_change_job(
    api: httpx.Client, admin: BambooHRAdminClient, clock: SimClock, company: Company
) -> None:
    clock.advance(60)
    admin.change_job(company.dev, "2025-03-03", location="Remote", supervisor_id=company.ceo)
    now = read(api, company.dev)
    assert (now["location"], now["department"], now["supervisorEId"]) == (
        "Remote",
        "Engineering",  # carried over
        company.ceo,
    )
    assert now["lastChanged"] == "2025-03-03T12:01:00Z"
    admin.change_job(company.dev, "2025-03-04", division=None)
    assert read(api, company.dev, only_current=False)["division"] is None
    with pytest.raises(AdminError) as itself:
        admin.change_job(company.dev, supervisor_id=company.dev)
    assert itself.value.status == 400


def test_leave_start_and_end(
    api: httpx.Client, admin: BambooHRAdminClient, clock: SimClock, company: Company
) -> None:
    admin.start_leave(company.dev, "2025-03-03", return_date="2025-05-01")
    assert read(api, company.dev)["employmentHistoryStatus"] == "Leave of Absence"
    assert statuses(api, company.dev) == [
        ("2021-06-01", "Full-Time"),
        ("2025-03-03", "Leave of Absence"),
        ("2025-05-01", "Full-Time"),
    ]
    clock.advance(7 * DAY)
    admin.end_leave(company.dev)  # early return: today
    now = read(api, company.dev)
    assert now["employmentHistoryStatus"] == "Full-Time"
    assert now["lastChanged"] == "2025-03-10T12:00:00Z"
    assert statuses(api, company.dev) == [
        ("2021-06-01", "Full-Time"),
        ("2025-03-03", "Leave of Absence"),
        ("2025-03-10", "Full-Time"),  # the scheduled 2025-05-01 return is gone
    ]
    leave = api.get(
        f"/api/v1/employees/{company.dev}", params={"fields": "customLeaveReturnDate"}
    ).json()
    assert leave["customLeaveReturnDate"] == "0000-00-00"
    with pytest.raises(AdminError, match="not on leave"):
        admin.end_leave(company.dev)


def test_leave_ending_in_termination_drops_the_return(
    api: httpx.Client, admin: BambooHRAdminClient, company: Company
) -> None:
    admin.start_leave(company.dev, "2025-03-03", return_date="2025-05-01")
    admin.terminate(company.dev, "2025-04-15", termination_type="Involuntary")
    assert statuses(api, company.dev)[-1] == ("2025-04-15", "Terminated")
    assert read(api, company.dev, only_current=False)["employmentHistoryStatus"] == "Terminated"


def test_terminate_and_rehire(
    api: httpx.Client, admin: BambooHRAdminClient, clock: SimClock, company: Company
) -> None:
    admin.terminate(company.dev, "2025-03-03", termination_type="Voluntary", reason="Relocation")
    gone = read(api, company.dev)
    assert (gone["status"], gone["terminationDate"]) == ("Inactive", "2025-03-03")
    with pytest.raises(AdminError, match="already terminated"):
        admin.terminate(company.dev, "2025-03-04")
    clock.advance(30 * DAY)
    admin.rehire(company.dev, "2025-04-07", employment_status="Contractor", department="Support")
    scheduled = read(api, company.dev)
    assert scheduled["status"] == "Inactive"  # rehire date still ahead
    assert scheduled["hireDate"] == "2025-04-07"
    assert scheduled["originalHireDate"] == "2021-06-01"
    clock.advance(5 * DAY)  # 2025-04-07
    back = read(api, company.dev)
    assert (back["status"], back["employmentHistoryStatus"], back["department"]) == (
        "Active",
        "Contractor",
        "Support",
    )
    assert back["terminationDate"] == "0000-00-00"
    assert back["location"] == "London"  # job carried over from the last row
    with pytest.raises(AdminError, match="not terminated"):
        admin.rehire(company.dev, "2025-05-01")


def test_delete(api: httpx.Client, admin: BambooHRAdminClient, company: Company) -> None:
    admin.delete(company.dev)
    assert api.get(f"/api/v1/employees/{company.dev}").status_code == 404
    with pytest.raises(AdminError) as missing:
        admin.show(company.dev)
    assert missing.value.status == 404


def test_show_and_list(
    admin: BambooHRAdminClient, sim: BambooHRSimulator, company: Company
) -> None:
    sim.store.change_job(company.dev, "2025-09-01", department="Research")
    shown = admin.show(company.dev)
    assert shown["current"]["department"] == "Engineering"
    assert shown["latest"]["department"] == "Research"
    assert [r["date"] for r in shown["tables"]["jobInfo"]] == ["2021-06-01", "2025-09-01"]
    assert [e["id"] for e in admin.employees()] == [company.ceo, company.manager, company.dev]


def test_malformed_admin_requests(admin: BambooHRAdminClient, company: Company) -> None:
    with pytest.raises(AdminError) as bad_date:
        admin.terminate(company.dev, "31/12/2025")
    assert bad_date.value.status == 422
    with pytest.raises(AdminError) as bad_status:
        admin.start_leave(company.dev, status="Sabbatical")
    assert bad_status.value.status == 400
    with pytest.raises(AdminError) as unknown_field:
        admin.update_fields(company.dev, {"noSuchField": "x"})
    assert unknown_field.value.status == 400
    with pytest.raises(TypeError):
        admin.change_job(company.dev, depratment="typo")


def test_admin_controls(
    admin: BambooHRAdminClient, sim: BambooHRSimulator, company: Company
) -> None:
    assert admin.health()["status"] == "ok"
    assert admin.set_clock(advance_days=1)["today"] == "2025-03-04"
    state = admin.state()
    assert len(state["employees"]) == 3 and state["clock"]["today"] == "2025-03-04"
    assert [c["action"] for c in admin.changes()] == ["Inserted"] * 3
    admin.reset()
    assert admin.employees() == []
    assert admin.clock()["today"] == "2025-03-04"  # reset keeps the clock
