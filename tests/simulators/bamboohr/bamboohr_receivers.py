"""A webhook receiver for tests: a tiny Starlette app that records what the simulator POSTs
and answers with a status the test chooses (one per call, then the last one repeats)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    def signature_ok(self, key: str) -> bool:
        timestamp = self.headers.get("x-bamboohr-timestamp", "")
        expected = hmac.new(key.encode(), self.body + timestamp.encode(), hashlib.sha256)
        return hmac.compare_digest(
            expected.hexdigest(), self.headers.get("x-bamboohr-signature", "")
        )


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_with(self, *statuses: int) -> None:
        with self._lock:
            self.statuses = list(statuses)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self._lock:
                self.received.append(
                    Received(body, {k.lower(): v for k, v in request.headers.items()})
                )
                status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            return Response(b"", status)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def wait_for(
        self, count: int, timeout: float = 5.0, where: Callable[[Received], bool] | None = None
    ) -> list[Received]:
        """Block until `count` matching deliveries arrived (the dispatcher runs on its own)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                got = [r for r in self.received if where is None or where(r)]
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.02)
