"""Every recorded lifecycle path replays with the current workflow code.

The histories under `histories/` were recorded from this suite's own runs:

    LIFECYCLE_RECORD_HISTORIES=tests/workflows/employee/histories \\
        .venv/bin/python -m pytest tests/workflows/employee

A change to the workflow that would break running lifecycles (non-determinism) fails here;
guard such changes with `workflow.patched(...)` and record new histories next to the old
(`*__<patch>.json` were recorded after the patch of that name; the others before it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workers.connect import data_converter
from workflows.employee.workflow import EmployeeLifecycle

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_cover_every_path() -> None:
    names = " ".join(p.stem for p in HISTORIES)
    for path in (
        "staged_then_activated",
        "same_day",
        "moved_start",
        "rescinded",
        "department_change",
        "manager_change",
        "leave_suspends",
        "leave_turning_into_termination",
        "locked_out_account",
        "end_of_day",
        "immediate_termination",
        "protected_account",
        "rehire",
        "missing_work_email",
        "out_of_order",
        "fast_forward",
        "cancel",
        "pause",
        "retry",
        "resolve",
        "outage",
        "namesakes_hired_together",  # generated logins (patch generate-login)
        "refused_write_back",
        "hr_types_later_keeps_the_login",
    ):
        assert path in names, f"no recorded history for the {path} path"


def test_patched_paths_have_histories_from_both_sides() -> None:
    patched = [p for p in HISTORIES if p.stem.endswith("__audit_patch")]
    assert patched, "no history recorded with the audit-reviews-and-ops patch"
    for path in patched:
        assert "core_patch" in path.read_text()  # the patch marker is in the history
        assert (path.parent / f"{path.stem.removesuffix('__audit_patch')}.json").exists()


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_with_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[EmployeeLifecycle], data_converter=data_converter())
    await replayer.replay_workflow(history)
