"""One trace follows a termination from the BambooHR webhook to the Okta call: the receiver's
span, the signal-with-start, the workflow, the activity and the HTTP request to
`/lifecycle/deactivate` share a trace id, and no span carries the employee's name or e-mail."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from lifecycle_harness import LifecycleStack, lifecycle_stack
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr
from time_skipping import start_time_skipping

from contracts.employee import LifecycleState
from integrations.bamboohr.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from lifecycle.settings import SIM_WEBHOOK_KEY
from starters.webhook.app import PATH, create_webhook_app
from workers.telemetry import instrument_httpx, tracing_interceptor, uninstrument_httpx


@pytest.fixture
def spans() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    uninstrument_httpx()  # whatever instrumented the process before, this test's provider wins
    instrument_httpx(provider)
    try:
        yield provider, exporter
    finally:
        uninstrument_httpx()
        provider.shutdown()


@pytest.fixture
async def traced_stack(
    spans: tuple[TracerProvider, InMemorySpanExporter], tmp_path: Path, task_queue: str
) -> AsyncIterator[LifecycleStack]:
    provider, _ = spans
    # The worker inherits the tracing interceptor from the client.
    env = await start_time_skipping(interceptors=[tracing_interceptor(provider)])
    try:
        async with lifecycle_stack(env, tmp_path, task_queue) as stack:
            yield stack
    finally:
        await env.shutdown()


def employee_known_to_okta_only(stack: LifecycleStack) -> tuple[str, dict[str, str]]:
    """Someone who worked here before the service was deployed: an Okta account linked by
    bambooHrId, and no workflow yet. The first thing the service hears is their termination."""
    from datetime import date, timedelta

    employee = stack.hire(hire_date=date.today() - timedelta(days=400))
    person = stack.hr.store.get(employee, ["firstName", "lastName", "workEmail"])
    stack.okta.store.create_user(
        {
            "login": person["workEmail"],
            "email": person["workEmail"],
            "firstName": person["firstName"],
            "lastName": person["lastName"],
            "bambooHrId": employee,
        },
        status="ACTIVE",
    )
    return employee, person


def signed_delivery(employee: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "type": "employee.updated",
            "timestamp": int(time.time()),
            "data": {
                "companyId": 1,
                "employeeId": employee,
                "changedFields": ["employmentHistoryStatus"],
            },
        }
    ).encode()
    stamp = str(int(time.time()))
    return body, {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign(body, stamp, SecretStr(SIM_WEBHOOK_KEY)),
    }


def one(spans: list[ReadableSpan], predicate: object, what: str) -> ReadableSpan:
    found = [s for s in spans if predicate(s)]  # type: ignore[operator]
    assert found, f"no {what} span among {sorted({s.name for s in spans})}"
    return found[0]


async def test_webhook_to_okta_deactivate_is_one_trace(
    traced_stack: LifecycleStack, spans: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, exporter = spans
    stack = traced_stack
    employee, person = employee_known_to_okta_only(stack)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")

    app = create_webhook_app(stack.settings, stack.client, tracer=provider.get_tracer("test"))
    body, headers = signed_delivery(employee)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://receiver"
    ) as http:
        response = await http.post(PATH, content=body, headers=headers)
    assert response.status_code == 202, response.text

    await stack.wait_state(employee, LifecycleState.TERMINATED)
    user = stack.okta_user_for(employee)
    assert user is not None and user["status"] == "DEPROVISIONED"
    provider.force_flush()
    finished = list(exporter.get_finished_spans())

    webhook = one(finished, lambda s: s.name == f"POST {PATH}", "webhook receipt")
    assert webhook.parent is None  # the delivery starts the trace
    trace_id = webhook.context.trace_id
    in_trace = [s for s in finished if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in in_trace}

    signal = one(
        in_trace,
        lambda s: s.name == "SignalWithStartWorkflow:EmployeeLifecycle",
        "signal-with-start",
    )
    assert signal.parent is not None and signal.parent.span_id == webhook.context.span_id
    one(in_trace, lambda s: s.name == "RunWorkflow:EmployeeLifecycle", "workflow")
    one(in_trace, lambda s: s.name == "StartActivity:set_okta_status", "activity start")
    run_activity = one(
        in_trace, lambda s: s.name == "RunActivity:set_okta_status", "activity execution"
    )
    deactivate = one(
        in_trace,
        lambda s: s.name.startswith("POST ") and s.name.endswith("/lifecycle/deactivate"),
        "Okta deactivate HTTP",
    )
    assert deactivate.name == "POST /api/v1/users/" + user["id"] + "/lifecycle/deactivate"

    # The HTTP span hangs under the activity that made the call, which hangs (through the
    # workflow's spans) under the webhook receipt.
    chain, span = [], deactivate
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        chain.append(span.name)
    assert "RunActivity:set_okta_status" in chain
    assert chain[-1] == webhook.name
    assert run_activity.context.trace_id == trace_id

    # Ids only: no name or e-mail (not even URL-encoded) in any span name or attribute.
    pii = [person["lastName"], person["workEmail"], person["workEmail"].replace("@", "%40")]
    for span in finished:
        text = span.name + json.dumps(dict(span.attributes or {}), default=str)
        for value in pii:
            assert value not in text, f"{value!r} in span {span.name!r}"
    # The notification webhook's path is not shown (such paths can hold credentials).
    assert any(s.name == "POST /{redacted}" for s in finished)
    # Lookups by login are named by placeholder; every other user path holds an Okta id.
    prefix = "/api/v1/users/"
    user_paths = [s.name.split(prefix, 1)[1] for s in finished if prefix in s.name]
    assert user_paths
    assert all(p.startswith(("{login}", user["id"])) for p in user_paths), user_paths
