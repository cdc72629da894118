"""Whatever reaches the webhook endpoint, it never answers 5xx for it (a 5xx asks BambooHR to
redeliver: garbage would be redelivered for days). Random bytes, random headers, and valid
payloads mutated (wrong types, missing keys, huge or odd ids, unicode, deep nesting), sent
unsigned, badly signed and properly signed: 2xx or 4xx, never 5xx, and a JSON error body for
every refusal.

The receiver is the production app (`create_webhook_app`) on a Temporal test server, so a
signed, valid-shaped delivery really signals-with-start its workflows (no worker runs them).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from integrations.bamboohr.webhooks import sign
from lifecycle.settings import Settings
from starters.webhook.app import PATH, create_webhook_app

KEY = SecretStr("fuzz-webhook-signing-key")
MAX_BYTES = 4096

examples = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
async def receiver(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[httpx.AsyncClient]:
    settings_ = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bamboohr_webhook_key=KEY,
        temporal_task_queue=f"fuzz-{uuid.uuid4().hex[:8]}",
        lifecycle_webhook_max_bytes=MAX_BYTES,
    )
    app = create_webhook_app(settings_, time_skipping_env.client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as http:
        yield http


# --- what is sent ------------------------------------------------------------------------------
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(
        ["1", "0", "-1", "\uff11\uff12", "12/../3", "1e5", " 7 ", "%2F", "\u0000", "9" * 40]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def valid_event(employee_id: str = "4242") -> dict[str, Any]:
    return {
        "type": "employee.updated",
        "timestamp": "2026-11-29T12:00:00Z",
        "data": {"companyId": 1, "employeeId": employee_id, "changedFields": ["department"]},
    }


def valid_legacy(employee_id: str = "4243") -> dict[str, Any]:
    return {
        "employees": [
            {
                "action": "Updated",
                "changedFields": ["department"],
                "fields": {"department": "Sales"},
                "id": employee_id,
                "timestamp": "2026-11-29T12:00:00Z",
            }
        ]
    }


@st.composite
def mutated_payloads(draw: st.DrawFn) -> Any:
    """A valid payload of either family with a few random edits at random depths."""
    payload: Any = draw(st.sampled_from([valid_event, valid_legacy]))()
    if draw(st.booleans()):
        payload = [payload, draw(st.sampled_from([valid_event, valid_legacy]))()]
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        payload = _mutate(draw, payload)
    return payload


def _mutate(draw: st.DrawFn, node: Any) -> Any:
    if isinstance(node, dict) and node and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(node, key=str)))
        edit = draw(st.sampled_from(["replace", "delete", "descend", "add"]))
        copy = dict(node)
        if edit == "delete":
            del copy[key]
        elif edit == "replace":
            copy[key] = draw(json_values)
        elif edit == "add":
            copy[draw(st.text(max_size=10))] = draw(json_values)
        else:
            copy[key] = _mutate(draw, copy[key])
        return copy
    if isinstance(node, list) and node and draw(st.booleans()):
        index = draw(st.integers(min_value=0, max_value=len(node) - 1))
        copy = list(node)
        copy[index] = _mutate(draw, copy[index])
        return copy
    return draw(json_values)


def _stamps() -> st.SearchStrategy[str | None]:
    """Timestamps: now, at and beyond the tolerance, absurd numbers, and junk."""
    now = int(time.time())
    near = st.integers(min_value=-400, max_value=400).map(lambda d: str(now + d))
    odd = st.sampled_from(
        ["0", "-1", "9" * 30, f"{now}.5", f" {now} ", "0x10", "\uff11\uff12\uff13"]
    )
    junk = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
    return st.one_of(st.none(), near, odd, junk)


async def _post(
    http: httpx.AsyncClient,
    body: bytes,
    *,
    signing: str,
    content_type: str | None = "application/json",
    timestamp: str | None = None,
) -> httpx.Response:
    stamp = timestamp if timestamp is not None else str(int(time.time()))
    # Bytes: a header value need not be ASCII on the wire (httpx would refuse a str).
    headers: dict[str, str | bytes] = {"X-BambooHR-Timestamp": stamp.encode()}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if signing == "signed":
        headers["X-BambooHR-Signature"] = sign(body, stamp, KEY)
    elif signing == "wrong key":
        headers["X-BambooHR-Signature"] = sign(body, stamp, SecretStr("another-key"))
    elif signing == "garbage":
        headers["X-BambooHR-Signature"] = "sha256=" + "ab" * 32
    return await http.post(PATH, content=body, headers=headers)


def _never_5xx(answer: httpx.Response) -> None:
    event(f"HTTP {answer.status_code}")  # the spread shows with --hypothesis-show-statistics
    assert answer.status_code < 500, (answer.status_code, answer.text)
    if answer.status_code >= 400:
        assert "error" in answer.json(), answer.text  # a JSON error body for every refusal


signings = st.sampled_from(["signed", "unsigned", "wrong key", "garbage"])


# --- the properties ----------------------------------------------------------------------------
@examples
@given(
    body=st.one_of(
        st.binary(max_size=512), st.binary(min_size=MAX_BYTES - 8, max_size=MAX_BYTES + 512)
    ),
    signing=signings,
)
async def test_random_bytes_never_5xx(
    receiver: httpx.AsyncClient, body: bytes, signing: str
) -> None:
    _never_5xx(await _post(receiver, body, signing=signing))


@examples
@given(
    payload=mutated_payloads(),
    signing=st.sampled_from(["signed", "signed", "unsigned", "wrong key", "garbage"]),
)
async def test_mutated_payloads_never_5xx(
    receiver: httpx.AsyncClient, payload: Any, signing: str
) -> None:
    body = json.dumps(payload).encode()
    answer = await _post(receiver, body, signing=signing)
    _never_5xx(answer)
    if signing != "signed":
        assert answer.status_code == 401
    else:
        assert answer.status_code in (202, 400, 409, 413), answer.text


@examples
@given(
    payload=st.one_of(mutated_payloads(), json_values),
    content_type=st.one_of(
        st.just("application/json"),
        st.sampled_from(["application/json; charset=utf-8", "APPLICATION/JSON", "text/plain"]),
        st.none(),
    ),
    timestamp=_stamps(),
)
async def test_odd_headers_never_5xx(
    receiver: httpx.AsyncClient, payload: Any, content_type: str | None, timestamp: str | None
) -> None:
    body = json.dumps(payload).encode()
    answer = await _post(
        receiver, body, signing="signed", content_type=content_type, timestamp=timestamp or ""
    )
    _never_5xx(answer)


async def test_signed_valid_deliveries_are_accepted(receiver: httpx.AsyncClient) -> None:
    """The fuzzing above is only meaningful if a good delivery does get through."""
    for payload in (valid_event(), valid_legacy()):
        answer = await _post(receiver, json.dumps(payload).encode(), signing="signed")
        assert answer.status_code == 202, answer.text
