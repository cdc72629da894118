"""Two admins' API tokens and OAuth service apps: each credential acts as its own actor
(System Log), admins are not users of the org, and `GET /api/v1/users/me` answers the
token's admin."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from okta_contract import OktaContract, assert_okta_error
from okta_testdata import profile

from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_OKTA_ADMIN_TOKEN
from simulators.okta import OktaSimulator
from simulators.okta.actors import it_admin_actor, service_actor

SERVICE_ID = "00ubHLeJdNSeyaCyIQZ1"
ADMIN_ID = "00uOm1ytkoettq4C6tID"


@pytest.fixture
def admin(server: ThreadedServer, contract: OktaContract) -> Iterator[httpx.Client]:
    """The second admin (an IT admin) with LIFECYCLE_SIM_OKTA_ADMIN_TOKEN's default."""
    with httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"SSWS {SIM_OKTA_ADMIN_TOKEN}", "Accept": "application/json"},
        event_hooks={"response": [contract.check]},
        timeout=10,
    ) as client:
        yield client


def test_actor_ids_are_stable_and_published_on_the_admin_api(anon: httpx.Client) -> None:
    assert service_actor().id == SERVICE_ID and it_admin_actor().id == ADMIN_ID
    actors = anon.get("/_sim/actors").json()
    assert actors["service"] == {
        "id": SERVICE_ID,
        "type": "User",
        "alternateId": "lifecycle-service@acme.example",
        "displayName": "Lifecycle Service",
        "tokenId": service_actor().token_id,
    }
    assert actors["admin"]["id"] == ADMIN_ID
    assert actors["admin"]["alternateId"] == "it.admin@acme.example"
    assert actors["admin"]["displayName"] == "IT Admin"
    assert actors["oauthDefaultApp"]["type"] == "PublicClientApp"
    assert SIM_OKTA_ADMIN_TOKEN not in anon.get("/_sim/actors").text


def test_users_me_answers_each_tokens_admin(okta: httpx.Client, admin: httpx.Client) -> None:
    me = okta.get("/api/v1/users/me")
    assert me.status_code == 200
    body = me.json()
    assert (body["id"], body["status"]) == (SERVICE_ID, "ACTIVE")
    assert body["profile"] == {
        "login": "lifecycle-service@acme.example",
        "email": "lifecycle-service@acme.example",
        "firstName": "Lifecycle",
        "lastName": "Service",
    }
    other = admin.get("/api/v1/users/me").json()
    assert other["id"] == ADMIN_ID
    assert other["profile"]["login"] == "it.admin@acme.example"
    assert (other["profile"]["firstName"], other["profile"]["lastName"]) == ("IT", "Admin")


def test_admins_are_not_users_of_the_org(
    okta: httpx.Client, admin: httpx.Client, sim: OktaSimulator
) -> None:
    sim.store.create_user(profile(1))
    logins = {u["profile"]["login"] for u in okta.get("/api/v1/users").json()}
    assert logins == {"user1@example.test"}
    assert okta.get("/api/v1/users", params={"search": 'status eq "ACTIVE"'}).json()[0]["id"] != (
        SERVICE_ID
    )
    assert okta.get("/api/v1/users", params={"q": "it.admin"}).json() == []
    assert_okta_error(okta.get(f"/api/v1/users/{ADMIN_ID}"), "E0000007")
    assert sim.store.user_count() == 1


def test_the_admin_token_has_the_same_rights(admin: httpx.Client, sim: OktaSimulator) -> None:
    created = admin.post(
        "/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)}
    )
    assert created.status_code == 200
    user_id = created.json()["id"]
    assert admin.post(f"/api/v1/users/{user_id}/lifecycle/activate").status_code == 200
    group = admin.post("/api/v1/groups", json={"profile": {"name": "Sales"}}).json()
    assert admin.put(f"/api/v1/groups/{group['id']}/users/{user_id}").status_code == 204


def test_each_token_records_its_own_actor(
    okta: httpx.Client, admin: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    sim.credentials.add_bearer_token("oauth-access-1", client_id="0oaLifecycleApp", app_name="HR")
    user = okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)})
    user_id = user.json()["id"]
    admin.post(f"/api/v1/users/{user_id}", json={"profile": {"title": "Engineer"}})
    app = anon.post(
        f"/api/v1/users/{user_id}/lifecycle/activate",
        headers={"Authorization": "Bearer oauth-access-1"},
    )
    assert app.status_code == 200
    events = okta.get("/api/v1/logs").json()
    assert [(e["eventType"], e["actor"]["id"]) for e in events] == [
        ("user.lifecycle.create", SERVICE_ID),
        ("user.account.update_profile", ADMIN_ID),
        ("user.lifecycle.activate", "0oaLifecycleApp"),
    ]
    assert events[1]["actor"] == {
        "id": ADMIN_ID,
        "type": "User",
        "alternateId": "it.admin@acme.example",
        "displayName": "IT Admin",
    }
    assert events[2]["actor"] == {
        "id": "0oaLifecycleApp",
        "type": "PublicClientApp",
        "alternateId": "0oaLifecycleApp",
        "displayName": "HR",
    }
    assert events[0]["transaction"]["detail"] == {"requestApiTokenId": service_actor().token_id}


def test_a_service_app_has_no_users_me(anon: httpx.Client, sim: OktaSimulator) -> None:
    sim.accepted_bearer_tokens.add("oauth-access-2")  # issued to the default service app
    response = anon.get("/api/v1/users/me", headers={"Authorization": "Bearer oauth-access-2"})
    assert response.status_code == 404
    assert_okta_error(response, "E0000007")


def test_a_blank_admin_token_accepts_no_second_admin(clock: object) -> None:
    sim = OktaSimulator(admin_token=None)
    assert not sim.credentials.accepts(f"SSWS {SIM_OKTA_ADMIN_TOKEN}")
    assert sim.credentials.accepts("SSWS sim-okta-token")


def test_replacing_the_service_token_revokes_the_old_one(sim: OktaSimulator) -> None:
    sim.credentials.api_token = "rotated"
    assert not sim.credentials.accepts("SSWS sim-okta-token")
    assert sim.credentials.actor_for("SSWS rotated") == service_actor()
    assert sim.credentials.actor_for(f"SSWS {SIM_OKTA_ADMIN_TOKEN}") == it_admin_actor()
