"""Webhook deliveries from the simulator: signatures checked, both payload families read,
and everything forged, stale or malformed refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hrsim_harness import START
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from integrations.bamboohr import (
    BambooHRClient,
    WebhookPayloadError,
    WebhookSignatureError,
    parse_webhook,
    verify_signature,
)
from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_WEBHOOK_KEY
from simulators.bamboohr import BambooHRSimulator, BambooHRStore

NOW = START.timestamp()
TOLERANCE = 300


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]

    @property
    def timestamp(self) -> str:
        return self.headers["x-bamboohr-timestamp"]

    @property
    def signature(self) -> str:
        return self.headers["x-bamboohr-signature"]


@dataclass
class Receiver:
    deliveries: dict[str, list[Delivery]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.deliveries.setdefault(request.path_params["name"], []).append(
                    Delivery(body, {k.lower(): v for k, v in request.headers.items()})
                )
            return Response(b"", 200)

        return Starlette(routes=[Route("/hooks/{name}", hook, methods=["POST"])])

    def wait(self, name: str, count: int, timeout: float = 5.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                got = list(self.deliveries.get(name, []))
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"{name}: {len(got)} of {count} deliveries arrived")


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    rec = Receiver()
    with ThreadedServer(rec.app(), name="hook-receiver") as running:
        yield rec, running.url


def check(delivery: Delivery, key: SecretStr) -> None:
    # The simulator stamps deliveries with the time they are really sent (the wall clock),
    # as a receiver's replay window needs whatever the sim clock says.
    verify_signature(
        delivery.body,
        delivery.timestamp,
        delivery.signature,
        key,
        tolerance_seconds=TOLERANCE,
        now=time.time(),
    )


async def test_both_payload_families_verify_and_parse(
    client: BambooHRClient,
    store: BambooHRStore,
    sim: BambooHRSimulator,
    receiver: tuple[Receiver, str],
) -> None:
    rec, url = receiver
    events = await client.create_webhook(
        "lifecycle-events",
        f"{url}/hooks/events",
        monitor_fields=["jobTitle", "department"],
        events=["employee.created", "employee.updated", "employee.deleted"],
    )
    fields = await client.create_webhook(
        "lifecycle-fields",
        f"{url}/hooks/fields",
        monitor_fields=["jobTitle"],
        post_fields={"firstName": "firstName", "jobTitle": "title"},
    )
    assert events.private_key is not None and fields.private_key is not None
    assert events.private_key.get_secret_value() == SIM_WEBHOOK_KEY
    assert {h["name"] for h in await client.list_webhooks()} == {
        "lifecycle-events",
        "lifecycle-fields",
    }

    eid = store.hire(
        "Ada", "Lovelace", "ada@acme.test", job_title="Engineer", hire_date="2024-01-08"
    )
    sim.flush_webhooks()
    store.update_fields(eid, {"jobTitle": "Lead Engineer"})
    sim.flush_webhooks()

    received = rec.wait("events", 3)  # created, updated (initial values), updated (title)
    for delivery in received:
        check(delivery, events.private_key)
    parsed = [e for d in received for e in parse_webhook(d.body)]
    assert [(e.employee_id, e.action, e.family) for e in parsed] == [
        (eid, "Created", "event"),
        (eid, "Updated", "event"),
        (eid, "Updated", "event"),
    ]
    assert parsed[-1].changed_fields == ["jobTitle"]
    assert parsed[-1].timestamp == START and parsed[-1].fields == {}

    received = rec.wait("fields", 2)
    for delivery in received:
        check(delivery, fields.private_key)
    parsed = [e for d in received for e in parse_webhook(d.body)]
    assert [(e.employee_id, e.action, e.family) for e in parsed] == [
        (eid, "Created", "fields"),
        (eid, "Updated", "fields"),
    ]
    assert parsed[-1].fields == {"firstName": "Ada", "title": "Lead Engineer"}
    assert parsed[-1].changed_fields == ["jobTitle"]


# --- refusals, on a signed delivery as the simulator signs it -------------------------------

KEY = SecretStr(SIM_WEBHOOK_KEY)
BODY = json.dumps(
    {
        "type": "employee.updated",
        "timestamp": "2026-03-02T09:00:00Z",
        "data": {"companyId": "1", "employeeId": "42", "changedFields": ["department"]},
    },
    separators=(",", ":"),
).encode()
STAMP = str(int(NOW))


def signed(body: bytes = BODY, stamp: str = STAMP, key: str = SIM_WEBHOOK_KEY, first=False) -> str:
    message = stamp.encode() + body if first else body + stamp.encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def refusal(body: bytes, stamp: str | None, signature: str | None, **kwargs: Any) -> str:
    options: dict[str, Any] = {"tolerance_seconds": TOLERANCE, "now": NOW, **kwargs}
    key = options.pop("key", KEY)
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(body, stamp, signature, key, **options)
    return caught.value.problem


def test_a_valid_signature_passes() -> None:
    verify_signature(BODY, STAMP, signed(), KEY, tolerance_seconds=TOLERANCE, now=NOW)
    verify_signature(BODY, STAMP, signed().upper(), KEY, tolerance_seconds=TOLERANCE, now=NOW)


def test_forged_body_and_wrong_key_are_refused() -> None:
    forged = BODY.replace(b'"42"', b'"43"')
    assert refusal(forged, STAMP, signed()) == "mismatch"
    assert refusal(BODY, STAMP, signed(key="someone-elses-key")) == "mismatch"
    assert refusal(BODY, STAMP, signed(), key=SecretStr("not-our-key")) == "mismatch"
    assert refusal(BODY, STAMP, "zz-not-hex-ü") == "mismatch"
    # The signature covers the timestamp: moving it breaks the signature.
    assert refusal(BODY, str(int(NOW) + 1), signed()) == "mismatch"


def test_stale_and_future_timestamps_are_refused() -> None:
    old = str(int(NOW) - TOLERANCE - 1)
    assert refusal(BODY, old, signed(stamp=old)) == "stale"
    ahead = str(int(NOW) + TOLERANCE + 1)
    assert refusal(BODY, ahead, signed(stamp=ahead)) == "future"
    edge = str(int(NOW) - TOLERANCE)
    verify_signature(BODY, edge, signed(stamp=edge), KEY, tolerance_seconds=TOLERANCE, now=NOW)


def test_missing_headers_and_non_numeric_timestamps_are_refused() -> None:
    assert refusal(BODY, None, signed()) == "missing_timestamp"
    assert refusal(BODY, "  ", signed()) == "missing_timestamp"
    assert refusal(BODY, STAMP, None) == "missing_signature"
    assert refusal(BODY, STAMP, "") == "missing_signature"
    iso = "2026-03-02T09:00:00Z"
    assert refusal(BODY, iso, signed(stamp=iso)) == "bad_timestamp"
    assert refusal(BODY, "-5", signed(stamp="-5")) == "bad_timestamp"


def test_timestamp_first_ordering_only_behind_the_flag() -> None:
    reversed_order = signed(first=True)
    assert refusal(BODY, STAMP, reversed_order) == "mismatch"
    verify_signature(
        BODY,
        STAMP,
        reversed_order,
        KEY,
        tolerance_seconds=TOLERANCE,
        now=NOW,
        accept_timestamp_first=True,
    )
    verify_signature(
        BODY,
        STAMP,
        signed(),
        KEY,
        tolerance_seconds=TOLERANCE,
        now=NOW,
        accept_timestamp_first=True,
    )


def test_refusals_do_not_reveal_the_expected_signature_or_the_key() -> None:
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(BODY, STAMP, "0" * 64, KEY, tolerance_seconds=TOLERANCE, now=NOW)
    assert signed() not in str(caught.value) and SIM_WEBHOOK_KEY not in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'"employee.updated"',
        b"{}",
        b'{"type": "employee.updated"}',
        b'{"type": "employee.updated", "data": {"companyId": "1"}}',
        b'{"type": "employee.updated", "data": {"employeeId": "4 2"}}',
        b'{"type": "employee.renamed", "data": {"employeeId": "42"}}',
        b'{"type": "employee.updated", "data": {"employeeId": "42", "changedFields": "x"}}',
        b'{"type": "employee.updated", "timestamp": "noon", "data": {"employeeId": "42"}}',
        b'{"employees": {"id": "42"}}',
        b'{"employees": [{"action": "Updated"}]}',
        b'{"employees": [{"id": "42", "action": "Promoted"}]}',
        b'{"employees": [{"id": "42", "action": "Updated", "fields": ["a"]}]}',
    ],
)
def test_malformed_payloads_are_refused(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_webhook(body)


def test_company_events_concern_no_employee() -> None:
    assert parse_webhook(b'{"type": "company.updated", "data": {"companyId": "1"}}') == []


def test_field_based_spec_timestamps_and_event_lists() -> None:
    legacy = parse_webhook(
        b'{"employees": [{"id": 7, "action": "Deleted", "changedFields": [],'
        b' "fields": {}, "timestamp": "2026-03-02 09:00:00"}]}'
    )
    assert [(e.employee_id, e.action, e.timestamp) for e in legacy] == [("7", "Deleted", START)]
    batch = parse_webhook(
        json.dumps(
            [
                {"type": "employee.created", "data": {"employeeId": "1"}},
                {"type": "employee.deleted", "data": {"employeeId": "2"}},
            ]
        )
    )
    assert [(e.employee_id, e.action) for e in batch] == [("1", "Created"), ("2", "Deleted")]
