"""What the store tells its listeners (the webhook hub, the state file) after each change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

EventKind = Literal["created", "updated", "deleted"]


@dataclass(frozen=True)
class ChangeEvent:
    kind: EventKind
    employee_id: str
    at: datetime
    # Aliases whose *current* value changed (for "created": every field that has a value).
    changed_fields: tuple[str, ...] = ()
    # Effective-dated tables that were edited (a future-dated row changes no current value).
    tables: tuple[str, ...] = ()
    # The employee's current values after the change (before it, for "deleted").
    values: dict[str, Any] = field(default_factory=dict)
    # True when nothing was edited: a dated row took effect because the day changed.
    effective: bool = False
