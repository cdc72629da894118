"""`OktaClient`: the async Okta Management API client the activities use.

One shared httpx connection pool per client; every request goes through the process's
`RateLimitGovernor`; answers >= 400 become typed errors (`integrations.okta.errors`).

What the client retries by itself, and why that is safe:
- a 429 (the request was not applied): after the governor's wait until the reset;
- a 401 once, when the auth can do better (expired OAuth token, DPoP nonce);
- a 5xx or lost connection on a GET (reads change nothing).
Writes that fail otherwise raise, and the activity (idempotent, reading state first)
decides on the next attempt. User DELETE is deliberately missing: on a DEPROVISIONED user it
deletes the account for good, so a retried DELETE would destroy it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from integrations.okta.auth import OktaAuth, PrivateKeyJwtAuth, SswsAuth
from integrations.okta.errors import (
    OktaError,
    OktaNotFound,
    OktaRateLimited,
    OktaServerError,
    OktaTransportError,
    error_from_response,
)
from integrations.okta.expressions import eq
from integrations.okta.governor import RateLimitGovernor
from integrations.okta.models import (
    OKTA_GROUP,
    ActivationToken,
    OktaGroup,
    OktaUser,
    SchemaAttribute,
)
from integrations.okta.paging import next_link
from lifecycle.settings import Settings, SettingsError

log = logging.getLogger(__name__)

USER_AGENT = "bamboohr-okta-lifecycle/0.1"
MAX_PAGE = 200  # Okta's default and practical maximum for users
MAX_GROUP_MEMBERS_PAGE = 1000  # Okta's default page size for a group's members
_USER_RESOURCE = re.compile(r"^/api/v1/users/[^/?]+/?(\?.*)?$")


def segment(value: str) -> str:
    """One path segment, every reserved character encoded (`@` `+` `/` `?` `#` ...)."""
    return quote(value, safe="")


class OktaClient:
    def __init__(
        self,
        org_url: str,
        auth: OktaAuth,
        governor: RateLimitGovernor | None = None,
        *,
        max_concurrency: int = 20,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limit_retries: int = 2,
        read_retries: int = 2,
        read_retry_backoff: float = 0.5,
    ) -> None:
        self.org_url = org_url.rstrip("/")
        self.auth = auth
        self.governor = governor or RateLimitGovernor(max_concurrency=max_concurrency)
        self.rate_limit_retries = rate_limit_retries
        self.read_retries = read_retries
        self.read_retry_backoff = read_retry_backoff
        self._max_concurrency = max_concurrency
        self._gate: asyncio.Semaphore | None = None
        self._http = httpx.AsyncClient(
            base_url=self.org_url,
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"OktaClient({self.org_url!r}, auth={self.auth!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> OktaClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- transport ---------------------------------------------------------------------------
    async def _send(
        self,
        method: str,
        target: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        lifecycle: bool = False,
    ) -> httpx.Response:
        """One API call with the retries described in the module docstring."""
        method = method.upper()
        if method == "DELETE" and _USER_RESOURCE.match(target):
            raise RuntimeError("user DELETE is never sent: a retry would destroy the account")
        path = target.split("?", 1)[0]
        if self._gate is None:
            self._gate = asyncio.Semaphore(self._max_concurrency)
        rate_limited = reads = 0
        auth_retried = False
        while True:
            request = self._http.build_request(method, target, params=params, json=json)
            async with self._gate, self.governor.slot(method, path) as slot:
                await self.auth.authorize(request, self._http)
                try:
                    response = await self._http.send(request)
                except httpx.TransportError as exc:
                    slot.observe(0, {})
                    error: OktaError = OktaTransportError(
                        f"{method} {path}: no answer ({type(exc).__name__}: {exc})",
                        method=method,
                        path=path,
                    )
                else:
                    slot.observe(response.status_code, response.headers)
                    log.debug("okta %s %s -> %s", method, path, response.status_code)
                    if response.status_code < 400:
                        return response
                    if (
                        response.status_code == 401
                        and not auth_retried
                        and self.auth.retry_unauthorized(response)
                    ):
                        auth_retried = True
                        continue
                    error = error_from_response(
                        response,
                        method=method,
                        path=path,
                        lifecycle=lifecycle,
                        now=self.governor.now(),
                    )
            if isinstance(error, OktaRateLimited) and rate_limited < self.rate_limit_retries:
                rate_limited += 1  # not applied; the governor holds the retry until the reset
                continue
            if (
                method == "GET"
                and isinstance(error, OktaServerError | OktaTransportError)
                and reads < self.read_retries
            ):
                reads += 1
                await self.governor.sleep(self.read_retry_backoff * 2 ** (reads - 1))
                continue
            log.info("okta %s %s failed: %s", method, path, type(error).__name__)
            raise error

    async def _json(self, method: str, target: str, **kwargs: Any) -> Any:
        response = await self._send(method, target, **kwargs)
        return response.json() if response.content else None

    async def _paged(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of every page, following `Link: <...>; rel="next"`."""
        response = await self._send("GET", path, params=params)
        seen: set[str] = set()
        while True:
            items = response.json() if response.content else []
            for item in items or []:
                yield item
            target = next_link(response)
            if target is None or target in seen:
                return
            seen.add(target)
            response = await self._send("GET", target)

    # --- users -------------------------------------------------------------------------------
    async def get_user(self, id_or_login: str) -> OktaUser | None:
        """By id or login (strongly consistent, unlike search); None when there is none."""
        if "/" in id_or_login:
            # A "/" cannot travel safely in a path segment (servers decode %2F before routing);
            # the login filter reads the same consistent store, but compares case-sensitively,
            # so a login spelled in another case is looked up by (eventually consistent) search.
            async for user in self.list_users(filter=eq("profile.login", id_or_login), limit=2):
                return user
            wanted = id_or_login.lower()
            for user in await self.search_users(eq("profile.login", id_or_login)):
                if user.login.lower() == wanted:
                    return user
            return None
        try:
            data = await self._json("GET", f"/api/v1/users/{segment(id_or_login)}")
        except OktaNotFound:
            return None
        return OktaUser.from_api(data)

    async def list_users(
        self,
        search: str | None = None,
        filter: str | None = None,
        q: str | None = None,
        limit: int = MAX_PAGE,
    ) -> AsyncIterator[OktaUser]:
        params: dict[str, Any] = {"limit": max(1, min(limit, MAX_PAGE))}
        if search is not None:
            params["search"] = search
        if filter is not None:
            params["filter"] = filter
        if q is not None:
            params["q"] = q
        async for item in self._paged("/api/v1/users", params):
            yield OktaUser.from_api(item)

    async def search_users(self, expression: str) -> list[OktaUser]:
        """All users matching a `search` expression (every page; DEPROVISIONED included;
        eventually consistent: a user created a moment ago may be missing)."""
        return [user async for user in self.list_users(search=expression)]

    async def create_user(
        self,
        profile: Mapping[str, Any],
        activate: bool = False,
        group_ids: Sequence[str] | None = None,
    ) -> OktaUser:
        """`activate=False` creates a STAGED user and sends no e-mail."""
        body: dict[str, Any] = {"profile": dict(profile)}
        if group_ids:
            body["groupIds"] = list(group_ids)
        data = await self._json(
            "POST", "/api/v1/users", params={"activate": _bool(activate)}, json=body
        )
        return OktaUser.from_api(data)

    async def update_profile(self, user_id: str, profile: Mapping[str, Any]) -> OktaUser:
        """Partial update: only the attributes given change."""
        data = await self._json(
            "POST", f"/api/v1/users/{segment(user_id)}", json={"profile": dict(profile)}
        )
        return OktaUser.from_api(data)

    async def replace_profile(self, user_id: str, profile: Mapping[str, Any]) -> OktaUser:
        """Full replace: attributes not given are removed from the profile."""
        data = await self._json(
            "PUT", f"/api/v1/users/{segment(user_id)}", json={"profile": dict(profile)}
        )
        return OktaUser.from_api(data)

    async def _lifecycle(
        self, user_id: str, operation: str, params: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        # No body, and httpx sends `Content-Length: 0` for a POST without content.
        return await self._send(
            "POST",
            f"/api/v1/users/{segment(user_id)}/lifecycle/{operation}",
            params=params,
            lifecycle=True,
        )

    async def activate(self, user_id: str, send_email: bool) -> ActivationToken | None:
        """STAGED/DEPROVISIONED -> PROVISIONED (or ACTIVE with a password). Without the
        e-mail Okta answers the activation link: sensitive, never log or return it."""
        response = await self._lifecycle(user_id, "activate", {"sendEmail": _bool(send_email)})
        if not response.content:
            return None
        data = response.json()
        return ActivationToken.from_api(data) if isinstance(data, dict) and data else None

    async def reactivate(self, user_id: str, send_email: bool = False) -> None:
        await self._lifecycle(user_id, "reactivate", {"sendEmail": _bool(send_email)})

    async def deactivate(self, user_id: str) -> None:
        await self._lifecycle(user_id, "deactivate")

    async def suspend(self, user_id: str) -> None:
        await self._lifecycle(user_id, "suspend")

    async def unsuspend(self, user_id: str) -> None:
        await self._lifecycle(user_id, "unsuspend")

    async def revoke_sessions(self, user_id: str, oauth_tokens: bool = True) -> None:
        await self._send(
            "DELETE",
            f"/api/v1/users/{segment(user_id)}/sessions",
            params={"oauthTokens": _bool(oauth_tokens)},
        )

    async def user_groups(self, user_id: str) -> list[OktaGroup]:
        """Every group the user is in (the built-in Everyone group included)."""
        return [
            OktaGroup.from_api(item)
            async for item in self._paged(f"/api/v1/users/{segment(user_id)}/groups")
        ]

    # --- groups ------------------------------------------------------------------------------
    async def list_groups(
        self,
        search: str | None = None,
        filter: str | None = None,
        q: str | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[OktaGroup]:
        params: dict[str, Any] = {}
        if search is not None:
            params["search"] = search
        if filter is not None:
            params["filter"] = filter
        if q is not None:
            params["q"] = q
        if limit is not None:
            params["limit"] = limit
        async for item in self._paged("/api/v1/groups", params or None):
            yield OktaGroup.from_api(item)

    async def groups_named(self, name: str) -> list[OktaGroup]:
        """Every group called `name`, any type, case-insensitively (exact spelling first)."""
        found = [
            g
            async for g in self.list_groups(search=eq("profile.name", name))
            if g.name.lower() == name.lower()
        ]
        return sorted(found, key=lambda g: g.name != name)

    async def find_group(self, name: str) -> OktaGroup | None:
        """The OKTA_GROUP called `name` (unique regardless of case in Okta). Managed groups
        are OKTA_GROUPs; an imported APP_GROUP may carry the same name and is not it."""
        owned = [g for g in await self.groups_named(name) if g.type == OKTA_GROUP]
        return owned[0] if owned else None

    async def group_members(
        self, group_id: str, limit: int = MAX_GROUP_MEMBERS_PAGE
    ) -> AsyncIterator[OktaUser]:
        """Every member of a group, paged (`GET /api/v1/groups/{id}/users`): one listing per
        group tells the memberships of everyone, instead of one call per user."""
        path = f"/api/v1/groups/{segment(group_id)}/users"
        async for item in self._paged(path, {"limit": max(1, limit)}):
            yield OktaUser.from_api(item)

    async def add_to_group(self, group_id: str, user_id: str) -> None:
        await self._send("PUT", f"/api/v1/groups/{segment(group_id)}/users/{segment(user_id)}")

    async def remove_from_group(self, group_id: str, user_id: str) -> None:
        await self._send("DELETE", f"/api/v1/groups/{segment(group_id)}/users/{segment(user_id)}")

    # --- user schema -------------------------------------------------------------------------
    async def get_user_schema(self, schema_id: str = "default") -> dict[str, Any]:
        data = await self._json("GET", f"/api/v1/meta/schemas/user/{segment(schema_id)}")
        return data if isinstance(data, dict) else {}

    async def add_custom_attributes(
        self, attributes: Sequence[SchemaAttribute], schema_id: str = "default"
    ) -> dict[str, Any]:
        """Add (or redefine) custom profile attributes in one partial schema update."""
        body = {
            "definitions": {"custom": {"properties": {a.name: a.definition() for a in attributes}}}
        }
        data = await self._json(
            "POST", f"/api/v1/meta/schemas/user/{segment(schema_id)}", json=body
        )
        return data if isinstance(data, dict) else {}

    # --- who we are, the System Log, event hooks ----------------------------------------------
    async def get_me(self) -> dict[str, Any]:
        """The user the API token belongs to (`/users/me`); a service app has none."""
        data = await self._json("GET", "/api/v1/users/me")
        return data if isinstance(data, dict) else {}

    async def read_log(
        self, since: str, filter: str | None = None, *, limit: int = 1000, max_pages: int = 20
    ) -> tuple[list[dict[str, Any]], int]:
        """System Log events published from `since` on, oldest first: a polling query (no
        `until`), whose next link is always present; it is followed until a page comes back
        empty or `max_pages` were read. Returns (events, pages read)."""
        params: dict[str, Any] = {"since": since, "limit": limit, "sortOrder": "ASCENDING"}
        if filter:
            params["filter"] = filter
        response = await self._send("GET", "/api/v1/logs", params=params)
        events: list[dict[str, Any]] = []
        pages = 1
        seen: set[str] = set()
        while True:
            items = response.json() if response.content else []
            events += [item for item in items or [] if isinstance(item, dict)]
            target = next_link(response)
            if not items or target is None or target in seen or pages >= max_pages:
                return events, pages
            seen.add(target)
            response = await self._send("GET", target)
            pages += 1

    async def list_event_hooks(self) -> list[dict[str, Any]]:
        data = await self._json("GET", "/api/v1/eventHooks")
        return [hook for hook in data or [] if isinstance(hook, dict)]

    async def create_event_hook(self, hook: Mapping[str, Any]) -> dict[str, Any]:
        return await self._json("POST", "/api/v1/eventHooks", json=dict(hook))

    async def replace_event_hook(self, hook_id: str, hook: Mapping[str, Any]) -> dict[str, Any]:
        return await self._json("PUT", f"/api/v1/eventHooks/{segment(hook_id)}", json=dict(hook))

    async def event_hook_lifecycle(self, hook_id: str, operation: str) -> dict[str, Any]:
        """`activate`, `deactivate` or `verify` (Okta calls the hook's URL to verify it)."""
        return await self._json(
            "POST",
            f"/api/v1/eventHooks/{segment(hook_id)}/lifecycle/{segment(operation)}",
            lifecycle=True,
        )


def _bool(value: bool) -> str:
    return "true" if value else "false"


def build_okta_client(
    settings: Settings,
    governor: RateLimitGovernor | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    **client_options: Any,
) -> OktaClient:
    """The client the settings describe: the simulator on localhost when no org is set,
    SSWS with OKTA_API_TOKEN, or private_key_jwt (+DPoP) with OKTA_CLIENT_ID.
    `client_options` go to `OktaClient` (e.g. `read_retries`)."""
    org_url = settings.okta_org_url or f"http://127.0.0.1:{settings.lifecycle_sim_okta_port}"
    auth: OktaAuth
    if settings.okta_client_id is not None:
        if settings.okta_private_key_path is None:
            raise SettingsError(
                ["OKTA_PRIVATE_KEY_PATH: required with OKTA_CLIENT_ID (private_key_jwt)"]
            )
        try:
            auth = PrivateKeyJwtAuth.from_file(
                settings.okta_private_key_path,
                org_url=org_url,
                client_id=settings.okta_client_id,
                key_id=settings.okta_private_key_id,
                scopes=settings.okta_scopes,
            )
        except (OSError, ValueError) as exc:
            raise SettingsError(
                [f"OKTA_PRIVATE_KEY_PATH: cannot use the private key: {type(exc).__name__}"]
            ) from None
    else:
        token = settings.okta_token()
        if token is None:
            raise SettingsError(["OKTA_API_TOKEN: required when OKTA_ORG_URL is set"])
        auth = SswsAuth(token)
    return OktaClient(
        org_url,
        auth,
        governor
        or RateLimitGovernor(
            max_concurrency=settings.okta_max_concurrency,
            reserve_fraction=settings.okta_rate_limit_reserve,
        ),
        max_concurrency=settings.okta_max_concurrency,
        timeout=settings.okta_timeout_seconds,
        transport=transport,
        **client_options,
    )
