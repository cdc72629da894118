"""The seeded company and its scripted day for the report tests (see conftest.py), and the
`lifecycle report` CLI run in-process."""

from __future__ import annotations

import asyncio
import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from lifecycle_harness import POLICY_PATH, LifecycleStack

from contracts.employee import LifecycleState
from simulators.seed import Company
from simulators.seed.vocabulary import DEPARTMENTS_BY_NAME
from starters.cli import main as cli_main

SEED = 7
EMPLOYEES = 100
ORPHAN_LOGIN = "ghost.admin@acme.example"
WAIT = 60.0  # generous: two shared cores, six workflows converging at once


@dataclass
class ScriptedDay:
    """Who the day's events happened to (employee ids), for the expectations."""

    hire: str = ""
    transfer: str = ""
    leave: str = ""
    terminated_now: str = ""  # immediate termination, handled by the workflow
    terminating_later: str = ""  # last day ahead: a pending TERMINATE
    terminated_unnoticed: str = ""  # terminated two days ago; nobody told the workflow
    caught_up: str = ""  # a seeded terminated-but-active account the poller finally delivered
    orphan: str = ORPHAN_LOGIN
    touched: list[str] = field(default_factory=list)


@dataclass
class Reported:
    company: Company
    day: ScriptedDay
    stack: LifecycleStack
    files: dict[str, Path]  # format -> report file
    today: date


def _plain(company: Company, taken: set[str]) -> list[str]:
    """Linked, active, unremarkable employees (not planted in any case), by id."""
    e = company.expectations
    special = (
        {m.employee_id for m in e.misaligned_groups}
        | set(e.stale_profiles)
        | set(e.on_leave)
        | set(e.future_terminations)
        | set(e.rehires)
        | set(e.pending_activation)
        | set(e.by_employee_number)
        | set(e.managers)
        | {e.ceo}
        | set(e.department_heads.values())
        | taken
    )
    protected = {login.lower() for login in e.protected}
    return [
        i
        for i in e.linked
        if i in set(e.current) and i not in special and e.accounts[i].lower() not in protected
    ]


async def scripted_day(stack: LifecycleStack, company: Company) -> ScriptedDay:
    e = company.expectations
    today = stack.hr.store.today()
    plain = _plain(company, set())
    day = ScriptedDay(
        transfer=e.stale_profiles[0],
        leave=plain[0],
        terminated_now=plain[1],
        terminating_later=plain[2],
        terminated_unnoticed=plain[3],
        caught_up=e.terminated_but_active[0],
    )
    store = stack.hr.store
    # Dated yesterday (or earlier) where it must be in effect now in every employee's time
    # zone, whatever the hour this runs at.
    yesterday = today - timedelta(days=1)
    day.hire = stack.hire(hire_date=today + timedelta(days=3))
    current = company.employee(day.transfer).department
    target = "Product" if current == "Engineering" else "Engineering"
    store.change_job(
        day.transfer, yesterday, department=target, division=DEPARTMENTS_BY_NAME[target].division
    )
    store.start_leave(day.leave, yesterday, return_date=today + timedelta(days=14))
    # Yesterday too: an immediate termination dated "today" in the company's zone is still
    # tomorrow for an employee west of it, and waits for their day to start.
    store.terminate(day.terminated_now, yesterday, termination_type="Involuntary")
    store.terminate(day.terminating_later, today + timedelta(days=10))
    store.terminate(day.terminated_unnoticed, today - timedelta(days=2))
    stack.okta.store.create_user(
        {"login": ORPHAN_LOGIN, "email": ORPHAN_LOGIN, "firstName": "Ghost", "lastName": "Admin"},
        "ACTIVE",
    )

    day.touched = [
        day.hire,
        day.transfer,
        day.leave,
        day.terminated_now,
        day.terminating_later,
        day.caught_up,
    ]
    for employee in day.touched:  # the webhook / poller hands each change over
        await stack.notify(employee)
    await asyncio.gather(
        stack.wait_state(day.hire, LifecycleState.STAGED, WAIT),
        stack.wait_for(day.transfer, lambda s: s.department == target, WAIT, "transfer done"),
        stack.wait_state(day.leave, LifecycleState.ON_LEAVE, WAIT),
        stack.wait_state(day.terminated_now, LifecycleState.TERMINATED, WAIT),
        stack.wait_for(
            day.terminating_later,
            lambda s: s.next_action is not None and s.next_action.kind == "TERMINATE",
            WAIT,
            "termination scheduled",
        ),
        stack.wait_state(day.caught_up, LifecycleState.TERMINATED, WAIT),
    )
    return day


async def visibility_caught_up(
    stack: LifecycleStack, employees: list[str], timeout: float = WAIT
) -> None:
    """The dev server's visibility is eventually consistent: wait until it shows each
    workflow's current state and next action (what the report's pending actions read)."""
    from starters.ops.actions import list_employees
    from starters.ops.query import build_list_query

    wanted = {}
    for employee in employees:
        status = await stack.status(employee)
        nxt = status.next_action.kind.value if status.next_action else None
        wanted[employee] = (status.state.value, nxt)
    deadline = asyncio.get_running_loop().time() + timeout
    seen: dict[str, tuple[str | None, str | None]] = {}
    while asyncio.get_running_loop().time() < deadline:
        rows, _ = await list_employees(stack.client, build_list_query())
        seen = {r.employee_id: (r.state, r.next_action) for r in rows}
        if all(seen.get(e) == w for e, w in wanted.items()):
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"visibility still shows {seen}, workflows say {wanted}")


def report_env(stack: LifecycleStack, namespace: str) -> dict[str, str]:
    s = stack.settings
    assert s.okta_org_url and s.bamboohr_base_url
    return {
        "TEMPORAL_ADDRESS": stack.env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": namespace,
        "TEMPORAL_TASK_QUEUE": s.temporal_task_queue,
        "TEMPORAL_API_KEY": "",
        "LIFECYCLE_ENCRYPTION_KEYS": "",
        "OKTA_ORG_URL": s.okta_org_url,
        "OKTA_API_TOKEN": s.okta_token().get_secret_value(),  # type: ignore[union-attr]
        "OKTA_CLIENT_ID": "",
        "OKTA_PRIVATE_KEY_PATH": "",
        "BAMBOOHR_BASE_URL": s.bamboohr_base_url,
        "BAMBOOHR_SUBDOMAIN": "",
        "BAMBOOHR_API_KEY": s.bamboohr_key().get_secret_value(),
        "LIFECYCLE_AUDIT_URL": s.lifecycle_audit_url,
        "LIFECYCLE_POLICY": str(POLICY_PATH),
        "LIFECYCLE_MODE": "apply",
    }


async def run_report(*argv: str) -> tuple[int, str, str]:
    def call() -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = cli_main(["report", *argv])
        return code, out.getvalue(), err.getvalue()

    return await asyncio.to_thread(call)
