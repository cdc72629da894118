"""update_okta_profile, sync_managed_groups, revoke_okta_sessions and ensure_okta_schema:
what changes in Okta, and what is left alone."""

from __future__ import annotations

from okta_activity_support import environment, person

from activities.okta import OktaActivities
from contracts.activities import (
    CustomAttribute,
    EnsureOktaSchemaInput,
    RevokeOktaSessionsInput,
    SyncManagedGroupsInput,
    UpdateOktaProfileInput,
)
from integrations.audit import AuditStore
from integrations.okta import OktaGroup
from simulators.okta import OktaSimulator


async def test_profile_update_sends_only_what_differs(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    user = sim.store.create_user(person(1, title="Engineer", department="R&D"), "ACTIVE")

    result = await environment().run(
        okta.update_okta_profile,
        UpdateOktaProfileInput(
            employee_id="1",
            user_id=user["id"],
            profile={
                "login": "PERSON1@example.test",  # same login, other case: no change
                "email": "Person1@Example.test",
                "title": "Lead Engineer",
                "department": "R&D",
                "costCenter": "CC-7",
            },
        ),
    )

    assert {k: (c.before, c.after) for k, c in result.changes.items()} == {
        "title": ("Engineer", "Lead Engineer"),
        "costCenter": (None, "CC-7"),
    }
    stored = sim.store.get_user(user["id"])["profile"]  # type: ignore[index]
    assert stored["title"] == "Lead Engineer" and stored["costCenter"] == "CC-7"
    assert stored["login"] == "person1@example.test"
    [update] = [e for e in sim.recorder.requests(method="POST")]
    assert update["body"] == {"profile": {"title": "Lead Engineer", "costCenter": "CC-7"}}
    [record] = store.history("1")
    assert record.action == "okta.profile.update"
    assert record.before == {"title": "Engineer", "costCenter": None}
    assert record.after == {"title": "Lead Engineer", "costCenter": "CC-7"}


async def test_profile_of_a_deprovisioned_account_is_skipped(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(person(1), "DEPROVISIONED")
    result = await environment().run(
        okta.update_okta_profile,
        UpdateOktaProfileInput(employee_id="1", user_id=user["id"], profile={"title": "x"}),
    )
    assert result.skipped_reason and "DEPROVISIONED" in result.skipped_reason
    assert result.changes == {} and sim.recorder.requests(method="POST") == []


async def test_groups_sync_touches_managed_okta_groups_only(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    for name in ("Engineering", "Sales", "VPN", "Hand-made"):
        sim.store.create_group(name)
    imported = sim.store.create_group("Imported Eng", type="APP_GROUP")
    for name in ("Sales", "Hand-made"):
        sim.store.add_member(sim.store.find_group(name)["id"], user["id"])  # type: ignore[index]
    sim.store.add_member(imported["id"], user["id"])

    result = await environment().run(
        okta.sync_managed_groups,
        SyncManagedGroupsInput(
            employee_id="1",
            user_id=user["id"],
            desired=["engineering", "VPN", "Not In Okta"],
            managed=["Engineering", "Sales", "VPN", "Imported Eng", "Not In Okta"],
        ),
    )

    assert sorted(result.added) == ["Engineering", "VPN"]
    assert result.removed == ["Sales"]
    assert result.missing_groups == ["Not In Okta"]
    assert result.member_of == ["Engineering", "Everyone", "Hand-made", "Imported Eng", "VPN"]
    names = {g["profile"]["name"] for g in sim.store.user_groups(user["id"])}
    assert names == set(result.member_of)
    actions = sorted((r.action, r.target) for r in store.history("1"))
    assert actions == [
        ("okta.group.add", "Engineering"),
        ("okta.group.add", "VPN"),
        ("okta.group.remove", "Sales"),
    ]


async def test_group_names_are_resolved_once_per_worker(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    sim.store.create_group("Engineering")
    users = [sim.store.create_user(person(n), "ACTIVE") for n in range(3)]
    for user in users:
        await environment().run(
            okta.sync_managed_groups,
            SyncManagedGroupsInput(
                employee_id="1",
                user_id=user["id"],
                desired=["Engineering"],
                managed=["Engineering"],
            ),
        )
    assert okta.groups.lookups == 1
    assert len(sim.recorder.requests(method="GET", path_prefix="/api/v1/groups")) == 1
    # A group created later is found on the miss.
    sim.store.create_group("Later")
    result = await environment().run(
        okta.sync_managed_groups,
        SyncManagedGroupsInput(
            employee_id="1", user_id=users[0]["id"], desired=["Later"], managed=["Later"]
        ),
    )
    assert result.added == ["Later"]


async def test_sessions_are_revoked_with_oauth_tokens(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    user = sim.store.create_user(person(1), "DEPROVISIONED")
    result = await environment().run(
        okta.revoke_okta_sessions, RevokeOktaSessionsInput(employee_id="1", user_id=user["id"])
    )
    assert result.revoked
    assert sim.store.revocations(user["id"])["oauthTokens"] == 1
    [record] = store.history("1")
    assert record.action == "okta.sessions.revoke" and record.result == "success"


async def test_schema_gets_the_missing_attributes(
    okta: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    wanted = [
        CustomAttribute(name="bambooHrId", title="BambooHR id"),
        CustomAttribute(name="startDate", title="Start date"),
        CustomAttribute(name="isContractor", title="Contractor", type="boolean"),
    ]
    result = await environment().run(
        okta.ensure_okta_schema, EnsureOktaSchemaInput(attributes=wanted)
    )
    assert result.present == ["bambooHrId"]
    assert result.added == ["startDate", "isContractor"]
    custom = sim.store.custom_attributes()
    assert custom["isContractor"]["type"] == "boolean"
    assert custom["startDate"]["title"] == "Start date"
    [record] = store.history("system")
    assert record.action == "okta.schema.add"

    again = await environment(activity_id="8").run(
        okta.ensure_okta_schema, EnsureOktaSchemaInput(attributes=wanted)
    )
    assert again.added == [] and sorted(again.present) == [
        "bambooHrId",
        "isContractor",
        "startDate",
    ]


async def test_a_stale_cached_group_is_looked_up_again(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    real = sim.store.create_group("Engineering")
    # The worker cached an id that no longer exists (the group was deleted and re-created).
    okta.groups.remember(OktaGroup(id="00gdeleted", profile={"name": "Engineering"}))

    result = await environment().run(
        okta.sync_managed_groups,
        SyncManagedGroupsInput(
            employee_id="1", user_id=user["id"], desired=["Engineering"], managed=["Engineering"]
        ),
    )

    assert result.added == ["Engineering"] and result.missing_groups == []
    assert real["id"] in sim.store.user_group_ids(user["id"])


async def test_start_up_check_names_each_managed_group_that_cannot_be_managed(
    okta: OktaActivities, sim: OktaSimulator
) -> None:
    sim.store.create_group("Engineering")
    sim.store.create_group("Sales")
    sim.store.create_group("Sales", type="APP_GROUP")  # imported, same name: fine
    sim.store.create_group("Contractors", type="APP_GROUP")  # imported only
    problems = await okta.groups.check(["Engineering", "Sales", "Contractors", "Interns"])
    assert problems == [
        "managed group 'Contractors' exists only as APP_GROUP (imported; its memberships cannot "
        "be managed): create an OKTA_GROUP of that name or remove it from the policy",
        "managed group 'Interns' does not exist in Okta: create it",
    ]
    # The answers warm the cache: the OKTA_GROUP is what later syncs use, without a search.
    lookups = okta.groups.lookups
    sales = await okta.groups.resolve("Sales")
    assert sales is not None and sales.type == "OKTA_GROUP"
    assert okta.groups.lookups == lookups
