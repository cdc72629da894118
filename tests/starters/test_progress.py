"""Long commands show their progress to a person at a terminal and to nobody else: bars on a
pseudo-terminal, not a byte of them when the output is piped or is JSON."""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from integrations.serving import ThreadedServer
from lifecycle.settings import Settings
from simulators.bamboohr.app import BambooHRSimulator
from simulators.okta.app import OktaSimulator
from simulators.seed.load import seed_bamboohr, seed_okta
from starters.children import REPO, child_environment

CLI = [sys.executable, "-m", "starters.cli"]
BARS = ("BambooHR employees", "Okta users")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("progress")
    today = datetime.now(UTC).date()
    okta, hr = OktaSimulator(), BambooHRSimulator()
    seed_okta(okta.store, 7, 40, today)
    seed_bamboohr(hr.store, 7, 40, today)
    with ThreadedServer(okta.app, name="okta") as o, ThreadedServer(hr.app, name="hr") as h:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            okta_org_url=o.url,
            okta_api_token=SecretStr(okta.credentials.api_token),
            bamboohr_base_url=h.url,
            bamboohr_api_key=SecretStr(hr.api_key),
            lifecycle_policy=REPO / "config" / "policy.yaml",
            lifecycle_audit_url=f"sqlite:///{root / 'audit.db'}",
            lifecycle_data_dir=root / "data",
            lifecycle_log_format="text",
        )
        yield child_environment(settings, env_file=root / "none.env")
    hr.close()


def on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; everything it showed there."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # 100 columns
    proc = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, env=env, cwd=REPO)
    os.close(child)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError as exc:  # EIO: the child closed the terminal
            if exc.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return proc.wait(timeout=60), shown.decode(errors="replace")


def piped(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    return done.returncode, done.stdout + done.stderr


def test_reconcile_plan_shows_its_phases_on_a_terminal_only(
    env: dict[str, str], tmp_path: Path
) -> None:
    argv = [*CLI, "reconcile", "--plan", "--output", str(tmp_path / "plan.json")]
    code, shown = on_a_terminal(argv, env)
    assert code == 0, shown
    for phase in BARS:
        assert phase in shown, shown
    assert re.search(r"\d/s\]", shown), shown  # the rate, e.g. "[00:00, 812.40/s]"
    assert "plan written to" in shown

    code, output = piped(argv, env)
    assert code == 0, output
    assert "plan written to" in output
    for phase in BARS:
        assert phase not in output, output
    assert "\r" not in output  # no cursor games in a log file


def test_report_shows_progress_unless_the_output_is_json(
    env: dict[str, str], tmp_path: Path
) -> None:
    html = tmp_path / "report.html"
    code, shown = on_a_terminal([*CLI, "report", "--no-temporal", "-o", str(html)], env)
    assert code == 0, shown
    assert all(phase in shown for phase in BARS), shown
    assert html.read_text().lstrip().lower().startswith("<!doctype html")

    code, shown = on_a_terminal([*CLI, "report", "--no-temporal", "--format", "json"], env)
    assert code == 0, shown
    assert not any(phase in shown for phase in BARS), shown
    assert '"categories"' in shown
