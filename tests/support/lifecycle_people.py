"""Shared steps for workflow tests: people in a given situation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lifecycle_harness import LifecycleStack

from contracts.employee import LifecycleState


async def onboarded(stack: LifecycleStack, **hire: Any) -> tuple[str, dict[str, Any]]:
    """An employee who started a year ago and has activated their Okta account."""
    today = await stack.today()
    employee = stack.hire(hire_date=today - timedelta(days=365), **hire)
    await stack.notify(employee)
    await stack.wait_state(employee, LifecycleState.ACTIVE)
    user = stack.okta_user_for(employee)
    assert user is not None
    stack.okta.store.complete_activation(user["id"])
    return employee, user
