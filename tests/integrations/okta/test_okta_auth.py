"""OAuth 2.0 client credentials with private_key_jwt and DPoP, end to end: a test token
endpoint checks the signed client assertion and demands a DPoP nonce; API calls then reach
the simulator with a DPoP-bound token and a proof for each request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from okta_client_support import clock_sleep, person
from okta_token_server import OAuthFront

from integrations.okta import (
    OktaAuthError,
    OktaClient,
    PrivateKeyJwtAuth,
    RateLimitGovernor,
    SswsAuth,
)
from integrations.okta.jws import b64url, load_private_key
from integrations.serving import ThreadedServer
from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator

CLIENT_ID = "0oa1servicelifecycle"
KEY_ID = "lifecycle-key-1"


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def front_server(sim: OktaSimulator, key: rsa.RSAPrivateKey, clock: SimClock, **options: object):
    front = OAuthFront(
        sim,
        client_id=CLIENT_ID,
        public_key=key.public_key(),
        key_id=KEY_ID,
        clock=clock.time,
        **options,  # type: ignore[arg-type]
    )
    return front, ThreadedServer(front, name="okta-oauth")


@pytest.fixture
def front(
    sim: OktaSimulator, app_key: rsa.RSAPrivateKey, clock: SimClock
) -> Iterator[tuple[OAuthFront, str]]:
    oauth, server = front_server(sim, app_key, clock)
    with server:
        yield oauth, server.url


def oauth_client(url: str, key: rsa.RSAPrivateKey, clock: SimClock, **options: object):
    auth = PrivateKeyJwtAuth(
        org_url=url,
        client_id=CLIENT_ID,
        private_key=key,
        key_id=KEY_ID,
        scopes=["okta.users.manage", "okta.groups.manage"],
        clock=clock.time,
        **options,  # type: ignore[arg-type]
    )
    governor = RateLimitGovernor(clock=clock.time, sleep=clock_sleep(clock))
    return auth, OktaClient(url, auth, governor)


async def test_private_key_jwt_with_dpop_nonce(
    front: tuple[OAuthFront, str],
    sim: OktaSimulator,
    app_key: rsa.RSAPrivateKey,
    clock: SimClock,
) -> None:
    oauth, url = front
    user = sim.store.create_user(person(1, login="a+b@example.test"), "ACTIVE")
    auth, client = oauth_client(url, app_key, clock)
    async with client:
        found = await client.get_user("a+b@example.test")
        await client.suspend(user["id"])
        groups = await client.user_groups(user["id"])

    assert found is not None and found.id == user["id"]
    assert [g.name for g in groups] == ["Everyone"]
    assert sim.store.get_user(user["id"])["status"] == "SUSPENDED"  # type: ignore[index]
    # First token request: 400 use_dpop_nonce; the retry with the nonce gets the token.
    assert oauth.token_answers == [400, 200]
    assert auth.token_requests == 2
    assert oauth.authorization_schemes == ["DPoP", "DPoP", "DPoP"]
    assert oauth.resource_answers == [200, 200, 200]


async def test_token_is_cached_until_it_expires(
    sim: OktaSimulator, app_key: rsa.RSAPrivateKey, clock: SimClock
) -> None:
    oauth, server = front_server(sim, app_key, clock, token_lifetime=600)
    with server:
        _, client = oauth_client(server.url, app_key, clock)
        async with client:
            for _ in range(5):
                await client.get_user("nobody@example.test")
            assert oauth.token_answers == [400, 200]
            clock.advance(600 - 30)  # inside the renewal margin
            await client.get_user("nobody@example.test")
    # The server's nonce was remembered: the renewal needed a single request.
    assert oauth.token_answers == [400, 200, 200]


async def test_resource_server_nonce_is_honoured(
    sim: OktaSimulator, app_key: rsa.RSAPrivateKey, clock: SimClock
) -> None:
    oauth, server = front_server(sim, app_key, clock, resource_nonce=True)
    with server:
        _, client = oauth_client(server.url, app_key, clock)
        async with client:
            assert await client.get_user("nobody@example.test") is None
            assert await client.get_user("nobody2@example.test") is None
    assert oauth.resource_answers == [401, 200, 200]


async def test_plain_bearer_token_without_dpop(
    sim: OktaSimulator, app_key: rsa.RSAPrivateKey, clock: SimClock
) -> None:
    oauth, server = front_server(sim, app_key, clock, require_dpop=False)
    with server:
        _, client = oauth_client(server.url, app_key, clock, dpop=False)
        async with client:
            await client.get_user("nobody@example.test")
    assert oauth.token_answers == [200]
    assert oauth.authorization_schemes == ["Bearer"]


async def test_a_wrong_key_is_refused_without_leaking_anything(
    front: tuple[OAuthFront, str], clock: SimClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    auth, client = oauth_client(front[1], other, clock)
    async with client:
        with pytest.raises(OktaAuthError) as refused:
            await client.get_user("nobody@example.test")
    text = str(refused.value) + repr(refused.value) + caplog.text
    assert CLIENT_ID in str(refused.value) and "invalid_client" in str(refused.value)
    assert auth.client_assertion().split(".")[0] not in text  # no assertion in errors/logs
    assert "PRIVATE" not in repr(auth)


async def test_access_tokens_never_reach_logs_or_errors(
    front: tuple[OAuthFront, str],
    sim: OktaSimulator,
    app_key: rsa.RSAPrivateKey,
    clock: SimClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    oauth, url = front
    staged = sim.store.create_user(person(1), "STAGED")
    auth, client = oauth_client(url, app_key, clock)
    async with client:
        with pytest.raises(Exception) as failure:
            await client.suspend(staged["id"])
        token = await auth.access_token(client._http)
    text = caplog.text + str(failure.value) + repr(failure.value) + repr(auth) + repr(client)
    assert token.value in oauth.bound
    assert token.value not in text
    assert token.value not in repr(token)


def test_private_key_from_a_jwk_file(tmp_path: Path, app_key: rsa.RSAPrivateKey) -> None:
    numbers = app_key.private_numbers()

    def enc(value: int) -> str:
        return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    jwk = {
        "kty": "RSA",
        "kid": "from-the-console",
        "n": enc(numbers.public_numbers.n),
        "e": enc(numbers.public_numbers.e),
        "d": enc(numbers.d),
        "p": enc(numbers.p),
        "q": enc(numbers.q),
    }
    path = tmp_path / "key.json"
    path.write_text(json.dumps(jwk))
    key, kid = load_private_key(path.read_bytes())
    assert kid == "from-the-console"
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.private_numbers() == numbers
    auth = PrivateKeyJwtAuth.from_file(path, org_url="https://example.okta.com", client_id="x")
    assert auth.key_id == "from-the-console"


def test_ssws_header_and_repr() -> None:
    auth = SswsAuth("00abc-secret-token")
    assert "00abc" not in repr(auth)
    with pytest.raises(ValueError):
        SswsAuth("")
