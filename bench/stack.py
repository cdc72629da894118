"""One benchmark's stack: Temporal (see `bench.temporal`), both simulators over real HTTP on
threads of the benchmark process (seeded and inspected through their stores), and the
service's worker and webhook receiver as their own processes configured through the
environment, exactly as deployed.

The simulators' clocks are never moved except where a benchmark says so (the BambooHR clock
in the poll path): Okta's request log and `statusChanged` stamps are wall-clock times, so
they can be compared with the benchmark's own `time.time()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from temporalio.client import Client

from bench.deployment import PROFILES, Deployment, postgres_schema
from bench.temporal import TemporalTarget, terminate_all
from integrations.audit import AuditStore, open_audit_store
from integrations.serving import ReservedPort, ThreadedServer
from lifecycle.policy import PolicyConfig, load_policy
from lifecycle.settings import (
    SIM_BAMBOOHR_KEY,
    SIM_OKTA_TOKEN,
    SIM_WEBHOOK_KEY,
    Mode,
    Settings,
)
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from simulators.okta.ratelimit import DEFAULT_LIMITS
from starters.children import REPO, ChildProcess, child_environment, die_with_parent
from workers.connect import connect, ensure_search_attributes

POLICY_PATH = REPO / "config" / "policy.yaml"
UNMANAGED_GROUPS = ["Okta Administrators"]
EMPLOYMENT_STATUSES = [
    "Full-Time",
    "Part-Time",
    "Contractor",
    "Intern",
    "Leave of Absence",
    "Parental Leave",
    "Terminated",
]
LEAVE_STATUSES = ["Leave of Absence", "Parental Leave"]
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


class BenchStack:
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
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.task_queue = f"bench-{config.name}-{uuid.uuid4().hex[:6]}"
        self.policy: PolicyConfig = load_policy(POLICY_PATH)
        first_id = config.first_employee_id or _unique_id_block()
        latency = config.deployment.latency
        self.okta = OktaSimulator(
            api_token=SIM_OKTA_TOKEN,
            rate_limits=config.okta_limits,
            max_logged_requests=config.okta_log_size,
            faults=latency.okta,
        )
        self.hr = BambooHRSimulator(
            api_key=SIM_BAMBOOHR_KEY,
            webhook_private_key=SIM_WEBHOOK_KEY,
            faults=latency.bamboohr,
            store_options={
                "first_employee_id": first_id,
                "employment_statuses": EMPLOYMENT_STATUSES,
                "leave_statuses": LEAVE_STATUSES,
            },
        )
        self.okta_server = ThreadedServer(self.okta.app, name="okta-sim")
        self.hr_server = ThreadedServer(self.hr.app, name="bamboohr-sim")
        self._webhook_port = ReservedPort()
        self.webhook_port = self._webhook_port.port
        self.audit_url = audit_url or f"sqlite:///{workdir / 'audit.db'}"
        self.settings = Settings(
            _env_file=None,
            temporal_address=temporal.address,
            temporal_namespace=temporal.namespace,
            temporal_task_queue=self.task_queue,
            okta_org_url=self.okta_server.url,
            okta_api_token=SecretStr(SIM_OKTA_TOKEN),
            bamboohr_base_url=self.hr_server.url,
            bamboohr_api_key=SecretStr(SIM_BAMBOOHR_KEY),
            bamboohr_webhook_key=SecretStr(SIM_WEBHOOK_KEY),
            lifecycle_mode=Mode.APPLY,
            lifecycle_policy=POLICY_PATH,
            lifecycle_audit_url=self.audit_url,
            lifecycle_data_dir=workdir / "data",
            lifecycle_otel_exporter="none",
            lifecycle_encryption_keys=None,
            lifecycle_webhook_host="127.0.0.1",
            lifecycle_webhook_port=self.webhook_port,
            lifecycle_log_format="json",
            lifecycle_log_level="INFO",  # as deployed; "worker started" marks readiness
            lifecycle_notify_sinks="log",
        )
        # The worker and the receiver are configured with exactly these settings.
        env = child_environment(
            self.settings, env_file=workdir / "no.env", passed_through=_PASSED_THROUGH
        )
        env.update(config.worker_env)
        # Several workers on one task queue: the documented way to scale out.
        self.workers = [
            ChildProcess(
                "worker" if i == 0 else f"worker-{i + 1}",
                [sys.executable, "-m", "starters.cli", "worker"],
                env,
                self.logs,
                preexec=die_with_parent,
            )
            for i in range(config.deployment.workers)
        ]
        self.receiver = ChildProcess(
            "webhook",
            [sys.executable, "-m", "starters.cli", "webhook", "--port", str(self.webhook_port)],
            env,
            self.logs,
            preexec=die_with_parent,
        )
        self._client: Client | None = None
        self.audit: AuditStore | None = None
        self.started_workflows: set[str] = set()  # cleaned up on a shared cluster

    @property
    def worker(self) -> ChildProcess:
        """The first worker process (its log marks readiness; reports name it)."""
        return self.workers[0]

    @property
    def worker_pids(self) -> dict[str, int | None]:
        return {w.name: w.pid for w in self.workers}

    @property
    def client(self) -> Client:
        assert self._client is not None, "the stack is not started"
        return self._client

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.webhook_port}"

    # --- Okta org every benchmark starts from --------------------------------------------------
    def prepare_okta(self) -> None:
        """The custom attributes and the groups the policy names (managed and protected),
        plus an unmanaged admin group, as an org looks before the service runs."""
        store = self.okta.store
        store.add_schema_attribute("bambooHrId", title="BambooHR ID")
        store.add_schema_attribute("jobLevel", title="Job Level")
        for name in [*self.policy.managed_groups, *self.policy.protected.groups, *UNMANAGED_GROUPS]:
            if store.find_group(name) is None:
                store.create_group(name)

    # --- start / stop --------------------------------------------------------------------------
    async def start(self, *, worker: bool = True) -> BenchStack:
        self.okta_server.start()
        self.hr_server.start()
        self.audit = open_audit_store(self.audit_url)
        self._client = await connect(self.settings)
        await ensure_search_attributes(self._client)
        if worker:
            await self.start_worker()
        if self.config.webhook:
            await self.start_receiver()
        return self

    async def start_worker(self) -> None:
        for worker in self.workers:
            worker.start()
        for worker in self.workers:
            await worker.wait_for_log("worker started", within=120)

    async def start_receiver(self) -> None:
        self._webhook_port.release()  # held until now: the receiver binds it next
        self.receiver.start()
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(self.webhook_url + "/livez")).status_code == 200:
                        return
                if not self.receiver.alive:
                    raise RuntimeError(f"webhook receiver exited:\n{self.receiver.tail()}")
                await asyncio.sleep(0.1)
        raise TimeoutError(f"webhook receiver did not answer:\n{self.receiver.tail()}")

    async def close(self, *, cleanup: bool = True) -> None:
        if cleanup and not self.temporal.started_here and self._client is not None:
            # A shared cluster keeps what we started: leave nothing running behind.
            with contextlib.suppress(Exception):
                await terminate_all(self._client, sorted(self.started_workflows), "benchmark done")
        for proc in (self.receiver, *self.workers):
            await asyncio.to_thread(proc.stop)
        self.hr_server.stop()
        self.okta_server.stop()
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
