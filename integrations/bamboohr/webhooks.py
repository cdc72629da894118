"""BambooHR webhooks: checking the signature, and reading both payload families.

Signature: `X-BambooHR-Signature` is the lowercase hex HMAC-SHA256, keyed with the webhook's
private key, of the raw body followed by the `X-BambooHR-Timestamp` value (unix seconds).
Some guides put the timestamp first; `accept_timestamp_first=True` accepts that order too.
A timestamp outside the tolerance window (either side of now) is refused, so a captured
delivery cannot be replayed later.

Payloads (a webhook is a *hint*: the employee is re-read before anything is done):
- event-based: `{"type": "employee.updated", "timestamp", "data": {"companyId",
  "employeeId", "changedFields"?}}` (no values; one event, or a list of them);
- field-based: `{"employees": [{"action", "changedFields", "fields": {...}, "id",
  "timestamp"}]}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from integrations.bamboohr.parse import blank

TIMESTAMP_HEADER = "X-BambooHR-Timestamp"
SIGNATURE_HEADER = "X-BambooHR-Signature"

WebhookAction = Literal["Created", "Updated", "Deleted"]
SignatureProblem = Literal[
    "missing_timestamp",
    "missing_signature",
    "bad_timestamp",
    "stale",
    "future",
    "no_key",
    "mismatch",
]

_EVENT_ACTIONS: dict[str, WebhookAction] = {
    "employee.created": "Created",
    "employee.updated": "Updated",
    "employee.deleted": "Deleted",
}
_FIELD_ACTIONS: dict[str, WebhookAction] = {
    "created": "Created",
    "inserted": "Created",
    "updated": "Updated",
    "deleted": "Deleted",
}
# Events about the company, not an employee: valid, but nothing for the lifecycle to do.
_IGNORED_PREFIXES = ("company.", "company-")
_DIGITS = re.compile(r"^\d{1,12}$")


class WebhookError(ValueError):
    """A webhook delivery we refuse (the receiver answers 4xx: BambooHR does not retry)."""


class WebhookSignatureError(WebhookError):
    """Unsigned, forged, signed with another key, or outside the time window."""

    def __init__(self, problem: SignatureProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


class WebhookPayloadError(WebhookError):
    """A body that is neither of BambooHR's payload families."""


class WebhookEvent(BaseModel):
    """One employee change announced by a webhook."""

    model_config = ConfigDict(frozen=True)

    employee_id: str
    action: WebhookAction
    changed_fields: list[str] = Field(default_factory=list)
    fields: dict[str, str | None] = Field(default_factory=dict)  # field-based family only
    timestamp: datetime | None = None
    family: Literal["event", "fields"] = "event"


# --- signature -------------------------------------------------------------------------------


def sign(body: bytes, timestamp: str, key: SecretStr, *, timestamp_first: bool = False) -> str:
    message = timestamp.encode() + body if timestamp_first else body + timestamp.encode()
    return hmac.new(key.get_secret_value().encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    key: SecretStr,
    *,
    tolerance_seconds: int,
    now: float,
    accept_timestamp_first: bool = False,
) -> None:
    """Raise WebhookSignatureError unless `signature` signs `body` + `timestamp` with `key`
    and `timestamp` (unix seconds) is within `tolerance_seconds` of `now`."""
    if timestamp is None or not timestamp.strip():
        raise WebhookSignatureError("missing_timestamp", f"missing {TIMESTAMP_HEADER} header")
    if signature is None or not signature.strip():
        raise WebhookSignatureError("missing_signature", f"missing {SIGNATURE_HEADER} header")
    stamp = timestamp.strip()
    if not _DIGITS.match(stamp):
        raise WebhookSignatureError(
            "bad_timestamp", f"{TIMESTAMP_HEADER} must be unix seconds, got {stamp[:40]!r}"
        )
    age = now - int(stamp)
    if age > tolerance_seconds:
        raise WebhookSignatureError(
            "stale", f"{TIMESTAMP_HEADER} is {int(age)} s old (tolerance {tolerance_seconds} s)"
        )
    if -age > tolerance_seconds:
        raise WebhookSignatureError(
            "future",
            f"{TIMESTAMP_HEADER} is {int(-age)} s in the future (tolerance {tolerance_seconds} s)",
        )
    if not key.get_secret_value():
        raise WebhookSignatureError("no_key", "no webhook signing key is configured")
    given = signature.strip().lower().removeprefix("sha256=").encode("utf-8", "replace")
    orders = (False, True) if accept_timestamp_first else (False,)
    matched = False
    for timestamp_first in orders:
        expected = sign(body, stamp, key, timestamp_first=timestamp_first).encode()
        # Compare every candidate (no early exit) so timing says nothing about the order.
        matched = hmac.compare_digest(expected, given) or matched
    if not matched:
        raise WebhookSignatureError("mismatch", f"{SIGNATURE_HEADER} does not match the body")


