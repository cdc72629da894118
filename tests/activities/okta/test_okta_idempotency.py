"""Every write activity is idempotent: running it twice, or retrying it after Okta applied
the change but the answer was lost, ends in the same org state, with one account per
employee and one `success` audit record per change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from okta_activity_support import accounts_of, ensure_input, environment, org_state, person
from pydantic import BaseModel
from temporalio.exceptions import ApplicationError

from activities.okta import OktaActivities
from contracts.activities import (
    CustomAttribute,
    EnsureOktaSchemaInput,
    RevokeOktaSessionsInput,
    SetOktaStatusInput,
    SyncManagedGroupsInput,
    UpdateOktaProfileInput,
)
from integrations.audit import AuditEntry, AuditStore
from lifecycle.models import AccountStatus
from simulators.common.faults import FaultConfig
from simulators.okta import OktaSimulator


@dataclass
class Case:
    """One write activity: what to seed, how to call it, what must be true afterwards."""

    name: str
    methods: list[str]  # the HTTP methods whose answers get lost
    seed: Callable[[OktaSimulator], dict[str, Any]]
    call: Callable[[OktaActivities, dict[str, Any]], tuple[Any, BaseModel]]
    check: Callable[[OktaSimulator, dict[str, Any]], None]
    successes: list[tuple[str, str]]  # (action, target) recorded exactly once
    employee: str = "1"
    repeats: bool = False  # a new call writes again (revoking sessions: harmless, and wanted)


def _user(status: str, **extra: Any) -> Callable[[OktaSimulator], dict[str, Any]]:
    def seed(sim: OktaSimulator) -> dict[str, Any]:
        return sim.store.create_user(person(1, bambooHrId="1", **extra), status)

    return seed


def _status(sim: OktaSimulator, user: dict[str, Any]) -> str:
    found = sim.store.get_user(user["id"])
    assert found is not None
    return str(found["status"])


def _set(
    target: AccountStatus,
) -> Callable[[OktaActivities, dict[str, Any]], tuple[Any, BaseModel]]:
    def call(okta: OktaActivities, user: dict[str, Any]) -> tuple[Any, BaseModel]:
        return okta.set_okta_status, SetOktaStatusInput(
            employee_id="1", user_id=user["id"], target=target, send_activation_email=False
        )

    return call


def _groups_seed(sim: OktaSimulator) -> dict[str, Any]:
    user = sim.store.create_user(person(1), "ACTIVE")
    for name in ("Engineering", "VPN", "Sales"):
        sim.store.create_group(name)
    sim.store.add_member(sim.store.find_group("Sales")["id"], user["id"])  # type: ignore[index]
    return user


def _groups_of(sim: OktaSimulator, user: dict[str, Any]) -> list[str]:
    return sorted(g["profile"]["name"] for g in sim.store.user_groups(user["id"]))


CASES = [
    Case(
        "ensure_okta_user",
        ["POST"],
        lambda sim: {},
        lambda okta, _: (okta.ensure_okta_user, ensure_input(1)),
        lambda sim, _: [u["status"] for u in accounts_of(sim, "1")] == ["STAGED"] or _fail(),
        [("okta.user.create", "person1@example.test")],
    ),
    Case(
        "update_okta_profile",
        ["POST"],
        _user("ACTIVE", title="Engineer"),
        lambda okta, user: (
            okta.update_okta_profile,
            UpdateOktaProfileInput(
                employee_id="1", user_id=user["id"], profile={"title": "Lead", "division": "X"}
            ),
        ),
        lambda sim, user: (
            sim.store.get_user(user["id"])["profile"]["title"] == "Lead"  # type: ignore[index]
            or _fail()
        ),
        [("okta.profile.update", "{id}")],
    ),
    Case(
        "activate",
        ["POST"],
        _user("STAGED"),
        _set(AccountStatus.ACTIVE),
        lambda sim, user: _status(sim, user) == "PROVISIONED" or _fail(),
        [("okta.user.activate", "{id}")],
    ),
    Case(
        "unsuspend",
        ["POST"],
        _user("SUSPENDED"),
        _set(AccountStatus.ACTIVE),
        lambda sim, user: _status(sim, user) == "ACTIVE" or _fail(),
        [("okta.user.unsuspend", "{id}")],
    ),
    Case(
        "suspend",
        ["POST"],
        _user("ACTIVE"),
        _set(AccountStatus.SUSPENDED),
        lambda sim, user: _status(sim, user) == "SUSPENDED" or _fail(),
        [("okta.user.suspend", "{id}")],
    ),
    Case(
        "deactivate",
        ["POST"],
        _user("ACTIVE"),
        _set(AccountStatus.DEPROVISIONED),
        lambda sim, user: _status(sim, user) == "DEPROVISIONED" or _fail(),
        [("okta.user.deactivate", "{id}")],
    ),
    Case(
        "revoke_okta_sessions",
        ["DELETE"],
        _user("DEPROVISIONED"),
        lambda okta, user: (
            okta.revoke_okta_sessions,
            RevokeOktaSessionsInput(employee_id="1", user_id=user["id"]),
        ),
        lambda sim, user: sim.store.revocations(user["id"])["oauthTokens"] >= 1 or _fail(),
        [("okta.sessions.revoke", "{id}")],
        repeats=True,
    ),
    Case(
        "sync_managed_groups",
        ["PUT", "DELETE"],
        _groups_seed,
        lambda okta, user: (
            okta.sync_managed_groups,
            SyncManagedGroupsInput(
                employee_id="1",
                user_id=user["id"],
                desired=["Engineering", "VPN"],
                managed=["Engineering", "VPN", "Sales"],
            ),
        ),
        lambda sim, user: _groups_of(sim, user) == ["Engineering", "Everyone", "VPN"] or _fail(),
        [
            ("okta.group.add", "Engineering"),
            ("okta.group.add", "VPN"),
            ("okta.group.remove", "Sales"),
        ],
    ),
    Case(
        "ensure_okta_schema",
        ["POST"],
        lambda sim: {},
        lambda okta, _: (
            okta.ensure_okta_schema,
            EnsureOktaSchemaInput(attributes=[CustomAttribute(name="startDate", title="Start")]),
        ),
        lambda sim, _: "startDate" in sim.store.custom_attributes() or _fail(),
        [("okta.schema.add", "user-schema:default")],
        employee="system",
    ),
]


def _fail() -> bool:
    raise AssertionError("unexpected final state")


def successes(store: AuditStore, case: Case, user: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (r.action, r.target or "") for r in store.history(case.employee) if r.result == "success"
    )


def expected_successes(case: Case, user: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((a, t.format(id=user.get("id", ""))) for a, t in case.successes)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_running_twice_changes_nothing_more(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore, case: Case
) -> None:
    user = case.seed(sim)
    activity, request = case.call(okta, user)
    await environment(activity_id="1").run(activity, request)
    once = org_state(sim)
    writes = sim.stats()["writes"]

    await environment(activity_id="2").run(activity, request)

    assert org_state(sim) == once
    case.check(sim, user)
    calls = 2 if case.repeats else 1
    assert sim.stats()["writes"] == writes + (calls - 1)
    assert successes(store, case, user) == sorted(expected_successes(case, user) * calls)
    assert len(sim.store.list_users()) <= 1


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_retry_after_a_lost_answer_converges_once(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore, case: Case
) -> None:
    user = case.seed(sim)
    activity, request = case.call(okta, user)
    sim.faults.configure(FaultConfig(drop_after_apply_rate=1.0, methods=case.methods))

    with pytest.raises(ApplicationError) as lost:
        await environment(attempt=1).run(activity, request)
    assert lost.value.type == "OktaTransportError" and not lost.value.non_retryable
    assert sim.faults.counters["drop_after"] == 1  # Okta applied it; the answer was lost

    sim.faults.configure(FaultConfig())
    await environment(attempt=2).run(activity, request)

    case.check(sim, user)
    assert len(sim.store.list_users()) <= 1
    assert successes(store, case, user) == expected_successes(case, user)
    failed = [r for r in store.history(case.employee) if r.result == "failed"]
    assert len(failed) == 1 and "no answer" in (failed[0].error or "")


async def test_concurrent_ensure_calls_end_with_one_account(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    sim.store.search_lag_seconds = 120  # search does not see fresh users for two minutes
    results = await asyncio.gather(
        *(
            environment(activity_id=str(n)).run(okta.ensure_okta_user, ensure_input(1))
            for n in range(4)
        )
    )
    [account] = accounts_of(sim, "1")
    assert {r.account.user_id for r in results if r.account} == {account["id"]}
    assert sum(r.created for r in results) == 1
    assert all(r.created or r.adopted for r in results)


async def test_search_lag_never_causes_a_duplicate(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    sim.store.search_lag_seconds = 600
    sim.faults.configure(FaultConfig(drop_after_apply_rate=1.0, methods=["POST"]))
    for n in range(1, 6):
        with pytest.raises(ApplicationError):
            await environment(attempt=1, activity_id=str(n)).run(
                okta.ensure_okta_user, ensure_input(n)
            )
    sim.faults.configure(FaultConfig())
    results = await asyncio.gather(
        *(
            environment(attempt=2, activity_id=str(n)).run(okta.ensure_okta_user, ensure_input(n))
            for n in range(1, 6)
        ),
        *(
            environment(attempt=1, activity_id=f"again-{n}").run(
                okta.ensure_okta_user, ensure_input(n)
            )
            for n in range(1, 6)
        ),
    )
    assert all(r.adopted and not r.created for r in results)
    assert sim.store.user_count() == 5
    for n in range(1, 6):
        assert len(accounts_of(sim, str(n))) == 1


class WorkerDied(BaseException):
    """kill -9 as an activity sees it: nothing after this point runs, no handler catches it."""


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_retry_after_the_worker_died_before_auditing_records_the_write_once(
    okta: OktaActivities,
    sim: OktaSimulator,
    store: AuditStore,
    case: Case,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = case.seed(sim)
    activity, request = case.call(okta, user)
    record = store.arecord

    async def die_on_first_success(entry: AuditEntry) -> int:
        if entry.result == "success":
            monkeypatch.setattr(store, "arecord", record)
            raise WorkerDied  # Okta applied the write; its audit record was never written
        return await record(entry)

    monkeypatch.setattr(store, "arecord", die_on_first_success)
    with pytest.raises(WorkerDied):
        await environment(attempt=1).run(activity, request)
    assert store.arecord == record, "the activity made no write"
    assert [r for r in store.history(case.employee) if r.result != "planned"] == []

    await environment(attempt=2).run(activity, request)  # Temporal's retry, on any worker

    case.check(sim, user)
    assert len(sim.store.list_users()) <= 1
    assert successes(store, case, user) == expected_successes(case, user)
    history = store.history(case.employee)
    recovered = [r for r in history if (r.detail or {}).get("completed_on_retry")]
    assert len(recovered) == (0 if case.repeats else 1)  # a repeated call records itself
