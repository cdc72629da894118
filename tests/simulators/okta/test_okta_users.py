"""Users over HTTP: creation statuses, profile validation, reads by id and login, partial
and full updates, malformed requests, auth, and the user schema."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from okta_contract import SKIP_REQUEST_CHECK, assert_okta_error
from okta_testdata import profile

from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator

# --- create -------------------------------------------------------------------------------


def test_create_statuses_follow_activate_and_password(
    okta: httpx.Client, anon: httpx.Client
) -> None:
    staged = okta.post(
        "/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)}
    ).json()
    provisioned = okta.post("/api/v1/users", json={"profile": profile(2)}).json()
    active = okta.post(
        "/api/v1/users",
        params={"activate": "true"},
        json={"profile": profile(3), "credentials": {"password": {"value": "Pa55-word!x"}}},
    )
    assert staged["status"] == "STAGED" and staged["activated"] is None
    assert provisioned["status"] == "PROVISIONED"
    assert active.json()["status"] == "ACTIVE"
    assert "Pa55-word!x" not in active.text
    assert active.json()["credentials"]["password"] == {}
    outbox = anon.get("/_sim/outbox").json()
    assert [m["userId"] for m in outbox] == [provisioned["id"]]


@pytest.mark.parametrize("field", ["login", "email", "firstName", "lastName"])
def test_missing_required_attribute_is_named(okta: httpx.Client, field: str) -> None:
    body = profile(1)
    del body[field]
    response = okta.post("/api/v1/users", json={"profile": body})
    assert response.status_code == 400
    error = assert_okta_error(response, "E0000001")
    assert any(c["errorSummary"].startswith(f"{field}:") for c in error["errorCauses"])


def test_login_is_unique_case_insensitively_even_against_deprovisioned(
    okta: httpx.Client, sim: OktaSimulator
) -> None:
    sim.store.create_user(profile(1), "DEPROVISIONED")
    clash = profile(1, login="USER1@Example.TEST")
    response = okta.post("/api/v1/users", json={"profile": clash})
    error = assert_okta_error(response, "E0000001")
    assert error["errorCauses"] == [
        {
            "errorSummary": "login: An object with this field already exists in the current "
            "organization"
        }
    ]


def test_unknown_profile_attribute_is_refused_until_the_schema_has_it(
    okta: httpx.Client,
) -> None:
    response = okta.post("/api/v1/users", json={"profile": profile(1, bambooHrId="7")})
    error = assert_okta_error(response, "E0000001")
    assert "bambooHrId" in error["errorCauses"][0]["errorSummary"]
    okta.post(
        "/api/v1/meta/schemas/user/default",
        json={
            "definitions": {
                "custom": {"properties": {"bambooHrId": {"title": "BambooHR id", "type": "string"}}}
            }
        },
    )
    created = okta.post("/api/v1/users", json={"profile": profile(1, bambooHrId="7")})
    assert created.status_code == 200
    assert created.json()["profile"]["bambooHrId"] == "7"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"login": "not-an-email"}, "login"),
        ({"email": "nope"}, "email"),
        ({"firstName": "x" * 51}, "firstName"),
        ({"department": 42}, "department"),
    ],
)
def test_invalid_values_are_refused(okta: httpx.Client, change: dict, field: str) -> None:
    response = okta.post("/api/v1/users", json={"profile": profile(1, **change)})
    error = assert_okta_error(response, "E0000001")
    assert error["errorCauses"][0]["errorSummary"].startswith(f"{field}:")


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b"", b'"text"'],
    ids=["broken", "array", "empty", "string"],
)
def test_malformed_body_is_e0000003(okta: httpx.Client, content: bytes) -> None:
    response = okta.post(
        "/api/v1/users", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    body = assert_okta_error(response, "E0000003")
    assert body["errorSummary"] == "The request body was not well-formed."


def test_body_without_profile_is_a_validation_error(okta: httpx.Client) -> None:
    assert_okta_error(okta.post("/api/v1/users", json={"credentials": {}}), "E0000001")


def test_group_ids_on_create(okta: httpx.Client, sim: OktaSimulator) -> None:
    groups = [sim.store.create_group(f"G{i}")["id"] for i in range(21)]
    too_many = okta.post("/api/v1/users", json={"profile": profile(1), "groupIds": groups})
    assert_okta_error(too_many, "E0000093")
    unknown = okta.post("/api/v1/users", json={"profile": profile(1), "groupIds": ["00gnone"]})
    assert_okta_error(unknown, "E0000001")
    ok = okta.post("/api/v1/users", json={"profile": profile(1), "groupIds": groups[:2]})
    user_groups = {g["id"] for g in okta.get(f"/api/v1/users/{ok.json()['id']}/groups").json()}
    assert user_groups == {sim.store.everyone_group_id, *groups[:2]}


# --- read ---------------------------------------------------------------------------------


def test_get_by_id_or_url_encoded_login_case_insensitively(
    okta: httpx.Client, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(profile("a+b"))
    for key in (user["id"], quote("user" + "A+B@EXAMPLE.test", safe="")):
        response = okta.get(f"/api/v1/users/{key}")
        assert response.status_code == 200
        assert response.json()["id"] == user["id"]
    assert_okta_error(okta.get(f"/api/v1/users/{quote('other@example.test')}"), "E0000007")


def test_etag_changes_with_the_user(
    okta: httpx.Client, sim: OktaSimulator, clock: SimClock
) -> None:
    user = sim.store.create_user(profile(1))
    first = okta.get(f"/api/v1/users/{user['id']}").headers["ETag"]
    clock.advance(1)
    okta.post(f"/api/v1/users/{user['id']}", json={"profile": {"title": "Lead"}})
    assert okta.get(f"/api/v1/users/{user['id']}").headers["ETag"] != first


# --- update -------------------------------------------------------------------------------


def test_partial_update_merges_and_null_unsets(
    okta: httpx.Client, sim: OktaSimulator, clock: SimClock
) -> None:
    user = sim.store.create_user(profile(1, title="Dev", department="R&D"))
    clock.advance(5)
    updated = okta.post(
        f"/api/v1/users/{user['id']}", json={"profile": {"department": "Ops", "title": None}}
    ).json()
    assert updated["profile"]["department"] == "Ops"
    assert "title" not in updated["profile"]
    assert updated["profile"]["login"] == "user1@example.test"
    assert updated["lastUpdated"] == "2026-03-02T09:00:05.000Z"
    response = okta.post(f"/api/v1/users/{user['id']}", json={"profile": {"email": None}})
    assert_okta_error(response, "E0000001")


def test_full_replace_deletes_omitted_attributes(okta: httpx.Client, sim: OktaSimulator) -> None:
    user = sim.store.create_user(profile(1, title="Dev", city="Lyon"))
    replaced = okta.put(f"/api/v1/users/{user['id']}", json={"profile": profile(1, city="Oslo")})
    assert replaced.json()["profile"] == profile(1, city="Oslo")
    incomplete = okta.put(f"/api/v1/users/{user['id']}", json={"profile": {"city": "Rome"}})
    error = assert_okta_error(incomplete, "E0000001")
    assert {c["errorSummary"].split(":")[0] for c in error["errorCauses"]} == {
        "login",
        "email",
        "firstName",
        "lastName",
    }
    assert sim.store.get_user(user["id"])["profile"]["city"] == "Oslo"  # type: ignore[index]


def test_login_change_keeps_uniqueness_and_lookup(okta: httpx.Client, sim: OktaSimulator) -> None:
    first = sim.store.create_user(profile(1))
    sim.store.create_user(profile(2))
    clash = okta.post(
        f"/api/v1/users/{first['id']}", json={"profile": {"login": "user2@example.test"}}
    )
    assert_okta_error(clash, "E0000001")
    okta.post(f"/api/v1/users/{first['id']}", json={"profile": {"login": "new@example.test"}})
    assert okta.get("/api/v1/users/new@example.test").json()["id"] == first["id"]
    assert okta.get("/api/v1/users/user1@example.test").status_code == 404


# --- auth, log, counters ------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [None, "SSWS wrong-token", "Bearer not-issued", "SSWS", "Basic abc"]
)
def test_bad_credentials_are_401(anon: httpx.Client, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = anon.get("/api/v1/users", headers=headers)
    assert response.status_code == 401
    assert assert_okta_error(response, "E0000011")["errorSummary"] == "Invalid token provided"


def test_bearer_tokens_accepted_once_configured(anon: httpx.Client, sim: OktaSimulator) -> None:
    headers = {"Authorization": "Bearer access-token-1"}
    assert anon.get("/api/v1/users", headers=headers).status_code == 401
    sim.accepted_bearer_tokens.add("access-token-1")
    assert anon.get("/api/v1/users", headers=headers).status_code == 200


def test_request_log_records_what_the_client_sent_but_never_the_token(
    okta: httpx.Client, anon: httpx.Client
) -> None:
    okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)})
    okta.get("/api/v1/users", params={"search": 'status eq "STAGED"'})
    log = anon.get("/_sim/requests").json()
    assert [(e["method"], e["path"], e["status"], e["operation"]) for e in log] == [
        ("POST", "/api/v1/users", 200, "createUser"),
        ("GET", "/api/v1/users", 200, "listUsers"),
    ]
    assert log[0]["body"] == {"profile": profile(1)}
    assert log[0]["params"] == {"activate": "false"}
    assert log[1]["params"] == {"search": 'status eq "STAGED"'}
    assert "sim-okta-token" not in anon.get("/_sim/requests").text
    assert anon.delete("/_sim/requests").status_code == 204
    assert anon.get("/_sim/requests").json() == []


def test_reads_are_not_writes_and_no_op_writes_are_only_attempts(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(profile(1))
    group = sim.store.create_group("Sales")
    sim.store.add_member(group["id"], user["id"])
    anon.post("/_sim/stats/reset")
    okta.get("/api/v1/users")
    okta.get(f"/api/v1/users/{user['id']}/groups")
    okta.put(f"/api/v1/groups/{group['id']}/users/{user['id']}")  # already a member
    okta.post(f"/api/v1/users/{user['id']}", json={"profile": {}})  # changes nothing
    stats = anon.get("/_sim/stats").json()
    assert stats["writes"] == 0
    assert stats["write_attempts"] == 2
    assert stats["by_bucket"] == {"users": 1, "user_get": 1, "group": 1, "user_write": 1}
    okta.post(f"/api/v1/users/{user['id']}/lifecycle/suspend")
    assert anon.get("/_sim/stats").json()["writes"] == 1


# --- schema -------------------------------------------------------------------------------


def test_schema_lists_base_and_custom_properties(okta: httpx.Client, sim: OktaSimulator) -> None:
    schema = okta.get("/api/v1/meta/schemas/user/default").json()
    base = schema["definitions"]["base"]
    assert set(base["required"]) == {"login", "email", "firstName", "lastName"}
    assert "employeeNumber" in base["properties"]
    assert schema["definitions"]["custom"]["properties"] == {}
    assert okta.get(f"/api/v1/meta/schemas/user/{sim.store.schema_id}").status_code == 200


def test_adding_a_custom_attribute_is_idempotent_and_null_removes_it(
    okta: httpx.Client, sim: OktaSimulator
) -> None:
    body = {
        "definitions": {
            "custom": {
                "properties": {
                    "bambooHrId": {"title": "BambooHR id", "type": "string", "maxLength": 20}
                }
            }
        }
    }
    okta.post("/api/v1/meta/schemas/user/default", json=body)
    writes = sim.store.write_count
    again = okta.post("/api/v1/meta/schemas/user/default", json=body).json()
    assert sim.store.write_count == writes
    assert again["definitions"]["custom"]["properties"]["bambooHrId"]["maxLength"] == 20
    # The spec's prose says null removes a property; its schema does not allow the null.
    removed = okta.post(
        "/api/v1/meta/schemas/user/default",
        json={"definitions": {"custom": {"properties": {"bambooHrId": None}}}},
        extensions={SKIP_REQUEST_CHECK: True},
    ).json()
    assert removed["definitions"]["custom"]["properties"] == {}


@pytest.mark.parametrize(
    "definition",
    [{"title": "X", "type": "object"}, {"type": "string"}, {"title": "X"}],
    ids=["bad-type", "no-title", "no-type"],
)
def test_invalid_custom_attribute_is_refused(okta: httpx.Client, definition: dict) -> None:
    response = okta.post(
        "/api/v1/meta/schemas/user/default",
        json={"definitions": {"custom": {"properties": {"thing": definition}}}},
    )
    assert response.status_code == 400
    assert_okta_error(response, "E0000001")


def test_custom_attribute_types_are_enforced(okta: httpx.Client, sim: OktaSimulator) -> None:
    sim.store.add_schema_attribute("startYear", "integer")
    sim.store.add_schema_attribute("tags", "array")
    ok = okta.post("/api/v1/users", json={"profile": profile(1, startYear=2024, tags=["a"])})
    assert ok.status_code == 200
    bad = okta.post("/api/v1/users", json={"profile": profile(2, startYear="2024")})
    assert_okta_error(bad, "E0000001")
