"""Fixtures: a fresh Okta simulator per test, served over real HTTP on a free port.

The `okta` client authenticates with the simulator token and validates every exchange
against the trimmed official spec (see okta_contract.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from okta_contract import OktaContract

from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_OKTA_TOKEN
from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def contract() -> OktaContract:
    return OktaContract()


@pytest.fixture
def clock() -> SimClock:
    clock = SimClock()
    clock.freeze(START)
    return clock


@pytest.fixture
def sim(clock: SimClock) -> OktaSimulator:
    return OktaSimulator(clock=clock)


class AppSwitch:
    """One uvicorn server for the whole session, serving each test's own simulator.

    Starting and stopping a server per test costs ~0.2 s; the simulators are cheap. Tests
    that need the simulator's own lifespan (persistence) start a ThreadedServer themselves.
    """

    def __init__(self) -> None:
        self.target: Any = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].removeprefix("lifespan.")
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        await self.target(scope, receive, send)


@pytest.fixture(scope="session")
def _shared_server() -> Iterator[tuple[ThreadedServer, AppSwitch]]:
    switch = AppSwitch()
    with ThreadedServer(switch, name="okta-sim") as running:
        yield running, switch


@pytest.fixture
def server(
    sim: OktaSimulator, _shared_server: tuple[ThreadedServer, AppSwitch]
) -> Iterator[ThreadedServer]:
    running, switch = _shared_server
    switch.target = sim.app
    yield running
    switch.target = None


@pytest.fixture
def okta(server: ThreadedServer, contract: OktaContract) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"SSWS {SIM_OKTA_TOKEN}", "Accept": "application/json"},
        event_hooks={"response": [contract.check]},
        timeout=10,
    ) as client:
        yield client


@pytest.fixture
def anon(server: ThreadedServer, contract: OktaContract) -> Iterator[httpx.Client]:
    """No credentials (and the admin API, which needs none)."""
    with httpx.Client(
        base_url=server.url, event_hooks={"response": [contract.check]}, timeout=10
    ) as client:
        yield client
