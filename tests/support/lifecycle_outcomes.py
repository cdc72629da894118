"""People, HR events and the outcome checks of the whole-stack runs in `tests/reliability`.

The judge of "done" is always the policy itself: read every employee from the (simulated)
BambooHR as the poller does, ask `build_plan(snapshot).desired_at(now)`, and compare with
what the Okta simulator holds (status, managed groups, profile). Nothing here looks at the
workflows' own opinion of themselves, except `settled` which only asks whether they are
still working.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from process_stack import ProcessStack
from pydantic import SecretStr
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import WorkflowHandle

from activities.signal_with_start import signal_many
from contracts.employee import HrChanged, StatusView, workflow_id_for
from integrations.bamboohr import build_bamboohr_client
from integrations.bamboohr.webhooks import sign
from lifecycle.models import AccountStatus, DesiredAccount, HrSnapshot
from lifecycle.policy import build_plan, profile_changes, required_fields
from simulators.bamboohr.store import HRActionError
from simulators.seed.names import NameGenerator
from starters.children import eventually
from workflows.poll import PollInput, PollResult, PollWorkflow

# Okta statuses that satisfy each desired status. An activated account waits in PROVISIONED
# until its owner sets a password; Okta suspends only ACTIVE users, so an account never
# signed into (STAGED, PROVISIONED) is left as it is for a leave (lifecycle/okta_status.py).
OKTA_STATUSES: dict[AccountStatus, set[str]] = {
    AccountStatus.STAGED: {"STAGED"},
    AccountStatus.ACTIVE: {"PROVISIONED", "ACTIVE"},
    AccountStatus.SUSPENDED: {"SUSPENDED", "STAGED", "PROVISIONED"},
    AccountStatus.DEPROVISIONED: {"DEPROVISIONED"},
}
DEPARTMENTS = ["Engineering", "Product", "Sales", "Marketing", "Customer Success", "Finance"]
DIVISIONS = {"Engineering": "R&D", "Product": "R&D", "Sales": "Go-To-Market"}
LOCATIONS = ["New York, NY", "San Francisco, CA", "Austin, TX", "London, UK", "Remote - US"]
TITLES = ["Software Engineer", "Engineering Manager", "Analyst", "Account Executive"]
ACTIVE_STATUSES = ["Full-Time", "Full-Time", "Part-Time", "Contractor", "Intern"]
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _suffix(n: int) -> str:
    """A letters-only tag that makes a generated family name unique (digits would make
    the PII scan weaker: names must be distinctive strings)."""
    out = ""
    n += 26 * 26
    while n:
        n, r = divmod(n, 26)
        out = _LETTERS[r] + out
    return out


@dataclass
class Person:
    employee_id: str
    first: str
    last: str
    email: str
    hire_date: date


@dataclass
class People:
    """Invented employees hired into the simulated BambooHR, remembered for later checks."""

    stack: ProcessStack
    rng: random.Random
    people: dict[str, Person] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.names = NameGenerator(self.rng)

    def today(self) -> date:
        return self.stack.hr.store.today()

    def hire(self, hire_date: date, **overrides: Any) -> str:
        store = self.stack.hr.store
        n = next(self._counter)
        first, family = self.names.person()
        last = f"{family}{_suffix(n + self.rng.randrange(1000) * 1000)}".capitalize()
        email = f"{first}.{last}@acme.example".lower()
        department = overrides.pop("department", None) or self.rng.choice(DEPARTMENTS)
        values: dict[str, Any] = {
            "department": department,
            "division": DIVISIONS.get(department, "Corporate"),
            "location": self.rng.choice(LOCATIONS),
            "job_title": self.rng.choice(TITLES),
            "employment_status": self.rng.choice(ACTIVE_STATUSES),
            "fields": {
                "customJobLevel": f"L{self.rng.randint(1, 8)}",
                "customCostCenter": f"CC-{self.rng.randint(1000, 1999)}",
            },
        }
        values.update(overrides)
        employee_id = store.hire(first, last, email, hire_date=hire_date, **values)
        self.people[employee_id] = Person(employee_id, first, last, email, hire_date)
        return employee_id


# --- reading HR as the poller does, and the policy's verdict ----------------------------------
async def snapshots(
    stack: ProcessStack, ids: Iterable[str], *, fetched_at: datetime | None = None
) -> dict[str, HrSnapshot]:
    client = build_bamboohr_client(stack.settings)
    try:
        bulk = await client.fetch_snapshots(
            list(ids), required_fields(stack.policy), fetched_at=fetched_at or datetime.now(UTC)
        )
    finally:
        await client.aclose()
    assert not bulk.bad and not bulk.missing, (bulk.bad, bulk.missing)
    return {s.employee_id: s for s in bulk.snapshots}


async def desired_accounts(stack: ProcessStack, ids: Iterable[str]) -> dict[str, DesiredAccount]:
    """What the policy says each employee's Okta account must be right now."""
    # One instant for reading and judging: an immediate termination takes effect at the
    # moment it is seen, so judging at an instant before the read would call it future
    # (it did, whenever the termination's date was still today in the employee's zone).
    now = datetime.now(UTC)
    found = await snapshots(stack, ids, fetched_at=now)
    plans = {eid: build_plan(s, stack.policy) for eid, s in found.items()}
    for eid, plan in plans.items():
        assert plan.review is None, f"employee {eid}: generated data needs review: {plan.review}"
    return {eid: plan.desired_at(now) for eid, plan in plans.items()}


