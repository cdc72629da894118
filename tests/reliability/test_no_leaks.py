"""After everything the suite put the stack through (crashes, restarts, faults, outages):
no secret value in any log the worker, the webhook receiver or Temporal wrote, and, with
payload encryption on, no employee name or e-mail address anywhere in Temporal's raw
history (read with a client that has no codec, as anyone with access to the server would)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

import pytest
from google.protobuf.message import Message
from process_stack import ProcessStack
from temporalio.api.common.v1 import Payload, WorkflowExecution
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client

from lifecycle.redact import EMAIL
from workers.codec import ENCODING, EncryptionCodec


async def test_no_secret_in_any_log(rstack: ProcessStack) -> None:
    rstack.assert_processes_alive()
    logs = {path.name: path.read_bytes() for path in rstack.log_files()}
    logs["temporal.log"] = (rstack.logs / "temporal.log").read_bytes()
    assert b"worker started" in logs["worker.err"], "the worker logged nothing: nothing to scan"
    leaks = [
        f"{name} in {file}"
        for name, value in rstack.secrets.values().items()
        for file, text in logs.items()
        if value.encode() in text or quote(value, safe="").encode() in text
    ]
    assert not leaks, leaks


async def test_no_login_email_or_name_in_our_processes_logs(rstack: ProcessStack) -> None:
    """Our processes log ids, never a login, an e-mail address or a name (Okta paths with a
    login, BambooHR bad-data warnings included): at any level, in any line."""
    ours = {
        path.name: path.read_text(errors="replace")
        for path in rstack.log_files()
        if path.name.startswith(("worker", "webhook"))
    }
    assert "worker started" in ours.get("worker.err", ""), "the worker logged nothing"
    found = [
        f"{match.group(0)!r} in {name}"
        for name, text in ours.items()
        for match in EMAIL.finditer(text)
    ]
    people = _everyone_hired(rstack)
    found += [
        f"name of employee {eid} in {name}"
        for eid, needles in people.items()
        for name, text in ours.items()
        if needles[0] in text
    ]
    assert not found, found


async def test_no_pii_in_raw_temporal_history(rstack: ProcessStack) -> None:
    people = _everyone_hired(rstack)
    if not people:
        pytest.skip("runs after the other scenarios: alone, nobody was hired to look for")
    histories = {wid: events async for wid, events in _raw_histories(rstack.raw_client)}
    assert any(wid.startswith("employee-") for wid in histories)

    codec = EncryptionCodec.from_settings(rstack.settings)
    found: list[str] = []
    encrypted = 0
    revealed: set[str] = set()  # employees whose PII the key does reveal: the control
    for wid, events in histories.items():
        blob = b"".join(e.SerializeToString() for e in events)
        for eid, needles in people.items():
            for needle in needles:
                if needle.encode() in blob:
                    found.append(f"{wid}: PII of employee {eid} ({needle!r})")
        owner = wid.split("/")[0].removeprefix("employee-")
        for where, payload in (p for e in events for p in _payloads(e)):
            if payload.metadata.get("encoding") == ENCODING:
                encrypted += 1
                if owner in people and owner not in revealed:
                    [plain] = codec.decode_sync([payload])
                    if people[owner][-1].encode() in plain.SerializeToString():
                        revealed.add(owner)
            elif ".search_attributes." in where:
                continue  # indexed for queries, hence plain: ids, states, departments only
            elif "[patch-data]" in where:
                # The SDK's own `workflow.patched` marker: the patch id, nothing else.
                assert set(json.loads(payload.data)) <= {"id", "deprecated"}, payload.data
            else:
                found.append(f"{wid}: unencrypted payload at {where}")
    assert not found, f"{len(found)} findings: {found[:10]}"
    # The scan proves something only if the PII is there, encrypted: with the key it shows.
    assert encrypted >= len(histories), "encryption is not on: the scan proves nothing"
    assert len(revealed) >= len(people) // 2, f"PII decrypted for only {len(revealed)} people"


def _everyone_hired(stack: ProcessStack) -> dict[str, list[str]]:
    store = stack.hr.store
    out: dict[str, list[str]] = {}
    for eid in store.employee_ids():
        values = store.get(eid, ["firstName", "lastName", "workEmail"])
        first, last, email = (values.get(k) for k in ("firstName", "lastName", "workEmail"))
        needles = [f"{first} {last}", str(last)]
        if email:  # last: the one the control looks for
            needles += [quote(email, safe=""), email.lower(), email]
        out[eid] = needles
    return out


async def _raw_histories(client: Client) -> AsyncIterator[tuple[str, list[HistoryEvent]]]:
    async for execution in client.list_workflows():
        events: list[HistoryEvent] = []
        token = b""
        while True:
            page = await client.workflow_service.get_workflow_execution_history(
                GetWorkflowExecutionHistoryRequest(
                    namespace=client.namespace,
                    execution=WorkflowExecution(workflow_id=execution.id, run_id=execution.run_id),
                    next_page_token=token,
                )
            )
            events += page.history.events
            token = page.next_page_token
            if not token:
                break
        yield f"{execution.id}/{execution.run_id}", events


def _payloads(message: Message, path: str = "") -> Iterator[tuple[str, Payload]]:
    """Every Payload inside a protobuf message, with where it sits."""
    if isinstance(message, Payload):
        yield path, message
        return
    for field, value in message.ListFields():
        where = f"{path}.{field.name}"
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            for key, item in value.items():
                if isinstance(item, Message):
                    yield from _payloads(item, f"{where}[{key}]")
        elif field.is_repeated:
            for index, item in enumerate(value):
                yield from _payloads(item, f"{where}[{index}]")
        else:
            yield from _payloads(value, where)
