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
from simulators.okta.actors import (
    DEFAULT_APP_NAME,
    DEFAULT_CLIENT_ID,
    DEFAULT_ORG_DOMAIN,
    Actor,
    app_actor,
    it_admin_actor,
    limited_actor,
    service_actor,
)
from simulators.okta.api_support import ACTOR_KEY, BODY_KEY, error_response
from simulators.okta.behaviour import OktaBehaviour
from simulators.okta.errors import (
    OktaError,
    access_denied,
    internal_error,
    invalid_token,
    rate_limited,
)
from simulators.okta.ids import random_token
from simulators.okta.ratelimit import ConcurrencyLimiter, RateLimiter, bucket_for
from simulators.okta.recorder import Recorder
from simulators.okta.routing import ApiRouter
from simulators.okta.store import CURRENT_REQUEST_WRITES
from simulators.okta.syslog import CURRENT_CALL, ApiCall

log = logging.getLogger("simulators.okta")

Scope = dict[str, Any]
_WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}
_LOGGED_HEADERS = ("content-type", "if-match", "prefer", "accept", "user-agent")


class Credentials:
    """Who may call the API, and as whom: SSWS tokens of admins (the service's, a second
    admin's, limited ones) and OAuth access tokens given out later, each with its actor."""

    def __init__(
        self,
        api_token: str,
        admin_token: str | None = None,
        *,
        domain: str = DEFAULT_ORG_DOMAIN,
    ) -> None:
        self.domain = domain
        self.service_actor = service_actor(domain)
        self.admin_actor = it_admin_actor(domain)
        # SSWS token -> its admin; the service's token first.
        self.ssws_tokens: dict[str, Actor] = {api_token: self.service_actor}
        self._api_token = api_token
        if admin_token:
            self.ssws_tokens.setdefault(admin_token, self.admin_actor)
        self.accepted_bearer_tokens: set[str] = set()
        # access token -> the service app it was issued to (tokens only in the set above
        # act as the default app).
        self.bearer_clients: dict[str, Actor] = {}
        # SSWS tokens of admins without some role: token -> operations answered 403 E0000006
        # (a read-only admin, an admin without group rights...), for preflight checks.
        self.limited_tokens: dict[str, frozenset[str]] = {}

    @property
    def api_token(self) -> str:
        return self._api_token

    @api_token.setter
    def api_token(self, token: str) -> None:
        """Replace the service's token (an admin revoked it and made a new one)."""
        if self.ssws_tokens.get(self._api_token) is self.service_actor:
            del self.ssws_tokens[self._api_token]
        self._api_token = token
        self.ssws_tokens[token] = self.service_actor

    def add_limited_token(self, token: str, denied_operations: set[str] | frozenset[str]) -> None:
        """Accept `token` too, but refuse the named operations (e.g. `listGroups`)."""
        self.limited_tokens[token] = frozenset(denied_operations)
        self.ssws_tokens.setdefault(token, limited_actor(token, self.domain))

    def add_bearer_token(
        self, token: str, client_id: str = DEFAULT_CLIENT_ID, app_name: str = DEFAULT_APP_NAME
    ) -> None:
        """Accept an OAuth access token issued to the service app `client_id`."""
        self.accepted_bearer_tokens.add(token)
        self.bearer_clients[token] = app_actor(client_id, app_name)

    def denies(self, header: str | None, operation: str) -> bool:
        _, _, token = (header or "").partition(" ")
        denied = self.limited_tokens.get(token.strip())
        return denied is not None and operation in denied

    def actor_for(self, header: str | None) -> Actor | None:
        """The actor of an accepted Authorization header; None when it is not accepted."""
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if not token:
            return None
        if scheme.upper() == "SSWS":
            found = None
            for candidate, actor in self.ssws_tokens.items():
                if hmac.compare_digest(token.encode(), candidate.encode()):
                    found = actor
            return found
        if scheme.lower() in {"bearer", "dpop"}:
            for candidate in list(self.accepted_bearer_tokens):
                if hmac.compare_digest(token.encode(), candidate.encode()):
                    return self.bearer_clients.get(candidate) or app_actor()
        return None

    def accepts(self, header: str | None) -> bool:
        return self.actor_for(header) is not None

    def actors(self) -> dict[str, dict[str, Any]]:
        """The admins behind the SSWS tokens (never the tokens themselves)."""
        return {
            "service": self.service_actor.describe(),
            "admin": self.admin_actor.describe(),
            "oauthDefaultApp": app_actor().describe(),
        }


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
        request_id = random_token(27)  # Okta's X-Okta-Request-Id (and the log's transaction)
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
            actor = self.credentials.actor_for(headers.get("authorization"))
            if actor is None:
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
            client = scope.get("client") or ("127.0.0.1", 0)
            call = CURRENT_CALL.set(
                ApiCall(
                    actor=actor,
                    request_id=request_id,
                    method=method,
                    path=path,
                    query=entry["query"],
                    ip=str(client[0]),
                    user_agent=headers.get("user-agent", ""),
                )
            )
            try:
                delay = self.behaviour.service_time_ms / 1000.0
                if delay:
                    await asyncio.sleep(delay)
                reached_handler = True
                response = await route.handler(
                    Request({**scope, "path_params": params, ACTOR_KEY: actor})
                )
            finally:
                CURRENT_CALL.reset(call)
                CURRENT_REQUEST_WRITES.reset(token)
                self.concurrency.release()
        except OktaError as error:
            response = error_response(error)
        except Exception:
            log.exception("okta simulator: unexpected error in %s %s", method, path)
            response = error_response(internal_error(500))
        for name, value in rate_headers.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("X-Okta-Request-Id", request_id)
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
