"""`GET /api/v1/logs`: the System Log, as Okta serves it.

- `since` (default: 7 days before `until`, or before now), `until` (exclusive; omitted: a
  polling query), ISO 8601; `since` after `until` → 400 E0000001.
- `filter`: SCIM-like expression over eventType, actor.*, target.*, outcome.result,
  severity, uuid, transaction.id, legacyEventType, published (eq, sw, co, pr, gt/ge/lt/le
  on published), `and`/`or`/parentheses; anything else → 400 E0000001 (the spec's 400).
- `q`: up to 10 space-separated keywords (≤ 40 characters each), all must appear
  (case-insensitively) somewhere in the event.
- `limit` 1..1000 (default 100), `sortOrder` ASCENDING (default) | DESCENDING, `after`:
  opaque cursor from a `next` link.
- Links: `rel="self"` always. A bounded query (with `until`, or DESCENDING) has `rel="next"`
  only while more results exist; a polling query (no `until`, ASCENDING) always has one,
  possibly to an empty page, so a client keeps polling from it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from simulators.common.clock import SimClock
from simulators.okta.api_support import limit_param, paged_response
from simulators.okta.errors import OktaError, validation_failed
from simulators.okta.routing import ApiRouter
from simulators.okta.search import Dialect, compile_expression, parse_date
from simulators.okta.syslog import SystemLog, decode_cursor, encode_cursor

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
DEFAULT_WINDOW = timedelta(days=7)
MAX_KEYWORDS = 10
MAX_KEYWORD_LENGTH = 40

LOG_FILTER = Dialect(
    name="filter",
    attributes=frozenset(
        {
            "eventType",
            "legacyEventType",
            "uuid",
            "severity",
            "displayMessage",
            "published",
            "actor.id",
            "actor.type",
            "actor.alternateId",
            "actor.displayName",
            "target.id",
            "target.type",
            "target.alternateId",
            "target.displayName",
            "outcome.result",
            "transaction.id",
            "client.ipAddress",
            "debugContext.debugData.requestId",
        }
    ),
    dates=frozenset({"published"}),
    operators=frozenset({"eq", "sw", "co", "pr"}),
    case_insensitive=False,
    restricted_ops={"published": frozenset({"eq", "gt", "ge", "lt", "le", "pr"})},
)


def _time_param(request: Request, name: str) -> float | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    when = parse_date(value)
    if when is None or when.tzinfo is None:
        raise validation_failed(name, f"{name}: must be an ISO 8601 timestamp with a time zone")
    return when.timestamp()


def log_routes(system_log: SystemLog, clock: SimClock) -> ApiRouter:
    router = ApiRouter()

    @router.add("GET", "/api/v1/logs", "listLogEvents")
    async def list_logs(request: Request) -> Response:
        params = request.query_params
        until = _time_param(request, "until")
        since = _time_param(request, "since")
        order = (params.get("sortOrder") or "ASCENDING").upper()
        if order not in {"ASCENDING", "DESCENDING"}:
            raise validation_failed("sortOrder", "sortOrder: must be ASCENDING or DESCENDING")
        descending = order == "DESCENDING"
        polling = until is None and not descending
        if until is None and descending:
            until = clock.time()  # a DESCENDING query is bounded by now
        if since is None:
            since = (until if until is not None else clock.time()) - DEFAULT_WINDOW.total_seconds()
        if until is not None and since > until:
            raise validation_failed("since", "since: must not be after until")
        predicate = None
        if params.get("filter"):
            try:
                predicate = compile_expression(params["filter"], LOG_FILTER)
            except OktaError as exc:
                raise validation_failed("filter", *exc.causes) from None
        keywords = (params.get("q") or "").split()
        if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
            raise validation_failed(
                "q", f"q: at most {MAX_KEYWORDS} keywords of {MAX_KEYWORD_LENGTH} characters"
            )
        if keywords:
            words = [k.lower() for k in keywords]
            inner = predicate

            def matches(event: dict[str, Any]) -> bool:
                text = json.dumps(event).lower()
                return all(w in text for w in words) and (inner is None or inner(event))

            predicate = matches
        after = None
        if params.get("after"):
            after = decode_cursor(params["after"])
            if after is None:
                raise validation_failed("after", "after: not a cursor this endpoint gave out")
        events, next_seq = system_log.query(
            since=since,
            until=until,
            predicate=predicate,
            limit=limit_param(request, DEFAULT_LIMIT, MAX_LIMIT),
            descending=descending,
            after=after,
            polling=polling,
        )
        return paged_response(
            request, events, encode_cursor(next_seq) if next_seq is not None else None
        )

    return router
