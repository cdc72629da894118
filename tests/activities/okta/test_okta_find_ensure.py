"""find_okta_user and ensure_okta_user: which accounts belong to an employee, and that one
employee never ends up with a second account."""

from __future__ import annotations

import pytest
from okta_activity_support import accounts_of, ensure_input, environment, person
from temporalio.exceptions import ApplicationError

from activities.okta import OktaActivities
from contracts.activities import FindOktaUserInput, SyncManagedGroupsInput
from integrations.audit import AuditStore
from lifecycle.models import ReviewCode
from simulators.okta import OktaSimulator


async def test_find_returns_every_candidate_strongest_first(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    by_email = sim.store.create_user(person("d", email="ADA@example.test"), "ACTIVE")
    by_login = sim.store.create_user(
        person("c", login="ada@example.test", email="ada@example.test"), "ACTIVE"
    )
    by_number = sim.store.create_user(person("b", employeeNumber="E7"), "DEPROVISIONED")
    by_id = sim.store.create_user(person("a", bambooHrId="7"), "SUSPENDED")
    sim.store.create_user(person("e", bambooHrId="77", employeeNumber="E77"), "ACTIVE")

    result = await environment().run(
        okta.find_okta_user,
        FindOktaUserInput(
            employee_id="7",
            employee_number="E7",
            login="Ada@Example.test",
            email="ada@example.test",
        ),
    )

    found = [(c.account.user_id, c.matched_by) for c in result.candidates]
    assert found == [
        (by_id["id"], ["bambooHrId"]),
        (by_number["id"], ["employeeNumber"]),
        (by_login["id"], ["login", "email"]),
        (by_email["id"], ["email"]),
    ]
    assert result.candidates[0].account.bamboo_hr_id == "7"
    assert result.candidates[1].account.status == "DEPROVISIONED"  # rehires are found too


async def test_find_with_no_match(okta: OktaActivities, sim: OktaSimulator) -> None:
    sim.store.create_user(person(1, bambooHrId="1"), "ACTIVE")
    result = await environment().run(okta.find_okta_user, FindOktaUserInput(employee_id="2"))
    assert result.candidates == []


async def test_ensure_creates_a_staged_account_with_the_identity_key(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    result = await environment().run(okta.ensure_okta_user, ensure_input(1001))

    assert result.created and not result.adopted and result.review is None
    assert result.account is not None and result.account.status == "STAGED"
    [user] = accounts_of(sim, "1001")
    assert user["status"] == "STAGED" and user["profile"]["department"] == "Engineering"
    assert sim.store.outbox() == []  # staged: no e-mail yet
    [record] = store.history("1001")
    assert (record.action, record.result, record.target) == (
        "okta.user.create",
        "success",
        "person1001@example.test",
    )


async def test_ensure_returns_the_known_account_without_writing(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(person(5, bambooHrId="5"), "ACTIVE")
    writes = sim.store.write_count
    result = await environment().run(
        okta.ensure_okta_user, ensure_input(5, known_user_id=user["id"])
    )
    assert result.account is not None and result.account.user_id == user["id"]
    assert not result.created and sim.store.write_count == writes


async def test_ensure_adopts_the_account_carrying_the_bamboohr_id(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    old = sim.store.create_user(person("old-login", bambooHrId="9"), "DEPROVISIONED")
    result = await environment().run(okta.ensure_okta_user, ensure_input(9))
    assert result.adopted and result.account is not None and result.account.user_id == old["id"]
    assert len(accounts_of(sim, "9")) == 1


async def test_ensure_adopts_an_unlinked_account_with_the_employee_number(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    pre = sim.store.create_user(person(12, employeeNumber="E12"), "ACTIVE")
    result = await environment().run(okta.ensure_okta_user, ensure_input(12))
    assert result.adopted and result.account is not None and result.account.user_id == pre["id"]
    assert sim.store.user_count() == 1


@pytest.mark.parametrize(
    "owner",
    [
        {"bambooHrId": "999"},  # another employee's account
        {},  # no ids: a match on the e-mail only
        {"employeeNumber": "E999"},  # someone else's number
    ],
    ids=["other-employee", "email-only", "other-number"],
)
async def test_ensure_never_takes_a_login_that_belongs_to_someone_else(
    okta: OktaActivities, sim: OktaSimulator, owner: dict[str, str]
) -> None:
    other = sim.store.create_user(person(3, **owner), "ACTIVE")

    result = await environment().run(okta.ensure_okta_user, ensure_input(3))

    assert result.account is None and not result.created
    assert result.review is not None
    assert result.review.code == ReviewCode.EMAIL_CONFLICT and result.review.field == "workEmail"
    assert other["id"] in result.review.message
    assert sim.store.user_count() == 1


async def test_ensure_flags_two_accounts_with_one_id(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    sim.store.create_user(person("x", bambooHrId="4"), "ACTIVE")
    sim.store.create_user(person("y", bambooHrId="4"), "DEPROVISIONED")
    result = await environment().run(okta.ensure_okta_user, ensure_input(4))
    assert result.review is not None and result.review.code == ReviewCode.AMBIGUOUS_MATCH
    assert sim.store.user_count() == 2


async def test_ensure_without_login_needs_review(okta: OktaActivities, sim: OktaSimulator) -> None:
    result = await environment().run(okta.ensure_okta_user, ensure_input(6, login=" "))
    assert result.review is not None and result.review.code == ReviewCode.NO_WORK_EMAIL
    assert sim.store.user_count() == 0


async def test_rejected_profile_is_a_non_retryable_error_naming_the_field(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    bad = ensure_input(8)
    bad.profile["email"] = "not-an-address"

    with pytest.raises(ApplicationError) as rejected:
        await environment().run(okta.ensure_okta_user, bad)

    assert rejected.value.non_retryable and rejected.value.type == "OktaValidationError"
    assert "email" in rejected.value.message and "POST /api/v1/users" in rejected.value.message
    assert sim.store.user_count() == 0
    [record] = store.history("8")
    assert record.result == "failed" and record.action == "okta.user.create"


async def test_a_new_account_comes_with_its_groups_in_the_create_call(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    """Okta's create-user `groupIds`: N managed groups cost no extra call, and the later sync
    finds nothing to add."""
    names = ["Everyone Here", "Dept - Engineering", "Office - Berlin"]
    for name in names:
        sim.store.create_group(name)
    sim.recorder.clear_requests()

    result = await environment().run(okta.ensure_okta_user, ensure_input(1101, groups=names))

    assert result.created and result.account is not None
    writes = [r for r in sim.recorder.requests() if r["method"] in ("POST", "PUT", "DELETE")]
    assert [(r["method"], r["path"]) for r in writes] == [("POST", "/api/v1/users")]
    user_id = result.account.user_id
    assert {g["profile"]["name"] for g in sim.store.user_groups(user_id)} == {"Everyone", *names}
    # What bench.throughput counts as the calls groupIds saved: one per managed group.
    assert sim.stats()["memberships_at_create"] == len(names)
    [record] = store.history("1101")
    assert record.action == "okta.user.create" and sorted(record.after["groups"]) == sorted(names)

    synced = await environment().run(
        okta.sync_managed_groups,
        SyncManagedGroupsInput(employee_id="1101", user_id=user_id, desired=names, managed=names),
    )
    assert synced.added == [] and synced.removed == []


async def test_a_group_deleted_since_it_was_cached_does_not_block_the_hire(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    kept = sim.store.create_group("Kept")
    gone = sim.store.create_group("Gone Soon")
    await environment().run(okta.ensure_okta_user, ensure_input(1201, groups=["Kept", "Gone Soon"]))
    sim.store.delete_group(gone["id"])  # the activity's cache still has its id

    result = await environment().run(
        okta.ensure_okta_user, ensure_input(1202, groups=["Kept", "Gone Soon"])
    )

    assert result.created and result.account is not None
    user_id = result.account.user_id
    # Created without the stale id (and so without groups); the sync then adds what exists
    # and names what does not.
    assert sim.store.user_group_ids(user_id) == [sim.store.everyone_group_id]
    synced = await environment().run(
        okta.sync_managed_groups,
        SyncManagedGroupsInput(
            employee_id="1202",
            user_id=user_id,
            desired=["Kept", "Gone Soon"],
            managed=["Kept", "Gone Soon"],
        ),
    )
    assert synced.added == ["Kept"] and synced.missing_groups == ["Gone Soon"]
    assert kept["id"] in sim.store.user_group_ids(user_id)
