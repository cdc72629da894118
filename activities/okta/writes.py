"""Every Okta write of one activity execution goes through a `WriteLog`.

- Dry-run: the write is not sent; a `PlannedRequest` is returned in the result and recorded
  in the audit store (`planned`).
- Apply: a write that changed something is recorded (`success`) with before/after; a write
  that failed is recorded (`failed`, with the error) and the error is re-raised.
- Retries: when attempt N > 1 finds a state already reached and an earlier attempt of the
  *same* activity execution recorded a failed write towards it (typically: applied, then the
  connection dropped), the success is recorded now. The audit store keeps outcomes once per
  idempotency key (workflow, run, activity, action, target), so it is exactly-once.
- Protected accounts: `held`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from temporalio import activity

from activities.audit import activity_context, audit_write
from activities.contracts import PlannedRequest
from integrations.audit import AuditRecord, AuditStore
from integrations.okta.errors import OktaError
from lifecycle.settings import Mode

log = logging.getLogger(__name__)

T = TypeVar("T")


def attempt() -> int:
    return activity.info().attempt if activity.in_activity() else 1


class WriteLog:
    def __init__(self, audit: AuditStore | None, mode: Mode, employee_id: str) -> None:
        self.audit = audit
        self.mode = mode
        self.employee_id = employee_id
        self.planned: list[PlannedRequest] = []
        self._failures: list[AuditRecord] | None = None

    @property
    def dry_run(self) -> bool:
        return self.mode == Mode.DRY_RUN

    async def _record(self, **fields: Any) -> None:
        if self.audit is None:
            return
        await audit_write(self.audit, employee_id=self.employee_id, mode=self.mode, **fields)

    async def write(
        self,
        action: str,
        target: str,
        request: PlannedRequest,
        send: Callable[[], Awaitable[T]],
        *,
        before: Any = None,
        after: Any = None,
        detail: dict[str, Any] | None = None,
        handled: Callable[[OktaError], bool] = lambda error: False,
    ) -> tuple[bool, T | None]:
        """(sent, result). Errors `handled` accepts are re-raised unrecorded: the caller
        turns them into an outcome (e.g. "someone else created it first")."""
        if self.dry_run:
            await self.plan(action, target, request, before=before, after=after, detail=detail)
            return False, None
        try:
            result = await send()
        except OktaError as error:
            if not handled(error):
                await self._record(
                    action=action,
                    target=target,
                    result="failed",
                    before=before,
                    after=after,
                    error=error.message,
                    request=request,
                    detail=detail,
                )
            raise
        await self.success(action, target, before=before, after=after, detail=detail)
        return True, result

    async def plan(
        self,
        action: str,
        target: str,
        request: PlannedRequest,
        *,
        before: Any = None,
        after: Any = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.planned.append(request)
        await self._record(
            action=action,
            target=target,
            result="planned",
            before=before,
            after=after,
            request=request,
            detail=detail,
        )

    async def success(
        self,
        action: str,
        target: str,
        *,
        before: Any = None,
        after: Any = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        await self._record(
            action=action,
            target=target,
            result="success",
            before=before,
            after=after,
            detail=detail,
        )

    async def held(
        self, action: str, target: str, *, before: Any, reason: str, request: PlannedRequest
    ) -> None:
        await self._record(
            action=action,
            target=target,
            result="held",
            before=before,
            request=request,
            detail={"reason": reason},
        )

    async def recover(
        self, actions: Iterable[str], target: str, *, after: Any = None
    ) -> AuditRecord | None:
        """On a retry that finds the state reached: record the success an earlier attempt
        of this execution could not (it failed after sending). Returns the failed record
        that was completed, or None."""
        if self.audit is None or self.dry_run or attempt() <= 1:
            return None
        wanted = set(actions)
        for record in reversed(await self._earlier_failures()):
            if record.action in wanted and record.target == target:
                await self.success(
                    record.action,
                    target,
                    before=record.before,
                    after=after if after is not None else record.after,
                    detail={**(record.detail or {}), "completed_on_retry": True},
                )
                return record
        return None

    async def _earlier_failures(self) -> list[AuditRecord]:
        if self._failures is None:
            assert self.audit is not None
            context = activity_context()
            history = await self.audit.ahistory(self.employee_id, limit=500)
            self._failures = [
                r
                for r in history
                if r.result == "failed"
                and r.workflow_id == context.get("workflow_id")
                and r.run_id == context.get("run_id")
                and r.activity_id == context.get("activity_id")
            ]
        return self._failures
