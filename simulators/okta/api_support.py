"""Helpers the route modules share: body and query parsing in Okta's error dialect, JSON
rendering with `_links`, and `Link` headers for paged lists."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulators.okta.errors import OktaError, malformed_body, validation_failed
from simulators.okta.lifecycle import TABLE, Op, Rejection

BODY_KEY = "okta.body"  # the API layer buffers the body into the scope under this key
ACTOR_KEY = "okta.actor"  # ... and puts the caller's `Actor` here


def raw_body(request: Request) -> bytes:
    return request.scope.get(BODY_KEY, b"")


def json_body(request: Request) -> dict[str, Any]:
    """The JSON object sent; 400 E0000003 when it is missing, not JSON, or not an object."""
    data = raw_body(request)
    if not data.strip():
        raise malformed_body("The request body is empty")
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise malformed_body() from None
    if not isinstance(body, dict):
        raise malformed_body("The request body must be a JSON object")
    return body


def bool_param(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered not in {"true", "false"}:
        raise validation_failed(name, f"{name}: must be true or false")
    return lowered == "true"


def limit_param(request: Request, default: int, maximum: int) -> int:
    value = request.query_params.get("limit")
    if value is None or value == "":
        return default
    try:
        limit = int(value)
    except ValueError:
        raise validation_failed("limit", "limit: must be an integer") from None
    return max(1, min(limit, maximum))


def base_url(request: Request) -> str:
    """The org URL as the client reached it (links must lead back to this server)."""
    return str(request.base_url).rstrip("/")


def _href(url: str, **extra: Any) -> dict[str, Any]:
    return {"href": url, **extra}


_API_LIFECYCLE = (Op.ACTIVATE, Op.REACTIVATE, Op.SUSPEND, Op.UNSUSPEND, Op.DEACTIVATE)


def user_json(user: dict[str, Any], base: str, schema_id: str) -> dict[str, Any]:
    """A stored user as the API shows it: `_links` offer the transitions valid now."""
    self_url = f"{base}/api/v1/users/{user['id']}"
    links: dict[str, Any] = {"self": _href(self_url)}
    for op in _API_LIFECYCLE:
        if not isinstance(TABLE[op].get(user["status"]), Rejection):
            links[op.value] = _href(
                f"{self_url}/lifecycle/{op.value}", method="POST", hints={"allow": ["POST"]}
            )
    links["schema"] = _href(f"{base}/api/v1/meta/schemas/user/{schema_id}")
    links["type"] = _href(f"{base}/api/v1/meta/types/user/{user['type']['id']}")
    return {**user, "_links": links}


def group_json(group: dict[str, Any], base: str, users_count: int | None = None) -> dict[str, Any]:
    self_url = f"{base}/api/v1/groups/{group['id']}"
    body = {
        **group,
        "_links": {
            "logo": [
                _href(
                    f"{base}/assets/img/logos/groups/okta-medium.png",
                    name="medium",
                    type="image/png",
                ),
                _href(
                    f"{base}/assets/img/logos/groups/okta-large.png", name="large", type="image/png"
                ),
            ],
            "users": _href(f"{self_url}/users"),
            "apps": _href(f"{self_url}/apps"),
        },
    }
    if users_count is not None:
        body["_embedded"] = {
            "stats": {"usersCount": users_count, "appsCount": 0, "groupPushMappingsCount": 0}
        }
    return body


def link_headers(request: Request, next_after: str | None) -> list[str]:
    """Okta's `Link` headers: always `rel="self"`, `rel="next"` unless this is the last page."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
    path = f"{base_url(request)}{request.url.path}"
    current = request.query_params.get("after")
    self_params = [*params, ("after", current)] if current else params
    links = [f'<{_url(path, self_params)}>; rel="self"']
    if next_after:
        links.append(f'<{_url(path, [*params, ("after", next_after)])}>; rel="next"')
    return links


def _url(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params, quote_via=quote)}" if params else path


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


def paged_response(request: Request, items: list[Any], next_after: str | None) -> Response:
    response = JSONResponse(items)
    for value in link_headers(request, next_after):
        response.raw_headers.append((b"link", value.encode()))
    return response


def empty_response(status: int = 200) -> Response:
    return Response(status_code=status)


def error_response(error: OktaError) -> Response:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers or None)
