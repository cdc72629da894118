"""Test helpers for the BambooHR client tests: the simulator with a switch that corrupts
chosen answers (BambooHR-side bad data the simulator itself refuses to store), and a
transport that records every request the client sends."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from simulators.common.faults import Receive, Scope, Send

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)  # a Monday
EXTRA_FIELDS = ["customJobLevel", "4002", "customLeaveReturnDate"]

Mutation = Callable[[Any], Any]


class CorruptAnswers:
    """ASGI wrapper: rewrite the JSON answer of requests whose path matches a rule."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.rules: list[tuple[re.Pattern[str], Mutation]] = []

    def corrupt(self, path_pattern: str, mutate: Mutation) -> None:
        self.rules.append((re.compile(path_pattern), mutate))

    def set_field(self, employee_id: str, name: str, value: Any) -> None:
        """Make BambooHR answer `value` for one employee's field (single and bulk reads)."""

        def single(data: Any) -> Any:
            if isinstance(data, dict) and str(data.get("id")) == employee_id:
                data[name] = value
            return data

        def report(data: Any) -> Any:
            for row in data.get("employees", []):
                if str(row.get("id")) == employee_id:
                    row[name] = value
            return data

        self.corrupt(rf"^/api/v1/employees/{employee_id}$", single)
        self.corrupt(r"^/api/v1/reports/custom$", report)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        rules = [m for p, m in self.rules if p.search(path)]
        if not rules:
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    await self._answer(send, start, b"".join(chunks), rules)

        await self.app(scope, receive, capture)

    @staticmethod
    async def _answer(
        send: Send, start: dict[str, Any], body: bytes, rules: list[Mutation]
    ) -> None:
        if start.get("status") == 200:
            data = json.loads(body)
            for mutate in rules:
                data = mutate(data)
            body = json.dumps(data).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class RecordingTransport(httpx.AsyncBaseTransport):
    """Real HTTP, plus a copy of every request (method, URL, headers, body) as sent."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
