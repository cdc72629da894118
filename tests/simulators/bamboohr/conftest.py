"""Fixtures: a fresh BambooHR simulator per test, served over real HTTP on a free port.

The sim clock is frozen at START (a Monday); tests move it. Webhook redeliveries use a short
schedule in sim seconds (the clock is advanced, nothing waits on the wall clock beyond the
dispatcher's 20 ms tick). The `api` client authenticates with the simulator key, asks for
JSON, and validates every exchange against the trimmed official spec.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from bamboohr_contract import BambooHRContract
from bamboohr_receivers import Receiver
from bamboohr_testdata import RETRY_SCHEDULE, START, Company, seed_company

from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_BAMBOOHR_KEY
from simulators.bamboohr import BambooHRSimulator
from simulators.bamboohr.admin_client import BambooHRAdminClient
from simulators.common.clock import SimClock


@pytest.fixture(scope="session")
def contract() -> BambooHRContract:
    return BambooHRContract()


@pytest.fixture
def clock() -> SimClock:
    clock = SimClock()
    clock.freeze(START)
    return clock


@pytest.fixture
def sim(clock: SimClock) -> BambooHRSimulator:
    return BambooHRSimulator(
        clock=clock, webhook_retry_schedule=RETRY_SCHEDULE, delivery_tick_seconds=0.02
    )


@pytest.fixture
def server(sim: BambooHRSimulator) -> Iterator[ThreadedServer]:
    with ThreadedServer(sim.app, name="bamboohr-sim") as running:
        yield running


@pytest.fixture
def api(server: ThreadedServer, contract: BambooHRContract) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url,
        auth=httpx.BasicAuth(SIM_BAMBOOHR_KEY, "x"),
        headers={"Accept": "application/json"},
        event_hooks={"response": [contract.check]},
        timeout=10,
        trust_env=False,
    ) as client:
        yield client


@pytest.fixture
def anon(server: ThreadedServer, contract: BambooHRContract) -> Iterator[httpx.Client]:
    """No credentials and no Accept header; still contract-checked."""
    with httpx.Client(
        base_url=server.url,
        event_hooks={"response": [contract.check]},
        timeout=10,
        trust_env=False,
    ) as client:
        yield client


@pytest.fixture
def admin(server: ThreadedServer) -> Iterator[BambooHRAdminClient]:
    with BambooHRAdminClient(server.url, SIM_BAMBOOHR_KEY) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    hooks = Receiver()
    with ThreadedServer(hooks.app(), name="webhook-receiver") as running:
        yield hooks, f"{running.url}/hook"


@pytest.fixture
def company(sim: BambooHRSimulator) -> Company:
    return seed_company(sim.store)
