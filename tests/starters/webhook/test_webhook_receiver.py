"""The BambooHR webhook receiver: signed deliveries (both payload families) start or signal
the right employee workflows; everything else is rejected with its documented status and a
JSON error body, and touches no workflow."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from lifecycle_harness import LifecycleStack, lifecycle_stack
from pydantic import SecretStr
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from contracts.employee import LifecycleState, workflow_id_for
from integrations.bamboohr.webhooks import sign
from integrations.serving import free_port, start_in_loop
from lifecycle.settings import SIM_WEBHOOK_KEY, Settings, SettingsError
from starters.devserver import test_server_path as temporal_test_server
from starters.webhook.app import PATH, create_webhook_app
from workers.connect import data_converter

KEY = SIM_WEBHOOK_KEY


class Receiver:
    def __init__(self, stack: LifecycleStack, url: str) -> None:
        self.stack = stack
        self.url = url

    async def post(
        self,
        payload: Any,
        *,
        raw: bytes | None = None,
        key: str = KEY,
        timestamp: int | None = None,
        content_type: str = "application/json",
        signature: str | None = None,
    ) -> httpx.Response:
        body = raw if raw is not None else json.dumps(payload).encode()
        ts = str(timestamp if timestamp is not None else int(time.time()))
        from pydantic import SecretStr

        headers = {
            "Content-Type": content_type,
            "X-BambooHR-Timestamp": ts,
            "X-BambooHR-Signature": signature or sign(body, ts, SecretStr(key)),
        }
        if signature == "":
            del headers["X-BambooHR-Signature"]
        async with httpx.AsyncClient(timeout=30) as http:
            return await http.post(self.url + PATH, content=body, headers=headers)

    async def workflow_exists(self, employee_id: str) -> bool:
        try:
            await self.stack.client.workflow_service.describe_workflow_execution(
                __import__(
                    "temporalio.api.workflowservice.v1", fromlist=["x"]
                ).DescribeWorkflowExecutionRequest(
                    namespace=self.stack.client.namespace,
                    execution=__import__(
                        "temporalio.api.common.v1", fromlist=["x"]
                    ).WorkflowExecution(workflow_id=workflow_id_for(employee_id)),
                )
            )
            return True
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return False
            raise


@pytest.fixture
async def receiver(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> AsyncIterator[Receiver]:
    async with lifecycle_stack(time_skipping_env, tmp_path, task_queue) as stack:
        port = free_port()
        settings = stack.settings.model_copy(update={"lifecycle_webhook_port": port})
        stop = await start_in_loop(
            create_webhook_app(settings, stack.client), "127.0.0.1", port, "webhook receiver"
        )
        try:
            yield Receiver(stack, f"http://127.0.0.1:{port}")
        finally:
            await stop()


def event(employee_id: str, kind: str = "employee.updated") -> dict[str, Any]:
    return {
        "type": kind,
        "timestamp": "2026-11-29T12:00:00Z",
        "data": {"companyId": 1, "employeeId": employee_id, "changedFields": ["department"]},
    }


async def test_signed_event_delivery_starts_the_employee_workflow(receiver: Receiver) -> None:
    stack = receiver.stack
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=30))
    answer = await receiver.post(event(employee))
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"accepted": 1}
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.okta_user_for(employee) is not None


async def test_signed_field_based_delivery_signals_every_employee(receiver: Receiver) -> None:
    stack = receiver.stack
    first = stack.hire(hire_date=await stack.today() - timedelta(days=30))
    second = stack.hire(
        hire_date=await stack.today() - timedelta(days=30),
        department="Sales",
        division="Go-To-Market",
    )
    payload = {
        "employees": [
            {
                "action": "Updated",
                "changedFields": ["department"],
                "fields": {"department": "X"},
                "id": first,
                "timestamp": "2026-11-29T12:00:00Z",
            },
            {
                "action": "Created",
                "changedFields": [],
                "fields": {},
                "id": second,
                "timestamp": "2026-11-29T12:00:01Z",
            },
        ]
    }
    answer = await receiver.post(payload)
    assert answer.status_code == 202, answer.text
    for employee in (first, second):
        await stack.wait_state(employee, LifecycleState.ACTIVE)


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("forged signature", 401, "invalid_signature"),
        ("wrong key", 401, "invalid_signature"),
        ("missing signature", 401, "invalid_signature"),
        ("stale timestamp", 401, "invalid_signature"),
        ("future timestamp", 401, "invalid_signature"),
        ("malformed JSON", 400, "invalid_payload"),
        ("not an employee id", 400, "invalid_payload"),
        ("unknown payload", 400, "invalid_payload"),
        ("oversized body", 413, "payload_too_large"),
        ("wrong content type", 415, "unsupported_media_type"),
    ],
)
async def test_bad_deliveries_are_rejected_and_start_nothing(
    receiver: Receiver, case: str, status: int, code: str
) -> None:
    employee = "424242"
    body = json.dumps(event(employee)).encode()
    now = int(time.time())
    kwargs: dict[str, Any] = {}
    if case == "forged signature":
        kwargs["signature"] = "0" * 64
    elif case == "wrong key":
        kwargs["key"] = "not-the-key"
    elif case == "missing signature":
        kwargs["signature"] = ""
    elif case == "stale timestamp":
        kwargs["timestamp"] = now - 3600
    elif case == "future timestamp":
        kwargs["timestamp"] = now + 3600
    elif case == "malformed JSON":
        body = b'{"type": "employee.updated", "data": {'
    elif case == "not an employee id":
        body = json.dumps(event("../../evil")).encode()
    elif case == "unknown payload":
        body = json.dumps({"hello": "world"}).encode()
    elif case == "oversized body":
        body = json.dumps({**event(employee), "pad": "x" * 300_000}).encode()
    elif case == "wrong content type":
        kwargs["content_type"] = "text/plain"
    answer = await receiver.post(None, raw=body, **kwargs)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == code
    assert answer.json()["message"]
    assert not await receiver.workflow_exists(employee)
    assert not await receiver.workflow_exists("evil")


async def test_replayed_delivery_is_rejected_redelivery_after_failure_is_not(
    receiver: Receiver,
) -> None:
    stack = receiver.stack
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=30))
    body = json.dumps(event(employee)).encode()
    ts = int(time.time())
    first = await receiver.post(None, raw=body, timestamp=ts)
    assert first.status_code == 202
    replay = await receiver.post(None, raw=body, timestamp=ts)
    assert replay.status_code == 409
    assert replay.json()["error"] == "replayed_delivery"
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    history = await stack.handle(employee).fetch_history()
    signals = [
        e for e in history.events if e.HasField("workflow_execution_signaled_event_attributes")
    ]
    assert len(signals) == 1  # the replay signalled nothing


async def test_temporal_failure_answers_503_so_bamboohr_redelivers(receiver: Receiver) -> None:
    # A receiver whose Temporal is gone: the delivery must fail loudly (5xx), never 2xx.
    down = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(), data_converter=data_converter()
    )
    port = free_port()
    settings = receiver.stack.settings.model_copy(update={"lifecycle_webhook_port": port})
    stop = await start_in_loop(create_webhook_app(settings, down.client), "127.0.0.1", port, "down")
    await down.shutdown()
    try:
        broken = Receiver(receiver.stack, f"http://127.0.0.1:{port}")
        answer = await broken.post(event("777"))
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "temporarily_unavailable"
        async with httpx.AsyncClient() as http:
            health = await http.get(broken.url + "/health")
        assert health.status_code == 503
    finally:
        await stop()


async def test_bamboohr_simulator_delivery_reaches_the_workflow(receiver: Receiver) -> None:
    """The simulated BambooHR signs and delivers a real webhook for an HR admin's change."""
    stack = receiver.stack
    stack.hr.webhooks.create(
        {
            "name": "lifecycle",
            "url": receiver.url + PATH,
            "format": "json",
            "events": ["employee.created", "employee.updated"],
            "monitorFields": ["department", "employmentHistoryStatus"],
        }
    )
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=30))
    # Off the event loop: the delivery is received by the receiver running on this loop.
    await asyncio.to_thread(stack.hr.flush_webhooks, 10)
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    deliveries = stack.hr.dispatcher.deliveries()
    assert deliveries, "the simulator delivered nothing"


async def test_health_endpoint(receiver: Receiver) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.get(receiver.url + "/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_against_a_real_bamboohr_the_receiver_refuses_to_start_without_its_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The simulator's key is public (it is in this repository): against a real BambooHR it
    would let anyone forge a termination, so there is no fallback there."""
    for name in ("BAMBOOHR_WEBHOOK_KEY", "BAMBOOHR_BASE_URL"):  # other tests may leave them
        monkeypatch.delenv(name, raising=False)
    real = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bamboohr_base_url=None,
        bamboohr_subdomain="acme",
        bamboohr_api_key=SecretStr("k"),
        bamboohr_webhook_key=None,
    )
    with pytest.raises(SettingsError) as refused:
        create_webhook_app(real, client=None)  # type: ignore[arg-type]
    assert "BAMBOOHR_WEBHOOK_KEY: required" in str(refused.value)
    assert SIM_WEBHOOK_KEY not in str(refused.value)
    local = Settings(_env_file=None, bamboohr_base_url="http://127.0.0.1:9")  # type: ignore[call-arg]
    assert local.webhook_key().get_secret_value() == SIM_WEBHOOK_KEY
