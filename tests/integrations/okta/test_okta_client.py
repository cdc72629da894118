"""The Okta client against the simulator over real HTTP: what ends up in the org, what goes
over the wire, and which typed error each kind of refusal becomes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from okta_client_support import person

from integrations.okta import (
    OktaAuthError,
    OktaClient,
    OktaInvalidTransition,
    OktaNotFound,
    OktaRateLimited,
    OktaServerError,
    OktaTransportError,
    OktaValidationError,
    PrivateKeyJwtAuth,
    RateLimitGovernor,
    SchemaAttribute,
    SswsAuth,
    build_okta_client,
)
from integrations.okta.errors import OktaError, is_duplicate_login
from integrations.okta.expressions import profile_eq
from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_OKTA_TOKEN, Settings
from simulators.common.clock import SimClock
from simulators.common.faults import FaultConfig
from simulators.okta import OktaSimulator


class Recording(httpx.AsyncBaseTransport):
    """A real HTTP transport that keeps every request it sent."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def recorded(
    server: ThreadedServer, governor: RateLimitGovernor
) -> AsyncIterator[tuple[OktaClient, Recording]]:
    transport = Recording()
    okta = OktaClient(server.url, SswsAuth(SIM_OKTA_TOKEN), governor, transport=transport)
    try:
        yield okta, transport
    finally:
        await okta.aclose()


async def test_logins_with_reserved_characters_are_found_by_login(
    recorded: tuple[OktaClient, Recording], sim: OktaSimulator
) -> None:
    client, transport = recorded
    plus = sim.store.create_user(person("x", login="ada+ops@example.test"), "ACTIVE")
    slash = sim.store.create_user(person("y", login="dept/ops@example.test"), "ACTIVE")

    found = await client.get_user("Ada+Ops@Example.test")
    assert found is not None and found.id == plus["id"]
    found = await client.get_user("dept/ops@example.test")
    assert found is not None and found.id == slash["id"]
    found = await client.get_user("Dept/Ops@example.test")  # filter is case-sensitive
    assert found is not None and found.id == slash["id"]
    assert await client.get_user("nobody@example.test") is None

    raw_paths = [r.url.raw_path.decode() for r in transport.requests]
    assert "/api/v1/users/Ada%2BOps%40Example.test" in raw_paths
    # A "/" never travels inside a path segment: the consistent login filter is used.
    assert not any("dept/ops" in p or "dept%2Fops" in p.split("?")[0] for p in raw_paths)
    slash_request = next(r for r in transport.requests if "filter" in r.url.params)
    assert slash_request.url.params["filter"] == 'profile.login eq "dept/ops@example.test"'


async def test_search_values_are_quoted_and_encoded(
    recorded: tuple[OktaClient, Recording], sim: OktaSimulator
) -> None:
    client, transport = recorded
    odd = sim.store.create_user(person(1, employeeNumber='12" or 1 eq 1 \\'), "ACTIVE")
    sim.store.create_user(person(2, employeeNumber="12"), "ACTIVE")

    found = await client.search_users(profile_eq("employeeNumber", '12" or 1 eq 1 \\'))

    assert [u.id for u in found] == [odd["id"]]
    sent = transport.requests[-1]
    assert sent.url.params["search"] == 'profile.employeeNumber eq "12\\" or 1 eq 1 \\\\"'
    assert b" " not in sent.url.raw_path and b'"' not in sent.url.raw_path


async def test_list_users_follows_every_page(
    recorded: tuple[OktaClient, Recording], sim: OktaSimulator
) -> None:
    client, transport = recorded
    ids = [sim.store.create_user(person(n), "ACTIVE")["id"] for n in range(450)]
    sim.store.create_user(person("gone"), "DEPROVISIONED")

    listed = [u.id async for u in client.list_users()]
    searched = await client.search_users('status eq "ACTIVE"')

    assert listed == ids  # each user once, DEPROVISIONED omitted without search/filter
    assert [u.id for u in searched] == ids
    pages = [r for r in transport.requests if r.url.path == "/api/v1/users"]
    assert len(pages) == 6  # 200 + 200 + 50, twice
    assert all(r.url.params.get("limit") == "200" for r in pages)


async def test_small_pages_cross_page_boundaries(client: OktaClient, sim: OktaSimulator) -> None:
    ids = [sim.store.create_user(person(n), "ACTIVE")["id"] for n in range(7)]
    assert [u.id async for u in client.list_users(limit=3)] == ids


