"""Activities for changes made in Okta by someone else (lifecycle/tamper.py).

`deliver_okta_events` is the one path both sources take (the event hook receiver's
workflow, and `poll_okta_log` for the System Log): drop what this service did itself, drop
what the policy does not manage, find the employee behind each account (the identity
attribute on the Okta user), and signal `okta_changed` to that employee's workflow, which
judges and acts. An account without the identity attribute is looked up in the audit store
(the employee whose account it was when we last wrote to it): clearing the attribute by hand
must not hide a reactivation. An account we never wrote to is nobody's lifecycle: ignored.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from typing import Any

from temporalio import activity
from temporalio.client import Client

from activities.okta.errors import temporal_errors, to_application_error
from activities.signal_with_start import signal_okta_changed
from contracts.activities import (
    Activity,
    DeliverOktaEventsInput,
    DeliverOktaEventsResult,
    PollOktaLogInput,
    PollOktaLogResult,
)
from contracts.employee import OktaChanged
from integrations.audit import AuditStore
from integrations.okta import OktaClient
from integrations.okta.auth import PrivateKeyJwtAuth
from integrations.okta.errors import OktaError
from integrations.okta.events import (
    OktaEventError,
    parse_log_event,
    published_of,
    watched_filter,
)
from lifecycle.policy import PolicyConfig
from lifecycle.tamper import OktaEvent, concerns_us, made_by_us


class OktaEventActivities:
    def __init__(
        self,
        *,
        temporal: Client,
        task_queue: str,
        okta: OktaClient,
        audit: AuditStore,
        policy: PolicyConfig,
        own_actor_ids: list[str] | None = None,
    ) -> None:
        self.temporal = temporal
        self.task_queue = task_queue
        self.okta = okta
        self.audit = audit
        self.policy = policy
        self._configured = list(own_actor_ids or [])
        self._own: frozenset[str] | None = None
        self._lock = asyncio.Lock()

    def all(self) -> list[Any]:
        return [self.deliver_okta_events, self.poll_okta_log]

    async def own_actor_ids(self) -> frozenset[str]:
        """Who "we" are in Okta's events: the API token's user, or the service app's client
        id, plus any configured. Asked once per worker; a failure raises (the activity
        retries) rather than guessing, or our own writes would be reported as tampering."""
        async with self._lock:
            if self._own is None:
                ids = set(self._configured)
                auth = self.okta.auth
                if isinstance(auth, PrivateKeyJwtAuth):
                    ids.add(auth.client_id)
                else:
                    with temporal_errors(self.okta.governor.now):
                        me = await self.okta.get_me()
                    if me.get("id"):
                        ids.add(str(me["id"]))
                self._own = frozenset(ids)
            return self._own

    @activity.defn(name=Activity.DELIVER_OKTA_EVENTS)
    async def deliver_okta_events(self, input: DeliverOktaEventsInput) -> DeliverOktaEventsResult:
        return await self._deliver(input.events)

    @activity.defn(name=Activity.POLL_OKTA_LOG)
    async def poll_okta_log(self, input: PollOktaLogInput) -> PollOktaLogResult:
        since = input.since.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        with temporal_errors(self.okta.governor.now):
            raw, pages = await self.okta.read_log(
                since, watched_filter(), max_pages=input.max_pages
            )
        events: list[OktaEvent] = []
        for item in raw:
            try:
                event = parse_log_event(item)
            except OktaEventError as exc:
                activity.logger.warning("System Log event skipped: %s", exc)
                continue
            if event is not None:
                events.append(event)
        # Every event read moves the cursor, watched or not, readable or not: a window full
        # of other events must not be read again on every run.
        latest = max(filter(None, (published_of(item) for item in raw)), default=None)
        delivered = await self._deliver(events)
        return PollOktaLogResult(latest=latest, pages=pages, read=len(raw), delivered=delivered)

    async def _deliver(self, events: list[OktaEvent]) -> DeliverOktaEventsResult:
        result = DeliverOktaEventsResult()
        if not events:
            return result
        own = await self.own_actor_ids()
        theirs = []
        for event in events:
            if made_by_us(event, own):
                result.ours += 1
            elif concerns_us(event, self.policy.managed_groups, self.policy.okta_attributes):
                theirs.append(event)
            else:
                result.unmanaged += 1
        by_user: dict[str, list[OktaEvent]] = defaultdict(list)
        for event in theirs:
            by_user[event.user_id].append(event)
        for user_id, user_events in by_user.items():
            # One account that cannot be read or signalled must not hold up the others (nor,
            # for the System Log, the cursor): it is named in the log and counted.
            try:
                employees = await self._employees_of(user_id)
            except OktaError as err:
                if type(err).retryable:
                    raise to_application_error(err, self.okta.governor.now()) from None
                activity.logger.warning("Okta account %s cannot be read: %s", user_id, err)
                result.unreadable += len(user_events)
                continue
            if not employees:
                result.unmanaged += len(user_events)
                continue
            for employee_id in employees:
                await signal_okta_changed(
                    self.temporal,
                    self.task_queue,
                    OktaChanged(employee_id=employee_id, events=user_events),
                )
                result.signalled[employee_id] = result.signalled.get(employee_id, 0) + len(
                    user_events
                )
                activity.heartbeat(employee_id)
        return result

    async def _employees_of(self, user_id: str) -> list[str]:
        """The employee(s) an Okta account belongs to. The audit store's record of our own
        writes comes first: the account's id never changes, while its identity attribute is
        a profile field any admin can blank or point at someone else. When the two disagree,
        both employees hear of it (each workflow sees the account is not, or not only, its
        own)."""
        known = await self.audit.aemployee_for_target(user_id)
        user = await self.okta.get_user(user_id)
        claimed = (
            _employee_id(user.profile.get(self.policy.identity.okta_id_attribute)) if user else None
        )
        return [e for e in dict.fromkeys([known, claimed]) if e is not None]


_EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _employee_id(value: Any) -> str | None:
    """A BambooHR id as a workflow id may hold it; anything else (blank, 2 KB of text) is
    not an employee's."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text if _EMPLOYEE_ID.match(text) else None
