"""Okta's dialect for the answers the shared fault middleware injects.

A burst of 429s looks like Okta's own rate limiting (E0000047 and `X-Rate-Limit-*`
headers whose reset lies `retry_after` seconds ahead); 5xx answers carry E0000009.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from simulators.common.clock import SimClock
from simulators.okta.errors import error_body
from simulators.okta.ratelimit import RateLimiter, bucket_for

Scope = dict[str, Any]
Answer = tuple[int, dict[str, str], bytes]


def burst_responder(clock: SimClock, limiter: RateLimiter) -> Callable[[int, int, Scope], Answer]:
    def respond(status: int, retry_after: int, scope: Scope) -> Answer:
        if status == 429:
            bucket = bucket_for(scope.get("method", "GET"), scope.get("path", ""))
            headers = {
                "Content-Type": "application/json",
                "X-Rate-Limit-Limit": str(limiter.limits[bucket]),
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": str(math.ceil(clock.time()) + max(1, retry_after)),
            }
            body = error_body("E0000047", "API call exceeded rate limit due to too many requests.")
            return 429, headers, json.dumps(body).encode()
        headers = {
            "Content-Type": "application/json",
            "Retry-After": str(retry_after),
            **_rate_headers(limiter, scope),
        }
        return status, headers, json.dumps(error_body("E0000009", _summary(status))).encode()

    return respond


def error_responder(limiter: RateLimiter) -> Callable[[int, Scope], Answer]:
    def respond(status: int, scope: Scope) -> Answer:
        body = error_body("E0000009", _summary(status))
        headers = {"Content-Type": "application/json", **_rate_headers(limiter, scope)}
        return status, headers, json.dumps(body).encode()

    return respond


def _rate_headers(limiter: RateLimiter, scope: Scope) -> dict[str, str]:
    # Okta sends its rate-limit headers on every API answer, failures included.
    return limiter.peek(bucket_for(scope.get("method", "GET"), scope.get("path", "")))


def _summary(status: int) -> str:
    return "Service Unavailable" if status == 503 else "Internal Server Error"
