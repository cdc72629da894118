"""Fixtures: a fresh BambooHR simulator per test over real HTTP, and our client for it.

The sim clock is frozen at START; the simulator's answers can be corrupted per test
(`proxy.set_field`) to play BambooHR records the simulator itself would refuse to store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from hrsim_harness import START, CorruptAnswers, RecordingTransport
from pydantic import SecretStr

from integrations.bamboohr import BambooHRClient
from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_BAMBOOHR_KEY
from simulators.bamboohr import BambooHRSimulator, BambooHRStore
from simulators.bamboohr.admin_client import BambooHRAdminClient
from simulators.common.clock import SimClock


@pytest.fixture
def clock() -> SimClock:
    clock = SimClock()
    clock.freeze(START)
    return clock


@pytest.fixture
def sim(clock: SimClock) -> BambooHRSimulator:
    return BambooHRSimulator(clock=clock, delivery_tick_seconds=0.02)


@pytest.fixture
def proxy(sim: BambooHRSimulator) -> CorruptAnswers:
    return CorruptAnswers(sim.app)


@pytest.fixture
def server(proxy: CorruptAnswers) -> Iterator[ThreadedServer]:
    with ThreadedServer(proxy, name="bamboohr-sim") as running:
        yield running


@pytest.fixture
def store(sim: BambooHRSimulator) -> BambooHRStore:
    return sim.store


@pytest.fixture
def admin(server: ThreadedServer) -> Iterator[BambooHRAdminClient]:
    with BambooHRAdminClient(server.url, SIM_BAMBOOHR_KEY) as client:
        yield client


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
async def client(
    server: ThreadedServer, transport: RecordingTransport
) -> AsyncIterator[BambooHRClient]:
    async with BambooHRClient(
        server.url, SecretStr(SIM_BAMBOOHR_KEY), timeout=10, transport=transport
    ) as hr:
        yield hr