# --- payloads --------------------------------------------------------------------------------


def parse_webhook(body: bytes | str | Mapping[str, Any] | list[Any]) -> list[WebhookEvent]:
    """Both payload families -> events (empty for company-level events)."""
    data: Any = body
    if isinstance(body, bytes | str):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise WebhookPayloadError("the webhook body is not JSON") from None
    if isinstance(data, list):
        events: list[WebhookEvent] = []
        for index, item in enumerate(data):
            if not isinstance(item, dict) or "type" not in item:
                raise WebhookPayloadError(f"item {index} of the body is not an event object")
            events += _event(item)
        return events
    if not isinstance(data, dict):
        raise WebhookPayloadError("the webhook body must be a JSON object")
    if "employees" in data:
        return _field_based(data["employees"])
    if "type" in data:
        return _event(data)
    raise WebhookPayloadError("neither an event ('type', 'data') nor an 'employees' payload")


def _event(data: Mapping[str, Any]) -> list[WebhookEvent]:
    kind = data.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise WebhookPayloadError("'type' must be an event name")
    kind = kind.strip()
    if kind.startswith(_IGNORED_PREFIXES):
        return []
    action = _EVENT_ACTIONS.get(kind)
    if action is None:
        raise WebhookPayloadError(f"unknown event type {kind[:60]!r}")
    payload = data.get("data")
    if not isinstance(payload, dict):
        raise WebhookPayloadError(f"{kind}: 'data' must be an object")
    employee_id = _employee_id(payload.get("employeeId"), f"{kind}: data.employeeId")
    return [
        WebhookEvent(
            employee_id=employee_id,
            action=action,
            changed_fields=_names(payload.get("changedFields"), f"{kind}: data.changedFields"),
            timestamp=_timestamp(data.get("timestamp"), f"{kind}: timestamp"),
            family="event",
        )
    ]


def _field_based(employees: Any) -> list[WebhookEvent]:
    if not isinstance(employees, list):
        raise WebhookPayloadError("'employees' must be a list")
    events = []
    for index, item in enumerate(employees):
        where = f"employees[{index}]"
        if not isinstance(item, dict):
            raise WebhookPayloadError(f"{where} must be an object")
        employee_id = _employee_id(item.get("id"), f"{where}.id")
        raw_action = item.get("action")
        action = _FIELD_ACTIONS.get(str(raw_action).strip().lower()) if raw_action else None
        if action is None:
            raise WebhookPayloadError(f"{where}.action: unknown action {str(raw_action)[:40]!r}")
        values = item.get("fields")
        if values is None:
            values = {}
        if isinstance(values, list) and not values:
            values = {}  # PHP's empty array
        if not isinstance(values, dict):
            raise WebhookPayloadError(f"{where}.fields must be an object")
        events.append(
            WebhookEvent(
                employee_id=employee_id,
                action=action,
                changed_fields=_names(item.get("changedFields"), f"{where}.changedFields"),
                fields={str(k): blank(v) for k, v in values.items()},
                timestamp=_timestamp(item.get("timestamp"), f"{where}.timestamp"),
                family="fields",
            )
        )
    return events


def _employee_id(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise WebhookPayloadError(f"{where}: missing employee id")
    text = str(value).strip()
    if not text or not text.isdigit():
        raise WebhookPayloadError(f"{where}: not an employee id: {text[:40]!r}")
    return text


def _names(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise WebhookPayloadError(f"{where} must be a list of field names")
    return [str(v) for v in value]


def _timestamp(value: Any, where: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    if not isinstance(value, str):
        raise WebhookPayloadError(f"{where}: not a timestamp")
    text = value.strip()
    if _DIGITS.match(text):
        return datetime.fromtimestamp(int(text), tz=UTC)
    raw = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    raw = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", raw)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise WebhookPayloadError(f"{where}: not a timestamp: {text[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # the spec's `YYYY-MM-DD HH:MM:SS` is UTC
    return parsed.astimezone(UTC)
