"""Asking the mass-change guard (workflows/guard) from a lifecycle, and raising its allowance.

The activity adds what the guard workflow may not compute itself: the policy's threshold for
today's number of active Okta accounts. It reaches the guard by an update and starts the guard
first if this deployment has none yet, so the first disruptive action of a new install is
guarded too. Asking twice is harmless: the guard answers a known request with its decision.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.okta.errors import temporal_errors
from contracts.activities import (
    Activity,
    AllowDisruptionsInput,
    AllowDisruptionsResult,
    AskGuardInput,
    AskGuardResult,
)
from contracts.guard import (
    WORKFLOW_NAME,
    AllowInput,
    DisruptionRequest,
    GuardDecision,
    GuardInput,
    GuardOpsResult,
    guard_workflow_id,
)
from integrations.okta import OktaClient
from lifecycle.policy import PolicyConfig

ACTIVE_COUNT_TTL = 600.0  # seconds an Okta active-account count is reused
# The guard answers in milliseconds; an update that hangs (a guard whose first task has not
# run, a server under strain) is given up quickly and asked again by the activity's retry:
# requests are idempotent by key.
UPDATE_TIMEOUT = timedelta(seconds=10)


async def update_guard(
    client: Client, task_queue: str, name: str, arg: Any, result_type: type
) -> Any:
    """Send update `name` to this deployment's guard, starting it if it is not running."""
    handle = client.get_workflow_handle(guard_workflow_id(task_queue))
    try:
        return await handle.execute_update(
            name, arg, result_type=result_type, rpc_timeout=UPDATE_TIMEOUT
        )
    except RPCError as exc:
        if exc.status is not RPCStatusCode.NOT_FOUND:
            raise
    await client.start_workflow(
        WORKFLOW_NAME,
        GuardInput(),
        id=guard_workflow_id(task_queue),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        static_summary="mass-change guard: suspensions/deactivations per window",
    )
    return await handle.execute_update(
        name, arg, result_type=result_type, rpc_timeout=UPDATE_TIMEOUT
    )


class GuardActivities:
    def __init__(
        self, *, temporal: Client, task_queue: str, okta: OktaClient, policy: PolicyConfig
    ) -> None:
        self.temporal = temporal
        self.task_queue = task_queue
        self.okta = okta
        self.policy = policy
        self._active_count: tuple[float, int] | None = None

    def all(self) -> list[Any]:
        return [self.ask_disruption_guard, self.allow_disruptions]

    @activity.defn(name=Activity.ASK_DISRUPTION_GUARD)
    async def ask_disruption_guard(self, input: AskGuardInput) -> AskGuardResult:
        active = await self._active_accounts()
        safeguards = self.policy.safeguards
        request = DisruptionRequest(
            employee_id=input.employee_id,
            action=input.action,
            verb=input.verb,
            department=input.department,
            threshold=safeguards.threshold(active),
            active_accounts=active,
            window_seconds=safeguards.window.total_seconds(),
        )
        decision: GuardDecision = await update_guard(
            self.temporal, self.task_queue, "request", request, GuardDecision
        )
        return AskGuardResult(verdict=decision.verdict, reason=decision.reason, by=decision.by)

    @activity.defn(name=Activity.ALLOW_DISRUPTIONS)
    async def allow_disruptions(self, input: AllowDisruptionsInput) -> AllowDisruptionsResult:
        arg = AllowInput(**input.model_dump())
        try:
            result: GuardOpsResult = await update_guard(
                self.temporal, self.task_queue, "allow", arg, GuardOpsResult
            )
        except WorkflowUpdateFailedError as exc:
            # A refused allowance (already past: the approval came too late) changes nothing.
            return AllowDisruptionsResult(message=f"not allowed: {exc.cause or exc}")
        return AllowDisruptionsResult(message=result.message)

    async def _active_accounts(self) -> int:
        """Accounts a person signs in with today: the base of the threshold. Counting means
        listing, so one count serves every request for a few minutes."""
        cached = self._active_count
        if cached is not None and time.monotonic() - cached[0] < ACTIVE_COUNT_TTL:
            return cached[1]
        count = 0
        try:
            with temporal_errors(self.okta.governor.now):
                async for _ in self.okta.list_users(filter='status eq "ACTIVE"'):
                    count += 1
        except ApplicationError:
            if cached is None:
                raise
            # Okta failing to list must not stop the guard from answering: the last count
            # is a few minutes old, and a company does not halve in that time.
            activity.logger.warning("active-account count failed; using the last one")
            return cached[1]
        self._active_count = (time.monotonic(), count)
        return count