def okta_accounts(stack: ProcessStack) -> dict[str, list[dict[str, Any]]]:
    by_employee: dict[str, list[dict[str, Any]]] = {}
    for user in stack.okta.store.list_users():
        eid = str(user["profile"].get("bambooHrId") or "")
        if eid:
            by_employee.setdefault(eid, []).append(user)
    return by_employee


def managed_groups_of(stack: ProcessStack, user_id: str) -> set[str]:
    managed = set(stack.policy.managed_groups)
    return {g["profile"]["name"] for g in stack.okta.store.user_groups(user_id)} & managed


def account_problems(stack: ProcessStack, desired: dict[str, DesiredAccount]) -> dict[str, str]:
    """employee id -> what differs between Okta and the policy (empty: all as it says).

    A termination seen before any account existed leaves no account, which is what the
    policy wants too (the tests check that pre-existing accounts were deactivated). An
    account carrying a BambooHR id that BambooHR never had is a stray.
    """
    accounts = okta_accounts(stack)
    problems: dict[str, str] = {}
    for eid, want in sorted(desired.items()):
        found = accounts.get(eid, [])
        if len(found) > 1:
            problems[eid] = f"{len(found)} Okta accounts: {[u['profile']['login'] for u in found]}"
            continue
        user = found[0] if found else None
        if want.status is AccountStatus.NONE:
            if user is not None:
                problems[eid] = f"no account wanted yet, found {user['status']}"
            continue
        if user is None:
            if want.status is AccountStatus.DEPROVISIONED:
                continue
            problems[eid] = f"no Okta account, want {want.status.value}"
            continue
        if user["status"] not in OKTA_STATUSES[want.status]:
            problems[eid] = f"status {user['status']}, want {want.status.value}"
            continue
        groups = managed_groups_of(stack, user["id"])
        if groups != set(want.groups):
            problems[eid] = (
                f"managed groups +{sorted(set(want.groups) - groups)} "
                f"-{sorted(groups - set(want.groups))}"
            )
            continue
        if want.status is AccountStatus.DEPROVISIONED:
            continue  # Okta refuses profile writes to deactivated users; the policy knows
        changes = profile_changes(
            want.profile, user["profile"], clear=stack.policy.clear_when_empty
        )
        if changes:
            problems[eid] = f"profile differs: {sorted(changes)}"
    stray = sorted(set(accounts) - set(stack.hr.store.employee_ids()))
    if stray:
        problems["(unknown)"] = f"accounts of employees nobody hired: {stray}"
    return problems


