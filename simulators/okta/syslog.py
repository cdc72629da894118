"""The System Log: a `LogEvent` for every change made through the API, as Okta records it.

The API layer sets `CURRENT_CALL` (who is calling, the request id) around each request;
the store calls `SystemLog.record(...)` after each change that really happened. Without a
current call (seeding, tests and the admin API using the store's Python API) nothing is
recorded: that is not Okta API traffic. No-op writes (re-adding a member, a profile update
that changes nothing) record nothing either, because the store does not call `record`.

Events are kept in memory, newest `max_events`, in order of recording; each has an internal
sequence number, which the opaque `after` cursor of `GET /api/v1/logs` encodes.
"""

from __future__ import annotations

import base64
import copy
import threading
import uuid
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from simulators.common.clock import SimClock
from simulators.okta.actors import Actor
from simulators.okta.timefmt import okta_time

DEFAULT_MAX_EVENTS = 100_000

Listener = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ApiCall:
    """The API request being served: what a LogEvent says about its origin."""

    actor: Actor
    request_id: str
    method: str
    path: str
    query: str = ""
    ip: str = "127.0.0.1"
    user_agent: str = ""


CURRENT_CALL: ContextVar[ApiCall | None] = ContextVar("okta_sim_current_call", default=None)

# eventType -> (displayMessage, legacyEventType or None)
EVENT_TYPES: dict[str, tuple[str, str | None]] = {
    "user.lifecycle.create": ("Create Okta user", "core.user.config.user_creation.success"),
    "user.lifecycle.activate": ("Activate Okta user", "core.user.config.user_activated"),
    "user.lifecycle.reactivate": ("Reactivate Okta user", None),
    "user.lifecycle.deactivate": ("Deactivate Okta user", "core.user.config.user_deactivated"),
    "user.lifecycle.suspend": ("Suspend Okta user", None),
    "user.lifecycle.unsuspend": ("Unsuspend Okta user", None),
    "user.account.update_profile": ("Update user profile for Okta", None),
    "user.account.update_password": ("Update password for user", None),
    "group.user_membership.add": (
        "Add user to group membership",
        "core.user_group_member.user_add",
    ),
    "group.user_membership.remove": (
        "Remove user from group membership",
        "core.user_group_member.user_remove",
    ),
}


def user_target(user: dict[str, Any]) -> dict[str, Any]:
    profile = user["profile"]
    name = " ".join(p for p in (profile.get("firstName"), profile.get("lastName")) if p)
    return {
        "id": user["id"],
        "type": "User",
        "alternateId": profile["login"],
        "displayName": name or profile["login"],
    }


def group_target(group: dict[str, Any]) -> dict[str, Any]:
    name = group["profile"]["name"]
    return {"id": group["id"], "type": "UserGroup", "alternateId": name, "displayName": name}


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"log:{seq}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> int | None:
    """The sequence number in an `after` cursor; None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    kind, _, number = raw.partition(":")
    return int(number) if kind == "log" and number.isdigit() else None


@dataclass
class _Entry:
    seq: int
    at: float  # epoch seconds of `published`, at millisecond precision
    event: dict[str, Any]


class SystemLog:
    def __init__(self, clock: SimClock, max_events: int = DEFAULT_MAX_EVENTS) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: deque[_Entry] = deque(maxlen=max_events)
        self._seq = 0
        self.listeners: list[Listener] = []

    # --- recording -------------------------------------------------------------------------

    def record(
        self,
        event_type: str,
        targets: list[dict[str, Any]],
        debug: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Record an event of the current API call (none outside one); return it."""
        call = CURRENT_CALL.get()
        if call is None:
            return None
        display, legacy = EVENT_TYPES[event_type]
        at = int(self.clock.time() * 1000) / 1000
        uri = call.path + (f"?{call.query}" if call.query else "")
        event: dict[str, Any] = {
            "uuid": str(uuid.uuid4()),
            "published": okta_time(datetime.fromtimestamp(at, tz=UTC)),
            "eventType": event_type,
            "version": "0",
            "severity": "INFO",
            "displayMessage": display,
            **({"legacyEventType": legacy} if legacy else {}),
            "actor": call.actor.log_json(),
            "client": {
                "userAgent": {
                    "rawUserAgent": call.user_agent or "UNKNOWN",
                    "os": "Unknown",
                    "browser": "UNKNOWN",
                },
                "zone": "null",
                "device": "Unknown",
                "ipAddress": call.ip,
            },
            "outcome": {"result": "SUCCESS"},
            "target": targets,
            "transaction": {
                "type": "WEB",
                "id": call.request_id,
                "detail": (
                    {"requestApiTokenId": call.actor.token_id} if call.actor.token_id else {}
                ),
            },
            "debugContext": {
                "debugData": {
                    "requestId": call.request_id,
                    "requestUri": call.path,
                    "url": uri,
                    **(debug or {}),
                }
            },
        }
        with self._lock:
            self._seq += 1
            self._entries.append(_Entry(self._seq, at, event))
        for listener in list(self.listeners):
            listener(copy.deepcopy(event))
        return copy.deepcopy(event)

    # --- reading ---------------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(e.event) for e in self._entries]

    def __len__(self) -> int:
        return len(self._entries)

    def query(
        self,
        *,
        since: float,
        until: float | None,
        predicate: Callable[[dict[str, Any]], bool] | None,
        limit: int,
        descending: bool,
        after: int | None,
        polling: bool,
    ) -> tuple[list[dict[str, Any]], int | None]:
        """One page and the sequence number for the next page's cursor (None: no next).

        A polling query (no `until`, ascending) always has a next cursor, even after an
        empty page, so a client can keep polling from it.
        """
        with self._lock:
            entries = list(self._entries)
            last_seq = self._seq
        ordered = reversed(entries) if descending else iter(entries)
        window: list[_Entry] = []
        for entry in ordered:
            if after is not None and (entry.seq >= after if descending else entry.seq <= after):
                continue
            if entry.at < since or (until is not None and entry.at >= until):
                continue
            if predicate is not None and not predicate(entry.event):
                continue
            window.append(entry)
            if len(window) > limit:
                break
        page = window[:limit]
        if polling:
            if page:
                next_seq: int | None = page[-1].seq
            else:  # nothing new: whatever comes next is after everything recorded so far
                next_seq = max(after or 0, last_seq)
        else:
            next_seq = page[-1].seq if len(window) > limit and page else None
        return [copy.deepcopy(e.event) for e in page], next_seq

    # --- state -----------------------------------------------------------------------------

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "seq": self._seq,
                "events": [[e.seq, e.at, copy.deepcopy(e.event)] for e in self._entries],
            }

    def load(self, state: dict[str, Any] | None) -> None:
        with self._lock:
            self._entries.clear()
            if not state:
                return
            self._seq = max(self._seq, int(state.get("seq", 0)))
            for seq, at, event in state.get("events", []):
                self._entries.append(_Entry(int(seq), float(at), event))
