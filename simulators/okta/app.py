"""`OktaSimulator`: the simulated Okta org as an ASGI app, plus its Python handles.

    sim = OktaSimulator()                       # token: DEFAULT_API_TOKEN
    with ThreadedServer(sim.app) as server:     # real HTTP on a free port
        sim.store.create_user({...})            # seed directly, from any thread
        ...                                     # the service talks to server.url

`app` is wrapped in the shared `FaultMiddleware` (outermost), so injected faults look like
Okta's own (E0000047 with rate-limit headers, E0000009).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from simulators.common.clock import SimClock
from simulators.common.faults import FaultConfig, FaultInjector, FaultMiddleware
from simulators.okta import fault_responses
from simulators.okta.actors import DEFAULT_ORG_DOMAIN
from simulators.okta.admin import admin_routes
from simulators.okta.api import Credentials, OktaApi
from simulators.okta.behaviour import OktaBehaviour
from simulators.okta.event_hooks import HookDispatcher
from simulators.okta.persistence import StatePersistence
from simulators.okta.ratelimit import ConcurrencyLimiter, RateLimiter
from simulators.okta.recorder import Recorder
from simulators.okta.routes_event_hooks import event_hook_routes
from simulators.okta.routes_groups import group_routes
from simulators.okta.routes_logs import log_routes
from simulators.okta.routes_schema import schema_routes
from simulators.okta.routes_users import user_routes
from simulators.okta.routing import ApiRouter
from simulators.okta.store import OktaStore
from simulators.okta.syslog import DEFAULT_MAX_EVENTS

# The same value as lifecycle.settings.SIM_OKTA_TOKEN (a test checks); simulators take their
# settings as arguments and do not import the product.
DEFAULT_API_TOKEN = "sim-okta-token"
# A second admin's token (an IT admin working in Okta while the service runs); the same as
# lifecycle.settings.SIM_OKTA_ADMIN_TOKEN. Its changes are logged with that admin as actor.
DEFAULT_ADMIN_TOKEN = "sim-okta-admin-token"


class OktaSimulator:
    def __init__(
        self,
        *,
        api_token: str = DEFAULT_API_TOKEN,
        admin_token: str | None = DEFAULT_ADMIN_TOKEN,
        org_domain: str = DEFAULT_ORG_DOMAIN,
        clock: SimClock | None = None,
        faults: FaultConfig | None = None,
        rate_limits: dict[str, int] | None = None,
        search_lag_seconds: float = 0.0,
        state_file: Path | None = None,
        org_url: str = "http://127.0.0.1",
        max_concurrency: int | None = None,
        behaviour: OktaBehaviour | None = None,
        max_logged_requests: int = 10_000,
        max_log_events: int = DEFAULT_MAX_EVENTS,
        hook_timeout_seconds: float = 3.0,
    ) -> None:
        self.clock = clock or SimClock()
        self.faults = FaultInjector(faults)
        self.store = OktaStore(
            self.clock,
            org_url=org_url,
            behaviour=behaviour,
            search_lag_seconds=search_lag_seconds,
            max_log_events=max_log_events,
        )
        self.system_log = self.store.system_log
        self.event_hooks = self.store.event_hooks
        self.hooks = HookDispatcher(
            self.event_hooks, self.clock, org_url, timeout=hook_timeout_seconds
        )
        self.system_log.listeners.append(self.hooks.on_event)
        self.limiter = RateLimiter(self.clock.time, rate_limits)
        self.concurrency = ConcurrencyLimiter(max_concurrency)
        self.recorder = Recorder(max_logged_requests)
        self.credentials = Credentials(api_token, admin_token, domain=org_domain)
        self.persistence = StatePersistence(self.store, state_file) if state_file else None
        if self.persistence is not None:
            self.persistence.load()

        router = ApiRouter()
        for part in (
            user_routes(self.store),
            group_routes(self.store),
            schema_routes(self.store),
            log_routes(self.system_log, self.clock),
            event_hook_routes(self.event_hooks, self.hooks),
        ):
            router.include(part)
        self.api = OktaApi(
            router,
            self.credentials,
            self.limiter,
            self.concurrency,
            self.recorder,
            lambda: self.store.behaviour,
            self.clock,
        )
        self.admin = Starlette(routes=admin_routes(self), lifespan=self._lifespan)
        self.app = FaultMiddleware(
            self._dispatch,
            self.faults,
            fault_responses.burst_responder(self.clock, self.limiter),
            fault_responses.error_responder(self.limiter),
            self.clock,
        )

    # OAuth access tokens (from a future token endpoint, or set by tests) the API accepts.
    @property
    def accepted_bearer_tokens(self) -> set[str]:
        return self.credentials.accepted_bearer_tokens

    def actors(self) -> dict[str, dict[str, Any]]:
        """The actors of the tokens (service, admin, default OAuth app); no secrets."""
        return self.credentials.actors()

    async def _dispatch(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await self.api(scope, receive, send)
        else:
            await self.admin(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.persistence is not None:
            self.persistence.start()
        try:
            yield
        finally:
            await self.hooks.aclose()
            if self.persistence is not None:
                await self.persistence.stop()

    def reset(self) -> None:
        """Empty org, zeroed counters, cleared request log and rate-limit windows.

        Configuration (faults, limits, clock, behaviour, search lag) is kept.
        """
        self.store.reset()
        self.hooks.reset_counters()
        self.recorder.reset_stats()
        self.recorder.clear_requests()
        self.limiter.reset()

    def stats(self) -> dict[str, Any]:
        return {
            **self.recorder.stats(),
            "store_write_count": self.store.write_count,
            "memberships_at_create": self.store.memberships_at_create,
            "users": self.store.user_count(),
            "faults": dict(self.faults.counters),
            "concurrency_peak": self.concurrency.peak,
            "log_events": len(self.system_log),
            "event_hooks": self.hooks.stats(),
        }

    def save_state(self) -> bool:
        """Write the state file now (when one is configured)."""
        return self.persistence.save(force=True) if self.persistence else False
