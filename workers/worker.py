"""The worker process: every workflow and activity of the service on one task queue.

Resources (HTTP clients with their shared rate-limit governor, the audit store, notifiers)
are created once per process and handed to the activity classes. SIGTERM/SIGINT shut the
worker down gracefully: running activities get `graceful_shutdown_timeout` to finish, and
anything that does not is retried by another worker (every activity is idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from lifecycle.policy import PolicyConfig
from lifecycle.settings import Settings
from workers.connect import connect, ensure_search_attributes
from workers.heartbeat import HeartbeatInterceptor

log = logging.getLogger(__name__)

GRACEFUL_SHUTDOWN = timedelta(seconds=30)


@dataclass
class WorkerResources:
    """What the activities hold; closed when the worker stops."""

    activities: list[Callable[..., Any]]
    closers: list[Callable[[], Any]] = field(default_factory=list)
    # Start-up checks: each returns a sentence per configuration problem it found.
    checks: list[Callable[[], Awaitable[list[str]]]] = field(default_factory=list)

    async def report_problems(self) -> list[str]:
        """Run the checks; a problem is logged as an error with its fix, and the worker goes
        on (terminations must not wait for a group to be fixed). An unreachable service is
        not a problem here: the activities retry."""
        problems: list[str] = []
        for check in self.checks:
            try:
                problems += await check()
            except Exception as exc:
                log.warning("start-up check skipped: %s", type(exc).__name__)
        for problem in problems:
            log.error("configuration problem: %s", problem, extra={"action": "startup"})
        return problems

    async def aclose(self) -> None:
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                result = close()
                if asyncio.iscoroutine(result):
                    await result


def workflow_classes() -> list[type]:
    from workflows.employee.workflow import EmployeeLifecycle
    from workflows.guard.workflow import DisruptionGuard

    classes: list[type] = [EmployeeLifecycle, DisruptionGuard]
    from workflows.poll import PollWorkflow

    classes.append(PollWorkflow)
    from workflows.okta_events import OktaEventDelivery, OktaLogPoll

    classes += [OktaEventDelivery, OktaLogPoll]
    with contextlib.suppress(ModuleNotFoundError):
        from workflows.reconcile import ReconcileWorkflow

        classes.append(ReconcileWorkflow)
    return classes


async def build_resources(settings: Settings, client: Client, **overrides: Any) -> WorkerResources:
    """Clients and activity instances for this process.

    `overrides` lets tests swap one piece (e.g. a governor with a fake clock) while
    everything else is built exactly as in production.
    """
    from activities.audit import AuditActivities
    from activities.bamboohr import BambooHRActivities
    from activities.guard import GuardActivities
    from activities.login import LoginActivities
    from activities.notify import NotifyActivities
    from activities.okta import OktaActivities
    from activities.policy import PolicyActivities
    from activities.triggers import TriggerActivities
    from integrations.audit import open_audit_store
    from integrations.bamboohr import build_bamboohr_client
    from integrations.notify import build_notifier
    from integrations.okta import build_okta_client
    from lifecycle.policy import load_policy, required_fields

    settings.require("okta", "bamboohr", "audit")
    # What the caller hands in stays the caller's to close (a test reads its audit store
    # after the worker stopped); what is built here is closed when the worker stops.
    closers: list[Callable[[], Any]] = []
    policy = overrides.get("policy") or load_policy(settings.lifecycle_policy)
    audit = overrides.get("audit")
    if audit is None:
        audit = open_audit_store(settings.lifecycle_audit_url)
        closers.append(audit.close)
    okta = overrides.get("okta")
    if okta is None:
        okta = build_okta_client(settings, governor=overrides.get("governor"))
        closers.append(okta.aclose)
    bamboohr = overrides.get("bamboohr")
    if bamboohr is None:
        bamboohr = build_bamboohr_client(settings)
        closers.append(bamboohr.aclose)
    notifier = overrides.get("notifier") or build_notifier(
        settings, templates=policy.templates.directory
    )

    okta_acts = OktaActivities(
        okta, audit, settings.effective_mode, policy.identity.okta_id_attribute
    )
    fields = required_fields(policy)
    hr_acts = BambooHRActivities(bamboohr, fields)
    activities: list[Callable[..., Any]] = [
        okta_acts.find_okta_user,
        okta_acts.ensure_okta_user,
        okta_acts.update_okta_profile,
        okta_acts.set_okta_status,
        okta_acts.revoke_okta_sessions,
        okta_acts.send_okta_activation,
        okta_acts.sync_managed_groups,
        okta_acts.ensure_okta_schema,
        hr_acts.fetch_employee,
        hr_acts.fetch_changed_since,
        hr_acts.fetch_all_employees,
        PolicyActivities(policy).plan_lifecycle,
        NotifyActivities(notifier).notify,
        AuditActivities(audit, mode=settings.effective_mode).record_audit_event,
    ]
    logins = LoginActivities(
        okta=okta, bamboohr=bamboohr, audit=audit, policy=policy, mode=settings.effective_mode
    )
    activities += logins.all()
    activities += TriggerActivities(
        temporal=client,
        task_queue=settings.temporal_task_queue,
        bamboohr=bamboohr,
        audit=audit,
        fields=fields,
        logins=logins,
    ).all()
    activities += GuardActivities(
        temporal=client, task_queue=settings.temporal_task_queue, okta=okta, policy=policy
    ).all()
    from activities.okta_events import OktaEventActivities

    activities += OktaEventActivities(
        temporal=client,
        task_queue=settings.temporal_task_queue,
        okta=okta,
        audit=audit,
        policy=policy,
        own_actor_ids=settings.own_okta_actor_ids,
    ).all()
    from activities.reconcile import ReconcileActivities

    activities += ReconcileActivities(
        temporal=client,
        task_queue=settings.temporal_task_queue,
        bamboohr=bamboohr,
        okta=okta,
        audit=audit,
        policy=policy,
        fields=fields,
        mode=settings.effective_mode,
    ).all()
    return WorkerResources(
        activities=activities,
        closers=closers,
        checks=[
            partial(okta_acts.groups.check, policy.managed_groups),
            partial(_holiday_calendars, policy),
        ],
    )


async def _holiday_calendars(policy: PolicyConfig) -> list[str]:
    # Next year's data must be there before hires for next year are staged.
    return policy.holiday_calendar_gaps(datetime.now(UTC).year + 1)


def build_worker(
    client: Client,
    settings: Settings,
    resources: WorkerResources,
    *,
    workflows: Sequence[type] | None = None,
    **worker_kwargs: Any,
) -> Worker:
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=list(workflows or workflow_classes()),
        activities=resources.activities,
        # Liveness beats: a dead worker's activities move elsewhere in seconds.
        interceptors=[HeartbeatInterceptor(), *worker_kwargs.pop("interceptors", [])],
        graceful_shutdown_timeout=worker_kwargs.pop("graceful_shutdown_timeout", GRACEFUL_SHUTDOWN),
        **worker_kwargs,
    )


@contextlib.asynccontextmanager
async def running_worker(
    client: Client, settings: Settings, **overrides: Any
) -> AsyncIterator[Worker]:
    """A started worker for the duration of the block (tests and `lifecycle dev`)."""
    resources = await build_resources(settings, client, **overrides)
    worker = build_worker(client, settings, resources)
    try:
        async with worker:
            yield worker
    finally:
        await resources.aclose()


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Connect, register search attributes, and serve until SIGTERM/SIGINT or `stop`.

    With LIFECYCLE_METRICS_PORT set, the Temporal SDK's metrics are served for Prometheus
    at :PORT/metrics; with LIFECYCLE_OTEL_EXPORTER on, `connect` adds the tracing
    interceptor, which the worker inherits from its client.
    """
    from workers.telemetry import metrics_runtime, shutdown_tracing

    runtime = metrics_runtime(settings)
    client = await connect(settings, runtime=runtime)
    if runtime is not None:
        log.info(
            "metrics served",
            extra={"port": settings.lifecycle_metrics_port, "action": "startup"},
        )
    await ensure_search_attributes(client)
    resources = await build_resources(settings, client)
    await resources.report_problems()
    worker = build_worker(client, settings, resources)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    log.info("worker started", extra={"task_queue": settings.temporal_task_queue})
    run_task = asyncio.create_task(worker.run())
    stop_task = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({run_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        if run_task in done:
            run_task.result()  # a worker that died on its own is an error
    finally:
        stop_task.cancel()
        if not run_task.done():
            log.info("worker shutting down")
            await worker.shutdown()
        await resources.aclose()
        shutdown_tracing()  # flush buffered spans before the process exits
