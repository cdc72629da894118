"""Every operation the simulator implements, driven over HTTP and validated against the
trimmed official spec (requests and responses), success and main error cases."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx
from hook_receiver import HookReceiver
from okta_contract import SPEC_PATH, OktaContract, assert_okta_error
from okta_testdata import profile

from lifecycle.settings import SIM_OKTA_ADMIN_TOKEN, SIM_OKTA_TOKEN
from simulators.okta import OktaSimulator
from simulators.okta.app import DEFAULT_ADMIN_TOKEN, DEFAULT_API_TOKEN

OPERATIONS_FILE = SPEC_PATH.parent / "okta-operations.txt"


def test_the_simulator_default_token_is_the_settings_default() -> None:
    assert DEFAULT_API_TOKEN == SIM_OKTA_TOKEN
    assert DEFAULT_ADMIN_TOKEN == SIM_OKTA_ADMIN_TOKEN


def spec_operation_ids(contract: OktaContract) -> set[str]:
    wanted = set()
    for line in Path(OPERATIONS_FILE).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            method, path = line.split(None, 1)
            wanted.add(contract.operations[(method, path)]["operationId"])
    return wanted


def test_every_operation_validates_against_the_spec(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator, contract: OktaContract
) -> None:
    contract.seen.clear()
    # --- schema ---------------------------------------------------------------------------
    assert okta.get("/api/v1/meta/schemas/user/default").status_code == 200
    added = okta.post(
        "/api/v1/meta/schemas/user/default",
        json={
            "definitions": {
                "custom": {
                    # id/type/required are readOnly in the spec: a client sends only these.
                    "properties": {
                        "bambooHrId": {
                            "title": "BambooHR id",
                            "description": "Immutable BambooHR employee id",
                            "type": "string",
                            "required": False,
                            "permissions": [{"principal": "SELF", "action": "READ_ONLY"}],
                        }
                    },
                }
            }
        },
    )
    assert added.status_code == 200
    assert "bambooHrId" in added.json()["definitions"]["custom"]["properties"]
    assert_okta_error(okta.get("/api/v1/meta/schemas/user/nope"), "E0000007")

    # --- groups ---------------------------------------------------------------------------
    eng = okta.post(
        "/api/v1/groups", json={"profile": {"name": "Engineering", "description": "Builders"}}
    )
    assert eng.status_code == 200
    group_id = eng.json()["id"]
    assert_okta_error(
        okta.post("/api/v1/groups", json={"profile": {"name": "engineering"}}), "E0000001"
    )
    assert okta.get("/api/v1/groups", params={"q": "Eng"}).json()[0]["id"] == group_id
    assert (
        okta.get(
            "/api/v1/groups", params={"search": 'profile.name eq "Engineering"', "expand": "stats"}
        ).status_code
        == 200
    )
    assert okta.get(f"/api/v1/groups/{group_id}").status_code == 200
    assert_okta_error(okta.get("/api/v1/groups/00gmissing"), "E0000007")

    # --- users ----------------------------------------------------------------------------
    created = okta.post(
        "/api/v1/users",
        params={"activate": "false"},
        json={"profile": profile(1, bambooHrId="101", department="R&D"), "groupIds": [group_id]},
    )
    assert created.status_code == 200 and created.json()["status"] == "STAGED"
    user_id = created.json()["id"]
    with_password = okta.post(
        "/api/v1/users",
        params={"activate": "true"},
        json={"profile": profile(2), "credentials": {"password": {"value": "Sup3r-secret!"}}},
    )
    assert with_password.json()["status"] == "ACTIVE"
    assert_okta_error(okta.post("/api/v1/users", json={"profile": profile(1)}), "E0000001")
    assert_okta_error(
        okta.post(
            "/api/v1/users", content=b"{not json", headers={"Content-Type": "application/json"}
        ),
        "E0000003",
    )
    assert okta.get("/api/v1/users").status_code == 200
    assert okta.get("/api/v1/users", params={"search": 'profile.bambooHrId eq "101"'}).json()
    assert okta.get("/api/v1/users", params={"filter": 'status eq "STAGED"'}).json()
    assert okta.get("/api/v1/users", params={"q": "First1"}).json()
    got = okta.get(f"/api/v1/users/{quote('USER1@example.test')}")
    assert got.status_code == 200 and got.headers["ETag"]
    assert_okta_error(okta.get("/api/v1/users/00umissing"), "E0000007")
    updated = okta.post(f"/api/v1/users/{user_id}", json={"profile": {"title": "Engineer"}})
    assert updated.json()["profile"]["title"] == "Engineer"
    replaced = okta.put(f"/api/v1/users/{user_id}", json={"profile": profile(1, bambooHrId="101")})
    assert "title" not in replaced.json()["profile"]
    assert_okta_error(
        okta.put(f"/api/v1/users/{user_id}", json={"profile": {"login": "x"}}), "E0000001"
    )
    assert_okta_error(okta.post("/api/v1/users/00umissing", json={"profile": {}}), "E0000007")
    groups = okta.get(f"/api/v1/users/{user_id}/groups").json()
    assert {g["profile"]["name"] for g in groups} == {"Everyone", "Engineering"}
    assert_okta_error(okta.get("/api/v1/users/00umissing/groups"), "E0000007")

    # --- lifecycle ------------------------------------------------------------------------
    lc = f"/api/v1/users/{user_id}/lifecycle"
    activation = okta.post(f"{lc}/activate", params={"sendEmail": "false"})
    assert activation.status_code == 200 and activation.json()["activationToken"]
    assert_okta_error(okta.post(f"{lc}/activate"), "E0000016")
    reactivated = okta.post(f"{lc}/reactivate", params={"sendEmail": "false"})
    assert reactivated.status_code == 200
    sim.store.complete_activation(user_id)
    assert_okta_error(okta.post(f"{lc}/reactivate"), "E0000038")
    assert_okta_error(okta.post(f"{lc}/unsuspend"), "E0000001")
    assert okta.post(f"{lc}/suspend").status_code == 200
    assert_okta_error(okta.post(f"{lc}/suspend"), "E0000001")
    assert okta.post(f"{lc}/unsuspend").status_code == 200
    assert okta.post(f"{lc}/deactivate").status_code == 200
    assert_okta_error(okta.post(f"{lc}/deactivate"), "E0000007")
    assert_okta_error(okta.post("/api/v1/users/00umissing/lifecycle/suspend"), "E0000007")
    assert okta.post(f"{lc}/activate").json() == {}
    revoked = okta.delete(f"/api/v1/users/{user_id}/sessions", params={"oauthTokens": "true"})
    assert revoked.status_code == 204
    assert_okta_error(okta.delete("/api/v1/users/00umissing/sessions"), "E0000007")

    # --- memberships ----------------------------------------------------------------------
    member_path = f"/api/v1/groups/{group_id}/users/{user_id}"
    assert okta.delete(member_path).status_code == 204
    assert okta.put(member_path).status_code == 204
    assert okta.put(member_path).status_code == 204  # already a member: same answer
    members = okta.get(f"/api/v1/groups/{group_id}/users", params={"limit": 1})
    assert [u["id"] for u in members.json()] == [user_id]
    assert_okta_error(okta.get("/api/v1/groups/00gmissing/users"), "E0000007")
    assert_okta_error(okta.put(f"/api/v1/groups/{group_id}/users/00umissing"), "E0000007")
    everyone = sim.store.everyone_group_id
    assert_okta_error(okta.put(f"/api/v1/groups/{everyone}/users/{user_id}"), "E0000006")

    # --- System Log, users/me, event hooks ------------------------------------------------
    assert okta.get("/api/v1/users/me").status_code == 200
    logs = okta.get("/api/v1/logs", params={"filter": 'eventType sw "user."', "limit": 2})
    assert logs.status_code == 200 and logs.json() and logs.links["next"]
    bounded = okta.get(
        "/api/v1/logs",
        params={
            "since": "2026-03-01T00:00:00.000Z",
            "until": "2026-03-03T00:00:00.000Z",
            "sortOrder": "DESCENDING",
            "q": "user1",
        },
    )
    assert bounded.status_code == 200
    assert_okta_error(okta.get("/api/v1/logs", params={"filter": "nope"}), "E0000001")
    with HookReceiver() as receiver:
        hook_body = {
            "name": "Lifecycle events",
            "events": {"type": "EVENT_TYPE", "items": ["user.lifecycle.deactivate"]},
            "channel": {
                "type": "HTTP",
                "version": "1.0.0",
                "config": {
                    "uri": receiver.url,
                    "headers": [{"key": "X-Extra", "value": "1"}],
                    "authScheme": {"type": "HEADER", "key": "Authorization", "value": "s3cret"},
                },
            },
        }
        hook = okta.post("/api/v1/eventHooks", json=hook_body)
        assert hook.status_code == 200
        hook_path = f"/api/v1/eventHooks/{hook.json()['id']}"
        assert_okta_error(
            okta.post("/api/v1/eventHooks", json={**hook_body, "name": ""}), "E0000001"
        )
        assert okta.get("/api/v1/eventHooks").status_code == 200
        assert okta.get(hook_path).status_code == 200
        assert_okta_error(okta.get("/api/v1/eventHooks/whomissing"), "E0000007")
        assert okta.put(hook_path, json={**hook_body, "name": "Renamed"}).status_code == 200
        assert okta.post(f"{hook_path}/lifecycle/verify").status_code == 200
        assert okta.post(f"{hook_path}/lifecycle/deactivate").status_code == 200
        assert okta.post(f"{hook_path}/lifecycle/activate").status_code == 200
        assert_okta_error(okta.delete(hook_path), "E0000006")
        receiver.wrong_challenge = True
        assert_okta_error(okta.post(f"{hook_path}/lifecycle/verify"), "E0000001")
        okta.post(f"{hook_path}/lifecycle/deactivate")
        assert okta.delete(hook_path).status_code == 204

    # --- auth and limits, on the same operations ------------------------------------------
    assert_okta_error(anon.get("/api/v1/users"), "E0000011")
    sim.limiter.set_limits({"users": 1})
    okta.get("/api/v1/users")
    assert_okta_error(okta.get("/api/v1/users"), "E0000047")

    missing = spec_operation_ids(contract) - set(contract.seen)
    assert not missing, f"operations never exercised: {sorted(missing)}"


def test_unknown_paths_and_methods_answer_in_okta_dialect(okta: httpx.Client) -> None:
    assert_okta_error(okta.get("/api/v1/nothing-here"), "E0000007")
    user = okta.post("/api/v1/users", json={"profile": profile(1)}).json()
    response = okta.delete(f"/api/v1/users/{user['id']}")
    assert response.status_code == 405
    assert_okta_error(response, "E0000022")
    assert okta.get(f"/api/v1/users/{user['id']}").json()["status"] == "PROVISIONED"
