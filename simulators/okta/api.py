"""The `/api/v1` front door: auth, rate and concurrency limits, routing, rate-limit headers,
the request log and the counters, around the route handlers."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request

from simulators.common.clock import SimClock
from simulators.okta.api_support import BODY_KEY, error_response
from simulators.okta.behaviour import OktaBehaviour
from simulators.okta.errors import (
    OktaError,
    access_denied,
    internal_error,
    invalid_token,
    rate_limited,
)
from simulators.okta.ratelimit import ConcurrencyLimiter, RateLimiter, bucket_for
from simulators.okta.recorder import Recorder
from simulators.okta.routing import ApiRouter
from simulators.okta.store import CURRENT_REQUEST_WRITES

log = logging.getLogger("simulators.okta")

Scope = dict[str, Any]
_WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}
_LOGGED_HEADERS = ("content-type", "if-match", "prefer", "accept", "user-agent")


class Credentials:
    """Who may call the API: one SSWS token, plus OAuth access tokens given out later."""

    def __init__(self, api_token: str) -> None:
        self.api_token = api_token
        self.accepted_bearer_tokens: set[str] = set()
        # SSWS tokens of admins without some role: token -> operations answered 403 E0000006
        # (a read-only admin, an admin without group rights...), for preflight checks.
        self.limited_tokens: dict[str, frozenset[str]] = {}

    def add_limited_token(self, token: str, denied_operations: set[str] | frozenset[str]) -> None:
        """Accept `token` too, but refuse the named operations (e.g. `listGroups`)."""
        self.limited_tokens[token] = frozenset(denied_operations)

    def denies(self, header: str | None, operation: str) -> bool:
        _, _, token = (header or "").partition(" ")
        denied = self.limited_tokens.get(token.strip())
        return denied is not None and operation in denied

    def accepts(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.upper() == "SSWS" and token:
            return hmac.compare_digest(token.encode(), self.api_token.encode()) or any(
                hmac.compare_digest(token.encode(), t.encode()) for t in self.limited_tokens
            )
        if scheme.lower() in {"bearer", "dpop"} and token:
            return any(
                hmac.compare_digest(token.encode(), t.encode()) for t in self.accepted_bearer_tokens
            )
        return False


class OktaApi:
    def __init__(
        self,
        router: ApiRouter,
        credentials: Credentials,
        limiter: RateLimiter,
        concurrency: ConcurrencyLimiter,
        recorder: Recorder,
        behaviour_ref: Any,
        clock: SimClock,
    ) -> None:
        self.router = router
        self.credentials = credentials
        self.limiter = limiter
        self.concurrency = concurrency
        self.recorder = recorder
        self._behaviour_ref = behaviour_ref  # callable returning the live OktaBehaviour
        self.clock = clock

    @property
    def behaviour(self) -> OktaBehaviour:
        behaviour: OktaBehaviour = self._behaviour_ref()
        return behaviour

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        body = await _read_body(receive)
        scope = {**scope, BODY_KEY: body}
        method = scope["method"].upper()
        path = scope["path"]
        bucket = bucket_for(method, path)
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        entry: dict[str, Any] = {
            "time": self.clock.now().isoformat(),
            "method": method,
            "path": path,
            "query": scope.get("query_string", b"").decode("latin-1"),
            "params": {
                k: v if len(v) > 1 else v[0]
                for k, v in parse_qs(
                    scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
                ).items()
            },
            "headers": {h: headers[h] for h in _LOGGED_HEADERS if h in headers},
            "body": _parse_json(body),
            "bucket": bucket,
            "operation": None,
        }
        box = [0]
        reached_handler = False
        rate_headers: dict[str, str] = {}
        try:
            if not self.credentials.accepts(headers.get("authorization")):
                rate_headers = self.limiter.peek(bucket)
                raise invalid_token()
            allowed, rate_headers = self.limiter.take(bucket)
            if not allowed:
                entry["limited"] = "rate"
                raise rate_limited(rate_headers)
            route, params = self.router.match(method, path)
            entry["operation"] = route.operation
            if self.credentials.denies(headers.get("authorization"), route.operation):
                raise access_denied()
            if not self.concurrency.acquire():
                entry["limited"] = "concurrency"
                raise rate_limited({**rate_headers, "X-Rate-Limit-Remaining": "0"})
            token = CURRENT_REQUEST_WRITES.set(box)
            try:
                delay = self.behaviour.service_time_ms / 1000.0
                if delay:
                    await asyncio.sleep(delay)
                reached_handler = True
                response = await route.handler(Request({**scope, "path_params": params}))
            finally:
                CURRENT_REQUEST_WRITES.reset(token)
                self.concurrency.release()
        except OktaError as error:
            response = error_response(error)
        except Exception:
            log.exception("okta simulator: unexpected error in %s %s", method, path)
            response = error_response(internal_error(500))
        for name, value in rate_headers.items():
            response.headers.setdefault(name, value)
        entry["status"] = response.status_code
        self.recorder.record(
            entry,
            wrote=box[0] > 0,
            attempted_write=reached_handler and method in _WRITE_METHODS,
        )
        await response(scope, receive, send)


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        elif message["type"] == "http.disconnect":
            break
    return b"".join(chunks)


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {"_unparsed": body[:2000].decode("utf-8", "replace")}
