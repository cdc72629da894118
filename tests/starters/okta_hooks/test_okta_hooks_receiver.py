"""The Okta event hook receiver, end to end: the simulated Okta delivers event hooks for
changes made through its API (with the caller as the actor), the receiver hands them to
Temporal, and the employee's workflow judges them. A second admin's token plays the human
in the Okta console."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from lifecycle_harness import LifecycleStack, lifecycle_stack
from lifecycle_people import onboarded
from pydantic import SecretStr
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from contracts.activities import DeliverOktaEventsResult
from contracts.employee import LifecycleState
from integrations.okta.events import parse_hook_delivery
from integrations.serving import free_port, start_in_loop
from lifecycle.settings import SIM_OKTA_ADMIN_TOKEN, SIM_OKTA_HOOK_SECRET
from starters.okta_hooks.app import PATH, create_okta_hooks_app, delivery_id
from starters.setup_cmd import register_okta_hook
from workflows.okta_events import delivery_workflow_id

UNMANAGED = "Okta Administrators"


@dataclass
class Hooks:
    """The stack, the receiver's URL, and every delivery body the receiver was sent."""

    stack: LifecycleStack
    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    async def admin(self, method: str, path: str) -> httpx.Response:
        """A hand-made change in the Okta console: the other admin's token."""
        async with httpx.AsyncClient(base_url=self.stack.settings.okta_org_url or "") as http:
            answer = await http.request(
                method,
                path,
                headers={
                    "Authorization": f"SSWS {SIM_OKTA_ADMIN_TOKEN}",
                    "Accept": "application/json",
                    "Content-Length": "0",
                },
            )
        assert answer.status_code < 300, answer.text
        return answer

    async def add_member(self, user_id: str, group: str) -> None:
        found = self.stack.okta.store.find_group(group)
        assert found is not None
        await self.admin("PUT", f"/api/v1/groups/{found['id']}/users/{user_id}")

    async def deliveries_about_after(
        self,
        user_id: str,
        start: int,
        until: Callable[[list[DeliverOktaEventsResult]], bool] = bool,
        within: float = 30,
    ) -> list[DeliverOktaEventsResult]:
        """The delivery workflows' results (each awaited) of the deliveries since the
        `start`-th that name this user, once `until` holds for them."""
        deadline = time.monotonic() + within
        results: list[DeliverOktaEventsResult] = []
        while time.monotonic() < deadline:
            mine = [b for b in self.bodies[start:] if user_id in json.dumps(b)]
            results = []
            for body in mine:
                workflow_id = delivery_workflow_id(delivery_id(body, parse_hook_delivery(body)[0]))
                handle = self.stack.client.get_workflow_handle(
                    workflow_id, result_type=DeliverOktaEventsResult
                )
                results.append(await handle.result())
            if until(results):
                return results
            await asyncio.sleep(0.1)
        raise AssertionError(f"deliveries about {user_id} within {within}s: {results}")


