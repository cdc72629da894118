"""Event hooks: the `/api/v1/eventHooks` API, verification against a real receiver, and
asynchronous, batched delivery of System Log events (one retry, then dropped)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hook_receiver import CHALLENGE, HookReceiver, wait_until
from okta_contract import assert_okta_error
from okta_testdata import profile

from simulators.okta import OktaSimulator
from simulators.okta.actors import service_actor

SECRET = "Bearer hook-secret-123"


def hook_body(uri: str, *items: str, name: str = "Lifecycle events") -> dict[str, Any]:
    return {
        "name": name,
        "events": {"type": "EVENT_TYPE", "items": list(items) or ["user.lifecycle.create"]},
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": uri,
                "headers": [{"key": "X-Extra", "value": "extra-value"}],
                "authScheme": {"type": "HEADER", "key": "Authorization", "value": SECRET},
            },
        },
    }


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    with HookReceiver() as running:
        yield running


def verified_hook(okta: httpx.Client, uri: str, *items: str, name: str = "hook") -> str:
    created = okta.post("/api/v1/eventHooks", json=hook_body(uri, *items, name=name))
    assert created.status_code == 200, created.text
    hook_id: str = created.json()["id"]
    verified = okta.post(f"/api/v1/eventHooks/{hook_id}/lifecycle/verify")
    assert verified.status_code == 200, verified.text
    return hook_id


def delivery_stats(anon: httpx.Client) -> dict[str, Any]:
    stats: dict[str, Any] = anon.get("/_sim/event-hooks").json()["delivery"]
    return stats


def test_create_list_get_replace_and_delete(
    okta: httpx.Client, anon: httpx.Client, receiver: HookReceiver
) -> None:
    created = okta.post("/api/v1/eventHooks", json=hook_body(receiver.url))
    assert created.status_code == 200
    hook = created.json()
    assert (hook["status"], hook["verificationStatus"]) == ("ACTIVE", "UNVERIFIED")
    assert hook["created"] == hook["lastUpdated"] == "2026-03-02T09:00:00.000Z"
    assert hook["createdBy"] == service_actor().id
    assert hook["channel"]["config"]["authScheme"] == {"type": "HEADER", "key": "Authorization"}
    assert SECRET not in created.text
    assert hook["channel"]["config"]["method"] == "POST"
    assert {"self", "verify", "deactivate"} <= set(hook["_links"])
    assert [h["id"] for h in okta.get("/api/v1/eventHooks").json()] == [hook["id"]]
    assert okta.get(f"/api/v1/eventHooks/{hook['id']}").json()["name"] == "Lifecycle events"
    assert SECRET not in okta.get("/api/v1/eventHooks").text
    assert SECRET not in anon.get("/_sim/event-hooks").text

    okta.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/verify")
    body = hook_body(receiver.url, "user.lifecycle.deactivate", name="Renamed")
    del body["channel"]["config"]["authScheme"]["value"]  # as GET shows it: keeps the secret
    replaced = okta.put(f"/api/v1/eventHooks/{hook['id']}", json=body)
    assert replaced.status_code == 200
    assert replaced.json()["name"] == "Renamed"
    assert replaced.json()["verificationStatus"] == "VERIFIED"  # same channel
    body["channel"]["config"]["headers"] = []
    again = okta.put(f"/api/v1/eventHooks/{hook['id']}", json=body).json()
    assert again["verificationStatus"] == "UNVERIFIED"  # a new channel is verified again
    okta.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/verify")
    assert receiver.verifications[-1]["Authorization"] == SECRET

    refused = okta.delete(f"/api/v1/eventHooks/{hook['id']}")
    assert refused.status_code == 403
    assert_okta_error(refused, "E0000006")
    inactive = okta.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/deactivate").json()
    assert inactive["status"] == "INACTIVE" and "activate" in inactive["_links"]
    assert okta.delete(f"/api/v1/eventHooks/{hook['id']}").status_code == 204
    assert_okta_error(okta.get(f"/api/v1/eventHooks/{hook['id']}"), "E0000007")
    assert okta.get("/api/v1/eventHooks").json() == []


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        ({"uri": "http://hooks.example.com/okta"}, "HTTPS"),
        ({"uri": "ftp://127.0.0.1/x"}, "HTTPS"),
        ({"items": ["user.lifecycle.create", "no.such.event"]}, "no.such.event"),
        ({"items": []}, "events.items"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_hooks_are_400(okta: httpx.Client, change: dict[str, Any], cause: str) -> None:
    body = hook_body(change.get("uri", "https://hooks.example.com/okta"))
    if "items" in change:
        body["events"]["items"] = change["items"]
    if "name" in change:
        body["name"] = change["name"]
    response = okta.post("/api/v1/eventHooks", json=body)
    assert response.status_code == 400
    error = assert_okta_error(response, "E0000001")
    assert cause in str(error["errorCauses"])


def test_https_and_loopback_uris_are_accepted(okta: httpx.Client) -> None:
    for uri in ("https://hooks.example.com/okta", "http://localhost:9/x", "http://127.0.0.1/x"):
        assert okta.post("/api/v1/eventHooks", json=hook_body(uri)).status_code == 200


def test_verification_sends_the_challenge_and_headers(
    okta: httpx.Client, receiver: HookReceiver
) -> None:
    hook = okta.post("/api/v1/eventHooks", json=hook_body(receiver.url)).json()
    verified = okta.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/verify")
    assert verified.status_code == 200
    assert verified.json()["verificationStatus"] == "VERIFIED"
    [request] = receiver.verifications
    assert request[CHALLENGE]
    assert request["Authorization"] == SECRET and request["X-Extra"] == "extra-value"


def test_a_wrong_answer_fails_verification(
    okta: httpx.Client, anon: httpx.Client, receiver: HookReceiver
) -> None:
    receiver.wrong_challenge = True
    hook = okta.post("/api/v1/eventHooks", json=hook_body(receiver.url)).json()
    failed = okta.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/verify")
    assert failed.status_code == 400
    error = assert_okta_error(failed, "E0000001")
    assert "does not match the challenge" in error["errorCauses"][0]["errorSummary"]
    assert len(receiver.verifications) == 2  # one retry
    assert okta.get(f"/api/v1/eventHooks/{hook['id']}").json()["verificationStatus"] == (
        "UNVERIFIED"
    )
    assert delivery_stats(anon)["failed_verifications"] == 1


def test_an_unreachable_receiver_fails_verification(okta: httpx.Client) -> None:
    with HookReceiver() as gone:
        uri = gone.url
    hook = okta.post("/api/v1/eventHooks", json=hook_body(uri)).json()
    failed = okta.post(f"/api/v1/eventHooks/{hook['id']}/lifecycle/verify")
    assert (
        "could not connect"
        in assert_okta_error(failed, "E0000001")["errorCauses"][0]["errorSummary"]
    )


def test_events_of_one_request_arrive_in_one_batch_with_the_auth_header(
    okta: httpx.Client, sim: OktaSimulator, receiver: HookReceiver
) -> None:
    group = sim.store.create_group("Sales")
    hook_id = verified_hook(
        okta,
        receiver.url,
        "user.lifecycle.create",
        "user.lifecycle.activate",
        "group.user_membership.add",
    )
    created = okta.post(
        "/api/v1/users",
        json={
            "profile": profile(1),
            "credentials": {"password": {"value": "Sup3r-secret!"}},
            "groupIds": [group["id"]],
        },
    )
    assert created.status_code == 200
    receiver.wait_for(lambda r: len(r.events()) == 3)
    [delivery] = receiver.deliveries
    assert delivery["headers"]["Authorization"] == SECRET
    assert delivery["headers"]["X-Extra"] == "extra-value"
    assert delivery["headers"]["Content-Type"] == "application/json"
    body = delivery["body"]
    assert {k: body[k] for k in ("eventType", "eventTypeVersion", "cloudEventsVersion")} == {
        "eventType": "com.okta.event_hook",
        "eventTypeVersion": "1.0",
        "cloudEventsVersion": "0.1",
    }
    assert body["source"].endswith(f"/api/v1/eventHooks/{hook_id}")
    assert body["contentType"] == "application/json" and body["eventId"] and body["eventTime"]
    assert [e["eventType"] for e in body["data"]["events"]] == [
        "user.lifecycle.create",
        "user.lifecycle.activate",
        "group.user_membership.add",
    ]
    assert body["data"]["events"] == okta.get("/api/v1/logs").json()


def test_only_subscribed_event_types_are_delivered(
    okta: httpx.Client, receiver: HookReceiver
) -> None:
    verified_hook(okta, receiver.url, "user.lifecycle.suspend")
    user = okta.post("/api/v1/users", json={"profile": profile(1)}).json()  # not subscribed
    okta.post(f"/api/v1/users/{user['id']}/lifecycle/deactivate")
    okta.post(f"/api/v1/users/{user['id']}/lifecycle/activate", params={"sendEmail": "false"})
    okta.post(f"/api/v1/users/{user['id']}/lifecycle/deactivate")
    created = okta.post(
        "/api/v1/users",
        json={"profile": profile(2), "credentials": {"password": {"value": "Sup3r-secret!"}}},
    ).json()
    okta.post(f"/api/v1/users/{created['id']}/lifecycle/suspend")
    receiver.wait_for(lambda r: len(r.events()) >= 1)
    assert [e["eventType"] for e in receiver.events()] == ["user.lifecycle.suspend"]


def test_a_failing_receiver_gets_one_retry_then_the_batch_is_dropped(
    okta: httpx.Client, anon: httpx.Client, receiver: HookReceiver
) -> None:
    verified_hook(okta, receiver.url)
    receiver.post_statuses = [500, 500]
    okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)})
    wait_until(lambda: delivery_stats(anon)["failed_requests"] == 1, what="a dropped batch")
    assert [d["status"] for d in receiver.deliveries] == [500, 500]
    stats = delivery_stats(anon)
    assert (stats["retries"], stats["failed_events"], stats["delivered_events"]) == (1, 1, 0)
    # The next event goes through: one failure does not disable the hook.
    okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(2)})
    receiver.wait_for(lambda r: len(r.events()) == 1)
    assert receiver.events()[0]["target"][0]["alternateId"] == "user2@example.test"


def test_a_retry_after_one_500_delivers(
    okta: httpx.Client, anon: httpx.Client, receiver: HookReceiver
) -> None:
    verified_hook(okta, receiver.url)
    receiver.post_statuses = [500]
    okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)})
    receiver.wait_for(lambda r: len(r.events()) == 1)
    assert [d["status"] for d in receiver.deliveries] == [500, 200]
    wait_until(lambda: delivery_stats(anon)["delivered_requests"] == 1, what="counted")
    assert delivery_stats(anon)["retries"] == 1


def test_deactivated_and_unverified_hooks_get_nothing(
    okta: httpx.Client, receiver: HookReceiver
) -> None:
    with HookReceiver() as silent, HookReceiver() as unverified:
        quiet = verified_hook(okta, silent.url, name="deactivated")
        okta.post(f"/api/v1/eventHooks/{quiet}/lifecycle/deactivate")
        okta.post("/api/v1/eventHooks", json=hook_body(unverified.url, name="never verified"))
        verified_hook(okta, receiver.url, name="witness")
        okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(1)})
        receiver.wait_for(lambda r: len(r.events()) == 1)  # the witness got it: all were sent
        assert silent.deliveries == [] and unverified.deliveries == []
        okta.post(f"/api/v1/eventHooks/{quiet}/lifecycle/activate")
        okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(2)})
        silent.wait_for(lambda r: len(r.events()) == 1)
        assert silent.events()[0]["target"][0]["alternateId"] == "user2@example.test"


def test_a_receiver_that_is_down_delays_nothing(
    okta: httpx.Client, anon: httpx.Client, receiver: HookReceiver
) -> None:
    verified_hook(okta, receiver.url)
    receiver.stop()
    started = time.monotonic()
    for n in range(3):
        response = okta.post(
            "/api/v1/users", params={"activate": "false"}, json={"profile": profile(n)}
        )
        assert response.status_code == 200
    assert time.monotonic() - started < 2.0
    wait_until(lambda: delivery_stats(anon)["failed_events"] == 3, what="dropped deliveries")
    assert delivery_stats(anon)["delivered_events"] == 0


def test_seeding_delivers_nothing(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator, receiver: HookReceiver
) -> None:
    verified_hook(okta, receiver.url)
    sim.store.create_user(profile(1))
    okta.post("/api/v1/users", params={"activate": "false"}, json={"profile": profile(2)})
    receiver.wait_for(lambda r: len(r.events()) == 1)
    assert receiver.events()[0]["target"][0]["alternateId"] == "user2@example.test"
    assert delivery_stats(anon)["queued_events"] == 1
