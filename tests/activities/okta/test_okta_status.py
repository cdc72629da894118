"""set_okta_status from every Okta status to every target, protected accounts, and a status
that moves between the activity's read and its write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from okta_activity_support import environment, person
from temporalio.exceptions import ApplicationError

from activities.okta import OktaActivities
from contracts.activities import SetOktaStatusInput
from integrations.audit import AuditStore
from integrations.okta import OktaClient
from integrations.okta.models import OktaGroup, OktaUser
from lifecycle.models import AccountStatus
from simulators.okta import OktaSimulator
from simulators.okta.lifecycle import STATUSES, Op

ACTIVATED = {"PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT"}
NOOP, NOT_APPLICABLE = "noop", "n/a"


def expected(status: str, target: AccountStatus) -> tuple[str, list[str]]:
    """(outcome, operations), written out independently of the activity's table."""
    if target is AccountStatus.ACTIVE:
        if status in ("STAGED", "DEPROVISIONED"):
            return "activated", ["activate"]
        if status == "SUSPENDED":
            return "ACTIVE", ["unsuspend"]
        return NOOP, []
    if target is AccountStatus.SUSPENDED:
        if status == "ACTIVE":
            return "SUSPENDED", ["suspend"]
        return (NOOP, []) if status == "SUSPENDED" else (NOT_APPLICABLE, [])
    if target is AccountStatus.DEPROVISIONED:
        return (NOOP, []) if status == "DEPROVISIONED" else ("DEPROVISIONED", ["deactivate"])
    return (NOOP, []) if status == "STAGED" else (NOT_APPLICABLE, [])


TARGETS = [s for s in AccountStatus if s is not AccountStatus.NONE]  # NONE is not reachable


def test_no_account_is_not_a_status_to_reach() -> None:
    with pytest.raises(ValueError, match="not NONE"):
        SetOktaStatusInput(employee_id="1", user_id="00u1", target=AccountStatus.NONE)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("status", STATUSES)
async def test_every_status_to_every_target(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore, status: str, target: AccountStatus
) -> None:
    user = sim.store.create_user(person(1), status)
    writes = sim.store.write_count

    result = await environment().run(
        okta.set_okta_status,
        SetOktaStatusInput(
            employee_id="1", user_id=user["id"], target=target, send_activation_email=False
        ),
    )

    outcome, operations = expected(status, target)
    final = sim.store.get_user(user["id"])
    assert final is not None
    assert result.before == status and result.operations == operations
    if outcome in (NOOP, NOT_APPLICABLE):
        assert final["status"] == status and sim.store.write_count == writes
        assert result.after == status
        assert (result.not_applicable is not None) == (outcome == NOT_APPLICABLE)
        assert store.history("1") == []
        return
    if outcome == "activated":
        assert final["status"] in ACTIVATED
    else:
        assert final["status"] == outcome
    assert result.after == final["status"]
    [record] = store.history("1")
    assert record.action == f"okta.user.{operations[0]}" and record.result == "success"
    assert record.before == {"status": status}


async def test_activation_email_follows_the_input(okta: OktaActivities, sim: OktaSimulator) -> None:
    quiet = sim.store.create_user(person(1), "STAGED")
    loud = sim.store.create_user(person(2), "STAGED")
    for user, send in ((quiet, False), (loud, True)):
        await environment().run(
            okta.set_okta_status,
            SetOktaStatusInput(
                employee_id="1",
                user_id=user["id"],
                target=AccountStatus.ACTIVE,
                send_activation_email=send,
            ),
        )
    assert [m["userId"] for m in sim.store.outbox()] == [loud["id"]]


@pytest.mark.parametrize("target", [AccountStatus.SUSPENDED, AccountStatus.DEPROVISIONED])
@pytest.mark.parametrize("how", ["flag", "group"])
async def test_protected_accounts_are_held_without_any_write(
    okta: OktaActivities,
    sim: OktaSimulator,
    store: AuditStore,
    target: AccountStatus,
    how: str,
) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    group = sim.store.create_group("Break Glass")
    sim.store.add_member(group["id"], user["id"])
    writes = sim.stats()["write_attempts"]

    result = await environment().run(
        okta.set_okta_status,
        SetOktaStatusInput(
            employee_id="1",
            user_id=user["id"],
            target=target,
            protected=how == "flag",
            protected_groups=["break glass"] if how == "group" else ["Other"],
        ),
    )

    assert result.held and result.held_reason and result.operations == []
    assert ("Break Glass" in result.held_reason) == (how == "group")
    assert sim.store.get_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]
    assert sim.stats()["write_attempts"] == writes
    [record] = store.history("1")
    assert record.result == "held" and record.detail == {"reason": result.held_reason}


