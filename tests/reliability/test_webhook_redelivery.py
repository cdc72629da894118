"""One HR change, told four times by webhook (BambooHR redelivers three times because our
answers got lost) and once more by the poller: one Okta account, one of each Okta action."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from lifecycle_outcomes import People, converge, okta_accounts, run_poll, settled
from process_stack import ProcessStack, timed
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest

from contracts.employee import workflow_id_for
from integrations.serving import ThreadedServer
from starters.children import eventually

LOST_ANSWERS = 3


class LossyLink:
    """Between BambooHR and the receiver: every delivery reaches the receiver, but the first
    `LOST_ANSWERS` answers to each are replaced by a 503, so BambooHR redelivers."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.seen: Counter[bytes] = Counter()
        self.receiver_answers: list[int] = []

        async def hook(request: Request) -> Response:
            body = await request.body()
            headers = {
                k: v
                for k, v in request.headers.items()
                if k.lower().startswith("x-bamboohr") or k.lower() == "content-type"
            }
            async with httpx.AsyncClient(timeout=15) as http:
                answer = await http.post(self.target, content=body, headers=headers)
            self.receiver_answers.append(answer.status_code)
            self.seen[body] += 1
            if self.seen[body] <= LOST_ANSWERS:
                return Response(status_code=503)
            return Response(answer.content, status_code=answer.status_code)

        self.server = ThreadedServer(
            Starlette(routes=[Route("/hook", hook, methods=["POST"])]), name="lossy-link"
        )


@pytest.fixture
def lossy_link(rstack: ProcessStack) -> Iterator[LossyLink]:
    link = LossyLink(rstack.webhook_url + "/webhooks/bamboohr")
    with link.server:
        hook = rstack.hr.webhooks.create(
            {
                "name": "lifecycle (through a lossy link)",
                "url": link.server.url + "/hook",
                "format": "json",
                "events": ["employee.created"],
            }
        )
        try:
            yield link
        finally:
            rstack.hr.webhooks.delete(hook.id)


async def test_redelivered_webhook_and_poll_act_once(
    rstack: ProcessStack, lossy_link: LossyLink, timing: dict[str, float]
) -> None:
    people = People(rstack, random.Random(7))
    with timed("deliveries", timing):
        employee = people.hire(people.today() - timedelta(days=3))

        async def delivered() -> list[Any]:
            done = [d for d in rstack.hr.dispatcher.deliveries() if employee in d.employee_ids]
            return [d for d in done if d.state == "delivered"]

        [delivery] = await eventually(delivered, within=30, what="webhook delivered")
        poll = await run_poll(rstack)
    with timed("converge", timing):
        await converge(rstack, [employee], timeout=60, what="redelivered hire")
        await settled(rstack, [employee])

    # BambooHR really sent it four times, and the receiver accepted each (new signatures).
    assert [a.status for a in delivery.attempts] == [503] * LOST_ANSWERS + [202]
    assert lossy_link.receiver_answers == [202] * (LOST_ANSWERS + 1)
    assert poll.delivered >= 1
    # ... and each reached the workflow, which acted once.
    assert await _hr_signals(rstack, employee) >= LOST_ANSWERS + 2
    [user] = okta_accounts(rstack)[employee]
    assert user["status"] in ("PROVISIONED", "ACTIVE")
    audit = rstack.audit
    assert audit is not None
    done = Counter(
        (r.action, r.target) for r in audit.query(employee_id=employee, result="success")
    )
    assert done[("okta.user.create", user["profile"]["login"])] == 1
    assert done[("okta.user.activate", user["id"])] == 1
    assert all(count == 1 for count in done.values()), done
    creates = [
        r
        for r in rstack.okta.recorder.requests(method="POST", operation="createUser")
        if r["body"]["profile"].get("bambooHrId") == employee
    ]
    assert len(creates) == 1


async def _hr_signals(stack: ProcessStack, employee_id: str) -> int:
    history = await stack.raw_client.workflow_service.get_workflow_execution_history(
        GetWorkflowExecutionHistoryRequest(
            namespace="default",
            execution=WorkflowExecution(workflow_id=workflow_id_for(employee_id)),
        )
    )
    return sum(
        1
        for e in history.history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        and e.workflow_execution_signaled_event_attributes.signal_name == "hr_changed"
    )
