"""What the audit store writes (`AuditEntry`) and reads back (`AuditRecord`).

One row per Okta write, planned write (dry-run), hold or notable lifecycle event. Rows are
never changed once written, except that a repeated *outcome* with the same idempotency key
raises the recorded `attempt` (see `AuditStore.record`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, field_validator
from pydantic_core import to_jsonable_python

AuditResult = Literal["success", "planned", "failed", "held", "noop", "info"]
AuditMode = Literal["apply", "dry-run"]

# Results that describe what finally happened to one write. They are recorded exactly once
# per idempotency key; `failed` and `info` rows are always appended (every failed try shows).
OUTCOME_RESULTS: frozenset[str] = frozenset({"success", "planned", "held", "noop"})

RESULTS: tuple[str, ...] = ("success", "planned", "failed", "held", "noop", "info")
MODES: tuple[str, ...] = ("apply", "dry-run")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuditEntry(BaseModel):
    """One event to append.

    `before`, `after`, `request` and `detail` take any JSON-able value, including pydantic
    models (a `PlannedRequest`, an `OktaAccount`...), which are stored as their JSON form.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    employee_id: str = Field(min_length=1)
    action: str = Field(min_length=1)  # e.g. okta.user.create, okta.group.add, lifecycle.hold
    result: AuditResult
    target: str | None = None  # e.g. the Okta user id or the group name
    before: JsonValue = None
    after: JsonValue = None
    error: str | None = None
    request: JsonValue = None  # the PlannedRequest (or list of them) in dry-run
    detail: dict[str, JsonValue] | None = None  # anything else worth keeping
    mode: AuditMode = "apply"
    workflow_id: str | None = None
    run_id: str | None = None
    activity_id: str | None = None
    attempt: int | None = Field(default=None, ge=1)
    idempotency_key: str | None = None
    at: AwareDatetime = Field(default_factory=_utc_now)

    @field_validator("before", "after", "request", "detail", mode="before")
    @classmethod
    def _jsonable(cls, value: Any) -> Any:
        # Models, datetimes, enums, sets... become plain JSON values here, so both backends
        # store exactly what an auditor reads back.
        return None if value is None else to_jsonable_python(value)

    @field_validator("mode", "result", mode="before")
    @classmethod
    def _enum_value(cls, value: Any) -> Any:
        return value.value if isinstance(value, Enum) else value

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @property
    def is_outcome(self) -> bool:
        """True when this row is recorded at most once per idempotency key."""
        return self.idempotency_key is not None and self.result in OUTCOME_RESULTS


class AuditRecord(AuditEntry):
    """A stored row: the entry plus its id (ascending in insertion order per store)."""

    id: int


class StoredDocument(BaseModel):
    """A JSON document kept beside the audit trail (a reconciliation plan, a sync report):
    written once per id, read back whole; `summary` is its small digest."""

    id: str
    kind: str
    created_at: AwareDatetime
    summary: dict[str, JsonValue] | None = None
    body: str  # the document, JSON text
