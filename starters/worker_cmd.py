"""`lifecycle worker`: the worker process (scale by running more of them)."""

from __future__ import annotations

import argparse
import asyncio

from lifecycle.settings import load_settings
from starters.logs import configure_logging


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("worker", help="run a worker (all workflows and activities)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from lifecycle.policy import load_policy
    from workers.worker import run_worker

    settings = load_settings().require("temporal", "okta", "bamboohr", "audit")
    # A bad policy ends the command at once with file:line (exit 2), before any connection.
    load_policy(settings.lifecycle_policy)
    configure_logging(settings)
    asyncio.run(run_worker(settings))
    return 0
