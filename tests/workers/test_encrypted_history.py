"""With LIFECYCLE_ENCRYPTION_KEYS set, an employee's lifecycle leaves only ciphertext of their
PII in Temporal's history, while the codec server (what the Web UI calls) shows it; and a
key rotation keeps every existing history readable and replayable."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from google.protobuf.message import Message
from lifecycle_harness import lifecycle_stack
from lifecycle_people import onboarded
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload, WorkflowExecution
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import PayloadCodec
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer
from time_skipping import start_time_skipping

from contracts.employee import LifecycleState, workflow_id_for
from lifecycle.settings import Settings
from starters.codec_server import create_codec_app
from workers.codec import KEY_ID_META, EncryptionCodec, new_key
from workers.connect import data_converter
from workflows.employee.workflow import EmployeeLifecycle

TOKEN = "codec-token-for-history-test"


def codec_for(keys: str) -> EncryptionCodec:
    return EncryptionCodec.from_settings(
        Settings(_env_file=None, lifecycle_encryption_keys=SecretStr(keys))  # type: ignore[call-arg]
    )


class SwitchableCodec(PayloadCodec):
    """The client's codec, swappable mid-test: a key rotation without restarting the server."""

    def __init__(self, inner: EncryptionCodec) -> None:
        self.inner = inner

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.inner.encode(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.inner.decode(payloads)


async def start_env(codec: PayloadCodec) -> WorkflowEnvironment:
    return await start_time_skipping(data_converter(codec))


async def raw_history(client: Client, workflow_id: str) -> list[HistoryEvent]:
    """The history exactly as the server stores it: no data converter, no codec involved."""
    events: list[HistoryEvent] = []
    token = b""
    while True:
        page = await client.workflow_service.get_workflow_execution_history(
            GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id),
                next_page_token=token,
            )
        )
        events += page.history.events
        token = page.next_page_token
        if not token:
            return events


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere inside a proto message (inputs, results, headers, memo...)."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            items = list(value.values())
        elif getattr(field, "is_repeated", False):
            items = list(value)
        else:
            items = [value]
        for item in items:
            if isinstance(item, Message):
                yield from payloads_in(item)


def wire(payload: Payload) -> dict[str, Any]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def pii_of(stack: Any, employee_id: str) -> list[str]:
    record = stack.hr.store.get(employee_id, ["lastName", "workEmail", "firstName"])
    return [record["lastName"], record["workEmail"], record["workEmail"].replace("@", "%40")]


async def decode_via_codec_server(settings: Settings, payloads: list[Payload]) -> httpx.Response:
    app = create_codec_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://codec"
    ) as http:
        return await http.post(
            "/decode",
            json={"payloads": [wire(p) for p in payloads]},
            headers={"Authorization": f"Bearer {TOKEN}", "X-Namespace": "default"},
        )


async def test_history_is_ciphertext_and_the_codec_server_shows_the_plaintext(
    dev_server_env: WorkflowEnvironment, tmp_path: Path, task_queue: str
) -> None:
    # The dev server (not the time-skipping one) keeps user-metadata summaries, which the
    # workflow writes with the login in them: they must be ciphertext too.
    keys = f"k1:{new_key()}"
    plain = dev_server_env.client
    client = await Client.connect(
        plain.service_client.config.target_host,
        namespace=plain.namespace,
        data_converter=data_converter(codec_for(keys)),
    )
    env = WorkflowEnvironment.from_client(client)
    async with lifecycle_stack(
        env,
        tmp_path,
        task_queue,
        lifecycle_encryption_keys=SecretStr(keys),
        lifecycle_codec_token=SecretStr(TOKEN),
    ) as stack:
        employee, user = await onboarded(stack)
        assert stack.okta_user(user["id"])["status"] == "ACTIVE"  # type: ignore[index]
        secrets = pii_of(stack, employee)
        events = await raw_history(env.client, workflow_id_for(employee))

        raw = b"".join(event.SerializeToString() for event in events)
        for value in secrets:
            assert value.encode() not in raw, f"{value!r} is in the raw history"
        payloads = [p for e in events for p in payloads_in(e)]
        encrypted = [p for p in payloads if p.metadata.get("encoding") == b"binary/encrypted"]
        summaries = [
            e.user_metadata.summary
            for e in events
            if e.HasField("user_metadata") and e.user_metadata.HasField("summary")
        ]
        assert summaries, "the dev server keeps activity/timer summaries"
        assert all(s.metadata["encoding"] == b"binary/encrypted" for s in summaries)
        # Search attributes stay plaintext (the server indexes them): ids, states only.
        assert encrypted and all(p.metadata[KEY_ID_META] == b"k1" for p in encrypted)

        response = await decode_via_codec_server(stack.settings, encrypted)
        assert response.status_code == 200
        plaintext = "".join(
            base64.b64decode(item.get("data", "")).decode("utf-8", "replace")
            for item in response.json()["payloads"]
        )
        last_name, email = secrets[0], secrets[1]
        assert last_name in plaintext and email in plaintext

        app = create_codec_app(stack.settings)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://codec"
        ) as http:
            refused = await http.post(
                "/decode",
                json={"payloads": [wire(p) for p in encrypted]},
                headers={"Authorization": "Bearer not-the-token"},
            )
        assert refused.status_code == 401
        assert last_name not in refused.text


async def test_rotation_keeps_old_history_readable_and_replayable(
    tmp_path: Path, task_queue: str
) -> None:
    old, new = f"old:{new_key()}", f"new:{new_key()}"
    codec = SwitchableCodec(codec_for(old))
    env = await start_env(codec)
    try:
        async with lifecycle_stack(
            env, tmp_path, task_queue, lifecycle_encryption_keys=SecretStr(old)
        ) as stack:
            employee, user = await onboarded(stack)
            # Rotation: the new key goes first (it encrypts), the old one stays (it decrypts).
            codec.inner = codec_for(f"{new},{old}")
            stack.hr.store.terminate(employee, await stack.today(), termination_type="Involuntary")
            await stack.notify(employee)
            await stack.wait_state(employee, LifecycleState.TERMINATED)
            assert stack.okta_user(user["id"])["status"] == "DEPROVISIONED"  # type: ignore[index]

            events = await raw_history(env.client, workflow_id_for(employee))
            ids = {
                p.metadata.get(KEY_ID_META)
                for e in events
                for p in payloads_in(e)
                if p.metadata.get("encoding") == b"binary/encrypted"
            }
            assert ids == {b"old", b"new"}  # one history, written under both keys

            # A worker configured with the rotated list replays the whole history.
            history = WorkflowHistory(workflow_id_for(employee), events)
            replayer = Replayer(
                workflows=[EmployeeLifecycle], data_converter=data_converter(codec.inner)
            )
            result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
            assert result.replay_failure is None, result.replay_failure

            # Without the old key, the old payloads are a clear error, not garbage.
            new_only = codec_for(new)
            old_payloads = [
                p for e in events for p in payloads_in(e) if p.metadata.get(KEY_ID_META) == b"old"
            ]
            try:
                await new_only.decode(old_payloads[:1])
            except ValueError as exc:
                assert "'old'" in str(exc)
            else:
                raise AssertionError("decoding with a retired key should fail")
            decoded = await codec.inner.decode(old_payloads)
            last_name = pii_of(stack, employee)[0]
            assert any(last_name.encode() in p.data for p in decoded)
    finally:
        await env.shutdown()
