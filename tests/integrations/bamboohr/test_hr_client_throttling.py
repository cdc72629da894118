"""BambooHR's failures as typed errors: throttling with Retry-After (503 today, 429 from
2026-09-16), server errors, dead connections, refused credentials."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from integrations.bamboohr import (
    BambooHRAuthError,
    BambooHRBadRequest,
    BambooHRClient,
    BambooHRRateLimited,
    BambooHRServerError,
    BambooHRTransportError,
)
from integrations.bamboohr.client import parse_retry_after
from integrations.serving import ThreadedServer, free_port
from simulators.bamboohr import BambooHRSimulator, BambooHRStore
from simulators.common.faults import FaultConfig


@pytest.mark.parametrize("status", [429, 503])
async def test_throttling_bursts_carry_retry_after(
    client: BambooHRClient, store: BambooHRStore, sim: BambooHRSimulator, status: int
) -> None:
    eid = store.hire("Ada", "Lovelace", "ada@acme.test", hire_date="2024-01-08")
    # Every third API request starts a burst of two throttled answers.
    sim.faults.configure(
        FaultConfig(burst_status=status, burst_every=3, burst_length=2, burst_retry_after=7)
    )

    for _ in range(2):
        with pytest.raises(BambooHRRateLimited) as caught:
            await client.get_employee(eid, ["firstName"])
        assert caught.value.retry_after == 7
        assert caught.value.status == status
        assert caught.value.message  # BambooHR's X-BambooHR-Error-Message text
    assert (await client.get_employee(eid, ["firstName"]))["firstName"] == "Ada"
    assert sim.faults.counters == {"burst": 2}


async def test_a_503_without_retry_after_is_a_server_error(
    client: BambooHRClient, sim: BambooHRSimulator
) -> None:
    sim.faults.configure(FaultConfig(error_rate=1, error_status=503))
    with pytest.raises(BambooHRServerError) as caught:
        await client.fetch_changed(datetime(2026, 1, 1, tzinfo=UTC))
    assert not isinstance(caught.value, BambooHRRateLimited)
    assert caught.value.status == 503


async def test_server_errors_and_dropped_connections(
    client: BambooHRClient, sim: BambooHRSimulator
) -> None:
    sim.faults.configure(FaultConfig(error_rate=1, error_status=500))
    with pytest.raises(BambooHRServerError) as server_error:
        await client.list_fields()
    assert "injected fault" in server_error.value.message

    sim.faults.configure(FaultConfig(drop_rate=1))
    with pytest.raises(BambooHRTransportError):
        await client.list_fields()


async def test_nobody_listening_is_a_transport_error() -> None:
    async with BambooHRClient(
        f"http://127.0.0.1:{free_port()}", SecretStr("whatever-key"), timeout=2
    ) as hr:
        with pytest.raises(BambooHRTransportError) as caught:
            await hr.get_table("1", "jobInfo")
    assert caught.value.path == "/api/v1/employees/1/tables/jobInfo"


async def test_a_wrong_key_is_an_auth_error_with_bamboohrs_text(server: ThreadedServer) -> None:
    async with BambooHRClient(server.url, SecretStr("not-the-key"), timeout=5) as hr:
        with pytest.raises(BambooHRAuthError) as caught:
            await hr.fetch_snapshot("1")
    assert caught.value.status == 401
    assert caught.value.message == "Unauthorized: invalid API key"


async def test_a_refused_request_is_a_bad_request(client: BambooHRClient) -> None:
    with pytest.raises(BambooHRBadRequest) as caught:
        await client.create_webhook("hr", "ftp://example.test/hook", monitor_fields=["jobTitle"])
    assert caught.value.status == 400
    assert caught.value.message == "Invalid request body"


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert parse_retry_after("7") == 7
    assert parse_retry_after(" 2.5 ") == 2.5
    nine = datetime(2026, 3, 2, 9, tzinfo=UTC).timestamp()
    assert parse_retry_after("Mon, 02 Mar 2026 09:00:30 GMT", now=nine) == 30
    assert parse_retry_after("Mon, 02 Mar 2026 08:00:00 GMT", now=nine) == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
