"""Which BambooHR fields we ask for.

The standard fields are exactly the `HrSnapshot` aliases (derived from the model, so a field
added there is fetched without touching this file). The policy adds *extra* fields (custom
fields by alias or numeric id, or standard fields the snapshot has no attribute for); their
values land in `HrSnapshot.custom` under the name that was requested.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from lifecycle.models.hr import HrSnapshot

MAX_FIELDS = 400  # BambooHR's limit per employee request / report
Table = Literal["employmentStatus", "jobInfo"]
TABLES: tuple[Table, ...] = ("employmentStatus", "jobInfo")

# The supervisor's internal id (the jobInfo `reportsTo` column holds only a display name).
SUPERVISOR_FIELD = "supervisorEId"
# What `ManagerRef` needs from the supervisor's own record.
MANAGER_FIELDS: tuple[str, ...] = ("employeeNumber", "displayName", "workEmail")

_NOT_FETCHED = {"id"}  # always part of BambooHR's answer


def _standard_fields() -> tuple[str, ...]:
    names: list[str] = []
    for name, info in HrSnapshot.model_fields.items():
        alias = info.alias or name
        if alias in _NOT_FETCHED:
            continue
        # Only scalar BambooHR fields; containers and reader-set values are not fields.
        if name in {"manager", "custom", "employment_status_rows", "job_info_rows"}:
            continue
        if name in {"fetched_at", "deleted"}:
            continue
        names.append(alias)
    return tuple(names)


STANDARD_FIELDS: tuple[str, ...] = _standard_fields()
STANDARD_SET = frozenset(STANDARD_FIELDS)

# Standard fields holding a date (`YYYY-MM-DD`, empty = `0000-00-00`) or an instant.
DATE_FIELDS = frozenset({"hireDate", "originalHireDate", "terminationDate"})
INSTANT_FIELDS = frozenset({"lastChanged"})
EMAIL_FIELDS = frozenset({"workEmail"})


def extra_fields(fields: Iterable[str]) -> list[str]:
    """The requested fields that are not standard, trimmed, deduplicated, in order."""
    out: list[str] = []
    for raw in fields:
        name = str(raw).strip()
        if not name or name in _NOT_FETCHED or name in STANDARD_SET or name in out:
            continue
        out.append(name)
    return out


def request_fields(extra: Sequence[str]) -> list[str]:
    """Standard fields followed by the extra ones; refuses more than BambooHR accepts."""
    names = [*STANDARD_FIELDS, *extra_fields(extra)]
    if len(names) > MAX_FIELDS:
        raise ValueError(
            f"{len(names)} BambooHR fields requested: BambooHR accepts at most {MAX_FIELDS}"
        )
    return names