async def test_users_are_created_staged_and_updated(client: OktaClient, sim: OktaSimulator) -> None:
    created = await client.create_user(person(1, bambooHrId="1001", title="Engineer"))
    assert created.status == "STAGED"
    assert sim.store.outbox() == []  # activate=false sends nothing

    updated = await client.update_profile(created.id, {"title": "Lead"})
    assert updated.profile["title"] == "Lead"
    assert updated.profile["bambooHrId"] == "1001"  # partial: the rest is kept

    replaced = await client.replace_profile(created.id, person(1))
    assert "title" not in replaced.profile or replaced.profile["title"] is None
    stored = sim.store.get_user(created.id)
    assert stored is not None and stored["profile"].get("bambooHrId") in (None, "")


async def test_lifecycle_posts_have_no_body(
    recorded: tuple[OktaClient, Recording], sim: OktaSimulator
) -> None:
    client, transport = recorded
    user = sim.store.create_user(person(1), "STAGED")
    other = sim.store.create_user(person(2), "STAGED")

    token = await client.activate(user["id"], send_email=False)
    assert token is not None and token.activation_token  # handed back, never logged
    assert "activationToken" not in repr(token) and token.activation_token not in repr(token)
    assert sim.store.outbox() == []
    sim.store.complete_activation(user["id"])
    await client.suspend(user["id"])
    await client.unsuspend(user["id"])
    await client.deactivate(user["id"])
    assert await client.activate(other["id"], send_email=True) is None
    assert [m["userId"] for m in sim.store.outbox()] == [other["id"]]
    await client.reactivate(other["id"])

    lifecycle = [r for r in transport.requests if "/lifecycle/" in r.url.path]
    assert [r.url.path.rsplit("/", 1)[1] for r in lifecycle] == [
        "activate",
        "suspend",
        "unsuspend",
        "deactivate",
        "activate",
        "reactivate",
    ]
    for request in lifecycle:
        assert request.method == "POST"
        assert request.content == b""
        assert request.headers["Content-Length"] == "0"
        assert "Content-Type" not in request.headers
    assert lifecycle[0].url.params["sendEmail"] == "false"
    assert lifecycle[4].url.params["sendEmail"] == "true"


async def test_sessions_groups_and_schema(client: OktaClient, sim: OktaSimulator) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    engineering = sim.store.create_group("Engineering")
    sim.store.create_group("Engineering Managers")

    await client.revoke_sessions(user["id"])
    assert sim.store.revocations(user["id"])["oauthTokens"] == 1

    group = await client.find_group("engineering")
    assert group is not None and group.id == engineering["id"] and group.writable
    assert await client.find_group("Engine") is None
    for _ in range(2):  # adding or removing twice is harmless
        await client.add_to_group(engineering["id"], user["id"])
    assert [g.name for g in await client.user_groups(user["id"])] == ["Everyone", "Engineering"]
    for _ in range(2):
        await client.remove_from_group(engineering["id"], user["id"])
    assert sim.store.user_group_ids(user["id"]) == [sim.store.everyone_group_id]
    names = [g.name async for g in client.list_groups(q="Engineering")]
    assert names == ["Engineering", "Engineering Managers"]

    schema = await client.get_user_schema()
    assert "bambooHrId" in schema["definitions"]["custom"]["properties"]
    await client.add_custom_attributes([SchemaAttribute(name="costCode", title="Cost code")])
    assert "costCode" in sim.store.custom_attributes()


async def test_refusals_become_typed_errors(client: OktaClient, sim: OktaSimulator) -> None:
    staged = sim.store.create_user(person(1), "STAGED")
    active = sim.store.create_user(person(2), "ACTIVE")
    gone = sim.store.create_user(person(3), "DEPROVISIONED")

    with pytest.raises(OktaValidationError) as duplicate:
        await client.create_user(person(1))
    assert is_duplicate_login(duplicate.value)
    assert duplicate.value.error_code == "E0000001" and duplicate.value.causes
    with pytest.raises(OktaValidationError) as invalid:
        await client.create_user(person(4, email="not-an-address"))
    assert "email" in str(invalid.value)
    with pytest.raises(OktaInvalidTransition) as not_active:
        await client.suspend(staged["id"])  # 400 E0000001 on a lifecycle endpoint
    assert not_active.value.status == 400
    with pytest.raises(OktaInvalidTransition) as already:
        await client.activate(active["id"], send_email=False)
    assert already.value.error_code == "E0000016"
    with pytest.raises(OktaInvalidTransition) as deprovisioned:
        await client.update_profile(gone["id"], {"title": "x"})
    assert deprovisioned.value.error_code == "E0000038"
    with pytest.raises(OktaNotFound):
        await client.user_groups("00unope")
    with pytest.raises(OktaNotFound):
        await client.deactivate(gone["id"])  # 404 E0000007, as observed at Okta
    with pytest.raises(OktaValidationError) as search:
        await client.search_users('profile.noSuchAttribute eq "1"')
    assert search.value.status == 400


