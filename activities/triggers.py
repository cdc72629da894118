"""Activities of the triggers (poller, reconciliation, drift repair): the durable cursor,
the mass-change safeguard's assessment, and handing changes to employee workflows.

Snapshots are fetched and signalled *inside* `deliver_changes` so that a batch of hundreds
of employees never passes through the poller's workflow history: only ids and counts do.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.bamboohr import to_application_error as bamboohr_error
from activities.contracts import (
    Activity,
    AssessChangesInput,
    AssessChangesResult,
    BadRecord,
    DeliverChangesInput,
    DeliverChangesResult,
    GetCursorInput,
    GetCursorResult,
    SetCursorInput,
    SetCursorResult,
)
from activities.signals import signal_many
from integrations.audit import AuditStore
from integrations.bamboohr import BambooHRClient, BambooHRError
from integrations.okta import OktaClient
from integrations.okta.expressions import profile_eq
from lifecycle.models import ActionKind, ReviewCode, ReviewReason
from lifecycle.policy import PolicyConfig, build_plan
from workflows.employee.models import HrChanged

DISRUPTIVE = {ActionKind.LEAVE_START, ActionKind.TERMINATE, ActionKind.RESCIND}
INACTIVE_STATUSES = {"SUSPENDED", "DEPROVISIONED"}
CLOCK_SLACK = timedelta(days=1)
LOOKUP_BATCH = 50
ACTIVE_COUNT_TTL = 3600.0  # seconds an Okta active-account count is reused


class TriggerActivities:
    def __init__(
        self,
        *,
        temporal: Client,
        task_queue: str,
        bamboohr: BambooHRClient,
        okta: OktaClient,
        audit: AuditStore,
        policy: PolicyConfig,
        fields: list[str],
    ) -> None:
        self.temporal = temporal
        self.task_queue = task_queue
        self.bamboohr = bamboohr
        self.okta = okta
        self.audit = audit
        self.policy = policy
        self.fields = fields
        self._active_count: tuple[float, int] | None = None

    def all(self) -> list[Any]:
        return [self.get_cursor, self.set_cursor, self.assess_changes, self.deliver_changes]

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

    # --- safeguard -----------------------------------------------------------------------------
    @activity.defn(name=Activity.ASSESS_CHANGES)
    async def assess_changes(self, input: AssessChangesInput) -> AssessChangesResult:
        ids = [c.employee_id for c in input.changes if c.action != "Deleted"]
        now = input.as_of or datetime.now(UTC)
        horizon = now + timedelta(hours=input.horizon_hours)
        # HR's clock and ours may disagree; a day of slack, then Okta's own state decides.
        recent = input.since - CLOCK_SLACK
        candidates: list[str] = []
        if ids:
            bulk = await self._fetch(ids, now)
            for snapshot in bulk.snapshots:
                plan = build_plan(snapshot, self.policy)
                action = plan.current_action(horizon)
                if action is not None and action.kind in DISRUPTIVE and action.at >= recent:
                    candidates.append(snapshot.employee_id)
        active = await self._active_accounts()
        safeguards = self.policy.safeguards
        threshold = max(safeguards.min_count, math.floor(safeguards.max_share * active))
        disruptive = await self._still_active(sorted(candidates), limit=threshold + 1)
        return AssessChangesResult(
            disruptive=disruptive, active_accounts=active, threshold=threshold
        )

    async def _still_active(self, employee_ids: list[str], limit: int) -> list[str]:
        """Those whose account would really change: a termination already carried out (a
        change re-read by the next poll's overlap) disrupts nothing. Once more than the
        threshold are found the answer is known, so the rest are not looked up."""
        attribute = self.policy.identity.okta_id_attribute
        found: list[str] = []
        for start in range(0, len(employee_ids), LOOKUP_BATCH):
            if len(found) >= limit:
                return found + employee_ids[start:]
            batch = employee_ids[start : start + LOOKUP_BATCH]
            # One search per batch: `a eq "1" or a eq "2" ...` (each a page of results).
            expression = " or ".join(profile_eq(attribute, e) for e in batch)
            active = {
                str(u.profile.get(attribute))
                for u in await self.okta.search_users(expression)
                if u.status not in INACTIVE_STATUSES
            }
            found += [e for e in batch if e in active]
        return found

    async def _active_accounts(self) -> int:
        cached = self._active_count
        if cached is not None and time.monotonic() - cached[0] < ACTIVE_COUNT_TTL:
            return cached[1]
        count = 0
        async for _ in self.okta.list_users(filter='status eq "ACTIVE"'):
            count += 1
        self._active_count = (time.monotonic(), count)
        return count

    # --- delivery --------------------------------------------------------------------------------
    @activity.defn(name=Activity.DELIVER_CHANGES)
    async def deliver_changes(self, input: DeliverChangesInput) -> DeliverChangesResult:
        deleted = [c.employee_id for c in input.changes if c.action == "Deleted"]
        ids = [c.employee_id for c in input.changes if c.action != "Deleted"]
        changes = [HrChanged(employee_id=i, deleted=True, source=input.source) for i in deleted]
        bad_records: list[BadRecord] = []
        if ids:
            bulk = await self._fetch(ids, input.as_of or datetime.now(UTC))
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

    async def _fetch(self, ids: list[str], now: datetime) -> Any:
        try:
            return await self.bamboohr.fetch_snapshots(ids, self.fields, fetched_at=now)
        except BambooHRError as exc:
            raise bamboohr_error(exc) from exc
