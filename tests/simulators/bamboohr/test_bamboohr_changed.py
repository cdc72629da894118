"""`/employees/changed` and `/employees/changed/tables/{table}`: the map form with `latest`,
the `type` filter, table-only changes, deletions, and an inclusive `since`."""

from __future__ import annotations

import httpx
from bamboohr_testdata import Company

from simulators.bamboohr import BambooHRSimulator
from simulators.common.clock import SimClock

ERROR = "X-BambooHR-Error-Message"


def changed(api: httpx.Client, since: str, kind: str | None = None) -> dict:
    params = {"since": since}
    if kind:
        params["type"] = kind
    r = api.get("/api/v1/employees/changed", params=params)
    assert r.status_code == 200
    return r.json()


def test_changed_is_a_map_with_latest(
    api: httpx.Client, sim: BambooHRSimulator, clock: SimClock, company: Company
) -> None:
    clock.advance(600)  # 12:10
    sim.store.update_fields(company.manager, {"workPhone": "+49 30 5555"})
    clock.advance(600)  # 12:20
    new = sim.store.hire("Mary", "Jackson", "mary.jackson@acme.test")
    body = changed(api, "2025-03-03T12:05:00Z")
    assert body == {
        "latest": "2025-03-03T12:20:00Z",
        "employees": {
            company.manager: {
                "id": company.manager,
                "action": "Updated",
                "lastChanged": "2025-03-03T12:10:00Z",
            },
            new: {"id": new, "action": "Inserted", "lastChanged": "2025-03-03T12:20:00Z"},
        },
    }
    assert list(changed(api, "2025-03-03T12:05:00Z", "inserted")["employees"]) == [new]
    assert list(changed(api, "2025-03-03T12:05:00Z", "updated")["employees"]) == [company.manager]
    assert changed(api, "2025-03-03T12:05:00Z", "deleted")["employees"] == {}


def test_table_only_changes_count(
    api: httpx.Client, sim: BambooHRSimulator, clock: SimClock, company: Company
) -> None:
    clock.advance(60)
    sim.store.change_job(company.dev, "2025-06-01", department="Research")  # future-dated row
    body = changed(api, "2025-03-03T12:01:00Z")
    assert body["employees"] == {
        company.dev: {"id": company.dev, "action": "Updated", "lastChanged": "2025-03-03T12:01:00Z"}
    }
    tables = api.get(
        "/api/v1/employees/changed/tables/jobInfo", params={"since": "2025-03-03T12:01:00Z"}
    ).json()
    assert tables["table"] == "jobInfo"
    assert list(tables["employees"]) == [company.dev]
    entry = tables["employees"][company.dev]
    assert entry["lastChanged"] == "2025-03-03T12:01:00Z"
    assert [(r["date"], r["department"]) for r in entry["rows"]] == [
        ("2021-06-01", "Engineering"),
        ("2025-06-01", "Research"),
    ]
    # Any change of the employee returns all rows of every table for them.
    status = api.get(
        "/api/v1/employees/changed/tables/employmentStatus",
        params={"since": "2025-03-03T12:01:00Z"},
    ).json()
    assert [r["employmentStatus"] for r in status["employees"][company.dev]["rows"]] == [
        "Full-Time"
    ]


def test_deleted_employees_are_reported(
    api: httpx.Client, sim: BambooHRSimulator, clock: SimClock, company: Company
) -> None:
    clock.advance(120)
    sim.store.delete(company.dev)
    body = changed(api, "2025-03-03T12:01:00Z")
    assert body["employees"] == {
        company.dev: {"id": company.dev, "action": "Deleted", "lastChanged": "2025-03-03T12:02:00Z"}
    }
    assert list(changed(api, "2025-03-03T12:01:00Z", "deleted")["employees"]) == [company.dev]
    tables = api.get(
        "/api/v1/employees/changed/tables/jobInfo", params={"since": "2025-03-03T12:01:00Z"}
    ).json()
    assert tables["employees"] == {}
    assert api.get(f"/api/v1/employees/{company.dev}").status_code == 404


def test_since_is_inclusive_and_accepts_offsets(api: httpx.Client, company: Company) -> None:
    # Everyone was seeded at 12:00:00; a poll at that second must still see them.
    assert len(changed(api, "2025-03-03T12:00:00Z")["employees"]) == 3
    assert len(changed(api, "2025-03-03T13:00:00+01:00")["employees"]) == 3
    assert changed(api, "2025-03-03T12:00:01Z") == {
        "latest": "2025-03-03T12:00:01Z",
        "employees": {},
    }


def test_malformed_since_or_type_is_400(api: httpx.Client, contract, company: Company) -> None:
    for params in ({"since": "last tuesday"}, {}, {"since": "2025-03-03T12:00:00Z", "type": "x"}):
        r = api.get("/api/v1/employees/changed", params=params)
        assert r.status_code == 400, params
        assert r.headers[ERROR]
        assert not contract.request_is_valid(r.request)
    r = api.get("/api/v1/employees/changed/tables/jobInfo", params={"since": "soon"})
    assert r.status_code == 400 and r.headers[ERROR]
    r = api.get("/api/v1/employees/changed/tables/nope", params={"since": "2025-01-01T00:00:00Z"})
    assert r.status_code == 404 and r.headers[ERROR]
