"""The policy as an activity: time zones and business-day calendars need `zoneinfo`, which
does not work inside the workflow sandbox, and running it here also records every plan in
the workflow history (what the service decided, and when)."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.activities import Activity, PlanLifecycleInput, PlanLifecycleResult
from lifecycle.policy import PolicyConfig, build_plan


class PolicyActivities:
    def __init__(self, config: PolicyConfig) -> None:
        self.config = config

    @activity.defn(name=Activity.PLAN_LIFECYCLE)
    async def plan_lifecycle(self, input: PlanLifecycleInput) -> PlanLifecycleResult:
        try:
            plan = build_plan(input.snapshot, self.config, input.generated_login)
        except Exception as exc:
            # A snapshot the policy cannot handle needs a person, not endless retries.
            raise ApplicationError(
                f"the policy could not plan employee {input.snapshot.employee_id}: {exc}",
                type="PolicyError",
                non_retryable=True,
            ) from exc
        return PlanLifecycleResult(plan=plan)