def _recording(app: Any, hooks: Hooks) -> Callable[..., Awaitable[None]]:
    """The receiver, with every POST body kept for the test (ASGI middleware)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await app(scope, receive, send)
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        with_body = False

        async def replay() -> dict[str, Any]:
            nonlocal with_body
            if not with_body:
                with_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def recording_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                hooks.statuses.append(message["status"])
                if message["status"] == 200:
                    hooks.bodies.append(json.loads(body))
            await send(message)

        await app(scope, replay, recording_send)

    return wrapped


@pytest.fixture
async def hooks(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> AsyncIterator[Hooks]:
    async with lifecycle_stack(time_skipping_env, tmp_path, task_queue) as stack:
        port = free_port()
        url = f"http://127.0.0.1:{port}{PATH}"
        hooks = Hooks(stack, url)
        app = create_okta_hooks_app(stack.settings, stack.client)
        stop = await start_in_loop(_recording(app, hooks), "127.0.0.1", port, "okta hooks")
        try:
            hook, _ = await register_okta_hook(
                stack.settings, "lifecycle (test)", url, SecretStr(SIM_OKTA_HOOK_SECRET)
            )
            assert hook["verificationStatus"] == "VERIFIED"
            yield hooks
        finally:
            await stop()


def tamper_alerts(stack: LifecycleStack, employee: str) -> list[dict[str, Any]]:
    return [
        m
        for m in stack.inbox.messages
        if m.get("event") == "okta_tampered"
        and (m.get("data") or {}).get("employee_id") == employee
    ]


async def test_a_leaver_reactivated_in_the_console_is_deactivated_again(hooks: Hooks) -> None:
    stack = hooks.stack
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)

    since = await stack.now()
    await hooks.admin("POST", f"/api/v1/users/{user['id']}/lifecycle/activate?sendEmail=false")
    await stack.wait_for_action(employee, "IT Admin", since)
    await stack.wait_for(
        employee,
        lambda s: s.okta_status == "DEPROVISIONED",
        what="deactivated again",
    )
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
    alerts = tamper_alerts(stack, employee)
    assert len(alerts) == 1
    assert "IT Admin (it.admin@acme.example) activated the account" in alerts[0]["text"]
    # Our own deactivation came back as an event too: never judged, so no second alert.
    await stack.settle(employee)
    assert len(tamper_alerts(stack, employee)) == 1


async def test_a_managed_group_added_to_a_leaver_is_removed_and_an_unmanaged_one_ignored(
    hooks: Hooks,
) -> None:
    stack = hooks.stack
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    settled = len(hooks.bodies)

    # First the org's own business: an unmanaged group. Nothing reaches the lifecycle.
    await hooks.add_member(user["id"], UNMANAGED)
    results = await hooks.deliveries_about_after(
        user["id"], settled, until=lambda rs: sum(r.unmanaged for r in rs) >= 1
    )
    assert all(employee not in r.signalled for r in results)
    assert not stack.audit.query(employee_id=employee, action="okta_changed_elsewhere")

    since = await stack.now()
    await hooks.add_member(user["id"], "GitHub Users")
    await stack.wait_for_action(employee, "managed groups synced", since)
    assert stack.group_names(user["id"]) == {UNMANAGED}
    records = stack.audit.query(employee_id=employee, action="okta_changed_elsewhere")
    assert [r.detail["change"] for r in records] == ["added the account to group GitHub Users"]


async def test_our_own_writes_never_come_back_as_tampering(hooks: Hooks) -> None:
    stack = hooks.stack
    employee, user = await onboarded(stack)  # create, groups, activate: all by the service
    results = await hooks.deliveries_about_after(
        user["id"], 0, until=lambda rs: sum(r.ours for r in rs) >= 3
    )
    assert all(not r.signalled for r in results)
    assert not stack.audit.query(employee_id=employee, action="okta_changed_elsewhere")


def suspension_by_hand(user: dict[str, Any], delivery: str) -> dict[str, Any]:
    """A delivery as Okta would post it: an admin suspended this account just now."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    event = {
        "uuid": str(uuid.uuid4()),
        "published": now,
        "eventType": "user.lifecycle.suspend",
        "version": "0",
        "severity": "INFO",
        "displayMessage": "Suspend Okta user",
        "actor": {"id": "00uforger", "type": "User", "alternateId": "x@evil.example"},
        "outcome": {"result": "SUCCESS"},
        "target": [{"id": user["id"], "type": "User", "alternateId": user["profile"]["login"]}],
    }
    return {"eventType": "com.okta.event_hook", "eventId": delivery, "data": {"events": [event]}}


async def delivery_started(hooks: Hooks, delivery: str) -> bool:
    handle = hooks.stack.client.get_workflow_handle(delivery_workflow_id(delivery))
    try:
        await handle.describe()
    except RPCError:
        return False
    return True


