"""What clients asked the simulated API, for tests and `/_sim/requests` + `/_sim/stats`.

Only `/api/...` requests are recorded (admin and health calls are not). Requests answered by
fault injection never reach this layer; the fault injector counts those itself.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, deque
from typing import Any

from simulators.common.clock import SimClock
from simulators.common.faults import ASGIApp, Receive, Scope, Send

ORIGINAL_PATH = "bamboohr.original_path"
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


def operation_of(method: str, path: str) -> str:
    """`GET /api/v1/employees/{id}`: numeric path segments folded, for the counters."""
    return f"{method} {_ID_SEGMENT.sub('/{id}', path)}"


class RequestLog:
    def __init__(self, max_entries: int = 2000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)
        self._by_status: Counter[str] = Counter()
        self._by_operation: Counter[str] = Counter()
        self._total = 0
        self._bytes = 0

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)
            self._total += 1
            self._by_status[str(entry["status"])] += 1
            self._by_operation[entry["operation"]] += 1
            self._bytes += entry.get("bytes", 0)

    def entries(self, limit: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._entries)
        return items[-limit:] if limit else items

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self._total,
                "bytes": self._bytes,  # response bodies sent
                "byStatus": dict(self._by_status),
                "byOperation": dict(self._by_operation),
            }

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_status.clear()
            self._by_operation.clear()
            self._total = 0
            self._bytes = 0


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, log: RequestLog, clock: SimClock) -> None:
        self.app = app
        self.log = log
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        status = {"code": 0, "bytes": 0}
        started = time.perf_counter()
        recorded = False

        def record() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            self.log.record(
                {
                    "at": self.clock.now().isoformat(),
                    "method": scope["method"],
                    "path": scope.get(ORIGINAL_PATH, scope["path"]),
                    "query": scope.get("query_string", b"").decode("latin-1"),
                    "operation": operation_of(scope["method"], scope["path"]),
                    "status": status["code"] or 500,
                    "bytes": status["bytes"],
                    "durationMs": round((time.perf_counter() - started) * 1000, 2),
                }
            )

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                if (b"content-length", b"0") in list(message.get("headers") or []):
                    # An empty answer (update-employee's 200) is complete with its headers:
                    # the client may read the log before the empty body is sent.
                    record()
            elif message["type"] == "http.response.body":
                status["bytes"] += len(message.get("body", b""))
                if not message.get("more_body"):
                    # Logged before the last byte leaves: a client that got its answer always
                    # finds its request in the log.
                    record()
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            record()
