"""A small method+path router for the Okta API that knows each route's operationId.

Starlette's router answers 404/405 in its own words; Okta has its own (E0000007, E0000022),
and the request log and stats want the spec's operationId for every call.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from simulators.okta.errors import OktaError, method_not_allowed

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class ApiRoute:
    method: str
    pattern: str
    handler: Handler
    operation: str
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern) + "/?$")


class ApiRouter:
    def __init__(self) -> None:
        self.routes: list[ApiRoute] = []

    def add(self, method: str, pattern: str, operation: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(ApiRoute(method.upper(), pattern, handler, operation))
            return handler

        return register

    def include(self, other: ApiRouter) -> None:
        self.routes.extend(other.routes)

    def match(self, method: str, path: str) -> tuple[ApiRoute, dict[str, Any]]:
        path_matched = False
        for route in self.routes:
            found = route.regex.match(path)
            if found is None:
                continue
            path_matched = True
            if route.method == method.upper():
                return route, found.groupdict()
        if path_matched:
            raise method_not_allowed()
        raise OktaError(404, "E0000007", f"Not found: Resource not found: {path} (Resource)")
