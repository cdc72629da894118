"""The rate-limit governor: pacing decisions on a fake clock, then a bulk run against the
simulator with a 60/min users bucket sharing the simulator's clock (no wall-clock waits)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from okta_client_support import clock_sleep, person

from integrations.okta import OktaClient, RateLimitGovernor, SswsAuth, bucket_for
from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_OKTA_TOKEN
from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator


class FakeTime:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(int(reset)),
    }


async def send(gov: RateLimitGovernor, status: int, answer: dict[str, str], path: str) -> None:
    async with gov.slot("GET", path) as slot:
        slot.observe(status, answer)


@pytest.mark.parametrize(
    ("method", "path", "bucket"),
    [
        ("GET", "/api/v1/users", "users"),
        ("POST", "/api/v1/users", "users"),
        ("GET", "/api/v1/users/00u1", "user_get"),
        ("GET", "/api/v1/users/00u1/groups", "user_get"),
        ("POST", "/api/v1/users/00u1", "user_write"),
        ("POST", "/api/v1/users/00u1/lifecycle/suspend", "user_write"),
        ("DELETE", "/api/v1/users/00u1/sessions", "user_write"),
        ("GET", "/api/v1/groups", "groups"),
        ("PUT", "/api/v1/groups/00g1/users/00u1", "group"),
        ("GET", "/api/v1/meta/schemas/user/default", "default"),
    ],
)
def test_buckets_follow_okta(method: str, path: str, bucket: str) -> None:
    assert bucket_for(method, path) == bucket


async def test_bursts_while_the_budget_is_large() -> None:
    fake = FakeTime()
    gov = RateLimitGovernor(clock=fake.clock, sleep=fake.sleep)
    reset = fake.now + 60
    for remaining in range(599, 400, -1):
        await send(gov, 200, headers(600, remaining, reset), "/api/v1/users")
    assert fake.slept == []
    assert gov.stats.requests == 199 and gov.stats.waits == 0


async def test_paces_the_rest_of_the_budget_over_the_window() -> None:
    fake = FakeTime()
    gov = RateLimitGovernor(clock=fake.clock, sleep=fake.sleep, reserve_fraction=0.05)
    reset = fake.now + 60
    await send(gov, 200, headers(100, 23, reset), "/api/v1/users")  # 23 left, reserve 5
    await send(gov, 200, headers(100, 22, reset), "/api/v1/users")
    # 18 usable requests over the 60 s left: about one every 3.3 s.
    assert fake.slept == [pytest.approx(60 / 18, rel=0.01)]


async def test_waits_for_the_reset_when_exhausted_and_after_a_429() -> None:
    fake = FakeTime()
    gov = RateLimitGovernor(clock=fake.clock, sleep=fake.sleep, reserve_fraction=0.05)
    reset = fake.now + 42
    await send(gov, 200, headers(60, 3, reset), "/api/v1/users")  # only the reserve is left
    await send(gov, 200, headers(60, 59, reset + 60), "/api/v1/users")
    assert fake.slept == [42]

    fake.slept.clear()
    await send(gov, 429, headers(60, 0, fake.now + 17), "/api/v1/groups")
    await send(gov, 200, headers(500, 499, fake.now + 60), "/api/v1/groups")
    assert fake.slept == [17]
    assert gov.stats.rate_limited == 1


async def test_a_429_with_a_past_reset_backs_off_exponentially() -> None:
    fake = FakeTime()
    gov = RateLimitGovernor(clock=fake.clock, sleep=fake.sleep, min_backoff=1.0)
    for _ in range(3):  # a skewed clock: the reset already passed here
        await send(gov, 429, headers(60, 0, fake.now - 5), "/api/v1/users")
    await send(gov, 200, headers(60, 50, fake.now + 60), "/api/v1/users")
    assert fake.slept == [1.0, 2.0, 4.0]


async def test_one_probe_before_the_first_answer_and_stale_answers_ignored() -> None:
    fake = FakeTime()
    gov = RateLimitGovernor(clock=fake.clock, sleep=fake.sleep)
    order: list[str] = []
    gate = asyncio.Event()

    async def probe() -> None:
        async with gov.slot("GET", "/api/v1/users") as slot:
            order.append("probe sent")
            await gate.wait()
            slot.observe(200, headers(600, 500, fake.now + 60))

    async def follower() -> None:
        async with gov.slot("GET", "/api/v1/users") as slot:
            order.append("follower sent")
            slot.observe(200, headers(600, 520, fake.now + 60))  # overtaken: older count

    first = asyncio.create_task(probe())
    await asyncio.sleep(0)
    second = asyncio.create_task(follower())
    await asyncio.sleep(0.01)
    assert order == ["probe sent"]  # nothing else goes out blind
    gate.set()
    await asyncio.gather(first, second)
    assert order == ["probe sent", "follower sent"]
    assert gov.snapshot()["users"]["remaining"] == 500


async def test_global_concurrency_cap() -> None:
    gov = RateLimitGovernor(max_concurrency=3)
    in_flight = peak = 0

    async def call(n: int) -> None:
        nonlocal in_flight, peak
        async with gov.slot("GET", f"/api/v1/users/00u{n}") as slot:
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.005)
            in_flight -= 1
            slot.observe(200, {})

    await asyncio.gather(*(call(n) for n in range(20)))
    assert peak == 3 and gov.stats.peak_in_flight == 3


def windows(sim: OktaSimulator) -> dict[str, dict[int, int]]:
    """Requests the users bucket answered per status, per simulator minute."""
    out: dict[str, dict[int, int]] = {}
    for entry in sim.recorder.requests():
        if entry["bucket"] != "users":
            continue
        minute = int(datetime.fromisoformat(entry["time"]).timestamp() // 60)
        per = out.setdefault(str(entry["status"]), {})
        per[minute] = per.get(minute, 0) + 1
    return out


async def test_bulk_run_approaches_the_limit_without_429_storms(
    sim: OktaSimulator, server: ThreadedServer, clock: SimClock
) -> None:
    sim.limiter.set_limits({"users": 60})
    gov = RateLimitGovernor(clock=clock.time, sleep=clock_sleep(clock), max_concurrency=10)
    start = clock.time()
    async with OktaClient(server.url, SswsAuth(SIM_OKTA_TOKEN), gov) as client:

        async def one(n: int) -> str:
            return (await client.create_user(person(n))).id

        ids = await asyncio.gather(*(one(n) for n in range(300)))

    assert len(set(ids)) == 300 and sim.store.user_count() == 300
    per_minute = windows(sim)
    assert sum(per_minute.get("429", {}).values()) <= 3
    assert all(count <= 60 for count in per_minute["200"].values())
    elapsed = clock.time() - start
    # 300 requests at 60/min need at least 4 resets; pacing keeps close to the limit.
    assert 4 * 60 <= elapsed <= 7 * 60
    assert gov.stats.waits > 0 and gov.stats.requests >= 300


async def test_two_workers_share_one_org_limit(
    sim: OktaSimulator, server: ThreadedServer, clock: SimClock
) -> None:
    sim.limiter.set_limits({"users": 60})
    sleep = clock_sleep(clock)
    governors = [
        RateLimitGovernor(clock=clock.time, sleep=sleep, max_concurrency=5) for _ in range(2)
    ]
    clients = [OktaClient(server.url, SswsAuth(SIM_OKTA_TOKEN), g) for g in governors]
    try:
        await asyncio.gather(*(clients[n % 2].create_user(person(n)) for n in range(200)))
    finally:
        for client in clients:
            await client.aclose()

    assert sim.store.user_count() == 200
    served_429 = sum(windows(sim).get("429", {}).values())
    assert served_429 <= 10  # each follows the server's shared count, not its own
