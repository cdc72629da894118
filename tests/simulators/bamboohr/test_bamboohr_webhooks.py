"""Webhooks: both payload families arrive signed (HMAC-SHA256 over body + timestamp) and match
the spec; a 5xx or an unreachable receiver gets redelivered on the retry schedule (sim clock),
a 4xx does not; future-dated rows fire on the day they take effect.

The simulator here delivers only when told (`flush`), except in the background-delivery
test, so each step is deterministic.
"""

from __future__ import annotations

import time

import httpx
import pytest
from bamboohr_contract import BambooHRContract
from bamboohr_receivers import Receiver
from bamboohr_testdata import RETRY_SCHEDULE, START, Company, seed_company

from integrations.serving import ThreadedServer, free_port
from lifecycle.settings import SIM_BAMBOOHR_KEY, SIM_WEBHOOK_KEY
from simulators.bamboohr import BambooHRSimulator
from simulators.common.clock import SimClock

DAY = 86400
EVENTS = ["employee.created", "employee.updated", "employee.deleted"]


@pytest.fixture
def sim(clock: SimClock) -> BambooHRSimulator:
    # The background round runs once at start-up, then only flushes deliver.
    return BambooHRSimulator(
        clock=clock, webhook_retry_schedule=RETRY_SCHEDULE, delivery_tick_seconds=3600
    )


def register(api: httpx.Client, url: str, **body: object) -> dict:
    r = api.post("/api/v1/webhooks", json={"name": "test", "url": url, "format": "json", **body})
    assert r.status_code == 201, r.text
    return r.json()


def flush(api: httpx.Client) -> list[dict]:
    r = api.post("/_sim/webhooks/flush")
    assert r.status_code == 200
    return r.json()["attempted"]


def deliveries(api: httpx.Client) -> list[dict]:
    return api.get("/_sim/webhooks/deliveries").json()["deliveries"]


def test_event_webhooks_are_signed_and_match_the_spec(
    api: httpx.Client,
    sim: BambooHRSimulator,
    company: Company,
    receiver: tuple[Receiver, str],
    contract: BambooHRContract,
) -> None:
    hooks, url = receiver
    register(api, url, events=EVENTS, monitorFields=["department", "workEmail", "status"])
    eid = sim.store.hire(
        "Dorothy",
        "Vaughan",
        "dorothy.vaughan@acme.test",
        department="Engineering",
        hire_date="2025-03-03",
    )
    sim.store.update_fields(eid, {"workEmail": "dorothy.v@acme.test", "mobilePhone": "+1 555"})
    sim.store.update_fields(eid, {"mobilePhone": "+1 556"})  # not monitored: nothing sent
    sim.store.delete(eid)
    flush(api)
    got = hooks.wait_for(4)
    assert [r.payload for r in got] == [
        {
            "type": "employee.created",
            "timestamp": "2025-03-03T12:00:00Z",
            "data": {"companyId": "1", "employeeId": eid},
        },
        {
            "type": "employee.updated",
            "timestamp": "2025-03-03T12:00:00Z",
            "data": {
                "companyId": "1",
                "employeeId": eid,
                "changedFields": ["workEmail", "department", "status"],  # catalogue order
            },
        },
        {
            "type": "employee.updated",
            "timestamp": "2025-03-03T12:00:00Z",
            "data": {"companyId": "1", "employeeId": eid, "changedFields": ["workEmail"]},
        },
        {
            "type": "employee.deleted",
            "timestamp": "2025-03-03T12:00:00Z",
            "data": {"companyId": "1", "employeeId": eid},
        },
    ]
    for r in got:
        assert r.signature_ok(SIM_WEBHOOK_KEY)
        # Signed with the wall clock (a receiver's replay window), whatever the sim clock says.
        assert abs(int(r.headers["x-bamboohr-timestamp"]) - time.time()) < 60
        assert r.headers["content-type"] == "application/json"
        contract.check_webhook(r.payload["type"], r.body)
        assert not r.signature_ok("some other key")


