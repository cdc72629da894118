"""Typed Okta errors, built from the answer's `errorCode` (the only stable part of it).

Messages name the request (method and path, never the query: search expressions carry
employee data) and Okta's code, summary and causes. Nothing here ever sees a credential:
the client builds errors from the request line and the response body only.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from lifecycle.redact import mask_emails

# Codes with a fixed meaning for control flow (developer.okta.com, "Error codes").
E_VALIDATION = "E0000001"
E_MALFORMED = "E0000003"
E_ACCESS_DENIED = "E0000006"
E_NOT_FOUND = "E0000007"
E_INTERNAL = "E0000009"
E_INVALID_TOKEN = "E0000011"
E_ALREADY_ACTIVE = "E0000016"
E_INVALID_SEARCH = "E0000031"
E_NOT_ALLOWED_IN_STATUS = "E0000038"
E_RATE_LIMITED = "E0000047"
E_CONFLICT = "E0000195"

_TRANSITION_CODES = {E_ALREADY_ACTIVE, E_NOT_ALLOWED_IN_STATUS}


class OktaError(Exception):
    """Base of every error the Okta client raises."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        error_code: str | None = None,
        summary: str | None = None,
        causes: list[str] | None = None,
        error_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.error_code = error_code
        self.summary = summary
        self.causes = causes or []
        self.error_id = error_id

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def details(self) -> dict[str, Any]:
        """JSON-able facts for callers (Temporal error details, audit rows)."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "errorCode": self.error_code,
            "errorSummary": self.summary,
            "errorCauses": list(self.causes),
            "errorId": self.error_id,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class OktaNotFound(OktaError):
    """404 / E0000007: the user, group or schema does not exist."""


class OktaValidationError(OktaError):
    """400: Okta rejected the request's content (`causes` says which field and why)."""


class OktaConflict(OktaError):
    """409 / E0000195: the change conflicts with a concurrent one; reading again resolves it."""

    retryable = True


class OktaInvalidTransition(OktaError):
    """A lifecycle operation not allowed in the user's current status."""


class OktaRateLimited(OktaError):
    """429 / E0000047. `reset_at` is Okta's `X-Rate-Limit-Reset` (UTC epoch seconds)."""

    retryable = True

    def __init__(self, message: str, *, reset_at: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reset_at = reset_at

    def retry_after(self, now: float, minimum: float = 1.0) -> float:
        """Seconds until the window resets (at least `minimum`)."""
        if self.reset_at is None:
            return minimum
        return max(minimum, self.reset_at - now)


class OktaAuthError(OktaError):
    """401 / 403 (invalid token, missing scope or admin role)."""


class OktaServerError(OktaError):
    """5xx: Okta failed; the request may or may not have been applied."""

    retryable = True


class OktaTransportError(OktaError):
    """No answer: timeout, refused or dropped connection (the request may have been applied)."""

    retryable = True


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = json.loads(response.content or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def error_from_response(
    response: httpx.Response,
    *,
    method: str,
    path: str,
    lifecycle: bool = False,
    now: float | None = None,
) -> OktaError:
    """The typed error for an answer >= 400.

    `lifecycle`: the request was a `/lifecycle/...` call, where Okta reports a transition the
    current status does not allow as 400 E0000001 (suspend of a STAGED user) as well as
    403 E0000038 / E0000016.
    """
    status = response.status_code
    body = _body(response)
    code = body.get("errorCode") if isinstance(body.get("errorCode"), str) else None
    summary = body.get("errorSummary") if isinstance(body.get("errorSummary"), str) else None
    causes = [
        str(c.get("errorSummary"))
        for c in body.get("errorCauses") or []
        if isinstance(c, dict) and c.get("errorSummary")
    ]
    # A login in the path (get user by login) is personal data; the message lands in
    # Temporal history, `status` and alerts.
    path = mask_emails(path)
    text = f"{method} {path}: {status}"
    if code:
        text += f" {code}"
    if summary:
        text += f" {summary}"
    if causes:
        text += " (" + "; ".join(causes) + ")"
    text = mask_emails(text)
    kwargs: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": status,
        "error_code": code,
        "summary": summary,
        "causes": causes,
        "error_id": body.get("errorId") if isinstance(body.get("errorId"), str) else None,
    }
    if status == 429 or code == E_RATE_LIMITED:
        reset = _int_header(response, "X-Rate-Limit-Reset")
        if reset is None:
            retry_after = _int_header(response, "Retry-After")
            if retry_after is not None and now is not None:
                reset = int(now) + retry_after
        return OktaRateLimited(text, reset_at=None if reset is None else float(reset), **kwargs)
    if code in _TRANSITION_CODES or (lifecycle and code == E_VALIDATION):
        return OktaInvalidTransition(text, **kwargs)
    if status >= 500:
        return OktaServerError(text, **kwargs)
    if status == 404 or code == E_NOT_FOUND:
        return OktaNotFound(text, **kwargs)
    if status in (401, 403):
        return OktaAuthError(text, **kwargs)
    if status == 409 or code == E_CONFLICT:
        return OktaConflict(text, **kwargs)
    return OktaValidationError(text, **kwargs)


def is_duplicate_login(error: OktaError) -> bool:
    """400 E0000001 with the cause "login: An object with this field already exists"."""
    if not isinstance(error, OktaValidationError) or error.error_code != E_VALIDATION:
        return False
    return any(
        cause.lower().startswith("login") and "already exists" in cause.lower()
        for cause in error.causes
    )


def is_unknown_group(error: OktaError) -> bool:
    """400 E0000001 whose cause names `groupIds`: a group id given to create-user is gone."""
    if not isinstance(error, OktaValidationError) or error.error_code != E_VALIDATION:
        return False
    return any(cause.lower().startswith("groupids") for cause in error.causes)


def is_membership_noop(error: OktaError) -> bool:
    """Okta's wording (where it answers an error at all) for "already a member" / "not a
    member": Okta's reference leaves open whether re-adding is accepted, so both count as done."""
    text = " ".join([error.summary or "", *error.causes]).lower()
    return any(
        phrase in text for phrase in ("already a member", "already exists in group", "not a member")
    )
