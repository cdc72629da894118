"""A whole lifecycle stack for workflow tests: both simulators over real HTTP, a worker with
the production activities and clients, and helpers that read the outcome from where a user
would look (the Okta simulator's state, the workflow's `status` query, the audit store,
the notifications received)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.signal_with_start import signal_employee
from contracts.activities import Activity
from contracts.employee import HrChanged, LifecycleState, StatusView, workflow_id_for
from integrations.audit import AuditStore, open_audit_store
from integrations.bamboohr import build_bamboohr_client
from integrations.okta import build_okta_client
from integrations.serving import ThreadedServer
from lifecycle.models import HrSnapshot
from lifecycle.policy import PolicyConfig, load_policy, required_fields
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_OKTA_TOKEN, Mode, Settings
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from starters.children import eventually
from starters.stack import EMPLOYMENT_STATUSES, LEAVE_STATUSES, prepare_okta
from workers.worker import running_worker

REPO = Path(__file__).resolve().parents[2]
POLICY_PATH = REPO / "config" / "policy.yaml"
# Stacks whose tests are not about the mass-change guard let this many disruptive actions
# through per window (a test may terminate a dozen people at one instant); the guard's own
# tests (tests/workflows/guard) give the product's real thresholds.
SUITE_SAFEGUARDS: dict[str, Any] = {"min_count": 1000}


def with_safeguards(policy: PolicyConfig, **safeguards: Any) -> PolicyConfig:
    updated = policy.safeguards.model_copy(update=safeguards)
    return policy.model_copy(update={"safeguards": updated})


UNMANAGED_GROUP = "Okta Administrators"
PROTECTED_GROUP = "IT Break Glass"


_CONVERGENCE = {Activity.UPDATE_OKTA_PROFILE, Activity.SYNC_MANAGED_GROUPS}

_ID_BLOCKS = itertools.count(int(time.time()) % 100_000 * 1000, 1000)


class NotificationInbox:
    """A JSON webhook receiver standing in for IT's chat channel."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

        async def receive(request: Request) -> JSONResponse:
            self.messages.append(await request.json())
            return JSONResponse({"ok": True})

        self.server = ThreadedServer(
            Starlette(routes=[Route("/hook", receive, methods=["POST"])]), name="inbox"
        )

    @property
    def url(self) -> str:
        return self.server.url + "/hook"

    def events(self, employee_id: str | None = None) -> list[str]:
        return [
            m.get("event", "")
            for m in self.messages
            if employee_id is None
            or (m.get("data") or {}).get("employee_id") == employee_id
            or m.get("employee_id") == employee_id
        ]


class ClockStuck(Exception):
    """The time-skipping test server did not skip: now and then its sleep runs in real time
    until the RPC gives up (`Timeout expired`, `h2 protocol error`), a known Java test-server
    bug (temporalio/sdk-dotnet#77). Nothing about the product: a test may start over."""


