"""The BambooHR webhook receiver (ASGI).

`POST /webhooks/bamboohr` checks, in this order and before parsing anything: size (413),
content type (415), signature and timestamp freshness (401), replay of an already accepted
delivery (409), JSON shape (400). Only then does it signal the employees' workflows, and it
answers 2xx only once every signal-with-start succeeded; otherwise 503, so BambooHR
redelivers (it retries 5xx, never 4xx). Redelivery is harmless: the workflows de-duplicate.
Each rejection is a JSON error body and one log line, and touches no workflow.

Tracing: each delivery is one server span (`POST /webhooks/bamboohr`), the root of a new
trace; the signal-with-start calls run inside it, so with the Temporal tracing interceptor on
the client the employee workflows, their activities and their Okta calls join that trace.
The span carries employee ids and the outcome, never the body.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.client import Client

from activities.signal_with_start import SIGNAL_DEADLINE_SECONDS, signal_many
from contracts.employee import HrChanged
from integrations.bamboohr.webhooks import (
    WebhookPayloadError,
    WebhookSignatureError,
    parse_webhook,
    verify_signature,
)
from lifecycle.settings import Settings

log = logging.getLogger("lifecycle.webhook")

PATH = "/webhooks/bamboohr"


class _TooLarge(Exception):
    pass


class ReplayGuard:
    """Signatures of deliveries already accepted, kept for the freshness window.

    A redelivery after our 5xx is a new attempt and goes through; a copy of a delivery we
    already accepted is a replay. (With several receivers a replay may reach another
    instance; it then only re-signals workflows, which de-duplicate.)
    """

    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self.window = window_seconds
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def _expire(self) -> None:
        cutoff = self.clock() - 2 * self.window
        while self._seen and next(iter(self._seen.values())) < cutoff:
            self._seen.popitem(last=False)

    def seen(self, signature: str) -> bool:
        self._expire()
        return signature in self._seen

    def remember(self, signature: str) -> None:
        self._seen[signature] = self.clock()


def _error(status: int, code: str, message: str, **fields: Any) -> JSONResponse:
    trace.get_current_span().set_attribute("lifecycle.webhook.rejected", code)
    log.warning(
        "webhook rejected", extra={"status": status, "code": code, "reason": message, **fields}
    )
    return JSONResponse({"error": code, "message": message}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_webhook_app(
    settings: Settings,
    client: Client,
    *,
    clock: Callable[[], float] = time.time,
    tracer: trace.Tracer | None = None,
) -> Starlette:
    key = settings.webhook_key()
    limit = settings.lifecycle_webhook_max_bytes
    tolerance = settings.lifecycle_webhook_tolerance_seconds
    task_queue = settings.temporal_task_queue
    replays = ReplayGuard(tolerance, clock)
    tracer = tracer or trace.get_tracer("lifecycle.webhook")

    async def receive(request: Request) -> JSONResponse:
        # A new root: nothing from the (unauthenticated) request decides the trace.
        with tracer.start_as_current_span(
            f"POST {PATH}",
            context=otel_context.Context(),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": "POST", "url.path": PATH, "http.route": PATH},
        ) as span:
            response = await _receive(request)
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR, "signals failed"))
            return response

    async def _receive(request: Request) -> JSONResponse:
        try:
            body = await _read_body(request, limit)
        except _TooLarge:
            return _error(413, "payload_too_large", f"body larger than {limit} bytes")
        except ClientDisconnect:
            return _error(400, "client_disconnected", "the body was not received")
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != "application/json":
            return _error(415, "unsupported_media_type", "Content-Type must be application/json")
        timestamp = request.headers.get("x-bamboohr-timestamp", "")
        signature = request.headers.get("x-bamboohr-signature", "")
        try:
            verify_signature(
                body, timestamp, signature, key, tolerance_seconds=tolerance, now=clock()
            )
        except WebhookSignatureError as exc:
            return _error(401, "invalid_signature", str(exc))
        if replays.seen(signature):
            return _error(409, "replayed_delivery", "this delivery was already accepted")
        try:
            events = parse_webhook(body)
        except WebhookPayloadError as exc:
            return _error(400, "invalid_payload", str(exc))

        changes = [
            HrChanged(
                employee_id=event.employee_id,
                deleted=event.action == "Deleted",
                source="webhook",
            )
            for event in events
        ]
        span = trace.get_current_span()
        span.set_attribute("lifecycle.employee_ids", [c.employee_id for c in changes])
        span.set_attribute("lifecycle.webhook.events", len(changes))
        failures = await signal_many(
            client, task_queue, changes, deadline_seconds=SIGNAL_DEADLINE_SECONDS
        )
        if failures:
            log.error(
                "webhook signals failed; asking BambooHR to redeliver",
                extra={"failed": [employee for employee, _ in failures]},
            )
            return JSONResponse(
                {"error": "temporarily_unavailable", "failed": [e for e, _ in failures]},
                status_code=503,
            )
        replays.remember(signature)
        log.info(
            "webhook accepted",
            extra={"employees": [c.employee_id for c in changes], "action": "hr_changed"},
        )
        return JSONResponse({"accepted": len(changes)}, status_code=202)

    async def health(request: Request) -> JSONResponse:
        try:
            await client.service_client.check_health()
            return JSONResponse({"status": "ok", "temporal": "ok"})
        except Exception as exc:
            return JSONResponse(
                {"status": "degraded", "temporal": type(exc).__name__}, status_code=503
            )

    async def liveness(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route(PATH, receive, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
            Route("/livez", liveness, methods=["GET"]),
        ]
    )
