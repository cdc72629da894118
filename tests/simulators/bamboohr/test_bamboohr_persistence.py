"""The optional state file: a restarted simulator resumes the same company and webhooks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from bamboohr_testdata import seed_company

from integrations.serving import ThreadedServer
from lifecycle.settings import SIM_BAMBOOHR_KEY
from simulators.bamboohr import BambooHRSimulator
from simulators.common.clock import SimClock


def test_state_survives_a_restart(tmp_path: Path, clock: SimClock) -> None:
    state = tmp_path / "bamboohr.json"
    first = BambooHRSimulator(clock=clock, state_file=state, webhook_private_key=None)
    company = seed_company(first.store)
    first.store.change_job(company.dev, "2025-06-01", department="Research")
    first.store.terminate(company.manager, "2025-04-30")
    first.store.delete(company.ceo)
    hook = first.webhooks.create(
        {"name": "h", "url": "https://h.test", "format": "json", "monitorFields": ["firstName"]}
    )
    with ThreadedServer(first.app):
        pass  # shutdown saves
    assert state.is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left

    second = BambooHRSimulator(clock=clock, state_file=state)
    store = second.store
    assert store.employee_ids() == [company.manager, company.dev]
    assert store.get(company.dev, ["department"], only_current=False)["department"] == "Research"
    assert store.table(company.manager, "employmentStatus")[-1]["employmentStatus"] == "Terminated"
    assert store.changed_since(clock.now())[company.ceo][0] == "Deleted"
    (restored,) = second.webhooks.all()
    assert restored.private_key == hook.private_key
    # Ids keep counting where they were.
    assert store.hire("Next", "One", "next.one@acme.test") == "4"


def test_changes_are_saved_without_a_shutdown(tmp_path: Path, clock: SimClock) -> None:
    state = tmp_path / "nested" / "state.json"
    sim = BambooHRSimulator(clock=clock, state_file=state, state_debounce_seconds=0.05)
    with ThreadedServer(sim.app) as server:
        with httpx.Client(base_url=server.url, auth=(SIM_BAMBOOHR_KEY, "x"), trust_env=False) as c:
            c.post("/_sim/hr/employees", json={"first_name": "Saved", "last_name": "Early"})
        deadline = time.monotonic() + 5
        while not state.is_file() and time.monotonic() < deadline:
            time.sleep(0.02)
        data = json.loads(state.read_text())
        assert [e["fields"]["firstName"] for e in data["store"]["employees"]] == ["Saved"]


def test_reset_is_persisted(tmp_path: Path, clock: SimClock) -> None:
    state = tmp_path / "state.json"
    sim = BambooHRSimulator(clock=clock, state_file=state)
    seed_company(sim.store)
    sim.reset()
    sim.close()
    assert BambooHRSimulator(clock=clock, state_file=state).store.employee_ids() == []
