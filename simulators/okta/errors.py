"""Okta's error dialect: `{errorCode, errorSummary, errorLink, errorId, errorCauses}`.

Handlers and the store raise `OktaError`; the API layer turns it into the JSON body Okta
sends. Only `errorCode` is stable for a client's control flow, so the codes follow Okta and
the summaries follow Okta's wording where it is known.
"""

from __future__ import annotations

import json
from typing import Any

from simulators.okta.ids import random_token


class OktaError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        summary: str,
        causes: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {summary}")
        self.status = status
        self.code = code
        self.summary = summary
        self.causes = causes or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.summary, self.causes)

    def body_bytes(self) -> bytes:
        return json.dumps(self.body()).encode()


def error_body(code: str, summary: str, causes: list[str] | None = None) -> dict[str, Any]:
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae" + random_token(22),
        "errorCauses": [{"errorSummary": cause} for cause in causes or []],
    }


# --- the errors the simulator answers with ----------------------------------------------


def validation_failed(field: str, *causes: str) -> OktaError:
    return OktaError(400, "E0000001", f"Api validation failed: {field}", list(causes))


def not_found(what: str, kind: str = "User") -> OktaError:
    return OktaError(404, "E0000007", f"Not found: Resource not found: {what} ({kind})")


def invalid_token() -> OktaError:
    return OktaError(401, "E0000011", "Invalid token provided")


def malformed_body(detail: str | None = None) -> OktaError:
    return OktaError(
        400, "E0000003", "The request body was not well-formed.", [detail] if detail else []
    )


def invalid_search(detail: str) -> OktaError:
    return OktaError(400, "E0000031", "Invalid search criteria.", [detail])


def rate_limited(headers: dict[str, str]) -> OktaError:
    return OktaError(
        429, "E0000047", "API call exceeded rate limit due to too many requests.", [], headers
    )


def access_denied(cause: str | None = None) -> OktaError:
    return OktaError(
        403,
        "E0000006",
        "You do not have permission to perform the requested action",
        [cause] if cause else [],
    )


def method_not_allowed() -> OktaError:
    return OktaError(405, "E0000022", "The endpoint does not support the provided HTTP method")


def not_allowed_in_status() -> OktaError:
    return OktaError(403, "E0000038", "This operation is not allowed in the user's current status.")


def already_active() -> OktaError:
    return OktaError(403, "E0000016", "Activation failed because the user is already active")


def internal_error(status: int = 500) -> OktaError:
    summary = "Internal Server Error" if status != 503 else "Service Unavailable"
    return OktaError(status, "E0000009", summary)
