"""How BambooHR talks HTTP: Basic auth with the API key as user name, error text in a header,
JSON only when asked for (XML is the default), 503/429 + `Retry-After` when throttling.

Errors carry their text in `X-BambooHR-Error-Message` (BambooHR API docs) and, as the spec's shared
responses name it, `X-BambooHR-Message`; the body is empty, except on the webhook endpoints
whose spec defines a JSON error body (`{"errors": [{"error": ...}]}`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from simulators.common.faults import Scope

ERROR_HEADER = "X-BambooHR-Error-Message"
ERROR_HEADER_SPEC = "X-BambooHR-Message"
Format = Literal["json", "xml"]


def error_headers(message: str) -> dict[str, str]:
    # Header values must be latin-1; keep messages ASCII.
    text = message.encode("ascii", "replace").decode()
    return {ERROR_HEADER: text, ERROR_HEADER_SPEC: text}


def error(status: int, message: str, *, json_body: bool = False) -> Response:
    if json_body:
        body = json.dumps({"errors": [{"error": message}]})
        return Response(body, status, headers=error_headers(message), media_type="application/json")
    return Response(b"", status, headers=error_headers(message))


def api_key_from(request: Request) -> str | None:
    """The API key from `Authorization: Basic base64(key:anything)`."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, _password = decoded.partition(":")
    return user or None


def key_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def media_ranges(accept: str) -> list[str]:
    """Media types a client accepts (q=0 dropped), lower-case, without parameters."""
    out = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        quality = next((p.split("=", 1)[1] for p in params if p.startswith("q=")), "1")
        try:
            if float(quality) <= 0:
                continue
        except ValueError:
            pass
        out.append(media.lower())
    return out


def negotiate(request: Request) -> Format | None:
    """JSON when `application/json` is accepted; XML by default (no Accept, `*/*`, xml), as
    the real API does; None (-> 406) when the client accepts neither."""
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return "xml"
    ranges = media_ranges(accept)
    if "application/json" in ranges:
        return "json"
    if any(r in ("application/xml", "text/xml", "*/*", "application/*", "text/*") for r in ranges):
        return "xml"
    return None


def not_acceptable() -> Response:
    return error(406, "Not acceptable: send Accept: application/json (or XML)")


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, media_type="application/json")


def flag(value: str | None, default: bool = True) -> bool:
    """`onlyCurrent`-style booleans: false/0/no turn it off."""
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("false", "0", "no", "off")


def throttle_responder(status: int, retry_after: int, scope: Scope) -> tuple[int, dict, bytes]:
    """Fault-injection answer for throttling: 503 today, 429 from 2026-09-16 (API changelog)."""
    message = (
        "Service temporarily unavailable: please retry later"
        if status == 503
        else "Too many requests: rate limit exceeded"
    )
    headers = {"Retry-After": str(retry_after), **error_headers(message)}
    return status, headers, b""


def error_responder(status: int, scope: Scope) -> tuple[int, dict, bytes]:
    return status, error_headers("Internal server error (injected fault)"), b""
