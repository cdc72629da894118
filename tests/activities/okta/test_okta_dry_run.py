"""Dry-run: reads happen, no write reaches Okta, every write is returned and audited as a
planned request."""

from __future__ import annotations

from okta_activity_support import ensure_input, environment, person

from activities.okta import OktaActivities
from contracts.activities import (
    CustomAttribute,
    EnsureOktaSchemaInput,
    PlannedRequest,
    RevokeOktaSessionsInput,
    SetOktaStatusInput,
    SyncManagedGroupsInput,
    UpdateOktaProfileInput,
)
from integrations.audit import AuditStore
from lifecycle.models import AccountStatus
from simulators.okta import OktaSimulator


async def test_dry_run_plans_every_write_and_sends_none(
    dry: OktaActivities, sim: OktaSimulator, store: AuditStore
) -> None:
    staged = sim.store.create_user(person(2, bambooHrId="2"), "STAGED")
    active = sim.store.create_user(person(3, bambooHrId="3", title="Engineer"), "ACTIVE")
    sales = sim.store.create_group("Sales")
    vpn = sim.store.create_group("VPN")
    sim.store.add_member(sales["id"], active["id"])
    writes_before = sim.store.write_count
    env = environment()

    new = await env.run(dry.ensure_okta_user, ensure_input(1))
    existing = await env.run(dry.ensure_okta_user, ensure_input(2))
    profile = await env.run(
        dry.update_okta_profile,
        UpdateOktaProfileInput(employee_id="3", user_id=active["id"], profile={"title": "Lead"}),
    )
    activate = await env.run(
        dry.set_okta_status,
        SetOktaStatusInput(employee_id="2", user_id=staged["id"], target=AccountStatus.ACTIVE),
    )
    deactivate = await env.run(
        dry.set_okta_status,
        SetOktaStatusInput(
            employee_id="3", user_id=active["id"], target=AccountStatus.DEPROVISIONED
        ),
    )
    revoke = await env.run(
        dry.revoke_okta_sessions, RevokeOktaSessionsInput(employee_id="3", user_id=active["id"])
    )
    groups = await env.run(
        dry.sync_managed_groups,
        SyncManagedGroupsInput(
            employee_id="3", user_id=active["id"], desired=["VPN"], managed=["VPN", "Sales"]
        ),
    )
    schema = await env.run(
        dry.ensure_okta_schema,
        EnsureOktaSchemaInput(attributes=[CustomAttribute(name="startDate", title="Start")]),
    )

    # Nothing reached Okta.
    assert sim.stats()["write_attempts"] == 0
    assert sim.store.write_count == writes_before
    assert sim.stats()["api_requests"] > 0  # but it was read

    assert new.account is None and not new.created
    assert new.planned == [
        PlannedRequest(
            method="POST",
            path="/api/v1/users?activate=false",
            body={"profile": {**ensure_input(1).profile}},
        )
    ]
    assert existing.adopted and existing.planned == []  # linking an account writes nothing
    assert profile.changes["title"].after == "Lead"
    assert profile.planned == [
        PlannedRequest(
            method="POST", path=f"/api/v1/users/{active['id']}", body={"profile": {"title": "Lead"}}
        )
    ]
    assert activate.operations == ["activate"] and activate.after == "PROVISIONED"
    assert activate.planned[0].path == (
        f"/api/v1/users/{staged['id']}/lifecycle/activate?sendEmail=true"
    )
    assert deactivate.planned[0].path == f"/api/v1/users/{active['id']}/lifecycle/deactivate"
    assert not revoke.revoked
    assert revoke.planned[0] == PlannedRequest(
        method="DELETE", path=f"/api/v1/users/{active['id']}/sessions?oauthTokens=true"
    )
    assert groups.added == ["VPN"] and groups.removed == ["Sales"]
    assert {(p.method, p.path) for p in groups.planned} == {
        ("PUT", f"/api/v1/groups/{vpn['id']}/users/{active['id']}"),
        ("DELETE", f"/api/v1/groups/{sales['id']}/users/{active['id']}"),
    }
    assert schema.added == [] and schema.planned[0].body == {
        "definitions": {
            "custom": {"properties": {"startDate": {"title": "Start", "type": "string"}}}
        }
    }

    planned = store.query(result="planned")
    every = [
        *new.planned,
        *profile.planned,
        *activate.planned,
        *deactivate.planned,
        *revoke.planned,
        *groups.planned,
        *schema.planned,
    ]
    assert len(planned) == len(every) == 8
    assert {r.mode for r in planned} == {"dry-run"}
    assert sorted(r.request["path"] for r in planned) == sorted(p.path for p in every)  # type: ignore[index]
    assert store.query(result="success") == []
