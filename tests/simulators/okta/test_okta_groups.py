"""Groups over HTTP: create, find (q, search, filter), paging, memberships and their rules."""

from __future__ import annotations

import httpx
import pytest
from okta_contract import assert_okta_error
from okta_testdata import profile

from simulators.okta import OktaSimulator


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [g["profile"]["name"] for g in response.json()]


def test_create_and_read_a_group(okta: httpx.Client) -> None:
    created = okta.post(
        "/api/v1/groups", json={"profile": {"name": "Engineering", "description": "Builders"}}
    ).json()
    assert created["type"] == "OKTA_GROUP"
    assert created["objectClass"] == ["okta:user_group"]
    assert created["_links"]["users"]["href"].endswith(f"/api/v1/groups/{created['id']}/users")
    assert okta.get(f"/api/v1/groups/{created['id']}").json()["profile"] == {
        "name": "Engineering",
        "description": "Builders",
    }


@pytest.mark.parametrize("body", [{"profile": {}}, {"profile": {"name": ""}}, {}])
def test_group_needs_a_name(okta: httpx.Client, body: dict) -> None:
    assert_okta_error(okta.post("/api/v1/groups", json=body), "E0000001")


def test_everyone_is_built_in_and_lists_first(okta: httpx.Client, sim: OktaSimulator) -> None:
    sim.store.create_group("Sales")
    groups = okta.get("/api/v1/groups").json()
    assert [(g["profile"]["name"], g["type"]) for g in groups] == [
        ("Everyone", "BUILT_IN"),
        ("Sales", "OKTA_GROUP"),
    ]


def test_find_groups_by_q_search_and_filter(okta: httpx.Client, sim: OktaSimulator) -> None:
    for name in ["Engineering", "Engineering Managers", "Sales"]:
        sim.store.create_group(name)
    sim.store.create_group("AD Engineers", type="APP_GROUP")
    assert names(okta.get("/api/v1/groups", params={"q": "eng"})) == [
        "Engineering",
        "Engineering Managers",
    ]
    exact = okta.get("/api/v1/groups", params={"search": 'profile.name eq "engineering"'})
    assert names(exact) == ["Engineering"]
    okta_only = okta.get(
        "/api/v1/groups", params={"search": 'type eq "OKTA_GROUP" and profile.name co "ngineer"'}
    )
    assert names(okta_only) == ["Engineering", "Engineering Managers"]
    app = okta.get("/api/v1/groups", params={"filter": 'type eq "APP_GROUP"'})
    assert names(app) == ["AD Engineers"]
    assert_okta_error(
        okta.get("/api/v1/groups", params={"filter": 'profile.name eq "Sales"'}), "E0000031"
    )
    assert_okta_error(okta.get("/api/v1/groups", params={"search": "profile.name eq"}), "E0000031")


def test_group_paging_with_links(okta: httpx.Client, sim: OktaSimulator) -> None:
    for n in range(25):
        sim.store.create_group(f"Team {n:02d}")
    seen = []
    response = okta.get("/api/v1/groups", params={"limit": 10})
    while True:
        seen += names(response)
        if "next" not in response.links:
            break
        response = okta.get(response.links["next"]["url"])
    assert seen == ["Everyone", *[f"Team {n:02d}" for n in range(25)]]


def test_stats_expansion_counts_members(okta: httpx.Client, sim: OktaSimulator) -> None:
    group = sim.store.create_group("Sales")
    for n in range(3):
        sim.store.add_member(group["id"], sim.store.create_user(profile(n))["id"])
    one = okta.get(
        "/api/v1/groups", params={"search": 'profile.name eq "Sales"', "expand": "stats"}
    ).json()[0]
    assert one["_embedded"]["stats"]["usersCount"] == 3


def test_membership_add_remove_is_idempotent(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    group = sim.store.create_group("Sales")
    user = sim.store.create_user(profile(1))
    path = f"/api/v1/groups/{group['id']}/users/{user['id']}"
    anon.post("/_sim/stats/reset")
    assert [okta.put(path).status_code for _ in range(2)] == [204, 204]
    assert sim.store.group_member_ids(group["id"]) == [user["id"]]
    assert [okta.delete(path).status_code for _ in range(2)] == [204, 204]
    assert sim.store.group_member_ids(group["id"]) == []
    stats = anon.get("/_sim/stats").json()
    assert (stats["writes"], stats["write_attempts"]) == (2, 4)


def test_membership_of_unknown_group_or_user_is_404(okta: httpx.Client, sim: OktaSimulator) -> None:
    group = sim.store.create_group("Sales")
    user = sim.store.create_user(profile(1))
    for path in (
        f"/api/v1/groups/00gnope/users/{user['id']}",
        f"/api/v1/groups/{group['id']}/users/00unope",
    ):
        assert_okta_error(okta.put(path), "E0000007")
        assert_okta_error(okta.delete(path), "E0000007")


@pytest.mark.parametrize("kind", ["APP_GROUP", "BUILT_IN"])
def test_only_okta_groups_accept_membership_changes(
    okta: httpx.Client, sim: OktaSimulator, kind: str
) -> None:
    user = sim.store.create_user(profile(1))
    if kind == "BUILT_IN":
        group_id = sim.store.everyone_group_id
    else:
        group_id = sim.store.create_group("AD Staff", type="APP_GROUP")["id"]
        sim.store.add_member(group_id, user["id"])  # imports own these memberships
    for method in ("PUT", "DELETE"):
        response = okta.request(method, f"/api/v1/groups/{group_id}/users/{user['id']}")
        assert response.status_code == 403
        assert_okta_error(response, "E0000006")


def test_group_members_are_paged(okta: httpx.Client, sim: OktaSimulator) -> None:
    group = sim.store.create_group("Big")
    members = []
    for n in range(5):
        user = sim.store.create_user(profile(n))
        sim.store.add_member(group["id"], user["id"])
        members.append(user["id"])
    seen = []
    response = okta.get(f"/api/v1/groups/{group['id']}/users", params={"limit": 2})
    while True:
        seen += [u["id"] for u in response.json()]
        if "next" not in response.links:
            break
        response = okta.get(response.links["next"]["url"])
    assert seen == members
    everyone = okta.get(f"/api/v1/groups/{sim.store.everyone_group_id}/users").json()
    assert [u["id"] for u in everyone] == members


def test_user_groups_always_include_everyone(okta: httpx.Client, sim: OktaSimulator) -> None:
    user = sim.store.create_user(profile(1), "DEPROVISIONED")
    groups = okta.get(f"/api/v1/users/{user['id']}/groups").json()
    assert [(g["profile"]["name"], g["type"]) for g in groups] == [("Everyone", "BUILT_IN")]
