"""Reading employees from the BambooHR simulator: what a snapshot holds, and what it costs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hrsim_harness import EXTRA_FIELDS, START
from pydantic import SecretStr

from integrations.bamboohr import BambooHRClient, BambooHRNotFound
from integrations.bamboohr.client import api_base
from integrations.serving import ThreadedServer
from lifecycle.models.hr import ManagerRef
from lifecycle.settings import SIM_BAMBOOHR_KEY
from simulators.bamboohr import BambooHRSimulator, BambooHRStore
from simulators.bamboohr.admin_client import BambooHRAdminClient

DATES = {"customLeaveReturnDate"}


def api_calls(sim: BambooHRSimulator) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sim.requests.entries()]


def seed(store: BambooHRStore) -> dict[str, str]:
    boss = store.hire(
        "Grace",
        "Hopper",
        "grace.hopper@acme.test",
        department="Executive",
        job_title="CEO",
        hire_date="2019-01-07",
    )
    ada = store.hire(
        "Ada",
        "Lovelace",
        "ada.lovelace@acme.test",
        department="Engineering",
        division="R&D",
        location="Berlin",
        job_title="Engineer",
        supervisor_id=boss,
        hire_date="2025-01-06",
        fields={"customJobLevel": "L3", "4002": "CC-100"},
    )
    # Future-dated rows: a leave with a planned return, and a transfer after it.
    store.start_leave(ada, "2026-04-01", return_date="2026-05-04")
    store.change_job(ada, "2026-06-01", department="Research", job_title="Researcher")
    return {"boss": boss, "ada": ada}


async def test_single_read_carries_future_rows_custom_fields_and_the_manager(
    client: BambooHRClient, store: BambooHRStore, sim: BambooHRSimulator
) -> None:
    people = seed(store)
    sim.requests.clear()

    snap = await client.fetch_snapshot(people["ada"], EXTRA_FIELDS, date_fields=DATES)

    # Today's values...
    assert snap.employee_id == people["ada"]
    assert (snap.first_name, snap.last_name, snap.display_name) == (
        "Ada",
        "Lovelace",
        "Ada Lovelace",
    )
    assert snap.work_email == "ada.lovelace@acme.test"
    assert (snap.department, snap.job_title, snap.location) == ("Engineering", "Engineer", "Berlin")
    assert snap.employment_status == "Full-Time"
    assert snap.status == "Active"
    assert snap.hire_date == date(2025, 1, 6)
    assert snap.last_changed == START
    # ...and the future, from the effective-dated tables.
    assert [(r.date, r.status) for r in snap.employment_status_rows] == [
        (date(2025, 1, 6), "Full-Time"),
        (date(2026, 4, 1), "Leave of Absence"),
        (date(2026, 5, 4), "Full-Time"),
    ]
    assert [(r.date, r.department, r.job_title) for r in snap.job_info_rows] == [
        (date(2025, 1, 6), "Engineering", "Engineer"),
        (date(2026, 6, 1), "Research", "Researcher"),
    ]
    assert snap.job_info_rows[0].reports_to == "Grace Hopper"
    # Custom fields under the name they were asked by: alias, numeric id, alias.
    assert snap.custom == {
        "customJobLevel": "L3",
        "4002": "CC-100",
        "customLeaveReturnDate": "2026-05-04",
    }
    assert snap.field("4002") == "CC-100"
    assert snap.manager == ManagerRef(
        id=people["boss"],
        employeeNumber=store.get(people["boss"], ["employeeNumber"])["employeeNumber"],
        displayName="Grace Hopper",
        workEmail="grace.hopper@acme.test",
    )
    assert snap.supervisor_id == people["boss"]
    assert snap.fetched_at is not None and not snap.deleted
    # One record, two tables, one more GET for the supervisor.
    assert api_calls(sim) == [
        f"GET /api/v1/employees/{people['ada']}",
        f"GET /api/v1/employees/{people['ada']}/tables/employmentStatus",
        f"GET /api/v1/employees/{people['ada']}/tables/jobInfo",
        f"GET /api/v1/employees/{people['boss']}",
    ]


async def test_future_values_on_request_and_the_rows_either_way(
    client: BambooHRClient, store: BambooHRStore, sim: BambooHRSimulator
) -> None:
    people = seed(store)
    sim.requests.clear()

    latest = await client.fetch_snapshot(people["ada"], only_current=False)

    assert "onlyCurrent=false" in sim.requests.entries()[0]["query"]
    assert latest.department == "Research"  # the future-dated jobInfo row's value
    assert len(latest.job_info_rows) == 2 and len(latest.employment_status_rows) == 3


async def test_empty_dates_become_none_and_termination_rows_are_read_ahead(
    client: BambooHRClient, store: BambooHRStore, sim: BambooHRSimulator
) -> None:
    people = seed(store)
    store.terminate(
        people["ada"], "2026-07-31", termination_type="Involuntary", reason="Restructuring"
    )

    raw = await client.get_employee(people["ada"], ["terminationDate", "originalHireDate"])
    assert raw["terminationDate"] == "0000-00-00" and raw["originalHireDate"] == "0000-00-00"

    snap = await client.fetch_snapshot(people["boss"], EXTRA_FIELDS, date_fields=DATES)
    assert snap.termination_date is None and snap.original_hire_date is None
    assert snap.custom["customLeaveReturnDate"] is None
    assert snap.manager is None  # the CEO reports to nobody

    ada = await client.fetch_snapshot(people["ada"])
    assert ada.termination_date is None  # not yet in effect today
    last = ada.employment_status_rows[-1]
    assert (last.date, last.status, last.termination_type, last.termination_reason) == (
        date(2026, 7, 31),
        "Terminated",
        "Involuntary",
        "Restructuring",
    )

    sim.move_clock(now=datetime(2026, 8, 1, 9, tzinfo=UTC))
    after = await client.fetch_snapshot(people["ada"])
    assert after.termination_date == date(2026, 7, 31)
    assert after.status == "Inactive"


async def test_unknown_employee_is_not_found_with_bamboohrs_text(
    client: BambooHRClient, store: BambooHRStore
) -> None:
    seed(store)
    with pytest.raises(BambooHRNotFound) as caught:
        await client.fetch_snapshot("999")
    assert caught.value.status == 404
    assert caught.value.message == "Employee not found"


async def test_bulk_read_equals_single_reads_in_three_requests(
    client: BambooHRClient, store: BambooHRStore, sim: BambooHRSimulator, admin: BambooHRAdminClient
) -> None:
    people = seed(store)
    # Active, on future leave, a future hire (Inactive), a terminated one (Inactive).
    for n in range(4):
        admin.hire(
            f"Person{n}",
            "Example",
            f"person{n}@acme.test",
            department="Sales",
            supervisor_id=people["ada"],
            hire_date="2024-05-06",
            fields={"customJobLevel": f"L{n}"},
        )
    future = admin.hire("Fiona", "Future", "fiona@acme.test", hire_date="2026-04-06")["id"]
    gone = admin.hire("Tom", "Gone", "tom@acme.test", hire_date="2023-01-02")["id"]
    admin.terminate(gone, "2025-12-31")
    everyone = store.employee_ids()
    sim.requests.clear()

    bulk = await client.fetch_snapshots(None, EXTRA_FIELDS, date_fields=DATES)

    assert bulk.bad == [] and bulk.missing == []
    assert sorted(s.employee_id for s in bulk.snapshots) == sorted(everyone)
    # The same N snapshots whatever N is: one report and the two tables of everyone.
    assert api_calls(sim) == [
        "POST /api/v1/reports/custom",
        "GET /api/v1/employees/all/tables/employmentStatus",
        "GET /api/v1/employees/all/tables/jobInfo",
    ]
    by_id = {s.employee_id: s for s in bulk.snapshots}
    assert by_id[future].status == "Inactive" and by_id[gone].status == "Inactive"
    for eid in everyone:
        single = await client.fetch_snapshot(eid, EXTRA_FIELDS, date_fields=DATES)
        assert by_id[eid].model_dump(exclude={"fetched_at"}) == single.model_dump(
            exclude={"fetched_at"}
        ), f"employee {eid}: bulk and single reads differ"


async def test_bulk_read_of_a_subset_resolves_managers_outside_it(
    client: BambooHRClient, store: BambooHRStore, sim: BambooHRSimulator
) -> None:
    people = seed(store)
    sim.requests.clear()

    bulk = await client.fetch_snapshots([people["ada"], "424242"], EXTRA_FIELDS)

    assert [s.employee_id for s in bulk.snapshots] == [people["ada"]]
    assert bulk.missing == ["424242"]
    manager = bulk.snapshots[0].manager
    assert manager is not None and manager.display_name == "Grace Hopper"
    assert manager.work_email == "grace.hopper@acme.test"
    # The supervisor is outside the subset: one more report for all such supervisors.
    assert [c for c in api_calls(sim) if c.startswith("POST")] == [
        "POST /api/v1/reports/custom"
    ] * 2


async def test_changed_since_reads_the_map_with_latest_and_deleted(
    client: BambooHRClient, store: BambooHRStore, sim: BambooHRSimulator
) -> None:
    people = seed(store)
    cursor = START.replace(hour=10)
    sim.move_clock(now=cursor)
    newcomer = store.hire("Nia", "New", "nia@acme.test", hire_date="2026-03-09")
    sim.move_clock(advance_seconds=60)
    store.update_fields(people["ada"], {"mobilePhone": "+49 30 1234"})
    sim.move_clock(advance_seconds=60)
    store.delete(people["boss"])
    sim.requests.clear()

    changed = await client.fetch_changed(cursor)

    assert changed.problems == []
    assert changed.latest == datetime(2026, 3, 2, 10, 2, tzinfo=UTC)
    assert {(c.employee_id, c.action) for c in changed.changes} == {
        (people["ada"], "Updated"),
        (people["boss"], "Deleted"),
        (newcomer, "Inserted"),
    }
    last = {c.employee_id: c.last_changed for c in changed.changes}
    assert last[people["ada"]] == datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    # The `+` of the offset travels URL-encoded, or BambooHR would read a space.
    assert "since=2026-03-02T10%3A00%3A00%2B00%3A00" in sim.requests.entries()[0]["query"]

    rows = await client.get_changed_table("employmentStatus", cursor)
    assert set(rows) == {people["ada"], newcomer}  # deleted employees have no rows
    assert [r["employmentStatus"] for r in rows[people["ada"]]] == [
        "Full-Time",
        "Leave of Absence",
        "Full-Time",
    ]


def test_api_base_accepts_company_urls_and_the_legacy_gateway() -> None:
    assert api_base("https://acme.bamboohr.com") == "https://acme.bamboohr.com/api/v1/"
    assert api_base("https://acme.bamboohr.com/") == "https://acme.bamboohr.com/api/v1/"
    assert api_base("http://127.0.0.1:8082/api/v1") == "http://127.0.0.1:8082/api/v1/"
    assert (
        api_base("https://api.bamboohr.com/api/gateway.php/acme")
        == "https://api.bamboohr.com/api/gateway.php/acme/v1/"
    )


async def test_the_legacy_gateway_url_reads_the_same_snapshot(
    client: BambooHRClient, store: BambooHRStore, server: ThreadedServer
) -> None:
    people = seed(store)
    async with BambooHRClient(
        f"{server.url}/api/gateway.php/acme", SecretStr(SIM_BAMBOOHR_KEY), timeout=10
    ) as legacy:
        old = await legacy.fetch_snapshot(people["ada"], EXTRA_FIELDS)
    new = await client.fetch_snapshot(people["ada"], EXTRA_FIELDS)
    assert old.model_dump(exclude={"fetched_at"}) == new.model_dump(exclude={"fetched_at"})


async def test_a_subset_reads_rows_the_cheapest_way_for_its_size(
    client: BambooHRClient, store: BambooHRStore, sim: BambooHRSimulator
) -> None:
    """A few ids: their own rows; many: the company's tables; ids that changed since a known
    instant: the changed-tables read with only theirs. Each way gives the same snapshots."""
    people = seed(store)
    many = [
        store.hire(f"P{n}", "Example", f"p{n}@acme.test", hire_date="2024-05-06") for n in range(7)
    ]
    changed_at = sim.clock.now()
    sim.move_clock(advance_seconds=60)
    store.change_job(many[0], "2026-03-02", job_title="Lead")
    store.change_job(many[1], "2026-03-02", job_title="Lead")

    def table_reads() -> list[str]:
        return [c for c in api_calls(sim) if "/tables/" in c]

    sim.requests.clear()
    few = await client.fetch_snapshots([people["ada"], many[2]], EXTRA_FIELDS)
    assert table_reads() == [
        f"GET /api/v1/employees/{people['ada']}/tables/employmentStatus",
        f"GET /api/v1/employees/{many[2]}/tables/employmentStatus",
        f"GET /api/v1/employees/{people['ada']}/tables/jobInfo",
        f"GET /api/v1/employees/{many[2]}/tables/jobInfo",
    ]

    sim.requests.clear()
    lots = await client.fetch_snapshots(many, EXTRA_FIELDS)
    assert table_reads() == [
        "GET /api/v1/employees/all/tables/employmentStatus",
        "GET /api/v1/employees/all/tables/jobInfo",
    ]

    sim.requests.clear()
    since = changed_at.replace(tzinfo=UTC) if changed_at.tzinfo is None else changed_at
    recent = await client.fetch_snapshots(many[:2], EXTRA_FIELDS, changed_since=since)
    assert table_reads() == [
        "GET /api/v1/employees/changed/tables/employmentStatus",
        "GET /api/v1/employees/changed/tables/jobInfo",
    ]

    by_id = {s.employee_id: s for s in [*few.snapshots, *lots.snapshots]}
    for snapshot in recent.snapshots:
        assert snapshot.job_title == "Lead"
        assert snapshot.model_dump(exclude={"fetched_at"}) == by_id[
            snapshot.employee_id
        ].model_dump(exclude={"fetched_at"})
    for eid in (people["ada"], many[2]):
        single = await client.fetch_snapshot(eid, EXTRA_FIELDS)
        assert by_id[eid].model_dump(exclude={"fetched_at"}) == single.model_dump(
            exclude={"fetched_at"}
        )


async def test_an_employee_deleted_before_their_rows_are_read_is_missing_not_an_error(
    client: BambooHRClient, store: BambooHRStore
) -> None:
    """The per-employee row read can meet a 404 (deleted after the report was read): that
    employee has no rows and is reported missing, the others are read as usual."""
    people = seed(store)
    rows = await client.table_rows("jobInfo", [people["ada"], "424242"])
    assert set(rows) == {people["ada"]} and rows[people["ada"]]
