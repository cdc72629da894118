"""The service's processes as children (starters/children.py): what `lifecycle dev`'s dev
server, the benchmarks and the reliability tests all start them with."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from lifecycle.settings import Mode, Settings, load_settings
from starters.children import ChildProcess, child_environment

# A child that logs one line when it is ready, then sleeps until stopped.
SLEEPER = [
    sys.executable,
    "-c",
    "import sys, time; print('ready', flush=True, file=sys.stderr); time.sleep(120)",
]


async def test_a_child_is_ready_on_its_log_line_and_restarts_after_a_kill(tmp_path: Path) -> None:
    child = ChildProcess("sleeper", SLEEPER, dict(os.environ), tmp_path / "logs")
    child.start()
    await child.wait_for_log("ready", within=30)
    first = child.pid
    offset = child.log_size()

    child.kill()
    assert not child.alive
    child.start()
    # Waits for the *new* start's line: the old one is before the offset.
    await child.wait_for_log("ready", after=offset, within=30)
    assert child.alive and child.pid != first and child.starts == 2
    assert (tmp_path / "logs" / "sleeper.err").read_text().count("ready") == 2

    child.stop(timeout=10)
    assert not child.alive


async def test_waiting_on_a_child_that_died_says_so_with_its_output(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; sys.exit('bad configuration: X')"]
    child = ChildProcess("dies", argv, dict(os.environ), tmp_path)
    child.start()
    with pytest.raises(RuntimeError, match="bad configuration: X"):
        await child.wait_for_log("never", within=30)


def test_a_child_loads_exactly_the_settings_it_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKTA_ORG_URL", "https://developer-shell.okta.example")  # stray export
    monkeypatch.setenv("UNRELATED_VARIABLE", "kept")
    given = Settings(
        _env_file=None,  # type: ignore[call-arg]
        temporal_address="127.0.0.1:7999",
        okta_org_url="http://127.0.0.1:8123",
        okta_api_token=SecretStr("child-token"),
        okta_max_concurrency=7,
        lifecycle_mode=Mode.APPLY,
        lifecycle_policy=tmp_path / "policy.yaml",
        lifecycle_smtp_starttls=False,
    )
    env = child_environment(given, env_file=tmp_path / "none.env")
    assert env["UNRELATED_VARIABLE"] == "kept" and env["PYTHONUNBUFFERED"] == "1"

    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    loaded = load_settings()
    assert loaded.okta_org_url == "http://127.0.0.1:8123"  # not the shell's
    assert loaded.okta_token() == SecretStr("child-token")
    assert loaded.okta_max_concurrency == 7 and loaded.lifecycle_mode is Mode.APPLY
    assert loaded.lifecycle_policy == tmp_path / "policy.yaml"
    assert loaded.lifecycle_smtp_starttls is False
    assert loaded.temporal_address == "127.0.0.1:7999"
