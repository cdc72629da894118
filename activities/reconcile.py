"""Reconciliation activities: read all of BambooHR and Okta in bulk, compare, store the plan,
hand employees to their workflows, write the report.

Reading costs the minimum the APIs allow and never one call per person:
- BambooHR: everyone in 3 requests (custom report + the two tables), plus the field list
  once per process to know which custom fields are dates;
- Okta: the users list (`filter` on every status, so DEPROVISIONED accounts are included
  and the read is consistent, unlike `search`), 200 per page; the group list (one page);
  one paged member listing (1,000 per page) per managed or protected group.
Reconciliation itself never writes to Okta: the employee workflows (the single writers)
make exactly the writes a difference needs, and in dry-run mode only record them.

The plan (possibly 10,000 employees) and the deliveries (with each employee's snapshot) go
to the audit store's documents, shared by every worker; workflows see ids and counts only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.audit import build_entry
from activities.bamboohr import to_application_error as bamboohr_error
from activities.okta.errors import temporal_errors
from activities.signal_with_start import signal_many
from contracts.activities import (
    Activity,
    ReconcileDeliverInput,
    ReconcileDeliverResult,
    ReconcilePlanInput,
    ReconcilePlanResult,
    ReconcileReportInput,
    ReconcileReportResult,
)
from contracts.employee import HrChanged, workflow_id_for
from integrations.audit import AuditStore
from integrations.bamboohr import BambooHRClient, BambooHRError, BambooHRRateLimited
from integrations.bamboohr.fields import extra_fields
from integrations.okta import OktaClient, OktaGroup
from lifecycle.models import HrSnapshot
from lifecycle.okta_status import USER_STATUSES
from lifecycle.policy import PolicyConfig
from lifecycle.reconcile import (
    Delivery,
    Mode,
    OktaAccountView,
    ReconcileOptions,
    ReconcilePlan,
    ReconcileSummary,
    compare,
    report_summary,
    select,
    summarize,
    sync_report,
)
from lifecycle.settings import Mode as RunMode

# Every status, so DEPROVISIONED users are listed too (a plain list omits them).
ALL_USERS_FILTER = " or ".join(f'status eq "{status}"' for status in USER_STATUSES)
AUDIT_SUBJECT = "reconcile"  # the audit "employee" of run-level records
PLAN_KIND = "reconcile-plan"
DELIVERIES_KIND = "reconcile-deliveries"
REPORT_KIND = "reconcile-report"
DESCRIBE_CONCURRENCY = 32


def plan_doc(plan_id: str) -> str:
    return f"{plan_id}/plan"


def deliveries_doc(plan_id: str) -> str:
    return f"{plan_id}/deliveries"


def report_doc(plan_id: str) -> str:
    return f"{plan_id}/report"


@dataclass
class Inventory:
    """Everything read from both systems for one comparison."""

    snapshots: list[HrSnapshot] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # employee id -> problem
    accounts: list[OktaAccountView] = field(default_factory=list)
    okta_groups: list[str] = field(default_factory=list)  # writable groups that exist
    # employee id -> login claimed under identity.generate_login (empty when it is off)
    login_claims: dict[str, str] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)  # pages read, per source


class StoredDeliveries(BaseModel):
    """The handover list of one run, snapshot included (what the run decided on is what is
    delivered, even after hours waiting for an approval)."""

    mode: Mode
    deliveries: list[Delivery] = Field(default_factory=list)
    changes: list[HrChanged] = Field(default_factory=list)


# progress(phase, advance, total): how far a bulk read has got (`lifecycle reconcile --plan`
# and `lifecycle report` draw it on a terminal).
ProgressHook = Callable[[str, int, "int | None"], None]


class InventoryReader:
    """Reads both systems in bulk and compares; used by the activities and, without
    Temporal, by `lifecycle reconcile --plan`."""

    def __init__(
        self,
        *,
        bamboohr: BambooHRClient,
        okta: OktaClient,
        policy: PolicyConfig,
        fields: Sequence[str],
        options: ReconcileOptions | None = None,
        date_fields: Collection[str] | None = None,
        progress: ProgressHook | None = None,
        audit: AuditStore | None = None,
    ) -> None:
        """`audit`: where the generated logins' claims are read from (with
        `identity.generate_login`); without it every employee is planned without one."""
        self.bamboohr = bamboohr
        self.okta = okta
        self.policy = policy
        self.audit = audit
        self.fields = extra_fields(fields)
        self.options = options or policy.service_accounts
        self._date_fields = frozenset(date_fields) if date_fields is not None else None
        self._progress = progress

    def _tick(self, phase: str, advance: int = 1, total: int | None = None) -> None:
        if self._progress is not None:
            self._progress(phase, advance, total)

    async def read(self, as_of: datetime) -> Inventory:
        """Both systems (and the login claims) at once: they do not depend on each other."""
        inventory = Inventory()
        await asyncio.gather(
            self._read_hr(as_of, inventory),
            self._read_okta(inventory),
            self._read_login_claims(inventory),
        )
        return inventory

    async def _read_login_claims(self, inventory: Inventory) -> None:
        """Every claimed login in one query: each employee is compared with the login their
        workflow plans with (a generated one stands in for an empty work email and, with
        `keep_login`, stays the login after HR types another address)."""
        if self.audit is None or self.policy.identity.generate_login is None:
            return
        inventory.login_claims = await self.audit.alogin_claims()

    def compare(self, inventory: Inventory, as_of: datetime) -> ReconcilePlan:
        return compare(
            inventory.snapshots,
            inventory.accounts,
            self.policy,
            as_of,
            options=self.options,
            unreadable=inventory.unreadable,
            okta_groups=inventory.okta_groups,
            login_claims=inventory.login_claims,
        )

    # --- BambooHR ------------------------------------------------------------------------------
    async def _date_field_names(self) -> frozenset[str]:
        """The extra fields BambooHR types as dates (asked once per process), so an empty
        custom date (`0000-00-00`) reads as no date, as the employee workflow reads it."""
        if self._date_fields is not None:
            return self._date_fields
        if not self.fields:
            self._date_fields = frozenset()
            return self._date_fields
        try:
            catalogue = await self.bamboohr.list_fields()
        except BambooHRRateLimited:
            raise
        except BambooHRError:
            return frozenset()  # not fatal: values are still read; ask again next run
        dates = {
            str(key)
            for entry in catalogue
            if str(entry.get("type", "")).lower() == "date"
            for key in (entry.get("alias"), entry.get("id"))
            if key is not None and str(key) in self.fields
        }
        self._date_fields = frozenset(dates)
        return self._date_fields

    async def _read_hr(self, as_of: datetime, inventory: Inventory) -> None:
        field_list = 1 if self._date_fields is None and self.fields else 0
        bulk = await self.bamboohr.fetch_snapshots(
            None, self.fields, fetched_at=as_of, date_fields=await self._date_field_names()
        )
        # Everyone in one custom report plus the two tables (and the field list once).
        inventory.requests["bamboohr"] = 3 + field_list
        inventory.snapshots = list(bulk.snapshots)
        read = len(bulk.snapshots) + len(bulk.bad)
        self._tick("BambooHR employees", read, total=read)
        inventory.unreadable = {
            bad.employee_id: f"BambooHR field {bad.field}: {bad.message}" for bad in bulk.bad
        }

    # --- Okta ----------------------------------------------------------------------------------
    async def _read_okta(self, inventory: Inventory) -> None:
        groups = [g async for g in self.okta.list_groups()]
        listed = self._listed_groups(groups)
        inventory.okta_groups = sorted(g.name for g in groups if g.writable)
        members: dict[str, list[str]] = {}

        async def members_of(group: OktaGroup) -> int:
            seen = 0
            async for user in self.okta.group_members(group.id):
                members.setdefault(user.id, []).append(group.name)
                seen += 1
            self._tick("Okta groups read", 1, total=len(listed))
            return seen

        async def users() -> list[OktaAccountView]:
            found = []
            async for user in self.okta.list_users(filter=ALL_USERS_FILTER):
                found.append(
                    OktaAccountView(
                        user_id=user.id, status=user.effective_status, profile=dict(user.profile)
                    )
                )
                self._tick("Okta users")
            return found

        accounts, sizes = await asyncio.gather(
            users(), asyncio.gather(*(members_of(g) for g in listed))
        )
        for account in accounts:
            account.groups = sorted(members.get(account.user_id, []))
        inventory.accounts = accounts
        inventory.requests.update(
            okta_groups=1,
            okta_users=_pages(len(accounts), 200),
            okta_group_members=sum(_pages(n, 1000) for n in sizes),
        )

    def _listed_groups(self, groups: list[OktaGroup]) -> list[OktaGroup]:
        """The groups whose members matter: managed (to diff), protected (never suspend or
        deactivate), and configured service-account groups."""
        wanted = {
            name.casefold()
            for name in (
                *self.policy.managed_groups,
                *self.policy.protected.groups,
                *self.options.groups,
            )
        }
        return [g for g in groups if g.name.casefold() in wanted]


class ReconcileActivities:
    def __init__(
        self,
        *,
        temporal: Client,
        task_queue: str,
        bamboohr: BambooHRClient,
        okta: OktaClient,
        audit: AuditStore,
        policy: PolicyConfig,
        fields: Sequence[str],
        mode: RunMode = RunMode.APPLY,
        options: ReconcileOptions | None = None,
        date_fields: Collection[str] | None = None,
    ) -> None:
        self.temporal = temporal
        self.task_queue = task_queue
        self.okta = okta
        self.audit = audit
        self.mode = mode
        self.reader = InventoryReader(
            bamboohr=bamboohr,
            okta=okta,
            policy=policy,
            fields=fields,
            options=options,
            date_fields=date_fields,
            audit=audit,
        )

    def all(self) -> list[Any]:
        return [self.reconcile_plan, self.reconcile_deliver, self.reconcile_report]

    @property
    def dry_run(self) -> bool:
        return self.mode is RunMode.DRY_RUN

    # --- compare and store ------------------------------------------------------------------
    @activity.defn(name=Activity.RECONCILE_PLAN)
    async def reconcile_plan(self, input: ReconcilePlanInput) -> ReconcilePlanResult:
        try:
            with temporal_errors(self.okta.governor.now):
                async with _heartbeating("reading BambooHR and Okta"):
                    inventory = await self.reader.read(input.as_of)
        except BambooHRError as exc:
            raise bamboohr_error(exc) from exc
        async with _heartbeating("comparing"):
            # CPU-bound for a large company (the policy runs once per employee): off the
            # worker's event loop, which other activities and workflows share.
            plan, summary, stored = await asyncio.to_thread(self._decide, inventory, input)
            digest = summary.model_dump(mode="json")
            await self.audit.aput_document(
                plan_doc(input.plan_id), PLAN_KIND, plan.model_dump_json(), digest
            )
            await self.audit.aput_document(
                deliveries_doc(input.plan_id), DELIVERIES_KIND, stored.model_dump_json(), None
            )
        await self.audit.arecord(
            build_entry(
                employee_id=AUDIT_SUBJECT,
                action=f"reconcile.{input.mode}.planned",
                target=input.plan_id,
                result="info",
                mode=self.mode,
                detail={"summary": digest, "requests": dict(inventory.requests)},
            )
        )
        return ReconcilePlanResult(summary=summary)

    def _decide(
        self, inventory: Inventory, input: ReconcilePlanInput
    ) -> tuple[ReconcilePlan, ReconcileSummary, StoredDeliveries]:
        plan = self.reader.compare(inventory, input.as_of)
        deliveries = select(plan, input.mode)
        summary = summarize(plan, input.plan_id, input.mode, deliveries, dry_run=self.dry_run)
        snapshots = {s.employee_id: s for s in inventory.snapshots}
        source = "drift" if input.mode == "drift" else "reconcile"
        stored = StoredDeliveries(
            mode=input.mode,
            deliveries=deliveries,
            changes=[
                HrChanged(
                    employee_id=d.employee_id,
                    snapshot=snapshots[d.employee_id],
                    okta_user_id=d.okta_user_id,
                    source=source,
                )
                for d in deliveries
            ],
        )
        return plan, summary, stored

    # --- hand over ----------------------------------------------------------------------------
    @activity.defn(name=Activity.RECONCILE_DELIVER)
    async def reconcile_deliver(self, input: ReconcileDeliverInput) -> ReconcileDeliverResult:
        stored = await self._deliveries(input.plan_id)
        progress = _Progress.resume(activity.info().heartbeat_details)
        pairs = list(zip(stored.deliveries, stored.changes, strict=True))
        by_id = {d.employee_id: (d, c) for d, c in pairs}
        # Those that failed on an earlier attempt first, then on from where it stopped.
        retry = [by_id[e] for e in progress.failed if e in by_id]
        progress.failed = []
        if retry:
            await self._hand_over(retry, progress)
        size = max(1, input.batch_size)
        while progress.next < len(pairs):
            batch = pairs[progress.next : progress.next + size]
            await self._hand_over(batch, progress)
            progress.next += len(batch)
            activity.heartbeat(progress.details())
        if progress.failed:
            # Signal-with-start is idempotent and the workflows de-duplicate: retrying is
            # safe; the heartbeat makes the next attempt send only what failed.
            raise ApplicationError(
                f"{len(progress.failed)} of {len(pairs)} employee signals failed "
                f"(first: {progress.failed[0]})",
                type="SignalFailed",
            )
        return ReconcileDeliverResult(
            delivered=progress.delivered, skipped_running=progress.skipped, failed=[]
        )

    async def _hand_over(
        self, batch: list[tuple[Delivery, HrChanged]], progress: _Progress
    ) -> None:
        ensure = [d.employee_id for d, _ in batch if d.reason == "ensure"]
        running = await self._running(ensure) if ensure else set()
        changes = [c for d, c in batch if d.employee_id not in running]
        progress.skipped += len(batch) - len(changes)
        failures = await signal_many(self.temporal, self.task_queue, changes)
        failed = {employee_id for employee_id, _ in failures}
        progress.failed += sorted(failed)
        progress.delivered += len(changes) - len(failed)

    async def _running(self, employee_ids: list[str]) -> set[str]:
        """Which employees' workflows are running (a cheap server-side describe each): an
        employee in step whose workflow runs needs nothing, not even a read of Okta."""
        gate = asyncio.Semaphore(DESCRIBE_CONCURRENCY)

        async def one(employee_id: str) -> str | None:
            async with gate:
                try:
                    # The raw call: the SDK's decoded describe() chokes on unset datetime
                    # search attributes on the time-skipping test server.
                    answer = await self.temporal.workflow_service.describe_workflow_execution(
                        DescribeWorkflowExecutionRequest(
                            namespace=self.temporal.namespace,
                            execution=WorkflowExecution(workflow_id=workflow_id_for(employee_id)),
                        )
                    )
                except RPCError as exc:
                    if exc.status == RPCStatusCode.NOT_FOUND:
                        return None
                    raise
            status = answer.workflow_execution_info.status
            running = status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
            return employee_id if running else None

        found = await asyncio.gather(*(one(e) for e in employee_ids))
        return {e for e in found if e is not None}

    # --- report --------------------------------------------------------------------------------
    @activity.defn(name=Activity.RECONCILE_REPORT)
    async def reconcile_report(self, input: ReconcileReportInput) -> ReconcileReportResult:
        plan = await self._plan(input.plan_id)
        stored = await self._deliveries(input.plan_id)
        handed = input.delivered
        delivered = [] if handed is None else stored.deliveries
        report = sync_report(
            plan,
            report_id=report_doc(input.plan_id),
            plan_id=input.plan_id,
            mode=stored.mode,
            deliveries=delivered,
            failed=handed.failed if handed else [],
            skipped_running=handed.skipped_running if handed else 0,
            finished_at=datetime.now(UTC),
            dry_run=self.dry_run,
            approved_by=input.approved_by,
        )
        digest = report_summary(report)
        await self.audit.aput_document(
            report.report_id, REPORT_KIND, report.model_dump_json(), digest.model_dump(mode="json")
        )
        if stored.mode == "drift":
            # Per employee: why their account is about to be written (the writes themselves
            # are audited by the Okta activities of their workflow).
            for change in report.changes:
                await self.audit.arecord(
                    build_entry(
                        employee_id=change.employee_id,
                        action="reconcile.drift.detected",
                        target=change.okta_user_id,
                        result="info",
                        mode=self.mode,
                        before={k: v.before for k, v in change.attributes.items()},
                        after={k: v.after for k, v in change.attributes.items()},
                        detail={
                            "groups_added": change.groups_added,
                            "groups_removed": change.groups_removed,
                            "report": report.report_id,
                        },
                    )
                )
        await self.audit.arecord(
            build_entry(
                employee_id=AUDIT_SUBJECT,
                action=f"reconcile.{stored.mode}",
                target=input.plan_id,
                result="success",
                mode=self.mode,
                detail={
                    "report": digest.model_dump(mode="json"),
                    "counts": plan.counts.model_dump(mode="json"),
                    "approved_by": input.approved_by,
                },
            )
        )
        return ReconcileReportResult(report=digest)

    # --- documents -----------------------------------------------------------------------------
    async def _plan(self, plan_id: str) -> ReconcilePlan:
        doc = await self.audit.aget_document(plan_doc(plan_id))
        if doc is None:
            raise ApplicationError(
                f"reconciliation plan {plan_id} is not in the audit store",
                type="PlanNotFound",
                non_retryable=True,
            )
        return ReconcilePlan.model_validate_json(doc.body)

    async def _deliveries(self, plan_id: str) -> StoredDeliveries:
        doc = await self.audit.aget_document(deliveries_doc(plan_id))
        if doc is None:
            raise ApplicationError(
                f"the deliveries of reconciliation {plan_id} are not in the audit store",
                type="PlanNotFound",
                non_retryable=True,
            )
        return StoredDeliveries.model_validate_json(doc.body)


def _pages(items: int, page_size: int) -> int:
    return max(1, -(-items // page_size))


@contextlib.asynccontextmanager
async def _heartbeating(what: str, every: float = 10.0) -> AsyncIterator[None]:
    """Heartbeat while a long read runs (one BambooHR report can take a while)."""

    async def beat() -> None:
        while True:
            activity.heartbeat(what)
            await asyncio.sleep(every)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass
class _Progress:
    """Where a delivery stands; kept in the activity's heartbeat across retries."""

    next: int = 0
    delivered: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)

    @classmethod
    def resume(cls, details: Sequence[Any]) -> _Progress:
        if not details:
            return cls()
        data = details[0]
        if isinstance(data, str):
            data = json.loads(data)
        if not isinstance(data, dict):
            return cls()
        return cls(
            next=int(data.get("next", 0)),
            delivered=int(data.get("delivered", 0)),
            skipped=int(data.get("skipped", 0)),
            failed=[str(e) for e in data.get("failed", [])],
        )

    def details(self) -> dict[str, Any]:
        return {
            "next": self.next,
            "delivered": self.delivered,
            "skipped": self.skipped,
            "failed": self.failed,
        }
