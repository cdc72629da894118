"""A seeded whole stack for reconciliation tests: the generated company loaded into both
simulators (over real HTTP), the production worker on Temporal's time-skipping test server,
and helpers that read outcomes where a user would: the Okta simulator's state and write
counters, the workflows' queries, the audit store.

Time: the server's clock is moved to 12:00 UTC before seeding, when every zone of the
example policy shows the same date, so "terminated yesterday" is over for everyone and
"starts tomorrow" for no one, whatever hour the suite runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lifecycle_harness import NotificationInbox
from pydantic import SecretStr
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from contracts.employee import StatusView, workflow_id_for
from integrations.audit import AuditStore, open_audit_store
from integrations.serving import ThreadedServer
from lifecycle.policy import PolicyConfig, load_policy
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_OKTA_TOKEN, Mode, Settings
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from simulators.seed import Company, generate_company, load_bamboohr, load_okta
from workers.worker import running_worker
from workflows.reconcile import ReconcileInput, ReconcileResult, ReconcileStatus, ReconcileWorkflow

REPO = Path(__file__).resolve().parents[3]
POLICY_PATH = REPO / "config" / "policy.yaml"
WRITE_OPERATIONS = ("POST", "PUT", "DELETE")
# IT's chat channel: the same JSON webhook receiver as the employee-workflow tests use.
Inbox = NotificationInbox


@dataclass
class SeededStack:
    env: WorkflowEnvironment
    settings: Settings
    okta: OktaSimulator
    hr: BambooHRSimulator
    audit: AuditStore
    policy: PolicyConfig
    company: Company
    inbox: Inbox

    @property
    def client(self) -> Client:
        return self.env.client

    # --- reconciliation ----------------------------------------------------------------------
    async def start(self, mode: str, workflow_id: str | None = None) -> WorkflowHandle[Any, Any]:
        return await self.client.start_workflow(
            ReconcileWorkflow.run,
            ReconcileInput(mode=mode),  # type: ignore[arg-type]
            id=workflow_id or f"reconcile-{mode}-{time.monotonic_ns()}",
            task_queue=self.settings.temporal_task_queue,
        )

    async def result(self, handle: WorkflowHandle[Any, Any]) -> ReconcileResult:
        # Never let the server skip time while we wait: employees have timers for future
        # dates that must not fire in the middle of a test.
        with self.env.auto_time_skipping_disabled():
            result = await handle.result()
        return ReconcileResult.model_validate(result)

    async def run(self, mode: str) -> ReconcileResult:
        return await self.result(await self.start(mode))

    async def reconcile_status(self, handle: WorkflowHandle[Any, Any]) -> ReconcileStatus:
        return await handle.query("status", result_type=ReconcileStatus)

    # --- employee workflows ------------------------------------------------------------------
    async def employee_status(self, employee_id: str) -> StatusView:
        handle = self.client.get_workflow_handle(workflow_id_for(employee_id))
        return await handle.query("status", result_type=StatusView)

    async def has_workflow(self, employee_id: str) -> bool:
        try:
            await self._describe(employee_id)
        except RPCError:
            return False
        return True

    async def _describe(self, employee_id: str) -> Any:
        return await self.client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=self.client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id_for(employee_id)),
            )
        )

    async def _idle(self, employee_id: str) -> bool:
        try:
            if (await self.employee_status(employee_id)).busy:
                return False
            return not (await self._describe(employee_id)).pending_activities
        except Exception:
            return False

    async def settle(self, employee_ids: list[str], timeout: float = 180.0) -> None:
        """Wait until every one of these employee workflows is parked (nothing in flight)."""
        waiting = list(employee_ids)
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            idle = await asyncio.gather(*(self._idle(e) for e in waiting))
            waiting = [e for e, done in zip(waiting, idle, strict=True) if not done]
            if waiting:
                await asyncio.sleep(0.3)
        assert not waiting, f"{len(waiting)} employee workflows still busy: {waiting[:10]}"

    # --- Okta ----------------------------------------------------------------------------------
    def writes(self) -> int:
        return int(self.okta.stats()["writes"])

    def write_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.okta.recorder.requests() if r["method"] in WRITE_OPERATIONS]

    def users(self) -> list[dict[str, Any]]:
        return self.okta.store.list_users()

    def user(self, login_or_id: str) -> dict[str, Any]:
        user = self.okta.store.get_user(login_or_id)
        assert user is not None, login_or_id
        return user

    def accounts_by_hr_id(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for user in self.users():
            hr_id = user["profile"].get("bambooHrId")
            if hr_id:
                out.setdefault(str(hr_id), []).append(user)
        return out

    def group_names(self, user_id: str) -> set[str]:
        names = set()
        for gid in self.okta.store.user_group_ids(user_id):
            group = self.okta.store.get_group(gid)
            if group and group.get("type") == "OKTA_GROUP":
                names.add(group["profile"]["name"])
        return names

    def group_id(self, name: str) -> str:
        group = self.okta.store.find_group(name)
        assert group is not None, name
        return str(group["id"])


async def noon(env: WorkflowEnvironment) -> datetime:
    """Skip the test server's clock to the next 12:00 UTC (see the module docstring)."""
    now = await env.get_current_time()
    target = now.astimezone(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    await env.sleep(target - now)
    return await env.get_current_time()


@contextlib.asynccontextmanager
async def seeded_stack(
    env: WorkflowEnvironment,
    tmp_path: Path,
    task_queue: str,
    *,
    employees: int = 100,
    seed: int = 42,
    prepare: Callable[[Company], None] | None = None,
    **setting_overrides: Any,
) -> AsyncIterator[SeededStack]:
    now = await noon(env)
    policy = load_policy(POLICY_PATH)
    company = generate_company(seed, employees, today=now.date())
    okta = OktaSimulator(api_token=SIM_OKTA_TOKEN)
    okta.clock.set(now)
    load_okta(okta.store, company)
    hr = BambooHRSimulator(api_key=SIM_BAMBOOHR_KEY)
    hr.clock.set(now)
    load_bamboohr(hr.store, company)
    if prepare is not None:
        prepare(company)
    inbox = Inbox()
    with (
        ThreadedServer(okta.app, name="okta") as okta_server,
        ThreadedServer(hr.app, name="bamboohr") as hr_server,
        inbox.server,
    ):
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            temporal_task_queue=task_queue,
            okta_org_url=okta_server.url,
            okta_api_token=SecretStr(SIM_OKTA_TOKEN),
            bamboohr_base_url=hr_server.url,
            bamboohr_api_key=SecretStr(SIM_BAMBOOHR_KEY),
            lifecycle_mode=setting_overrides.pop("lifecycle_mode", Mode.APPLY),
            lifecycle_policy=POLICY_PATH,
            lifecycle_audit_url=f"sqlite:///{tmp_path / 'audit.db'}",
            lifecycle_data_dir=tmp_path / "data",
            lifecycle_notify_sinks="log,webhook",
            lifecycle_notify_webhook_url=inbox.url,
            **setting_overrides,
        )
        audit = open_audit_store(settings.lifecycle_audit_url)
        stack = SeededStack(env, settings, okta, hr, audit, policy, company, inbox)
        async with running_worker(env.client, settings, audit=audit):
            yield stack
        audit.close()