def test_legacy_field_webhooks_post_the_chosen_fields(
    api: httpx.Client, sim: BambooHRSimulator, company: Company, receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    register(
        api,
        url,
        monitorFields=["department", "jobTitle"],
        postFields={"firstName": "First Name", "workEmail": "Email", "4001": "Level"},
    )
    sim.store.change_job(company.dev, "2025-03-03", department="Research")
    sim.store.update_fields(company.manager, {"jobTitle": "Director"})
    sim.store.update_fields(company.ceo, {"mobilePhone": "+49 1"})  # not monitored
    flush(api)
    got = hooks.wait_for(1)
    assert len(got) == 1  # one round, one POST per webhook
    assert got[0].payload == {
        "employees": [
            {
                "action": "Updated",
                "changedFields": ["department"],
                "fields": {"First Name": "Ada", "Email": "ada.lovelace@acme.test", "Level": "IC3"},
                "id": company.dev,
                "timestamp": "2025-03-03T12:00:00Z",
            },
            {
                "action": "Updated",
                "changedFields": ["jobTitle"],
                "fields": {"First Name": "Alan", "Email": "alan.turing@acme.test", "Level": "M2"},
                "id": company.manager,
                "timestamp": "2025-03-03T12:00:00Z",
            },
        ]
    }
    assert got[0].signature_ok(SIM_WEBHOOK_KEY)


def test_legacy_webhooks_fire_when_a_monitored_table_is_edited(
    api: httpx.Client, sim: BambooHRSimulator, company: Company, receiver: tuple[Receiver, str]
) -> None:
    """BambooHR's guide: a monitored table field fires on every edit of its table, even a
    future-dated row that changes no current value."""
    hooks, url = receiver
    register(api, url, monitorFields=["employmentHistoryStatus"], postFields={"status": "status"})
    sim.store.terminate(company.dev, "2025-03-31")
    flush(api)
    (got,) = hooks.wait_for(1)
    item = got.payload["employees"][0]
    assert (item["action"], item["changedFields"], item["fields"]) == (
        "Updated",
        ["employmentHistoryStatus"],
        {"status": "Active"},
    )


def test_future_dated_rows_fire_event_webhooks_when_they_take_effect(
    api: httpx.Client,
    sim: BambooHRSimulator,
    clock: SimClock,
    company: Company,
    receiver: tuple[Receiver, str],
) -> None:
    hooks, url = receiver
    register(api, url, events=["employee.updated"], monitorFields=["department", "status"])
    sim.store.change_job(company.dev, "2025-03-05", department="Research")
    sim.store.terminate(company.manager, "2025-03-05")
    flush(api)
    assert hooks.wait_for(1, timeout=0.3) == []
    clock.advance(DAY)
    flush(api)
    assert hooks.wait_for(1, timeout=0.3) == []
    clock.advance(DAY)  # 2025-03-05
    flush(api)
    got = hooks.wait_for(2)
    assert sorted(
        (r.payload["data"]["employeeId"], tuple(r.payload["data"]["changedFields"])) for r in got
    ) == sorted(
        [
            (company.dev, ("department",)),
            (company.manager, ("status",)),
        ]
    )
    assert {r.payload["timestamp"] for r in got} == {"2025-03-05T12:00:00Z"}


def test_server_errors_are_redelivered_on_the_schedule(
    api: httpx.Client,
    sim: BambooHRSimulator,
    clock: SimClock,
    company: Company,
    receiver: tuple[Receiver, str],
) -> None:
    hooks, url = receiver
    hooks.answer_with(500, 503, 200)
    register(api, url, events=["employee.updated"], monitorFields=["workEmail"])
    sim.store.update_fields(company.dev, {"workEmail": "ada@acme.test"})
    flush(api)
    assert len(hooks.wait_for(1)) == 1
    (delivery,) = deliveries(api)
    assert delivery["state"] == "pending"
    assert [a["status"] for a in delivery["attempts"]] == [500]
    clock.advance(RETRY_SCHEDULE[0] - 1)
    assert flush(api) == []
    clock.advance(1)
    flush(api)
    clock.advance(RETRY_SCHEDULE[1])
    flush(api)
    got = hooks.wait_for(3)
    assert len(got) == 3
    assert len({r.body for r in got}) == 1  # the same payload each time
    assert all(r.signature_ok(SIM_WEBHOOK_KEY) for r in got)
    (delivery,) = deliveries(api)
    assert delivery["state"] == "delivered"
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    assert api.get("/api/v1/webhooks").json()["webhooks"][0]["lastSent"] == "2025-03-03 12:03:00"


def test_client_errors_are_not_retried(
    api: httpx.Client,
    sim: BambooHRSimulator,
    clock: SimClock,
    company: Company,
    receiver: tuple[Receiver, str],
) -> None:
    hooks, url = receiver
    hooks.answer_with(401)
    register(api, url, events=["employee.updated"], monitorFields=["workEmail"])
    sim.store.update_fields(company.dev, {"workEmail": "ada@acme.test"})
    flush(api)
    clock.advance(10 * DAY)
    flush(api)
    assert len(hooks.wait_for(2, timeout=0.3)) == 1
    (delivery,) = deliveries(api)
    assert delivery["state"] == "rejected"
    assert [a["status"] for a in delivery["attempts"]] == [401]


def test_unreachable_receiver_is_retried_then_given_up(
    api: httpx.Client, sim: BambooHRSimulator, clock: SimClock, company: Company
) -> None:
    register(
        api,
        f"http://127.0.0.1:{free_port()}/hook",
        events=["employee.updated"],
        monitorFields=["workEmail"],
    )
    sim.store.update_fields(company.dev, {"workEmail": "ada@acme.test"})
    flush(api)
    for delay in RETRY_SCHEDULE:
        clock.advance(delay)
        flush(api)
    clock.advance(10 * DAY)
    flush(api)
    (delivery,) = deliveries(api)
    assert delivery["state"] == "failed"
    assert len(delivery["attempts"]) == 1 + len(RETRY_SCHEDULE)
    assert all(a["status"] is None and "Connect" in a["error"] for a in delivery["attempts"])
    assert api.get("/_sim/stats").json()["webhookDeliveries"] == {"failed": 1}


def test_each_webhook_may_get_its_own_random_key(
    clock: SimClock, receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    sim = BambooHRSimulator(clock=clock, webhook_private_key=None, delivery_tick_seconds=0.02)
    with (
        ThreadedServer(sim.app) as server,
        httpx.Client(base_url=server.url, auth=(SIM_BAMBOOHR_KEY, "x"), trust_env=False) as api,
    ):
        first = register(api, url, events=["employee.created"])
        second = register(api, url + "?second", events=["employee.created"])
        assert first["privateKey"] != second["privateKey"]
        assert len(first["privateKey"]) >= 32
        sim.store.hire("Random", "Key", "random.key@acme.test")
        got = hooks.wait_for(2)  # delivered by the background task, no flush
    keys = {first["privateKey"], second["privateKey"]}
    assert len(got) == 2
    assert all(any(r.signature_ok(k) for k in keys) for r in got)


def test_deleting_a_webhook_cancels_its_pending_deliveries(
    api: httpx.Client,
    sim: BambooHRSimulator,
    clock: SimClock,
    company: Company,
    receiver: tuple[Receiver, str],
) -> None:
    hooks, url = receiver
    hooks.answer_with(500)
    hook = register(api, url, events=["employee.updated"], monitorFields=["workEmail"])
    sim.store.update_fields(company.dev, {"workEmail": "ada@acme.test"})
    flush(api)
    api.delete(f"/api/v1/webhooks/{hook['id']}")
    clock.advance(RETRY_SCHEDULE[0])
    flush(api)
    assert len(hooks.wait_for(2, timeout=0.3)) == 1
    assert deliveries(api)[0]["state"] == "cancelled"


def test_flush_from_python_and_seeded_company(
    clock: SimClock, receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    sim = BambooHRSimulator(clock=clock)
    sim.webhooks.create(
        {"name": "py", "url": url, "format": "json", "events": ["employee.created"]}
    )
    seed_company(sim.store)
    sent = sim.flush_webhooks()  # no server running: delivered on a private loop
    assert [d.state for d in sent] == ["delivered"] * 3
    assert [r.payload["data"]["employeeId"] for r in hooks.wait_for(3)] == ["1", "2", "3"]


def test_signature_timestamp_can_follow_the_sim_clock(
    clock: SimClock, receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    sim = BambooHRSimulator(
        clock=clock, webhook_retry_schedule=RETRY_SCHEDULE, webhook_signature_clock="sim"
    )
    sim.webhooks.create(
        {
            "name": "sim",
            "url": url,
            "format": "json",
            "events": ["employee.updated"],
            "monitorFields": ["workEmail"],
        }
    )
    hooks.answer_with(500, 200)
    eid = sim.store.hire("Sim", "Time")
    sim.store.update_fields(eid, {"workEmail": "sim.time@acme.test"})
    sim.flush_webhooks()
    clock.advance(RETRY_SCHEDULE[0])
    sim.flush_webhooks()
    got = hooks.wait_for(2)
    assert [int(r.headers["x-bamboohr-timestamp"]) for r in got] == [
        int(START.timestamp()),
        int(START.timestamp()) + int(RETRY_SCHEDULE[0]),
    ]
    assert all(r.signature_ok(SIM_WEBHOOK_KEY) for r in got)
