"""The compose stack's one-shot Temporal jobs, run against stand-in `temporal` and
`temporal-sql-tool` commands that record their calls: first start and every later start
(the jobs run on each `docker compose up`) must both end set up, without redoing what exists."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "deploy" / "temporal" / "setup-schema.sh"
NAMESPACE = REPO / "deploy" / "temporal" / "setup-namespace.sh"


def stand_in(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def run(script: Path, bin_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {"PATH": f"{bin_dir}:{os.environ['PATH']}", **env}
    return subprocess.run(["sh", str(script)], env=full, capture_output=True, text=True)


def test_schema_job_creates_then_only_migrates(tmp_path: Path) -> None:
    calls, state = tmp_path / "calls", tmp_path / "state"
    state.mkdir()
    # update-schema fails while a database has no schema; setup-schema gives it one.
    stand_in(
        tmp_path,
        "temporal-sql-tool",
        f"""echo "$*" >> {calls}
db=$(echo "$*" | sed -n 's/.*--db \\([a-z_]*\\).*/\\1/p')
case "$*" in
  *update-schema*) [ -f {state}/$db ] || exit 1 ;;
  *setup-schema*) touch {state}/$db ;;
esac
""",
    )
    env = {"POSTGRES_SEEDS": "postgresql", "POSTGRES_USER": "temporal", "DB_PORT": "5432"}

    first = run(SCHEMA, tmp_path, env)
    assert first.returncode == 0, first.stderr
    lines = calls.read_text().splitlines()
    for db in ("temporal", "temporal_visibility"):
        mine = [line for line in lines if f"--db {db} " in line]
        assert [line.split(f"--db {db} ")[1].split()[0] for line in mine] == [
            "update-schema",
            "create",
            "setup-schema",
            "update-schema",
        ]
    assert "visibility/versioned" in lines[-1]

    calls.unlink()
    again = run(SCHEMA, tmp_path, env)
    assert again.returncode == 0, again.stderr
    assert all("update-schema" in line for line in calls.read_text().splitlines())
    assert "schema up to date" in again.stdout


def test_namespace_job_creates_the_namespace_and_attributes_once(tmp_path: Path) -> None:
    calls, state = tmp_path / "calls", tmp_path / "state"
    state.mkdir()
    stand_in(
        tmp_path,
        "temporal",
        f"""echo "$*" >> {calls}
case "$*" in
  "operator cluster health"*) exit 0 ;;
  "operator namespace describe"*) [ -f {state}/namespace ] || exit 1 ;;
  "operator namespace create"*) touch {state}/namespace ;;
  "operator search-attribute list"*) cat {state}/attributes 2>/dev/null; exit 0 ;;
  "operator search-attribute create"*)
    echo "$*" | sed -n 's/.*--name \\([A-Za-z]*\\).*/\\1 Keyword/p' >> {state}/attributes ;;
esac
""",
    )
    env = {"TEMPORAL_ADDRESS": "temporal:7233", "TEMPORAL_NAMESPACE": "lifecycle"}

    first = run(NAMESPACE, tmp_path, env)
    assert first.returncode == 0, first.stderr
    made = calls.read_text()
    assert "operator namespace create --namespace lifecycle --retention 168h" in made
    assert made.count("search-attribute create") == 6

    calls.unlink()
    again = run(NAMESPACE, tmp_path, env)
    assert again.returncode == 0, again.stderr
    assert "create" not in calls.read_text()  # everything exists: nothing made twice
    assert "namespace lifecycle: exists" in again.stdout
