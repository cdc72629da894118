"""One benchmark's stack: Temporal (see `bench.temporal`), both simulators over real HTTP on
threads of the benchmark process (seeded and inspected through their stores), and the
service's worker and webhook receiver as their own processes configured through the
environment, exactly as deployed.

The simulators' clocks are never moved except where a benchmark says so (the BambooHR clock
in the poll path): Okta's request log and `statusChanged` stamps are wall-clock times, so
they can be compared with the benchmark's own `time.time()`.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.client import Client

from bench.deployment import PROFILES, Deployment, postgres_schema
from bench.temporal import TemporalTarget, terminate_all
from integrations.audit import AuditStore, open_audit_store
from simulators.okta.ratelimit import DEFAULT_LIMITS
from starters.children import die_with_parent
from starters.stack import ServiceStack, StackOptions
from workers.connect import connect, ensure_search_attributes

UNLIMITED = 1_000_000_000  # requests per minute: "no rate limit"
# Connection settings of a real cluster that the child processes must keep.
_PASSED_THROUGH = (
    "TEMPORAL_API_KEY",
    "TEMPORAL_TLS_CERT_PATH",
    "TEMPORAL_TLS_KEY_PATH",
    "TEMPORAL_TLS_CA_PATH",
)


def okta_limits(users: int | None = None, others: str = "default") -> dict[str, int]:
    """Per-minute limits for the Okta simulator: Okta's typical org limits ("default") or
    none ("unlimited") for every bucket, with the users bucket optionally set apart."""
    limits = (
        dict(DEFAULT_LIMITS) if others == "default" else dict.fromkeys(DEFAULT_LIMITS, UNLIMITED)
    )
    if users is not None:
        limits["users"] = users
    return limits


@dataclass
class StackConfig:
    name: str
    okta_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    okta_log_size: int = 10_000  # requests kept in the Okta simulator's log
    webhook: bool = False  # run the webhook receiver process too
    first_employee_id: int | None = None  # None: unique per run (ids are workflow ids)
    worker_env: dict[str, str] = field(default_factory=dict)
    # Latency profile, worker processes, audit store (bench.deployment; the benchmarks pass
    # their --latency/--workers/--audit). The default here is the bare one tests may use.
    deployment: Deployment = field(
        default_factory=lambda: Deployment(PROFILES["zero"], workers=1, audit="sqlite")
    )


class BenchStack(ServiceStack):
    """A `ServiceStack` (starters/stack.py) with a benchmark's Okta limits, latency profile,
    worker count and audit store, on the benchmark's Temporal."""

    def __init__(
        self,
        config: StackConfig,
        temporal: TemporalTarget,
        workdir: Path,
        audit_url: str | None = None,
    ) -> None:
        self.config = config
        self.temporal = temporal
        self.workdir = workdir
        latency = config.deployment.latency
        super().__init__(
            StackOptions(
                root=workdir,
                temporal_address=temporal.address,
                temporal_namespace=temporal.namespace,
                task_queue=f"bench-{config.name}-{uuid.uuid4().hex[:6]}",
                workers=config.deployment.workers,
                first_employee_id=config.first_employee_id or _unique_id_block(),
                audit_url=audit_url,
                okta={
                    "rate_limits": config.okta_limits,
                    "max_logged_requests": config.okta_log_size,
                },
                okta_faults=latency.okta,
                bamboohr_faults=latency.bamboohr,
                child_env=config.worker_env,
                passed_through=_PASSED_THROUGH,
                preexec=die_with_parent,
            )
        )
        self._client: Client | None = None
        self.audit: AuditStore | None = None
        self.started_workflows: set[str] = set()  # cleaned up on a shared cluster

    @property
    def worker_pids(self) -> dict[str, int | None]:
        return {w.name: w.pid for w in self.workers}

    @property
    def client(self) -> Client:
        assert self._client is not None, "the stack is not started"
        return self._client

    # --- start / stop --------------------------------------------------------------------------
    async def start(self, *, worker: bool = True) -> BenchStack:
        self.start_simulators()
        self.audit = open_audit_store(self.audit_url)
        self._client = await connect(self.settings)
        await ensure_search_attributes(self._client)
        if worker:
            await self.start_worker()
        if self.config.webhook:
            await self.start_receiver()
        return self

    async def start_worker(self) -> None:
        await self.start_workers()

    async def close(self, *, cleanup: bool = True) -> None:
        if cleanup and not self.temporal.started_here and self._client is not None:
            # A shared cluster keeps what we started: leave nothing running behind.
            with contextlib.suppress(Exception):
                await terminate_all(self._client, sorted(self.started_workflows), "benchmark done")
        await self.stop_processes()
        self.stop_simulators()
        if self.audit is not None:
            self.audit.close()


def _unique_id_block() -> int:
    """Employee ids (and so workflow ids) no earlier run on the same cluster used."""
    return (int(time.time()) % 1_000_000) * 100_000 + 1


@contextlib.asynccontextmanager
async def bench_stack(
    config: StackConfig,
    temporal: TemporalTarget,
    workdir: Path,
    *,
    prepare: Any = None,
    worker: bool = True,
) -> AsyncIterator[BenchStack]:
    """`prepare(stack)` runs after the simulators exist and before any process starts."""
    with contextlib.ExitStack() as resources:
        audit_url = (
            resources.enter_context(postgres_schema())
            if config.deployment.audit == "postgres"
            else None
        )
        stack = BenchStack(config, temporal, workdir, audit_url)
        stack.prepare_okta()
        if prepare is not None:
            prepare(stack)
        try:
            await stack.start(worker=worker)
            yield stack
        finally:
            await stack.close()
