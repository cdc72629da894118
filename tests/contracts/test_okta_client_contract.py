"""Every request the Okta client (and the Okta activities) send follows the official spec.

Each client method, and each activity, runs against the simulator; then every request in
the simulator's log (method, path, query, body) is validated with openapi-core against
the trimmed spec `okta-openapi.trimmed.yaml`. A request to an operation the spec (as
trimmed by `okta-operations.txt`) does not list fails the test too.
"""

from __future__ import annotations

import asyncio
import json
import re
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from temporalio.testing import ActivityEnvironment
from werkzeug.datastructures import Headers, ImmutableMultiDict

from activities.okta import OktaActivities
from contracts.activities import (
    CustomAttribute,
    EnsureOktaSchemaInput,
    EnsureOktaUserInput,
    FindOktaUserInput,
    RevokeOktaSessionsInput,
    SetOktaStatusInput,
    SyncManagedGroupsInput,
    UpdateOktaProfileInput,
)
from integrations.okta import OktaClient, RateLimitGovernor, SchemaAttribute, SswsAuth
from integrations.okta.expressions import profile_eq
from integrations.serving import ThreadedServer
from lifecycle.models import AccountStatus
from lifecycle.settings import SIM_OKTA_TOKEN, Mode
from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator

SPEC_PATH = Path(__file__).resolve().parent / "okta-openapi.trimmed.yaml"
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


class LoggedRequest:
    """openapi-core's Request protocol over one entry of the simulator's request log."""

    host_url = "https://subdomain.okta.com"  # the spec's server is https://{yourOktaDomain}

    def __init__(self, entry: dict[str, Any]) -> None:
        self.method = entry["method"].lower()
        self.path = entry["path"]
        self.full_url_pattern = self.host_url + self.path
        headers = {"Authorization": "SSWS redacted", **entry.get("headers", {})}
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(entry.get("query", ""), keep_blank_values=True)),
            header=Headers(list(headers.items())),
            cookie=ImmutableMultiDict(),
        )
        body = entry.get("body")
        self.body = None if body is None else json.dumps(body).encode()
        self.content_type = entry.get("headers", {}).get("content-type", "")


