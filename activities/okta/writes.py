"""Every Okta write of one activity execution goes through a `WriteLog`.

- Dry-run: the write is not sent; a `PlannedRequest` is returned in the result and recorded
  in the audit store (`planned`).
- Apply: a write that changed something is recorded (`success`) with before/after; a write
  that failed is recorded (`failed`, with the error) and the error is re-raised.
- Retries: when attempt N > 1 finds a state already reached and an earlier attempt of the
  *same* activity execution recorded a failed write towards it (typically: applied, then the
  connection dropped), the success is recorded now. The audit store keeps outcomes once per
  idempotency key (workflow, run, activity, action, target), so it is exactly-once.
- Crashes: a worker killed between Okta's answer and the audit insert leaves no `failed`
  record to go by. So before sending, the write is noted as the employee's *write in flight*
  (one small document per employee, overwritten by the next write: an employee's writes
  are sequential, since only their workflow makes them). A retry that finds the state
  reached and the note naming its own execution records the success the dead attempt
  could not.
- Protected accounts: `held`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from temporalio import activity

from activities.audit import activity_context, audit_write
from contracts.activities import PlannedRequest
from integrations.audit import AuditRecord, AuditStore
from integrations.okta.errors import OktaError
from lifecycle.settings import Mode

log = logging.getLogger(__name__)

T = TypeVar("T")

INTENT_KIND = "okta-write-in-flight"


@dataclass(frozen=True)
class Recovered:
    """A write an earlier attempt of this execution sent without recording its success."""

    action: str
    before: Any


def intent_doc_id(employee_id: str) -> str:
    return f"{INTENT_KIND}/{employee_id}"


def attempt() -> int:
    return activity.info().attempt if activity.in_activity() else 1


class WriteLog:
    def __init__(self, audit: AuditStore | None, mode: Mode, employee_id: str) -> None:
        self.audit = audit
        self.mode = mode
        self.employee_id = employee_id
        self.planned: list[PlannedRequest] = []
        self._failures: list[AuditRecord] | None = None
        self._intent: dict[str, Any] | None = None
        self._intent_read = False

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
        await self._note_in_flight(action, target, before=before, after=after, detail=detail)
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
    ) -> Recovered | None:
        """On a retry that finds the state reached: record the success an earlier attempt
        of this execution could not (it failed, or its worker died, after sending).
        Returns what was completed, or None."""
        if self.audit is None or self.dry_run or attempt() <= 1:
            return None
        wanted = set(actions)
        found: tuple[str, Any, Any, dict[str, Any]] | None = None
        for record in reversed(await self._earlier_failures()):
            if record.action in wanted and record.target == target:
                found = (record.action, record.before, record.after, record.detail or {})
                break
        if found is None:
            intent = await self._earlier_intent()
            if intent and intent.get("action") in wanted and intent.get("target") == target:
                found = (
                    intent["action"],
                    intent.get("before"),
                    intent.get("after"),
                    intent.get("detail") or {},
                )
        if found is None:
            return None
        action, before, recorded_after, detail = found
        await self.success(
            action,
            target,
            before=before,
            after=after if after is not None else recorded_after,
            detail={**detail, "completed_on_retry": True},
        )
        return Recovered(action=action, before=before)

    async def _note_in_flight(
        self,
        action: str,
        target: str,
        *,
        before: Any,
        after: Any,
        detail: dict[str, Any] | None,
    ) -> None:
        if self.audit is None:
            return
        context = activity_context()
        if not context.get("run_id"):
            return  # not in an activity: no retry can come back for it
        body = {
            "workflow_id": context.get("workflow_id"),
            "run_id": context.get("run_id"),
            "activity_id": context.get("activity_id"),
            "attempt": context.get("attempt"),
            "action": action,
            "target": target,
            "before": before,
            "after": after,
            "detail": detail,
        }
        await self.audit.aput_document(
            intent_doc_id(self.employee_id), INTENT_KIND, json.dumps(body, default=str)
        )

    async def _earlier_intent(self) -> dict[str, Any] | None:
        """The employee's write in flight, if an earlier attempt of this execution left it."""
        if not self._intent_read:
            assert self.audit is not None
            self._intent_read = True
            doc = await self.audit.aget_document(intent_doc_id(self.employee_id))
            context = activity_context()
            if doc is not None:
                try:
                    body = json.loads(doc.body)
                except ValueError:
                    body = None
                if (
                    isinstance(body, dict)
                    and body.get("workflow_id") == context.get("workflow_id")
                    and body.get("run_id") == context.get("run_id")
                    and body.get("activity_id") == context.get("activity_id")
                ):
                    self._intent = body
        return self._intent

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
