"""Sending webhooks: asynchronous, signed, at-least-once, on the sim clock.

The store tells the dispatcher about every change (`on_event`, any thread); a background task
started in the app lifespan (`run`) turns what is pending into deliveries every `tick`
seconds and sends those that are due. A 2xx answer ends a delivery; a 5xx or a connection
failure schedules a redelivery after the next `retry_schedule` delay (sim-clock seconds,
BambooHR's 5/10/20/40/80 minutes by default), and after the last one it is `failed`; any
other answer (4xx) is `rejected` and not retried. Scheduling uses the sim clock; the signed
`X-BambooHR-Timestamp` uses the wall clock by default (see `signature_clock`). Each round
also sweeps effective dates, so a future-dated row fires its webhook on the day it takes
effect. `deliver_due()` is what `POST /_sim/webhooks/flush` runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from simulators.bamboohr.events import ChangeEvent
from simulators.bamboohr.formats import format_legacy_datetime
from simulators.bamboohr.store import BambooHRStore
from simulators.bamboohr.webhooks import Outgoing, WebhookRegistry, sign
from simulators.common.clock import SimClock

State = Literal["pending", "delivered", "failed", "rejected", "cancelled"]
DEFAULT_RETRY_SCHEDULE = (300.0, 600.0, 1200.0, 2400.0, 4800.0)
MAX_KEPT = 5000
log = logging.getLogger(__name__)


@dataclass
class Attempt:
    at: datetime
    status: int | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "status": self.status, "error": self.error}


@dataclass
class Delivery:
    id: str
    webhook_id: str
    url: str
    family: str
    kinds: list[str]
    employee_ids: list[str]
    body: bytes
    created_at: datetime
    next_attempt_at: float | None
    state: State = "pending"
    attempts: list[Attempt] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhookId": self.webhook_id,
            "url": self.url,
            "family": self.family,
            "kinds": list(self.kinds),
            "employeeIds": list(self.employee_ids),
            "state": self.state,
            "attempts": [a.to_dict() for a in self.attempts],
            "nextAttemptAt": (
                datetime.fromtimestamp(self.next_attempt_at, tz=UTC).isoformat()
                if self.next_attempt_at is not None and self.state == "pending"
                else None
            ),
            "createdAt": self.created_at.isoformat(),
            "payload": json.loads(self.body),
        }

    def log_entry(self, fmt: str) -> dict[str, Any]:
        """An entry of `GET /api/v1/webhooks/{id}/log`."""
        last = self.attempts[-1] if self.attempts else None
        success = next((a for a in reversed(self.attempts) if a.status and a.status < 300), None)
        return {
            "webhookId": self.webhook_id,
            "url": self.url,
            "lastAttempted": format_legacy_datetime(last.at) if last else "Not attempted",
            "lastSuccess": format_legacy_datetime(success.at) if success else "Not delivered",
            "statusCode": str(last.status) if last and last.status is not None else "",
            "format": "json",
            "employeeIds": list(self.employee_ids),
        }


class WebhookDispatcher:
    def __init__(
        self,
        store: BambooHRStore,
        registry: WebhookRegistry,
        clock: SimClock,
        *,
        retry_schedule: Sequence[float] = DEFAULT_RETRY_SCHEDULE,
        tick_seconds: float = 0.05,
        timeout_seconds: float = 5.0,
        signature_clock: Literal["wall", "sim"] = "wall",
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self.retry_schedule = [float(s) for s in retry_schedule]
        self.tick_seconds = tick_seconds
        self.timeout_seconds = timeout_seconds
        # The signed X-BambooHR-Timestamp is when the request is really sent (wall clock) so a
        # receiver's replay window accepts it however far the sim clock was moved; "sim"
        # stamps it with the sim clock instead. Payload `timestamp`s are always sim time.
        self.signature_time = time.time if signature_clock == "wall" else clock.time
        self._lock = threading.Lock()
        self._pending: list[Outgoing] = []
        self._deliveries: OrderedDict[str, Delivery] = OrderedDict()
        self._ids = itertools.count(1)
        self._round: asyncio.Lock | None = None
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        store.subscribe(self.on_event)

    # --- intake (any thread) ---------------------------------------------------------------
    def on_event(self, event: ChangeEvent) -> None:
        outgoing = self.registry.outgoing(event)
        if outgoing:
            with self._lock:
                self._pending.extend(outgoing)

    def _drain(self) -> None:
        """Pending payloads -> deliveries (legacy items batched per webhook)."""
        with self._lock:
            pending, self._pending = self._pending, []
        legacy: OrderedDict[str, list[Outgoing]] = OrderedDict()
        for item in pending:
            if item.family == "legacy":
                legacy.setdefault(item.webhook_id, []).append(item)
            else:
                self._add(item.webhook_id, "event", [item.kind], [item.employee_id], item.payload)
        for webhook_id, items in legacy.items():
            self._add(
                webhook_id,
                "legacy",
                [i.kind for i in items],
                [i.employee_id for i in items],
                {"employees": [i.payload for i in items]},
            )

    def _add(
        self,
        webhook_id: str,
        family: str,
        kinds: list[str],
        employee_ids: list[str],
        payload: dict[str, Any],
    ) -> None:
        hook = self.registry.find(webhook_id)
        if hook is None:
            return
        delivery = Delivery(
            id=str(next(self._ids)),
            webhook_id=webhook_id,
            url=hook.url,
            family=family,
            kinds=kinds,
            employee_ids=employee_ids,
            body=json.dumps(payload, separators=(",", ":")).encode(),
            created_at=self.clock.now(),
            next_attempt_at=self.clock.time(),
        )
        with self._lock:
            self._deliveries[delivery.id] = delivery
            while len(self._deliveries) > MAX_KEPT:
                self._deliveries.popitem(last=False)

    # --- sending (the server's event loop) ---------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._round = asyncio.Lock()
        self._client = httpx.AsyncClient(
            timeout=self.timeout_seconds, follow_redirects=False, trust_env=False
        )
        self._task = asyncio.create_task(self.run(), name="bamboohr-webhook-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self.loop = None

    async def run(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the dispatcher must outlive one bad round
                log.exception("webhook delivery round failed")
            await asyncio.sleep(self.tick_seconds)

    async def deliver_due(self) -> list[Delivery]:
        """Sweep effective dates, turn pending changes into deliveries, send all that are due."""
        if self._round is None:
            self._round = asyncio.Lock()
        async with self._round:
            self.store.sweep_effective_dates()
            self._drain()
            now = self.clock.time()
            with self._lock:
                due = [
                    d
                    for d in self._deliveries.values()
                    if d.state == "pending"
                    and d.next_attempt_at is not None
                    and d.next_attempt_at <= now
                ]
            if not due:
                return []
            client = self._client or httpx.AsyncClient(
                timeout=self.timeout_seconds, trust_env=False
            )
            by_webhook: OrderedDict[str, list[Delivery]] = OrderedDict()
            for d in due:
                by_webhook.setdefault(d.webhook_id, []).append(d)

            async def in_order(batch: list[Delivery]) -> None:
                # One webhook's deliveries go out in order; webhooks in parallel.
                for d in batch:
                    await self._attempt(client, d)

            try:
                await asyncio.gather(*(in_order(batch) for batch in by_webhook.values()))
            finally:
                if client is not self._client:
                    await client.aclose()
            return due

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        hook = self.registry.find(delivery.webhook_id)
        if hook is None:
            delivery.state = "cancelled"
            delivery.next_attempt_at = None
            return
        timestamp = str(int(self.signature_time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "BambooHR-Simulator-Webhooks/1.0",
            "X-BambooHR-Timestamp": timestamp,
            "X-BambooHR-Signature": sign(hook.private_key, delivery.body, timestamp),
        }
        if hook.include_company_domain:
            headers["X-BambooHR-Company-Domain"] = f"{self.registry.company}.bamboohr.com"
        status: int | None = None
        problem: str | None = None
        try:
            response = await client.post(delivery.url, content=delivery.body, headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}".strip()
        at = self.clock.now()
        delivery.attempts.append(Attempt(at=at, status=status, error=problem))
        self.registry.mark_sent(hook.id, at.replace(microsecond=0))
        if status is not None and 200 <= status < 300:
            delivery.state, delivery.next_attempt_at = "delivered", None
        elif status is None or status >= 500:
            retries_done = len(delivery.attempts) - 1
            if retries_done < len(self.retry_schedule):
                delivery.next_attempt_at = self.clock.time() + self.retry_schedule[retries_done]
            else:
                delivery.state, delivery.next_attempt_at = "failed", None
        else:
            delivery.state, delivery.next_attempt_at = "rejected", None

    # --- inspection ---------------------------------------------------------------------------
    def deliveries(self, webhook_id: str | None = None) -> list[Delivery]:
        with self._lock:
            return [
                d
                for d in self._deliveries.values()
                if webhook_id is None or d.webhook_id == str(webhook_id)
            ]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.deliveries():
            out[d.state] = out.get(d.state, 0) + 1
        return out

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
            self._deliveries.clear()
