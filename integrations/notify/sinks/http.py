"""POSTing JSON for the webhook and Slack sinks, with failures as safe `SinkError`s."""

from __future__ import annotations

from typing import Any

import httpx

from integrations.notify.redact import clean_error_text
from integrations.notify.sinks.base import SinkError

USER_AGENT = "bamboohr-okta-lifecycle-notify/1"
_MAX_BODY_CHARS = 120


async def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    time_limit: float,
    client: httpx.AsyncClient | None = None,
) -> None:
    """POST `payload`; any non-2xx answer or transport problem raises `SinkError`.

    Errors never contain the URL: for Slack it is the credential, and httpx puts it into
    most of its exception messages.
    """
    headers = {"User-Agent": USER_AGENT}
    try:
        if client is not None:
            response = await client.post(url, json=payload, headers=headers, timeout=time_limit)
        else:
            # Redirects are not followed: a webhook that moved is a configuration error.
            async with httpx.AsyncClient(timeout=time_limit, follow_redirects=False) as own:
                response = await own.post(url, json=payload, headers=headers)
    except httpx.TimeoutException:
        raise SinkError(f"timed out after {time_limit:g}s") from None
    except httpx.HTTPError as exc:
        raise SinkError(f"{type(exc).__name__}: {_transport_detail(exc)}") from None
    if not response.is_success:
        body = clean_error_text(response.text[:_MAX_BODY_CHARS]) if response.text else ""
        raise SinkError(f"HTTP {response.status_code}" + (f": {body}" if body else ""))


def _transport_detail(exc: httpx.HTTPError) -> str:
    # The root cause (e.g. "[Errno 111] Connection refused") says more than httpx's wrapper.
    cause: BaseException | None = exc
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    detail = str(cause) if cause is not None and str(cause) else str(exc)
    return clean_error_text(detail or "transport error")