async def converge(
    stack: ProcessStack,
    ids: Sequence[str],
    *,
    timeout: float,
    what: str = "convergence",
) -> dict[str, DesiredAccount]:
    """Wait until Okta is as the policy says for every id; returns the verdict used."""
    last: dict[str, str] = {}
    shown_at = [time.monotonic()]

    async def check() -> bool:
        nonlocal last
        desired = await desired_accounts(stack, ids)
        last = account_problems(stack, desired)
        if time.monotonic() - shown_at[0] > 10:  # progress, visible with `pytest -s`
            shown_at[0] = time.monotonic()
            print(f"[{what}] {len(last)} of {len(ids)} still differ", flush=True)
        return not last

    started = time.monotonic()
    try:
        await eventually(check, within=timeout, interval=1.0, what=what)
    except TimeoutError:
        shown = dict(list(last.items())[:12])
        details = [await describe(stack, eid) for eid in list(last)[:4] if eid.isdigit()]
        raise AssertionError(
            f"{what}: {len(last)} of {len(ids)} employees differ from the policy after "
            f"{timeout:.0f}s: {shown}\nstack: {stack.events[-12:]}\nworkflows:\n"
            + "\n".join(details)
        ) from None
    stack.note(
        f"{what}: {len(ids)} employees as the policy says after {time.monotonic() - started:.1f}s"
    )
    return await desired_accounts(stack, ids)


async def converged_share(stack: ProcessStack, ids: Sequence[str]) -> float:
    """The share of `ids` whose Okta account is as the policy says right now."""
    problems = account_problems(stack, await desired_accounts(stack, ids))
    return 1 - len([k for k in problems if k in set(ids)]) / max(1, len(ids))


async def describe(stack: ProcessStack, employee_id: str) -> str:
    """The workflow's own account of itself, for failure messages."""
    try:
        view = await status(stack, employee_id)
        pending = await pending_activities(stack, employee_id)
    except Exception as exc:
        return f"  {employee_id}: no status ({type(exc).__name__}: {exc})"
    actions = "; ".join(f"{a.action} [{a.result}] {a.detail or ''}" for a in view.last_actions)
    return (
        f"  {employee_id}: {view.state.value} okta={view.okta_status} busy={view.busy} "
        f"pending={pending} review={view.review} failed={view.failed_step} :: {actions}"
    )


# --- the workflows' side --------------------------------------------------------------------
async def status(stack: ProcessStack, employee_id: str) -> StatusView:
    handle = stack.client.get_workflow_handle(workflow_id_for(employee_id))
    return await handle.query("status", result_type=StatusView)


async def pending_activities(stack: ProcessStack, employee_id: str) -> int:
    described = await stack.client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=stack.client.namespace,
            execution=WorkflowExecution(workflow_id=workflow_id_for(employee_id)),
        )
    )
    return len(described.pending_activities)


async def settled(
    stack: ProcessStack, ids: Sequence[str], *, timeout: float = 60.0
) -> dict[str, StatusView]:
    """Every workflow parked (not busy, no activity in flight, not in review): nothing is
    still on its way to Okta that could change the verdict afterwards."""
    gate = asyncio.Semaphore(16)
    views: dict[str, StatusView] = {}

    async def one(eid: str) -> str | None:
        async with gate:
            try:
                view = await status(stack, eid)
                pending = await pending_activities(stack, eid)
            except Exception as exc:
                return f"{eid}: {type(exc).__name__}"
            views[eid] = view
            if view.review is not None:
                return f"{eid}: review {view.review.code.value}: {view.review.message}"
            if view.busy or pending:
                return f"{eid}: busy={view.busy} pending={pending}"
            return None

    last: list[str] = []

    async def check_keep() -> bool:
        nonlocal last
        last = [p for p in await asyncio.gather(*(one(e) for e in ids)) if p]
        return not last

    try:
        await eventually(check_keep, within=timeout, interval=1.0, what="settled")
    except TimeoutError:
        raise AssertionError(f"workflows not settled: {last[:10]}") from None
    return views


# --- delivering HR changes: the three ways in -------------------------------------------------
async def signal_snapshots(stack: ProcessStack, ids: Sequence[str]) -> None:
    """What the poller's delivery does: signal-with-start with the full snapshot."""
    if not ids:
        return
    found = await snapshots(stack, ids)
    changes = [HrChanged(employee_id=e, snapshot=s, source="poll") for e, s in found.items()]
    failures = await signal_many(stack.client, stack.task_queue, changes)
    assert not failures, failures


