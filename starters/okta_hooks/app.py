"""The Okta event hook receiver (ASGI).

`GET /hooks/okta` answers Okta's one-time verification (`X-Okta-Verification-Challenge`
echoed back as `{"verification": ...}`). `POST /hooks/okta` takes an event delivery. Both
first check the shared secret Okta sends in the `Authorization` header (constant-time;
401 and nothing else happens otherwise), then the size (413), content type (415) and shape
(400) of a delivery. One event that cannot be read is named in the log and the answer, and
the others go on. Events already handed over (by uuid) are dropped.

Okta expects a 2xx within 3 seconds and retries a delivery once, then drops it. So the
receiver does the one durable thing and answers: it starts an `OktaEventDelivery` workflow
with the delivery's watched events (workflows/okta_events.py), whose id is the delivery's
(Okta's retry of a delivery already taken starts nothing new). Finding the employees and
judging the changes happen there, with retries, after Okta has its answer. If Temporal does
not take the workflow in time the answer is 503, so Okta's retry (and the System Log poll)
still have the events.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from contracts.activities import DeliverOktaEventsInput
from integrations.okta.events import OktaEventError, parse_hook_delivery
from lifecycle.settings import Settings
from workflows.okta_events import OktaEventDelivery, delivery_workflow_id

log = logging.getLogger("lifecycle.okta_hooks")

PATH = "/hooks/okta"
MAX_BYTES = 1_048_576  # Okta batches up to 50 events; a delivery is tens of kilobytes
START_DEADLINE_SECONDS = 2.0  # inside Okta's 3 s, with room for the answer itself
# Okta delivers within seconds: an older event in a delivery is a replay (a captured body
# sent again with the secret), not news. The System Log poll still reads real late ones.
MAX_EVENT_AGE = timedelta(hours=1)


def _error(status: int, code: str, message: str) -> JSONResponse:
    trace.get_current_span().set_attribute("lifecycle.okta_hooks.rejected", code)
    log.warning("okta hook rejected", extra={"status": status, "code": code, "reason": message})
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _authorized(request: Request, secret: bytes) -> bool:
    given = request.headers.get("authorization", "").encode()
    return hmac.compare_digest(given, secret)


def delivery_id(body: dict[str, Any], events: list[Any]) -> str:
    """Okta's id of this delivery (the same on its retry); without one, the events' uuids."""
    event_id = body.get("eventId")
    if isinstance(event_id, str) and event_id.strip():
        return event_id.strip()
    digest = hashlib.sha256("|".join(sorted(e.uuid for e in events)).encode()).hexdigest()
    return digest[:32]


class SeenEvents:
    """Uuids of events already handed over, newest kept: Okta's retry of a delivery, or the
    same event in two deliveries, starts nothing new. (Another receiver instance may see it
    again; the employee workflows judge each uuid once anyway.)"""

    def __init__(self, keep: int = 10_000) -> None:
        self.keep = keep
        self._seen: OrderedDict[str, None] = OrderedDict()

    def seen(self, uuid: str) -> bool:
        return uuid in self._seen

    def remember(self, uuids: Iterable[str]) -> None:
        for uuid in uuids:
            self._seen[uuid] = None
            self._seen.move_to_end(uuid)
        while len(self._seen) > self.keep:
            self._seen.popitem(last=False)


def create_okta_hooks_app(settings: Settings, client: Client) -> Starlette:
    secret = settings.okta_hook_secret().get_secret_value().encode()
    task_queue = settings.temporal_task_queue
    tracer = trace.get_tracer("lifecycle.okta_hooks")
    seen = SeenEvents()

    async def verify(request: Request) -> JSONResponse:
        if not _authorized(request, secret):
            return _error(401, "unauthorized", "the Authorization header is not the hook secret")
        challenge = request.headers.get("x-okta-verification-challenge")
        if not challenge:
            return _error(400, "no_challenge", "X-Okta-Verification-Challenge is missing")
        log.info("okta hook verified")
        return JSONResponse({"verification": challenge})

    async def receive(request: Request) -> JSONResponse:
        with tracer.start_as_current_span(
            f"POST {PATH}",
            context=otel_context.Context(),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": "POST", "url.path": PATH, "http.route": PATH},
        ) as span:
            response = await _receive(request)
            span.set_attribute("http.response.status_code", response.status_code)
            return response

    async def _receive(request: Request) -> JSONResponse:
        if not _authorized(request, secret):
            return _error(401, "unauthorized", "the Authorization header is not the hook secret")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BYTES:
            return _error(413, "payload_too_large", f"body larger than {MAX_BYTES} bytes")
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type != "application/json":
            return _error(415, "unsupported_media_type", "Content-Type must be application/json")
        try:
            raw = await request.body()
        except ClientDisconnect:
            return _error(400, "client_disconnected", "the body was not received")
        if len(raw) > MAX_BYTES:
            return _error(413, "payload_too_large", f"body larger than {MAX_BYTES} bytes")
        try:
            body = json.loads(raw)
            events, problems = parse_hook_delivery(body)
        except (ValueError, OktaEventError) as exc:
            return _error(400, "invalid_payload", str(exc))
        for text in problems:
            # Okta's own event we cannot read: named in the log; the rest go on, and the
            # System Log poll reads it again on its own.
            log.warning("okta hook: event skipped", extra={"reason": text})
        oldest = datetime.now(UTC) - MAX_EVENT_AGE
        for event in events:
            if event.published < oldest:
                problems.append(
                    f"{event.uuid}: published {event.published.isoformat()}, "
                    "more than an hour ago: a replay, not a new change"
                )
        fresh = [e for e in events if not seen.seen(e.uuid) and e.published >= oldest]
        if not fresh:
            return JSONResponse({"accepted": 0, "skipped": problems})
        events = fresh
        workflow_id = delivery_workflow_id(delivery_id(body, events))
        trace.get_current_span().set_attribute("lifecycle.okta_hooks.events", len(events))
        try:
            await asyncio.wait_for(
                client.start_workflow(
                    OktaEventDelivery.run,
                    DeliverOktaEventsInput(events=events, source="hook"),
                    id=workflow_id,
                    task_queue=task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                    static_summary=f"{len(events)} Okta events from an event hook",
                    rpc_timeout=timedelta(seconds=START_DEADLINE_SECONDS),
                ),
                START_DEADLINE_SECONDS,
            )
        except WorkflowAlreadyStartedError:
            pass  # Okta's retry of a delivery we already took
        except Exception as exc:
            log.error(
                "okta hook: could not hand the events to Temporal; Okta retries once",
                extra={"error": f"{type(exc).__name__}: {exc}", "workflow_id": workflow_id},
            )
            return JSONResponse({"error": "temporarily_unavailable"}, status_code=503)
        seen.remember(e.uuid for e in events)
        log.info("okta hook accepted", extra={"events": len(events), "workflow_id": workflow_id})
        return JSONResponse({"accepted": len(events), "skipped": problems})

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
            Route(PATH, verify, methods=["GET"]),
            Route(PATH, receive, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
            Route("/livez", liveness, methods=["GET"]),
        ]
    )
