"""The codec server speaks Temporal's remote codec protocol to the Web UI: base64 JSON
payloads in and out, CORS for the UI's origin (preflight included), and a bearer token
that keeps decoded PII from anyone without it."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload

from lifecycle.settings import Settings
from starters.codec_server import create_codec_app
from workers.codec import EncryptionCodec, new_key

REPO = Path(__file__).resolve().parents[2]
UI_ORIGIN = "http://localhost:8233"
TOKEN = "codec-test-token-7f3a9"
PERSON = {"firstName": "Avel", "workEmail": "avel.codecson@acme.example"}


def make_settings(keys: str, token: str | None = TOKEN) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        lifecycle_encryption_keys=SecretStr(keys),
        lifecycle_codec_token=SecretStr(token) if token else None,
        lifecycle_codec_cors_origins=f"{UI_ORIGIN}, https://temporal.acme.example",
    )


def wire(payload: Payload) -> dict[str, object]:
    """A payload as the UI sends it: base64 metadata values and data."""
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def unwire(item: dict[str, object]) -> tuple[dict[str, bytes], bytes]:
    metadata = {k: base64.b64decode(v) for k, v in dict(item.get("metadata") or {}).items()}  # type: ignore[call-overload]
    return metadata, base64.b64decode(str(item.get("data", "")))


@pytest.fixture
def keys() -> str:
    return f"k2:{new_key()},k1:{new_key()}"


@pytest.fixture
async def http(keys: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_codec_app(make_settings(keys))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://codec"
    ) as client:
        yield client


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Namespace": "default"}


async def sealed(keys: str, value: object, key_id: str | None = None) -> Payload:
    codec = EncryptionCodec.from_settings(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            lifecycle_encryption_keys=SecretStr(keys),
            lifecycle_encryption_key_id=key_id,
        )
    )
    [payload] = await codec.encode(
        [Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value).encode())]
    )
    return payload


async def test_decode_returns_the_plaintext_payloads(http: httpx.AsyncClient, keys: str) -> None:
    old = await sealed(keys, PERSON, key_id="k1")  # written before the rotation to k2
    new = await sealed(keys, {"employee_id": "7"})
    response = await http.post("/decode", json={"payloads": [wire(old), wire(new)]}, headers=auth())
    assert response.status_code == 200
    decoded = [unwire(item) for item in response.json()["payloads"]]
    assert decoded[0][0]["encoding"] == b"json/plain"
    assert json.loads(decoded[0][1]) == PERSON
    assert json.loads(decoded[1][1]) == {"employee_id": "7"}


async def test_encode_then_decode_round_trips(http: httpx.AsyncClient) -> None:
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"reason":"ops note"}')
    encoded = await http.post("/encode", json={"payloads": [wire(plain)]}, headers=auth())
    assert encoded.status_code == 200
    [item] = encoded.json()["payloads"]
    metadata, data = unwire(item)
    assert metadata["encoding"] == b"binary/encrypted" and metadata["encryption-key-id"] == b"k2"
    assert b"ops note" not in data
    decoded = await http.post("/decode", json={"payloads": [item]}, headers=auth())
    assert unwire(decoded.json()["payloads"][0])[1] == b'{"reason":"ops note"}'


async def test_per_namespace_path_works_too(http: httpx.AsyncClient, keys: str) -> None:
    payload = await sealed(keys, PERSON)
    response = await http.post(
        "/default/decode", json={"payloads": [wire(payload)]}, headers=auth()
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}],
    ids=["missing", "wrong", "not-bearer"],
)
async def test_wrong_or_missing_token_is_401_and_reveals_nothing(
    http: httpx.AsyncClient, keys: str, headers: dict[str, str]
) -> None:
    payload = await sealed(keys, PERSON)
    for path in ("/decode", "/encode"):
        response = await http.post(path, json={"payloads": [wire(payload)]}, headers=headers)
        assert response.status_code == 401
        assert "Avel" not in response.text and "acme.example" not in response.text


async def test_without_a_token_configured_requests_need_none(keys: str) -> None:
    app = create_codec_app(make_settings(keys, token=None))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://codec"
    ) as client:
        payload = await sealed(keys, PERSON)
        response = await client.post("/decode", json={"payloads": [wire(payload)]})
        assert response.status_code == 200


async def test_cors_preflight_answers_for_the_configured_origin(http: httpx.AsyncClient) -> None:
    response = await http.options(
        "/decode",
        headers={
            "Origin": UI_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "x-namespace"):
        assert header in allowed
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers.get("access-control-allow-credentials") == "true"


async def test_cors_refuses_other_origins(http: httpx.AsyncClient) -> None:
    response = await http.options(
        "/decode",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_actual_cross_origin_post_carries_the_allow_origin_header(
    http: httpx.AsyncClient, keys: str
) -> None:
    payload = await sealed(keys, PERSON)
    response = await http.post(
        "/decode",
        json={"payloads": [wire(payload)]},
        headers={**auth(), "Origin": UI_ORIGIN},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI_ORIGIN


async def test_payload_under_an_unknown_key_is_a_clear_400(http: httpx.AsyncClient) -> None:
    foreign = await sealed(f"gone:{new_key()}", PERSON)
    response = await http.post("/decode", json={"payloads": [wire(foreign)]}, headers=auth())
    assert response.status_code == 400
    assert "'gone'" in response.json()["message"]


async def test_malformed_body_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/decode", content=b"not json", headers={**auth(), "Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_health_needs_no_token(http: httpx.AsyncClient) -> None:
    response = await http.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_origins_default_to_the_local_dev_ui_in_both_spellings(keys: str) -> None:
    from starters.codec_server import cors_origins

    unset = Settings(
        _env_file=None,  # type: ignore[call-arg]
        lifecycle_encryption_keys=SecretStr(keys),
        lifecycle_dev_ui_port=18233,
    )
    assert cors_origins(unset) == ["http://localhost:18233", "http://127.0.0.1:18233"]
    assert cors_origins(make_settings(keys)) == [
        UI_ORIGIN,
        UI_ORIGIN.replace("localhost", "127.0.0.1"),
        "https://temporal.acme.example",
    ]


DEV_PROGRAM = """
import argparse, sys
from starters import dev
sys.exit(dev.run(argparse.Namespace(fresh=True, no_ui=False, exit_after_start=False)))
"""


@pytest.mark.timeout(240)
def test_lifecycle_dev_serves_the_codec_to_its_web_ui(tmp_path: Path) -> None:
    """`lifecycle dev` with encryption on: the UI is told the codec endpoint, the codec
    answers the UI's preflight, and it decodes a real (encrypted) workflow input."""
    from integrations.serving import port_for_child

    ports = {
        name: str(port_for_child())
        for name in (
            "LIFECYCLE_DEV_TEMPORAL_PORT",
            "LIFECYCLE_DEV_UI_PORT",
            "LIFECYCLE_SIM_OKTA_PORT",
            "LIFECYCLE_SIM_BAMBOOHR_PORT",
            "LIFECYCLE_WEBHOOK_PORT",
            "LIFECYCLE_CODEC_PORT",
        )
    }
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OKTA_", "BAMBOOHR_", "TEMPORAL_", "LIFECYCLE_", "OTEL_"))
    }
    env = {
        **clean,
        **ports,
        "PYTHONPATH": str(REPO),
        "LIFECYCLE_ENV_FILE": str(tmp_path / "none.env"),
        "LIFECYCLE_POLICY": str(REPO / "config" / "policy.yaml"),
        "LIFECYCLE_SIM_EMPLOYEES": "5",
        "LIFECYCLE_ENCRYPTION_KEYS": f"dev:{new_key()}",
    }
    ui = f"http://localhost:{ports['LIFECYCLE_DEV_UI_PORT']}"
    codec_url = f"http://localhost:{ports['LIFECYCLE_CODEC_PORT']}"
    proc = subprocess.Popen(
        [sys.executable, "-c", DEV_PROGRAM],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                settings = httpx.get(f"{ui}/api/v1/settings", timeout=2).json()
                httpx.get(f"{codec_url}/health", timeout=2).raise_for_status()
                break
            except (httpx.HTTPError, ValueError):
                time.sleep(0.5)
        else:
            raise AssertionError("lifecycle dev did not come up")
        assert settings["Codec"]["Endpoint"] == codec_url

        preflight = httpx.options(
            f"{codec_url}/decode",
            headers={
                "Origin": ui,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-namespace",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ui

        payload = asyncio.run(first_employee_input(ports["LIFECYCLE_DEV_TEMPORAL_PORT"]))
        assert payload.metadata["encoding"] == b"binary/encrypted"
        decoded = httpx.post(
            f"{codec_url}/decode",
            json={"payloads": [wire(payload)]},
            headers={"Origin": ui, "X-Namespace": "default"},
        )
        assert decoded.status_code == 200
        metadata, data = unwire(decoded.json()["payloads"][0])
        assert metadata["encoding"] == b"json/plain" and b"employee_id" in data
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0


async def first_employee_input(port: str) -> Payload:
    from temporalio.client import Client

    client = await Client.connect(f"127.0.0.1:{port}")  # no codec: what the server holds
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async for execution in client.list_workflows("WorkflowType = 'EmployeeLifecycle'"):
            history = await client.get_workflow_handle(execution.id).fetch_history()
            started = history.events[0].workflow_execution_started_event_attributes
            return started.input.payloads[0]
        await asyncio.sleep(0.5)
    raise AssertionError("no employee workflow started by the first reconciliation")


def test_bound_beyond_loopback_the_codec_server_refuses_to_start_without_a_token(
    tmp_path: Path,
) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LIFECYCLE_", "OKTA_", "BAMBOO"))
    }
    env["LIFECYCLE_ENCRYPTION_KEYS"] = f"k1:{new_key()}"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from starters.cli import main; sys.exit(main())",
            "codec-server",
            "--host",
            "0.0.0.0",
            "--port",
            "1",
        ],
        cwd=tmp_path,  # no .env here
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "LIFECYCLE_CODEC_TOKEN: required when the codec server binds 0.0.0.0" in done.stderr
