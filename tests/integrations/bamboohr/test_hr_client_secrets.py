"""The BambooHR API key never shows: not in errors, reprs, results or log lines (DEBUG
included), whatever goes wrong."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from hrsim_harness import EXTRA_FIELDS
from pydantic import SecretStr

from integrations.bamboohr import BambooHRClient, BambooHRError
from integrations.serving import ThreadedServer, free_port
from simulators.bamboohr import BambooHRSimulator
from simulators.common.faults import FaultConfig

KEY = "bhr-k3y-SECRET-5f0c2a9d71e4"
WRONG_KEY = "bhr-wrong-SECRET-88aa1177"


def forms(key: str) -> list[str]:
    """The key and the encodings it travels in."""
    return [
        key,
        base64.b64encode(f"{key}:x".encode()).decode(),
        base64.b64encode(key.encode()).decode().rstrip("="),
    ]


@pytest.fixture
def sim(clock: Any) -> BambooHRSimulator:
    return BambooHRSimulator(clock=clock, api_key=KEY)


async def test_the_key_never_leaks(
    server: ThreadedServer, sim: BambooHRSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    eid = sim.store.hire("Ada", "Lovelace", "ada@acme.test", hire_date="2024-01-08")
    texts: list[str] = []

    async def attempt(hr: BambooHRClient, call: Any) -> None:
        try:
            result = await call(hr)
        except BambooHRError as exc:
            texts.extend([str(exc), repr(exc), repr(exc.args), exc.message])
        else:
            texts.append(repr(result))

    async with BambooHRClient(server.url, SecretStr(KEY), timeout=5) as hr:
        texts.extend([repr(hr), repr(vars(hr)), repr(hr._http.auth), repr(vars(hr._http))])
        await attempt(hr, lambda c: c.fetch_snapshot(eid, EXTRA_FIELDS))
        await attempt(hr, lambda c: c.fetch_snapshots(None, EXTRA_FIELDS))
        await attempt(hr, lambda c: c.fetch_changed(datetime(2026, 1, 1, tzinfo=UTC)))
        await attempt(hr, lambda c: c.fetch_snapshot("999"))
        for faults in (
            FaultConfig(burst_status=429, burst_every=1, burst_length=1),
            FaultConfig(burst_status=503, burst_every=1, burst_length=1),
            FaultConfig(error_rate=1),
            FaultConfig(drop_rate=1),
        ):
            sim.faults.configure(faults)
            await attempt(hr, lambda c: c.fetch_snapshot(eid))
        sim.faults.configure(FaultConfig())
    async with BambooHRClient(server.url, SecretStr(WRONG_KEY), timeout=5) as wrong:
        await attempt(wrong, lambda c: c.fetch_snapshot(eid))
    async with BambooHRClient(f"http://127.0.0.1:{free_port()}", SecretStr(KEY)) as dead:
        await attempt(dead, lambda c: c.fetch_snapshots())

    assert len(texts) > 10 and any("Unauthorized" in t for t in texts)
    haystack = "\n".join(texts) + "\n" + caplog.text
    for secret in forms(KEY) + forms(WRONG_KEY):
        assert secret not in haystack
