"""The Okta credential never shows up in logs, exception texts, activity results or the
audit store, whether calls succeed or fail."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from okta_activity_support import clock_sleep, ensure_input, environment, person
from pydantic import BaseModel

from activities.okta import OktaActivities
from contracts.activities import (
    FindOktaUserInput,
    RevokeOktaSessionsInput,
    SetOktaStatusInput,
    SyncManagedGroupsInput,
    UpdateOktaProfileInput,
)
from integrations.audit import AuditStore
from integrations.okta import OktaClient, RateLimitGovernor, SswsAuth
from integrations.serving import ThreadedServer
from lifecycle.models import AccountStatus
from lifecycle.settings import Mode
from simulators.common.clock import SimClock
from simulators.common.faults import FaultConfig
from simulators.okta import OktaSimulator

TOKEN = "00okta-secret-Zq8LmN3vR7"
WRONG = "00wrong-secret-Kp2XyT9w"


@pytest.fixture
def secret_sim(clock: SimClock) -> OktaSimulator:
    sim = OktaSimulator(clock=clock, api_token=TOKEN)
    sim.store.add_schema_attribute("bambooHrId", title="BambooHR id")
    return sim


@pytest.fixture
async def url(secret_sim: OktaSimulator) -> AsyncIterator[str]:
    with ThreadedServer(secret_sim.app, name="okta-secret") as running:
        yield running.url


def activities(url: str, token: str, clock: SimClock, store: AuditStore) -> OktaActivities:
    governor = RateLimitGovernor(clock=clock.time, sleep=clock_sleep(clock))
    return OktaActivities(OktaClient(url, SswsAuth(token), governor), store, Mode.APPLY)


async def test_the_token_never_leaks(
    url: str,
    secret_sim: OktaSimulator,
    clock: SimClock,
    store: AuditStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    okta = activities(url, TOKEN, clock, store)
    wrong = activities(url, WRONG, clock, store)
    staged = secret_sim.store.create_user(person(2, bambooHrId="2"), "STAGED")
    texts: list[str] = []

    async def run(okta: OktaActivities, fn: str, request: BaseModel) -> None:
        try:
            result = await environment().run(getattr(okta, fn), request)
            texts.append(result.model_dump_json())
        except Exception as error:  # every failure's text is scanned too
            texts.extend([str(error), repr(error), str(getattr(error, "details", ""))])

    await run(okta, "ensure_okta_user", ensure_input(1))
    bad = ensure_input(3)
    bad.profile["email"] = "not-an-address"
    await run(okta, "ensure_okta_user", bad)
    await run(okta, "find_okta_user", FindOktaUserInput(employee_id="1", email="x@example.test"))
    await run(
        okta,
        "update_okta_profile",
        UpdateOktaProfileInput(employee_id="2", user_id=staged["id"], profile={"title": "T"}),
    )
    await run(
        okta,
        "set_okta_status",
        SetOktaStatusInput(employee_id="2", user_id="00unope", target=AccountStatus.ACTIVE),
    )
    await run(
        okta,
        "sync_managed_groups",
        SyncManagedGroupsInput(employee_id="2", user_id=staged["id"], desired=[], managed=[]),
    )
    secret_sim.faults.configure(FaultConfig(error_rate=1.0))
    await run(okta, "revoke_okta_sessions", RevokeOktaSessionsInput(employee_id="2", user_id="x"))
    secret_sim.faults.configure(FaultConfig(drop_rate=1.0))
    await run(okta, "revoke_okta_sessions", RevokeOktaSessionsInput(employee_id="2", user_id="x"))
    secret_sim.faults.configure(FaultConfig())
    await run(wrong, "ensure_okta_user", ensure_input(4))
    await okta.client.aclose()
    await wrong.client.aclose()

    assert any("OktaAuthError" in t or "credentials" in t for t in texts)
    assert any("no answer" in t for t in texts)
    texts.append(caplog.text)
    texts.extend(r.model_dump_json() for r in store.query(limit=None))
    texts.extend([repr(okta.client), repr(okta.client.auth)])
    for secret in (TOKEN, WRONG):
        assert not [t for t in texts if secret in t], f"{secret[:8]}... leaked"
