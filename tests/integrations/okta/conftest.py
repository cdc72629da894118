"""Fixtures for the Okta client tests: a fresh simulator on a frozen `SimClock`, served over
real HTTP, and an `OktaClient` whose governor sleeps on that clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from okta_client_support import clock_sleep

from integrations.okta import OktaClient, RateLimitGovernor, SswsAuth
from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_OKTA_TOKEN
from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> SimClock:
    clock = SimClock()
    clock.freeze(START)
    return clock


@pytest.fixture
def sim(clock: SimClock) -> OktaSimulator:
    sim = OktaSimulator(clock=clock)
    sim.store.add_schema_attribute("bambooHrId", title="BambooHR id")
    return sim


@pytest.fixture
def server(sim: OktaSimulator) -> Iterator[ThreadedServer]:
    with ThreadedServer(sim.app, name="okta-sim") as running:
        yield running


@pytest.fixture
def governor(clock: SimClock) -> RateLimitGovernor:
    return RateLimitGovernor(clock=clock.time, sleep=clock_sleep(clock), max_concurrency=20)


@pytest.fixture
async def client(server: ThreadedServer, governor: RateLimitGovernor) -> AsyncIterator[OktaClient]:
    okta = OktaClient(server.url, SswsAuth(SIM_OKTA_TOKEN), governor, timeout=10)
    try:
        yield okta
    finally:
        await okta.aclose()
