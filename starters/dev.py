"""`lifecycle dev`: the whole stack on one laptop, in one command.

Brings up, in order: the Temporal dev server (SQLite under `.data/`, Web UI, search
attributes), the BambooHR and Okta simulators seeded with a generated company (only when no
real BambooHR/Okta is configured), the worker, the webhook receiver (registered with the
simulated BambooHR), the codec server when payload encryption is on, and the schedules.
Ctrl-C stops everything in reverse order; running it again resumes from `.data/`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import signal
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from integrations.serving import (
    PortInUseError,
    ThreadedServer,
    check_port_free,
    start_in_loop,
)
from lifecycle.settings import (
    SIM_BAMBOOHR_KEY,
    SIM_OKTA_TOKEN,
    SIM_WEBHOOK_KEY,
    Settings,
    load_settings,
)
from starters.devserver import TemporalDevServer
from starters.logs import configure_logging
from starters.setup_cmd import WEBHOOK_EVENTS

log = logging.getLogger("lifecycle.dev")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("dev", help="run the whole stack locally (Temporal, simulators, ...)")
    parser.add_argument(
        "--fresh", action="store_true", help="wipe .data/ first (new Temporal state, new company)"
    )
    parser.add_argument("--no-ui", action="store_true", help="run the Temporal server headless")
    parser.add_argument(
        "--exit-after-start",
        action="store_true",
        help="start everything, print the URLs, then stop (smoke test)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("temporal", "audit")
    configure_logging(settings.model_copy(update={"lifecycle_log_format": "text"}))
    stack = DevStack(settings, fresh=args.fresh, headless=args.no_ui)
    try:
        return asyncio.run(stack.run(exit_after_start=args.exit_after_start))
    except PortInUseError as exc:
        print(f"error: {exc}. Stop whatever uses it, or change the port setting.", file=sys.stderr)
        return 1


@dataclass
class DevStack:
    settings: Settings
    fresh: bool = False
    headless: bool = False
    data_dir: Path = field(init=False)
    _closers: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.data_dir = self.settings.lifecycle_data_dir

    def ports(self) -> list[tuple[int, str]]:
        s = self.settings
        ports = [(s.lifecycle_dev_temporal_port, "the Temporal dev server (gRPC)")]
        if not self.headless:
            ports.append((s.lifecycle_dev_ui_port, "the Temporal Web UI"))
        if s.okta_is_simulated:
            ports.append((s.lifecycle_sim_okta_port, "the Okta simulator"))
        if s.bamboohr_is_simulated:
            ports.append((s.lifecycle_sim_bamboohr_port, "the BambooHR simulator"))
        ports.append((s.lifecycle_webhook_port, "the webhook receiver"))
        ports.append((s.lifecycle_okta_hooks_port, "the Okta event hook receiver"))
        if s.lifecycle_encryption_keys is not None:
            ports.append((s.lifecycle_codec_port, "the codec server"))
        return ports

    async def run(self, exit_after_start: bool = False) -> int:
        # Fail before starting anything if a port is taken: a half-started stack is worse.
        for port, what in self.ports():
            check_port_free("127.0.0.1", port, what)
        if self.fresh and self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        urls: list[tuple[str, str]] = []
        try:
            settings = await self._start_simulators(urls)
            await self._start_temporal(urls)
            client = await self._connect(settings)
            await self._start_worker(client, settings)
            await self._start_webhook(client, settings, urls)
            await self._start_okta_hooks(client, settings, urls)
            await self._start_codec(settings, urls)
            await self._apply_schedules(client, settings)
            await self._first_run(client, settings)
            self._print_urls(urls, settings)
            if not exit_after_start:
                await stop.wait()
            print("\nstopping…", flush=True)
        finally:
            await self._close()
        return 0

    # --- pieces ---------------------------------------------------------------------------
    async def _start_simulators(self, urls: list[tuple[str, str]]) -> Settings:
        """Simulators stand in for whatever is not configured; returns the settings the
        service runs with (pointing at them)."""
        s = self.settings
        update: dict[str, Any] = {}
        self._seeded = False
        if s.okta_is_simulated:
            from simulators.okta.app import OktaSimulator

            state = self.data_dir / "okta-sim.json"
            new = not state.exists()
            okta = OktaSimulator(
                api_token=SIM_OKTA_TOKEN,
                admin_token=s.lifecycle_sim_okta_admin_token.get_secret_value(),
                state_file=state,
            )
            if new:
                self._seed_okta(okta.store)
            server = ThreadedServer(okta.app, port=s.lifecycle_sim_okta_port, name="Okta simulator")
            server.start()
            self._closers.append(server.stop)
            urls.append(("Okta simulator (SSWS token: OKTA_API_TOKEN)", server.url))
            update |= {"okta_org_url": server.url, "okta_api_token": SecretStr(SIM_OKTA_TOKEN)}
            self._okta_sim = okta
        if s.bamboohr_is_simulated:
            from simulators.bamboohr.app import BambooHRSimulator

            state = self.data_dir / "bamboohr-sim.json"
            new = not state.exists()
            # The simulated BambooHR signs webhooks with the key our receiver verifies with.
            hr = BambooHRSimulator(
                api_key=SIM_BAMBOOHR_KEY,
                state_file=state,
                webhook_private_key=s.webhook_key().get_secret_value(),
            )
            if new:
                self._seed_bamboohr(hr.store)
                self._seeded = True
            port = s.lifecycle_sim_bamboohr_port
            server = ThreadedServer(hr.app, port=port, name="BambooHR simulator")
            server.start()
            self._closers.append(server.stop)
            urls.append(
                ("BambooHR simulator API (Basic auth: BAMBOOHR_API_KEY)", server.url + "/api/v1")
            )
            update |= {
                "bamboohr_base_url": server.url,
                "bamboohr_api_key": SecretStr(SIM_BAMBOOHR_KEY),
                "bamboohr_webhook_key": s.bamboohr_webhook_key or SecretStr(SIM_WEBHOOK_KEY),
            }
            self._hr_sim = hr
        update["temporal_address"] = f"127.0.0.1:{s.lifecycle_dev_temporal_port}"
        if s.lifecycle_audit_url == "sqlite:///.data/audit.db":
            update["lifecycle_audit_url"] = f"sqlite:///{self.data_dir / 'audit.db'}"
        return s.model_copy(update=update)

    def _seed_okta(self, store: Any) -> None:
        from lifecycle.policy import load_policy
        from simulators.seed.load import seed_okta
        from starters.dev_seed import policy_group_rule

        s = self.settings
        # Accounts planted with the groups the policy gives them (see starters/dev_seed.py).
        rule = policy_group_rule(load_policy(s.lifecycle_policy))
        seed_okta(store, s.lifecycle_sim_seed, s.lifecycle_sim_employees, _today(), rule)

    def _seed_bamboohr(self, store: Any) -> None:
        from simulators.seed.load import seed_bamboohr

        s = self.settings
        seed_bamboohr(store, s.lifecycle_sim_seed, s.lifecycle_sim_employees, _today())

    async def _start_temporal(self, urls: list[tuple[str, str]]) -> None:
        s = self.settings
        codec = (
            f"http://localhost:{s.lifecycle_codec_port}"
            if s.lifecycle_encryption_keys is not None
            else None
        )
        server = TemporalDevServer(
            db_file=self.data_dir / "temporal.db",
            port=s.lifecycle_dev_temporal_port,
            ui_port=None if self.headless else s.lifecycle_dev_ui_port,
            headless=self.headless,
            codec_endpoint=codec,
            log_file=self.data_dir / "temporal.log",
            namespace=s.temporal_namespace,
        )
        await asyncio.to_thread(server.start)
        self._closers.append(server.stop)
        if server.ui_url:
            urls.insert(0, ("Temporal Web UI", server.ui_url))
        urls.append(("Temporal frontend (gRPC)", server.address))

    async def _connect(self, settings: Settings) -> Any:
        from workers.connect import connect, ensure_search_attributes
        from workers.telemetry import metrics_runtime

        # SDK metrics at LIFECYCLE_METRICS_PORT/metrics when set (local only in dev).
        client = await connect(settings, runtime=metrics_runtime(settings, host="127.0.0.1"))
        await ensure_search_attributes(client)
        return client

    async def _start_worker(self, client: Any, settings: Settings) -> None:
        from workers.worker import running_worker

        ctx = running_worker(client, settings)
        await ctx.__aenter__()
        self._closers.append(lambda: ctx.__aexit__(None, None, None))

    async def _start_webhook(
        self, client: Any, settings: Settings, urls: list[tuple[str, str]]
    ) -> None:
        from starters.webhook.app import create_webhook_app

        host, port = settings.lifecycle_webhook_host, settings.lifecycle_webhook_port
        app = create_webhook_app(settings, client)
        self._closers.append(await start_in_loop(app, host, port, "the webhook receiver"))
        url = f"http://{host}:{port}/webhooks/bamboohr"
        urls.append(("Webhook receiver", url))
        hr = getattr(self, "_hr_sim", None)
        if hr is not None:
            from lifecycle.policy import load_policy, monitored_fields

            fields = monitored_fields(load_policy(settings.lifecycle_policy))
            _subscribe_sim_webhook(hr, url, fields)

    async def _start_okta_hooks(
        self, client: Any, settings: Settings, urls: list[tuple[str, str]]
    ) -> None:
        """The Okta event hook receiver; registered (and verified) through the simulated
        Okta's event hooks API, as `lifecycle setup okta-hooks` does with a real org."""
        from starters.okta_hooks.app import PATH, create_okta_hooks_app
        from starters.setup_cmd import register_okta_hook

        host, port = settings.lifecycle_okta_hooks_host, settings.lifecycle_okta_hooks_port
        app = create_okta_hooks_app(settings, client)
        self._closers.append(await start_in_loop(app, host, port, "the Okta event hook receiver"))
        url = f"http://{host}:{port}{PATH}"
        urls.append(("Okta event hook receiver", url))
        if getattr(self, "_okta_sim", None) is not None:
            await register_okta_hook(
                settings, "bamboohr-okta-lifecycle (dev)", url, settings.okta_hook_secret()
            )

    async def _start_codec(self, settings: Settings, urls: list[tuple[str, str]]) -> None:
        if settings.lifecycle_encryption_keys is None:
            return
        from starters.codec_server import create_codec_app

        port = settings.lifecycle_codec_port
        app = create_codec_app(settings)
        self._closers.append(await start_in_loop(app, "127.0.0.1", port, "the codec server"))
        urls.append(("Codec server (the Web UI decodes through it)", f"http://localhost:{port}"))

    async def _apply_schedules(self, client: Any, settings: Settings) -> None:
        try:
            from starters.schedules import apply_schedules
        except ModuleNotFoundError:
            return
        await apply_schedules(client, settings)

    async def _first_run(self, client: Any, settings: Settings) -> None:
        """A freshly seeded company is adopted by a reconciliation run, which starts one
        lifecycle per employee (linking existing Okta accounts, never duplicating them)."""
        if not self._seeded:
            return
        try:
            from starters.reconcile import start_reconcile
        except ModuleNotFoundError:
            return
        await start_reconcile(client, settings, apply=True)

    def _print_urls(self, urls: list[tuple[str, str]], settings: Settings) -> None:
        width = max(len(name) for name, _ in urls)
        print("\nbamboohr-okta-lifecycle is up:\n", flush=True)
        for name, url in urls:
            print(f"  {name.ljust(width)}  {url}")
        print(f"\n  mode: {settings.effective_mode.value}   data: {self.data_dir}/")
        print(
            "  Ctrl-C stops everything; `make dev` again resumes from the same state.\n", flush=True
        )

    async def _close(self) -> None:
        for close in reversed(self._closers):
            with contextlib.suppress(Exception):
                result = close()
                if asyncio.iscoroutine(result):
                    await result
        self._closers.clear()


def _subscribe_sim_webhook(hr: Any, url: str, fields: list[str]) -> None:
    """Register the receiver with the simulated BambooHR once (kept in its state file)."""
    if any(hook.url == url for hook in hr.webhooks.all()):
        return
    hr.webhooks.create(
        {
            "name": "bamboohr-okta-lifecycle (dev)",
            "url": url,
            "format": "json",
            "events": WEBHOOK_EVENTS,
            "monitorFields": fields,
        }
    )


def _today() -> Any:
    return datetime.now(UTC).date()
