"""The BambooHR simulator: one company, its API, its webhooks and its admin endpoints.

    sim = BambooHRSimulator(clock=SimClock())
    eid = sim.store.hire("Ada", "Lovelace", "ada@example.test", department="Engineering")
    with ThreadedServer(sim.app) as server:  # lifespan starts webhook delivery
        ...  # GET {server.url}/api/v1/employees/{eid}?fields=workEmail

ASGI layers, outermost first: fault injection (`simulators.common.faults`, BambooHR dialect:
503/429 + Retry-After) -> legacy `/api/gateway.php/{company}/v1` prefix -> request log ->
API key -> routes. The API is served at `/api/v1/...` (the spec's server
`https://{companyDomain}.bamboohr.com`) and at the legacy prefix.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from simulators.bamboohr import (
    admin,
    routes_employees,
    routes_meta,
    routes_reports,
    routes_webhooks,
)
from simulators.bamboohr.admission import ApiKeyMiddleware, LegacyPrefixMiddleware
from simulators.bamboohr.delivery import DEFAULT_RETRY_SCHEDULE, Delivery, WebhookDispatcher
from simulators.bamboohr.dialect import error, error_responder, throttle_responder
from simulators.bamboohr.fields import FieldCatalogue
from simulators.bamboohr.persistence import StateFile
from simulators.bamboohr.requestlog import RequestLog, RequestLogMiddleware
from simulators.bamboohr.store import BambooHRStore
from simulators.bamboohr.webhooks import WebhookRegistry
from simulators.common.clock import SimClock
from simulators.common.faults import FaultConfig, FaultInjector, FaultMiddleware

# The same values as lifecycle.settings.SIM_BAMBOOHR_KEY / SIM_WEBHOOK_KEY (a test checks);
# simulators do not import the product.
DEFAULT_API_KEY = "sim-bamboohr-key"
DEFAULT_WEBHOOK_KEY = "sim-webhook-signing-key"


class BambooHRSimulator:
    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        company: str = "acme",
        clock: SimClock | None = None,
        faults: FaultConfig | None = None,
        state_file: Path | None = None,
        webhook_retry_schedule: Sequence[float] = DEFAULT_RETRY_SCHEDULE,
        webhook_private_key: str | None = DEFAULT_WEBHOOK_KEY,
        timezone: str = "UTC",
        catalogue: FieldCatalogue | None = None,
        store_options: dict[str, Any] | None = None,
        delivery_tick_seconds: float = 0.05,
        webhook_timeout_seconds: float = 5.0,
        webhook_signature_clock: Literal["wall", "sim"] = "wall",
        state_debounce_seconds: float = 0.5,
    ) -> None:
        self.api_key = api_key
        self.company = company
        self.clock = clock or SimClock()
        self.store = BambooHRStore(
            clock=self.clock,
            company=company,
            timezone=timezone,
            catalogue=catalogue,
            **(store_options or {}),
        )
        self.webhooks = WebhookRegistry(
            self.store.catalogue,
            self.clock,
            company=company,
            company_id=self.store.company_id,
            private_key=webhook_private_key,
        )
        self.dispatcher = WebhookDispatcher(
            self.store,
            self.webhooks,
            self.clock,
            retry_schedule=webhook_retry_schedule,
            tick_seconds=delivery_tick_seconds,
            timeout_seconds=webhook_timeout_seconds,
            signature_clock=webhook_signature_clock,
        )
        self.faults = FaultInjector(faults)
        self.requests = RequestLog()
        self.state: StateFile | None = None
        if state_file is not None:
            self.state = StateFile(
                state_file, self.store, self.webhooks, debounce_seconds=state_debounce_seconds
            )
            self.state.load()
            self.store.subscribe(self.state.mark_dirty)
            self.webhooks.on_change = self.state.mark_dirty

        self.permissions = routes_employees.WritePermissions()
        routes = [
            *routes_employees.routes(self.store, self.permissions),
            *routes_reports.routes(self.store),
            *routes_meta.routes(self.store),
            *routes_webhooks.routes(self.webhooks, self.dispatcher),
            *admin.routes(self),
        ]
        router = Starlette(
            routes=routes,
            lifespan=self._lifespan,
            exception_handlers={404: _not_found, 405: _not_allowed},
        )
        self._auth = ApiKeyMiddleware(cast(Any, router), api_key)
        inner: Any = RequestLogMiddleware(self._auth, self.requests, self.clock)
        inner = LegacyPrefixMiddleware(inner, company)
        self.app = FaultMiddleware(
            inner, self.faults, throttle_responder, error_responder, clock=self.clock
        )

    def set_api_key(self, api_key: str) -> None:
        """What an admin does when revoking a key and issuing another: the old one gets 401
        from now on (tests of the service's reaction to revoked credentials)."""
        self.api_key = api_key
        self._auth.api_key = api_key

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        await self.dispatcher.start()
        try:
            yield
        finally:
            await self.dispatcher.stop()
            if self.state is not None:
                self.state.close()

    # --- controls shared by the admin API and in-process users -------------------------------
    def move_clock(
        self,
        *,
        now: datetime | None = None,
        advance_seconds: float = 0,
        freeze: bool | None = None,
    ) -> None:
        """Set, freeze/unfreeze and/or advance the sim clock, then let dated rows take effect
        right away. Setting `now` keeps a frozen clock frozen unless `freeze=False`."""
        if now is not None and now.tzinfo is None:
            now = now.replace(tzinfo=UTC)  # a naive instant means UTC, as in the API
        if freeze is True:
            self.clock.freeze(now)
        elif now is not None:
            if self._frozen() and freeze is None:
                self.clock.freeze(now)
            else:
                self.clock.set(now)
        if freeze is False:
            self.clock.unfreeze()
        if advance_seconds:
            self.clock.advance(advance_seconds)
        self.store.sweep_effective_dates()

    def _frozen(self) -> bool:
        return bool(self.clock.describe()["frozen"])

    def describe_clock(self) -> dict[str, Any]:
        return {
            **self.clock.describe(),
            "today": self.store.today().isoformat(),
            "timezone": str(self.store.tz),
        }

    def flush_webhooks(self, timeout: float = 30.0) -> list[Delivery]:
        """Deliver everything due now (from any thread; on the server's loop when running)."""
        loop = self.dispatcher.loop
        if loop is not None and loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self.dispatcher.deliver_due(), loop)
            return future.result(timeout)
        return asyncio.run(self.dispatcher.deliver_due())

    def reset(self, *, keep_webhooks: bool = False) -> None:
        """Empty company, no deliveries, no request log, healthy faults (the clock stays)."""
        self.store.reset()
        self.dispatcher.reset()
        if not keep_webhooks:
            self.webhooks.reset()
        self.requests.clear()
        self.faults.configure(FaultConfig())
        self.faults.counters.clear()
        if self.state is not None:
            self.state.mark_dirty()

    def stats(self) -> dict[str, Any]:
        return {
            **self.requests.stats(),
            "faults": dict(self.faults.counters),
            "webhookDeliveries": self.dispatcher.counts(),
            "employees": len(self.store),
        }

    def describe_state(self) -> dict[str, Any]:
        return {
            "company": self.company,
            "companyId": self.store.company_id,
            "clock": self.describe_clock(),
            "employees": self.store.values_for_all(None),
            "webhooks": [h.describe() for h in self.webhooks.all()],
            "webhookDeliveries": self.dispatcher.counts(),
            "changes": len(self.store.change_log()),
            "fields": self.store.catalogue.describe(),
        }

    def close(self) -> None:
        """Save the state file now (the server's shutdown does this too)."""
        if self.state is not None:
            self.state.close()


async def _not_found(request: Request, exc: Exception) -> Response:
    return error(404, f"Not found: {request.url.path}")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return error(405, f"Method {request.method} not allowed on {request.url.path}")