async def test_protection_does_not_stop_activation(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(person(1), "SUSPENDED")
    result = await environment().run(
        okta.set_okta_status,
        SetOktaStatusInput(
            employee_id="1", user_id=user["id"], target=AccountStatus.ACTIVE, protected=True
        ),
    )
    assert not result.held and result.operations == ["unsuspend"]


async def test_a_status_that_moved_after_the_read_is_read_again(
    okta: OktaActivities, client: OktaClient, sim: OktaSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    real_get = client.get_user
    reads = 0

    async def first_read_is_stale(id_or_login: str) -> OktaUser | None:
        nonlocal reads
        reads += 1
        found = await real_get(id_or_login)
        if reads == 1:
            # Someone deactivated the user right after this read.
            sim.store.lifecycle(user["id"], Op.DEACTIVATE)
        return found

    monkeypatch.setattr(client, "get_user", first_read_is_stale)
    result = await environment().run(
        okta.set_okta_status,
        SetOktaStatusInput(employee_id="1", user_id=user["id"], target=AccountStatus.DEPROVISIONED),
    )
    # deactivate answered 404 (already deprovisioned): the activity read again and was done.
    assert result.operations == [] and result.after == "DEPROVISIONED"


async def test_missing_user_is_a_non_retryable_error(okta: OktaActivities) -> None:
    with pytest.raises(ApplicationError) as missing:
        await environment().run(
            okta.set_okta_status,
            SetOktaStatusInput(employee_id="1", user_id="00unope", target=AccountStatus.ACTIVE),
        )
    assert missing.value.type == "OktaNotFound" and missing.value.non_retryable


def deactivation(user_id: str, **known: Any) -> SetOktaStatusInput:
    """A due deactivation where the policy protects members of one group."""
    return SetOktaStatusInput(
        employee_id="1",
        user_id=user_id,
        target=AccountStatus.DEPROVISIONED,
        protected_groups=["Break Glass"],
        **known,
    )


async def test_a_due_deactivation_asks_okta_nothing_more_than_it_needs(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    """The account, its groups (for the protected-groups check), the write, the account
    after it: reading the groups with the account adds no call."""
    user = sim.store.create_user(person(1), "ACTIVE")
    sim.recorder.reset_stats()

    result = await environment().run(
        okta.set_okta_status, deactivation(user["id"], known_status="ACTIVE")
    )

    assert result.operations == ["deactivate"] and result.after == "DEPROVISIONED"
    assert sim.store.get_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]
    calls = sim.stats()["by_operation"]
    assert calls == {"getUser": 2, "listUserGroups": 1, "deactivateUser": 1}


async def test_the_two_reads_before_a_deactivation_are_in_flight_together(
    okta: OktaActivities, client: OktaClient, sim: OktaSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account read waits until the groups read has been sent: read one after the other,
    this deactivation would never happen."""
    user = sim.store.create_user(person(1), "ACTIVE")
    groups_sent = asyncio.Event()
    real_get, real_groups = client.get_user, client.user_groups

    async def get_user_once_groups_sent(id_or_login: str) -> OktaUser | None:
        if not groups_sent.is_set():
            await asyncio.wait_for(groups_sent.wait(), timeout=10)
        return await real_get(id_or_login)

    async def user_groups(user_id: str) -> list[OktaGroup]:
        groups_sent.set()
        return await real_groups(user_id)

    monkeypatch.setattr(client, "get_user", get_user_once_groups_sent)
    monkeypatch.setattr(client, "user_groups", user_groups)
    result = await environment().run(okta.set_okta_status, deactivation(user["id"]))
    assert result.operations == ["deactivate"]
    assert sim.store.get_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]


async def test_an_account_already_gone_costs_one_read(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(person(1), "DEPROVISIONED")
    sim.recorder.reset_stats()

    result = await environment().run(
        okta.set_okta_status, deactivation(user["id"], known_status="DEPROVISIONED")
    )

    assert result.operations == [] and result.after == "DEPROVISIONED"
    assert sim.stats()["by_operation"] == {"getUser": 1}


async def test_a_missing_account_is_not_found_even_when_its_groups_were_read_too(
    okta: OktaActivities,
) -> None:
    with pytest.raises(ApplicationError) as missing:
        await environment().run(okta.set_okta_status, deactivation("00unope"))
    assert missing.value.type == "OktaNotFound" and missing.value.non_retryable
