"""A tiny workflow for the fault drill: ensure an employee's account, then activate it,
with the employee workflow's real retry policy (no attempt limit, 1 s initial, 10 min max)."""

from __future__ import annotations

from temporalio import workflow

from lifecycle.models import AccountStatus

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        Activity,
        EnsureOktaUserInput,
        EnsureOktaUserResult,
        SetOktaStatusInput,
        SetOktaStatusResult,
    )
    from workflows import options


@workflow.defn(name="OktaFaultDrill")
class OktaFaultDrill:
    @workflow.run
    async def run(self, input: EnsureOktaUserInput) -> str:
        ensured: EnsureOktaUserResult = await workflow.execute_activity(
            Activity.ENSURE_OKTA_USER,
            input,
            result_type=EnsureOktaUserResult,
            start_to_close_timeout=options.START_TO_CLOSE,
            retry_policy=options.UNLIMITED,
        )
        if ensured.account is None:
            return f"no account: {ensured.review}"
        status: SetOktaStatusResult = await workflow.execute_activity(
            Activity.SET_OKTA_STATUS,
            SetOktaStatusInput(
                employee_id=input.employee_id,
                user_id=ensured.account.user_id,
                target=AccountStatus.ACTIVE,
                send_activation_email=False,
            ),
            result_type=SetOktaStatusResult,
            start_to_close_timeout=options.START_TO_CLOSE,
            retry_policy=options.UNLIMITED,
        )
        return status.after
