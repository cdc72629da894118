"""Helpers for the Okta activity tests: activity environments with a workflow context,
generated people, and the org state as a user would judge it (by login, not by id)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.testing import ActivityEnvironment

from contracts.activities import EnsureOktaUserInput
from simulators.common.clock import SimClock
from simulators.okta import OktaSimulator


def environment(
    *, attempt: int = 1, activity_id: str = "7", workflow_id: str = "employee-1001"
) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        ActivityEnvironment.default_info(),
        workflow_id=workflow_id,
        workflow_run_id="run-1",
        activity_id=activity_id,
        attempt=attempt,
    )
    return env


def clock_sleep(clock: SimClock) -> Callable[[float], Awaitable[None]]:
    """The governor's sleep in tests: time passes on the simulator's clock only."""

    async def sleep(seconds: float) -> None:
        if seconds > 0:
            clock.advance(seconds)
        await asyncio.sleep(0)

    return sleep


def person(n: int | str, **extra: Any) -> dict[str, Any]:
    login = f"person{n}@example.test"
    return {
        "login": login,
        "email": login,
        "firstName": f"First{n}",
        "lastName": f"Last{n}",
        **extra,
    }


def ensure_input(n: int, **extra: Any) -> EnsureOktaUserInput:
    profile = person(n, employeeNumber=f"E{n}", bambooHrId=str(n), department="Engineering")
    fields: dict[str, Any] = {
        "employee_id": str(n),
        "employee_number": f"E{n}",
        "login": profile["login"],
        "profile": profile,
        **extra,
    }
    return EnsureOktaUserInput(**fields)


def org_state(sim: OktaSimulator) -> dict[str, Any]:
    """Every user by login: status, profile and group names; plus the custom schema."""
    snapshot = sim.store.snapshot()
    groups = {g["id"]: g["profile"]["name"] for g in snapshot["groups"]}
    members: dict[str, list[str]] = {}
    for group_id, user_ids in snapshot["members"].items():
        for user_id in user_ids:
            members.setdefault(user_id, []).append(groups[group_id])
    return {
        "users": {
            u["profile"]["login"].lower(): {
                "status": u["status"],
                "profile": u["profile"],
                "groups": sorted(members.get(u["id"], [])),
            }
            for u in snapshot["users"]
        },
        "schema": sorted(snapshot["customSchema"]),
    }


def accounts_of(sim: OktaSimulator, employee_id: str) -> list[dict[str, Any]]:
    return [u for u in sim.store.list_users() if u["profile"].get("bambooHrId") == employee_id]
