"""The BambooHR activities against the simulator over real HTTP (ActivityEnvironment): HR
snapshots out, bad HR data as review problems (never a failed activity), API failures as
Temporal errors with the right retry behaviour."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.bamboohr import BambooHRActivities
from contracts.activities import (
    FetchAllEmployeesInput,
    FetchAllEmployeesResult,
    FetchChangedSinceInput,
    FetchEmployeeInput,
    FetchEmployeeResult,
)
from integrations.bamboohr import BambooHRClient
from integrations.serving import ThreadedServer
from lifecycle.models.plan import ReviewCode
from simulators.bamboohr import BambooHRSimulator, BambooHRStore
from simulators.bamboohr.store import DEFAULT_EMPLOYMENT_STATUSES
from simulators.common.clock import SimClock
from simulators.common.faults import FaultConfig

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
KEY = "activity-test-SECRET-key-7d1e"
FIELDS = ["customJobLevel", "4002", "customLeaveReturnDate"]
KNOWN = list(DEFAULT_EMPLOYMENT_STATUSES)


class Corrupt:
    """ASGI wrapper: answer `value` for `field` of one employee (BambooHR-side nonsense the
    simulator itself refuses to store)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.fields: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not self.fields or not re.match(r"^/api/v1/(employees/\d+|reports/custom)$", path):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if start["status"] == 200:
                data = json.loads(body)
                for record in data.get("employees", [data]):
                    for (eid, name), value in self.fields.items():
                        if str(record.get("id")) == eid:
                            record[name] = value
                body = json.dumps(data).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


@pytest.fixture
def sim() -> BambooHRSimulator:
    clock = SimClock()
    clock.freeze(START)
    return BambooHRSimulator(
        clock=clock,
        api_key=KEY,
        store_options={"employment_statuses": [*DEFAULT_EMPLOYMENT_STATUSES, "Sabbatical"]},
    )


@pytest.fixture
def corrupt(sim: BambooHRSimulator) -> Corrupt:
    return Corrupt(sim.app)


@pytest.fixture
def server(corrupt: Corrupt) -> Iterator[ThreadedServer]:
    with ThreadedServer(corrupt, name="bamboohr-sim") as running:
        yield running


@pytest.fixture
async def client(server: ThreadedServer) -> AsyncIterator[BambooHRClient]:
    async with BambooHRClient(server.url, SecretStr(KEY), timeout=10) as hr:
        yield hr


@pytest.fixture
def acts(client: BambooHRClient) -> BambooHRActivities:
    return BambooHRActivities(client, FIELDS, known_statuses=KNOWN)


@pytest.fixture
def people(store: BambooHRStore) -> dict[str, str]:
    boss = store.hire("Grace", "Hopper", "grace@acme.test", hire_date="2019-01-07")
    ada = store.hire(
        "Ada",
        "Lovelace",
        "ada@acme.test",
        department="Engineering",
        supervisor_id=boss,
        hire_date="2024-01-08",
        fields={"customJobLevel": "L3", "4002": "CC-100"},
    )
    store.start_leave(ada, "2026-04-01", return_date="2026-05-04")
    return {
        "boss": boss,
        "ada": ada,
        "bademail": store.hire("Bert", "Bad", "bert(at)acme", hire_date="2024-01-08"),
        "sabbatical": store.hire(
            "Sam",
            "Sabbath",
            "sam@acme.test",
            hire_date="2024-01-08",
            employment_status="Sabbatical",
        ),
    }


@pytest.fixture
def store(sim: BambooHRSimulator) -> BambooHRStore:
    return sim.store


env = ActivityEnvironment()


def roundtrip(result: Any) -> Any:
    """Through the data converter the worker uses, as Temporal would carry it."""
    converter = pydantic_data_converter.payload_converter
    payload = converter.to_payloads([result])
    return converter.from_payloads(payload, [type(result)])[0]


async def test_fetch_employee_returns_the_snapshot(
    acts: BambooHRActivities, people: dict[str, str]
) -> None:
    before = datetime.now(UTC)
    result = await env.run(acts.fetch_employee, FetchEmployeeInput(employee_id=people["ada"]))
    after = datetime.now(UTC)

    assert result.problem is None and not result.not_found
    snap = result.snapshot
    assert snap is not None and snap.employee_id == people["ada"]
    assert snap.custom == {
        "customJobLevel": "L3",
        "4002": "CC-100",
        "customLeaveReturnDate": "2026-05-04",
    }
    assert [r.date for r in snap.employment_status_rows] == [
        date(2024, 1, 8),
        date(2026, 4, 1),
        date(2026, 5, 4),
    ]
    assert snap.manager is not None and snap.manager.display_name == "Grace Hopper"
    assert snap.fetched_at is not None and before <= snap.fetched_at <= after
    assert roundtrip(result) == result


