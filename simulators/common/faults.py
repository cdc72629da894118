"""Fault injection shared by both simulators: latency, 5xx share, 429/503 bursts, dropped
connections (before the request is applied, or after it was applied and the answer is lost).

Settable at start (`FaultConfig` from the CLI) and at run time through the admin API
(`PUT /_sim/faults`). The middleware sits outside the whole app, so it sees uvicorn's own
`send` and can really cut the TCP connection instead of answering.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, Field

from simulators.common.clock import SimClock

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class FaultConfig(BaseModel):
    """What goes wrong, and how often. Everything defaults to a healthy service."""

    latency_ms: float = Field(default=0, ge=0, description="added to every API answer")
    latency_jitter_ms: float = Field(default=0, ge=0)
    latency_tail: float = Field(
        default=0,
        ge=0,
        le=3,
        description="log-normal spread: latency_ms becomes the median of exp(N(0, tail)) "
        "times it, a long right tail like a real API's (0: a fixed delay)",
    )
    error_rate: float = Field(default=0, ge=0, le=1, description="share of 5xx answers")
    error_status: int = Field(default=500, ge=500, le=599)
    drop_rate: float = Field(default=0, ge=0, le=1, description="connection cut before applying")
    drop_after_apply_rate: float = Field(
        default=0, ge=0, le=1, description="request applied, then the connection is cut"
    )
    burst_status: int = Field(default=429, description="429 or 503")
    burst_every: int = Field(default=0, ge=0, description="every N API requests start a burst")
    burst_length: int = Field(default=0, ge=0, description="requests answered in each burst")
    burst_retry_after: int = Field(default=2, ge=0, description="seconds clients are told to wait")
    unavailable: bool = Field(default=False, description="every API request answers 503")
    only_paths: list[str] = Field(
        default_factory=list, description="path prefixes faults apply to (empty: all API paths)"
    )
    methods: list[str] = Field(
        default_factory=list, description="HTTP methods faults apply to (empty: all)"
    )
    seed: int | None = None


BurstResponder = Callable[[int, int, Scope], tuple[int, dict[str, str], bytes]]
"""(status, retry_after_seconds, scope) -> (status, headers, body) in the simulator's dialect."""


class FaultInjector:
    """Holds the live fault configuration and counts what it did."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, int] = {}
        self._seen = 0
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self._seen = 0

    def _count(self, name: str) -> None:
        self.counters[name] = self.counters.get(name, 0) + 1

    def applies(self, scope: Scope) -> bool:
        cfg = self.config
        path: str = scope.get("path", "")
        if path.startswith("/_sim") or path in {"/health", "/healthz"}:
            return False
        if cfg.methods and scope.get("method", "GET").upper() not in cfg.methods:
            return False
        return not cfg.only_paths or any(path.startswith(p) for p in cfg.only_paths)

    def decide(self) -> str | None:
        """One of None, 'unavailable', 'burst', 'error', 'drop', 'drop_after'."""
        with self._lock:
            cfg = self.config
            self._seen += 1
            if cfg.unavailable:
                self._count("unavailable")
                return "unavailable"
            if cfg.burst_every and cfg.burst_length:
                position = (self._seen - 1) % cfg.burst_every
                if position < cfg.burst_length:
                    self._count("burst")
                    return "burst"
            roll = self._rng.random()
            if roll < cfg.error_rate:
                self._count("error")
                return "error"
            roll -= cfg.error_rate
            if roll < cfg.drop_rate:
                self._count("drop")
                return "drop"
            roll -= cfg.drop_rate
            if roll < cfg.drop_after_apply_rate:
                self._count("drop_after")
                return "drop_after"
            return None

    def latency(self) -> float:
        cfg = self.config
        if not cfg.latency_ms and not cfg.latency_jitter_ms:
            return 0.0
        with self._lock:
            jitter = self._rng.uniform(0, cfg.latency_jitter_ms) if cfg.latency_jitter_ms else 0
            spread = self._rng.lognormvariate(0, cfg.latency_tail) if cfg.latency_tail else 1.0
        return (cfg.latency_ms * spread + jitter) / 1000.0


def abort_connection(send: Send) -> bool:
    """Cut the client's TCP connection without answering (uvicorn h11 protocol).

    uvicorn hands the app a bound method of its per-request cycle, which owns the transport;
    marking the cycle disconnected stops uvicorn from writing its own 500 afterwards.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    cycle.disconnected = True  # type: ignore[union-attr]
    transport.abort()
    return True


class FaultMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        injector: FaultInjector,
        burst_responder: BurstResponder,
        error_responder: Callable[[int, Scope], tuple[int, dict[str, str], bytes]],
        clock: SimClock | None = None,
    ) -> None:
        self.app = app
        self.injector = injector
        self.burst_responder = burst_responder
        self.error_responder = error_responder
        self.clock = clock or SimClock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.injector.applies(scope):
            await self.app(scope, receive, send)
            return
        delay = self.injector.latency()
        if delay:
            await asyncio.sleep(delay)
        decision = self.injector.decide()
        cfg = self.injector.config
        if decision == "drop":
            if abort_connection(send):
                return
            decision = "error"
        if decision == "unavailable":
            await _respond(send, *self.burst_responder(503, cfg.burst_retry_after, scope))
            return
        if decision == "burst":
            await _respond(
                send, *self.burst_responder(cfg.burst_status, cfg.burst_retry_after, scope)
            )
            return
        if decision == "error":
            await _respond(send, *self.error_responder(cfg.error_status, scope))
            return
        if decision == "drop_after":
            # Let the app apply the request fully, swallow its answer, then cut the line.
            async def swallow(message: dict[str, Any]) -> None:
                return None

            await self.app(scope, receive, swallow)
            abort_connection(send)
            return
        await self.app(scope, receive, send)


async def _respond(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def json_body(data: Any) -> bytes:
    return json.dumps(data).encode()