async def post_webhook(
    stack: ProcessStack,
    ids: Sequence[str],
    *,
    timeout: float = 60.0,
) -> int:
    """One signed field-based delivery for `ids`, redelivered on 5xx or no answer as
    BambooHR does (a fresh timestamp and signature each time). Returns the final status."""
    body = json.dumps(
        {
            "employees": [
                {
                    "action": "Updated",
                    "changedFields": ["employmentHistoryStatus", "department"],
                    "fields": {},
                    "id": eid,
                    "timestamp": datetime.now(UTC).isoformat(),
                }
                for eid in ids
            ]
        }
    ).encode()
    key = SecretStr(stack.secrets.webhook_key)
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=15) as http:
        while True:
            stamp = str(int(time.time()))
            status_code = 0
            with contextlib.suppress(httpx.HTTPError):
                answer = await http.post(
                    stack.webhook_url + "/webhooks/bamboohr",
                    content=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-BambooHR-Timestamp": stamp,
                        "X-BambooHR-Signature": sign(body, stamp, key),
                    },
                )
                status_code = answer.status_code
            if 200 <= status_code < 300:
                return status_code
            assert status_code == 0 or status_code >= 500, f"webhook refused: {status_code}"
            if time.monotonic() > deadline:
                raise AssertionError(f"webhook not accepted within {timeout}s ({status_code})")
            await asyncio.sleep(1.0)  # the same second would sign identically (a replay)


async def run_poll(stack: ProcessStack, *, timeout: float = 120.0) -> PollResult:
    """One poller run as the Schedule starts it."""
    handle: WorkflowHandle[Any, PollResult] = await stack.client.start_workflow(
        PollWorkflow.run,
        PollInput(),
        id=f"bamboohr-poll-{uuid.uuid4().hex[:8]}",
        task_queue=stack.task_queue,
    )
    return await finish_poll(stack, handle, timeout=timeout)


async def finish_poll(
    stack: ProcessStack, handle: WorkflowHandle[Any, PollResult], *, timeout: float = 120.0
) -> PollResult:
    try:
        return await asyncio.wait_for(handle.result(), timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"poll {handle.id} did not finish within {timeout}s") from None


# --- HR events --------------------------------------------------------------------------------
@dataclass
class HrEvent:
    kind: str
    employee_id: str