class HoldRecord:
    """ASGI wrapper: hold one employee's record answer until another employee's record is
    asked for (or a few seconds pass), and say whether that request came while it was held."""

    def __init__(self, app: Any, held: str, awaited: str) -> None:
        self.app, self.held, self.awaited = app, held, awaited
        self.arrived: asyncio.Event | None = None
        self.came_while_held = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if self.arrived is None:
            self.arrived = asyncio.Event()  # on the server's own event loop
        if path == f"/api/v1/employees/{self.awaited}":
            self.arrived.set()
        elif path == f"/api/v1/employees/{self.held}":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), timeout=5)
            self.came_while_held = self.arrived.is_set()
        await self.app(scope, receive, send)


async def test_an_unchanged_supervisor_is_read_alongside_the_employee(
    sim: BambooHRSimulator, people: dict[str, str]
) -> None:
    # On an immediate termination's path: the supervisor's record must not cost a second
    # round trip after the employee's when the workflow already knows who the supervisor is.
    gate = HoldRecord(sim.app, held=people["ada"], awaited=people["boss"])
    with ThreadedServer(gate, name="bamboohr-sim") as server:
        async with BambooHRClient(server.url, SecretStr(KEY), timeout=10) as hr:
            acts = BambooHRActivities(hr, FIELDS, known_statuses=KNOWN)
            result = await env.run(
                acts.fetch_employee,
                FetchEmployeeInput(employee_id=people["ada"], supervisor_hint=people["boss"]),
            )

    assert gate.came_while_held
    snap = result.snapshot
    assert snap is not None and snap.manager is not None
    assert (snap.manager.employee_id, snap.manager.display_name) == (people["boss"], "Grace Hopper")
    boss_reads = [e for e in sim.requests.entries() if e["path"].endswith(f"/{people['boss']}")]
    assert len(boss_reads) == 1


@pytest.mark.parametrize("hint", ["stale", "gone"])
async def test_a_stale_supervisor_hint_still_reads_the_current_supervisor(
    acts: BambooHRActivities, store: BambooHRStore, people: dict[str, str], hint: str
) -> None:
    # The supervisor changed since the workflow's snapshot (or the one it knew is deleted):
    # the answer names the current one, and the hinted read neither leaks in nor fails it.
    new_boss = store.hire("Linus", "Pauling", "linus@acme.test", hire_date="2020-01-06")
    store.change_job(people["ada"], "2026-03-01", supervisor_id=new_boss)
    hinted = people["boss"] if hint == "stale" else "4711"

    result = await env.run(
        acts.fetch_employee,
        FetchEmployeeInput(employee_id=people["ada"], supervisor_hint=hinted),
    )

    snap = result.snapshot
    assert snap is not None and snap.manager is not None
    assert (snap.manager.employee_id, snap.manager.display_name) == (new_boss, "Linus Pauling")


async def test_a_hint_that_was_not_read_is_read_now(
    acts: BambooHRActivities, corrupt: Corrupt, store: BambooHRStore, people: dict[str, str]
) -> None:
    # Asked as "0" (BambooHR: the API key's own employee), with the hint being that very
    # spelling (so it is not read alongside), and the record naming "0" as the supervisor:
    # the supervisor must be read, not taken from a read that never happened.
    store.api_user_employee_id = people["ada"]
    corrupt.fields[(people["ada"], "supervisorEId")] = "0"

    result = await env.run(
        acts.fetch_employee, FetchEmployeeInput(employee_id="0", supervisor_hint="0")
    )

    snap = result.snapshot
    assert snap is not None and snap.employee_id == people["ada"]
    assert snap.manager is not None
    assert (snap.manager.employee_id, snap.manager.display_name) == ("0", "Ada Lovelace")


async def test_a_missing_employee_is_not_found(acts: BambooHRActivities) -> None:
    result = await env.run(acts.fetch_employee, FetchEmployeeInput(employee_id="4711"))
    assert result == FetchEmployeeResult(not_found=True)


