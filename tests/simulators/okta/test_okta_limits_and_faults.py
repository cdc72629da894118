"""Rate limits (per bucket, per minute of the simulator clock), the concurrency limit, and
injected faults in Okta's dialect."""

from __future__ import annotations

import threading

import httpx
import pytest
from okta_contract import assert_okta_error
from okta_testdata import profile

from simulators.common.clock import SimClock
from simulators.common.faults import FaultConfig
from simulators.okta import OktaBehaviour, OktaSimulator
from simulators.okta.ratelimit import DEFAULT_LIMITS, bucket_for


@pytest.mark.parametrize(
    ("method", "path", "bucket"),
    [
        ("GET", "/api/v1/users", "users"),
        ("POST", "/api/v1/users", "users"),
        ("GET", "/api/v1/users/00u1", "user_get"),
        ("GET", "/api/v1/users/00u1/groups", "user_get"),
        ("POST", "/api/v1/users/00u1", "user_write"),
        ("PUT", "/api/v1/users/00u1", "user_write"),
        ("POST", "/api/v1/users/00u1/lifecycle/suspend", "user_write"),
        ("DELETE", "/api/v1/users/00u1/sessions", "user_write"),
        ("GET", "/api/v1/groups", "groups"),
        ("POST", "/api/v1/groups", "groups"),
        ("GET", "/api/v1/groups/00g1", "group"),
        ("PUT", "/api/v1/groups/00g1/users/00u1", "group"),
        ("GET", "/api/v1/meta/schemas/user/default", "default"),
    ],
)
def test_bucket_of_each_endpoint(method: str, path: str, bucket: str) -> None:
    assert bucket_for(method, path) == bucket


def test_every_answer_carries_its_bucket_headers(
    okta: httpx.Client, sim: OktaSimulator, clock: SimClock
) -> None:
    first = okta.get("/api/v1/users")
    second = okta.get("/api/v1/users")
    assert first.headers["X-Rate-Limit-Limit"] == str(DEFAULT_LIMITS["users"])
    assert int(first.headers["X-Rate-Limit-Remaining"]) == DEFAULT_LIMITS["users"] - 1
    assert int(second.headers["X-Rate-Limit-Remaining"]) == DEFAULT_LIMITS["users"] - 2
    assert int(first.headers["X-Rate-Limit-Reset"]) == int(clock.time()) + 60
    schema = okta.get("/api/v1/meta/schemas/user/default")
    assert schema.headers["X-Rate-Limit-Limit"] == str(DEFAULT_LIMITS["default"])
    missing = okta.get("/api/v1/users/00unope")
    assert missing.headers["X-Rate-Limit-Limit"] == str(DEFAULT_LIMITS["user_get"])


def test_exceeding_a_bucket_is_429_until_the_window_resets(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator, clock: SimClock
) -> None:
    user = sim.store.create_user(profile(1))
    assert anon.put("/_sim/rate-limits", json={"users": 2}).json()["users"] == 2
    clock.advance(10)  # mid-window: the reset is the next minute boundary, not now + 60
    assert okta.get("/api/v1/users").status_code == 200
    assert okta.get("/api/v1/users").headers["X-Rate-Limit-Remaining"] == "0"
    limited = okta.get("/api/v1/users")
    assert limited.status_code == 429
    body = assert_okta_error(limited, "E0000047")
    assert body["errorSummary"] == "API call exceeded rate limit due to too many requests."
    assert limited.headers["X-Rate-Limit-Remaining"] == "0"
    reset = int(limited.headers["X-Rate-Limit-Reset"])
    assert reset == int(clock.time()) + 50
    # Other buckets are counted separately.
    assert okta.get(f"/api/v1/users/{user['id']}").status_code == 200
    clock.advance(reset - clock.time() - 1)
    assert okta.get("/api/v1/users").status_code == 429
    clock.advance(1)
    assert okta.get("/api/v1/users").status_code == 200
    stats = anon.get("/_sim/stats").json()
    assert stats["rate_limited"] == 2 and stats["served_429"] == 2


def test_limits_from_the_constructor_and_invalid_admin_changes(clock: SimClock) -> None:
    sim = OktaSimulator(clock=clock, rate_limits={"groups": 5})
    assert sim.limiter.limits["groups"] == 5
    with pytest.raises(ValueError):
        OktaSimulator(rate_limits={"nope": 5})


