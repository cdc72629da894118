"""Event hooks: the registry behind `/api/v1/eventHooks`, their verification, and delivery
of System Log events to the hooks subscribed to them.

`EventHookRegistry` is plain data (kept in the store's state, secrets included, since the
state file is the simulated org's own). `HookDispatcher` talks HTTP:

- verify: `GET <uri>` with `X-Okta-Verification-Challenge`, the configured headers and the
  auth header; 3 s timeout, one retry; the answer must be 200 JSON `{"verification": <the
  challenge>}`.
- delivery: every recorded LogEvent whose type an ACTIVE + VERIFIED hook subscribes to is
  queued (the API answers first; delivery never delays it); a background task collects
  events for up to `batch_window` seconds or `batch_max` events and POSTs one body per hook
  (`data.events` = the batch); 3 s timeout, one retry after a timeout or a non-2xx answer,
  then the batch is dropped (logged and counted). The task starts on the first event and
  ends after `idle_exit` seconds without any, on whichever event loop serves the API.

Why `http://127.0.0.1` / `localhost` URIs are accepted (Okta requires https): local
development and tests run the receiver on the loopback interface without a certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from simulators.common.clock import SimClock
from simulators.okta.actors import stable_id
from simulators.okta.errors import OktaError, access_denied, not_found, validation_failed
from simulators.okta.syslog import EVENT_TYPES
from simulators.okta.timefmt import okta_time

log = logging.getLogger("simulators.okta.event_hooks")

# Event types a hook may subscribe to: those the simulator records, and a few more real
# hook-eligible ones (accepted, never fired here). Anything else: 400.
KNOWN_EVENT_TYPES = frozenset(
    {
        *EVENT_TYPES,
        "user.lifecycle.delete.initiated",
        "user.session.start",
        "user.account.lock",
        "group.lifecycle.create",
        "group.lifecycle.delete",
        "group.profile.update",
    }
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CHALLENGE_HEADER = "X-Okta-Verification-Challenge"


def _invalid(field: str, cause: str) -> OktaError:
    return validation_failed(field, cause)


def _check_uri(uri: Any) -> str:
    if not isinstance(uri, str) or not uri.strip():
        raise _invalid("channel", "channel.config.uri: The field cannot be left blank")
    parts = urlsplit(uri.strip())
    if parts.scheme == "https" and parts.hostname:
        return uri.strip()
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return uri.strip()  # local development only (see the module docstring)
    raise _invalid("channel", "channel.config.uri: The URI must use HTTPS")


def parse_hook(body: dict[str, Any]) -> dict[str, Any]:
    """The writable part of an EventHook body, checked (400 E0000001 otherwise)."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _invalid("name", "name: The field cannot be left blank")
    if len(name) > 255:
        raise _invalid("name", "name: The field cannot be longer than 255 characters")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise _invalid("description", "description: must be a string")
    events = body.get("events")
    if not isinstance(events, dict) or events.get("type") != "EVENT_TYPE":
        raise _invalid("events", "events.type: must be EVENT_TYPE")
    items = events.get("items")
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise _invalid("events", "events.items: at least one event type is required")
    unknown = sorted(set(items) - KNOWN_EVENT_TYPES)
    if unknown:
        raise _invalid(
            "events",
            *(f"events.items: '{t}' is not eligible for event hooks" for t in unknown),
        )
    channel = body.get("channel")
    if not isinstance(channel, dict) or channel.get("type") != "HTTP":
        raise _invalid("channel", "channel.type: must be HTTP")
    if channel.get("version") != "1.0.0":
        raise _invalid("channel", "channel.version: must be 1.0.0")
    config = channel.get("config")
    if not isinstance(config, dict):
        raise _invalid("channel", "channel.config: The field cannot be left blank")
    uri = _check_uri(config.get("uri"))
    headers = []
    for header in config.get("headers") or []:
        if header is None:
            continue
        if (
            not isinstance(header, dict)
            or not isinstance(header.get("key"), str)
            or not header["key"]
            or not isinstance(header.get("value"), str)
        ):
            raise _invalid("channel", "channel.config.headers: each needs a key and a value")
        headers.append({"key": header["key"], "value": header["value"]})
    auth = config.get("authScheme")
    auth_scheme = None
    if auth is not None:
        if (
            not isinstance(auth, dict)
            or auth.get("type") != "HEADER"
            or not isinstance(auth.get("key"), str)
            or not auth["key"]
        ):
            raise _invalid("channel", "channel.config.authScheme: type HEADER and a key needed")
        value = auth.get("value")
        if value is not None and not isinstance(value, str):
            raise _invalid("channel", "channel.config.authScheme.value: must be a string")
        auth_scheme = {"type": "HEADER", "key": auth["key"], "value": value}
    return {
        "name": name,
        "description": description,
        "events": {"type": "EVENT_TYPE", "items": list(dict.fromkeys(items))},
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {"uri": uri, "headers": headers, "authScheme": auth_scheme},
        },
    }