@dataclass
class LifecycleStack:
    env: WorkflowEnvironment
    settings: Settings
    okta: OktaSimulator
    hr: BambooHRSimulator
    audit: AuditStore
    inbox: NotificationInbox
    policy: PolicyConfig
    _counter: int = field(default=0)
    employees: list[str] = field(default_factory=list)

    @property
    def client(self) -> Client:
        return self.env.client

    # --- time ----------------------------------------------------------------------------
    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def today(self, zone: str = "America/New_York") -> date:
        return (await self.now()).astimezone(ZoneInfo(zone)).date()

    async def advance(self, delta: timedelta) -> None:
        """Skip Temporal's clock; the simulated BambooHR's calendar follows."""
        try:
            await self.env.sleep(delta)
        except RPCError as exc:
            raise ClockStuck(str(exc)) from exc
        self.hr.clock.set(await self.now())

    # --- HR side -------------------------------------------------------------------------
    def hire(
        self,
        *,
        hire_date: date,
        department: str = "Engineering",
        division: str = "R&D",
        location: str = "New York, NY",
        job_title: str = "Software Engineer",
        employment_status: str = "Full-Time",
        work_email: str | bool | None = True,
        supervisor_id: str | None = None,
        fields: dict[str, str | None] | None = None,
    ) -> str:
        self._counter += 1
        first, last = "Avel", f"Testor{self._counter}x{int(time.time() * 1000) % 100000}"
        email = f"{first.lower()}.{last.lower()}@acme.example" if work_email is True else work_email
        employee = self.hr.store.hire(
            first,
            last,
            email or None,
            department=department,
            division=division,
            location=location,
            job_title=job_title,
            supervisor_id=supervisor_id,
            hire_date=hire_date,
            employment_status=employment_status,
            fields=fields or {"customJobLevel": "L3", "customCostCenter": "CC-1100"},
        )
        self.employees.append(employee)
        return employee

    async def record_history(self, directory: Path, label: str) -> Path | None:
        """Keep the longest employee history of this test for the replay test."""
        best: tuple[int, str, str] | None = None
        for employee in self.employees:
            try:
                history = await self.handle(employee).fetch_history()
            except RPCError:
                continue  # never started
            if best is None or len(history.events) > best[0]:
                best = (len(history.events), history.workflow_id, history.to_json())
        if best is None:
            return None
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{label}.json"
        target.write_text(best[2])
        return target

    async def snapshot_now(self, employee_id: str) -> HrSnapshot:
        """The employee as BambooHR shows them now, read as the poller would (to deliver it
        in full with the signal, at a moment the test chooses)."""
        client = build_bamboohr_client(self.settings)
        try:
            self.hr.clock.advance(2)  # BambooHR's lastChanged has whole seconds
            return await client.fetch_snapshot(
                employee_id, required_fields(self.policy), fetched_at=await self.now()
            )
        finally:
            await client.aclose()

    async def converging(self, employee_id: str) -> None:
        """Until the workflow is inside a convergence (an Okta write in flight). Observed
        through describe, not queries: a query that lands while a run closes can lock the
        time-skipping server's clock."""

        async def okta_write_in_flight() -> bool:
            pending = await self.pending_activities(employee_id)
            return any(p.activity_type.name in _CONVERGENCE for p in pending)

        await eventually(okta_write_in_flight, within=30)

    async def notify(self, employee_id: str, **kwargs: Any) -> None:
        """What the poller or webhook does: a hint that makes the workflow re-read HR."""
        await signal_employee(
            self.client,
            self.settings.temporal_task_queue,
            HrChanged(employee_id=employee_id, **{"source": "webhook", **kwargs}),
        )

    # --- workflow side ---------------------------------------------------------------------
    def handle(self, employee_id: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(workflow_id_for(employee_id))

    async def status(self, employee_id: str) -> StatusView:
        # The time-skipping server now and then drops a query's HTTP/2 stream while it is
        # busy skipping time; a query is read-only, so asking again is harmless.
        for attempt in range(5):
            try:
                return await self.handle(employee_id).query("status", result_type=StatusView)
            except RPCError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.2)
        raise AssertionError("unreachable")

    async def wait_for(
        self,
        employee_id: str,
        check: Callable[[StatusView], bool],
        timeout: float = 30.0,
        what: str = "condition",
    ) -> StatusView:
        deadline = time.monotonic() + timeout
        last: StatusView | None = None
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                last = await self.status(employee_id)
                if check(last) and await self.idle(employee_id):
                    return last
            await asyncio.sleep(0.2)
        pending = await self.pending_activities(employee_id)
        raise AssertionError(
            f"{what} not reached for employee {employee_id}; last status: {last}; "
            f"pending activities: {pending}"
        )

    async def wait_for_action(
        self, employee_id: str, text: str, since: datetime, timeout: float = 30.0
    ) -> StatusView:
        """The action record of *this* change: one whose text contains `text`, written at or
        after `since` (take `since = await stack.now()` before making the change). A record
        left by an earlier step never satisfies it."""
        return await self.wait_for(
            employee_id,
            lambda s: any(text in a.action and a.at >= since for a in s.last_actions),
            timeout,
            f"action {text!r} after {since.isoformat()}",
        )

    async def wait_state(
        self, employee_id: str, state: LifecycleState, timeout: float = 30.0
    ) -> StatusView:
        return await self.wait_for(
            employee_id, lambda s: s.state is state, timeout, f"state {state}"
        )

    async def _describe(self, employee_id: str) -> Any:
        # The raw call: the time-skipping server answers unset datetime search attributes in
        # a form the SDK's decoder rejects, so the decoded `describe()` cannot be used here.
        return await self.client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=self.client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id_for(employee_id)),
            )
        )

    async def assert_no_lifecycle_ended_badly(self) -> None:
        """No employee workflow of this test may end FAILED (or be terminated or time out):
        an outside system's refusal is a visible hold, never the end of a lifecycle."""
        bad = {
            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
        }
        ended = {}
        for employee in self.employees:
            try:
                info = (await self._describe(employee)).workflow_execution_info
            except RPCError:
                continue  # never started
            if info.status in bad:
                ended[employee] = WorkflowExecutionStatus.Name(info.status)
        assert not ended, f"employee workflows ended badly: {ended}"

    async def run_id(self, employee_id: str) -> str:
        answer = await self._describe(employee_id)
        return str(answer.workflow_execution_info.execution.run_id)

    async def pending_activities(self, employee_id: str) -> list[Any]:
        return list((await self._describe(employee_id)).pending_activities)

    async def idle(self, employee_id: str) -> bool:
        """The workflow is parked waiting for time or a signal (its own `busy` flag) and has
        no activity in flight: its state is settled and time can be skipped safely."""
        if (await self.status(employee_id)).busy:
            return False
        return not await self.pending_activities(employee_id)

    async def settle(self, employee_id: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.idle(employee_id):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"employee {employee_id} still busy after {timeout}s")

    # --- Okta side -------------------------------------------------------------------------
    def okta_user(self, login_or_id: str) -> dict[str, Any] | None:
        return self.okta.store.get_user(login_or_id)

    def okta_user_for(self, employee_id: str) -> dict[str, Any] | None:
        matches = [
            u for u in self.okta.store.list_users() if u["profile"].get("bambooHrId") == employee_id
        ]
        assert len(matches) <= 1, f"{len(matches)} Okta accounts for employee {employee_id}"
        return matches[0] if matches else None

    def group_names(self, user_id: str) -> set[str]:
        names = set()
        for gid in self.okta.store.user_group_ids(user_id):
            group = self.okta.store.get_group(gid)
            if group and group.get("type") == "OKTA_GROUP":
                names.add(group["profile"]["name"])
        return names

    def add_to_group(self, user_id: str, name: str) -> None:
        group = self.okta.store.find_group(name)
        assert group is not None, name
        self.okta.store.add_member(group["id"], user_id)

    def set_okta_faults(self, **config: Any) -> None:
        from simulators.common.faults import FaultConfig

        self.okta.faults.configure(FaultConfig(**config))