async def test_an_error_on_a_login_path_does_not_carry_the_login(
    client: OktaClient, sim: OktaSimulator
) -> None:
    from simulators.common.faults import FaultConfig

    sim.faults.configure(FaultConfig(unavailable=True))
    with pytest.raises(OktaError) as failed:
        await client.get_user("ada.lovelace@example.test")
    assert "ada.lovelace" not in str(failed.value) and "%40example" not in str(failed.value)
    assert "/api/v1/users/<email>" in str(failed.value)


async def test_wrong_token_is_an_auth_error(
    server: ThreadedServer, governor: RateLimitGovernor
) -> None:
    async with OktaClient(server.url, SswsAuth("not-the-token"), governor) as client:
        with pytest.raises(OktaAuthError) as refused:
            await client.get_user("00u1")
    assert refused.value.status == 401 and refused.value.error_code == "E0000011"
    assert "not-the-token" not in str(refused.value) + repr(refused.value)


async def test_reads_are_retried_on_5xx_writes_are_not(
    client: OktaClient, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    sim.faults.configure(FaultConfig(error_rate=1.0, error_status=503))

    with pytest.raises(OktaServerError) as read:
        await client.get_user(user["id"])
    assert read.value.status == 503
    assert sim.faults.counters["error"] == 3  # first try + 2 retries
    with pytest.raises(OktaServerError):
        await client.suspend(user["id"])
    assert sim.faults.counters["error"] == 4  # a write is tried once; the activity decides


async def test_dropped_connection_is_a_transport_error(
    client: OktaClient, sim: OktaSimulator
) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    sim.faults.configure(FaultConfig(drop_after_apply_rate=1.0, methods=["POST"]))

    with pytest.raises(OktaTransportError) as dropped:
        await client.suspend(user["id"])
    assert dropped.value.retryable
    stored = sim.store.get_user(user["id"])
    assert stored is not None and stored["status"] == "SUSPENDED"  # applied, answer lost


async def test_429_waits_for_the_reset_then_succeeds(
    client: OktaClient, sim: OktaSimulator, clock: SimClock
) -> None:
    user = sim.store.create_user(person(1), "ACTIVE")
    sim.faults.configure(FaultConfig(burst_every=10_000, burst_length=1, burst_retry_after=7))
    before = clock.time()

    found = await client.get_user(user["id"])

    assert found is not None
    assert clock.time() - before >= 7  # the governor waited out the announced reset
    assert client.governor.stats.rate_limited == 1


async def test_429_after_the_retries_carries_the_reset(
    server: ThreadedServer, sim: OktaSimulator, governor: RateLimitGovernor, clock: SimClock
) -> None:
    sim.faults.configure(FaultConfig(burst_every=10_000, burst_length=5, burst_retry_after=30))
    async with OktaClient(
        server.url, SswsAuth(SIM_OKTA_TOKEN), governor, rate_limit_retries=0
    ) as client:
        with pytest.raises(OktaRateLimited) as limited:
            await client.get_user("00u1")
    assert limited.value.reset_at == pytest.approx(clock.time() + 30, abs=1)
    assert limited.value.retry_after(clock.time()) == pytest.approx(30, abs=1)


async def test_user_delete_is_never_sent(
    recorded: tuple[OktaClient, Recording], sim: OktaSimulator
) -> None:
    client, transport = recorded
    user = sim.store.create_user(person(1), "DEPROVISIONED")
    assert not any("delete" in name and "user" in name for name in dir(client))
    with pytest.raises(RuntimeError):
        await client._send("DELETE", f"/api/v1/users/{user['id']}")
    assert transport.requests == []
    assert sim.store.get_user(user["id"]) is not None


def test_build_from_settings_simulated_and_private_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OKTA_ORG_URL", "OKTA_API_TOKEN", "OKTA_CLIENT_ID", "OKTA_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    simulated = build_okta_client(Settings(_env_file=None, lifecycle_sim_okta_port=8123))
    assert simulated.org_url == "http://127.0.0.1:8123"
    assert isinstance(simulated.auth, SswsAuth)
    assert SIM_OKTA_TOKEN not in repr(simulated)

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "okta.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings = Settings(
        _env_file=None,
        okta_org_url="https://example.okta.com",
        okta_client_id="0oaservice",
        okta_private_key_path=pem,
        okta_private_key_id="kid-1",
        okta_max_concurrency=7,
    )
    oauth = build_okta_client(settings)
    assert isinstance(oauth.auth, PrivateKeyJwtAuth)
    assert oauth.auth.token_url == "https://example.okta.com/oauth2/v1/token"
    assert oauth.auth.scopes == settings.okta_scopes
    assert oauth.governor.max_concurrency == 7
    assert "BEGIN" not in repr(oauth.auth)