@pytest.mark.parametrize(
    ("who", "corruption", "field"),
    [
        ("bademail", None, "workEmail"),
        ("sabbatical", None, "employmentHistoryStatus"),
        ("ada", ("hireDate", "2024-02-31"), "hireDate"),
        ("ada", ("lastChanged", "last tuesday"), "lastChanged"),
        ("ada", ("customLeaveReturnDate", "May"), "customLeaveReturnDate"),
    ],
)
async def test_bad_hr_data_is_a_review_problem_not_a_failure(
    acts: BambooHRActivities,
    corrupt: Corrupt,
    people: dict[str, str],
    who: str,
    corruption: tuple[str, str] | None,
    field: str,
) -> None:
    if corruption is not None:
        corrupt.fields[(people[who], corruption[0])] = corruption[1]

    result = await env.run(acts.fetch_employee, FetchEmployeeInput(employee_id=people[who]))

    assert result.snapshot is None and not result.not_found
    assert result.problem is not None
    assert (result.problem.code, result.problem.field) == (ReviewCode.BAD_HR_DATA, field)
    assert result.problem.message.startswith(f"BambooHR field {field}: ")


async def test_a_missing_work_email_is_left_to_the_policy(
    acts: BambooHRActivities, store: BambooHRStore
) -> None:
    eid = store.hire("Nora", "Nomail", None, hire_date="2024-01-08")
    result = await env.run(acts.fetch_employee, FetchEmployeeInput(employee_id=eid))
    assert result.problem is None and result.snapshot is not None
    assert result.snapshot.work_email is None


async def test_fetch_all_employees_in_bulk_with_bad_records_aside(
    acts: BambooHRActivities,
    corrupt: Corrupt,
    people: dict[str, str],
    sim: BambooHRSimulator,
) -> None:
    corrupt.fields[(people["boss"], "terminationDate")] = "31.12.2026"
    sim.requests.clear()

    result = await env.run(acts.fetch_all_employees, FetchAllEmployeesInput())

    assert [s.employee_id for s in result.snapshots] == [people["ada"]]
    assert {(b.employee_id, b.problem.code, b.problem.field) for b in result.bad_records} == {
        (people["boss"], ReviewCode.BAD_HR_DATA, "terminationDate"),
        (people["bademail"], ReviewCode.BAD_HR_DATA, "workEmail"),
        (people["sabbatical"], ReviewCode.BAD_HR_DATA, "employmentHistoryStatus"),
    }
    ada = result.snapshots[0]
    assert ada.custom["customLeaveReturnDate"] == "2026-05-04"
    # The boss's own record is bad, but the report still names Ada's manager.
    assert ada.manager is not None and ada.manager.work_email == "grace@acme.test"
    assert roundtrip(result) == result
    # The field list once (which extra fields are dates), then 3 requests for everyone.
    calls = [f"{r['method']} {r['path']}" for r in sim.requests.entries()]
    assert calls == [
        "GET /api/v1/meta/fields",
        "POST /api/v1/reports/custom",
        "GET /api/v1/employees/all/tables/employmentStatus",
        "GET /api/v1/employees/all/tables/jobInfo",
    ]
    sim.requests.clear()
    await env.run(acts.fetch_all_employees, FetchAllEmployeesInput())
    assert len(sim.requests.entries()) == 3


async def test_fetch_given_employees_reports_the_missing_ones(
    acts: BambooHRActivities, people: dict[str, str]
) -> None:
    result = await env.run(
        acts.fetch_all_employees,
        FetchAllEmployeesInput(employee_ids=[people["ada"], "31337"]),
    )
    assert [s.employee_id for s in result.snapshots] == [people["ada"]]
    assert [(b.employee_id, b.problem.code) for b in result.bad_records] == [
        ("31337", ReviewCode.DELETED_IN_HR)
    ]
    assert result.snapshots[0].manager is not None
    empty = await env.run(acts.fetch_all_employees, FetchAllEmployeesInput(employee_ids=[]))
    assert empty == FetchAllEmployeesResult()


async def test_fetch_changed_since(
    acts: BambooHRActivities, people: dict[str, str], sim: BambooHRSimulator
) -> None:
    cursor = datetime(2026, 3, 2, 12, tzinfo=UTC)
    sim.move_clock(now=cursor + timedelta(minutes=5))
    sim.store.update_fields(people["ada"], {"jobTitle": "Lead"})
    sim.store.delete(people["bademail"])

    result = await env.run(acts.fetch_changed_since, FetchChangedSinceInput(since=cursor))

    assert result.latest == cursor + timedelta(minutes=5)
    assert [(c.employee_id, c.action) for c in result.changes] == [
        (people["ada"], "Updated"),
        (people["bademail"], "Deleted"),
    ]
    assert roundtrip(result) == result


