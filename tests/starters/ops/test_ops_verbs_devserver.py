"""Every `lifecycle ops` verb against the dev server and the production worker: it changes
the workflow (and so Okta) as documented, and nonsense is refused with the workflow
validator's own sentence on stderr and exit code 1.

The dev server does not skip time, so dated actions are observed by fast-forwarding or
cancelling them, and a pause is observed on an HR change that would otherwise reach Okta.
"""

from __future__ import annotations

from datetime import timedelta

from lifecycle_harness import LifecycleStack
from lifecycle_people import onboarded
from ops_cli import Cli, CliResult

from contracts.employee import LifecycleState
from starters.children import eventually


def refused(result: CliResult, message: str) -> None:
    assert result.code == 1, (result.code, result.out, result.err)
    assert message in result.err, result.err


def accepted(result: CliResult) -> None:
    assert result.code == 0, (result.code, result.out, result.err)


async def terminating(stack: LifecycleStack, days: int = 10) -> tuple[str, dict[str, object]]:
    """An active employee whose termination is dated `days` ahead."""
    employee, user = await onboarded(stack)
    stack.hr.store.terminate(
        employee, await stack.today() + timedelta(days=days), termination_type="Voluntary"
    )
    await stack.notify(employee)
    await stack.wait_for(
        employee,
        lambda s: s.next_action is not None and s.next_action.kind == "TERMINATE",
        what="termination scheduled",
    )
    return employee, user


async def test_unknown_employee_is_a_clear_message(cli: Cli) -> None:
    for argv in (["status", "99999999"], ["pause", "employee-99999999"]):
        result = await cli("ops", *argv)
        refused(result, "no lifecycle workflow for employee 99999999")
        assert "(workflow id employee-99999999)" in result.err


async def test_status_shows_state_account_and_pending_actions(
    cli: Cli, ops_stack: LifecycleStack
) -> None:
    employee, user = await terminating(ops_stack)

    table = await cli("ops", "status", employee)
    accepted(table)
    assert "state:" in table.out and "ACTIVE" in table.out
    assert user["id"] in table.out
    assert "Pending actions" in table.out and "TERMINATE:" in table.out

    by_workflow_id = await cli("ops", "status", f"employee-{employee}", "--json")
    accepted(by_workflow_id)
    data = by_workflow_id.json()
    assert data["workflow_id"] == f"employee-{employee}" and data["execution"] == "RUNNING"
    assert data["state"] == "ACTIVE" and data["okta_user_id"] == user["id"]
    assert data["next_action"]["kind"] == "TERMINATE"
    assert [p["kind"] for p in data["pending"]] == ["TERMINATE"]


async def test_fast_forward_runs_the_pending_actions_now(
    cli: Cli, ops_stack: LifecycleStack
) -> None:
    stack = ops_stack
    employee = stack.hire(hire_date=await stack.today() + timedelta(days=30))
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.PENDING_START)
    assert status.next_action is not None and status.next_action.kind == "PRE_BOARD"
    assert stack.okta_user_for(employee) is None

    result = await cli("ops", "fast-forward", employee, "--reason", "laptop shipped early")
    accepted(result)
    assert f"{status.next_action.key} will run now" in result.out
    await stack.wait_state(employee, LifecycleState.STAGED)
    user = stack.okta_user_for(employee)
    assert user is not None and user["status"] == "STAGED"

    result = await cli("ops", "fast-forward", employee, "--json")
    accepted(result)
    assert result.json()["accepted"] is True and "ACTIVATE:" in result.json()["message"]
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert stack.okta_user(user["id"])["status"] in ("PROVISIONED", "ACTIVE")  # type: ignore[index]

    # Nothing left: the validator refuses, and says why.
    refused(await cli("ops", "fast-forward", employee), "nothing pending to fast-forward")
    as_json = await cli("ops", "fast-forward", employee, "--json")
    refused(as_json, "nothing pending to fast-forward")
    assert as_json.json() == {"accepted": False, "message": as_json.err.strip()}

    history = stack.audit.history(employee)
    assert [r.action for r in history if r.action == "okta.user.create"] == ["okta.user.create"]


async def test_fast_forward_of_a_termination_deactivates_at_once(
    cli: Cli, ops_stack: LifecycleStack
) -> None:
    employee, user = await terminating(ops_stack)
    accepted(await cli("ops", "fast-forward", employee, "--reason", "security incident"))
    await ops_stack.wait_state(employee, LifecycleState.TERMINATED)
    assert ops_stack.okta_user(str(user["id"]))["status"] == "DEPROVISIONED"  # type: ignore[index]


