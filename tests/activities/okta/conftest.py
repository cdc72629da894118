"""Fixtures for the Okta activity tests: the simulator over real HTTP on a frozen clock,
the client (its governor sleeping on that clock), a SQLite audit store, the activities."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from okta_activity_support import clock_sleep

from activities.okta import OktaActivities
from integrations.audit import AuditStore, open_audit_store
from integrations.okta import OktaClient, RateLimitGovernor, SswsAuth
from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_OKTA_TOKEN, Mode
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
async def client(server: ThreadedServer, clock: SimClock) -> AsyncIterator[OktaClient]:
    governor = RateLimitGovernor(clock=clock.time, sleep=clock_sleep(clock), max_concurrency=20)
    okta = OktaClient(server.url, SswsAuth(SIM_OKTA_TOKEN), governor, timeout=10)
    try:
        yield okta
    finally:
        await okta.aclose()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AuditStore]:
    with open_audit_store(f"sqlite:///{tmp_path / 'audit.db'}") as opened:
        yield opened


@pytest.fixture
def okta(client: OktaClient, store: AuditStore) -> OktaActivities:
    return OktaActivities(client, store, Mode.APPLY)


@pytest.fixture
def dry(client: OktaClient, store: AuditStore) -> OktaActivities:
    return OktaActivities(client, store, Mode.DRY_RUN)