@pytest.mark.parametrize("status", [429, 503])
async def test_throttling_is_retried_after_retry_after(
    acts: BambooHRActivities, people: dict[str, str], sim: BambooHRSimulator, status: int
) -> None:
    sim.faults.configure(
        FaultConfig(burst_status=status, burst_every=1, burst_length=1, burst_retry_after=7)
    )
    for run in (
        lambda: env.run(acts.fetch_employee, FetchEmployeeInput(employee_id=people["ada"])),
        lambda: env.run(acts.fetch_all_employees, FetchAllEmployeesInput()),
        lambda: env.run(acts.fetch_changed_since, FetchChangedSinceInput(since=START)),
    ):
        with pytest.raises(ApplicationError) as caught:
            await run()
        assert caught.value.type == "BambooHRRateLimited"
        assert caught.value.next_retry_delay == timedelta(seconds=7)
        assert not caught.value.non_retryable


async def test_a_lasting_outage_backs_off_beyond_retry_after(
    acts: BambooHRActivities, people: dict[str, str], sim: BambooHRSimulator
) -> None:
    """503 + Retry-After is BambooHR's answer to throttling and to outages alike: the eighth
    attempt in a row waits like an eighth failure (2**7 s), not the few seconds asked."""
    sim.faults.configure(FaultConfig(unavailable=True))
    eighth = ActivityEnvironment()
    eighth.info = dataclasses.replace(eighth.info, attempt=8)
    with pytest.raises(ApplicationError) as caught:
        await eighth.run(acts.fetch_employee, FetchEmployeeInput(employee_id=people["ada"]))
    assert caught.value.type == "BambooHRRateLimited"
    assert caught.value.next_retry_delay == timedelta(seconds=128)


@pytest.mark.parametrize(
    ("faults", "kind"),
    [
        (FaultConfig(error_rate=1, error_status=500), "BambooHRServerError"),
        (FaultConfig(error_rate=1, error_status=502), "BambooHRServerError"),
        (FaultConfig(drop_rate=1), "BambooHRTransportError"),
    ],
)
async def test_server_and_transport_failures_are_retryable(
    acts: BambooHRActivities,
    people: dict[str, str],
    sim: BambooHRSimulator,
    faults: FaultConfig,
    kind: str,
) -> None:
    sim.faults.configure(faults)
    with pytest.raises(ApplicationError) as caught:
        await env.run(acts.fetch_employee, FetchEmployeeInput(employee_id=people["ada"]))
    assert caught.value.type == kind
    assert not caught.value.non_retryable
    assert caught.value.next_retry_delay is None


async def test_refused_credentials_are_not_retried(
    server: ThreadedServer, people: dict[str, str]
) -> None:
    async with BambooHRClient(server.url, SecretStr("revoked-SECRET-key"), timeout=5) as hr:
        acts = BambooHRActivities(hr, FIELDS, date_fields=set())
        with pytest.raises(ApplicationError) as caught:
            await env.run(acts.fetch_employee, FetchEmployeeInput(employee_id=people["ada"]))
    assert caught.value.type == "BambooHRAuthError"
    assert caught.value.non_retryable
    assert "Unauthorized: invalid API key" in caught.value.message
    assert "revoked-SECRET-key" not in str(caught.value)


async def test_the_key_is_in_no_result_or_error(
    acts: BambooHRActivities, people: dict[str, str], sim: BambooHRSimulator
) -> None:
    texts = [
        (await env.run(acts.fetch_all_employees, FetchAllEmployeesInput())).model_dump_json(),
        (
            await env.run(acts.fetch_changed_since, FetchChangedSinceInput(since=START))
        ).model_dump_json(),
    ]
    sim.faults.configure(FaultConfig(burst_status=429, burst_every=1, burst_length=1))
    with pytest.raises(ApplicationError) as caught:
        await env.run(acts.fetch_employee, FetchEmployeeInput(employee_id=people["ada"]))
    texts += [str(caught.value), repr(caught.value), repr(caught.value.details)]
    assert KEY not in "\n".join(texts)
