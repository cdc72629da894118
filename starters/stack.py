"""The service as an operator runs it, around simulators a caller can reach into: what the
benchmarks (bench/stack.py) and the whole-stack reliability tests (tests/support/
process_stack.py) build on; `lifecycle dev` runs the same parts for a person (starters/dev.py).

- the Okta and BambooHR simulators are real HTTP servers on threads of the calling process,
  so the caller seeds and inspects them (`.store`, `.faults`, `.clock`) directly;
- the worker(s) (`lifecycle worker`) and the webhook receiver (`lifecycle webhook`) are
  separate processes configured only through the environment, built from one `Settings`,
  with their output in `<root>/logs/<name>.out|.err`;
- Temporal is the caller's (an address): a dev server it started, or a cluster.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from integrations.serving import ReservedPort, ThreadedServer
from lifecycle.policy import PolicyConfig, load_policy
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_OKTA_TOKEN, SIM_WEBHOOK_KEY, Mode, Settings
from simulators.bamboohr.app import BambooHRSimulator
from simulators.common.faults import FaultConfig
from simulators.okta.app import OktaSimulator
from simulators.okta.store import OktaStore
from starters.children import REPO, ChildProcess, child_environment, eventually

POLICY_PATH = REPO / "config" / "policy.yaml"
# An Okta group no rule names: memberships automation must never touch.
UNMANAGED_GROUPS = ["Okta Administrators"]
# The company's employment statuses as config/policy.yaml classifies them.
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
CLI = [sys.executable, "-m", "starters.cli"]


def prepare_okta(store: OktaStore, policy: PolicyConfig, extra_groups: Sequence[str] = ()) -> None:
    """The org as it looks before the service runs: the custom attributes, the groups the
    policy names (managed and protected) and an unmanaged admin group."""
    store.add_schema_attribute("bambooHrId", title="BambooHR ID")
    store.add_schema_attribute("jobLevel", title="Job Level")
    names = [*policy.managed_groups, *policy.protected.groups, *UNMANAGED_GROUPS, *extra_groups]
    for name in names:
        if store.find_group(name) is None:
            store.create_group(name)


@dataclass(frozen=True)
class StackSecrets:
    okta_token: str = SIM_OKTA_TOKEN
    bamboohr_key: str = SIM_BAMBOOHR_KEY
    webhook_key: str = SIM_WEBHOOK_KEY
    encryption_key: str | None = None  # base64 of 32 random bytes; None: payloads in clear
    key_id: str = "stack1"

    @classmethod
    def generate(cls) -> StackSecrets:
        """Random credentials (never the simulators' well-known defaults), so a scan of the
        logs for them means something, and payload encryption on."""
        return cls(
            okta_token="okta-" + secrets.token_urlsafe(24),
            bamboohr_key="bhr-" + secrets.token_hex(20),
            webhook_key="whk-" + secrets.token_urlsafe(24),
            encryption_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        )

    @property
    def encryption_keys(self) -> SecretStr | None:
        if self.encryption_key is None:
            return None
        return SecretStr(f"{self.key_id}:{self.encryption_key}")

    def values(self) -> dict[str, str]:
        """What must never appear in a log: each secret, and the key in every usual form."""
        found = {
            "OKTA_API_TOKEN": self.okta_token,
            "BAMBOOHR_API_KEY": self.bamboohr_key,
            "BAMBOOHR_WEBHOOK_KEY": self.webhook_key,
        }
        if self.encryption_key is not None:
            raw = base64.b64decode(self.encryption_key)
            found["LIFECYCLE_ENCRYPTION_KEYS"] = self.encryption_key
            found["LIFECYCLE_ENCRYPTION_KEYS (hex)"] = raw.hex()
            found["LIFECYCLE_ENCRYPTION_KEYS (urlsafe)"] = base64.urlsafe_b64encode(raw).decode()
        return found


@dataclass
class StackOptions:
    root: Path
    temporal_address: str
    temporal_namespace: str = "default"
    task_queue: str = "employee-lifecycle"
    workers: int = 1
    secrets: StackSecrets = field(default_factory=StackSecrets)
    policy_path: Path = POLICY_PATH
    first_employee_id: int = 1000
    audit_url: str | None = None  # None: a SQLite file under root
    okta: dict[str, Any] = field(default_factory=dict)  # OktaSimulator options
    bamboohr: dict[str, Any] = field(default_factory=dict)  # BambooHRSimulator options
    okta_faults: FaultConfig | None = None
    bamboohr_faults: FaultConfig | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # Settings fields on top
    child_env: dict[str, str] = field(default_factory=dict)  # extra variables for children
    passed_through: Sequence[str] = ()  # variables of this process the children keep
    preexec: Callable[[], None] | None = None  # e.g. children.die_with_parent


class ServiceStack:
    """Built from `StackOptions`; nothing runs until `start_*`."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.root = options.root
        self.logs = options.root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.task_queue = options.task_queue
        self.secrets = options.secrets
        self.policy: PolicyConfig = load_policy(options.policy_path)
        self.okta = OktaSimulator(
            api_token=self.secrets.okta_token, faults=options.okta_faults, **options.okta
        )
        self.hr = BambooHRSimulator(
            api_key=self.secrets.bamboohr_key,
            webhook_private_key=self.secrets.webhook_key,
            faults=options.bamboohr_faults,
            store_options={
                "first_employee_id": options.first_employee_id,
                "employment_statuses": EMPLOYMENT_STATUSES,
                "leave_statuses": LEAVE_STATUSES,
            },
            **options.bamboohr,
        )
        self.okta_server = ThreadedServer(self.okta.app, name="okta-sim")
        self.hr_server = ThreadedServer(self.hr.app, name="bamboohr-sim")
        self._webhook_port = ReservedPort()
        self.webhook_port = self._webhook_port.port
        self._okta_hooks_port = ReservedPort()
        self.okta_hooks_port = self._okta_hooks_port.port
        self.audit_url = options.audit_url or f"sqlite:///{options.root / 'audit.db'}"
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            temporal_address=options.temporal_address,
            temporal_namespace=options.temporal_namespace,
            temporal_task_queue=self.task_queue,
            okta_org_url=self.okta_server.url,
            okta_api_token=SecretStr(self.secrets.okta_token),
            bamboohr_base_url=self.hr_server.url,
            bamboohr_api_key=SecretStr(self.secrets.bamboohr_key),
            bamboohr_webhook_key=SecretStr(self.secrets.webhook_key),
            lifecycle_mode=Mode.APPLY,
            lifecycle_policy=options.policy_path,
            lifecycle_audit_url=self.audit_url,
            lifecycle_data_dir=options.root / "data",
            lifecycle_encryption_keys=self.secrets.encryption_keys,
            lifecycle_webhook_host="127.0.0.1",
            lifecycle_webhook_port=self.webhook_port,
            lifecycle_okta_hooks_host="127.0.0.1",
            lifecycle_okta_hooks_port=self.okta_hooks_port,
            lifecycle_log_format="json",
            lifecycle_log_level="INFO",  # as deployed; "worker started" marks readiness
            lifecycle_notify_sinks="log",
            lifecycle_otel_exporter="none",
            **options.settings,
        )
        # The worker(s) and the receiver are configured with exactly these settings.
        env = child_environment(
            self.settings, env_file=options.root / "no.env", passed_through=options.passed_through
        )
        env.update(options.child_env)
        # Several workers on one task queue: the documented way to scale out.
        self.workers = [
            ChildProcess(
                "worker" if i == 0 else f"worker-{i + 1}",
                [*CLI, "worker"],
                env,
                self.logs,
                preexec=options.preexec,
            )
            for i in range(options.workers)
        ]
        self.receiver = ChildProcess(
            "webhook",
            [*CLI, "webhook", "--port", str(self.webhook_port)],
            env,
            self.logs,
            preexec=options.preexec,
        )

        self.okta_hooks = ChildProcess(
            "okta-hooks",
            [*CLI, "okta-hooks", "--port", str(self.okta_hooks_port)],
            env,
            self.logs,
            preexec=options.preexec,
        )

    @property
    def worker(self) -> ChildProcess:
        """The first worker process."""
        return self.workers[0]

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.webhook_port}"

    @property
    def okta_hooks_url(self) -> str:
        return f"http://127.0.0.1:{self.okta_hooks_port}"

    def prepare_okta(self) -> None:
        prepare_okta(self.okta.store, self.policy)

    def start_simulators(self) -> None:
        self.okta_server.start()
        self.hr_server.start()

    async def start_workers(self, within: float = 120.0) -> None:
        """Start every worker and wait until each polls (its "worker started" line)."""
        offsets = [w.log_size() for w in self.workers]
        for worker in self.workers:
            worker.start()
        for worker, offset in zip(self.workers, offsets, strict=True):
            await worker.wait_for_log("worker started", after=offset, within=within)

    async def start_receiver(self, within: float = 60.0) -> None:
        self._webhook_port.release()  # held until now: the receiver binds it next
        await _serve(self.receiver, self.webhook_url, "webhook receiver", within)

    async def start_okta_hooks(self, within: float = 60.0) -> dict[str, Any]:
        """The Okta event hook receiver, registered (and verified) with the simulated Okta
        through its event hooks API, as `lifecycle setup okta-hooks` does; returns the hook."""
        from starters.okta_hooks.app import PATH
        from starters.setup_cmd import register_okta_hook

        self._okta_hooks_port.release()
        await _serve(self.okta_hooks, self.okta_hooks_url, "Okta event hook receiver", within)
        hook, _ = await register_okta_hook(
            self.settings,
            "lifecycle (stack)",
            self.okta_hooks_url + PATH,
            self.settings.okta_hook_secret(),
        )
        return hook

    async def stop_processes(self) -> None:
        for proc in (self.receiver, self.okta_hooks, *self.workers):
            await asyncio.to_thread(proc.stop)

    def stop_simulators(self) -> None:
        self.hr_server.stop()
        self.okta_server.stop()


async def _serve(proc: ChildProcess, url: str, what: str, within: float) -> None:
    """Start a receiver process and wait until it answers `/livez`."""
    proc.start()

    async def live() -> bool:
        if not proc.alive:
            raise RuntimeError(f"{what} exited:\n{proc.tail()}")
        with contextlib.suppress(httpx.HTTPError):
            async with httpx.AsyncClient(timeout=2) as http:
                return (await http.get(url + "/livez")).status_code == 200
        return False

    try:
        await eventually(live, within=within, what=f"{what} answering /livez")
    except TimeoutError:
        raise TimeoutError(f"{what} did not answer:\n{proc.tail()}") from None