async def test_cancel_skips_the_pending_action_and_refuses_nonsense(
    cli: Cli, ops_stack: LifecycleStack
) -> None:
    stack = ops_stack
    employee, user = await terminating(stack)
    key = (await stack.status(employee)).pending[0].key

    wrong = "TERMINATE:1999-01-01"
    refused(
        await cli("ops", "cancel", employee, "--reason", "HR error", "--key", wrong),
        f"no pending action '{wrong}'; pending: {key}",
    )
    refused(await cli("ops", "cancel", employee, "--reason", "  "), "cancel needs a reason")

    result = await cli("ops", "cancel", employee, "--reason", "HR entered the wrong person")
    accepted(result)
    assert f"{key} cancelled" in result.out
    status = await stack.wait_for(employee, lambda s: not s.pending, what="nothing pending")
    assert status.cancelled == {key: "HR entered the wrong person"}
    assert status.state is LifecycleState.ACTIVE
    assert stack.okta_user(str(user["id"]))["status"] == "ACTIVE"  # type: ignore[index]

    refused(await cli("ops", "cancel", employee, "--reason", "again"), "nothing pending to cancel")


async def test_pause_holds_okta_changes_until_resume(cli: Cli, ops_stack: LifecycleStack) -> None:
    stack = ops_stack
    employee, user = await terminating(stack)
    user_id = str(user["id"])
    assert "Dept - Engineering" in stack.group_names(user_id)

    result = await cli("ops", "pause", employee, "--reason", "legal hold")
    accepted(result)
    assert "paused: no Okta changes until resumed" in result.out
    refused(await cli("ops", "pause", employee), "already paused")
    refused(await cli("ops", "fast-forward", employee), "the lifecycle is paused: resume it first")

    # A transfer arrives while paused: the workflow takes it in, Okta is left alone.
    stack.hr.store.change_job(employee, await stack.today() - timedelta(days=1), department="Sales")
    await stack.notify(employee)
    status = await stack.wait_for(
        employee, lambda s: s.department == "Sales" and s.paused, what="transfer read while paused"
    )
    assert status.pause_reason == "legal hold"
    groups = stack.group_names(user_id)
    assert "Dept - Engineering" in groups and "Dept - Sales" not in groups

    accepted(await cli("ops", "resume", employee))
    await stack.wait_for(employee, lambda s: not s.paused, what="resumed")
    await eventually(lambda: "Dept - Sales" in stack.group_names(user_id), within=20)
    assert "Dept - Engineering" not in stack.group_names(user_id)
    refused(await cli("ops", "resume", employee), "not paused")
    assert stack.okta_user(user_id)["status"] == "ACTIVE"  # type: ignore[index]  # still dated


async def test_retry_runs_the_failed_step_again(cli: Cli, ops_stack: LifecycleStack) -> None:
    stack = ops_stack
    employee, _ = await onboarded(stack)
    refused(await cli("ops", "retry", employee), "no failed step to retry")

    # Okta refuses the account (its schema lacks an attribute the policy writes): a
    # non-retryable rejection leaves the new hire in review with the failed step.
    stack.okta.store.remove_schema_attribute("jobLevel")
    try:
        newcomer = stack.hire(hire_date=await stack.today() - timedelta(days=1))
        await stack.notify(newcomer)
        status = await stack.wait_state(newcomer, LifecycleState.NEEDS_REVIEW)
        assert status.failed_step is not None and status.review is not None
        assert status.review.code == "OKTA_REJECTED"
        assert stack.okta_user_for(newcomer) is None
    finally:
        stack.okta.store.add_schema_attribute("jobLevel", title="Job level")

    result = await cli("ops", "retry", newcomer)
    accepted(result)
    assert "the failed step runs again now" in result.out
    await stack.wait_state(newcomer, LifecycleState.ACTIVE)
    user = stack.okta_user_for(newcomer)
    assert user is not None and user["profile"]["jobLevel"]


async def test_resolve_links_an_existing_account_after_review(
    cli: Cli, ops_stack: LifecycleStack
) -> None:
    stack = ops_stack
    active, _ = await onboarded(stack)
    refused(await cli("ops", "resolve", active), "nothing to resolve")

    # An account with the new hire's e-mail already exists, owned by nobody we know: the
    # workflow refuses to guess; a person checks and links it.
    email = f"returning.{active}@acme.example"
    existing = stack.okta.store.create_user(
        {"login": email, "email": email, "firstName": "Ret", "lastName": "Urning"}, "ACTIVE"
    )
    employee = stack.hire(hire_date=await stack.today() - timedelta(days=1), work_email=email)
    await stack.notify(employee)
    status = await stack.wait_state(employee, LifecycleState.NEEDS_REVIEW)
    assert status.review is not None and status.review.code == "EMAIL_CONFLICT"
    users_before = stack.okta.store.user_count()

    result = await cli(
        "ops", "resolve", employee, "--note", "same person, checked", "--link", existing["id"]
    )
    accepted(result)
    assert "EMAIL_CONFLICT resolved" in result.out
    status = await stack.wait_state(employee, LifecycleState.ACTIVE)
    assert status.okta_user_id == existing["id"]
    linked = stack.okta_user(existing["id"])
    assert linked is not None and linked["profile"]["bambooHrId"] == employee
    assert stack.okta.store.user_count() == users_before  # adopted, not duplicated
    assert any(a.action == "review EMAIL_CONFLICT resolved" for a in status.last_actions)