async def test_a_forged_secret_is_refused_and_starts_nothing(hooks: Hooks) -> None:
    _, user = await onboarded(hooks.stack)
    async with httpx.AsyncClient() as http:
        forged = await http.post(
            hooks.url,
            json=suspension_by_hand(user, "forged-1"),
            headers={"Authorization": "not-the-secret"},
        )
        # The same delivery with the secret starts its hand-over: the refusal above is what
        # kept the forged one out.
        genuine = await http.post(
            hooks.url,
            json=suspension_by_hand(user, "genuine-1"),
            headers={"Authorization": SIM_OKTA_HOOK_SECRET},
        )
        challenge = await http.get(
            hooks.url,
            headers={"Authorization": "nope", "X-Okta-Verification-Challenge": "abc"},
        )
        verified = await http.get(
            hooks.url,
            headers={
                "Authorization": SIM_OKTA_HOOK_SECRET,
                "X-Okta-Verification-Challenge": "abc",
            },
        )
    assert forged.status_code == 401 and forged.json()["error"] == "unauthorized"
    assert challenge.status_code == 401
    assert verified.json() == {"verification": "abc"}
    assert genuine.status_code == 200 and await delivery_started(hooks, "genuine-1")
    assert not await delivery_started(hooks, "forged-1")
    accepted = [b.get("eventId") for b in hooks.bodies]  # the simulator's own deliveries too
    assert "genuine-1" in accepted and "forged-1" not in accepted


async def test_an_unreadable_event_is_named_and_a_retried_delivery_starts_nothing(
    hooks: Hooks,
) -> None:
    stack = hooks.stack
    employee, user = await onboarded(stack)
    good = {
        "uuid": "okta-event-1",
        "published": (await stack.now()).isoformat(),
        "eventType": "group.user_membership.add",
        "actor": {"id": "00uother", "type": "User", "displayName": "Someone"},
        "outcome": {"result": "SUCCESS"},
        "target": [
            {"id": user["id"], "type": "User"},
            {"id": "00g1", "type": "UserGroup", "displayName": "GitHub Users"},
        ],
    }
    broken = {**good, "uuid": "okta-event-2", "actor": {}}
    body = {"eventId": "delivery-1", "data": {"events": [broken, good]}}
    headers = {"Authorization": SIM_OKTA_HOOK_SECRET}
    async with httpx.AsyncClient() as http:
        first = await http.post(hooks.url, json=body, headers=headers)
        retried = await http.post(hooks.url, json=body, headers=headers)
    assert first.status_code == 200
    assert first.json()["accepted"] == 1
    assert first.json()["skipped"] == [
        "data.events[0]: group.user_membership.add okta-event-2: actor.id is missing"
    ]
    assert retried.json()["accepted"] == 0  # already handed over: nothing started
    handle = stack.client.get_workflow_handle(
        delivery_workflow_id("delivery-1"), result_type=DeliverOktaEventsResult
    )
    assert (await handle.result()).signalled == {employee: 1}


async def test_clearing_the_identity_attribute_first_does_not_hide_a_reactivation(
    hooks: Hooks,
) -> None:
    # Red team: an admin blanks bambooHrId so the account looks like nobody's, then
    # reactivates the leaver. The audit store still knows whose account it is.
    stack = hooks.stack
    employee, user = await onboarded(stack)
    stack.okta.store.update_user(user["id"], {"bambooHrId": None})
    stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    assert not stack.okta_user(user["id"])["profile"].get("bambooHrId")  # type: ignore[index]

    since = await stack.now()
    await hooks.admin("POST", f"/api/v1/users/{user['id']}/lifecycle/activate?sendEmail=false")
    await stack.wait_for_action(employee, "IT Admin", since)
    await stack.wait_for(employee, lambda s: s.okta_status == "DEPROVISIONED", what="reverted")
    assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
    assert len(tamper_alerts(stack, employee)) == 1


async def test_an_old_event_replayed_with_the_secret_is_not_news(hooks: Hooks) -> None:
    # A captured delivery sent again later (the secret leaked to a proxy log): not judged.
    old = {
        "uuid": "okta-event-old",
        "published": "2026-01-01T00:00:00.000Z",
        "eventType": "user.lifecycle.activate",
        "actor": {"id": "00uother", "type": "User"},
        "target": [{"id": "00u1", "type": "User"}],
    }
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            hooks.url,
            json={"eventId": "replayed-1", "data": {"events": [old]}},
            headers={"Authorization": SIM_OKTA_HOOK_SECRET},
        )
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 0
    assert "a replay, not a new change" in answer.json()["skipped"][0]