def hook_json(hook: dict[str, Any], base: str) -> dict[str, Any]:
    """A stored hook as the API shows it: the auth secret is never echoed."""
    out = copy.deepcopy(hook)
    config = out["channel"]["config"]
    config["method"] = "POST"
    if config.get("authScheme"):
        config["authScheme"] = {k: v for k, v in config["authScheme"].items() if k != "value"}
    else:
        config.pop("authScheme", None)
    self_url = f"{base}/api/v1/eventHooks/{hook['id']}"
    post = {"hints": {"allow": ["POST"]}}
    links: dict[str, Any] = {
        "self": {"href": self_url, "hints": {"allow": ["GET", "PUT", "DELETE"]}},
        "verify": {"href": f"{self_url}/lifecycle/verify", **post},
    }
    if hook["status"] == "ACTIVE":
        links["deactivate"] = {"href": f"{self_url}/lifecycle/deactivate", **post}
    else:
        links["activate"] = {"href": f"{self_url}/lifecycle/activate", **post}
    out["_links"] = links
    return out


class EventHookRegistry:
    def __init__(self, clock: SimClock, on_change: Callable[[], None] | None = None) -> None:
        self.clock = clock
        self._on_change = on_change or (lambda: None)
        self._lock = threading.RLock()
        self._hooks: dict[str, dict[str, Any]] = {}
        self._seq = 0

    def _now(self) -> str:
        return okta_time(self.clock.now())

    def _require(self, hook_id: str) -> dict[str, Any]:
        hook = self._hooks.get(hook_id)
        if hook is None:
            raise not_found(hook_id, "EventHook")
        return hook

    def create(self, body: dict[str, Any], created_by: str) -> dict[str, Any]:
        fields = parse_hook(body)
        with self._lock:
            self._seq += 1
            hook_id = stable_id("who", f"event-hook:{self._seq}:{secrets.token_hex(8)}")
            now = self._now()
            hook = {
                "id": hook_id,
                "status": "ACTIVE",
                "verificationStatus": "UNVERIFIED",
                "created": now,
                "createdBy": created_by,
                "lastUpdated": now,
                **fields,
            }
            self._hooks[hook_id] = hook
            self._on_change()
            return copy.deepcopy(hook)

    def get(self, hook_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._require(hook_id))

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._hooks.values()))

    def replace(self, hook_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT: name, description, events and channel; a changed channel (or secret) must be
        verified again. A body without the secret (as GET shows it) keeps the stored one."""
        fields = parse_hook(body)
        with self._lock:
            hook = self._require(hook_id)
            new_auth = fields["channel"]["config"]["authScheme"]
            old_auth = hook["channel"]["config"].get("authScheme")
            if new_auth and new_auth["value"] is None and old_auth:
                new_auth["value"] = old_auth.get("value")
            if fields["channel"] != hook["channel"]:
                hook["verificationStatus"] = "UNVERIFIED"
            hook.update(fields)
            hook["lastUpdated"] = self._now()
            self._on_change()
            return copy.deepcopy(hook)

    def set_status(self, hook_id: str, status: str) -> dict[str, Any]:
        with self._lock:
            hook = self._require(hook_id)
            if hook["status"] != status:
                hook["status"] = status
                hook["lastUpdated"] = self._now()
                self._on_change()
            return copy.deepcopy(hook)

    def mark_verified(self, hook_id: str) -> dict[str, Any]:
        with self._lock:
            hook = self._require(hook_id)
            if hook["verificationStatus"] != "VERIFIED":
                hook["verificationStatus"] = "VERIFIED"
                hook["lastUpdated"] = self._now()
                self._on_change()
            return copy.deepcopy(hook)

    def delete(self, hook_id: str) -> None:
        with self._lock:
            hook = self._require(hook_id)
            if hook["status"] != "INACTIVE":
                raise access_denied("Only an INACTIVE event hook can be deleted; deactivate it")
            del self._hooks[hook_id]
            self._on_change()

    def subscribers(self, event_type: str) -> list[str]:
        """Ids of the ACTIVE and VERIFIED hooks subscribed to `event_type`."""
        with self._lock:
            return [
                h["id"]
                for h in self._hooks.values()
                if h["status"] == "ACTIVE"
                and h["verificationStatus"] == "VERIFIED"
                and event_type in h["events"]["items"]
            ]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"seq": self._seq, "hooks": copy.deepcopy(list(self._hooks.values()))}

    def load(self, state: dict[str, Any] | None) -> None:
        with self._lock:
            self._hooks = {}
            if state:
                self._seq = max(self._seq, int(state.get("seq", 0)))
                for hook in copy.deepcopy(state.get("hooks", [])):
                    self._hooks[hook["id"]] = hook


def _request_headers(hook: dict[str, Any]) -> dict[str, str]:
    config = hook["channel"]["config"]
    headers = {h["key"]: h["value"] for h in config.get("headers") or []}
    auth = config.get("authScheme")
    if auth and auth.get("value") is not None:
        headers[auth["key"]] = auth["value"]
    return headers


class HookDispatcher:
    def __init__(
        self,
        registry: EventHookRegistry,
        clock: SimClock,
        org_url: str,
        *,
        timeout: float = 3.0,
        batch_window: float = 0.05,
        batch_max: int = 50,
        idle_exit: float = 5.0,
    ) -> None:
        self.registry = registry
        self.clock = clock
        self.org_url = org_url.rstrip("/")
        self.timeout = timeout
        self.batch_window = batch_window
        self.batch_max = batch_max
        self.idle_exit = idle_exit
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self.reset_counters()

    # --- counters --------------------------------------------------------------------------

    def reset_counters(self) -> None:
        with self._lock:
            self.counters = {
                "queued_events": 0,
                "delivered_requests": 0,
                "delivered_events": 0,
                "failed_requests": 0,
                "failed_events": 0,
                "retries": 0,
                "undeliverable_events": 0,
                "verifications": 0,
                "failed_verifications": 0,
            }
            self.by_hook: dict[str, dict[str, int]] = {}

    def _count(self, name: str, amount: int = 1, hook_id: str | None = None) -> None:
        with self._lock:
            self.counters[name] += amount
            if hook_id is not None:
                per = self.by_hook.setdefault(hook_id, {})
                per[name] = per.get(name, 0) + amount

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {**self.counters, "by_hook": copy.deepcopy(self.by_hook)}

    # --- verification ----------------------------------------------------------------------

    async def verify(self, hook_id: str) -> dict[str, Any]:
        hook = self.registry.get(hook_id)
        challenge = secrets.token_urlsafe(24)
        headers = {**_request_headers(hook), CHALLENGE_HEADER: challenge}
        uri = hook["channel"]["config"]["uri"]
        reason = "no answer"
        self._count("verifications", hook_id=hook_id)
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            for _attempt in range(2):  # one retry after a timeout or an error answer
                try:
                    response = await client.get(uri, headers=headers)
                except httpx.TimeoutException:
                    reason = f"no answer within {self.timeout:g} s"
                    continue
                except httpx.HTTPError as exc:
                    reason = f"could not connect ({type(exc).__name__})"
                    continue
                if response.status_code != 200:
                    reason = f"the endpoint answered HTTP {response.status_code}"
                    continue
                try:
                    answer = response.json()
                except ValueError:
                    reason = "the answer is not JSON"
                    continue
                if not isinstance(answer, dict) or answer.get("verification") != challenge:
                    reason = "the answer's verification value does not match the challenge"
                    continue
                return self.registry.mark_verified(hook_id)
        self._count("failed_verifications", hook_id=hook_id)
        log.warning("okta simulator: event hook %s failed verification: %s", hook_id, reason)
        raise OktaError(
            400,
            "E0000001",
            "Api validation failed: Verify EventHook",
            [f"Event hook verification failed for {uri}: {reason}"],
        )

    # --- delivery --------------------------------------------------------------------------

    def on_event(self, event: dict[str, Any]) -> None:
        """System Log listener: queue the event for each hook that wants it (never blocks)."""
        hook_ids = self.registry.subscribers(event["eventType"])
        if not hook_ids:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            target = self._loop
            if target is None or target.is_closed() or not target.is_running():
                self._count("undeliverable_events", len(hook_ids))
                log.warning("okta simulator: no event loop to deliver %s", event["eventType"])
                return
            target.call_soon_threadsafe(self._enqueue, hook_ids, event)
            return
        self._enqueue(hook_ids, event)

    def _enqueue(self, hook_ids: list[str], event: dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._queue is None:
            self._loop = loop
            self._queue = asyncio.Queue()
            self._worker = None
        for hook_id in hook_ids:
            self._queue.put_nowait((hook_id, event))
            self._count("queued_events", hook_id=hook_id)
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._run(self._queue), name="okta-event-hooks")

    async def _run(self, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                first = await asyncio.wait_for(queue.get(), self.idle_exit)
            except TimeoutError:
                if queue.empty():
                    return  # idle: the next event starts a new worker
                continue
            batch = [first]
            deadline = loop.time() + self.batch_window
            while len(batch) < self.batch_max:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), remaining))
                except TimeoutError:
                    break
            per_hook: dict[str, list[dict[str, Any]]] = {}
            for hook_id, event in batch:
                per_hook.setdefault(hook_id, []).append(event)
            for hook_id, events in per_hook.items():
                task = loop.create_task(self._deliver(hook_id, events))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    def body(self, hook_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "eventType": "com.okta.event_hook",
            "eventTypeVersion": "1.0",
            "cloudEventsVersion": "0.1",
            "source": f"{self.org_url}/api/v1/eventHooks/{hook_id}",
            "eventId": str(uuid.uuid4()),
            "eventTime": okta_time(self.clock.now()),
            "contentType": "application/json",
            "data": {"events": events},
        }

    async def _deliver(self, hook_id: str, events: list[dict[str, Any]]) -> None:
        try:
            hook = self.registry.get(hook_id)
        except OktaError:
            self._count("failed_events", len(events))
            return  # deleted meanwhile
        uri = hook["channel"]["config"]["uri"]
        headers = {"Content-Type": "application/json", **_request_headers(hook)}
        payload = self.body(hook_id, events)
        reason = ""
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                for attempt in range(2):
                    if attempt:
                        self._count("retries", hook_id=hook_id)
                    try:
                        response = await client.post(uri, json=payload, headers=headers)
                    except httpx.HTTPError as exc:
                        reason = type(exc).__name__
                        continue
                    if 200 <= response.status_code < 300:
                        self._count("delivered_requests", hook_id=hook_id)
                        self._count("delivered_events", len(events), hook_id=hook_id)
                        return
                    reason = f"HTTP {response.status_code}"
        except Exception as exc:  # never let a delivery problem escape the task
            reason = f"{type(exc).__name__}: {exc}"
        self._count("failed_requests", hook_id=hook_id)
        self._count("failed_events", len(events), hook_id=hook_id)
        log.warning(
            "okta simulator: event hook %s: delivery of %d event(s) to %s dropped after a "
            "retry (%s)",
            hook_id,
            len(events),
            uri,
            reason,
        )

    async def aclose(self) -> None:
        """Stop the worker and wait for deliveries in flight (lifespan shutdown)."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._worker
            self._worker = None
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
