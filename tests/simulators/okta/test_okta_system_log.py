"""The System Log: a LogEvent for each real change made through the API (none for no-op
writes or seeding), served by `GET /api/v1/logs` with Okta's filters and paging."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from okta_contract import assert_okta_error
from okta_testdata import profile

from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator
from simulators.okta.actors import service_actor
from simulators.okta.syslog import CURRENT_CALL, ApiCall

UNTIL = "2026-03-03T00:00:00.000Z"  # after everything these tests record (clock frozen)


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["eventType"] for e in events]


def next_link(response: httpx.Response) -> str | None:
    return response.links.get("next", {}).get("url")


def test_every_kind_of_change_is_logged_once(okta: httpx.Client, sim: OktaSimulator) -> None:
    group = okta.post("/api/v1/groups", json={"profile": {"name": "Sales"}}).json()
    user = okta.post(
        "/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)}
    ).json()
    lc = f"/api/v1/users/{user['id']}/lifecycle"
    okta.post(f"{lc}/activate")
    okta.post(f"{lc}/reactivate")
    sim.store.complete_activation(user["id"])  # the user's doing: not logged
    okta.post(f"{lc}/suspend")
    okta.post(f"{lc}/unsuspend")
    okta.post(f"/api/v1/users/{user['id']}", json={"profile": {"title": "Rep", "city": "Oslo"}})
    okta.put(f"/api/v1/users/{user['id']}", json={"profile": profile(1, city="Bergen")})
    member = f"/api/v1/groups/{group['id']}/users/{user['id']}"
    okta.put(member)
    okta.delete(member)
    okta.post(f"{lc}/deactivate")
    events = okta.get("/api/v1/logs").json()
    assert types(events) == [
        "user.lifecycle.create",
        "user.lifecycle.activate",
        "user.lifecycle.reactivate",
        "user.lifecycle.suspend",
        "user.lifecycle.unsuspend",
        "user.account.update_profile",
        "user.account.update_profile",
        "group.user_membership.add",
        "group.user_membership.remove",
        "user.lifecycle.deactivate",
    ]
    updates = [e for e in events if e["eventType"] == "user.account.update_profile"]
    assert updates[0]["debugContext"]["debugData"]["changedAttributes"] == "city,title"
    assert updates[1]["debugContext"]["debugData"]["changedAttributes"] == "city,title"
    add = events[7]
    assert add["target"] == [
        {
            "id": user["id"],
            "type": "User",
            "alternateId": "user1@example.test",
            "displayName": "First1 Last1",
        },
        {"id": group["id"], "type": "UserGroup", "alternateId": "Sales", "displayName": "Sales"},
    ]
    assert add["legacyEventType"] == "core.user_group_member.user_add"
    for event in events:
        assert event["version"] == "0" and event["severity"] == "INFO"
        assert event["outcome"] == {"result": "SUCCESS"}
        assert event["published"] == "2026-03-02T09:00:00.000Z"
        assert event["actor"]["id"] == service_actor().id
        assert event["transaction"]["type"] == "WEB"
        assert event["debugContext"]["debugData"]["requestId"] == event["transaction"]["id"]
        assert event["displayMessage"]
    assert len({e["uuid"] for e in events}) == len(events)


def test_no_op_writes_and_seeding_log_nothing(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    group = sim.store.create_group("Sales")
    user = sim.store.create_user(profile(1, title="Rep"), group_ids=[group["id"]])
    sim.store.add_member(group["id"], sim.store.create_user(profile(2))["id"])
    assert anon.get("/_sim/system-log").json() == []
    assert okta.put(f"/api/v1/groups/{group['id']}/users/{user['id']}").status_code == 204
    assert okta.post(f"/api/v1/users/{user['id']}", json={"profile": {"title": "Rep"}}).is_success
    assert okta.put(f"/api/v1/users/{user['id']}", json={"profile": profile(1, title="Rep")})
    stranger = sim.store.create_user(profile(3))
    okta.delete(f"/api/v1/groups/{group['id']}/users/{stranger['id']}")  # not a member
    okta.post(f"/api/v1/users/{user['id']}/lifecycle/suspend")
    okta.post(f"/api/v1/users/{user['id']}/lifecycle/suspend")  # refused: 400
    assert types(okta.get("/api/v1/logs").json()) == ["user.lifecycle.suspend"]


def test_create_with_activation_and_groups_logs_each_part(
    okta: httpx.Client, sim: OktaSimulator
) -> None:
    group = sim.store.create_group("Sales")
    created = okta.post(
        "/api/v1/users",
        json={
            "profile": profile(1),
            "credentials": {"password": {"value": "Sup3r-secret!"}},
            "groupIds": [group["id"]],
        },
    )
    assert created.json()["status"] == "ACTIVE"
    events = okta.get("/api/v1/logs").json()
    assert types(events) == [
        "user.lifecycle.create",
        "user.lifecycle.activate",
        "group.user_membership.add",
    ]
    assert len({e["transaction"]["id"] for e in events}) == 1  # one request


def test_bounded_query_pages_until_the_last_page(okta: httpx.Client, sim: OktaSimulator) -> None:
    for n in range(5):
        okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(n)})
    params = {"since": "2026-03-02T00:00:00Z", "until": UNTIL, "limit": "2"}
    first = okta.get("/api/v1/logs", params=params)
    assert len(first.json()) == 2 and first.links["self"]
    seen = [e["target"][0]["alternateId"] for e in first.json()]
    url = next_link(first)
    pages = 1
    while url:
        page = okta.get(url)
        assert page.status_code == 200
        seen += [e["target"][0]["alternateId"] for e in page.json()]
        url = next_link(page)
        pages += 1
    assert pages == 3
    assert seen == [f"user{n}@example.test" for n in range(5)]
    exact = okta.get("/api/v1/logs", params={**params, "limit": "5"})
    assert len(exact.json()) == 5 and next_link(exact) is None
    newest_first = okta.get("/api/v1/logs", params={**params, "sortOrder": "DESCENDING"})
    assert newest_first.json()[0]["target"][0]["alternateId"] == "user4@example.test"
    older = okta.get(next_link(newest_first) or "").json()
    assert [e["target"][0]["alternateId"] for e in older] == [
        "user2@example.test",
        "user1@example.test",
    ]


def test_polling_query_always_links_to_the_next_page(
    okta: httpx.Client, sim: OktaSimulator, clock: SimClock
) -> None:
    empty = okta.get("/api/v1/logs", params={"since": "2026-03-02T00:00:00.000Z"})
    assert empty.json() == []
    poll = next_link(empty)
    assert poll is not None and parse_qs(urlsplit(poll).query)["since"]
    still_empty = okta.get(poll)
    assert still_empty.json() == [] and next_link(still_empty)
    okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)})
    clock.advance(5)
    okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(2)})
    got = okta.get(poll, params={"limit": "1"})
    # the link keeps its own parameters; httpx merges ours in
    assert [e["target"][0]["alternateId"] for e in got.json()] == ["user1@example.test"]
    poll = next_link(got)
    assert poll is not None
    second = okta.get(poll)
    assert [e["target"][0]["alternateId"] for e in second.json()] == ["user2@example.test"]
    assert second.json()[0]["published"] == "2026-03-02T09:00:05.000Z"
    drained = okta.get(next_link(second) or "")
    assert drained.json() == [] and next_link(drained)


def test_since_and_until_bound_the_published_time(
    okta: httpx.Client, sim: OktaSimulator, clock: SimClock
) -> None:
    okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)})
    clock.advance(3600)
    okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(2)})
    later = okta.get("/api/v1/logs", params={"since": "2026-03-02T09:30:00Z"}).json()
    assert [e["target"][0]["alternateId"] for e in later] == ["user2@example.test"]
    earlier = okta.get(
        "/api/v1/logs", params={"since": "2026-03-02T08:00:00Z", "until": "2026-03-02T09:30:00Z"}
    ).json()
    assert [e["target"][0]["alternateId"] for e in earlier] == ["user1@example.test"]
    clock.advance(8 * 24 * 3600)
    assert okta.get("/api/v1/logs").json() == []  # default since: 7 days ago


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('eventType eq "group.user_membership.add"', ["group.user_membership.add"]),
        ('eventType sw "group."', ["group.user_membership.add", "group.user_membership.remove"]),
        (
            'eventType eq "user.lifecycle.create" or eventType eq "user.lifecycle.suspend"',
            ["user.lifecycle.create", "user.lifecycle.suspend"],
        ),
        ('(eventType sw "user.lifecycle") and target.id eq "{user}"', ["user.lifecycle.create"]),
        ('target.id eq "{group}"', ["group.user_membership.add", "group.user_membership.remove"]),
        ('actor.id eq "0oaNobody"', []),
        (
            'actor.id eq "{actor}" and eventType eq "user.lifecycle.suspend"',
            ["user.lifecycle.suspend"],
        ),
    ],
)
def test_filters(
    okta: httpx.Client, sim: OktaSimulator, expression: str, expected: list[str]
) -> None:
    group = sim.store.create_group("Sales")
    user = okta.post(
        "/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)}
    ).json()
    other = sim.store.create_user(profile(2))
    okta.put(f"/api/v1/groups/{group['id']}/users/{user['id']}")
    okta.delete(f"/api/v1/groups/{group['id']}/users/{user['id']}")
    okta.post(f"/api/v1/users/{other['id']}/lifecycle/suspend")
    text = expression.format(user=user["id"], group=group["id"], actor=service_actor().id)
    response = okta.get("/api/v1/logs", params={"filter": text})
    assert response.status_code == 200, response.text
    assert types(response.json()) == expected


@pytest.mark.parametrize(
    "expression",
    ['foo eq "x"', 'eventType gt "a"', 'eventType eq "x" and', "eventType eq", 'published eq "x"'],
)
def test_unsupported_filters_are_400(okta: httpx.Client, expression: str) -> None:
    response = okta.get("/api/v1/logs", params={"filter": expression})
    assert response.status_code == 400
    assert_okta_error(response, "E0000001")


def test_bad_parameters_are_400(okta: httpx.Client) -> None:
    for params in (
        {"since": "yesterday"},
        {"since": "2026-03-02T10:00:00Z", "until": "2026-03-02T09:00:00Z"},
        {"after": "not-a-cursor"},
        {"q": " ".join(f"k{n}" for n in range(11))},
    ):
        assert_okta_error(okta.get("/api/v1/logs", params=params), "E0000001")


def test_keyword_search_and_limit(okta: httpx.Client, sim: OktaSimulator) -> None:
    for n in range(3):
        okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(n)})
    found = okta.get("/api/v1/logs", params={"q": "USER1@example.test create"}).json()
    assert [e["target"][0]["alternateId"] for e in found] == ["user1@example.test"]
    assert len(okta.get("/api/v1/logs", params={"limit": "2"}).json()) == 2


def test_logs_have_their_own_rate_limit_bucket(okta: httpx.Client, anon: httpx.Client) -> None:
    response = okta.get("/api/v1/logs")
    assert response.headers["X-Rate-Limit-Limit"] == "120"
    assert anon.get("/_sim/stats").json()["by_bucket"] == {"logs": 1}


def test_events_are_bounded_and_survive_a_state_reload(clock: SimClock) -> None:
    small = OktaSimulator(clock=clock, max_log_events=2)

    token = CURRENT_CALL.set(ApiCall(service_actor(), "req1", "POST", "/api/v1/users"))
    try:
        for n in range(3):
            small.store.create_user(profile(n), "STAGED")
    finally:
        CURRENT_CALL.reset(token)
    kept = small.system_log.events()
    assert [e["target"][0]["alternateId"] for e in kept] == [
        "user1@example.test",
        "user2@example.test",
    ]
    copy = OktaSimulator(clock=clock)
    copy.store.load(small.store.snapshot())
    assert copy.system_log.events() == kept
