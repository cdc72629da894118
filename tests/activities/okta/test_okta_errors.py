"""Okta errors become Temporal errors with the right retry semantics: rate limits retry
after Okta's reset, outages retry with backoff, rejections stop and go to review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from okta_activity_support import clock_sleep, environment, person
from temporalio.exceptions import ApplicationError

from activities.okta import OktaActivities
from activities.okta.errors import to_application_error
from contracts.activities import SetOktaStatusInput
from integrations.audit import AuditStore
from integrations.okta import (
    OktaAuthError,
    OktaClient,
    OktaConflict,
    OktaInvalidTransition,
    OktaNotFound,
    OktaRateLimited,
    OktaServerError,
    OktaTransportError,
    OktaValidationError,
    RateLimitGovernor,
    SswsAuth,
)
from integrations.serving import ThreadedServer
from lifecycle.models import AccountStatus
from lifecycle.settings import SIM_OKTA_TOKEN, Mode
from simulators.common.clock import SimClock
from simulators.common.faults import FaultConfig
from simulators.okta import OktaSimulator


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (OktaServerError("POST /x: 500"), True),
        (OktaTransportError("POST /x: no answer"), True),
        (OktaConflict("POST /x: 409 E0000195"), True),
        (OktaValidationError("POST /x: 400 E0000001", causes=["email: bad"]), False),
        (OktaInvalidTransition("POST /x: 403 E0000038"), False),
        (OktaAuthError("GET /x: 401 E0000011"), False),
        (OktaNotFound("GET /x: 404 E0000007"), False),
    ],
)
def test_mapping(error: Exception, retryable: bool) -> None:
    mapped = to_application_error(error, now=0)  # type: ignore[arg-type]
    assert mapped.type == type(error).__name__
    assert mapped.non_retryable is not retryable
    assert str(error) in mapped.message


def test_rate_limit_retries_after_the_reset() -> None:
    mapped = to_application_error(OktaRateLimited("GET /x: 429", reset_at=1_045.0), now=1_000.0)
    assert mapped.type == "OktaRateLimited" and not mapped.non_retryable
    assert mapped.next_retry_delay == timedelta(seconds=45)
    past = to_application_error(OktaRateLimited("GET /x: 429", reset_at=900.0), now=1_000.0)
    assert past.next_retry_delay == timedelta(seconds=1)


async def test_a_long_429_burst_surfaces_with_the_reset(
    sim: OktaSimulator, server: ThreadedServer, clock: SimClock, store: AuditStore
) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    sim.faults.configure(FaultConfig(burst_every=1000, burst_length=1000, burst_retry_after=40))
    governor = RateLimitGovernor(clock=clock.time, sleep=clock_sleep(clock))
    client = OktaClient(server.url, SswsAuth(SIM_OKTA_TOKEN), governor, rate_limit_retries=0)
    okta = OktaActivities(client, store, Mode.APPLY)
    try:
        with pytest.raises(ApplicationError) as limited:
            await environment().run(
                okta.set_okta_status,
                SetOktaStatusInput(
                    employee_id="1", user_id=user["id"], target=AccountStatus.SUSPENDED
                ),
            )
    finally:
        await client.aclose()
    assert limited.value.type == "OktaRateLimited" and not limited.value.non_retryable
    delay = limited.value.next_retry_delay
    assert delay is not None and 39 <= delay.total_seconds() <= 41


async def test_server_errors_on_a_write_are_retryable(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    sim.faults.configure(FaultConfig(error_rate=1.0, methods=["POST"]))
    with pytest.raises(ApplicationError) as failed:
        await environment().run(
            okta.set_okta_status,
            SetOktaStatusInput(employee_id="1", user_id=user["id"], target=AccountStatus.SUSPENDED),
        )
    assert failed.value.type == "OktaServerError" and not failed.value.non_retryable
    assert "POST /api/v1/users/" in failed.value.message and "500" in failed.value.message
