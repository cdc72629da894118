"""Before a request reaches a route: the legacy URL prefix and the API key.

BambooHR serves the same API at `https://{company}.bamboohr.com/api/v1/...` and at the legacy
`https://api.bamboohr.com/api/gateway.php/{company}/v1/...`; the legacy form is rewritten
here (an unknown company is a 404, as on the real host). Trailing slashes are dropped (the
documentation's own examples use them). Every `/api/` and `/_sim/` request needs Basic auth
with the API key as user name; `/health` does not.
"""

from __future__ import annotations

import json

from starlette.requests import Request

from simulators.bamboohr.dialect import api_key_from, error_headers, key_matches
from simulators.bamboohr.requestlog import ORIGINAL_PATH
from simulators.common.faults import ASGIApp, Receive, Scope, Send

LEGACY_PREFIX = "/api/gateway.php/"
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Basic realm="BambooHR API"'}


async def _answer(
    send: Send, status: int, message: str, json_body: bool, extra: dict[str, str] | None = None
) -> None:
    body = json.dumps({"errors": [{"error": message}]}).encode() if json_body else b""
    all_headers = {**error_headers(message), **(extra or {})}
    headers = [(k.lower().encode(), v.encode()) for k, v in all_headers.items()]
    headers.append((b"content-length", str(len(body)).encode()))
    if json_body:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class LegacyPrefixMiddleware:
    def __init__(self, app: ASGIApp, company: str) -> None:
        self.app = app
        self.company = company

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        original = path
        if path.startswith(LEGACY_PREFIX):
            company, _, rest = path[len(LEGACY_PREFIX) :].partition("/")
            if company.lower() != self.company.lower() or not rest.startswith("v1"):
                await _answer(send, 404, f"Company {company!r} not found", json_body=False)
                return
            path = "/api/" + rest
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        if path != original:
            scope = {**scope, "path": path, "raw_path": path.encode(), ORIGINAL_PATH: original}
        await self.app(scope, receive, send)


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(("/api/", "/_sim/")):
            given = api_key_from(Request(scope))
            if not key_matches(given, self.api_key):
                message = (
                    "Unauthorized: missing Basic credentials (API key as user name)"
                    if given is None
                    else "Unauthorized: invalid API key"
                )
                json_body = scope["path"].startswith("/api/v1/webhooks")
                await _answer(send, 401, message, json_body, WWW_AUTHENTICATE)
                return
        await self.app(scope, receive, send)
