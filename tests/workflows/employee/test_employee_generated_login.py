"""identity.generate_login end to end: hires without a work email get a login made from
their names, namesakes hired together are told apart in BambooHR id order whichever order
they are delivered in, the login is written back to BambooHR (or, if BambooHR refuses,
people are told and Okta goes on), and a work email HR types later changes only the email."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lifecycle_harness import LifecycleStack, lifecycle_stack
from temporalio.testing import WorkflowEnvironment

from activities.login import WRITE_BACK_ACTION
from contracts.employee import LifecycleState
from lifecycle.policy import PolicyConfig
from lifecycle.policy.config import GenerateLoginConfig
from workflows.poll import PollInput, PollResult, PollWorkflow

TEMPLATE = "{preferredName|firstName}.{lastName}@acme.example"


def generating(policy: PolicyConfig) -> PolicyConfig:
    identity = policy.identity.model_copy(
        update={"generate_login": GenerateLoginConfig(template=TEMPLATE)}
    )
    return policy.model_copy(update={"identity": identity})


@pytest.fixture
async def gstack(
    time_skipping_env: WorkflowEnvironment,
    tmp_path: Path,
    task_queue: str,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Any]:
    # Recorded for the replay test like the `stack` fixture's (LIFECYCLE_RECORD_HISTORIES).
    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    async with lifecycle_stack(
        time_skipping_env, tmp_path, task_queue, history_label=label, policy_update=generating
    ) as built:
        yield built


async def run_poll(stack: LifecycleStack) -> PollResult:
    return await stack.client.execute_workflow(
        PollWorkflow.run,
        PollInput(),
        id=f"poll-{uuid.uuid4().hex[:6]}",
        task_queue=stack.settings.temporal_task_queue,
    )


async def hire(stack: LifecycleStack, first: str = "José", last: str = "Núñez") -> str:
    employee = stack.hr.store.hire(
        first,
        last,
        None,  # IT has not chosen the work email yet
        department="Engineering",
        division="R&D",
        location="New York, NY",
        job_title="Software Engineer",
        hire_date=await stack.today() - timedelta(days=1),
        employment_status="Full-Time",
        fields={"customJobLevel": "L3", "customCostCenter": "CC-1100"},
    )
    stack.employees.append(employee)
    return employee


def work_email(stack: LifecycleStack, employee: str) -> str | None:
    return stack.hr.store.get(employee, ["workEmail"]).get("workEmail")


@pytest.mark.parametrize("lower_changed_last", [False, True], ids=["id-order", "reverse-order"])
async def test_namesakes_hired_together_get_logins_in_bamboohr_id_order(
    gstack: LifecycleStack, lower_changed_last: bool
) -> None:
    stack = gstack
    lower = await hire(stack)
    higher = await hire(stack)
    assert int(lower) < int(higher)
    if lower_changed_last:
        # The poll hands changes over earliest first: now the higher id comes first.
        stack.hr.clock.advance(5)
        stack.hr.store.update_fields(lower, {"mobilePhone": "+1 555 0100"})
    result = await run_poll(stack)
    assert result.delivered == 2

    for employee in (lower, higher):
        await stack.wait_state(employee, LifecycleState.ACTIVE, timeout=60)
    logins = {e: (stack.okta_user_for(e) or {})["profile"]["login"] for e in (lower, higher)}
    assert logins == {
        lower: "jose.nunez@acme.example",
        higher: "jose.nunez.2@acme.example",
    }
    for employee, login in logins.items():
        # Both systems agree, and the write-back is in the audit trail.
        assert work_email(stack, employee) == login
        [record] = stack.audit.query(
            employee_id=employee, action=WRITE_BACK_ACTION, result="success"
        )
        assert record.after == {"workEmail": login}
        assert stack.audit.login_claim(employee) == login

    # The write-back is an HR change the next poll sees: nothing changes in Okta.
    await run_poll(stack)
    for employee, login in logins.items():
        await stack.wait_state(employee, LifecycleState.ACTIVE)
        assert (stack.okta_user_for(employee) or {})["profile"]["login"] == login
    assert stack.audit.count(action="okta.user.create", result="success") == 2


async def test_a_refused_write_back_alerts_and_okta_still_gets_the_account(
    gstack: LifecycleStack,
) -> None:
    stack = gstack
    stack.hr.permissions.denied = {"workEmail"}  # the API user may not write it
    employee = await hire(stack, "Ada", "O'Quill")
    await stack.notify(employee)  # a webhook-only arrival: the workflow chooses itself
    await stack.wait_state(employee, LifecycleState.ACTIVE, timeout=60)
    user = stack.okta_user_for(employee)
    assert user is not None and user["profile"]["login"] == "ada.oquill@acme.example"
    assert "login_writeback_refused" in stack.inbox.events(employee)
    assert work_email(stack, employee) is None
    assert stack.audit.count(employee_id=employee, action=WRITE_BACK_ACTION, result="failed") == 1


async def test_a_work_email_hr_types_later_keeps_the_login_and_changes_the_email(
    gstack: LifecycleStack,
) -> None:
    stack = gstack
    employee = await hire(stack, "Zoë", "Brontë")
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ACTIVE, timeout=60)
    assert work_email(stack, employee) == "zoe.bronte@acme.example"

    stack.hr.clock.advance(5)
    stack.hr.store.update_fields(employee, {"workEmail": "zoe@acme.example"})
    since = await stack.now()
    await stack.notify(employee)
    await stack.wait_for_action(employee, "profile updated", since)
    user = stack.okta_user_for(employee)
    assert user is not None
    assert user["profile"]["login"] == "zoe.bronte@acme.example"
    assert user["profile"]["email"] == "zoe@acme.example"


async def test_a_name_without_latin_letters_goes_to_review_with_the_reason(
    gstack: LifecycleStack,
) -> None:
    stack = gstack
    employee = await hire(stack, "Дмитрий", "Иванов")
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "LOGIN_NOT_GENERATED"
    assert status.review.field == "firstName"
    assert "Дмитрий" in status.review.message and "Latin" in status.review.message
    assert stack.okta_user_for(employee) is None
