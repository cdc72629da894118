"""HR records we cannot act on: refused with `BadHrData` naming the employee and the field;
a missing work email is *not* an error here (the policy routes it to review itself)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hrsim_harness import EXTRA_FIELDS, CorruptAnswers

from integrations.bamboohr import BadHrData, BambooHRClient
from integrations.bamboohr.parse import parse_changed, parse_snapshot
from simulators.bamboohr import BambooHRSimulator, BambooHRStore
from simulators.bamboohr.store import DEFAULT_EMPLOYMENT_STATUSES

DATES = {"customLeaveReturnDate"}


@pytest.fixture
def sim(clock: Any) -> BambooHRSimulator:
    # The company has a status our configuration does not know.
    return BambooHRSimulator(
        clock=clock,
        store_options={"employment_statuses": [*DEFAULT_EMPLOYMENT_STATUSES, "Sabbatical"]},
    )


@pytest.fixture
def people(store: BambooHRStore) -> Iterator[dict[str, str]]:
    yield {
        "ok": store.hire("Olga", "Okay", "olga@acme.test", hire_date="2024-01-08"),
        "noemail": store.hire("Nora", "Nomail", None, hire_date="2024-01-08"),
        "bademail": store.hire("Bert", "Bad", "bert at acme", hire_date="2024-01-08"),
    }


async def bad(client: BambooHRClient, eid: str, **kwargs: Any) -> BadHrData:
    with pytest.raises(BadHrData) as caught:
        await client.fetch_snapshot(eid, EXTRA_FIELDS, **kwargs)
    return caught.value


async def test_missing_work_email_is_no_error(
    client: BambooHRClient, people: dict[str, str]
) -> None:
    snap = await client.fetch_snapshot(people["noemail"])
    assert snap.work_email is None


async def test_a_work_email_that_is_no_address_is_bad_data(
    client: BambooHRClient, people: dict[str, str]
) -> None:
    error = await bad(client, people["bademail"])
    assert (error.employee_id, error.field) == (people["bademail"], "workEmail")
    # The value is HR data: it stays out of the message (history, status, alerts, logs).
    assert error.message == "not an email address" and "bert at acme" not in str(error)


@pytest.mark.parametrize("value", ["2024-02-30", "08/01/2024", "2024-1-8", "soon"])
async def test_malformed_dates_are_bad_data(
    client: BambooHRClient, proxy: CorruptAnswers, people: dict[str, str], value: str
) -> None:
    proxy.set_field(people["ok"], "hireDate", value)
    error = await bad(client, people["ok"])
    assert (error.employee_id, error.field) == (people["ok"], "hireDate")
    assert error.message.startswith("not a") and value not in str(error)  # no HR value


async def test_malformed_last_changed_is_bad_data(
    client: BambooHRClient, proxy: CorruptAnswers, people: dict[str, str]
) -> None:
    proxy.set_field(people["ok"], "lastChanged", "yesterday at noon")
    error = await bad(client, people["ok"])
    assert (error.employee_id, error.field) == (people["ok"], "lastChanged")


async def test_a_malformed_custom_date_is_bad_data(
    client: BambooHRClient, proxy: CorruptAnswers, people: dict[str, str]
) -> None:
    proxy.set_field(people["ok"], "customLeaveReturnDate", "next spring")
    error = await bad(client, people["ok"], date_fields=DATES)
    assert (error.employee_id, error.field) == (people["ok"], "customLeaveReturnDate")
    # Not declared a date: the text is passed on as it is.
    snap = await client.fetch_snapshot(people["ok"], EXTRA_FIELDS)
    assert snap.custom["customLeaveReturnDate"] == "next spring"


async def test_a_table_row_without_a_valid_date_is_bad_data(
    client: BambooHRClient, proxy: CorruptAnswers, people: dict[str, str]
) -> None:
    def break_rows(rows: Any) -> Any:
        rows[-1]["date"] = "0000-00-00"
        return rows

    proxy.corrupt(rf"^/api/v1/employees/{people['ok']}/tables/employmentStatus$", break_rows)
    error = await bad(client, people["ok"])
    assert (error.employee_id, error.field) == (people["ok"], "employmentStatus.date")


async def test_unknown_employment_status_only_with_a_known_list(
    client: BambooHRClient, store: BambooHRStore, people: dict[str, str]
) -> None:
    store.start_leave(people["ok"], "2026-02-02", status="Sabbatical")
    known = list(DEFAULT_EMPLOYMENT_STATUSES)

    error = await bad(client, people["ok"], known_statuses=known)
    assert (error.employee_id, error.field) == (people["ok"], "employmentHistoryStatus")
    assert "Sabbatical" in error.message
    # A future-dated row with the unknown value is caught too.
    store.start_leave(people["noemail"], "2026-09-01", status="Sabbatical")
    error = await bad(client, people["noemail"], known_statuses=known)
    assert (error.employee_id, error.field) == (people["noemail"], "employmentStatus")

    snap = await client.fetch_snapshot(people["ok"])  # no list: any value is fine
    assert snap.employment_status == "Sabbatical"


async def test_bulk_read_sets_bad_records_aside_and_keeps_the_rest(
    client: BambooHRClient, proxy: CorruptAnswers, people: dict[str, str]
) -> None:
    proxy.set_field(people["ok"], "originalHireDate", "1999-13-01")

    bulk = await client.fetch_snapshots(None, EXTRA_FIELDS)

    assert {(b.employee_id, b.field) for b in bulk.bad} == {
        (people["ok"], "originalHireDate"),
        (people["bademail"], "workEmail"),
    }
    assert [s.employee_id for s in bulk.snapshots] == [people["noemail"]]


def test_pydantic_is_the_last_word_and_names_the_employee() -> None:
    with pytest.raises(BadHrData) as caught:
        parse_snapshot({"id": "7", "firstName": "A"}, status_rows=[{"date": "2024-01-01"}])
    assert (caught.value.employee_id, caught.value.field) == ("7", "employmentStatus")


def test_change_list_keeps_entries_with_bad_values_and_reports_them() -> None:
    changed = parse_changed(
        {
            "latest": "not a time",
            "employees": {
                "5": {"id": "5", "action": "Updated", "lastChanged": "2026-13-01T00:00:00Z"},
                "6": {"action": "Renamed", "lastChanged": "2026-03-02T10:00:00+0000"},
            },
        }
    )
    assert changed.latest is None  # the poller keeps its cursor
    assert [(c.employee_id, c.action, c.last_changed) for c in changed.changes] == [
        ("5", "Updated", None),
        ("6", "Updated", datetime(2026, 3, 2, 10, tzinfo=UTC)),
    ]
    assert {(p.employee_id, p.field) for p in changed.problems} == {
        ("*", "latest"),
        ("5", "lastChanged"),
        ("6", "action"),
    }
