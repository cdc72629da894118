"""Activities of the triggers (poller, reconciliation, drift repair): the durable cursor and
handing changes to employee workflows. (The mass-change guard is not here: it sits where the
disruptive write happens, activities/guard.py.)

Snapshots are fetched and signalled *inside* `deliver_changes` so that a batch of hundreds
of employees never passes through the poller's workflow history: only ids and counts do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.bamboohr import to_application_error as bamboohr_error
from activities.login import LoginActivities
from activities.signal_with_start import signal_many
from contracts.activities import (
    Activity,
    BadRecord,
    DeliverChangesInput,
    DeliverChangesResult,
    EmployeeChange,
    GetCursorInput,
    GetCursorResult,
    SetCursorInput,
    SetCursorResult,
)
from contracts.employee import HrChanged
from integrations.audit import AuditStore
from integrations.bamboohr import BambooHRClient, BambooHRError, BulkSnapshots
from lifecycle.models import ReviewCode, ReviewReason


class TriggerActivities:
    def __init__(
        self,
        *,
        temporal: Client,
        task_queue: str,
        bamboohr: BambooHRClient,
        audit: AuditStore,
        fields: list[str],
        logins: LoginActivities | None = None,
    ) -> None:
        self.temporal = temporal
        self.logins = logins
        self.task_queue = task_queue
        self.bamboohr = bamboohr
        self.audit = audit
        self.fields = fields

    def all(self) -> list[Any]:
        return [self.get_cursor, self.set_cursor, self.deliver_changes]

    # --- durable cursor ----------------------------------------------------------------------
    @activity.defn(name=Activity.GET_CURSOR)
    async def get_cursor(self, input: GetCursorInput) -> GetCursorResult:
        value = await self.audit.aget_cursor(input.name)
        return GetCursorResult(value=datetime.fromisoformat(value) if value else None)

    @activity.defn(name=Activity.SET_CURSOR)
    async def set_cursor(self, input: SetCursorInput) -> SetCursorResult:
        value = input.value.isoformat()
        expected = input.expected.isoformat() if input.expected else None
        if await self.audit.aset_cursor(input.name, value, expected=expected):
            return SetCursorResult(moved=True)
        # Lost the compare-and-set: either our own earlier attempt already wrote it (a retry)
        # or another poller moved it further. Never move it backwards.
        current = await self.audit.aget_cursor(input.name)
        return SetCursorResult(moved=current == value)

    # --- delivery --------------------------------------------------------------------------------
    @activity.defn(name=Activity.DELIVER_CHANGES)
    async def deliver_changes(self, input: DeliverChangesInput) -> DeliverChangesResult:
        deleted = [c.employee_id for c in input.changes if c.action == "Deleted"]
        ids = [c.employee_id for c in input.changes if c.action != "Deleted"]
        changes = [HrChanged(employee_id=i, deleted=True, source=input.source) for i in deleted]
        bad_records: list[BadRecord] = []
        if ids:
            bulk = await self._fetch(input.changes, input.as_of or datetime.now(UTC))
            if self.logins is not None:
                # Namesakes hired together get their generated logins in BambooHR id order,
                # whichever of their workflows runs first (activities/login.py).
                await self.logins.claim_for_batch(bulk.snapshots)
            changes += [
                HrChanged(employee_id=s.employee_id, snapshot=s, source=input.source)
                for s in bulk.snapshots
            ]
            # A record we cannot read is still that employee's business: a hint makes the
            # workflow read it itself and put the problem in front of a person.
            changes += [HrChanged(employee_id=b.employee_id, source=input.source) for b in bulk.bad]
            changes += [
                HrChanged(employee_id=m, deleted=True, source=input.source) for m in bulk.missing
            ]
            bad_records = [
                BadRecord(
                    employee_id=b.employee_id,
                    problem=ReviewReason(
                        code=ReviewCode.BAD_HR_DATA, field=b.field, message=str(b)
                    ),
                )
                for b in bulk.bad
            ]
        failures = await signal_many(
            self.temporal, self.task_queue, changes, on_progress=lambda n: activity.heartbeat(n)
        )
        if failures:
            # Signal-with-start is idempotent and workflows de-duplicate: retrying the whole
            # batch is safe, and nothing moves the cursor until it succeeds.
            raise ApplicationError(
                f"{len(failures)} of {len(changes)} employee signals failed "
                f"(first: {failures[0][0]}: {failures[0][1]})",
                type="SignalFailed",
            )
        return DeliverChangesResult(
            delivered=[c.employee_id for c in changes], bad_records=bad_records
        )

    async def _fetch(self, changes: list[EmployeeChange], now: datetime) -> BulkSnapshots:
        try:
            return await read_changed(self.bamboohr, self.fields, changes, now)
        except BambooHRError as exc:
            raise bamboohr_error(exc) from exc


async def read_changed(
    bamboohr: BambooHRClient, fields: list[str], changes: list[EmployeeChange], now: datetime
) -> BulkSnapshots:
    """The snapshots of a batch of changed employees, in three requests and O(batch) bytes:
    the report restricted to them and their rows from the changed-tables read (the poll's
    whole cost per batch; `python -m bench.poll_cost` measures it)."""
    ids = [c.employee_id for c in changes if c.action != "Deleted"]
    return await bamboohr.fetch_snapshots(
        ids, fields, fetched_at=now, changed_since=changed_since(changes)
    )


def changed_since(changes: list[EmployeeChange]) -> datetime | None:
    """The instant every one of these employees changed at or after, by BambooHR's own
    lastChanged (whole seconds, hence the second's margin), so their table rows can come
    from the changed-tables read; None when one of them carries no lastChanged."""
    stamps = [c.last_changed for c in changes if c.action != "Deleted"]
    if not stamps or any(s is None for s in stamps):
        return None
    return min(s for s in stamps if s is not None) - timedelta(seconds=1)
