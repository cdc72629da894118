"""Typed BambooHR failures: what went wrong talking to the API, and HR data we cannot use.

HTTP errors carry BambooHR's own explanation (the `X-BambooHR-Error-Message` header, or
`X-BambooHR-Message` as the spec names it) because that text is what an operator needs; the
API key is never part of any message (the client scrubs it before building one).
"""

from __future__ import annotations


class BambooHRError(Exception):
    """Any failure of a BambooHR API call."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        where = f"{method} {path}" if method and path else ""
        prefix = " ".join(p for p in (str(status) if status else "", where) if p)
        super().__init__(f"BambooHR {prefix}: {message}" if prefix else f"BambooHR: {message}")

    @property
    def kind(self) -> str:
        """The type name Temporal shows (`ApplicationError.type`)."""
        return type(self).__name__


class BambooHRNotFound(BambooHRError):
    """404: the employee (or table, or report format) does not exist."""


class BambooHRAuthError(BambooHRError):
    """401/403: bad API key, or the key's user may not see what was asked."""


class BambooHRBadRequest(BambooHRError):
    """Any other 4xx (400, 406, 409, 413, 422...): retrying the same request cannot help."""


class BambooHRServerError(BambooHRError):
    """5xx (other than throttling): BambooHR's problem, worth retrying."""


class BambooHRTransportError(BambooHRError):
    """No usable answer: connection refused or cut, timeout, or a body that is not JSON."""


class BambooHRRateLimited(BambooHRError):
    """Throttled: 503 + Retry-After today, 429 + Retry-After from 2026-09-16 (both handled).

    `retry_after` is in seconds (None when BambooHR did not say).
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status, method=method, path=path)


class BadHrData(ValueError):
    """A record BambooHR returned that we cannot turn into an `HrSnapshot`.

    Names the employee and the field so HR can fix the record; the lifecycle moves the
    employee to review instead of acting on nonsense.
    """

    def __init__(self, employee_id: str, field: str, message: str) -> None:
        self.employee_id = employee_id
        self.field = field
        self.message = message
        super().__init__(f"employee {employee_id}: {field}: {message}")


class BambooHRUnexpectedResponse(BambooHRServerError):
    """A 2xx answer whose JSON does not have the documented shape (retried like a 5xx)."""
