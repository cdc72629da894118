"""Okta client errors -> Temporal `ApplicationError`s with the retry semantics the
workflow relies on.

| client error            | type                   | retry                                |
| ----------------------- | ---------------------- | ------------------------------------ |
| OktaRateLimited         | OktaRateLimited        | yes, `next_retry_delay` = until reset |
| OktaServerError (5xx)   | OktaServerError        | yes (policy backoff)                 |
| OktaTransportError      | OktaTransportError     | yes (policy backoff)                 |
| OktaConflict (409)      | OktaConflict           | yes: the next attempt reads again    |
| OktaValidationError     | OktaValidationError    | no: the workflow routes to review    |
| OktaInvalidTransition   | OktaInvalidTransition  | no                                   |
| OktaAuthError (401/403) | OktaAuthError          | no: credentials or scopes need a fix |
| OktaNotFound            | OktaNotFound           | no                                   |

Messages name what Okta rejected (method, path, code, causes): ids and logins, never a
credential, never the search expression.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from temporalio.exceptions import ApplicationError

from integrations.okta.errors import (
    OktaAuthError,
    OktaConflict,
    OktaError,
    OktaInvalidTransition,
    OktaNotFound,
    OktaRateLimited,
    OktaServerError,
    OktaTransportError,
    OktaValidationError,
)

_PREFIX: dict[type[OktaError], str] = {
    OktaRateLimited: "Okta rate limit reached",
    OktaServerError: "Okta failed",
    OktaTransportError: "Okta did not answer",
    OktaConflict: "Okta reported a conflict",
    OktaValidationError: "Okta rejected the request",
    OktaInvalidTransition: "Okta does not allow this in the user's current status",
    OktaAuthError: "Okta refused the credentials",
    OktaNotFound: "Okta has no such object",
}


def to_application_error(error: OktaError, now: float) -> ApplicationError:
    kind = type(error)
    prefix = next((text for cls, text in _PREFIX.items() if isinstance(error, cls)), "Okta error")
    name = next((cls.__name__ for cls in _PREFIX if isinstance(error, cls)), "OktaError")
    message = f"{prefix}: {error.message}"
    if isinstance(error, OktaRateLimited):
        return ApplicationError(
            message,
            error.details(),
            type=name,
            next_retry_delay=timedelta(seconds=error.retry_after(now)),
        )
    return ApplicationError(message, error.details(), type=name, non_retryable=not kind.retryable)


@contextmanager
def temporal_errors(clock: Callable[[], float]) -> Iterator[None]:
    """Re-raise any `OktaError` inside as the matching `ApplicationError` (`clock`: the
    governor's, the one Okta's reset times are compared with)."""
    try:
        yield
    except OktaError as error:
        raise to_application_error(error, clock()) from None