class EventMaker:
    """Random but valid HR-admin actions on a pool of employees. Every effective date is in
    the past (or far enough in the future) so that nothing comes due while a test watches:
    the expected state cannot move under the check."""

    def __init__(self, people: People, rng: random.Random) -> None:
        self.people = people
        self.rng = rng
        self.store = people.stack.hr.store
        self.state: dict[str, str] = {}  # employee -> active | leave | terminated | future

    def adopt(self, ids: Iterable[str], state: str = "active") -> None:
        for eid in ids:
            self.state[eid] = state

    def _pick(self, *states: str, hired_before: date | None = None) -> str | None:
        pool = [
            e
            for e, s in self.state.items()
            if s in states
            and (hired_before is None or self.people.people[e].hire_date < hired_before)
        ]
        return self.rng.choice(pool) if pool else None

    def hire_started(self) -> HrEvent:
        today = self.people.today()
        eid = self.people.hire(today - timedelta(days=self.rng.randint(2, 40)))
        self.state[eid] = "active"
        return HrEvent("hire (started)", eid)

    def hire_soon(self) -> HrEvent:
        """Starts in a few days: inside the pre-board lead time, so STAGED now."""
        eid = self.people.hire(self.people.today() + timedelta(days=self.rng.randint(2, 3)))
        self.state[eid] = "future"
        return HrEvent("hire (pre-board)", eid)

    def hire_later(self) -> HrEvent:
        """Starts in two months: no account yet."""
        eid = self.people.hire(self.people.today() + timedelta(days=self.rng.randint(50, 80)))
        self.state[eid] = "future"
        return HrEvent("hire (future)", eid)

    def transfer(self) -> HrEvent | None:
        eid = self._pick("active", "leave")
        if eid is None:
            return None
        department = self.rng.choice(DEPARTMENTS)
        self.store.change_job(
            eid,
            self.people.today() - timedelta(days=1),
            department=department,
            division=DIVISIONS.get(department, "Corporate"),
            location=self.rng.choice(LOCATIONS),
            job_title=self.rng.choice(TITLES),
        )
        return HrEvent("transfer", eid)

    def leave(self) -> HrEvent | None:
        eid = self._pick("active")
        if eid is None:
            return None
        try:
            self.store.start_leave(
                eid,
                self.people.today() - timedelta(days=1),
                status=self.rng.choice(["Leave of Absence", "Parental Leave"]),
            )
        except HRActionError:
            return None
        self.state[eid] = "leave"
        return HrEvent("leave", eid)

    def terminate(self) -> HrEvent | None:
        eid = self._pick("active", "leave")
        if eid is None:
            return None
        try:
            # Immediate type: deactivated as soon as it is seen, whatever the local time.
            self.store.terminate(
                eid, self.people.today() - timedelta(days=1), termination_type="Involuntary"
            )
        except HRActionError:
            return None
        self.state[eid] = "terminated"
        return HrEvent("terminate", eid)

    def rehire(self) -> list[HrEvent]:
        """A termination a week ago, then a rehire two days ago: two events, one account."""
        today = self.people.today()
        eid = self._pick("active", hired_before=today - timedelta(days=10))
        if eid is None:
            return []
        try:
            self.store.terminate(eid, today - timedelta(days=7), termination_type="Involuntary")
            self.store.rehire(eid, today - timedelta(days=2))
        except HRActionError:
            return []
        self.state[eid] = "active"
        return [HrEvent("terminate (for rehire)", eid), HrEvent("rehire", eid)]

    def script(
        self, count: int, *, hires: int, rehires: int = 0, leaves: int = 0, terminations: int = 0
    ) -> list[Callable[[], list[HrEvent]]]:
        """`count` events in random order, to be made later one by one: `hires` hires (most
        already started, some inside the pre-board lead time, some far ahead), `rehires`
        termination+rehire pairs (two events each), at least `leaves` leaves and
        `terminations` terminations, transfers for the rest. A step that finds nobody to
        act on hires someone instead, so the count holds."""

        def one(make: Callable[[], HrEvent | None]) -> Callable[[], list[HrEvent]]:
            def run() -> list[HrEvent]:
                made = make()
                return [made if made is not None else self.hire_started()]

            return run

        steps: list[Callable[[], list[HrEvent]]] = (
            [one(self.hire_started)] * (hires - hires // 4)
            + [one(self.hire_soon)] * (hires // 8)
            + [one(self.hire_later)] * (hires // 4 - hires // 8)
            + [one(self.leave)] * leaves
            + [one(self.terminate)] * terminations
        )
        rest = count - len(steps) - 2 * rehires
        assert rest >= 0, "more events asked of each kind than in total"
        steps += [
            one(self.rng.choice([self.transfer, self.transfer, self.leave, self.terminate]))
            for _ in range(rest)
        ]
        self.rng.shuffle(steps)
        # Rehires act on people already employed: after the first hires have happened.
        for _ in range(rehires):
            steps.insert(self.rng.randint(len(steps) // 3, len(steps)), self.rehire_or_hire)
        return steps

    def rehire_or_hire(self) -> list[HrEvent]:
        return self.rehire() or [self.hire_started(), self.hire_started()]


async def seed_existing(stack: ProcessStack, people: People, count: int) -> list[str]:
    """Employees who started long ago and whose Okta accounts already exist, exactly as the
    policy wants them (onboarded before this run): no workflow runs for them yet."""
    today = people.today()
    ids = [
        people.hire(
            today - timedelta(days=people.rng.randint(60, 900)), employment_status="Full-Time"
        )
        for _ in range(count)
    ]
    desired = await desired_accounts(stack, ids)
    store = stack.okta.store
    for eid, want in desired.items():
        assert want.status is AccountStatus.ACTIVE, (eid, want.status)
        profile = {k: v for k, v in want.profile.items() if v not in (None, "")}
        profile["bambooHrId"] = eid
        user = store.create_user(profile, "ACTIVE")
        for name in want.groups:
            group = store.find_group(name)
            assert group is not None, name
            store.add_member(group["id"], user["id"])
    return ids
