"""Bad settings end a command with exit code 2 and one message per problem naming the
variable, without a traceback and without ever echoing a secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "s3cr3t-token-value-never-printed"


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OKTA_", "BAMBOOHR_", "TEMPORAL_", "LIFECYCLE_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "starters.cli", *args],
        env={**clean, **env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {
                "OKTA_ORG_URL": "https://acme.okta.example",
                "OKTA_API_TOKEN": SECRET,
                "OKTA_CLIENT_ID": "0oa1",
            },
            ["OKTA_API_TOKEN: set either", "OKTA_PRIVATE_KEY_PATH: required with OKTA_CLIENT_ID"],
        ),
        ({"OKTA_ORG_URL": "https://acme.okta.example"}, ["OKTA_API_TOKEN: required"]),
        (
            {"OKTA_ORG_URL": "ftp://acme", "OKTA_API_TOKEN": SECRET},
            ["OKTA_ORG_URL: must be an http(s) URL"],
        ),
        (
            {"OKTA_ORG_URL": "http://acme.okta.example", "OKTA_API_TOKEN": SECRET},
            ["OKTA_ORG_URL: plain http"],
        ),
        ({"LIFECYCLE_MODE": "yolo", "OKTA_API_TOKEN": SECRET}, ["LIFECYCLE_MODE:"]),
        (
            {"BAMBOOHR_SUBDOMAIN": "acme"},
            ["BAMBOOHR_API_KEY: required", "BAMBOOHR_WEBHOOK_KEY: required"],
        ),
        ({"BAMBOOHR_SUBDOMAIN": "ac me!", "BAMBOOHR_API_KEY": SECRET}, ["BAMBOOHR_SUBDOMAIN:"]),
        (
            {"TEMPORAL_TLS_CERT_PATH": "/nonexistent/cert.pem", "TEMPORAL_API_KEY": SECRET},
            [
                "TEMPORAL_TLS_KEY_PATH: must be set together",
                "TEMPORAL_TLS_CERT_PATH: file not found",
            ],
        ),
        ({"LIFECYCLE_WEBHOOK_PORT": "not-a-port"}, ["LIFECYCLE_WEBHOOK_PORT:"]),
        (
            {"LIFECYCLE_AUDIT_URL": "mysql://db", "OKTA_API_TOKEN": SECRET},
            ["LIFECYCLE_AUDIT_URL: must start with"],
        ),
    ],
)
def test_bad_settings_exit_2_with_one_message_per_problem(
    tmp_path: Path, env: dict[str, str], expected: list[str]
) -> None:
    result = run_cli(["settings", "check"], env, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    for fragment in expected:
        assert any(fragment in line for line in lines), (fragment, lines)
    assert all(line.startswith("configuration error: ") for line in lines), lines
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_settings_from_dotenv_file_and_secrets_masked(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"OKTA_ORG_URL=https://acme.okta.example\nOKTA_API_TOKEN={SECRET}\n"
        f"BAMBOOHR_SUBDOMAIN=acme\nBAMBOOHR_API_KEY={SECRET}x\nBAMBOOHR_WEBHOOK_KEY={SECRET}y\n"
    )
    result = run_cli(["settings", "show"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OKTA_ORG_URL=https://acme.okta.example" in result.stdout
    # Real credentials and no explicit mode: dry-run until the operator switches.
    assert "effective mode: dry-run" in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert "OKTA_API_TOKEN=**********" in result.stdout


def test_environment_overrides_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LIFECYCLE_MODE=dry-run\n")
    result = run_cli(["settings", "show"], {"LIFECYCLE_MODE": "apply"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "effective mode: apply" in result.stdout


def test_version_names_the_installed_release(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = run_cli(["--version"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"lifecycle {version('bamboohr-okta-lifecycle')}"


@pytest.mark.parametrize("command", [["report"], ["worker"]])
def test_a_bad_policy_ends_every_command_that_loads_it_with_exit_2_and_the_line(
    tmp_path: Path, command: list[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("safeguards:\n  max_share: lots\n")
    result = run_cli(command, {"LIFECYCLE_POLICY": str(policy)}, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"configuration error: {policy}:2: safeguards.max_share" in result.stderr
