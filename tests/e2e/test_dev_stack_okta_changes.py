"""On `make dev`'s stack: hand-made changes in the simulated Okta (the second admin's token,
as a person in the Okta console would) reach the lifecycles through the registered event
hook. A leaver reactivated by hand is deactivated again and security is alerted; a managed
group added by hand is removed; an unmanaged one is left alone; the service's own writes
never come back as tampering; a forged hook secret is refused."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from lifecycle_harness import NotificationInbox
from temporalio.client import Client
from test_dev_stack import dev_env, start, stop, wait_until_up

from contracts.activities import DeliverOktaEventsResult
from integrations.serving import port_for_child
from lifecycle.settings import (
    SIM_BAMBOOHR_KEY,
    SIM_OKTA_ADMIN_TOKEN,
    SIM_OKTA_HOOK_SECRET,
    SIM_OKTA_TOKEN,
)
from simulators.bamboohr.admin_client import BambooHRAdminClient
from workers.connect import data_converter

UNMANAGED = "Okta Administrators"


class DevStack:
    def __init__(
        self, ports: dict[str, int], env: dict[str, str], cwd: Path, inbox: NotificationInbox
    ) -> None:
        self.ports, self.env, self.cwd, self.inbox = ports, env, cwd, inbox
        self.okta_url = f"http://127.0.0.1:{ports['okta']}"

    def tamper_alerts(self, employee: str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.inbox.messages
            if m.get("event") == "okta_tampered"
            and (m.get("data") or {}).get("employee_id") == employee
        ]

    def okta(self, method: str, path: str, *, admin: bool = False) -> httpx.Response:
        token = SIM_OKTA_ADMIN_TOKEN if admin else SIM_OKTA_TOKEN
        answer = httpx.request(
            method,
            self.okta_url + path,
            headers={"Authorization": f"SSWS {token}", "Accept": "application/json"},
            timeout=15,
        )
        assert answer.status_code < 300, answer.text
        return answer

    def user(self, user_id: str) -> dict[str, Any]:
        return self.okta("GET", f"/api/v1/users/{user_id}").json()

    def groups(self, user_id: str) -> set[str]:
        listed = self.okta("GET", f"/api/v1/users/{user_id}/groups").json()
        return {g["profile"]["name"] for g in listed}

    def group_id(self, name: str) -> str:
        found = self.okta("GET", f'/api/v1/groups?search=profile.name eq "{name}"').json()
        assert len(found) == 1, found
        return found[0]["id"]

    def audit(self, employee: str) -> list[dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, "-m", "starters.cli", "audit", employee, "--json"],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    async def deliveries(self) -> list[DeliverOktaEventsResult]:
        client = await Client.connect(
            f"127.0.0.1:{self.ports['temporal']}", data_converter=data_converter()
        )
        results = []
        async for execution in client.list_workflows('WorkflowType = "OktaEventDelivery"'):
            handle = client.get_workflow_handle(execution.id, result_type=DeliverOktaEventsResult)
            results.append(await handle.result())
        return results


def until(check: Callable[[], Any], what: str, within: float = 90) -> Any:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"{what} not reached in {within}s (last: {last!r})")


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DevStack]:
    ports = {
        name: port_for_child()
        for name in ("temporal", "ui", "okta", "bamboohr", "webhook", "okta_hooks", "codec")
    }
    env = {**dev_env(tmp_path, ports), "TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}"}
    env["LIFECYCLE_AUDIT_URL"] = f"sqlite:///{tmp_path / '.data' / 'audit.db'}"
    inbox = NotificationInbox()  # security's channel: the JSON webhook sink
    with inbox.server:
        env["LIFECYCLE_NOTIFY_SINKS"] = "log,webhook"
        env["LIFECYCLE_NOTIFY_WEBHOOK_URL"] = inbox.url
        log = tmp_path / "dev.log"
        proc = start(env, log)
        try:
            wait_until_up(proc, log)
            yield DevStack(ports, env, tmp_path, inbox)
        finally:
            assert stop(proc) == 0


def an_adopted_employee(dev: DevStack) -> tuple[str, dict[str, Any]]:
    """An active employee whose account the first reconciliation linked (bambooHrId set)."""

    def find() -> tuple[str, dict[str, Any]] | None:
        users = dev.okta("GET", "/api/v1/users?limit=200").json()
        for user in users:
            employee = user["profile"].get("bambooHrId")
            if (
                employee
                and user["status"] == "ACTIVE"
                and not dev.groups(user["id"])
                & {
                    UNMANAGED,
                    "IT Break Glass",
                }
            ):
                return employee, user
        return None

    return until(find, "an adopted active employee")


def test_hand_made_okta_changes_on_the_dev_stack(dev: DevStack) -> None:
    hooks = httpx.get(f"{dev.okta_url}/_sim/event-hooks", timeout=10).json()
    registered = hooks["hooks"] if isinstance(hooks, dict) else hooks
    assert [h["verificationStatus"] for h in registered] == ["VERIFIED"]

    employee, user = an_adopted_employee(dev)
    with BambooHRAdminClient(f"http://127.0.0.1:{dev.ports['bamboohr']}", SIM_BAMBOOHR_KEY) as hr:
        # Dated yesterday: today's date where this test runs may still be tomorrow in the
        # employee's zone (a US zone before 08:00 UTC), and the termination would wait for it.
        hr.terminate(employee, date.today() - timedelta(days=1), termination_type="Involuntary")
    until(lambda: dev.user(user["id"])["status"] == "DEPROVISIONED", "terminated")

    # An admin reactivates the leaver in the console: deactivated again, security alerted.
    dev.okta("POST", f"/api/v1/users/{user['id']}/lifecycle/activate?sendEmail=false", admin=True)
    assert dev.user(user["id"])["status"] != "DEPROVISIONED"
    until(lambda: dev.user(user["id"])["status"] == "DEPROVISIONED", "reverted")
    alerts = until(lambda: dev.tamper_alerts(employee), "security alerted")
    assert "IT Admin (it.admin@acme.example) activated the account" in alerts[0]["text"]

    # The org's own group: left alone. Then a managed group: removed.
    dev.okta("PUT", f"/api/v1/groups/{dev.group_id(UNMANAGED)}/users/{user['id']}", admin=True)
    until(
        lambda: any(r.unmanaged for r in asyncio.run(dev.deliveries())),
        "the unmanaged change delivered and set aside",
    )
    github = dev.group_id("GitHub Users")
    dev.okta("PUT", f"/api/v1/groups/{github}/users/{user['id']}", admin=True)
    assert "GitHub Users" in dev.groups(user["id"])
    until(lambda: "GitHub Users" not in dev.groups(user["id"]), "managed group removed")
    assert UNMANAGED in dev.groups(user["id"])

    judged = [r for r in dev.audit(employee) if r["action"] == "okta_changed_elsewhere"]
    assert [(r["detail"]["actor"], r["detail"]["change"]) for r in judged] == [
        ("IT Admin (it.admin@acme.example)", "activated the account"),
        ("IT Admin (it.admin@acme.example)", "added the account to group GitHub Users"),
    ]
    # The service's own writes (the deactivations, the group removal) came back as events
    # and were set aside as ours: no loop, nothing else judged.
    assert sum(r.ours for r in asyncio.run(dev.deliveries())) >= 3
    # One alert per hand-made change, none for the service's own writes.
    assert len(dev.tamper_alerts(employee)) == 2

    forged = httpx.post(
        f"http://127.0.0.1:{dev.ports['okta_hooks']}/hooks/okta",
        json={"eventId": "x", "data": {"events": []}},
        headers={"Authorization": "guess"},
        timeout=10,
    )
    assert forged.status_code == 401
    verified = httpx.get(
        f"http://127.0.0.1:{dev.ports['okta_hooks']}/hooks/okta",
        headers={"Authorization": SIM_OKTA_HOOK_SECRET, "X-Okta-Verification-Challenge": "c1"},
        timeout=10,
    )
    assert verified.json() == {"verification": "c1"}
