"""Random HR histories, made the way BambooHR makes them: one employee hired into the
simulated BambooHR, then HR-admin actions in random order at random moments (transfers,
leaves and returns, terminations of every type, rehires, moved start dates, time passing),
each read back through the real client exactly as the service reads it.

Snapshots built this way have the row shapes BambooHR really produces (effective-dated
tables, future rows, termination types, rehire dates moving `hireDate`), which random
field values alone rarely hit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import strategies as st
from pydantic import SecretStr

from integrations.bamboohr import BambooHRClient
from lifecycle.models import HrSnapshot
from lifecycle.policy import PolicyConfig, required_fields
from simulators.bamboohr.app import BambooHRSimulator
from simulators.bamboohr.store import HRActionError

KEY = "property-test-key"
DEPARTMENTS = ["Engineering", "Product", "Sales", "Customer Success", "Finance", "IT"]
LOCATIONS = ["New York, NY", "San Francisco, CA", "London, UK", "Sydney, Australia", "Remote - US"]
TITLES = ["Software Engineer", "Engineering Manager", "Account Executive", "Analyst"]
ACTIVE = ["Full-Time", "Part-Time", "Contractor", "Intern"]
LEAVES = ["Leave of Absence", "Parental Leave"]
TERMINATION_TYPES = ["Voluntary", "Involuntary", "End of Contract"]
STATUSES = [*ACTIVE, *LEAVES, "Terminated"]

days = st.integers(min_value=-45, max_value=45)  # relative to BambooHR's "today"

hires = st.fixed_dictionaries(
    {
        "start": st.integers(min_value=-400, max_value=60),
        "department": st.sampled_from(DEPARTMENTS),
        "location": st.sampled_from(LOCATIONS),
        "job_title": st.sampled_from(TITLES),
        "employment_status": st.sampled_from(ACTIVE),
        "level": st.sampled_from(["L1", "L3", "L6", "L8", "L99", None]),
        "mobile": st.one_of(st.none(), st.just("+1 555 0100")),
    }
)

_leave = st.tuples(
    st.just("leave"),
    days,
    st.sampled_from(LEAVES),
    st.one_of(st.none(), st.integers(min_value=1, max_value=90)),
)
_terminate = st.tuples(st.just("terminate"), days, st.sampled_from(TERMINATION_TYPES))
# Departures and returns weigh double: they are where the policy's hard cases are.
actions = st.one_of(
    _leave,
    _terminate,
    st.tuples(
        st.just("transfer"),
        days,
        st.sampled_from(DEPARTMENTS),
        st.sampled_from(LOCATIONS),
        st.sampled_from(TITLES),
    ),
    st.tuples(
        st.just("leave"),
        days,
        st.sampled_from(LEAVES),
        st.one_of(st.none(), st.integers(min_value=1, max_value=90)),
    ),
    st.tuples(st.just("return"), days),
    st.tuples(st.just("terminate"), days, st.sampled_from(TERMINATION_TYPES)),
    st.tuples(st.just("rehire"), st.integers(min_value=1, max_value=60)),
    st.tuples(st.just("move_start"), st.integers(min_value=1, max_value=60)),
    st.tuples(st.just("wait"), st.integers(min_value=60, max_value=20 * 86_400)),
)

starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC)
)


@dataclass
class HrHistory:
    """One employee in a simulated BambooHR of their own, and the client that reads them."""

    sim: BambooHRSimulator
    client: BambooHRClient
    policy: PolicyConfig
    employee_id: str = ""

    @classmethod
    def open(cls, policy: PolicyConfig, start: datetime) -> HrHistory:
        sim = BambooHRSimulator(
            api_key=KEY,
            store_options={
                "employment_statuses": STATUSES,
                "leave_statuses": LEAVES,
            },
        )
        sim.clock.freeze(start)
        client = BambooHRClient(
            "http://127.0.0.1", SecretStr(KEY), transport=httpx.ASGITransport(app=sim.app)
        )
        return cls(sim, client, policy)

    async def aclose(self) -> None:
        await self.client.aclose()

    @property
    def now(self) -> datetime:
        return self.sim.clock.now()

    def hire(self, spec: dict[str, Any]) -> None:
        store = self.sim.store
        self.employee_id = store.hire(
            "Propa",
            "Testwell",
            "propa.testwell@acme.example",
            department=spec["department"],
            division="R&D",
            location=spec["location"],
            job_title=spec["job_title"],
            employment_status=spec["employment_status"],
            hire_date=store.today() + timedelta(days=spec["start"]),
            mobile_phone=spec["mobile"],
            fields={"customJobLevel": spec["level"], "customCostCenter": "CC-1100"},
        )

    def act(self, action: tuple[Any, ...]) -> str | None:
        """Carry out one HR-admin action; None when BambooHR refuses it in this state."""
        store, eid = self.sim.store, self.employee_id
        kind, *args = action
        today = store.today()
        self.sim.move_clock(advance_seconds=1)  # one admin action per second at most
        try:
            if kind == "transfer":
                offset, department, location, title = args
                store.change_job(
                    eid,
                    today + timedelta(days=offset),
                    department=department,
                    location=location,
                    job_title=title,
                )
            elif kind == "leave":
                offset, status, length = args
                begin = today + timedelta(days=offset)
                back = begin + timedelta(days=length) if length else None
                store.start_leave(eid, begin, status=status, return_date=back)
            elif kind == "return":
                store.end_leave(eid, today + timedelta(days=args[0]))
            elif kind == "terminate":
                offset, kind_of = args
                store.terminate(eid, today + timedelta(days=offset), termination_type=kind_of)
            elif kind == "rehire":
                last = max(r["date"] for r in store.table(eid, "employmentStatus"))
                store.rehire(eid, datetime.fromisoformat(last).date() + timedelta(days=args[0]))
            elif kind == "move_start":
                store.move_start(eid, today + timedelta(days=args[0]))
            elif kind == "wait":
                self.sim.move_clock(advance_seconds=args[0])
        except HRActionError:
            return None
        return kind

    async def snapshot(self) -> HrSnapshot:
        """The employee as the poller reads them, taken now (sim time)."""
        bulk = await self.client.fetch_snapshots(
            [self.employee_id], required_fields(self.policy), fetched_at=self.now
        )
        assert not bulk.bad and not bulk.missing, (bulk.bad, bulk.missing)
        [snapshot] = bulk.snapshots
        return snapshot


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