class Spec:
    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.openapi = OpenAPI.from_file_path(str(path))
        raw = yaml.safe_load(path.read_text())
        self.operations = [
            (method.upper(), re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"), op)
            for template, item in raw["paths"].items()
            for method, op in item.items()
            if method in {"get", "post", "put", "delete", "patch"}
        ]

    def operation(self, method: str, path: str) -> str | None:
        for op_method, pattern, op in self.operations:
            if op_method == method and pattern.match(path):
                return str(op["operationId"])
        return None

    def validate(self, entry: dict[str, Any]) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the oauth2 scheme is not evaluated
            self.openapi.validate_request(LoggedRequest(entry))


def sleeping_on(clock: SimClock) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        clock.advance(max(0.0, seconds))
        await asyncio.sleep(0)

    return sleep


@pytest.fixture
def clock() -> SimClock:
    clock = SimClock()
    clock.freeze(START)
    return clock


@pytest.fixture
def sim(clock: SimClock) -> OktaSimulator:
    sim = OktaSimulator(clock=clock)
    sim.store.add_schema_attribute("bambooHrId", title="BambooHR id")
    return sim


@pytest.fixture
def server(sim: OktaSimulator) -> Iterator[ThreadedServer]:
    with ThreadedServer(sim.app, name="okta-contract") as running:
        yield running


@pytest.fixture
async def client(server: ThreadedServer, clock: SimClock) -> AsyncIterator[OktaClient]:
    governor = RateLimitGovernor(clock=clock.time, sleep=sleeping_on(clock))
    okta = OktaClient(server.url, SswsAuth(SIM_OKTA_TOKEN), governor)
    try:
        yield okta
    finally:
        await okta.aclose()


def person(n: int | str, **extra: Any) -> dict[str, Any]:
    login = f"contract{n}@example.test"
    return {"login": login, "email": login, "firstName": f"F{n}", "lastName": f"L{n}", **extra}


async def exercise_client(client: OktaClient, sim: OktaSimulator) -> None:
    for n in range(5):
        sim.store.create_user(person(f"seed{n}"), "ACTIVE")
    user = await client.create_user(person("a+b", bambooHrId="1", employeeNumber="E1"))
    other = await client.create_user(person("c/d"), activate=False)
    assert await client.get_user(user.id) is not None
    assert await client.get_user("Contracta+b@example.test") is not None
    assert await client.get_user("contractc/d@example.test") is not None
    assert await client.get_user("missing@example.test") is None
    await client.search_users(profile_eq("bambooHrId", "1"))
    await client.search_users(profile_eq("email", 'we"ird\\@example.test'))
    assert len([u async for u in client.list_users(limit=2)]) == 7
    [u async for u in client.list_users(filter='status eq "STAGED"')]
    [u async for u in client.list_users(q="contract", limit=5)]
    await client.update_profile(user.id, {"title": "Engineer", "employeeNumber": "E1"})
    await client.replace_profile(other.id, person("c/d", title="Analyst"))
    await client.activate(user.id, send_email=False)
    await client.activate(other.id, send_email=True)
    await client.reactivate(other.id, send_email=False)
    sim.store.complete_activation(user.id)
    await client.suspend(user.id)
    await client.unsuspend(user.id)
    await client.revoke_sessions(user.id, oauth_tokens=True)
    await client.revoke_sessions(other.id, oauth_tokens=False)
    group = sim.store.create_group("Engineering")
    sim.store.create_group("Sales")
    found = await client.find_group("Engineering")
    assert found is not None and found.id == group["id"]
    [g async for g in client.list_groups()]
    [g async for g in client.list_groups(q="Eng", limit=10)]
    [g async for g in client.list_groups(filter='type eq "OKTA_GROUP"')]
    await client.add_to_group(group["id"], user.id)
    await client.user_groups(user.id)
    await client.remove_from_group(group["id"], user.id)
    await client.get_user_schema()
    await client.add_custom_attributes(
        [
            SchemaAttribute(name="startDate", title="Start date", description="first day"),
            SchemaAttribute(name="isContractor", title="Contractor", type="boolean"),
        ]
    )
    await client.deactivate(user.id)


async def exercise_activities(client: OktaClient, sim: OktaSimulator) -> None:
    okta = OktaActivities(client, None, Mode.APPLY)
    env = ActivityEnvironment()
    sim.store.create_group("VPN")
    profile = person(9, bambooHrId="9", employeeNumber="E9", department="R&D")
    await env.run(
        okta.ensure_okta_schema,
        EnsureOktaSchemaInput(attributes=[CustomAttribute(name="costCode", title="Cost code")]),
    )
    ensured = await env.run(
        okta.ensure_okta_user,
        EnsureOktaUserInput(
            employee_id="9", employee_number="E9", login=profile["login"], profile=profile
        ),
    )
    assert ensured.account is not None
    user_id = ensured.account.user_id
    await env.run(
        okta.find_okta_user,
        FindOktaUserInput(
            employee_id="9", employee_number="E9", login=profile["login"], email=profile["email"]
        ),
    )
    await env.run(
        okta.update_okta_profile,
        UpdateOktaProfileInput(employee_id="9", user_id=user_id, profile={"title": "Lead"}),
    )
    await env.run(
        okta.sync_managed_groups,
        SyncManagedGroupsInput(employee_id="9", user_id=user_id, desired=["VPN"], managed=["VPN"]),
    )
    for target in (AccountStatus.ACTIVE, AccountStatus.DEPROVISIONED):
        await env.run(
            okta.set_okta_status,
            SetOktaStatusInput(employee_id="9", user_id=user_id, target=target),
        )
    await env.run(
        okta.revoke_okta_sessions, RevokeOktaSessionsInput(employee_id="9", user_id=user_id)
    )
    await env.run(
        okta.sync_managed_groups,
        SyncManagedGroupsInput(employee_id="9", user_id=user_id, desired=[], managed=["VPN"]),
    )


async def test_every_request_follows_the_spec(client: OktaClient, sim: OktaSimulator) -> None:
    spec = Spec()
    await exercise_client(client, sim)
    await exercise_activities(client, sim)

    log = sim.recorder.requests()
    assert len(log) > 50
    used: set[str] = set()
    for entry in log:
        where = f"{entry['method']} {entry['path']}?{entry['query']}"
        # 404 is the answer to "is there a user with this login?" when there is none.
        refused = entry["status"] >= 400 and not (
            entry["method"] == "GET" and entry["status"] == 404
        )
        assert not refused, f"the simulator refused {where}: {entry['status']}"
        operation = spec.operation(entry["method"], entry["path"])
        assert operation is not None, f"{where} is not an operation of the trimmed spec"
        used.add(operation)
        spec.validate(entry)  # raises with the spec's complaint

    assert used >= {
        "listUsers",
        "createUser",
        "getUser",
        "updateUser",
        "replaceUser",
        "listUserGroups",
        "activateUser",
        "deactivateUser",
        "suspendUser",
        "unsuspendUser",
        "reactivateUser",
        "revokeUserSessions",
        "listGroups",
        "assignUserToGroup",
        "unassignUserFromGroup",
        "getUserSchema",
        "updateUserProfile",
    }
    # What Okta needs beyond the schema: lifecycle POSTs without a body.
    lifecycle = [e for e in log if "/lifecycle/" in e["path"]]
    assert lifecycle and all(e["body"] is None for e in lifecycle)
    assert all("content-type" not in e["headers"] for e in lifecycle)