@pytest.mark.parametrize("body", [{"users": 0}, {"nope": 3}, {"users": "ten"}, [1]])
def test_invalid_rate_limit_changes_are_refused(anon: httpx.Client, body: object) -> None:
    assert anon.put("/_sim/rate-limits", json=body).status_code == 400


def test_concurrency_limit_answers_429(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    sim.concurrency.limit = 2
    sim.store.behaviour = OktaBehaviour(service_time_ms=300)
    statuses: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        with httpx.Client(base_url=str(okta.base_url), headers=dict(okta.headers)) as client:
            status = client.get("/api/v1/users").status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) >= 2 and 429 in statuses
    assert anon.get("/_sim/stats").json()["concurrency_limited"] == statuses.count(429)
    assert anon.get("/_sim/concurrency").json()["peak"] <= 2


# --- faults -------------------------------------------------------------------------------


def test_error_rate_gives_okta_5xx_bodies(okta: httpx.Client, anon: httpx.Client) -> None:
    assert anon.put("/_sim/faults", json={"error_rate": 1.0}).is_success
    for status in (500, 502):
        anon.put("/_sim/faults", json={"error_rate": 1.0, "error_status": status})
        response = okta.get("/api/v1/users")
        assert response.status_code == status
        assert assert_okta_error(response, "E0000009")["errorSummary"] == "Internal Server Error"
    assert anon.get("/_sim/stats").json()["faults"]["error"] == 2
    assert anon.get("/health").status_code == 200, "admin and health are never faulted"


def test_burst_gives_429_with_rate_limit_headers(
    okta: httpx.Client, anon: httpx.Client, clock: SimClock
) -> None:
    anon.put("/_sim/faults", json={"burst_every": 3, "burst_length": 1, "burst_retry_after": 7})
    statuses = [okta.get("/api/v1/groups") for _ in range(6)]
    assert [r.status_code for r in statuses] == [429, 200, 200, 429, 200, 200]
    limited = statuses[0]
    assert_okta_error(limited, "E0000047")
    assert limited.headers["X-Rate-Limit-Remaining"] == "0"
    assert int(limited.headers["X-Rate-Limit-Reset"]) == int(clock.time()) + 7


def test_unavailable_and_503_bursts(okta: httpx.Client, anon: httpx.Client) -> None:
    anon.put("/_sim/faults", json={"unavailable": True})
    response = okta.get("/api/v1/users")
    assert response.status_code == 503
    assert_okta_error(response, "E0000009")


def test_drop_cuts_the_connection_before_applying(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    anon.put("/_sim/faults", json={"drop_rate": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        okta.post("/api/v1/users", json={"profile": profile(1)})
    assert sim.store.get_user("user1@example.test") is None


def test_drop_after_apply_applies_the_write(
    okta: httpx.Client, anon: httpx.Client, sim: OktaSimulator
) -> None:
    anon.put("/_sim/faults", json={"drop_after_apply_rate": 1.0, "methods": ["POST"]})
    with pytest.raises(httpx.RemoteProtocolError):
        okta.post("/api/v1/users", json={"profile": profile(1)})
    created = sim.store.get_user("user1@example.test")
    assert created is not None and created["status"] == "PROVISIONED"
    anon.put("/_sim/faults", json={})
    retry = okta.post("/api/v1/users", json={"profile": profile(1)})
    assert_okta_error(retry, "E0000001")  # the retried create meets the applied one


def test_faults_limited_to_paths_and_methods(okta: httpx.Client, anon: httpx.Client) -> None:
    anon.put("/_sim/faults", json={"error_rate": 1.0, "only_paths": ["/api/v1/groups"]})
    assert okta.get("/api/v1/users").status_code == 200
    assert okta.get("/api/v1/groups").status_code == 500
    anon.put("/_sim/faults", json={"error_rate": 1.0, "methods": ["POST"]})
    assert okta.get("/api/v1/groups").status_code == 200


def test_invalid_fault_config_is_refused(anon: httpx.Client) -> None:
    assert anon.put("/_sim/faults", json={"error_rate": 2}).status_code == 400
    assert anon.get("/_sim/faults").json() == FaultConfig().model_dump()
