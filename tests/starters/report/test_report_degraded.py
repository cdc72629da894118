"""The report without its optional sources, and its exit codes: Temporal unreachable or no
audit store still gives a report (those categories marked unavailable, a note saying why);
`--fail-on-findings` exits 3; the format follows the output file's suffix."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from report_company import Reported, run_report


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_report_without_temporal_and_audit_store(
    reported: Reported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{closed_port()}")
    monkeypatch.setenv("LIFECYCLE_AUDIT_URL", f"sqlite:///{tmp_path / 'missing.db'}")
    out = tmp_path / "degraded.html"
    code, _, err = await run_report("--output", str(out), "--timeout", "3")
    assert code == 0, err
    assert "note: pending actions not available: Temporal" in err
    assert "note: last actions not available: no audit store at" in err

    code, stdout, _ = await run_report("--format", "json", "--timeout", "3")
    data = json.loads(stdout)
    for cid in ("pending-actions", "last-actions"):
        assert data["categories"][cid]["available"] is False and data["summary"][cid] == 0
    assert len(data["notes"]) == 2
    # The comparison itself is complete.
    full = json.loads(reported.files["json"].read_text())
    for cid in ("orphaned", "terminated-but-active", "missing-accounts", "attribute-drift"):
        assert data["categories"][cid]["rows"] == full["categories"][cid]["rows"]

    html = out.read_text()  # the format came from the suffix
    assert html.startswith("<!doctype html>")
    assert 'id="count-pending-actions"' in html and 'data-available="false"' in html
    assert "Not available: see the notes above." in html


async def test_fail_on_findings_exits_3(reported: Reported) -> None:
    code, stdout, _ = await run_report("--no-temporal", "--fail-on-findings", "--format", "csv")
    assert code == 3
    assert stdout.splitlines()[0].startswith("category,employee_id,name")
