"""Every request our BambooHR client sends follows the official spec (trimmed copy here).

Each client method runs against the simulator over real HTTP. The simulator's request log
says what arrived (method, path, query); the client's transport kept the headers and body of
the same requests; each pair is validated with openapi-core, plus what the spec leaves to
prose: `Accept: application/json`, Basic auth with the key and `x`, and a body sent as
exactly `application/json` (BambooHR reads anything else as XML).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from _openapi import ContractSpec, SpecRequest
from pydantic import SecretStr

from integrations.bamboohr import BambooHRClient
from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_BAMBOOHR_KEY
from simulators.bamboohr import BambooHRSimulator
from simulators.common.clock import SimClock

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
EXTRA = ["customJobLevel", "4002", "customLeaveReturnDate"]
CLIENT_OPERATIONS = {
    "get-employee",
    "update-employee",
    "get-employee-table-data",
    "get-changed-employee-ids",
    "get-changed-employee-table-data",
    "request-custom-report",
    "list-fields",
    "list-webhooks",
    "create-webhook",
}


class Recording(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(scope="module")
def spec() -> ContractSpec:
    return ContractSpec("bamboohr-openapi.trimmed.yaml", host_url="https://acme.bamboohr.com")


@pytest.fixture
def sim() -> BambooHRSimulator:
    clock = SimClock()
    clock.freeze(START)
    return BambooHRSimulator(clock=clock)


@pytest.fixture
def server(sim: BambooHRSimulator) -> Iterator[ThreadedServer]:
    with ThreadedServer(sim.app, name="bamboohr-sim") as running:
        yield running


@pytest.fixture
def transport() -> Recording:
    return Recording()


@pytest.fixture
async def client(server: ThreadedServer, transport: Recording) -> AsyncIterator[BambooHRClient]:
    async with BambooHRClient(
        server.url, SecretStr(SIM_BAMBOOHR_KEY), timeout=10, transport=transport
    ) as hr:
        yield hr


async def exercise(client: BambooHRClient, sim: BambooHRSimulator) -> None:
    """Every public method of the client, with the options that change the request."""
    store = sim.store
    boss = store.hire("Grace", "Hopper", "grace@acme.test", hire_date="2019-01-07")
    ada = store.hire(
        "Ada",
        "Lovelace",
        "ada@acme.test",
        supervisor_id=boss,
        hire_date="2024-01-08",
        fields={"customJobLevel": "L3"},
    )
    store.start_leave(ada, "2026-04-01", return_date="2026-05-04")
    gone = store.hire("Tom", "Gone", "tom@acme.test", hire_date="2024-01-08")
    store.delete(gone)
    since = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)

    await client.get_employee(ada, ["firstName", "customJobLevel", "4002"])
    await client.get_employee(ada, ["department"], only_current=False)
    await client.get_table(ada, "employmentStatus")
    await client.get_table(ada, "jobInfo")
    await client.get_table("all", "employmentStatus")
    await client.get_changed(since)
    await client.get_changed_table("employmentStatus", since)
    await client.get_changed_table("jobInfo", since)
    await client.custom_report(["firstName", "4002"])
    await client.custom_report(["firstName"], employee_ids=[ada, boss], only_current=False)
    await client.list_fields()
    await client.create_webhook(
        "lifecycle",
        "https://lifecycle.example.test/webhooks/bamboohr",
        monitor_fields=["jobTitle", "employmentHistoryStatus"],
        events=["employee.created", "employee.updated", "employee.deleted"],
    )
    await client.create_webhook(
        "lifecycle-fields",
        "https://lifecycle.example.test/webhooks/bamboohr",
        monitor_fields=["jobTitle"],
        post_fields={"firstName": "firstName"},
    )
    await client.list_webhooks()
    await client.fetch_snapshot(ada, EXTRA)
    await client.fetch_snapshots(None, EXTRA)
    await client.fetch_snapshots([ada], EXTRA)
    await client.fetch_changed(since)
    await client.update_employee(ada, {"workEmail": "ada.lovelace@acme.test"})


async def test_every_request_follows_the_spec(
    client: BambooHRClient, sim: BambooHRSimulator, transport: Recording, spec: ContractSpec
) -> None:
    await exercise(client, sim)

    logged = sim.requests.entries()
    sent = transport.requests
    assert len(logged) == len(sent) > 20
    basic = "Basic " + base64.b64encode(f"{SIM_BAMBOOHR_KEY}:x".encode()).decode()
    covered: set[str] = set()
    for entry, request in zip(logged, sent, strict=True):
        # The log and the transport saw the same request.
        assert (entry["method"], entry["path"], entry["query"]) == (
            request.method,
            request.url.path,
            request.url.query.decode(),
        )
        assert 200 <= entry["status"] < 300, entry
        what = f"{entry['method']} {entry['path']}?{entry['query']}"
        covered.add(
            spec.validate(
                SpecRequest(
                    method=entry["method"],
                    path=entry["path"],
                    query=entry["query"],
                    headers=list(request.headers.items()),
                    body=request.content or None,
                    content_type=request.headers.get("content-type", ""),
                )
            )
        )
        assert request.headers["accept"] == "application/json", what
        assert request.headers["authorization"] == basic, what
        if request.method == "POST":
            assert request.headers["content-type"] == "application/json", what
        else:
            assert not request.content and "content-type" not in request.headers, what
    assert covered == CLIENT_OPERATIONS


def test_the_validator_has_teeth(spec: ContractSpec) -> None:
    """What the client must never send is refused by the same check."""
    bad = [
        SpecRequest("GET", "/api/v1/employees/changed", "since=last+week"),
        SpecRequest("GET", "/api/v1/employees/1", "onlyCurrent=sometimes"),
        SpecRequest(
            "POST",
            "/api/v1/reports/custom",
            "format=JSON",  # the spec's enum is lower-case
            body=b'{"fields":["firstName"]}',
            content_type="application/json",
        ),
        SpecRequest(
            "POST",
            "/api/v1/reports/custom",
            "format=json",
            body=b'{"fields":["firstName"],"filters":{"employeeIds":["1"]}}',
            content_type="application/json",
        ),
    ]
    for request in bad:
        request.headers = [("Authorization", "Basic eDp4")]
        with pytest.raises(Exception):  # noqa: B017 - openapi-core's several error types
            spec.validate(request)
