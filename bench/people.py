"""Generated employees for the benchmarks, and waiting for them where a user would look:
the Okta simulator's state and the employee workflow's `status` query.

Names come from the seed's name generator (invented people only); everyone works in New York
so "today" and an immediate termination mean the same instant for the policy and for us.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from temporalio.client import Client

from activities.signal_with_start import signal_many
from contracts.employee import HrChanged, StatusView, workflow_id_for
from simulators.bamboohr.store import BambooHRStore
from simulators.okta.store import OktaStore
from simulators.okta.timefmt import parse_okta_time
from simulators.seed.names import EmailAllocator, NameGenerator
from simulators.seed.vocabulary import DEPARTMENTS

ZONE = ZoneInfo("America/New_York")
LOCATION = "New York, NY"


def local_today() -> date:
    """Today where the benchmark's employees work (the policy's dates are local)."""
    return datetime.now(ZONE).date()


class Hiring:
    """Hires generated people into the simulated BambooHR."""

    def __init__(self, store: BambooHRStore, seed: int = 42) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.names = NameGenerator(self.rng)
        self.emails = EmailAllocator("acme.example")

    def hire(self, start: date) -> str:
        first, last = self.names.person()
        dept = self.rng.choice(DEPARTMENTS[:6])  # the big departments, no executives
        title = self.rng.choice(dept.ics)
        return self.store.hire(
            first,
            last,
            self.emails.allocate(first, last),
            department=dept.name,
            division=dept.division,
            location=LOCATION,
            job_title=title.name,
            hire_date=start,
            employment_status="Full-Time",
            fields={"customJobLevel": f"L{title.level}", "customCostCenter": dept.cost_center},
        )

    def hire_many(self, count: int, start: date) -> list[str]:
        return [self.hire(start) for _ in range(count)]


async def announce(client: Client, task_queue: str, employee_ids: Iterable[str]) -> None:
    """What a webhook or the poller does: signal-with-start each employee's workflow with a
    hint, so the workflow reads BambooHR itself."""
    changes = [HrChanged(employee_id=e, source="webhook") for e in employee_ids]
    failures = await signal_many(client, task_queue, changes)
    if failures:
        raise RuntimeError(f"{len(failures)} signals failed; first: {failures[0]}")


# --- Okta side ---------------------------------------------------------------------------------
def okta_users_by_employee(store: OktaStore) -> dict[str, dict[str, Any]]:
    return {
        str(u["profile"].get("bambooHrId")): u
        for u in store.list_users()
        if u["profile"].get("bambooHrId")
    }


def status_changed_at(user: dict[str, Any]) -> float:
    """The simulator's own stamp of the last status change (epoch seconds, ms precision)."""
    return parse_okta_time(user["statusChanged"]).timestamp()


async def wait_okta_status(
    store: OktaStore,
    employee_ids: Iterable[str],
    statuses: set[str],
    *,
    timeout: float,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Until every employee's Okta account is in one of `statuses`; their users."""
    wanted = set(employee_ids)
    deadline = time.monotonic() + timeout
    while True:
        users = okta_users_by_employee(store)
        done = {e: users[e] for e in wanted if e in users and users[e]["status"] in statuses}
        if progress is not None:
            progress(len(done), len(wanted))
        if len(done) == len(wanted):
            return done
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{len(wanted) - len(done)} of {len(wanted)} employees not {sorted(statuses)} "
                f"in Okta within {timeout:.0f}s"
            )
        await asyncio.sleep(0.5)


def _not_found(exc: Exception) -> bool:
    from temporalio.service import RPCError, RPCStatusCode

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, RPCError) and cause.status == RPCStatusCode.NOT_FOUND:
            return True
        cause = cause.__cause__
    return False


# --- workflow side -----------------------------------------------------------------------------
async def status(client: Client, employee_id: str) -> StatusView:
    handle = client.get_workflow_handle(workflow_id_for(employee_id))
    return await handle.query("status", result_type=StatusView)


async def statuses(
    client: Client, employee_ids: Iterable[str], concurrency: int = 16
) -> dict[str, StatusView | Exception]:
    gate = asyncio.Semaphore(concurrency)
    out: dict[str, StatusView | Exception] = {}

    async def one(employee_id: str) -> None:
        async with gate:
            try:
                out[employee_id] = await status(client, employee_id)
            except Exception as exc:
                out[employee_id] = exc

    await asyncio.gather(*(one(e) for e in employee_ids))
    return out


async def wait_idle(
    client: Client, employee_ids: Iterable[str], *, timeout: float, missing_ok: bool = False
) -> None:
    """Until every workflow is parked (waiting for time or a signal), not working.
    `missing_ok`: an employee without a workflow counts as parked."""
    pending = set(employee_ids)
    deadline = time.monotonic() + timeout
    while pending:
        answers = await statuses(client, pending)
        pending = {
            e
            for e, s in answers.items()
            if (isinstance(s, Exception) and not (missing_ok and _not_found(s)))
            or (isinstance(s, StatusView) and s.busy)
        }
        if not pending:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(pending)} workflows still busy after {timeout:.0f}s")
        await asyncio.sleep(0.5)