@contextlib.asynccontextmanager
async def lifecycle_stack(
    env: WorkflowEnvironment,
    tmp_path: Path,
    task_queue: str,
    okta_client_options: dict[str, Any] | None = None,
    history_label: str | None = None,
    safeguards: dict[str, Any] | None = None,
    policy_update: Callable[[PolicyConfig], PolicyConfig] | None = None,
    **setting_overrides: Any,
) -> AsyncIterator[LifecycleStack]:
    chosen = SUITE_SAFEGUARDS if safeguards is None else safeguards
    policy = with_safeguards(load_policy(POLICY_PATH), **chosen)
    if policy_update is not None:
        policy = policy_update(policy)
    okta = OktaSimulator(api_token=SIM_OKTA_TOKEN)
    prepare_okta(okta.store, policy, [UNMANAGED_GROUP, PROTECTED_GROUP])
    # Employee ids (and so workflow ids) unique across the session's shared Temporal server.
    hr = BambooHRSimulator(
        api_key=SIM_BAMBOOHR_KEY,
        store_options={
            "first_employee_id": next(_ID_BLOCKS),
            "employment_statuses": EMPLOYMENT_STATUSES,
            "leave_statuses": LEAVE_STATUSES,
        },
    )
    hr.clock.set(await env.get_current_time())
    inbox = NotificationInbox()
    with (
        ThreadedServer(okta.app, name="okta") as okta_server,
        ThreadedServer(hr.app, name="bamboohr") as hr_server,
        inbox.server,
    ):
        values: dict[str, Any] = dict(
            temporal_task_queue=task_queue,
            okta_org_url=okta_server.url,
            okta_api_token=SecretStr(SIM_OKTA_TOKEN),
            bamboohr_base_url=hr_server.url,
            bamboohr_api_key=SecretStr(SIM_BAMBOOHR_KEY),
            lifecycle_mode=Mode.APPLY,
            lifecycle_policy=POLICY_PATH,
            lifecycle_audit_url=f"sqlite:///{tmp_path / 'audit.db'}",
            lifecycle_notify_sinks="log,webhook",
            lifecycle_notify_webhook_url=inbox.url,
        )
        settings = Settings(_env_file=None, **{**values, **setting_overrides})  # type: ignore[call-arg]
        audit = open_audit_store(settings.lifecycle_audit_url)
        stack = LifecycleStack(env, settings, okta, hr, audit, inbox, policy)
        overrides: dict[str, Any] = {"audit": audit, "policy": policy}
        if okta_client_options:
            overrides["okta"] = build_okta_client(settings, **okta_client_options)
        try:
            async with running_worker(env.client, settings, **overrides):
                yield stack
                await stack.assert_no_lifecycle_ended_badly()
                record_to = os.environ.get("LIFECYCLE_RECORD_HISTORIES")
                if record_to and history_label:
                    await stack.record_history(Path(record_to), history_label)
        finally:
            # What the stack built is the stack's to close (the worker closes only its own).
            if "okta" in overrides:
                await overrides["okta"].aclose()
            audit.close()


def at_local(day: date, hour: int, zone: str, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(
        UTC
    )
