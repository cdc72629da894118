"""`lifecycle audit <employee>`: the full action history from the audit store, as a table
or JSON, for an employee whose lifecycle ran on the dev server (hired, then terminated by
an ops fast-forward)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from lifecycle_harness import LifecycleStack
from lifecycle_people import onboarded
from ops_cli import Cli

from contracts.employee import LifecycleState


async def test_audit_prints_every_recorded_action(cli: Cli, ops_stack: LifecycleStack) -> None:
    stack = ops_stack
    employee, _ = await onboarded(stack)
    stack.hr.store.terminate(employee, await stack.today() + timedelta(days=5))
    await stack.notify(employee)
    await stack.wait_for(employee, lambda s: s.next_action is not None, what="termination")
    assert (await cli("ops", "fast-forward", employee, "--reason", "offboard early")).code == 0
    await stack.wait_state(employee, LifecycleState.TERMINATED)
    history = stack.audit.history(employee)
    actions = [r.action for r in history]
    assert "okta.user.create" in actions and "okta.user.deactivate" in actions

    table = await cli("audit", employee)
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0].split()[:3] == ["AT", "ACTION", "RESULT"]
    body = lines[2:-1]
    assert [line.split()[2] for line in body] == actions  # oldest first, one line each
    assert lines[-1] == f"{len(history)} records for employee {employee}"

    as_json = await cli("audit", f"employee-{employee}", "--json")
    assert as_json.code == 0
    assert json.loads(as_json.out) == [r.model_dump(mode="json") for r in history]

    latest = await cli("audit", employee, "--json", "--limit", "2")
    assert [r["id"] for r in json.loads(latest.out)] == [r.id for r in history[-2:]]


async def test_audit_says_when_there_is_nothing(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nobody = await cli("audit", "424242")
    assert nobody.code == 1 and "no audit records for employee 424242" in nobody.err

    monkeypatch.setenv("LIFECYCLE_AUDIT_URL", f"sqlite:///{tmp_path / 'nowhere' / 'audit.db'}")
    missing = await cli("audit", "424242")
    assert missing.code == 1 and "no audit store at" in missing.err
    assert not (tmp_path / "nowhere").exists()  # looking did not create an empty store
