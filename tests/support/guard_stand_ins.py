"""Stand-ins for the two activities the guard workflow runs itself (audit and notify), for
tests that drive the guard without the rest of the service."""

from __future__ import annotations

from typing import Any

from temporalio import activity

from contracts.activities import (
    Activity,
    NotifyInput,
    NotifyResult,
    RecordAuditEventInput,
    RecordAuditEventResult,
)


class GuardStandIns:
    def __init__(self) -> None:
        self.audit: list[RecordAuditEventInput] = []
        self.alerts: list[NotifyInput] = []

    @activity.defn(name=Activity.RECORD_AUDIT_EVENT)
    async def record(self, input: RecordAuditEventInput) -> RecordAuditEventResult:
        self.audit.append(input)
        return RecordAuditEventResult(record_id=len(self.audit))

    @activity.defn(name=Activity.NOTIFY)
    async def notify(self, input: NotifyInput) -> NotifyResult:
        self.alerts.append(input)
        return NotifyResult(delivered=["log"])

    def all(self) -> list[Any]:
        return [self.record, self.notify]
